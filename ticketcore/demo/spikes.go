package demo

import (
	"math"
	"time"
)

// Spike is an incident planted in the demo data on top of the baseline, with
// a known cause, so that spike detection and explanation can be checked
// against what really happened.
type Spike struct {
	Key   string // stable name, e.g. "router-firmware-wifi"
	Title string
	Cause string // what an analyst should be able to explain it with
	// Start and End bound the extra tickets' creation times: [Start, End).
	Start, End time.Time
	// The dimensions the extra tickets share. Region is "" when the spike
	// hit every region; Tier names the dominant customer tier, if any.
	Product, Category, Region, Tier string
	Channels                        []string // dominant channels, most frequent first
	Team                            string   // team that owns the fix
	DeviceModel                     string   // custom field device_model, if the spike is tied to one
	FirmwareVersion                 string   // custom field firmware_version of the broken release
	AppVersion                      string   // custom field app_version of the broken release
	Tag                             string   // tag agents add once they recognise the incident
	// FixedAt is when the fix shipped (FixVersion, if it is a release);
	// tickets still waiting are resolved after it.
	FixedAt    time.Time
	FixVersion string
	// Tickets is how many tickets the spike adds, including one internal
	// problem ticket that tracks the incident itself.
	Tickets int

	topic    string
	share    float64   // share of all tickets
	dayShape []float64 // relative volume of each day of the window
	channelW []float64 // weights of Channels
	regions  []string  // regions of affected customers when Region is ""
	tierW    map[string]float64
}

// spikeDef places a spike relative to the end of the demo window.
type spikeDef struct {
	Spike
	daysAgo    float64 // start, in days before Now, for a 90-day window
	days       int     // length in days
	zone       string  // region whose local midnight starts the window
	startHr    int     // local hour the window starts
	fixAfter   time.Duration
	knownAfter time.Duration // until the cause is recognised and a problem ticket opened
	rollback   string        // version the workaround goes back to
	// workaroundP is the chance an affected ticket gets the workaround
	// (the topic's second resolution) instead of waiting for the fix.
	workaroundP float64
	// note and resolutions replace the topic's when the topic also occurs
	// outside the spike with another cause.
	note        bi
	resolutions []bi
	problem     problemText
}

// problemText is the internal problem ticket a team lead opens for a spike.
type problemText struct {
	subject, description, resolution bi
	notes                            []bi // progress notes until the fix ships
}

func spikeDefs() []spikeDef {
	return []spikeDef{
		{
			Spike: Spike{
				Key:   "router-firmware-wifi",
				Title: "AX3000 firmware 3.2.0 breaks 5 GHz Wi-Fi in cn-south",
				Cause: "Over-the-air firmware 3.2.0 was pushed to AX3000 routers in cn-south; its 5 GHz radio driver crashes under load. " +
					"Rolled back or fixed by hotfix 3.2.1 three days later.",
				Product: ProductRouter, Category: "connectivity", Region: "cn-south",
				Channels: []string{"phone", "chat", "social", "web"}, channelW: []float64{0.45, 0.35, 0.1, 0.1},
				Team: TeamNetwork, DeviceModel: "AX3000", FirmwareVersion: "3.2.0", FixVersion: "3.2.1", Tag: "incident-fw320-wifi",
				topic: "router-firmware-regression", share: 0.05, dayShape: []float64{0.35, 0.4, 0.25},
			},
			daysAgo: 24, days: 3, zone: "cn-south", fixAfter: 3*24*time.Hour + 6*time.Hour,
			knownAfter: 9 * time.Hour, workaroundP: 0.45, rollback: "3.1.8",
			problem: problemText{
				subject: bi{"[Problem] AX3000 firmware 3.2.0: 5 GHz Wi-Fi drops after OTA in cn-south",
					"【问题单】AX3000固件3.2.0 OTA后5G WiFi断连（华南）"},
				description: bi{"Since the 3.2.0 OTA rollout to cn-south at 02:00 we see a sharp rise of Wi-Fi drop reports from AX3000 owners, mostly on the phone and chat queues. Reproduced in the lab: the 5 GHz radio driver crashes under load and the radio restarts every few minutes. AX3000-Pro is not affected.",
					"3.2.0于凌晨2点向华南地区OTA推送后，AX3000用户WiFi掉线投诉激增，主要集中在电话和在线客服队列。实验室已复现：5G射频驱动在高负载下崩溃，射频每几分钟重启一次。AX3000-Pro不受影响。"},
				notes: []bi{
					{"OTA rollout of 3.2.0 paused for all regions. Agents: offer the rollback to 3.1.8 or ask customers to wait for the hotfix.",
						"已暂停3.2.0在所有地区的OTA推送。坐席可提供回退到3.1.8的方案，或请用户等待热修复。"},
					{"Hotfix 3.2.1 built and in QA; ETA 48 hours.", "热修复3.2.1已构建并进入测试，预计48小时内发布。"},
					{"3.2.1 released via OTA and on the download centre. Please ask customers to update and resolve linked tickets.",
						"3.2.1已通过OTA和官网下载中心发布，请通知用户升级并解决关联工单。"},
				},
				resolution: bi{"Root cause: a regression in the 5 GHz radio driver shipped in AX3000 firmware 3.2.0 crashed the radio under load. Fixed in hotfix 3.2.1 (released via OTA). The OTA pipeline now requires a 24-hour soak on a canary group before any regional rollout.",
					"根本原因：AX3000固件3.2.0中的5G射频驱动回归缺陷导致高负载时射频崩溃。已在热修复3.2.1中修复并通过OTA发布。OTA流程新增要求：区域推送前须在灰度用户组中稳定运行24小时。"},
			},
		},
		{
			Spike: Spike{
				Key:   "billing-double-charge",
				Title: "Renewal billing run charged subscriptions twice",
				Cause: "After a scheduler failover the nightly renewal run of Nimbus Billing executed twice, charging premium renewals twice. " +
					"Duplicates were refunded over the following days.",
				Product: ProductBilling, Category: "billing", Tier: "premium",
				Channels: []string{"email", "web", "chat"}, channelW: []float64{0.45, 0.35, 0.2},
				Team: TeamBilling, Tag: "incident-double-charge",
				topic: "billing-double-charge", share: 0.025, dayShape: []float64{1},
				regions: []string{"emea", "na", "apac", "cn-north", "cn-south"},
				tierW:   map[string]float64{"premium": 0.75, "enterprise": 0.15, "vip": 0.1},
			},
			daysAgo: 51, days: 1, zone: "", startHr: 2, fixAfter: 20 * time.Hour,
			knownAfter: 6 * time.Hour,
			note: bi{"Part of the renewal double-run incident (problem ticket linked). Duplicate capture confirmed on the gateway report.",
				"属于续费批处理重复执行事故（已关联事故单），网关报表确认重复扣款。"},
			resolutions: []bi{{
				"Root cause: the nightly renewal run was executed twice after a scheduler failover (incident ticket linked), so invoice {invoice} was charged twice. Fix: the duplicate charge of {amount} was refunded to the original payment method in the incident refund batch (3-5 business days) and a confirmation email was sent.",
				"原因：调度系统故障切换后续费批处理被执行两次（已关联事故单），导致账单{invoice}被重复扣款。处理：重复扣取的{amount}已在事故退款批次中原路退回（3-5个工作日到账），并已发送确认邮件。",
			}},
			problem: problemText{
				subject: bi{"[Incident] Renewal billing run executed twice on {run_date}", "【事故单】{run_date}续费批处理重复执行"},
				description: bi{"The nightly renewal run started twice after the scheduler failover at 02:00 UTC, and premium renewals were captured twice. Finance confirmed the duplicates on the payment gateway report; customers are writing in on email and web.",
					"02:00 UTC调度系统故障切换后，夜间续费批处理启动了两次，高级版续费被重复扣款。财务已在支付网关报表中确认重复扣款，用户正通过邮件和网页大量反馈。"},
				notes: []bi{
					{"Scheduler pinned to a single instance; no further duplicate captures.", "调度已固定为单实例，不再产生重复扣款。"},
					{"Duplicate list exported from the gateway; refund batch scheduled.", "已从网关导出重复扣款清单，退款批次已排期。"},
					{"Refund batch executed for all duplicate captures. Please resolve linked customer tickets with the standard reply.",
						"所有重复扣款已批量退款，请使用标准回复解决关联的用户工单。"},
				},
				resolution: bi{"Root cause: after a scheduler failover the renewal job ran on two nodes, and the job did not check for an existing capture per invoice. All duplicate captures were refunded in one batch. Fix: the job now takes a distributed lock and captures are idempotent per invoice id.",
					"根本原因：调度故障切换后续费任务在两个节点上同时运行，且任务未按账单检查是否已扣款。所有重复扣款已批量退回。修复：任务增加分布式锁，并按账单号保证扣款幂等。"},
			},
		},
		{
			Spike: Spike{
				Key:     "app-login-crash",
				Title:   "Aurora Home 5.2.0 crashes at login on iOS",
				Cause:   "App release 5.2.0 crashes in the biometric login path on iOS 18. Hotfix 5.2.1 shipped after two days.",
				Product: ProductApp, Category: "app_crash",
				Channels: []string{"chat", "email", "social", "web"}, channelW: []float64{0.35, 0.3, 0.2, 0.15},
				Team: TeamMobile, AppVersion: "5.2.0", FixVersion: "5.2.1", Tag: "incident-app520-login",
				topic: "app-login-crash", share: 0.02, dayShape: []float64{0.6, 0.4},
				regions: []string{"na", "emea", "apac"},
			},
			daysAgo: 10, days: 2, zone: "na", fixAfter: 2*24*time.Hour + 12*time.Hour,
			knownAfter: 5 * time.Hour, workaroundP: 0.4,
			problem: problemText{
				subject: bi{"[Problem] Aurora Home 5.2.0 crashes at login on iOS 18", "【问题单】Aurora Home 5.2.0 在iOS 18登录时闪退"},
				description: bi{"Since the 5.2.0 release crash reports on iOS 18 rose sharply: the app crashes in the biometric login path right after the token call. Android is not affected. Workaround: disable Face ID login for the app.",
					"5.2.0发布后iOS 18崩溃报告激增：App在获取令牌后的生物识别登录流程中崩溃。安卓不受影响。临时方案：关闭App的面容ID登录。"},
				notes: []bi{
					{"Phased release of 5.2.0 halted in App Store Connect.", "已在App Store Connect中暂停5.2.0的分阶段发布。"},
					{"Fix merged; 5.2.1 submitted for expedited App Store review.", "修复已合并，5.2.1已提交App Store加急审核。"},
					{"5.2.1 is live in the App Store. Resolve linked tickets with the update instructions.", "5.2.1已在App Store上架，请按升级说明解决关联工单。"},
				},
				resolution: bi{"Root cause: a nil credential in the new biometric login flow crashed 5.2.0 on iOS 18. Fixed in 5.2.1. The release smoke test now covers biometric login on the latest iOS.",
					"根本原因：新版生物识别登录流程中凭据为空导致5.2.0在iOS 18上崩溃。已在5.2.1中修复。发布冒烟测试已增加最新iOS上的生物识别登录用例。"},
			},
		},
	}
}

// Plan returns the spikes a dataset with these options contains, without
// generating it: what spike detection is expected to find.
func Plan(opts Options) ([]Spike, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	return planSpikes(opts.Now.UTC().Truncate(time.Second), opts.Days, opts.Tickets), nil
}

// planSpikes places the spikes in the window that ends at now. Offsets are
// scaled to shorter windows, and each spike keeps at least one day between
// its end and now.
func planSpikes(now time.Time, days, tickets int) []Spike {
	var out []Spike
	for _, d := range spikeDefs() {
		s := d.Spike
		ago := int(math.Round(d.daysAgo * float64(days) / 90))
		ago = max(ago, d.days+1)
		loc := time.UTC
		if d.zone != "" {
			loc = regionZone(d.zone)
		}
		local := now.In(loc)
		midnight := time.Date(local.Year(), local.Month(), local.Day(), d.startHr, 0, 0, 0, loc)
		s.Start = midnight.AddDate(0, 0, -ago).UTC()
		s.End = s.Start.Add(time.Duration(d.days) * 24 * time.Hour)
		s.FixedAt = s.Start.Add(d.fixAfter)
		s.Tickets = max(3, int(math.Round(s.share*float64(tickets))))
		s.Channels = append([]string(nil), s.Channels...)
		out = append(out, s)
	}
	return out
}

package routing

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/deskmine/deskmine/ticketcore/events"
)

// Result is what MeasureRoute measured. Latencies are per decision: the
// rules applied to one ticket, the team's strategy run over the roster and
// the decision committed.
type Result struct {
	Agents     int           `json:"agents"`
	Teams      int           `json:"teams"`
	Rules      int           `json:"rules"`
	Keywords   int           `json:"keywords"` // distinct keywords in the automaton
	Decisions  int           `json:"decisions"`
	Assigned   int           `json:"assigned"`
	Overflowed int           `json:"overflowed"`
	Unassigned int           `json:"unassigned"`    // every team of the backup chain was saturated
	NotAsked   int           `json:"not_requested"` // no matching rule asked for an assignment
	P50        time.Duration `json:"p50_ns"`
	P90        time.Duration `json:"p90_ns"`
	P99        time.Duration `json:"p99_ns"`
	Max        time.Duration `json:"max_ns"`
	Mean       time.Duration `json:"mean_ns"`
}

// MeasureRoute builds a generated but realistic setup (30 teams, the given
// number of agents and rules, bilingual rules and tickets with Chinese and
// English keywords) from seed, and measures the latency of decisions routed
// one after another, as the API would, with loads kept at a steady level by
// releasing the oldest assignments. Agents start with random loads, so some
// are full and some teams overflow. The setup is not timed; a warm-up of up
// to 1,000 decisions is not counted.
func MeasureRoute(agents, rules, decisions int, seed uint64) (Result, error) {
	if agents < 1 || rules < 1 || decisions < 1 {
		return Result{}, errors.New("agents, rules and decisions must be positive")
	}
	s, err := newSetup(agents, rules, seed)
	if err != nil {
		return Result{}, err
	}
	res := Result{Agents: agents, Teams: len(s.teams), Rules: rules, Keywords: s.router.Keywords(), Decisions: decisions}
	for range min(1000, decisions) {
		s.decide()
	}
	lat := make([]time.Duration, decisions)
	var total time.Duration
	for i := range lat {
		start := time.Now()
		d := s.decide()
		lat[i] = time.Since(start)
		total += lat[i]
		switch {
		case d.Strategy == StrategyNone:
			res.NotAsked++
		case d.Agent == "":
			res.Unassigned++
		case d.Overflowed:
			res.Overflowed++
			res.Assigned++
		default:
			res.Assigned++
		}
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	res.P50, res.P90, res.P99, res.Max = pct(0.50), pct(0.90), pct(0.99), lat[len(lat)-1]
	res.Mean = total / time.Duration(decisions)
	return res, nil
}

// setup is a generated helpdesk routed decision after decision.
type setup struct {
	teams   []Team
	router  *Router
	roster  *Roster
	tickets []events.Ticket
	next    int
	now     time.Time
	open    []openTicket // FIFO of committed assignments
	maxOpen int
}

type openTicket struct {
	login    string
	priority string
}

// decide routes the next ticket and commits the decision.
func (s *setup) decide() Decision {
	t := s.tickets[s.next%len(s.tickets)]
	s.next++
	s.now = s.now.Add(7 * time.Second)
	out, d := s.router.Route(t, s.roster, s.now)
	if d.Agent != "" && d.Strategy != StrategyNone {
		nt := out.ApplyTo(t)
		_ = s.roster.Commit(nt, d, s.now) // the agent comes from the roster
		// s.open is a ring: once full, the oldest assignment is released
		if len(s.open) == s.maxOpen {
			o := s.open[s.next%s.maxOpen]
			_ = s.roster.Release(o.login, events.Ticket{Priority: o.priority})
			s.open[s.next%s.maxOpen] = openTicket{d.Agent, nt.Priority}
		} else {
			s.open = append(s.open, openTicket{d.Agent, nt.Priority})
		}
	}
	return d
}

// topic is a subject of tickets with its skill, team and keywords.
type topic struct {
	skill string
	team  string
	en    []string
	zh    []string
}

func topics() []topic {
	return []topic{
		{"refunds", "refunds", []string{"refund", "money back", "chargeback", "reimburse*", "refund request"}, []string{"退款", "退钱", "退费", "申请退款"}},
		{"invoicing", "invoices", []string{"invoice", "receipt", "vat", "billing address", "tax id"}, []string{"发票", "收据", "开票", "税号"}},
		{"payments", "payments", []string{"payment failed", "card declined", "paypal", "alipay", "double charged"}, []string{"支付失败", "付款", "扣款", "支付宝", "微信支付"}},
		{"shipping", "shipping", []string{"shipping", "delivery", "tracking number", "courier", "parcel"}, []string{"物流", "快递", "配送", "运单号", "包裹"}},
		{"returns", "returns", []string{"return", "exchange", "rma", "send back"}, []string{"退货", "换货", "寄回"}},
		{"accounts", "login", []string{"login", "password", "2fa", "locked out", "reset password"}, []string{"登录", "密码", "验证码", "账号被锁"}},
		{"security", "security", []string{"hacked", "phishing", "suspicious", "data breach"}, []string{"盗号", "钓鱼", "可疑", "泄露"}},
		{"hardware", "hardware", []string{"broken", "overheating", "battery", "screen", "charger"}, []string{"坏了", "发热", "电池", "屏幕", "充电器"}},
		{"mobile", "mobile-app", []string{"crash", "app store", "android", "ios", "update"}, []string{"闪退", "崩溃", "安卓", "更新"}},
		{"api", "api", []string{"api", "webhook", "rate limit", "500 error", "timeout"}, []string{"接口", "回调", "限流", "超时"}},
		{"subscriptions", "subscriptions", []string{"subscription", "renewal", "cancel*", "upgrade", "downgrade"}, []string{"订阅", "续费", "取消", "升级", "降级"}},
		{"fraud", "fraud", []string{"fraud", "unauthorized", "scam", "stolen card"}, []string{"欺诈", "盗刷", "诈骗"}},
		{"compliance", "compliance", []string{"gdpr", "data deletion", "privacy", "consent"}, []string{"隐私", "删除数据", "合规"}},
		{"onboarding", "onboarding", []string{"setup", "getting started", "install", "configure"}, []string{"安装", "配置", "入门", "新手"}},
		{"complaints", "escalations-l2", []string{"complaint", "lawyer", "unacceptable", "worst service"}, []string{"投诉", "差评", "律师", "不满意"}},
		{"integrations", "integrations", []string{"salesforce", "slack", "zapier", "sso", "saml"}, []string{"集成", "单点登录", "对接"}},
	}
}

func teamNames() []string {
	return []string{"billing", "refunds", "payments", "invoices", "shipping", "returns", "logistics",
		"accounts", "security", "login", "hardware", "repairs", "mobile-app", "web-app", "api",
		"integrations", "enterprise", "vip-care", "onboarding", "subscriptions", "fraud", "compliance",
		"cn-support", "en-support", "apac-support", "eu-support", "escalations-l2", "escalations-l3",
		"social-media", "general"}
}

func newSetup(nAgents, nRules int, seed uint64) (*setup, error) {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	tops := topics()
	names := teamNames()
	strategies := []Strategy{StrategyLeastLoaded, StrategyRoundRobin, StrategySticky, StrategySkillPreference}
	var skills []string
	for _, t := range tops {
		skills = append(skills, t.skill)
	}
	s := &setup{now: time.Date(2026, 1, 5, 6, 0, 0, 0, time.UTC), maxOpen: nAgents * 4}
	for i, n := range names {
		t := Team{Name: n, Strategy: strategies[i%4]}
		if i%3 == 2 {
			t.BackupTeam = names[i-2] // every team is in a three-team backup cycle
		} else {
			t.BackupTeam = names[i+1]
		}
		for _, tp := range tops {
			if tp.team == n {
				t.Skills = []string{tp.skill}
			}
		}
		s.teams = append(s.teams, t)
	}
	saturated := []string{"fraud", "compliance", "security"} // understaffed: they overflow
	zones := []*time.Location{time.FixedZone("UTC+8", 8*3600), time.FixedZone("UTC+1", 3600), time.FixedZone("UTC-5", -5*3600)}
	regions := []string{"cn", "us", "eu", "apac"}
	agents := make([]Agent, nAgents)
	for i := range agents {
		a := Agent{Login: fmt.Sprintf("agent%04d", i), Name: fmt.Sprintf("Agent %d", i),
			Capacity: 10 + rng.IntN(31), Skills: map[string]int{}, Level: 1}
		a.Teams = []string{names[i%len(names)]}
		for range rng.IntN(3) {
			if n := names[rng.IntN(len(names))]; !slices.Contains(a.Teams, n) && !slices.Contains(saturated, n) {
				a.Teams = append(a.Teams, n)
			}
		}
		for range 2 + rng.IntN(4) {
			a.Skills[skills[rng.IntN(len(skills))]] = 1 + rng.IntN(5)
		}
		region := regions[rng.IntN(len(regions))]
		a.Regions = []string{region}
		switch {
		case region == "cn":
			a.Languages = []string{"zh", "en"}
		case rng.IntN(4) == 0:
			a.Languages = []string{"en", "zh"}
		default:
			a.Languages = []string{"en"}
		}
		switch p := rng.IntN(10); {
		case p < 8:
			a.Status = StatusOnline
		case p < 9:
			a.Status = StatusAway
		default:
			a.Status = StatusOffline
		}
		if rng.IntN(4) == 0 {
			loc := zones[rng.IntN(len(zones))]
			var spans []Span
			for d := time.Monday; d <= time.Friday; d++ {
				spans = append(spans, Span{Day: d, From: 9 * time.Hour, To: 18 * time.Hour})
			}
			a.WorkingHours = Weekly(loc, spans...)
		}
		if p := rng.IntN(20); p >= 14 {
			a.Level = 2
		} else if p == 19 {
			a.Level = 3
		}
		agents[i] = a
	}
	roster, err := NewRoster(s.teams, agents, RosterOptions{CategorySkills: map[string][]string{"billing": {"payments", "invoicing"}}})
	if err != nil {
		return nil, fmt.Errorf("generated roster: %w", err)
	}
	for _, a := range agents {
		load := rng.IntN(a.Capacity + 1)
		if slices.Contains(saturated, a.Teams[0]) && rng.IntN(20) > 0 {
			load = a.Capacity
		}
		_ = roster.SetLoad(a.Login, load) // the login exists
	}
	s.roster = roster

	rs := generateRules(rng, nRules, tops, names)
	known := KnownFields{
		Teams:         names,
		SLAPolicies:   []string{"standard", "premium", "vip", "urgent"},
		CustomerTiers: []string{"standard", "premium", "vip", "enterprise"},
		CustomFields: map[string]CustomField{
			"plan":        {Kind: FieldEnum, Options: []string{"free", "pro", "business", "enterprise"}},
			"order_total": {Kind: FieldNumber},
			"language":    {Kind: FieldText},
		},
	}
	router, err := Compile(rs, known)
	if err != nil {
		return nil, fmt.Errorf("generated rules: %w", err)
	}
	s.router = router
	s.tickets = generateTickets(rng, 4096, tops)
	return s, nil
}

func pick[T any](rng *rand.Rand, l []T) T { return l[rng.IntN(len(l))] }

func pickN[T comparable](rng *rand.Rand, l []T, n int) []T {
	var out []T
	for len(out) < n && len(out) < len(l) {
		if v := pick(rng, l); !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

func generateRules(rng *rand.Rand, n int, tops []topic, teams []string) RuleSet {
	channels := defaultChannels()
	tiers := []string{"standard", "premium", "vip", "enterprise"}
	products := []string{"x200", "x300 pro", "pixel pad", "smart hub"}
	rs := RuleSet{Version: 1}
	for i := range n - 1 {
		tp := pick(rng, tops)
		var all []Condition
		if rng.IntN(10) == 0 {
			// a narrow structured rule: a channel, a tier and a priority
			all = append(all,
				Condition{Field: "channel", Op: OpEq, Value: pick(rng, channels)},
				Condition{Field: "customer.tier", Op: OpEq, Value: pick(rng, tiers)},
				Condition{Field: "priority", Op: OpEq, Value: "P1"})
		} else {
			kws := pickN(rng, tp.en, 1+rng.IntN(3))
			kws = append(kws, pickN(rng, tp.zh, 1+rng.IntN(2))...)
			if rng.IntN(3) == 0 {
				p := pick(rng, products)
				kws = append(kws, p+" "+tp.en[0], strings.ReplaceAll(p, " ", "")+tp.zh[0])
			}
			if rng.IntN(3) == 0 {
				kws = append(kws, fmt.Sprintf("e%04d", rng.IntN(10000)))
			}
			field := "text"
			if rng.IntN(10) < 3 {
				field = "subject"
			}
			all = append(all, Condition{Field: field, Op: OpKeywords, Value: kws})
		}
		if rng.IntN(2) == 0 {
			all = append(all, Condition{Field: "channel", Op: OpIn, Value: pickN(rng, channels, 1+rng.IntN(3))})
		}
		if rng.IntN(10) < 3 {
			all = append(all, Condition{Field: "customer.tier", Op: OpIn, Value: pickN(rng, tiers, 1+rng.IntN(2))})
		}
		if rng.IntN(10) < 2 {
			all = append(all, Condition{Field: "priority", Op: OpIn, Value: pickN(rng, defaultPriorities(), 1+rng.IntN(2))})
		}
		if rng.IntN(10) < 2 {
			all = append(all, Condition{Field: "custom_fields.plan", Op: OpEq, Value: pick(rng, []string{"free", "pro", "business", "enterprise"})})
		}
		if rng.IntN(10) < 2 {
			all = append(all, Condition{Field: "custom_fields.order_total", Op: OpGt, Value: float64(50 * rng.IntN(20))})
		}
		if rng.IntN(10) < 2 {
			all = append(all, Condition{Not: &Condition{Field: "tags", Op: OpContains, Value: "spam"}})
		}
		if rng.IntN(10) < 1 {
			all = append(all, Condition{Any: []Condition{
				{Field: "urgency", Op: OpEq, Value: "critical"},
				{Field: "customer.tier", Op: OpEq, Value: "vip"},
			}})
		}
		if rng.IntN(10) < 1 {
			all = append(all, Condition{Field: "customer.region", Op: OpIn, Value: []string{"cn", "apac"}})
		}
		rule := Rule{ID: fmt.Sprintf("r%03d-%s", i, tp.skill), Name: "route " + tp.skill, Enabled: rng.IntN(20) > 0,
			Stop: rng.IntN(5) > 0, Conditions: Condition{All: all}}
		assign := rng.IntN(20) < 17
		if assign || rng.IntN(10) < 9 {
			team := tp.team
			if rng.IntN(4) == 0 {
				team = pick(rng, teams)
			}
			rule.Actions = append(rule.Actions, Action{Type: ActionSetTeam, Team: team})
		}
		if rng.IntN(10) < 3 {
			rule.Actions = append(rule.Actions, Action{Type: ActionSetPriority, Priority: pick(rng, defaultPriorities())})
		}
		if rng.IntN(2) == 0 {
			rule.Actions = append(rule.Actions, Action{Type: ActionAddTags, Tags: []string{tp.skill}})
		}
		if rng.IntN(10) < 3 {
			rule.Actions = append(rule.Actions, Action{Type: ActionSetSLAPolicy, Policy: pick(rng, []string{"standard", "premium", "vip", "urgent"})})
		}
		if rng.IntN(10) < 4 {
			rule.Actions = append(rule.Actions, Action{Type: ActionAddSkills, Skills: []string{tp.skill}})
		}
		if assign {
			rule.Actions = append(rule.Actions, Action{Type: ActionAssign, Agent: AssignAuto})
		}
		if len(rule.Actions) == 0 {
			rule.Actions = append(rule.Actions, Action{Type: ActionAddTags, Tags: []string{"routed"}})
		}
		rs.Rules = append(rs.Rules, rule)
	}
	rs.Rules = append(rs.Rules, Rule{ID: "catch-all", Name: "everything else", Enabled: true, Stop: true,
		Actions: []Action{{Type: ActionSetTeam, Team: "general"}, {Type: ActionAssign, Agent: AssignAuto}}})
	return rs
}

func generateTickets(rng *rand.Rand, n int, tops []topic) []events.Ticket {
	enFill := strings.Fields("hello I have a problem with my order since yesterday and it still does not work " +
		"please help me as soon as possible thanks the team told me to wait but nothing happened " +
		"could you check what is going on this is the second time I contact you about it")
	zhFill := []string{"您好", "我的订单", "从昨天开始", "一直没有", "请尽快处理", "谢谢", "客服", "这个问题",
		"还是不行", "已经联系过", "第二次了", "麻烦看一下", "非常着急", "没有回复", "怎么回事"}
	products := []string{"x200", "x300 pro", "pixel pad", "smart hub"}
	tiers := []string{"standard", "standard", "premium", "vip", "enterprise"}
	out := make([]events.Ticket, n)
	for i := range out {
		tp := pick(rng, tops)
		zh := rng.IntN(2) == 0
		var subj, desc strings.Builder
		words := 30 + rng.IntN(200)
		if zh {
			subj.WriteString(pick(rng, zhFill))
			subj.WriteString(pick(rng, tp.zh))
			subj.WriteString(pick(rng, zhFill))
			for w := range words / 3 {
				if w%9 == 4 {
					desc.WriteString(pick(rng, tp.zh))
				}
				desc.WriteString(pick(rng, zhFill))
				if w%5 == 0 {
					desc.WriteString("，")
				}
			}
			desc.WriteString("。")
		} else {
			fmt.Fprintf(&subj, "Problem with %s on my %s", strings.TrimSuffix(pick(rng, tp.en), "*"), pick(rng, products))
			for w := range words {
				if w > 0 {
					desc.WriteByte(' ')
				}
				if w%17 == 8 {
					desc.WriteString(strings.TrimSuffix(pick(rng, tp.en), "*"))
					continue
				}
				desc.WriteString(pick(rng, enFill))
			}
			desc.WriteByte('.')
		}
		t := events.Ticket{ID: int64(i + 1), Version: 1, Subject: subj.String(), Description: desc.String(),
			Type: "question", Channel: pick(rng, defaultChannels()), Urgency: pick(rng, defaultUrgencies()),
			Priority: pick(rng, []string{"P2", "P3", "P3", "P3", "P4", "P1"}), Status: "new",
			Customer: events.Customer{ID: int64(1 + rng.IntN(5000)), Tier: pick(rng, tiers),
				Region: pick(rng, []string{"cn", "us", "eu", "apac"})},
			CustomFields: map[string]any{"plan": pick(rng, []string{"free", "pro", "business", "enterprise"}),
				"order_total": float64(rng.IntN(1000))},
			CreatedAt: time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute)}
		if rng.IntN(10) == 0 {
			t.Tags = []string{"spam"}
		}
		if rng.IntN(3) == 0 {
			t.Team = "general"
		}
		out[i] = t
	}
	return out
}

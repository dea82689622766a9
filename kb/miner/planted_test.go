package miner

import (
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deskmine/deskmine/internal/testdata"
)

// problem is one planted topic: each ticket picks a subject, some symptom
// sentences (each in one of its wordings) and the steps (each in one of its
// wordings), formatted in one of several styles.
type problem struct {
	name       string
	subjects   []string
	symptoms   [][]string
	steps      [][]string
	category   string
	product    string
	chinese    bool
	resolution func(r *rand.Rand, k int) string // overrides steps when set
}

var plantedProblems = []problem{
	{
		name: "vpn",
		subjects: []string{"VPN fails to connect with error 809", "Cannot connect to VPN - error 809",
			"GlobalConnect VPN error 809 after Windows update", "VPN connection drops with error 809",
			"Re: VPN not connecting, error 809", "[URGENT] vpn error 809 from home",
			"Unable to reach VPN gateway (error 809)", "VPN client error 809 since this morning"},
		symptoms: [][]string{
			{"Since the latest Windows update the VPN client fails with error 809.", "After installing the Windows update, the GlobalConnect client shows error 809."},
			{"The connection attempt times out while negotiating with the gateway.", "The client hangs negotiating with the gateway and then times out."},
			{"I am working from home on the company laptop.", "Working remotely from my home network."},
			{"Colleagues in the office can connect fine.", "Other people on my team have no VPN problem."},
		},
		steps: [][]string{
			{"Open the network adapter settings and reset the VPN adapter", "Reset the VPN network adapter in the adapter settings"},
			{"Reinstall the GlobalConnect VPN client from the software portal", "Reinstall the GlobalConnect client using the software portal"},
			{"Reboot the laptop and connect to the VPN again", "Restart the laptop, then reconnect to the VPN"},
		},
		category: "Network", product: "GlobalConnect VPN",
	},
	{
		name: "outlook",
		subjects: []string{"Outlook keeps asking for password", "Outlook password prompt loop",
			"Outlook prompts for credentials repeatedly", "Fw: Outlook asks for my password every few minutes",
			"Credential prompt in Outlook will not go away", "Outlook keeps requesting credentials after password change",
			"Repeated Outlook login prompts", "Outlook password popup keeps coming back"},
		symptoms: [][]string{
			{"Outlook keeps asking for my password even though I type it correctly.", "The password prompt in Outlook returns every few minutes although the password is correct."},
			{"This started right after I changed my domain password.", "It began after the mandatory password change yesterday."},
			{"Webmail works with the same password.", "I can log in to webmail without any problem."},
			{"Mails are not syncing while the prompt is open.", "New mail does not arrive until I cancel the prompt."},
		},
		steps: [][]string{
			{"Open Credential Manager and remove all cached Outlook and Office credentials", "Delete the cached Office and Outlook entries in Credential Manager"},
			{"Delete the Office identity registry key under HKCU", "Remove the Office Identity key from the HKCU registry"},
			{"Restart Outlook and sign in with the new password", "Start Outlook again and log in using the new password"},
		},
		category: "Email", product: "Outlook",
	},
	{
		name: "printer",
		subjects: []string{"Print jobs stuck in queue on floor 3 printer", "Printer queue stuck, nothing prints",
			"Cannot print - jobs stay in the queue", "Documents stuck in print queue", "Printing not working, queue frozen",
			"Print spooler stuck again", "Nothing comes out of the 3rd floor printer", "Jobs pile up in printer queue"},
		symptoms: [][]string{
			{"My print jobs stay in the queue with status spooling and never print.", "Documents sit in the printer queue showing spooling forever."},
			{"Deleting the jobs from the queue does not work.", "I cannot cancel the stuck jobs in the queue."},
			{"Other people on the floor have the same issue.", "The whole floor cannot print."},
		},
		steps: [][]string{
			{"Stop the Print Spooler service in services.msc", "In services.msc stop the Print Spooler service"},
			{"Delete all files in C:\\Windows\\System32\\spool\\PRINTERS", "Clear the spool folder C:\\Windows\\System32\\spool\\PRINTERS"},
			{"Start the Print Spooler service again and resend the print job", "Restart the Print Spooler service and print the document again"},
		},
		category: "Hardware", product: "Printers",
	},
	{
		name: "dock",
		subjects: []string{"External monitors not detected on docking station", "Docking station monitors stay black",
			"Second screen not working via dock", "Dock does not detect my monitors", "No display on monitors connected to the dock",
			"Monitors on USB-C dock not recognised", "Docking station: external displays not found", "Screens connected to dock show no signal"},
		symptoms: [][]string{
			{"When I connect the laptop to the USB-C docking station the external monitors show no signal.", "The monitors attached to the USB-C dock stay black with no signal."},
			{"Charging and USB devices through the dock still work.", "Keyboard and mouse on the dock work and the laptop charges."},
			{"The monitors work when connected directly to the laptop HDMI port.", "Plugging a monitor straight into the laptop HDMI port works."},
		},
		steps: [][]string{
			{"Update the docking station firmware with the vendor firmware tool", "Run the vendor firmware tool to update the dock firmware"},
			{"Reinstall the DisplayLink driver from the software portal", "Remove and reinstall the DisplayLink display driver"},
			{"Disconnect the dock power for one minute and reconnect the laptop", "Unplug the dock power for a minute, then reconnect the laptop"},
		},
		category: "Hardware", product: "Docking station",
	},
	{
		name: "sap",
		subjects: []string{"SAP account locked", "Locked out of SAP after failed logins", "SAP user locked - cannot log in",
			"SAP login says user is locked", "Please unlock my SAP user", "SAP account blocked after wrong passwords",
			"Cannot access SAP, user locked", "SAP user locked again"},
		symptoms: [][]string{
			{"SAP says my user is locked after too many failed logon attempts.", "The SAP logon reports the user as locked because of incorrect logon attempts."},
			{"I need access today for month-end closing.", "Urgent because of the month-end closing."},
			{"I probably used my old password.", "I may have typed the old password several times."},
		},
		steps: [][]string{
			{"Unlock the user in transaction SU01", "In SU01 unlock the user account"},
			{"Set a temporary initial password for the SAP user", "Reset the SAP password to a temporary initial password"},
			{"Ask the user to log on and change the temporary password", "User logs on with the temporary password and sets a new one"},
		},
		category: "Access", product: "SAP",
	},
	{
		name: "wecom", chinese: true,
		subjects: []string{"企业微信登录提示网络异常", "企业微信无法登录，显示网络异常", "电脑版企业微信登录失败",
			"企业微信一直提示网络连接异常", "回复：企业微信登录不上", "企业微信PC端登录报网络异常",
			"企业微信登录失败 网络异常", "无法登录企业微信客户端"},
		symptoms: [][]string{
			{"打开企业微信后一直提示网络异常，无法登录。", "企业微信启动后显示网络异常，登录不了。"},
			{"浏览器和其他软件上网都正常。", "其他网站都可以正常访问。"},
			{"从昨天开始出现这个问题。", "今天早上开始就这样了。"},
		},
		steps: [][]string{
			{"清除企业微信缓存文件", "删除企业微信的缓存文件夹"},
			{"检查并关闭系统代理设置", "关闭电脑的系统代理设置"},
			{"重新安装最新版企业微信客户端", "卸载后重新安装最新版企业微信"},
		},
		category: "协作工具", product: "企业微信",
	},
	{
		// Same problem, contradictory resolutions: no candidate, a gap.
		name: "drive",
		subjects: []string{"Mapped network drive H: disappeared", "Lost my H: drive mapping", "H: drive missing after login",
			"Network drive H not mapped anymore", "H drive mapping gone", "Cannot see my H: network drive",
			"H: drive disconnected", "My mapped H drive is missing"},
		symptoms: [][]string{
			{"After logging in this morning the mapped network drive H: is missing in Explorer.", "The H: network drive mapping is gone from Explorer since this morning."},
			{"I need the files on the H drive for the audit.", "My audit files are on the H drive."},
			{"Mapping it manually fails with a red cross.", "Reconnecting the drive manually shows a red cross."},
		},
		resolution: func(_ *rand.Rand, k int) string {
			return []string{
				"Replaced the faulty network cable at the desk.",
				"Added the user to the FIN-Share security group in Active Directory.",
				"User reported it works again, no action taken.",
				"Reinstalled Microsoft Office on the workstation.",
				"Renewed the expired certificate on the file server.",
				"Updated the BIOS firmware of the laptop.",
				"Cleared the browser cookies and cache.",
				"Ordered a new monitor for the user.",
			}[k%8]
		},
		category: "Storage", product: "File shares",
	},
	{
		// Nearly duplicates the published teamsArticle, which lacks step 3.
		name: "teams",
		subjects: []string{"Teams camera shows black screen", "Camera not working in Microsoft Teams", "Black video in Teams meetings",
			"Webcam black in Teams", "Teams video shows only black", "No camera picture in Teams calls",
			"Microsoft Teams camera black screen", "Teams does not show my camera image"},
		symptoms: [][]string{
			{"In Teams meetings my camera only shows a black screen.", "The camera preview in Microsoft Teams is black."},
			{"The camera works in the Windows Camera app.", "Other apps can use the camera without problems."},
			{"It started after the last Teams update.", "Since the Teams update last week."},
		},
		steps: [][]string{
			{"Quit Teams completely and clear the Teams cache folder", "Close Microsoft Teams and delete the Teams cache folder"},
			{"Allow camera access for desktop apps in the Windows privacy settings", "In the Windows privacy settings turn on camera access for desktop apps"},
			{"Select the correct camera under Teams device settings", "In Teams device settings choose the right camera"},
		},
		category: "Collaboration", product: "Teams",
	},
}

// teamsArticle is the published article the "teams" group nearly duplicates;
// it lacks the device-settings step.
var teamsArticle = Article{
	ID: 70, Version: 3,
	Title:      "Microsoft Teams camera shows a black screen",
	Problem:    "The camera shows a black screen in Microsoft Teams meetings.",
	Symptoms:   []string{"The camera preview in Teams is black", "The camera works in other apps"},
	Steps:      []string{"Quit Microsoft Teams and clear the Teams cache folder.", "Turn on camera access for desktop apps in the Windows privacy settings."},
	Categories: []string{"Collaboration"},
	Products:   []string{"Teams"},
}

var laptopArticle = Article{
	ID: 71, Version: 1,
	Title:    "How to request a new laptop",
	Problem:  "You need a new or replacement laptop.",
	Steps:    []string{"Open the self-service portal and choose Hardware request.", "Select the laptop model approved for your role.", "Your manager approves the request."},
	Products: []string{"Self-service portal"},
}

// ticketText renders one planted ticket.
func (p problem) ticket(r *rand.Rand, k int) Ticket {
	t := Ticket{Subject: p.subjects[k%len(p.subjects)], Category: p.category, Product: p.product}
	var desc []string
	for i, s := range p.symptoms {
		if i == 0 || r.IntN(3) > 0 {
			desc = append(desc, s[r.IntN(len(s))])
		}
	}
	sep := " "
	if p.chinese {
		sep = ""
	}
	t.Description = strings.Join(desc, sep)
	if p.resolution != nil {
		t.Resolution = p.resolution(r, k)
		return t
	}
	var steps []string
	for i, s := range p.steps {
		if i == len(p.steps)-1 && r.IntN(6) == 0 {
			continue // some agents do not write the obvious last step
		}
		steps = append(steps, s[r.IntN(len(s))])
	}
	t.Resolution = formatSteps(r, steps, p.chinese)
	return t
}

func formatSteps(r *rand.Rand, steps []string, chinese bool) string {
	var b strings.Builder
	han := []string{"一", "二", "三", "四"}
	style := r.IntN(3)
	for i, s := range steps {
		switch {
		case chinese && style == 0:
			fmt.Fprintf(&b, "%d.%s；", i+1, s)
		case chinese && style == 1:
			fmt.Fprintf(&b, "%s、%s\n", han[i], s)
		case chinese:
			fmt.Fprintf(&b, "第%s步：%s。", han[i], s)
		case style == 0:
			fmt.Fprintf(&b, "%d. %s.\n", i+1, s)
		case style == 1:
			fmt.Fprintf(&b, "%d) %s ", i+1, s)
		default:
			fmt.Fprintf(&b, "%s. ", s)
		}
	}
	if !chinese && r.IntN(2) == 0 {
		b.WriteString("\nThanks, IT Service Desk")
	}
	return strings.TrimSpace(b.String())
}

// noiseResolutions are unrelated to each other, so noise tickets never look
// consistent.
var noiseResolutions = []string{
	"Granted the requested access in the identity portal.",
	"Replaced the keyboard.",
	"Created the purchase order in the procurement tool.",
	"Explained the holiday policy to the employee.",
	"Extended the shared mailbox quota.",
	"Moved the project folder to the new storage.",
	"Assigned local administrator rights for one day.",
	"Closed as duplicate of another request.",
	"Sent the onboarding form to the new starter's manager.",
	"Reset the badge at the reception desk.",
	"Installed the requested software package.",
	"Forwarded to the finance team for approval.",
}

// planted is the test corpus: the planted groups (ids by problem name),
// noise tickets from the real data set, and all tickets together.
type planted struct {
	tickets []Ticket
	groups  map[string][]int64 // ascending ids
	noise   map[int64]bool
}

// dataDir resolves the shared data sets: env DESKMINE_DATA, else
// ../shared/data beside the module root; skipped when absent (failed under CI).
func dataDir(t testing.TB) string {
	t.Helper()
	if dir := os.Getenv("DESKMINE_DATA"); dir != "" {
		if _, err := os.Stat(dir); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("DESKMINE_DATA %s is missing under CI: %v", dir, err)
			}
			t.Skipf("DESKMINE_DATA %s is not available: %v", dir, err)
		}
		return dir
	}
	return testdata.Shared(t)
}

// itTickets reads the IT-tickets data set: Document and Topic_group.
func itTickets(t testing.TB) [][2]string {
	t.Helper()
	path := filepath.Join(dataDir(t), "it-tickets", "tickets.csv")
	f, err := os.Open(path)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("open %s: %v", path, err)
		}
		t.Skipf("it-tickets data set is not available: %v", err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	if len(rows) < 2 || rows[0][0] != "Document" || rows[0][1] != "Topic_group" {
		t.Fatalf("%s: unexpected header %v", path, rows[0])
	}
	out := make([][2]string, 0, len(rows)-1)
	for _, r := range rows[1:] {
		out = append(out, [2]string{r[0], r[1]})
	}
	return out
}

// newPlanted builds the planted groups (8 tickets each) and 200 noise
// tickets drawn evenly from the real data set, with shuffled ids.
func newPlanted(t testing.TB) planted {
	t.Helper()
	rows := itTickets(t)
	r := rand.New(rand.NewPCG(7, 11))
	type draft struct {
		t     Ticket
		group string
	}
	var drafts []draft
	for _, p := range plantedProblems {
		for k := range 8 {
			drafts = append(drafts, draft{t: p.ticket(r, k), group: p.name})
		}
	}
	const noise = 200
	step := len(rows) / noise
	for k := range noise {
		row := rows[k*step]
		words := strings.Fields(row[0])
		drafts = append(drafts, draft{t: Ticket{
			Subject:     strings.Join(words[:min(6, len(words))], " "),
			Description: row[0],
			Resolution:  noiseResolutions[r.IntN(len(noiseResolutions))],
			Category:    row[1],
		}})
	}
	ids := r.Perm(len(drafts))
	base := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	pl := planted{groups: map[string][]int64{}, noise: map[int64]bool{}}
	for k, d := range drafts {
		d.t.ID = int64(ids[k] + 1)
		d.t.ResolvedAt = base.Add(time.Duration(r.IntN(30*24)) * time.Hour)
		pl.tickets = append(pl.tickets, d.t)
		if d.group == "" {
			pl.noise[d.t.ID] = true
		} else {
			pl.groups[d.group] = append(pl.groups[d.group], d.t.ID)
		}
	}
	for _, ids := range pl.groups {
		slices.Sort(ids)
	}
	return pl
}

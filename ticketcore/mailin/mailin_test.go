package mailin

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func readSample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func parseSample(t *testing.T, name string) *Message {
	t.Helper()
	m, err := Parse(bytes.NewReader(readSample(t, name)), Limits{})
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return m
}

var (
	tinyPNG = func() []byte {
		b, _ := base64.StdEncoding.DecodeString("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")
		return b
	}()
	tinyPDF = "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
)

type wantAttachment struct {
	name, ctype, cid string
	inline           bool
	data             string // exact content; "" to skip
	contains         string // substring of the content; "" to skip
}

type wantMessage struct {
	file       string
	id         string
	inReplyTo  []string
	references []string
	from       Address
	to, cc     []Address
	subject    string
	date       time.Time
	text       string
	reply      string
	html       string // exact sanitised HTML; "-" for none, "" to skip
	auto       bool
	atts       []wantAttachment
}

func date(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

var samples = []wantMessage{
	{
		file:       "outlook_alternative_qp.eml",
		id:         "AM6PR08MB4567A1B2C3D4E5F6A7B8C9D0E1F2A@am6pr08mb4567.eurprd08.prod.outlook.com",
		inReplyTo:  []string{"t2041.c310@deskmine.example"},
		references: []string{"t2041.c310@deskmine.example"},
		from:       Address{"O'Brien, Sean", "sean.obrien@contoso.example"},
		to:         []Address{{"Deskmine Support", "support@deskmine.example"}},
		cc:         []Address{{"IT Helpdesk", "helpdesk@contoso.example"}},
		subject:    "RE: [#2041] VPN client keeps asking for password",
		date:       date("2025-03-10T09:12:40Z"),
		text: "Hi,\n\nI’ve reinstalled the client as you suggested but it still asks for my password every 10 minutes.\n\n" +
			"Regards,\nSean O’Brien\nIT Operations | Contoso\n\n________________________________\n" +
			"From: Deskmine Support <support@deskmine.example>\nSent: Friday, March 7, 2025 4:03 PM\n" +
			"To: O'Brien, Sean <Sean.OBrien@Contoso.example>\nSubject: [#2041] VPN client keeps asking for password\n\n" +
			"Please reinstall the VPN client and let us know.",
		reply: "Hi,\n\nI’ve reinstalled the client as you suggested but it still asks for my password every 10 minutes.\n\n" +
			"Regards,\nSean O’Brien\nIT Operations | Contoso",
		html: "<div>\n<p>Hi,</p>\n<p>I’ve reinstalled the client as you suggested but it still asks for my password every 10 minutes.</p>\n" +
			"<p>Regards,<br>Sean O’Brien</p>\n\n<div>\n<p><b>From:</b> Deskmine Support &lt;support@deskmine.example&gt;<br>" +
			"<b>Sent:</b> Friday, March 7, 2025 4:03 PM</p>\n</div>\n<p>Please reinstall the VPN client and let us know.</p>\n</div>",
	},
	{
		file:       "gmail_reply.eml",
		id:         "CAH9x8y7z6=QwErTy+UiOp@mail.gmail.com",
		inReplyTo:  []string{"t1234.c56@deskmine.example"},
		references: []string{"t1234.c55@deskmine.example", "CAH1x2y3z4=abcdef@mail.gmail.com", "t1234.c56@deskmine.example"},
		from:       Address{"Alice Example", "alice.example@gmail.com"},
		to:         []Address{{"Deskmine Support", "support@deskmine.example"}},
		subject:    "Re: [#1234] Printer offline – café floor",
		date:       date("2025-03-11T15:20:58+01:00"),
		text: "Thanks, that fixed it! The printer on the café floor is back online.\n\n--\nAlice\n\n" +
			"On Mon, Mar 10, 2025 at 5:02\u202fPM Deskmine Support <\nsupport@deskmine.example> wrote:\n\n" +
			"> Please power-cycle the printer and tell us whether the status light turns\n> green.\n>\n> Deskmine Support\n>",
		reply: "Thanks, that fixed it! The printer on the café floor is back online.",
		html: `<div dir="ltr">Thanks, that fixed it! The printer on the café floor is back online.<div><br></div><div>--</div><div>Alice</div></div><br>` +
			`<div><div dir="ltr">On Mon, Mar 10, 2025 at 5:02` + "\u202f" + `PM Deskmine Support &lt;<a href="mailto:support@deskmine.example" rel="nofollow">support@deskmine.example</a>&gt; wrote:<br></div>` +
			`<blockquote>Please power-cycle the printer and tell us whether the status light turns green.<br><br>Deskmine Support</blockquote></div>`,
	},
	{
		file:    "applemail_inline_pdf.eml",
		id:      "5A1B2C3D-4E5F-6A7B-8C9D-0E1F2A3B4C5D@example.org",
		from:    Address{"Carol Danvers", "carol@example.org"},
		to:      []Address{{"", "support@deskmine.example"}},
		subject: "Invoice question (screenshot attached)",
		date:    date("2025-03-07T16:45:12-05:00"),
		text: "Hi,\n\nThe total on the attached invoice does not match my order. See the screenshot:\n\n" +
			"[image: screenshot.png]\n\nThanks,\nCarol\n\nSent from my iPad",
		reply: "Hi,\n\nThe total on the attached invoice does not match my order. See the screenshot:\n\n" +
			"[image: screenshot.png]\n\nThanks,\nCarol",
		html: `<div>Hi,</div><div><br></div><div>The total on the attached invoice does not match my order. See the screenshot:</div><div><br></div>` +
			`<div><img id="6C1D2E3F" src="cid:0C9B3A21-7E4D-4F5A-8B6C-1D2E3F4A5B6C" alt="screenshot.png"></div><div><br></div>` +
			`<div>Thanks,</div><div>Carol</div><div><br></div><div>Sent from my iPad</div>`,
		atts: []wantAttachment{
			{name: "screenshot.png", ctype: "image/png", cid: "0C9B3A21-7E4D-4F5A-8B6C-1D2E3F4A5B6C", inline: true, data: string(tinyPNG)},
			{name: "invoice-2025-031.pdf", ctype: "application/pdf", data: tinyPDF},
		},
	},
	{
		file:       "outlook_gbk.eml",
		id:         "000001db8c9a$1f2e3d40$5d6cb7c0$@example.cn",
		inReplyTo:  []string{"t1234.c56@deskmine.example"},
		references: []string{"t1234.c0@deskmine.example", "t1234.c56@deskmine.example"},
		from:       Address{"张伟", "zhang.wei@example.cn"},
		to:         []Address{{"客服中心", "support@deskmine.example"}},
		subject:    "回复：[#1234] 打印机无法连接网络，急！",
		date:       date("2025-03-04T09:30:00+08:00"),
		text: "您好，\n\n打印机还是无法连接网络，重启之后也一样。\n\n张伟\n\n" +
			"发件人: 客服中心 <support@deskmine.example>\n发送时间: 2025年3月3日 10:15\n" +
			"收件人: 张伟 <zhang.wei@example.cn>\n主题: [#1234] 打印机无法连接网络\n\n请问您的打印机型号是什么？",
		reply: "您好，\n\n打印机还是无法连接网络，重启之后也一样。\n\n张伟",
		html:  "-",
		atts: []wantAttachment{
			{name: "照片.jpg", ctype: "image/jpeg", data: "\xff\xd8\xff\xe0 not really a jpeg \xff\xd9"},
		},
	},
	{
		file:    "gb18030_qp.eml",
		id:      "20250305140211.1a2b3c@example.cn",
		from:    Address{"李娜", "lina@example.cn"},
		to:      []Address{{"", "support@deskmine.example"}},
		subject: "发票抬头错误：𠮷野家 €100",
		date:    date("2025-03-05T14:02:11+08:00"),
		text:    "你好，发票上的公司名称应该是“𠮷野家餐饮有限公司”，金额€100。请重新开具。\n\n李娜",
		reply:   "你好，发票上的公司名称应该是“𠮷野家餐饮有限公司”，金额€100。请重新开具。\n\n李娜",
		html:    "-",
	},
	{
		file:       "utf8_split_subject.eml",
		id:         "CAF=abc123XYZ@mail.example.com",
		inReplyTo:  []string{"t77.c901@deskmine.example"},
		references: []string{"t77.c900@deskmine.example", "t77.c901@deskmine.example"},
		from:       Address{"陈晨", "chenchen@example.com"},
		to:         []Address{{"Deskmine Support", "support@deskmine.example"}},
		subject:    "关于订单 #A-20250301 的退款申请（第二次提醒）",
		date:       date("2025-03-06T08:00:00+08:00"),
		text: "你好，\n\n退款还没有到账，请帮忙查一下。\n\n在 2025年3月3日 10:15，Deskmine 客服 <support@deskmine.example> 写道：\n" +
			"> 您的退款申请已提交，预计 3-5 个工作日到账。\n>\n> --\n> Deskmine 客服",
		reply: "你好，\n\n退款还没有到账，请帮忙查一下。",
		html:  "-",
	},
	{
		file:       "qq_foxmail_reply.eml",
		id:         "tencent_3B1F2A9C8D7E6F5A4B3C2D1E@qq.com",
		inReplyTo:  []string{"t1234.c57@deskmine.example"},
		references: []string{"t1234.c57@deskmine.example"},
		from:       Address{"小王", "10001@qq.com"},
		to:         []Address{{"Deskmine 客服", "support@deskmine.example"}},
		subject:    "回复：[#1234] 账号被锁定",
		date:       date("2025-03-03T11:02:33+08:00"),
		text: "已经按照步骤操作了，还是提示账号被锁定。\n\n\n\n\n------------------&nbsp;原始邮件&nbsp;------------------\n" +
			"发件人: \"Deskmine 客服\" <support@deskmine.example>;\n发送时间: 2025年3月3日(星期一) 上午10:15\n" +
			"收件人: \"小王\"<10001@qq.com>;\n主题: [#1234] 账号被锁定\n\n请尝试重置密码。",
		reply: "已经按照步骤操作了，还是提示账号被锁定。",
	},
	{
		file:    "html_only_malicious.eml",
		id:      "phish.1@phish.example",
		from:    Address{"Totally Legit", "promo@phish.example"},
		to:      []Address{{"", "support@deskmine.example"}},
		subject: "Your account needs attention",
		date:    date("2025-03-12T03:04:05Z"),
		text:    "Dear customer\n\nPlease verify your account or read our help page.\n\nOrder #55 & invoice <draft>\nthird",
		reply:   "Dear customer\n\nPlease verify your account or read our help page.\n\nOrder #55 & invoice <draft>\nthird",
	},
	{
		file:       "auto_reply.eml",
		id:         "autoreply.3001@example.net",
		inReplyTo:  []string{"t3001.c0@deskmine.example"},
		references: []string{"t3001.c0@deskmine.example"},
		from:       Address{"Frank Castle", "frank@example.net"},
		to:         []Address{{"Deskmine Support", "support@deskmine.example"}},
		subject:    "Automatic reply: [#3001] Your ticket has been received",
		date:       date("2025-03-13T10:00:00Z"),
		text:       "I am out of the office until March 20 with limited access to email.\nFor urgent matters please contact my colleague at ops@example.net.",
		reply:      "I am out of the office until March 20 with limited access to email.\nFor urgent matters please contact my colleague at ops@example.net.",
		html:       "-",
		auto:       true,
	},
	{
		file:    "dsn_report.eml",
		id:      "20250314080001.4F2A1B0C3D@mx.deskmine.example",
		from:    Address{"Mail Delivery System", "mailer-daemon@mx.deskmine.example"},
		to:      []Address{{"", "support@deskmine.example"}},
		subject: "Undelivered Mail Returned to Sender",
		date:    date("2025-03-14T08:00:01Z"),
		text: "This is the mail system at host mx.deskmine.example.\n\nI'm sorry to have to inform you that your message could not\n" +
			"be delivered to one or more recipients.\n\n<nobody@nowhere.example>: host mx.nowhere.example[198.51.100.9] said: 550 5.1.1\n" +
			"    User unknown (in reply to RCPT TO command)",
		reply: "This is the mail system at host mx.deskmine.example.\n\nI'm sorry to have to inform you that your message could not\n" +
			"be delivered to one or more recipients.\n\n<nobody@nowhere.example>: host mx.nowhere.example[198.51.100.9] said: 550 5.1.1\n" +
			"    User unknown (in reply to RCPT TO command)",
		html: "-",
		auto: true,
		atts: []wantAttachment{
			{name: "attachment-1.txt", ctype: "message/delivery-status", contains: "Status: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 User unknown"},
			{name: "attachment-2.txt", ctype: "text/rfc822-headers", contains: "Message-ID: <t4004.c0@deskmine.example>"},
		},
	},
	{
		file:    "no_message_id.eml",
		id:      "synth-d28e2ca84ea021920623a2ff51c125f1@deskmine.invalid",
		from:    Address{"", "grace@example.com"},
		to:      []Address{{"", "support@deskmine.example"}},
		subject: "Password reset link expired",
		date:    date("2025-03-15T18:30:00Z"),
		text:    "Hello,\nthe password reset link you sent me says it has expired. Can you send a new one?\n\nGrace",
		reply:   "Hello,\nthe password reset link you sent me says it has expired. Can you send a new one?\n\nGrace",
		html:    "-",
	},
	{
		file:    "nested_mixed_related_alt.eml",
		id:      "nested.42@fbi.example",
		from:    Address{"Dana Scully", "dana@fbi.example"},
		to:      []Address{{"", "support@deskmine.example"}, {"Fox Mulder", "fox@fbi.example"}},
		cc:      []Address{{"René Dupont", "rene@example.fr"}},
		subject: "Error dialog when exporting",
		date:    date("2025-03-09T12:00:00-05:00"),
		text:    "Exporting the report shows this dialog (screenshot below) — see also the log file.\n\nDana",
		reply:   "Exporting the report shows this dialog (screenshot below) — see also the log file.\n\nDana",
		html:    `<p>Exporting the report shows this dialog (screenshot below) — see also the log file.</p><p><img src="cid:dialog@fbi.example" width="1" height="1"></p><p>Dana</p>`,
		atts: []wantAttachment{
			{name: "attachment-1.png", ctype: "image/png", cid: "dialog@fbi.example", inline: true, data: string(tinyPNG)},
			{name: "export.log", ctype: "text/plain", data: "2025-03-09T11:58:01Z ERROR export failed: disk quota exceeded"},
		},
	},
	{
		file:       "thunderbird_flowed.eml",
		id:         "8d1f2a3b-4c5d-6e7f-8091-a2b3c4d5e6f7@acme.example",
		inReplyTo:  []string{"t88.c3@deskmine.example"},
		references: []string{"t88.c3@deskmine.example"},
		from:       Address{"Bob Müller", "bob.mueller@acme.example"},
		to:         []Address{{"Deskmine Support", "support@deskmine.example"}},
		subject:    "Re: [Ticket #88] Router drops connection",
		date:       date("2025-03-08T10:11:12+01:00"),
		text: "On 3/3/25 10:15, Deskmine Support wrote:\n> Could you tell us the model of your router and the firmware version?\n\n" +
			"It's a TP-Link Archer C7, firmware 5.1.0. The connection drops every evening around 8 pm.\n\n" +
			"> Did you try restarting it?\n\nYes, twice.\n\n--\nBob Müller\nACME GmbH",
		reply: "It's a TP-Link Archer C7, firmware 5.1.0. The connection drops every evening around 8 pm.\n\nYes, twice.",
		html:  "-",
		atts: []wantAttachment{
			{name: "报告.xlsx", ctype: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", data: "PK\x03\x04 fake xlsx"},
		},
	},
}

func eqAddrs(a, b []Address) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func eqStrings(a, b []string) bool {
	return strings.Join(a, "\x00") == strings.Join(b, "\x00") && len(a) == len(b)
}

var (
	anyTag      = regexp.MustCompile(`<[^>]*>`)
	scriptTag   = regexp.MustCompile(`(?i)^<\s*/?\s*(script|style|iframe|form|input|object|embed|svg|meta|link|base)\b`)
	eventAttr   = regexp.MustCompile(`(?i)\son[a-z]+\s*=`)
	jsURL       = regexp.MustCompile(`(?i)(java|vb)script:`)
	remoteImage = regexp.MustCompile(`(?i)^<img\b[^>]*\ssrc="(?:https?:|//)`)
	styleAttr   = regexp.MustCompile(`(?i)\sstyle\s*=`)
)

// assertSafeHTML is what "sanitised" means for an HTML body. Text may say
// "javascript:" or "onclick=" (it is escaped and inert); tags may not.
func assertSafeHTML(t testing.TB, html string) {
	t.Helper()
	for _, tag := range anyTag.FindAllString(html, -1) {
		for _, re := range []*regexp.Regexp{scriptTag, eventAttr, jsURL, remoteImage, styleAttr} {
			if re.MatchString(tag) {
				t.Errorf("sanitised HTML has unsafe tag %q in %q", tag, html)
			}
		}
	}
	if strings.Contains(strings.ToLower(html), "<script") {
		t.Errorf("sanitised HTML has a script: %q", html)
	}
}

func TestParseSamples(t *testing.T) {
	files, err := filepath.Glob("testdata/*.eml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(samples) {
		t.Errorf("%d .eml files in testdata but %d expectations", len(files), len(samples))
	}
	for _, w := range samples {
		t.Run(w.file, func(t *testing.T) {
			m := parseSample(t, w.file)
			if m.MessageID != w.id {
				t.Errorf("MessageID = %q, want %q", m.MessageID, w.id)
			}
			if !eqStrings(m.InReplyTo, w.inReplyTo) {
				t.Errorf("InReplyTo = %q, want %q", m.InReplyTo, w.inReplyTo)
			}
			if !eqStrings(m.References, w.references) {
				t.Errorf("References = %q, want %q", m.References, w.references)
			}
			if m.From != w.from {
				t.Errorf("From = %+v, want %+v", m.From, w.from)
			}
			if !eqAddrs(m.To, w.to) {
				t.Errorf("To = %+v, want %+v", m.To, w.to)
			}
			if !eqAddrs(m.Cc, w.cc) {
				t.Errorf("Cc = %+v, want %+v", m.Cc, w.cc)
			}
			if m.Subject != w.subject {
				t.Errorf("Subject = %q, want %q", m.Subject, w.subject)
			}
			if !m.Date.Equal(w.date) {
				t.Errorf("Date = %v, want %v", m.Date, w.date)
			}
			if m.Text != w.text {
				t.Errorf("Text =\n%q\nwant\n%q", m.Text, w.text)
			}
			if m.Reply != w.reply {
				t.Errorf("Reply =\n%q\nwant\n%q", m.Reply, w.reply)
			}
			switch w.html {
			case "":
			case "-":
				if m.HTML != "" {
					t.Errorf("HTML = %q, want none", m.HTML)
				}
			default:
				if m.HTML != w.html {
					t.Errorf("HTML =\n%q\nwant\n%q", m.HTML, w.html)
				}
			}
			assertSafeHTML(t, m.HTML)
			if m.AutoReply != w.auto {
				t.Errorf("AutoReply = %v, want %v", m.AutoReply, w.auto)
			}
			if len(m.Attachments) != len(w.atts) {
				t.Fatalf("%d attachments, want %d: %+v", len(m.Attachments), len(w.atts), m.Attachments)
			}
			for i, wa := range w.atts {
				a := m.Attachments[i]
				if a.Filename != wa.name || a.ContentType != wa.ctype || a.ContentID != wa.cid || a.Inline != wa.inline {
					t.Errorf("attachment %d = {%q %q %q inline=%v}, want {%q %q %q inline=%v}",
						i, a.Filename, a.ContentType, a.ContentID, a.Inline, wa.name, wa.ctype, wa.cid, wa.inline)
				}
				if wa.data != "" && string(a.Data) != wa.data {
					t.Errorf("attachment %d data = %q, want %q", i, a.Data, wa.data)
				}
				if wa.contains != "" && !strings.Contains(string(a.Data), wa.contains) {
					t.Errorf("attachment %d data = %q, want it to contain %q", i, a.Data, wa.contains)
				}
			}
			if len(m.Fingerprint) != 64 {
				t.Errorf("Fingerprint = %q, want 64 hex digits", m.Fingerprint)
			}
		})
	}
}

func TestParseMaliciousHTML(t *testing.T) {
	m := parseSample(t, "html_only_malicious.eml")
	assertSafeHTML(t, m.HTML)
	for _, bad := range []string{"Hidden title", "document.cookie", "alert(", "tracker.example", "evil.example", "steal()", "position:fixed"} {
		if strings.Contains(m.HTML, bad) || strings.Contains(m.Text, bad) {
			t.Errorf("%q survived: HTML %q Text %q", bad, m.HTML, m.Text)
		}
	}
	for _, good := range []string{
		`<h1>Dear customer</h1>`,
		`<a href="https://example.com/help" rel="nofollow">read our help page</a>`,
		`Order #55 &amp; invoice &lt;draft&gt;`,
	} {
		if !strings.Contains(m.HTML, good) {
			t.Errorf("HTML lost %q: %q", good, m.HTML)
		}
	}
}

func TestParseHTMLOnlyGmailReply(t *testing.T) {
	raw := strings.Replace(string(readSample(t, "gmail_reply.eml")),
		"Content-Type: text/plain; charset=\"UTF-8\"", "Content-Type: text/enriched; charset=\"UTF-8\"", 1)
	m, err := Parse(strings.NewReader(raw), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	// The text/enriched alternative is neither body nor attachment.
	if len(m.Attachments) != 0 {
		t.Errorf("attachments = %+v, want none", m.Attachments)
	}
	wantText := "Thanks, that fixed it! The printer on the café floor is back online.\n\n--\nAlice\n\n" +
		"On Mon, Mar 10, 2025 at 5:02 PM Deskmine Support <support@deskmine.example> wrote:\n" +
		"> Please power-cycle the printer and tell us whether the status light turns green.\n> Deskmine Support"
	if m.Text != wantText {
		t.Errorf("Text derived from HTML =\n%q\nwant\n%q", m.Text, wantText)
	}
	if want := "Thanks, that fixed it! The printer on the café floor is back online."; m.Reply != want {
		t.Errorf("Reply = %q, want %q", m.Reply, want)
	}
}

func TestSynthesizedMessageIDIsStable(t *testing.T) {
	raw := readSample(t, "no_message_id.eml")
	a, err := Parse(bytes.NewReader(raw), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Parse(bytes.NewReader(bytes.Clone(raw)), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if a.MessageID != b.MessageID || !strings.HasPrefix(a.MessageID, "synth-") {
		t.Errorf("ids %q and %q, want equal synthesized ids", a.MessageID, b.MessageID)
	}
	changed := bytes.Replace(raw, []byte("new one?"), []byte("new one!"), 1)
	c, err := Parse(bytes.NewReader(changed), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if c.MessageID == a.MessageID {
		t.Errorf("different bodies got the same synthesized id %q", c.MessageID)
	}
}

func TestFingerprint(t *testing.T) {
	const base = "From: A <a@example.com>\r\nSubject: Help  please\r\nMessage-ID: <%s@example.com>\r\nDate: %s\r\n\r\n%s"
	parse := func(id, date, body string) *Message {
		t.Helper()
		m, err := Parse(strings.NewReader(fmt.Sprintf(base, id, date, body)), Limits{})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	a := parse("1", "Mon, 3 Mar 2025 10:00:00 +0000", "It broke.\r\n")
	// Re-sent: new id, new date, different quoted history, same words.
	b := parse("2", "Mon, 3 Mar 2025 10:05:00 +0000", "It   broke.\r\n\r\n> older text\r\n")
	c := parse("3", "Mon, 3 Mar 2025 10:05:00 +0000", "It broke again.\r\n")
	if a.Fingerprint != b.Fingerprint {
		t.Errorf("repeated message fingerprints differ: %s %s", a.Fingerprint, b.Fingerprint)
	}
	if a.Fingerprint == c.Fingerprint {
		t.Errorf("different replies share fingerprint %s", a.Fingerprint)
	}
}

func TestParseLimits(t *testing.T) {
	multipart := func(n int) string {
		var b strings.Builder
		b.WriteString("From: a@example.com\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n")
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "--b\r\nContent-Type: application/octet-stream\r\n\r\nx%d\r\n", i)
		}
		b.WriteString("--b--\r\n")
		return b.String()
	}
	nested := func(depth int) string {
		var b strings.Builder
		b.WriteString("From: a@example.com\r\n")
		for i := 0; i < depth; i++ {
			fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n", i, i)
		}
		b.WriteString("Content-Type: text/plain\r\n\r\ndeep\r\n")
		for i := depth - 1; i >= 0; i-- {
			fmt.Fprintf(&b, "--b%d--\r\n", i)
		}
		return b.String()
	}
	attachment := func(size int) string {
		return "From: a@example.com\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n" +
			"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
			base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, size)) + "\r\n--b--\r\n"
	}
	manyHeaders := "From: a@example.com\r\n" + strings.Repeat("X-A: b\r\n", 1500) + "\r\nbody"
	sample := string(readSample(t, "gmail_reply.eml"))

	tests := []struct {
		name  string
		raw   string
		lim   Limits
		limit string // "" when the message must parse
	}{
		{"size at limit", sample, Limits{MaxBytes: int64(len(sample))}, ""},
		{"size over limit", sample, Limits{MaxBytes: int64(len(sample)) - 1}, "MaxBytes"},
		{"parts at limit", multipart(9), Limits{MaxParts: 10}, ""},
		{"parts over limit", multipart(10), Limits{MaxParts: 10}, "MaxParts"},
		{"parts over default", multipart(DefaultMaxParts), Limits{}, "MaxParts"},
		{"depth at limit", nested(5), Limits{MaxDepth: 5}, ""},
		{"depth over limit", nested(6), Limits{MaxDepth: 5}, "MaxDepth"},
		{"depth over default", nested(DefaultMaxDepth + 1), Limits{}, "MaxDepth"},
		{"attachments at limit", multipart(3), Limits{MaxAttachments: 3}, ""},
		{"attachments over limit", multipart(4), Limits{MaxAttachments: 3}, "MaxAttachments"},
		{"attachment size at limit (decoded)", attachment(1000), Limits{MaxAttachmentBytes: 1000}, ""},
		{"attachment size over limit", attachment(1001), Limits{MaxAttachmentBytes: 1000}, "MaxAttachmentBytes"},
		{"too many header fields", manyHeaders, Limits{}, "header fields"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.raw), tt.lim)
			if tt.limit == "" {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				return
			}
			var le *LimitError
			if !errors.As(err, &le) {
				t.Fatalf("err = %v, want *LimitError", err)
			}
			if le.Limit != tt.limit {
				t.Errorf("Limit = %q, want %q", le.Limit, tt.limit)
			}
		})
	}
}

// endless is an infinite header stream: Parse must stop reading at the limit.
type endless struct{ read int64 }

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = "X-Junk: yyyyyyyyyyyyyyy\r\n"[(e.read+int64(i))%25]
	}
	e.read += int64(len(p))
	return len(p), nil
}

func TestParseReadsAtMostMaxBytes(t *testing.T) {
	r := &endless{}
	_, err := Parse(r, Limits{MaxBytes: 1 << 20})
	var le *LimitError
	if !errors.As(err, &le) || le.Limit != "MaxBytes" {
		t.Fatalf("err = %v, want MaxBytes *LimitError", err)
	}
	if r.read > 1<<20+64<<10 {
		t.Errorf("read %d bytes for a 1 MiB limit", r.read)
	}
}

type failingReader struct{}

var errDisk = errors.New("disk on fire")

func (failingReader) Read([]byte) (int, error) { return 0, errDisk }

func TestParseReadError(t *testing.T) {
	_, err := Parse(io.MultiReader(strings.NewReader("From: a@b.example\r\n"), failingReader{}), Limits{})
	if !errors.Is(err, errDisk) {
		t.Errorf("err = %v, want it to wrap the reader's error", err)
	}
}

func TestParseMalformed(t *testing.T) {
	tests := []struct {
		name, raw, where string
	}{
		{"empty", "", "header"},
		{"binary", "\x00\x01\x02\xff\xfe", "header"},
		{"no header", "hello world\r\nthis is not mail\r\n", "header"},
		{"leading blank line", "\r\nFrom: a@example.com\r\n", "header"},
		{"no sender", "Subject: hi\r\nTo: b@example.com\r\n\r\nbody", "From"},
		{"unparseable sender", "From: nobody at all\r\nSubject: hi\r\n\r\nbody", "From"},
		{"multipart without boundary", "From: a@example.com\r\nContent-Type: multipart/mixed\r\n\r\nbody", "Content-Type"},
		{"boundary never used", "From: a@example.com\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n--yy\r\nbody\r\n--yy--", "body"},
		{"nested boundary missing", "From: a@example.com\r\nContent-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\nContent-Type: multipart/alternative\r\n\r\nx\r\n--a--", "part 1 Content-Type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse(strings.NewReader(tt.raw), Limits{})
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse = %+v, %v; want *ParseError", m, err)
			}
			if pe.Where != tt.where {
				t.Errorf("Where = %q, want %q (%v)", pe.Where, tt.where, err)
			}
		})
	}
}

// Defects real mail has must not lose the message.
func TestParseTolerates(t *testing.T) {
	tests := []struct {
		name, raw, subject, text string
		atts                     int
	}{
		{"bare LF", "From: a@example.com\nSubject: lf\n\nline one\nline two\n", "lf", "line one\nline two", 0},
		{"mbox separator", "From a@example.com Mon Mar  3 10:00:00 2025\nFrom: a@example.com\nSubject: mbox\n\nbody", "mbox", "body", 0},
		{"space before colon", "From: a@example.com\r\nSubject : spaced\r\n\r\nbody", "spaced", "body", 0},
		{"no blank line", "From: a@example.com\r\nSubject: x\r\nthis line ends the header\r\nmore", "x", "this line ends the header\nmore", 0},
		{"truncated multipart", "From: a@example.com\r\nSubject: t\r\nContent-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\nContent-Type: text/plain\r\n\r\nfirst\r\n--q\r\nContent-Type: application/pdf\r\n\r\n%PDF-trunc", "t", "first", 1},
		{"unknown charset", "From: a@example.com\r\nSubject: =?x-unknown?Q?caf=C3=A9?=\r\nContent-Type: text/plain; charset=x-unknown\r\n\r\ncaf\xc3\xa9", "café", "café", 0},
		{"broken base64", "From: a@example.com\r\nSubject: b\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8gd29ybGQ*!\r\n", "b", "hello world", 0},
		{"broken qp", "From: a@example.com\r\nSubject: q\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n50% =ZZ off=\r\n now =3D", "q", "50% =ZZ off now =", 0},
		{"raw 8-bit GBK header", "From: a@example.com\r\nSubject: \xb2\xe2\xca\xd4\r\n\r\nx", "测试", "x", 0},
		{"NUL bytes", "From: a@example.com\r\nSubject: n\x00ul\r\n\r\nte\x00xt", "n ul", "text", 0},
		{"duplicate content-type params", "From: a@example.com\r\nSubject: d\r\nContent-Type: multipart/mixed; boundary=x; boundary=x\r\n\r\n--x\r\n\r\nhi\r\n--x--", "d", "hi", 0},
		{"sender fallback", "Sender: s@example.com\r\nSubject: s\r\n\r\nx", "s", "x", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse(strings.NewReader(tt.raw), Limits{})
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if m.Subject != tt.subject || m.Text != tt.text || len(m.Attachments) != tt.atts {
				t.Errorf("got subject %q text %q %d attachments; want %q %q %d", m.Subject, m.Text, len(m.Attachments), tt.subject, tt.text, tt.atts)
			}
		})
	}
}

func TestAutoReply(t *testing.T) {
	tests := []struct {
		header string
		want   bool
	}{
		{"Auto-Submitted: auto-generated", true},
		{"Auto-Submitted: no", false},
		{"Auto-Submitted: No (human)", false},
		{"X-Autoreply: yes", true},
		{"X-Autorespond: vacation", true},
		{"Precedence: bulk", true},
		{"Precedence: list", true},
		{"Precedence: junk", true},
		{"Precedence: first-class", false},
		{"X-Failed-Recipients: x@example.com", true},
		{"Return-Path: <>", true},
		{"Content-Type: multipart/report; report-type=delivery-status; boundary=z", true},
		{"X-Mailer: Outlook", false},
	}
	for _, tt := range tests {
		raw := "From: a@example.com\r\n" + tt.header + "\r\n\r\n--z\r\n\r\nx\r\n--z--\r\n"
		m, err := Parse(strings.NewReader(raw), Limits{})
		if err != nil {
			t.Fatalf("%s: %v", tt.header, err)
		}
		if m.AutoReply != tt.want {
			t.Errorf("%s: AutoReply = %v, want %v", tt.header, m.AutoReply, tt.want)
		}
	}
	m, err := Parse(strings.NewReader("From: postmaster@example.com\r\n\r\nx"), Limits{})
	if err != nil || !m.AutoReply {
		t.Errorf("postmaster: AutoReply = %v, %v; want true", m != nil && m.AutoReply, err)
	}
}

func TestParseSignedAndDigest(t *testing.T) {
	raw := "From: a@example.com\r\nContent-Type: multipart/signed; protocol=\"application/pgp-signature\"; boundary=s\r\n\r\n" +
		"--s\r\nContent-Type: text/plain\r\n\r\nsigned text\r\n--s\r\nContent-Type: application/pgp-signature; name=signature.asc\r\n\r\n-----BEGIN PGP SIGNATURE-----\r\n--s--\r\n"
	m, err := Parse(strings.NewReader(raw), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Text != "signed text" || len(m.Attachments) != 0 {
		t.Errorf("signed: text %q attachments %+v", m.Text, m.Attachments)
	}
	raw = "From: a@example.com\r\nContent-Type: multipart/digest; boundary=d\r\n\r\n--d\r\n\r\nFrom: b@example.com\r\nSubject: inner\r\n\r\nhi\r\n--d--\r\n"
	m, err = Parse(strings.NewReader(raw), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Attachments) != 1 || m.Attachments[0].ContentType != "message/rfc822" || m.Attachments[0].Filename != "attachment-1.eml" {
		t.Errorf("digest: attachments %+v", m.Attachments)
	}
}

func TestSanitizeFilename(t *testing.T) {
	long := strings.Repeat("长", 200) + ".pdf"
	tests := []struct{ in, want string }{
		{"report.pdf", "report.pdf"},
		{`C:\Users\bob\Desktop\report.pdf`, "report.pdf"},
		{"../../etc/passwd", "passwd"},
		{"invoice\u202Efdp.exe", "invoicefdp.exe"},
		{"  .hidden  ", "hidden"},
		{"a\x00b\nc.txt", "abc.txt"},
		{"..", ""},
		{long, strings.Repeat("长", 146) + ".pdf"},
	}
	for _, tt := range tests {
		if got := sanitizeFilename(tt.in); got != tt.want {
			t.Errorf("sanitizeFilename(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSplitMultipart(t *testing.T) {
	body := []byte("preamble\r\n--b\r\npart one\r\n--b  \r\npart two\n--bx\nstill two\r\n--b--\r\nepilogue --b\r\n")
	parts, err := splitMultipart(body, "b", 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"part one", "part two\n--bx\nstill two"}
	if len(parts) != len(want) {
		t.Fatalf("parts = %q, want %q", parts, want)
	}
	for i := range want {
		if string(parts[i]) != want[i] {
			t.Errorf("part %d = %q, want %q", i, parts[i], want[i])
		}
	}
	if _, err := splitMultipart(body, "b", 1); err == nil {
		t.Error("2 parts with max 1: no error")
	}
	if _, err := splitMultipart([]byte("no delimiter"), "b", 10); err == nil {
		t.Error("body without delimiter: no error")
	}
}

func TestLimitsDefaults(t *testing.T) {
	l := Limits{MaxBytes: -1, MaxParts: 7}.withDefaults()
	want := Limits{DefaultMaxBytes, DefaultMaxAttachments, DefaultMaxAttachmentBytes, 7, DefaultMaxDepth}
	if l != want {
		t.Errorf("withDefaults = %+v, want %+v", l, want)
	}
}

func TestFingerprintMatchesDigestOfFields(t *testing.T) {
	for _, reply := range []string{"", "  a  b\n\tc  ", strings.Repeat("长 ", 400), "x\u00a0y"} {
		want := digest("a@x", "s", strings.Join(strings.Fields(reply), " "))
		if got := fingerprint("a@x", "s", reply); got != want {
			t.Errorf("fingerprint(%q) = %s, want %s", reply, got, want)
		}
	}
}

// dropPlainPart turns a multipart/alternative sample into an HTML-only
// message by relabelling its text/plain part as an alternative rendering.
func dropPlainPart(t *testing.T, name, plainHeader string) *Message {
	t.Helper()
	raw := string(readSample(t, name))
	if !strings.Contains(raw, plainHeader) {
		t.Fatalf("%s has no %q", name, plainHeader)
	}
	raw = strings.Replace(raw, plainHeader, "Content-Type: text/enriched;", 1)
	m, err := Parse(strings.NewReader(raw), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestReplyFromHTMLOnly(t *testing.T) {
	m := dropPlainPart(t, "outlook_alternative_qp.eml", "Content-Type: text/plain;")
	if want := "Hi,\n\nI’ve reinstalled the client as you suggested but it still asks for my password every 10 minutes.\n\nRegards,\nSean O’Brien"; m.Reply != want {
		t.Errorf("Outlook HTML-only Reply =\n%q\nwant\n%q\n(Text %q)", m.Reply, want, m.Text)
	}
	m = dropPlainPart(t, "qq_foxmail_reply.eml", "Content-Type: text/plain;")
	if want := "已经按照步骤操作了，还是提示账号被锁定。"; m.Reply != want {
		t.Errorf("QQ HTML-only Reply = %q, want %q (Text %q)", m.Reply, want, m.Text)
	}
}

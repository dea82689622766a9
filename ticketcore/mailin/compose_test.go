package mailin

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"
	"time"
)

func sampleOutgoing() Outgoing {
	return Outgoing{
		From:      Address{"Deskmine 客服", "support@deskmine.example"},
		To:        []Address{{"张伟", "zhang.wei@example.cn"}},
		Cc:        []Address{{"O'Brien, Sean", "sean@contoso.example"}},
		ReplyTo:   []Address{{"", "reply+1234@deskmine.example"}},
		Subject:   "回复：打印机无法连接网络",
		TicketID:  1234,
		Text:      "您好，\n\n请重启打印机后再试一次。\n\n-- \nDeskmine 客服",
		HTML:      `<p>您好，</p><p>请重启打印机后再试一次。</p><p><img src="cid:logo@deskmine.example" alt="logo"></p>`,
		MessageID: OutgoingMessageID(1234, 57, "deskmine.example"),
		InReplyTo: "000001db8c9a$1f2e3d40$5d6cb7c0$@example.cn",
		References: []string{
			"<t1234.c0@deskmine.example>",
			"t1234.c56@deskmine.example",
			"000001db8c9a$1f2e3d40$5d6cb7c0$@example.cn",
		},
		Date:    time.Date(2025, 3, 4, 10, 0, 0, 0, time.FixedZone("CST", 8*3600)),
		Headers: map[string]string{"Auto-Submitted": "auto-replied", "X-Deskmine-Ticket": "1234"},
		Attachments: []Attachment{
			{Filename: "logo.png", ContentType: "image/png", Data: tinyPNG, Inline: true, ContentID: "logo@deskmine.example"},
			{Filename: "维修说明.pdf", ContentType: "application/pdf", Data: []byte(tinyPDF)},
		},
	}
}

func TestComposeRoundTrip(t *testing.T) {
	o := sampleOutgoing()
	raw, err := Compose(o)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Parse(bytes.NewReader(raw), Limits{})
	if err != nil {
		t.Fatalf("Parse(Compose()): %v\n%s", err, raw)
	}
	if want := "[#1234] 回复：打印机无法连接网络"; m.Subject != want {
		t.Errorf("Subject = %q, want %q", m.Subject, want)
	}
	if id, ok := TicketRef(m.Subject); !ok || id != 1234 {
		t.Errorf("TicketRef = %d, %v", id, ok)
	}
	if m.MessageID != "t1234.c57@deskmine.example" {
		t.Errorf("MessageID = %q", m.MessageID)
	}
	if want := []string{"000001db8c9a$1f2e3d40$5d6cb7c0$@example.cn"}; !eqStrings(m.InReplyTo, want) {
		t.Errorf("InReplyTo = %q", m.InReplyTo)
	}
	wantRefs := []string{"t1234.c0@deskmine.example", "t1234.c56@deskmine.example", "000001db8c9a$1f2e3d40$5d6cb7c0$@example.cn"}
	if !eqStrings(m.References, wantRefs) {
		t.Errorf("References = %q, want %q", m.References, wantRefs)
	}
	if m.From != o.From || !eqAddrs(m.To, o.To) || !eqAddrs(m.Cc, o.Cc) || !eqAddrs(m.ReplyTo, o.ReplyTo) {
		t.Errorf("addresses: from %+v to %+v cc %+v reply-to %+v", m.From, m.To, m.Cc, m.ReplyTo)
	}
	if !m.Date.Equal(o.Date) {
		t.Errorf("Date = %v, want %v", m.Date, o.Date)
	}
	if want := "您好，\n\n请重启打印机后再试一次。\n\n--\nDeskmine 客服"; m.Text != want {
		t.Errorf("Text = %q, want %q", m.Text, want)
	}
	if want := "您好，\n\n请重启打印机后再试一次。"; m.Reply != want {
		t.Errorf("Reply = %q, want %q", m.Reply, want)
	}
	if m.HTML != o.HTML {
		t.Errorf("HTML = %q, want %q", m.HTML, o.HTML)
	}
	if !m.AutoReply {
		t.Error("Auto-Submitted header lost: AutoReply = false")
	}
	if len(m.Attachments) != 2 {
		t.Fatalf("attachments = %+v", m.Attachments)
	}
	logo, pdf := m.Attachments[0], m.Attachments[1]
	if logo.Filename != "logo.png" || !logo.Inline || logo.ContentID != "logo@deskmine.example" || !bytes.Equal(logo.Data, tinyPNG) {
		t.Errorf("inline image = %+v", logo)
	}
	if pdf.Filename != "维修说明.pdf" || pdf.Inline || pdf.ContentType != "application/pdf" || string(pdf.Data) != tinyPDF {
		t.Errorf("pdf = %+v", pdf)
	}
}

// The standard library, an independent parser, must read Compose output.
func TestComposeIsValidMIME(t *testing.T) {
	raw, err := Compose(sampleOutgoing())
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(string(raw), "\r\n") {
		if strings.Contains(line, "\n") || strings.Contains(line, "\r") {
			t.Fatalf("line %d has a bare line break: %q", i, line)
		}
		if len(line) > 78 {
			t.Errorf("line %d is %d long: %q", i, len(line), line)
		}
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || subject != "[#1234] 回复：打印机无法连接网络" {
		t.Errorf("stdlib subject = %q, %v", subject, err)
	}
	if !strings.Contains(msg.Header.Get("Subject"), "=?UTF-8?b?") {
		t.Errorf("subject not B-encoded: %q", msg.Header.Get("Subject"))
	}
	to, err := msg.Header.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Name != "张伟" {
		t.Errorf("stdlib To = %v, %v", to, err)
	}
	if msg.Header.Get("MIME-Version") != "1.0" || msg.Header.Get("In-Reply-To") != "<000001db8c9a$1f2e3d40$5d6cb7c0$@example.cn>" {
		t.Errorf("headers: %v", msg.Header)
	}
	ct, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || ct != "multipart/mixed" {
		t.Fatalf("Content-Type = %q, %v", ct, err)
	}
	var types []string
	var walk func(r io.Reader, boundary string)
	walk = func(r io.Reader, boundary string) {
		mr := multipart.NewReader(r, boundary)
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			pt, pp, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
			types = append(types, pt)
			if strings.HasPrefix(pt, "multipart/") {
				walk(p, pp["boundary"])
			}
		}
	}
	walk(msg.Body, params["boundary"])
	want := "multipart/related text/plain text/html image/png application/pdf"
	got := strings.Join(types, " ")
	if !strings.Contains(got, "multipart/alternative") || strings.ReplaceAll(got, "multipart/alternative ", "") != want {
		t.Errorf("structure = %q", got)
	}
}

func TestComposeDeterministic(t *testing.T) {
	a, err := Compose(sampleOutgoing())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Compose(sampleOutgoing())
	if !bytes.Equal(a, b) {
		t.Error("same Outgoing composed to different bytes")
	}
}

func TestComposeSimple(t *testing.T) {
	raw, err := Compose(Outgoing{
		From:     Address{"", "support@deskmine.example"},
		To:       []Address{{"", "a@example.com"}},
		Subject:  "Re: [#9] already tagged",
		TicketID: 9,
		Text:     "plain only",
	})
	if err != nil {
		t.Fatal(err)
	}
	m, err := Parse(bytes.NewReader(raw), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "Re: [#9] already tagged" || m.Text != "plain only" || m.HTML != "" {
		t.Errorf("got %q %q %q", m.Subject, m.Text, m.HTML)
	}
	if !strings.HasSuffix(m.MessageID, "@deskmine.example") || m.Date.IsZero() {
		t.Errorf("derived id %q date %v", m.MessageID, m.Date)
	}
	if strings.Contains(string(raw), "multipart") {
		t.Errorf("plain-only mail is multipart:\n%s", raw)
	}
}

func TestComposeHTMLOnlyDerivesText(t *testing.T) {
	raw, err := Compose(Outgoing{
		From: Address{"", "support@deskmine.example"},
		To:   []Address{{"", "a@example.com"}},
		HTML: "<p>Hello <b>there</b></p><p>Bye</p>",
	})
	if err != nil {
		t.Fatal(err)
	}
	m, err := Parse(bytes.NewReader(raw), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Text != "Hello there\n\nBye" {
		t.Errorf("Text = %q", m.Text)
	}
}

func TestComposeLongSubjects(t *testing.T) {
	for _, subject := range []string{
		strings.Repeat("word ", 60) + "end",
		strings.Repeat("很长的主题", 40),
		strings.Repeat("x", 200),
		"literal =?utf-8?q?not-encoded?= text",
	} {
		raw, err := Compose(Outgoing{
			From: Address{"", "s@deskmine.example"}, To: []Address{{"", "a@example.com"}},
			Subject: subject, Text: "x",
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(raw), "\r\n") {
			if len(line) > 78 {
				t.Errorf("line of %d: %q", len(line), line)
			}
		}
		m, err := Parse(bytes.NewReader(raw), Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if m.Subject != strings.TrimSpace(subject) {
			t.Errorf("subject %q came back as %q", subject, m.Subject)
		}
	}
}

func TestComposeBodyCannotBreakStructure(t *testing.T) {
	// Text that looks like MIME must come back as text.
	evil := "--dm_alternative_x\r\nContent-Type: text/html\r\n\r\n<script>x</script>\r\n.\r\nFrom me"
	raw, err := Compose(Outgoing{
		From: Address{"", "s@deskmine.example"}, To: []Address{{"", "a@example.com"}},
		Text: evil, HTML: "<p>ok</p>",
	})
	if err != nil {
		t.Fatal(err)
	}
	m, err := Parse(bytes.NewReader(raw), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Text != cleanText(evil) || m.HTML != "<p>ok</p>" {
		t.Errorf("text %q html %q", m.Text, m.HTML)
	}
}

func TestComposeErrors(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Outgoing)
		field  string
	}{
		{"no from", func(o *Outgoing) { o.From = Address{} }, "From"},
		{"bad from", func(o *Outgoing) { o.From.Email = "not an address" }, "From"},
		{"from with CRLF", func(o *Outgoing) { o.From.Email = "a@b.example\r\nBcc: x@y.example" }, "From"},
		{"no to", func(o *Outgoing) { o.To = nil }, "To"},
		{"bad to", func(o *Outgoing) { o.To = []Address{{"", "x"}} }, "To"},
		{"bad cc", func(o *Outgoing) { o.Cc = []Address{{"", "a@b@c"}} }, "Cc"},
		{"no body", func(o *Outgoing) { o.Text, o.HTML = " ", "" }, "Text"},
		{"invalid utf-8 subject", func(o *Outgoing) { o.Subject = "\xff" }, "Subject"},
		{"invalid utf-8 split across fields", func(o *Outgoing) { o.Subject, o.Text, o.HTML = "0", "\xe5\x89", "\x91" }, "Text"},
		{"bad message id", func(o *Outgoing) { o.MessageID = "has space@x" }, "MessageID"},
		{"bad in-reply-to", func(o *Outgoing) { o.InReplyTo = "no-at-sign" }, "InReplyTo"},
		{"bad reference", func(o *Outgoing) { o.References = []string{"a@b", "<c d@e>"} }, "References"},
		{"header injection", func(o *Outgoing) { o.Headers = map[string]string{"X-A": "v\r\nBcc: victim@x"} }, "Headers"},
		{"reserved header", func(o *Outgoing) { o.Headers = map[string]string{"content-type": "text/html"} }, "Headers"},
		{"bad header name", func(o *Outgoing) { o.Headers = map[string]string{"X A": "v"} }, "Headers"},
		{"inline without cid", func(o *Outgoing) { o.Attachments = []Attachment{{Filename: "a.png", Inline: true}} }, "Attachments"},
		{"bad content id", func(o *Outgoing) { o.Attachments = []Attachment{{Filename: "a.png", ContentID: "a b"}} }, "Attachments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := sampleOutgoing()
			tt.mutate(&o)
			_, err := Compose(o)
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want *FieldError", err)
			}
			if fe.Field != tt.field {
				t.Errorf("Field = %q, want %q (%v)", fe.Field, tt.field, err)
			}
		})
	}
}

func TestComposeNonASCIIHeaderValue(t *testing.T) {
	o := sampleOutgoing()
	o.Headers = map[string]string{"X-Deskmine-Queue": "售后 支持"}
	raw, err := Compose(o)
	if err != nil {
		t.Fatal(err)
	}
	h, _, err := readHeader(raw)
	if err != nil {
		t.Fatal(err)
	}
	if got := decodeWords(h.get("X-Deskmine-Queue")); got != "售后 支持" {
		t.Errorf("header value = %q", got)
	}
}

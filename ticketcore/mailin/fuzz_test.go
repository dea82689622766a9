package mailin

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// fuzzLimits keep each run small; the properties do not depend on size.
var fuzzLimits = Limits{MaxBytes: 1 << 16, MaxAttachments: 20, MaxAttachmentBytes: 1 << 16, MaxParts: 64, MaxDepth: 8}

func FuzzParse(f *testing.F) {
	files, err := filepath.Glob("testdata/*.eml")
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		f.Add(readSample(f, filepath.Base(file)))
	}
	f.Add([]byte("From: a@b.example\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: multipart/alternative; boundary=y\r\n\r\n--y\r\n\r\nhi\r\n--y--\r\n--x--\r\n"))
	f.Add([]byte("From: =?GBK?B?1cXOsA==?= <a@b.example>\nSubject: =?GB18030?Q?=954=B25?=\n\n<p>x</p>"))
	f.Add([]byte("From: a@b.example\nContent-Type: text/html\n\n<blockquote><blockquote>x</blockquote>"))

	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := Parse(bytes.NewReader(raw), fuzzLimits)
		if err != nil {
			var le *LimitError
			var pe *ParseError
			if !errors.As(err, &le) && !errors.As(err, &pe) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			return
		}
		for name, s := range map[string]string{
			"Text": m.Text, "Reply": m.Reply, "HTML": m.HTML, "Subject": m.Subject,
			"From.Name": m.From.Name, "MessageID": m.MessageID,
		} {
			if !utf8.ValidString(s) {
				t.Errorf("%s is not valid UTF-8: %q", name, s)
			}
			if strings.ContainsRune(s, 0) {
				t.Errorf("%s has a NUL byte: %q", name, s)
			}
		}
		for _, a := range m.Attachments {
			if !utf8.ValidString(a.Filename) || a.Filename == "" || strings.ContainsAny(a.Filename, "/\\\x00") {
				t.Errorf("bad attachment name %q", a.Filename)
			}
		}
		if m.From.Email == "" || m.MessageID == "" || len(m.Fingerprint) != 64 {
			t.Errorf("missing From %q, MessageID %q or Fingerprint %q", m.From.Email, m.MessageID, m.Fingerprint)
		}
		if len(m.Attachments) > fuzzLimits.MaxAttachments {
			t.Errorf("%d attachments over the limit", len(m.Attachments))
		}
		assertSafeHTML(t, m.HTML)
	})
}

// FuzzCompose checks that whatever Compose accepts, Parse reads back.
func FuzzCompose(f *testing.F) {
	f.Add("Printer offline", "Hello,\n\nit works.\n-- \nBob", "<p>hi</p>", "张伟", "报告.pdf")
	f.Add("回复：[#12] 账号被锁定 =?utf-8?q?x?=", "\r\n.\r\n--dm_x\r\n", "", "O'Brien, \"Sean\"", "")
	f.Fuzz(func(t *testing.T, subject, text, html, name, filename string) {
		o := Outgoing{
			From:    Address{name, "support@deskmine.example"},
			To:      []Address{{name, "customer@example.com"}},
			Subject: subject,
			Text:    text,
			HTML:    html,
		}
		if filename != "" {
			o.Attachments = []Attachment{{Filename: filename, ContentType: "application/pdf", Data: []byte(text)}}
		}
		raw, err := Compose(o)
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			return
		}
		for _, line := range strings.Split(string(raw), "\r\n") {
			if len(line) > 998 || strings.ContainsAny(line, "\r\n") {
				t.Fatalf("bad line %q", line)
			}
		}
		m, err := Parse(bytes.NewReader(raw), Limits{})
		if err != nil {
			t.Fatalf("Parse(Compose()) failed: %v\n%s", err, raw)
		}
		if want := oneLine(subject); m.Subject != want {
			t.Errorf("subject %q came back as %q", want, m.Subject)
		}
		if strings.TrimSpace(cleanText(text)) != "" && m.Text != cleanText(text) {
			t.Errorf("text %q came back as %q", cleanText(text), m.Text)
		}
		if m.From.Email != "support@deskmine.example" || len(m.To) != 1 || m.To[0].Email != "customer@example.com" {
			t.Errorf("addresses came back as %+v %+v", m.From, m.To)
		}
		if filename != "" && len(m.Attachments) != 1 {
			t.Errorf("attachment lost: %+v", m.Attachments)
		}
	})
}

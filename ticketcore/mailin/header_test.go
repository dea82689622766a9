package mailin

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestReadHeader(t *testing.T) {
	raw := "Subject: one\r\n two\r\n\tthree\r\nX-Empty:\r\nfrom: a@b.example\r\n\r\nbody\r\n"
	h, body, err := readHeader([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if got := h.get("subject"); got != "one two\tthree" {
		t.Errorf("Subject = %q", got)
	}
	if got := h.get("From"); got != "a@b.example" {
		t.Errorf("From = %q", got)
	}
	if !h.has("X-Empty") || h.has("X-Missing") {
		t.Error("has() wrong")
	}
	if string(body) != "body\r\n" {
		t.Errorf("body = %q", body)
	}

	// A continuation line first, or a line that is no field, ends the header.
	h, body, _ = readHeader([]byte(" folded\r\nSubject: x\r\n"))
	if len(h) != 0 || string(body) != " folded\r\nSubject: x\r\n" {
		t.Errorf("leading continuation: %v %q", h, body)
	}
	h, body, _ = readHeader([]byte("Subject: x\nnot a field\nmore"))
	if len(h) != 1 || string(body) != "not a field\nmore" {
		t.Errorf("non-field line: %v %q", h, body)
	}
	// Without any body.
	h, body, _ = readHeader([]byte("Subject: x"))
	if h.get("Subject") != "x" || body != nil {
		t.Errorf("no body: %v %q", h, body)
	}

	_, _, err = readHeader([]byte(strings.Repeat("A: b\n", maxHeaderFields+1)))
	var le *LimitError
	if !errors.As(err, &le) {
		t.Errorf("too many fields: err = %v", err)
	}
}

func TestMediaType(t *testing.T) {
	tests := []struct {
		in, typ string
		params  map[string]string
	}{
		{`text/plain; charset="utf-8"`, "text/plain", map[string]string{"charset": "utf-8"}},
		{`TEXT/HTML`, "text/html", map[string]string{}},
		{``, "", map[string]string{}},
		// mime.ParseMediaType rejects these; the fallback keeps what it can.
		{`multipart/mixed; boundary=a; boundary=b`, "multipart/mixed", map[string]string{"boundary": "a"}},
		{`multipart/mixed; boundary="=_a b\"c"; junk`, "multipart/mixed", map[string]string{"boundary": `=_a b"c`}},
		{`text/plain; charset=gbk; name=文件.txt`, "text/plain", map[string]string{"charset": "gbk", "name": "文件.txt"}},
		{`attachment; filename="unterminated`, "attachment", map[string]string{"filename": "unterminated"}},
	}
	for _, tt := range tests {
		typ, params := mediaType(tt.in)
		if typ != tt.typ {
			t.Errorf("mediaType(%q) type = %q, want %q", tt.in, typ, tt.typ)
		}
		if len(params) != len(tt.params) {
			t.Errorf("mediaType(%q) params = %q, want %q", tt.in, params, tt.params)
			continue
		}
		for k, v := range tt.params {
			if params[k] != v {
				t.Errorf("mediaType(%q)[%s] = %q, want %q", tt.in, k, params[k], v)
			}
		}
	}
}

func TestRFC2231Value(t *testing.T) {
	tests := []struct{ raw, want string }{
		{`attachment; filename*=gbk''%D5%D5%C6%AC.jpg`, "照片.jpg"},
		{`attachment; filename*=UTF-8''%E6%8A%A5%E5%91%8A.xlsx`, "报告.xlsx"},
		{`attachment; filename*0*=utf-8'en'%E6%8A%A5`, "报"},
		{`attachment; filename="plain.txt"`, ""},
		{`attachment; filename*=nocharset`, ""},
		{`attachment; filename*=utf-8''%ZZ`, ""},
	}
	for _, tt := range tests {
		if got := rfc2231Value(tt.raw, rfc2231Filename); got != tt.want {
			t.Errorf("rfc2231Value(%q) = %q, want %q", tt.raw, got, tt.want)
		}
	}
	if got := rfc2231Value(`image/png; name*=utf-8''a.png`, rfc2231Name); got != "a.png" {
		t.Errorf("name*: %q", got)
	}
}

func TestMessageIDs(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want []string
	}{
		{"<a@B.Example>", 10, []string{"a@b.example"}},
		{"<A@x.example> <b@x.example>\r\n <c@x.example>", 10, []string{"A@x.example", "b@x.example", "c@x.example"}},
		{"<a@x>,<b@x>", 10, []string{"a@x", "b@x"}},
		{"<a@x> (Alice's message of Monday)", 10, []string{"a@x"}},
		{"a@x b@x", 10, []string{"a@x", "b@x"}},
		{"<a@x> <b@x> <a@x>", 10, []string{"a@x", "b@x"}},
		{"<1@x> <2@x> <3@x> <4@x>", 2, []string{"3@x", "4@x"}},
		{"<folded\r\n @x>", 10, []string{"folded@x"}},
		{"<> < >", 10, nil},
		{"no ids here", 10, nil},
		{"<" + strings.Repeat("x", 300) + "@x>", 10, nil},
	}
	for _, tt := range tests {
		got := messageIDs(tt.in, tt.max)
		if !eqStrings(got, tt.want) {
			t.Errorf("messageIDs(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseDate(t *testing.T) {
	want := time.Date(2025, 3, 3, 10, 15, 0, 0, time.FixedZone("", 8*3600))
	for _, in := range []string{
		"Mon, 3 Mar 2025 10:15:00 +0800",
		"Mon, 03 Mar 2025 10:15:00 +0800 (CST)",
		"  Mon,  3 Mar 2025\r\n 10:15:00 +0800",
		"3 Mar 2025 10:15:00 +0800",
		"Mon, 3 Mar 2025 10:15 +0800",
		"2025-03-03T10:15:00+08:00",
		"2025-03-03 10:15:00 +0800",
	} {
		if got := parseDate(in); !got.Equal(want) {
			t.Errorf("parseDate(%q) = %v, want %v", in, got, want)
		}
	}
	for _, in := range []string{"", "yesterday", "Mon, 45 Foo 2025"} {
		if got := parseDate(in); !got.IsZero() {
			t.Errorf("parseDate(%q) = %v, want zero", in, got)
		}
	}
}

func TestCleanText(t *testing.T) {
	in := "\r\n\r\nline one  \r\nline\x00 two\tx\rthree\x1b\n\n"
	if got, want := cleanText(in), "line one\nline two\tx\nthree"; got != want {
		t.Errorf("cleanText = %q, want %q", got, want)
	}
	if got, want := oneLine(" a\r\n\tb\u00a0 c\x00d "), "a b c d"; got != want {
		t.Errorf("oneLine = %q, want %q", got, want)
	}
}

package attach

import (
	"mime"
	"strings"
	"testing"
)

func TestContentDisposition(t *testing.T) {
	for _, tc := range []struct {
		name   string
		inline bool
		want   string
	}{
		{"发票 2026.pdf", true, `inline; filename="__ 2026.pdf"; filename*=UTF-8''%E5%8F%91%E7%A5%A8%202026.pdf`},
		{"发票 2026.pdf", false, `attachment; filename="__ 2026.pdf"; filename*=UTF-8''%E5%8F%91%E7%A5%A8%202026.pdf`},
		{"截图.PNG", true, `inline; filename="__.PNG"; filename*=UTF-8''%E6%88%AA%E5%9B%BE.PNG`},
		{"report.pdf", true, `inline; filename="report.pdf"`},
		{"page.html", true, `attachment; filename="page.html"`},
		{"logo.svg", true, `attachment; filename="logo.svg"`},
		{"data.csv", true, `attachment; filename="data.csv"`},
		{"100% done.txt", false, `attachment; filename="100_ done.txt"; filename*=UTF-8''100%25%20done.txt`},
		{`evil"; filename="x.exe`, false, `attachment; filename="evil_; filename=_x.exe"`},
		{"a\r\nSet-Cookie: x=y", false, `attachment; filename="aSet-Cookie_ x=y"`},
		{"", false, `attachment; filename="attachment"`},
	} {
		got := ContentDisposition(tc.name, tc.inline)
		if got != tc.want {
			t.Errorf("ContentDisposition(%q, %v)\n got %s\nwant %s", tc.name, tc.inline, got, tc.want)
		}
		// A standard parser gets the sanitised name back, UTF-8 included.
		_, params, err := mime.ParseMediaType(got)
		if err != nil {
			t.Errorf("%s: %v", got, err)
			continue
		}
		if params["filename"] != SanitizeName(tc.name) {
			t.Errorf("%s parses to %q, want %q", got, params["filename"], SanitizeName(tc.name))
		}
	}
}

func TestHeaders(t *testing.T) {
	for _, tc := range []struct {
		blob        Blob
		inline      bool
		disposition string // prefix
		csp         bool
	}{
		{Blob{Filename: "scan", ContentType: "image/png"}, true, "inline;", true},
		{Blob{Filename: "合同.pdf", ContentType: "application/pdf"}, true, "inline;", false},
		{Blob{Filename: "合同.pdf", ContentType: "application/pdf"}, false, "attachment;", false},
		{Blob{Filename: "logo.svg", ContentType: TypeSVG}, true, "attachment;", true},
		{Blob{Filename: "photo.png", ContentType: "text/html; charset=utf-8"}, true, "attachment;", true},
		{Blob{Filename: "notes.txt", ContentType: "text/plain; charset=utf-8"}, true, "attachment;", true},
		{Blob{Filename: "x", ContentType: ""}, true, "attachment;", true},
	} {
		h := Headers(tc.blob, tc.inline)
		want := tc.blob.ContentType
		if want == "" {
			want = TypeBin
		}
		if h.Get("Content-Type") != want {
			t.Errorf("%+v: Content-Type %q", tc.blob, h.Get("Content-Type"))
		}
		if h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%+v: no nosniff", tc.blob)
		}
		if !strings.HasPrefix(h.Get("Content-Disposition"), tc.disposition) {
			t.Errorf("%+v inline=%v: Content-Disposition %q", tc.blob, tc.inline, h.Get("Content-Disposition"))
		}
		if (h.Get("Content-Security-Policy") != "") != tc.csp {
			t.Errorf("%+v: Content-Security-Policy %q", tc.blob, h.Get("Content-Security-Policy"))
		}
	}
}

func TestInlineSafe(t *testing.T) {
	for ct, want := range map[string]bool{
		"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true, "application/pdf": true,
		"Image/PNG; x=y": true, TypeSVG: false, "text/html; charset=utf-8": false, "text/plain": false,
		"application/xhtml+xml": false, TypeDOCX: false, "": false,
	} {
		if InlineSafe(ct) != want {
			t.Errorf("InlineSafe(%q) = %v", ct, !want)
		}
	}
}

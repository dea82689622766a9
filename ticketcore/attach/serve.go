package attach

import (
	"net/http"
	"strings"
)

// Serving rules, for the HTTP handler that sends blobs back:
//
//   - Content-Type is the detected type, never the declared one.
//   - Only raster images and PDF may be shown inline; everything else,
//     and in particular HTML and SVG, which can run scripts in our origin,
//     is always sent as an attachment (a download).
//   - Every response carries X-Content-Type-Options: nosniff, so that a
//     browser does not second-guess the type into HTML, and, except for
//     PDF (whose built-in viewers break under it), a sandboxing
//     Content-Security-Policy in case a client ignores the disposition.
//
// Headers applies all of them; ContentDisposition is the formatting part.

// cspSandbox forbids scripts, plugins and sub-resources in a served file.
const cspSandbox = "default-src 'none'; style-src 'unsafe-inline'; sandbox"

// InlineSafe reports whether content of this detected type may be shown in
// the browser rather than downloaded: raster images and PDF.
func InlineSafe(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	switch strings.TrimSpace(strings.ToLower(mt)) {
	case "image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp", "image/avif", "application/pdf":
		return true
	}
	return false
}

// Headers returns the response headers for serving b: Content-Type,
// Content-Disposition (inline only if asked and InlineSafe), nosniff and
// the sandbox policy. Set them before http.ServeContent, which then adds
// length, ranges and caching validators.
func Headers(b Blob, inline bool) http.Header {
	ct := b.ContentType
	if ct == "" {
		ct = TypeBin
	}
	h := make(http.Header)
	h.Set("Content-Type", ct)
	h.Set("Content-Disposition", disposition(SanitizeName(b.Filename), inline && InlineSafe(ct)))
	h.Set("X-Content-Type-Options", "nosniff")
	if mt, _, _ := strings.Cut(ct, ";"); mt != "application/pdf" {
		h.Set("Content-Security-Policy", cspSandbox)
	}
	return h
}

// ContentDisposition formats an RFC 6266 Content-Disposition for filename:
// a quoted ASCII fallback for old clients and, when the name is not plain
// ASCII, a filename* parameter with the UTF-8 name percent-encoded (RFC
// 8187). Knowing only the name, it allows inline only when the extension
// is that of a raster image or PDF; Headers decides by the detected type
// instead, which is what a handler should use.
func ContentDisposition(filename string, inline bool) string {
	name := SanitizeName(filename)
	if inline {
		switch extension(name) {
		case ".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".avif", ".pdf":
		default:
			inline = false
		}
	}
	return disposition(name, inline)
}

// disposition formats a header for an already sanitised name.
func disposition(name string, inline bool) string {
	v := "attachment"
	if inline {
		v = "inline"
	}
	fallback := asciiFallback(name)
	v += `; filename="` + fallback + `"`
	if fallback != name {
		v += "; filename*=UTF-8''" + percentEncode(name)
	}
	return v
}

// asciiFallback replaces what cannot appear safely in a quoted filename:
// non-ASCII, quotes and backslashes, and '%', which some clients decode.
func asciiFallback(name string) string {
	var b strings.Builder
	for _, r := range name {
		if r < 0x20 || r >= 0x7f || r == '"' || r == '\\' || r == '%' {
			b.WriteByte('_')
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// percentEncode encodes everything but RFC 8187 attr-char.
func percentEncode(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&0xf])
	}
	return b.String()
}

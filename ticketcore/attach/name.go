package attach

import (
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxNameBytes is the longest sanitised filename, in bytes of UTF-8.
const MaxNameBytes = 200

// maxExtBytes bounds the extension kept when a long name is shortened; a
// longer "extension" is just a dot in a long name.
const maxExtBytes = 16

// SanitizeName turns a declared filename (from a browser, a mail client or a
// chat webhook) into a safe base name: the part after the last / or \, with
// control and invisible formatting characters removed (NUL, CR/LF, the bidi
// overrides that make "fdp.exe" look like "exe.pdf", zero-width spaces),
// characters Windows refuses replaced by '_', leading dots and spaces and
// trailing dots and spaces removed, Windows device names defused, NFC
// normalised and at most MaxNameBytes bytes with the extension kept.
// Unicode letters are kept ("发票 2026.pdf" stays as it is). A name with
// nothing left becomes "attachment".
func SanitizeName(name string) string {
	if s := sanitize(name); s != "" {
		return s
	}
	return "attachment"
}

// sanitize is SanitizeName without the fallback, so that Put can name an
// anonymous upload after its detected type.
func sanitize(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	var b strings.Builder
	b.Grow(len(name))
	for i := 0; i < len(name); {
		r, n := utf8.DecodeRuneInString(name[i:])
		i += n
		switch {
		case r == utf8.RuneError && n == 1:
			b.WriteByte('_')
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r), unicode.In(r, unicode.Zl, unicode.Zp):
			// Invisible or line-breaking characters only serve to make a
			// name look different from what it is.
		case strings.ContainsRune(`<>:"|?*`, r):
			b.WriteByte('_')
		default:
			b.WriteRune(r)
		}
	}
	// Filtering first and normalising after keeps the result stable: a
	// removed character can no longer separate a letter from its accent.
	s := norm.NFC.String(b.String())
	s = strings.TrimLeftFunc(s, dotOrSpace)
	s = strings.TrimRightFunc(s, dotOrSpace)
	if reservedDevice(s) {
		s = "_" + s
	}
	s = shorten(s, MaxNameBytes)
	return strings.TrimRightFunc(s, dotOrSpace)
}

func dotOrSpace(r rune) bool { return r == '.' || unicode.IsSpace(r) }

// shorten cuts s to at most max bytes on a rune boundary, keeping a short
// extension so that the type the user sees does not change.
func shorten(s string, max int) string {
	if len(s) <= max {
		return s
	}
	ext := path.Ext(s)
	if len(ext) > maxExtBytes || strings.ContainsFunc(ext, unicode.IsSpace) {
		ext = ""
	}
	stem := s[:len(s)-len(ext)]
	cut := max - len(ext)
	for cut > 0 && !utf8.RuneStart(stem[cut]) {
		cut--
	}
	return strings.TrimRightFunc(stem[:cut], dotOrSpace) + ext
}

// reservedDevice reports whether Windows would open a device instead of a
// file for this name ("CON.txt", "nul", "COM1.pdf").
func reservedDevice(s string) bool {
	stem, _, _ := strings.Cut(s, ".")
	stem = strings.ToUpper(strings.TrimRight(stem, " "))
	switch stem {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return true
	}
	if len(stem) == 4 && (strings.HasPrefix(stem, "COM") || strings.HasPrefix(stem, "LPT")) {
		return stem[3] >= '0' && stem[3] <= '9'
	}
	return false
}

// extension is the lower-case extension of a sanitised name, "" for none.
func extension(name string) string {
	return strings.ToLower(path.Ext(name))
}

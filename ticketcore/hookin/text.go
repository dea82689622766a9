package hookin

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// cleanText prepares multi-line text: line breaks become "\n", other
// control characters except tab are dropped (they garble terminals, logs and
// exports and carry no meaning in a message), and the result is trimmed.
// Everything else, emoji joiners and variation selectors included, is kept.
func cleanText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\r':
			b.WriteByte('\n')
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case unicode.IsControl(r):
		default:
			b.WriteRune(r)
		}
	}
	return strings.TrimSpace(b.String())
}

// cleanLine prepares one-line text: as cleanText, with line breaks and tabs
// turned into spaces so a name or subject cannot forge extra lines.
func cleanLine(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			b.WriteByte(' ')
		case unicode.IsControl(r):
		default:
			b.WriteRune(r)
		}
	}
	return strings.TrimSpace(b.String())
}

// hasControl reports whether s has a control character; identifiers with
// one are refused rather than cleaned, as cleaning could make two different
// ids equal.
func hasControl(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) {
			return true
		}
	}
	return false
}

func tooLong(s string, max int) bool { return utf8.RuneCountInString(s) > max }

package mailin

import (
	"strings"
	"unicode"
)

// Address is a mailbox: a display name and a lower-cased email address.
type Address struct {
	Name  string
	Email string
}

// maxAddresses bounds one address list; the rest is dropped.
const maxAddresses = 200

// parseAddressList reads an address header leniently. net/mail is strict
// about syntax real clients violate (unquoted dots and commas in names,
// encoded-words inside quotes, raw GBK bytes), so the list is split by hand
// and each mailbox is decoded on its own.
func parseAddressList(v string) []Address {
	v = toUTF8(v)
	var out []Address
	for _, seg := range splitAddresses(v) {
		if a, ok := parseMailbox(seg); ok {
			out = append(out, a)
			if len(out) == maxAddresses {
				break
			}
		}
	}
	return out
}

// splitAddresses splits at commas and semicolons outside quotes, comments
// and angle brackets, and drops group names ("Team: a@x, b@y;").
func splitAddresses(v string) []string {
	var segs []string
	var cur strings.Builder
	inQuote, inAngle, depth := false, false, 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case inQuote:
			if c == '\\' && i+1 < len(v) {
				cur.WriteByte(c)
				i++
				c = v[i]
			} else if c == '"' {
				inQuote = false
			}
		case depth > 0:
			if c == '(' {
				depth++
			} else if c == ')' {
				depth--
			}
		case c == '"':
			inQuote = true
		case c == '(':
			depth++
		case c == '<':
			inAngle = true
		case c == '>':
			inAngle = false
		case !inAngle && (c == ',' || c == ';'):
			segs = append(segs, cur.String())
			cur.Reset()
			continue
		case !inAngle && c == ':':
			// A group name: what came before is not a mailbox.
			cur.Reset()
			continue
		}
		cur.WriteByte(c)
	}
	return append(segs, cur.String())
}

// parseMailbox reads `Name <addr>`, `"Name" <addr>`, `addr (Name)` or a
// bare address.
func parseMailbox(seg string) (Address, bool) {
	seg = strings.TrimSpace(seg)
	var name, addr string
	if lt := lastUnquoted(seg, '<'); lt >= 0 {
		rest := seg[lt+1:]
		gt := strings.IndexByte(rest, '>')
		if gt < 0 {
			gt = len(rest)
		}
		addr = rest[:gt]
		// Obsolete source routes: "<@relay:user@host>".
		if i := strings.LastIndexByte(addr, ':'); i >= 0 {
			addr = addr[i+1:]
		}
		name = seg[:lt]
		if strings.TrimSpace(name) == "" && gt < len(rest) {
			name = commentText(rest[gt+1:])
		}
	} else {
		addr, name = withoutComments(seg), commentText(seg)
	}
	email, ok := cleanEmail(addr)
	if !ok {
		return Address{}, false
	}
	return Address{Name: displayName(name, email), Email: email}, true
}

// lastUnquoted returns the index of the last c outside double quotes.
func lastUnquoted(s string, c byte) int {
	idx, inQuote := -1, false
	for i := 0; i < len(s); i++ {
		switch {
		case inQuote && s[i] == '\\':
			i++
		case s[i] == '"':
			inQuote = !inQuote
		case !inQuote && s[i] == c:
			idx = i
		}
	}
	return idx
}

func withoutComments(s string) string {
	var b strings.Builder
	depth := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case depth == 0:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func commentText(s string) string {
	open := strings.IndexByte(s, '(')
	end := strings.LastIndexByte(s, ')')
	if open < 0 || end <= open {
		return ""
	}
	return s[open+1 : end]
}

// displayName unquotes, decodes and tidies a display name; a name that only
// repeats the address is dropped.
func displayName(raw, email string) string {
	raw = strings.TrimSpace(raw)
	if len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"' {
		raw = raw[1 : len(raw)-1]
	}
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		if raw[i] == '\\' && i+1 < len(raw) {
			i++
		} else if raw[i] == '"' {
			continue
		}
		b.WriteByte(raw[i])
	}
	name := oneLine(decodeWords(b.String()))
	name = strings.Trim(name, `'" `)
	if strings.EqualFold(name, email) {
		return ""
	}
	if r := []rune(name); len(r) > 200 {
		name = string(r[:200])
	}
	return name
}

// cleanEmail checks the address shape loosely (one local part, one domain,
// no white space or structural characters) and lower-cases it.
func cleanEmail(s string) (string, bool) {
	s = strings.Trim(strings.TrimSpace(s), `"'`)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "mailto:"), "MAILTO:")
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 || len(s) > 254 {
		return "", false
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == unicode.ReplacementChar || strings.ContainsRune(`<>(),;:"\`, r) {
			return "", false
		}
	}
	if strings.Count(s, "@") != 1 || strings.HasPrefix(s[at+1:], ".") || strings.HasSuffix(s, ".") {
		return "", false
	}
	return strings.ToLower(s), true
}

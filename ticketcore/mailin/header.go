package mailin

import (
	"bytes"
	"mime"
	"net/mail"
	"net/textproto"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// maxHeaderFields bounds the fields of one header block; real mail has a
// few dozen, and without a bound a message of tiny fields costs far more
// memory than its size.
const maxHeaderFields = 1000

type field struct {
	key   string // canonical, e.g. "Message-Id"
	value string // unfolded, raw bytes, not decoded
}

type header []field

// maxValueBytes caps a header value as read by get: no legitimate field
// comes near it, and decoding a huge one costs time and memory for nothing.
const maxValueBytes = 64 << 10

func (h header) get(key string) string {
	key = textproto.CanonicalMIMEHeaderKey(key)
	for _, f := range h {
		if f.key == key {
			v := f.value
			if len(v) > maxValueBytes {
				cut := maxValueBytes
				for cut > 0 && !utf8.RuneStart(v[cut]) {
					cut--
				}
				v = v[:cut]
			}
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func (h header) has(key string) bool {
	key = textproto.CanonicalMIMEHeaderKey(key)
	for _, f := range h {
		if f.key == key {
			return true
		}
	}
	return false
}

func validFieldName(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c <= ' ' || c >= 0x7f || c == ':' {
			return false
		}
	}
	return true
}

// readHeader splits an entity into its header and body. It is lenient the
// way MTAs are: a line that is neither a field nor a continuation ends the
// header even without the blank line, and CRLF or bare LF are both fine.
func readHeader(b []byte) (header, []byte, error) {
	var h header
	for i := 0; i < len(b); {
		line, next := b[i:], len(b)
		if n := bytes.IndexByte(line, '\n'); n >= 0 {
			line, next = line[:n], i+n+1
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			return h, b[next:], nil
		}
		if line[0] == ' ' || line[0] == '\t' {
			if len(h) == 0 {
				return h, b[i:], nil
			}
			h[len(h)-1].value += string(line)
			i = next
			continue
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		name = bytes.TrimRight(name, " \t")
		if !ok || !validFieldName(name) {
			return h, b[i:], nil
		}
		if len(h) >= maxHeaderFields {
			return nil, nil, &LimitError{Limit: "header fields", Max: maxHeaderFields}
		}
		h = append(h, field{key: textproto.CanonicalMIMEHeaderKey(string(name)), value: string(value)})
		i = next
	}
	return h, nil, nil
}

// mediaType parses a Content-Type or Content-Disposition value. It never
// fails: a value mime.ParseMediaType rejects is split by hand, because a
// boundary or filename in a slightly broken header is still worth having.
func mediaType(v string) (string, map[string]string) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", map[string]string{}
	}
	t, params, err := mime.ParseMediaType(v)
	if err == nil {
		return strings.ToLower(t), params
	}
	head, rest, _ := strings.Cut(v, ";")
	return strings.ToLower(strings.TrimSpace(head)), looseParams(rest)
}

// looseParams reads "; key=value" pairs, quoted or not, keeping the first
// of duplicated keys.
func looseParams(s string) map[string]string {
	params := map[string]string{}
	for s != "" {
		s = strings.TrimLeft(s, " \t;")
		eq := strings.IndexByte(s, '=')
		if eq < 0 {
			break
		}
		key := strings.ToLower(strings.TrimSpace(s[:eq]))
		s = strings.TrimLeft(s[eq+1:], " \t")
		var val string
		if strings.HasPrefix(s, `"`) {
			var b strings.Builder
			i := 1
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				b.WriteByte(s[i])
			}
			val, s = b.String(), s[min(i+1, len(s)):]
		} else {
			end := strings.IndexByte(s, ';')
			if end < 0 {
				end = len(s)
			}
			val, s = strings.TrimSpace(s[:end]), s[end:]
		}
		if _, dup := params[key]; !dup && key != "" {
			params[key] = val
		}
	}
	return params
}

var (
	rfc2231Filename = regexp.MustCompile(`(?i)(?:^|;)\s*filename\*(?:0\*)?\s*=\s*"?([^;"\s]+)`)
	rfc2231Name     = regexp.MustCompile(`(?i)(?:^|;)\s*name\*(?:0\*)?\s*=\s*"?([^;"\s]+)`)
)

// rfc2231Value finds an extended "name*=charset'lang'value" parameter that
// mime.ParseMediaType skipped because its charset is not UTF-8 (GBK file
// names from Chinese clients).
func rfc2231Value(raw string, re *regexp.Regexp) string {
	m := re.FindStringSubmatch(raw)
	if m == nil {
		return ""
	}
	parts := strings.SplitN(m[1], "'", 3)
	if len(parts) != 3 {
		return ""
	}
	data, err := url.PathUnescape(parts[2])
	if err != nil {
		return ""
	}
	return decodeCharset([]byte(data), parts[0])
}

// msgIDPattern finds bracketed ids; References may fold, add comments or
// separate ids with commas.
var msgIDPattern = regexp.MustCompile(`<([^<>]*)>`)

// maxIDLength is the longest message id kept; longer ones are junk.
const maxIDLength = 250

// normalizeID strips brackets and white space and lower-cases the domain,
// which is case-insensitive, so that ids compare byte for byte.
func normalizeID(id string) string {
	id = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == '<' || r == '>' || r == utf8.RuneError {
			return -1
		}
		return r
	}, toUTF8(id))
	if id == "" || len(id) > maxIDLength {
		return ""
	}
	if at := strings.LastIndexByte(id, '@'); at >= 0 {
		id = id[:at] + strings.ToLower(id[at:])
	}
	return id
}

// messageIDs extracts the ids of a Message-ID, In-Reply-To or References
// value in order, without duplicates, keeping at most max of the last ones.
func messageIDs(v string, max int) []string {
	// Only the last max ids are kept, so only their share of the text is
	// read; a cut id at the front lacks its "<" and is skipped.
	if limit := max * (maxIDLength + 8); len(v) > limit {
		v = v[len(v)-limit:]
	}
	var raw []string
	if ms := msgIDPattern.FindAllStringSubmatch(v, -1); len(ms) > 0 {
		for _, m := range ms {
			raw = append(raw, m[1])
		}
	} else {
		// Some clients drop the brackets.
		for _, f := range strings.FieldsFunc(v, func(r rune) bool { return unicode.IsSpace(r) || r == ',' }) {
			if strings.Contains(f, "@") {
				raw = append(raw, f)
			}
		}
	}
	seen := map[string]bool{}
	var ids []string
	for _, r := range raw {
		id := normalizeID(r)
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		ids = append(ids, id)
	}
	if len(ids) > max {
		ids = ids[len(ids)-max:]
	}
	return ids
}

// dateLayouts are tried after mail.ParseDate for dates seen in the wild.
var dateLayouts = []string{
	"Mon, 2 Jan 2006 15:04:05 -0700 (MST)",
	"Mon, 2 Jan 2006 15:04:05 MST",
	"Mon, 2 Jan 2006 15:04 -0700",
	"2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 06 15:04:05 -0700",
	"Mon Jan 2 15:04:05 2006",
	"Mon Jan 2 15:04:05 MST 2006",
	"2006-01-02 15:04:05 -0700",
	time.RFC3339,
}

// parseDate returns the zero time when the value cannot be read; the
// service then uses the time of receipt.
func parseDate(v string) time.Time {
	v = strings.Join(strings.Fields(v), " ")
	if v == "" {
		return time.Time{}
	}
	if t, err := mail.ParseDate(v); err == nil {
		return t
	}
	// A trailing "(CST)" comment trips some layouts.
	if i := strings.LastIndexByte(v, '('); i > 0 {
		if t, err := mail.ParseDate(strings.TrimSpace(v[:i])); err == nil {
			return t
		}
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, v); err == nil {
			return t
		}
	}
	return time.Time{}
}

// cleanText makes decoded text safe to store: no NUL or other control
// characters except tab and newline, LF line ends, no trailing blanks.
func cleanText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r == '\r':
			return '\n'
		case r < 0x20 || r == 0x7f:
			return -1
		}
		return r
	}, s)
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	return strings.Trim(strings.Join(lines, "\n"), "\n")
}

// oneLine decodes nothing; it collapses white space and drops control
// characters, for subjects and display names.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '\u00a0' {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

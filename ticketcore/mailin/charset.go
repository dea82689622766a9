package mailin

import (
	"bytes"
	"encoding/base64"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// charsetAliases covers labels seen in Chinese mail that neither the WHATWG
// nor the IANA index knows.
var charsetAliases = map[string]string{
	"cp936":       "gbk",
	"ms936":       "gbk",
	"windows-936": "gbk",
	"x-cp936":     "gbk",
	"gb_2312":     "gbk",
	"euc-cn":      "gbk",
	"x-euc-cn":    "gbk",
	"cp950":       "big5",
	"ms950":       "big5",
	"x-big5":      "big5",
	"big5-hkscs":  "big5",
	"utf8":        "utf-8",
	"unicode":     "utf-16le",
}

// lookupCharset returns the encoding for a MIME charset label, or nil when
// the label is unknown. Labels are matched as browsers do, so "gb2312" gets
// the GBK superset and "iso-8859-1" gets windows-1252, which is what
// senders that use those labels actually produce.
func lookupCharset(label string) encoding.Encoding {
	label = strings.ToLower(strings.Trim(strings.TrimSpace(label), `"'`))
	if label == "" {
		return nil
	}
	if a, ok := charsetAliases[label]; ok {
		label = a
	}
	if e, err := htmlindex.Get(label); err == nil {
		return e
	}
	if e, err := ianaindex.IANA.Encoding(label); err == nil && e != nil {
		return e
	}
	return nil
}

// isUTF8Label reports whether the label names UTF-8 or a subset of it.
func isUTF8Label(label string) bool {
	switch strings.ToLower(strings.Trim(strings.TrimSpace(label), `"'`)) {
	case "utf-8", "utf8", "us-ascii", "ascii", "ansi_x3.4-1968":
		return true
	}
	return false
}

// decodeCharset converts b, declared to be in charset, to valid UTF-8.
func decodeCharset(b []byte, charset string) string {
	if isUTF8Label(charset) || strings.TrimSpace(charset) == "" {
		if utf8.Valid(b) {
			return string(b)
		}
		if strings.EqualFold(strings.TrimSpace(charset), "utf-8") {
			// A declared UTF-8 body with a few broken bytes is still UTF-8;
			// guessing another charset would garble the rest.
			return strings.ToValidUTF8(string(b), "\uFFFD")
		}
		return guessCharset(b)
	}
	enc := lookupCharset(charset)
	if enc == nil {
		return guessCharset(b)
	}
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return guessCharset(b)
	}
	return strings.ToValidUTF8(string(out), "\uFFFD")
}

// guessCharset decodes unlabelled 8-bit text. Deskmine's mail is mostly
// Chinese, and unlabelled 8-bit Chinese mail is GBK/GB18030, so that is
// tried before falling back to windows-1252, which never fails.
func guessCharset(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	if out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b); err == nil && !bytes.ContainsRune(out, utf8.RuneError) {
		return string(out)
	}
	out, err := charmap.Windows1252.NewDecoder().Bytes(b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return strings.ToValidUTF8(string(out), "\uFFFD")
}

// toUTF8 returns s unchanged when it is valid UTF-8 (RFC 6532 headers) and
// guesses its charset otherwise (raw 8-bit headers from old clients).
func toUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return guessCharset([]byte(s))
}

// decodeTransfer undoes a Content-Transfer-Encoding. Both decoders are
// lenient: real mail has broken padding and stray "=" signs, and losing a
// message over them is worse than a wrong byte.
func decodeTransfer(cte string, body []byte) []byte {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "base64":
		return decodeBase64(body)
	case "quoted-printable":
		return decodeQP(body)
	default:
		return body
	}
}

func isBase64Char(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/'
}

// decodeBase64 ignores everything outside the alphabet (line breaks,
// padding, junk) and drops a dangling final character.
func decodeBase64(b []byte) []byte {
	clean := make([]byte, 0, len(b))
	for _, c := range b {
		if isBase64Char(c) {
			clean = append(clean, c)
		}
	}
	if len(clean)%4 == 1 {
		clean = clean[:len(clean)-1]
	}
	out := make([]byte, base64.RawStdEncoding.DecodedLen(len(clean)))
	// An error is only possible for non-zero trailing bits; what decoded
	// before it is kept.
	n, _ := base64.RawStdEncoding.Decode(out, clean)
	return out[:n]
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

// decodeQP decodes quoted-printable, passing invalid escapes through.
func decodeQP(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for len(b) > 0 {
		line, rest, hasNL := bytes.Cut(b, []byte("\n"))
		b = rest
		eol := "\n"
		if bytes.HasSuffix(line, []byte("\r")) {
			line = line[:len(line)-1]
			eol = "\r\n"
		}
		// Trailing white space was added in transit (RFC 2045 6.7 rule 3).
		line = bytes.TrimRight(line, " \t")
		soft := false
		if bytes.HasSuffix(line, []byte("=")) {
			soft = true
			line = line[:len(line)-1]
		}
		for i := 0; i < len(line); i++ {
			c := line[i]
			if c == '=' && i+2 < len(line) {
				h, ok1 := unhex(line[i+1])
				l, ok2 := unhex(line[i+2])
				if ok1 && ok2 {
					out = append(out, h<<4|l)
					i += 2
					continue
				}
			}
			out = append(out, c)
		}
		if hasNL && !soft {
			out = append(out, eol...)
		}
	}
	return out
}

// encodedWord matches one RFC 2047 encoded-word. The charset may carry an
// RFC 2231 language suffix ("utf-8*en").
var encodedWord = regexp.MustCompile(`=\?([^?\s]{1,64})\?([bBqQ])\?([^?\s]*)\?=`)

// decodeWords decodes RFC 2047 encoded-words in a header value. Adjacent
// words in the same charset are joined before charset conversion, because
// many encoders split a multibyte character across two words.
func decodeWords(s string) string {
	locs := encodedWord.FindAllStringSubmatchIndex(s, -1)
	if len(locs) == 0 {
		return toUTF8(s)
	}
	var out strings.Builder
	var pending []byte
	pendingCharset := ""
	open := false
	flush := func() {
		if open {
			out.WriteString(decodeCharset(pending, pendingCharset))
			pending, open = pending[:0], false
		}
	}
	pos := 0
	for _, m := range locs {
		gap := s[pos:m[0]]
		// White space between two encoded-words is not part of the text.
		if !(open && strings.Trim(gap, " \t\r\n") == "") {
			flush()
			out.WriteString(toUTF8(gap))
		}
		charset, _, _ := strings.Cut(s[m[2]:m[3]], "*")
		text := s[m[6]:m[7]]
		var data []byte
		if s[m[4]] == 'b' || s[m[4]] == 'B' {
			data = decodeBase64([]byte(text))
		} else {
			data = decodeQWord(text)
		}
		if open && !strings.EqualFold(charset, pendingCharset) {
			flush()
		}
		if !open {
			pendingCharset, open = charset, true
		}
		pending = append(pending, data...)
		pos = m[1]
	}
	flush()
	out.WriteString(toUTF8(s[pos:]))
	return out.String()
}

// decodeQWord decodes the "Q" encoding of RFC 2047 4.2.
func decodeQWord(s string) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '_':
			out = append(out, ' ')
		case c == '=' && i+2 < len(s):
			h, ok1 := unhex(s[i+1])
			l, ok2 := unhex(s[i+2])
			if ok1 && ok2 {
				out = append(out, h<<4|l)
				i += 2
			} else {
				out = append(out, c)
			}
		default:
			out = append(out, c)
		}
	}
	return out
}

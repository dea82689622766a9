package mailin

import (
	"html"
	"net/url"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
)

// bodyPolicy is bluemonday's UGC policy plus cid: URLs, which is how mail
// shows attached images. It is built per call: a shared *Policy would be
// package-level mutable state.
func bodyPolicy() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowURLSchemes("mailto", "http", "https", "cid")
	return p
}

// sanitizedImg matches an <img> tag in bluemonday's output, which always
// quotes attribute values with " and escapes > inside them, so a regexp
// is exact here (it would not be on raw HTML).
var (
	sanitizedImg = regexp.MustCompile(`<img\b[^>]*>`)
	cidSrc       = regexp.MustCompile(`src="cid:([^"]*)"`)
)

// sanitizeHTML makes an HTML body safe to show agents. Remote images go
// too: they are mostly tracking pixels, and loading them would tell the
// sender when an agent read the message.
func sanitizeHTML(s string) string {
	out := bodyPolicy().Sanitize(s)
	out = sanitizedImg.ReplaceAllStringFunc(out, func(tag string) string {
		if cidSrc.MatchString(tag) {
			return tag
		}
		return ""
	})
	return strings.TrimSpace(stripControls(out))
}

// referencedCIDs lists the Content-IDs (lower-cased) sanitised HTML shows.
func referencedCIDs(sanitized string) map[string]bool {
	cids := map[string]bool{}
	if !strings.Contains(sanitized, `src="cid:`) {
		return cids
	}
	for _, m := range cidSrc.FindAllStringSubmatch(sanitized, -1) {
		id := html.UnescapeString(m[1])
		if u, err := url.PathUnescape(id); err == nil {
			id = u
		}
		cids[strings.ToLower(id)] = true
	}
	return cids
}

func stripControls(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f {
			return -1
		}
		return r
	}, s)
}

var metaCharsetPattern = regexp.MustCompile(`(?i)<meta[^>]*charset\s*=\s*["']?\s*([a-z0-9_:.\-]+)`)

// metaCharset finds the charset an HTML part declares in a <meta> tag, for
// parts whose Content-Type omits it.
func metaCharset(b []byte) string {
	if len(b) > 4096 {
		b = b[:4096]
	}
	if m := metaCharsetPattern.FindSubmatch(b); m != nil {
		return string(m[1])
	}
	return ""
}

// Markers that survive sanitising while HTML is flattened: private-use
// runes, removed from the input first so a sender cannot inject them.
const (
	quoteOpen  = '\uE000'
	quoteClose = '\uE001'
	softBreak  = '\uE002' // block boundary: ends a non-empty line
	paraBreak  = '\uE003' // paragraph: ends the line and leaves a blank one
)

// maxQuoteDepth caps the "> " prefix of nested quotes.
const maxQuoteDepth = 8

var blankRun = regexp.MustCompile(`\n{3,}`)

// blockMarker says what an HTML tag means for the text layout.
func blockMarker(name string, closing bool) (rune, bool) {
	switch name {
	case "blockquote":
		if closing {
			return quoteClose, true
		}
		return quoteOpen, true
	case "br":
		return '\n', true
	case "p", "h1", "h2", "h3", "h4", "h5", "h6":
		return paraBreak, true
	case "hr", "div", "tr", "li", "table", "ul", "ol", "pre", "section", "article", "header", "footer":
		return softBreak, true
	}
	return 0, false
}

// markLayout collapses HTML white space and replaces layout tags with
// markers, in one linear scan (regexps here cost several passes of NFA).
func markLayout(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f':
			if !space {
				b.WriteByte(' ')
				space = true
			}
			i++
			continue
		case c == '<':
			j := i + 1
			closing := j < len(s) && s[j] == '/'
			if closing {
				j++
			}
			k := j
			for k < len(s) && (s[k] >= 'a' && s[k] <= 'z' || s[k] >= 'A' && s[k] <= 'Z' || s[k] >= '0' && s[k] <= '9') {
				k++
			}
			if marker, ok := blockMarker(strings.ToLower(s[j:k]), closing); ok && k > j {
				end := strings.IndexByte(s[k:], '>')
				if end < 0 {
					// No tag can end any more: the rest is text.
					b.WriteString(s[i:])
					return b.String()
				}
				b.WriteRune(marker)
				i = k + end + 1
				space = false
				continue
			}
		}
		b.WriteByte(c)
		space = false
		i++
	}
	return b.String()
}

// htmlToText renders an HTML body as plain text for when no text/plain
// part exists, roughly as a browser lays it out: block boundaries end
// lines, paragraphs leave a blank line, and blockquotes become "> " lines
// so that reply extraction works the same on both kinds of body.
func htmlToText(s string) string {
	s = strings.Map(func(r rune) rune {
		if r >= quoteOpen && r <= paraBreak {
			return -1
		}
		return r
	}, s)
	s = html.UnescapeString(bluemonday.StrictPolicy().Sanitize(markLayout(s)))

	var lines []string
	var cur strings.Builder
	depth := 0
	push := func(force bool) {
		line := strings.Join(strings.Fields(strings.ReplaceAll(cur.String(), "\u00a0", " ")), " ")
		cur.Reset()
		switch {
		case depth > 0 && line == "":
		case depth > 0:
			// Unclosed blockquotes nest without end in hostile HTML; the
			// prefix is capped so the text stays linear in the input.
			lines = append(lines, strings.Repeat(">", min(depth, maxQuoteDepth))+" "+line)
		case line != "" || force:
			lines = append(lines, line)
		}
	}
	blank := func() {
		if depth == 0 && len(lines) > 0 && lines[len(lines)-1] != "" {
			lines = append(lines, "")
		}
	}
	for _, r := range s {
		switch r {
		case '\n':
			push(true)
		case softBreak:
			push(false)
		case paraBreak:
			push(false)
			blank()
		case quoteOpen:
			push(false)
			depth++
		case quoteClose:
			push(false)
			depth = max(depth-1, 0)
			blank()
		default:
			cur.WriteRune(r)
		}
	}
	push(false)
	return strings.TrimSpace(blankRun.ReplaceAllString(strings.Join(lines, "\n"), "\n\n"))
}

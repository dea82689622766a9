package routing

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Keyword matching
//
// Text and keywords are both rewritten into one normalised byte stream:
// letters are lower-cased (full-width Latin letters and digits become ASCII),
// runs of white space become one space, and a boundary byte is inserted
// wherever a word starts or ends. A word is a run of letters, digits or "_"
// outside the CJK scripts; Han, kana and Hangul characters are never part of
// a word, so they match as plain substrings (Chinese has no spaces), while
// "refund" carries boundaries on both sides and therefore matches "refund"
// and "Refund!" but not "refunds". A keyword may start or end with "*" to
// drop the boundary on that side ("refund*" matches "refunds", "refunded").
//
// All keywords of a rule set are compiled into one Aho-Corasick automaton,
// turned into a full DFA over byte classes, so a text is scanned once, in
// linear time, whatever the number of keywords.

const boundary = 0x01

// normalize appends the normalised stream of s to dst.
func normalize(dst []byte, s string) []byte {
	prevWord, prevSpace := false, true
	var enc [utf8.UTFMax]byte
	for i := 0; i < len(s); {
		c := s[i]
		r, size := rune(c), 1
		if c >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		i += size
		r = foldRune(r)
		if isSpaceRune(r) {
			if !prevSpace {
				if prevWord {
					dst = append(dst, boundary)
				}
				dst = append(dst, ' ')
				prevSpace, prevWord = true, false
			}
			continue
		}
		w := isWordRune(r)
		if w != prevWord {
			dst = append(dst, boundary)
		}
		prevWord, prevSpace = w, false
		if r < utf8.RuneSelf {
			dst = append(dst, byte(r))
		} else {
			n := utf8.EncodeRune(enc[:], r)
			dst = append(dst, enc[:n]...)
		}
	}
	if prevWord {
		dst = append(dst, boundary)
	}
	return dst
}

func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}
	if isCJK(r) {
		return r
	}
	if 0xFF01 <= r && r <= 0xFF5E { // full-width ASCII
		return foldRune(r - 0xFEE0)
	}
	return unicode.ToLower(r)
}

func isSpaceRune(r rune) bool {
	if r < utf8.RuneSelf {
		return r <= ' ' || r == 0x7f
	}
	return unicode.IsSpace(r)
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '_' || 'A' <= r && r <= 'Z'
	}
	if isCJK(r) {
		return false
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// isCJK reports Han, kana and Hangul characters: scripts written without
// spaces between words, matched as substrings.
func isCJK(r rune) bool {
	switch {
	case r < 0x1100:
		return false
	case r <= 0x11FF: // Hangul Jamo
		return true
	case 0x3040 <= r && r <= 0x30FF, 0x31F0 <= r && r <= 0x31FF: // kana
		return true
	case 0x3130 <= r && r <= 0x318F: // Hangul compatibility Jamo
		return true
	case 0x3400 <= r && r <= 0x4DBF, 0x4E00 <= r && r <= 0x9FFF, 0xF900 <= r && r <= 0xFAFF: // Han
		return true
	case 0xAC00 <= r && r <= 0xD7AF: // Hangul syllables
		return true
	case 0x20000 <= r && r <= 0x3FFFF: // Han extensions
		return true
	}
	return false
}

// keywordProblem checks one keyword as written in a rule.
func keywordProblem(k string) string {
	t := strings.TrimSpace(k)
	core := strings.TrimSuffix(strings.TrimPrefix(t, "*"), "*")
	switch {
	case t == "":
		return "keyword is empty"
	case strings.TrimSpace(core) == "":
		return "keyword " + quote(k) + " has no text besides *"
	case strings.Contains(core, "*"):
		return "keyword " + quote(k) + ": * is only allowed at the start or the end"
	case utf8.RuneCountInString(core) > 100:
		return "keyword " + quote(k) + " is longer than 100 characters"
	case len(bytes.Trim(encodeKeyword(k), "\x01")) == 0:
		return "keyword " + quote(k) + " has no visible characters"
	}
	return ""
}

// encodeKeyword returns the normalised pattern of a valid keyword.
func encodeKeyword(k string) []byte {
	t := strings.TrimSpace(k)
	prefix, suffix := strings.HasPrefix(t, "*"), strings.HasSuffix(t, "*")
	t = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(t, "*"), "*"))
	p := bytes.TrimSuffix(normalize(nil, t), []byte(" ")) // from trailing control characters
	if prefix && len(p) > 0 && p[0] == boundary {
		p = p[1:]
	}
	if suffix && len(p) > 0 && p[len(p)-1] == boundary {
		p = p[:len(p)-1]
	}
	return p
}

// keywordKey identifies keywords that match exactly the same texts.
func keywordKey(k string) string { return string(encodeKeyword(k)) }

// matcher is an Aho-Corasick DFA over byte classes. States are numbered so
// that those with outputs come last, and stored premultiplied by the number
// of classes, so a step is one load and one compare.
type matcher struct {
	class   [256]int32 // byte -> class
	nclass  int
	delta   []int32 // delta[state+class] = next state, both premultiplied
	outFrom int32   // states at or above it have outputs
	outIdx  []int32 // outputs of state s are outs[outIdx[k]:outIdx[k+1]], k = (s-outFrom)/nclass
	outs    []int32 // pattern ids
	n       int     // patterns
}

func newMatcher(patterns [][]byte) *matcher {
	m := &matcher{n: len(patterns)}
	var used [256]bool
	for _, p := range patterns {
		for _, b := range p {
			used[b] = true
		}
	}
	nc := 1 // class 0: every byte no pattern uses
	for b := range 256 {
		if used[b] {
			m.class[b] = int32(nc)
			nc++
		}
	}
	m.nclass = nc
	// trie, with -1 for missing edges
	var delta []int32
	newState := func() int32 {
		s := int32(len(delta) / nc)
		for range nc {
			delta = append(delta, -1)
		}
		return s
	}
	newState()
	own := [][]int32{nil}
	for id, p := range patterns {
		s := int32(0)
		for _, b := range p {
			i := int(s)*nc + int(m.class[b])
			if delta[i] < 0 {
				delta[i] = newState()
				own = append(own, nil)
			}
			s = delta[i]
		}
		own[s] = append(own[s], int32(id))
	}
	// failure links in breadth-first order complete the DFA
	states := len(delta) / nc
	fail := make([]int32, states)
	out := make([][]int32, states)
	queue := make([]int32, 0, states)
	for c := range nc {
		if next := delta[c]; next < 0 {
			delta[c] = 0
		} else {
			queue = append(queue, next)
		}
	}
	for qi := 0; qi < len(queue); qi++ {
		s := queue[qi]
		out[s] = append(own[s], out[fail[s]]...)
		row, frow := int(s)*nc, int(fail[s])*nc
		for c := range nc {
			if next := delta[row+c]; next < 0 {
				delta[row+c] = delta[frow+c]
			} else {
				fail[next] = delta[frow+c]
				queue = append(queue, next)
			}
		}
	}
	// renumber: states without outputs first (the root stays 0)
	order := make([]int32, 0, states)
	for s := range states {
		if len(out[s]) == 0 {
			order = append(order, int32(s))
		}
	}
	quiet := len(order)
	for s := range states {
		if len(out[s]) > 0 {
			order = append(order, int32(s))
		}
	}
	renum := make([]int32, states)
	for n, s := range order {
		renum[s] = int32(n * nc)
	}
	m.delta = make([]int32, len(delta))
	for n, s := range order {
		for c := range nc {
			m.delta[n*nc+c] = renum[delta[int(s)*nc+c]]
		}
	}
	m.outFrom = int32(quiet * nc)
	m.outIdx = make([]int32, 0, states-quiet+1)
	for _, s := range order[quiet:] {
		m.outIdx = append(m.outIdx, int32(len(m.outs)))
		m.outs = append(m.outs, out[s]...)
	}
	m.outIdx = append(m.outIdx, int32(len(m.outs)))
	return m
}

// step feeds one byte of the normalised stream.
func (m *matcher) step(s int32, b byte, bits []uint64) int32 {
	s = m.delta[s+m.class[b]]
	if s >= m.outFrom {
		m.emit(s, bits)
	}
	return s
}

func (m *matcher) emit(s int32, bits []uint64) {
	k := (s - m.outFrom) / int32(m.nclass)
	for _, id := range m.outs[m.outIdx[k]:m.outIdx[k+1]] {
		bits[id>>6] |= 1 << (uint(id) & 63)
	}
}

// scan sets in bits the pattern ids found in an already normalised stream.
func (m *matcher) scan(stream []byte, bits []uint64) {
	s := int32(0)
	for _, b := range stream {
		s = m.step(s, b, bits)
	}
}

// scanText normalises text (exactly as normalize does) and scans it in one
// pass, without writing the stream anywhere.
func (m *matcher) scanText(text string, bits []uint64) {
	s := int32(0)
	prevWord, prevSpace := false, true
	var enc [utf8.UTFMax]byte
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			i++
			if c <= ' ' || c == 0x7f {
				if !prevSpace {
					if prevWord {
						s = m.step(s, boundary, bits)
					}
					s = m.step(s, ' ', bits)
					prevSpace, prevWord = true, false
				}
				continue
			}
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			w := 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_'
			if w != prevWord {
				s = m.step(s, boundary, bits)
			}
			prevWord, prevSpace = w, false
			s = m.step(s, c, bits)
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		i += size
		r = foldRune(r)
		if isSpaceRune(r) {
			if !prevSpace {
				if prevWord {
					s = m.step(s, boundary, bits)
				}
				s = m.step(s, ' ', bits)
				prevSpace, prevWord = true, false
			}
			continue
		}
		w := isWordRune(r)
		if w != prevWord {
			s = m.step(s, boundary, bits)
		}
		prevWord, prevSpace = w, false
		if r < utf8.RuneSelf {
			s = m.step(s, byte(r), bits)
			continue
		}
		n := utf8.EncodeRune(enc[:], r)
		for _, b := range enc[:n] {
			s = m.step(s, b, bits)
		}
	}
	if prevWord {
		m.step(s, boundary, bits)
	}
}

func (m *matcher) words() int { return (m.n + 63) / 64 }

func hasBit(bits []uint64, k int32) bool { return bits[k>>6]&(1<<(uint(k)&63)) != 0 }

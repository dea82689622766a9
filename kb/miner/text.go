package miner

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// splitSentences splits free text into sentences: at line breaks, at the
// Chinese stops 。；！？ and at English . ; ! ? when a space or the end
// follows (so "v2.3" and "e.g. this" stay whole). Sentences come back
// trimmed, without their closing stop, empty ones dropped.
func splitSentences(s string) []string {
	var out []string
	for _, line := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		out = appendSentences(out, line)
	}
	return out
}

func appendSentences(out []string, line string) []string {
	start := 0
	rs := []rune(line)
	for i, r := range rs {
		end := false
		switch r {
		case '。', '；', '！', '？':
			end = true
		case ';', '!', '?':
			end = i+1 == len(rs) || unicode.IsSpace(rs[i+1])
		case '.':
			end = (i+1 == len(rs) || unicode.IsSpace(rs[i+1])) && !abbreviationBefore(rs[start:i])
		}
		if end {
			out = appendClean(out, string(rs[start:i+1]))
			start = i + 1
		}
	}
	return appendClean(out, string(rs[start:]))
}

// abbreviationBefore reports whether the word just before a full stop is an
// abbreviation ("e.g", "etc", "approx") or a single letter, where the stop
// does not end the sentence.
func abbreviationBefore(rs []rune) bool {
	i := len(rs)
	for i > 0 && !unicode.IsSpace(rs[i-1]) {
		i--
	}
	w := strings.ToLower(string(rs[i:]))
	switch w {
	case "e.g", "i.e", "etc", "vs", "approx", "mr", "mrs", "ms", "dr", "no", "nr", "incl", "cf":
		return true
	}
	return utf8.RuneCountInString(w) == 1 && unicode.IsLetter([]rune(w)[0])
}

func appendClean(out []string, s string) []string {
	s = strings.Join(strings.Fields(s), " ")
	s = strings.TrimRight(s, ".;!?。；！？,，:：、 ")
	s = strings.TrimLeft(s, "-*•·>,，;；:： ")
	if s == "" {
		return out
	}
	return append(out, s)
}

// splitSteps splits a resolution into steps. Numbered steps ("1." "2)"
// "(3)" "一、" "第二步" "Step 4:") start a new step at the start of a line,
// and inside a line when they form a sequence 1, 2, 3..., which keeps
// "restart Windows 10. Then..." from being cut at "10.". Each step is then
// split into sentences; markers, bullets and headings ("Solution:") go.
func splitSteps(s string) []string {
	var out []string
	for _, line := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		for _, piece := range splitNumbered(line) {
			if isHeading(piece) {
				continue
			}
			out = appendSentences(out, piece)
		}
	}
	return out
}

// isHeading reports a fragment that only announces what follows.
func isHeading(s string) bool {
	s = strings.TrimSpace(s)
	return strings.HasSuffix(s, ":") || strings.HasSuffix(s, "：")
}

type marker struct {
	at, end, val int // rune offsets of the marker, its number
}

// splitNumbered cuts one line at its accepted numbering markers.
func splitNumbered(line string) []string {
	rs := []rune(line)
	first := 0
	for first < len(rs) && unicode.IsSpace(rs[first]) {
		first++
	}
	var cands []marker
	for i := first; i < len(rs); i++ {
		if i > first && !markerMayFollow(rs[i-1]) {
			continue
		}
		if val, end, ok := parseMarker(rs, i); ok {
			cands = append(cands, marker{at: i, end: end, val: val})
			i = end - 1
		}
	}
	var cuts []marker
	expected := 1
	for k, c := range cands {
		switch {
		case c.at == first:
			cuts = append(cuts, c)
			expected = c.val + 1
		case c.val == expected && (expected > 1 || hasLater(cands[k+1:], 2)):
			cuts = append(cuts, c)
			expected++
		}
	}
	if len(cuts) == 0 {
		return []string{stripBullet(string(rs[first:]))}
	}
	var out []string
	if cuts[0].at > first {
		out = append(out, string(rs[first:cuts[0].at]))
	}
	for k, c := range cuts {
		stop := len(rs)
		if k+1 < len(cuts) {
			stop = cuts[k+1].at
		}
		out = append(out, string(rs[c.end:stop]))
	}
	return out
}

func hasLater(cands []marker, val int) bool {
	for _, c := range cands {
		if c.val == val {
			return true
		}
	}
	return false
}

// markerMayFollow reports the runes after which an inline marker can start:
// spaces and punctuation, and Han characters since Chinese has no spaces.
func markerMayFollow(r rune) bool {
	return unicode.IsSpace(r) || unicode.IsPunct(r) || isHan(r)
}

// parseMarker reads a numbering marker at rs[i:] and returns its number and
// the offset just past it (and any space after it).
func parseMarker(rs []rune, i int) (val, end int, ok bool) {
	skipSpace := func(j int) int {
		for j < len(rs) && unicode.IsSpace(rs[j]) {
			j++
		}
		return j
	}
	// 1. 2) 3、 4．
	if v, j, ok := readDigits(rs, i); ok && j < len(rs) {
		switch rs[j] {
		case '.', ')', '．', '、', '）':
			if j+1 == len(rs) || !unicode.IsDigit(rs[j+1]) {
				return v, skipSpace(j + 1), true
			}
		}
		return 0, 0, false
	}
	// (1) （1）
	if rs[i] == '(' || rs[i] == '（' {
		if v, j, ok := readDigits(rs, i+1); ok && j < len(rs) && (rs[j] == ')' || rs[j] == '）') {
			return v, skipSpace(j + 1), true
		}
		return 0, 0, false
	}
	// 一、 二．
	if v, j, ok := readHanNumber(rs, i); ok && j < len(rs) && (rs[j] == '、' || rs[j] == '．' || rs[j] == '.') {
		return v, skipSpace(j + 1), true
	}
	// 第一步 第2步
	if rs[i] == '第' {
		v, j, ok := readHanNumber(rs, i+1)
		if !ok {
			v, j, ok = readDigits(rs, i+1)
		}
		if ok && j < len(rs) && rs[j] == '步' {
			j++
			if j < len(rs) && strings.ContainsRune(":：、,，.", rs[j]) {
				j++
			}
			return v, skipSpace(j), true
		}
		return 0, 0, false
	}
	// Step 3: 步骤3：
	for _, word := range []string{"step", "步骤"} {
		w := []rune(word)
		if i+len(w) > len(rs) || !strings.EqualFold(string(rs[i:i+len(w)]), word) {
			continue
		}
		v, j, ok := readDigits(rs, skipSpace(i+len(w)))
		if !ok {
			return 0, 0, false
		}
		if j < len(rs) && strings.ContainsRune(":：.)、", rs[j]) {
			j++
		}
		return v, skipSpace(j), true
	}
	return 0, 0, false
}

func readDigits(rs []rune, i int) (val, end int, ok bool) {
	j := i
	for j < len(rs) && j-i < 3 && rs[j] >= '0' && rs[j] <= '9' {
		val = val*10 + int(rs[j]-'0')
		j++
	}
	if j == i || j-i > 2 || (j < len(rs) && rs[j] >= '0' && rs[j] <= '9') {
		return 0, 0, false
	}
	return val, j, true
}

// readHanNumber reads 一 to 九十九 written in Chinese numerals.
func readHanNumber(rs []rune, i int) (val, end int, ok bool) {
	digit := func(r rune) int {
		return strings.IndexRune("零一二三四五六七八九", r) / len("一")
	}
	j := i
	for j < len(rs) && j-i < 3 && (strings.ContainsRune("一二三四五六七八九十", rs[j])) {
		j++
	}
	if j == i {
		return 0, 0, false
	}
	tens, units := 0, 0
	for _, r := range rs[i:j] {
		if r == '十' {
			tens = max(units, 1)
			units = 0
			continue
		}
		units = digit(r)
	}
	return tens*10 + units, j, true
}

func stripBullet(s string) string {
	return strings.TrimLeft(s, "-*•·> ")
}

var (
	// titlePrefix matches reply and forward prefixes, possibly repeated.
	titlePrefix = regexp.MustCompile(`(?i)^\s*(?:(?:re|fw|fwd|aw|wg|sv)\s*:\s*|(?:回复|答复|转发)\s*[:：]\s*)+`)
	// titleTag matches a leading tag such as "[URGENT]" or "【紧急】".
	titleTag = regexp.MustCompile(`^\s*(?:\[[^\]]{0,40}\]|【[^】]{0,40}】)\s*`)
	// boilerplate matches sentences that are only greetings, thanks or
	// sign-offs, with at most a short name or team after them ("Thanks,
	// IT Service Desk"); "Thanks to the new driver it works" is content.
	boilerplate = regexp.MustCompile(`(?i)^(?:` +
		`(?:hi|hello|hey|dear|good (?:morning|afternoon|evening))\b.{0,40}` +
		`|(?:many thanks|thanks|thank you|thx)(?: (?:a lot|very much|in advance|for your (?:help|patience)))*(?:\p{P}.{0,40})?` +
		`|(?:best |kind |warm )?regards\b.{0,40}|(?:cheers|br)(?:\p{P}.{0,40})?` +
		`|(?:ticket )?(?:closed|resolved)|closing (?:the |this )?ticket` +
		`|(?:谢谢|感谢|您好|你好|此致|敬礼).{0,10}` +
		`)$`)
)

// cleanTitle turns a ticket subject into an article title: reply prefixes
// and leading tags go, spaces collapse, the closing stop goes, the first
// letter is capitalised and the length is capped at a word boundary.
func cleanTitle(s string) string {
	for {
		t := titleTag.ReplaceAllString(titlePrefix.ReplaceAllString(s, ""), "")
		if t == s {
			break
		}
		s = t
	}
	s = strings.Join(strings.Fields(s), " ")
	s = strings.TrimRight(s, ".;:,。；：，、 -")
	s = truncateRunes(s, 120)
	if r, size := utf8.DecodeRuneInString(s); size > 0 && unicode.IsLower(r) {
		s = string(unicode.ToUpper(r)) + s[size:]
	}
	return s
}

// isBoilerplate reports a sentence that is a greeting or sign-off.
func isBoilerplate(s string) bool {
	return boilerplate.MatchString(strings.TrimSpace(s))
}

// truncateRunes caps s at n runes, cutting at the last space when there is
// one in the final fifth so words stay whole, and marks the cut with "…".
func truncateRunes(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	cut := n - 1
	for i := cut; i > n*4/5; i-- {
		if unicode.IsSpace(rs[i]) {
			cut = i
			break
		}
	}
	return strings.TrimRight(string(rs[:cut]), " ,，;；") + "…"
}

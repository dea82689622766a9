package mailin

import (
	"regexp"
	"strings"
)

var (
	// "-----Original Message-----" (Outlook) and "------------------ 原始邮件
	// ------------------" (QQ mail, Foxmail). Forwarded messages are not
	// history: a customer forwarding a mail to support means its content.
	originalSeparator = regexp.MustCompile(`(?i)^-{2,}\s*(?:original message|original|原始邮件|原始郵件|回复的原邮件)\s*-{2,}$`)
	// Outlook puts a rule of underscores above its header block.
	underscoreRule = regexp.MustCompile(`^_{10,}$`)
	// Attribution lines: "On <date>, <name> wrote:" and translations.
	wroteLine = regexp.MustCompile(`(?i)^(?:on|le|el|il|op|em)\s.{0,300}(?:wrote|a écrit|escribió|ha scritto|schreef|escreveu)\s*:$|^(?i:am)\s.{0,300}schrieb.{0,200}:$`)
	// "在 2025年3月3日 10:15，张三 写道：" and Gmail's "张三 于2025年3月3日 写道："
	cnWroteLine = regexp.MustCompile(`^.{0,300}(?:写道|寫道)\s*[:：]$`)
	// The first and a following field of a quoted header block.
	headerFrom = regexp.MustCompile(`(?i)^\*?(?:from|发件人|寄件者|寄件人|von|de)\s*\*?\s*[:：]`)
	headerNext = regexp.MustCompile(`(?i)^\*?(?:sent|date|to|subject|cc|发送时间|日期|时间|收件人|主题|抄送|寄件日期|傳送時間|收件者|主旨|gesendet|an|betreff|envoyé|objet|à)\s*\*?\s*[:：]`)
	// Signatures that phones and mail apps append.
	// Runs of blank lines left where quotes were dropped.
	blankLines      = regexp.MustCompile(`\n[ \t]*(?:\n[ \t]*){2,}`)
	deviceSignature = regexp.MustCompile(`(?i)^(?:sent from my .{1,40}|sent from .{1,30} for (?:ios|android|windows).*|get outlook for .{1,20}|发自我的.{1,20}|从我的.{1,20}发送|来自我的.{1,20})$`)
)

// maxMarkerLines is how far into a text quote headers are looked for.
const maxMarkerLines = 5000

// normLine trims a line for matching, treating no-break and ideographic
// spaces as spaces.
func normLine(s string) string {
	if strings.ContainsAny(s, "&\u00a0\u3000") {
		// QQ mail writes a literal "&nbsp;" into its plain-text quote header.
		s = strings.ReplaceAll(s, "&nbsp;", " ")
		s = strings.ReplaceAll(s, "\u00a0", " ")
		s = strings.ReplaceAll(s, "\u3000", " ")
	}
	return strings.TrimSpace(s)
}

// extractReply drops quoted history and signatures from text. "> " lines
// are dropped wherever they are, so interleaved and bottom-posted answers
// survive; unprefixed history (Outlook, QQ) is cut at its header. When
// nothing would remain (a bare forward), the whole text is kept, so the
// ticket never gets an empty comment from a non-empty mail.
func extractReply(text string) string {
	lines := strings.Split(text, "\n")
	var out []string
scan:
	for i := 0; i < len(lines); i++ {
		t := normLine(lines[i])
		switch {
		case strings.HasPrefix(t, ">"):
			continue
		case strings.TrimRight(lines[i], " ") == "--":
			break scan
		case i >= maxMarkerLines:
			// History markers sit near the top; deep in a huge text the
			// regexps below would only cost time.
		case originalSeparator.MatchString(t):
			break scan
		case underscoreRule.MatchString(t) && isHeaderBlock(lines, i+1):
			break scan
		case headerFrom.MatchString(t) && isHeaderBlock(lines, i):
			break scan
		}
		if n := attribution(lines, i); i < maxMarkerLines && n > 0 {
			if !quotedNext(lines, i+n) {
				break scan
			}
			// An attribution above "> " lines: skip it, they go anyway.
			i += n - 1
			continue
		}
		out = append(out, lines[i])
	}
	for len(out) > 0 && (normLine(out[len(out)-1]) == "" || deviceSignature.MatchString(normLine(out[len(out)-1]))) {
		out = out[:len(out)-1]
	}
	reply := strings.Trim(blankLines.ReplaceAllString(strings.Join(out, "\n"), "\n\n"), "\n")
	if strings.TrimSpace(reply) == "" {
		return text
	}
	return reply
}

// attribution returns how many lines (1 to 3; clients wrap long ones) form
// an attribution line starting at i, or 0.
func attribution(lines []string, i int) int {
	joined := normLine(lines[i])
	if joined == "" {
		return 0
	}
	for n := 1; n <= 3 && i+n <= len(lines); n++ {
		if n > 1 {
			next := normLine(lines[i+n-1])
			if next == "" || strings.HasPrefix(next, ">") {
				return 0
			}
			joined += " " + next
		}
		// Attribution lines are short and end in a colon; checking that
		// first keeps long texts from running the regexps on every line.
		if len(joined) > 1000 {
			return 0
		}
		if (strings.HasSuffix(joined, ":") || strings.HasSuffix(joined, "：")) &&
			(wroteLine.MatchString(joined) || cnWroteLine.MatchString(joined)) {
			return n
		}
	}
	return 0
}

// quotedNext reports whether the first non-blank line from i is quoted.
func quotedNext(lines []string, i int) bool {
	for ; i < len(lines); i++ {
		if t := normLine(lines[i]); t != "" {
			return strings.HasPrefix(t, ">")
		}
	}
	return false
}

// isHeaderBlock reports whether lines[i] starts a quoted header block:
// a From field followed closely by Sent/To/Subject-like fields.
func isHeaderBlock(lines []string, i int) bool {
	for ; i < len(lines) && normLine(lines[i]) == ""; i++ {
	}
	if i >= len(lines) || !headerFrom.MatchString(normLine(lines[i])) {
		return false
	}
	for j := i + 1; j < len(lines) && j <= i+4; j++ {
		if headerNext.MatchString(normLine(lines[j])) {
			return true
		}
	}
	return false
}

// unflow joins the soft line breaks of format=flowed text (RFC 3676).
func unflow(s string, delsp bool) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var out []string
	var cur strings.Builder
	curDepth, open := 0, false
	flush := func() {
		if open {
			out = append(out, quotePrefix(curDepth)+cur.String())
			cur.Reset()
			open = false
		}
	}
	for _, line := range strings.Split(s, "\n") {
		depth := len(line) - len(strings.TrimLeft(line, ">"))
		content := strings.TrimPrefix(line[depth:], " ") // space-stuffing
		// A signature separator never continues a flowed paragraph.
		if open && (depth != curDepth || content == "-- ") {
			flush()
		}
		flowed := content != "-- " && strings.HasSuffix(content, " ")
		if flowed && delsp {
			content = content[:len(content)-1]
		}
		cur.WriteString(content)
		curDepth, open = depth, true
		if !flowed {
			flush()
		}
	}
	flush()
	return strings.Join(out, "\n")
}

func quotePrefix(depth int) string {
	if depth == 0 {
		return ""
	}
	return strings.Repeat(">", depth) + " "
}

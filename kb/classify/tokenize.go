package classify

import (
	"strings"
	"unicode"
)

// DefaultTokenize lower-cases s and splits it on anything that is not a
// letter or a digit. Runs of Han characters, which carry no spaces, become
// overlapping character bigrams (a lone character stays a unigram): a cheap,
// dictionary-free segmentation that classifiers of short Chinese texts do
// well with. Callers wanting a real segmenter (go-ego/gse) pass their own
// Options.Tokenize.
func DefaultTokenize(s string) []string {
	var out []string
	var word strings.Builder
	var han []rune
	flushWord := func() {
		if word.Len() > 0 {
			out = append(out, word.String())
			word.Reset()
		}
	}
	flushHan := func() {
		switch len(han) {
		case 0:
		case 1:
			out = append(out, string(han))
		default:
			for i := 0; i+1 < len(han); i++ {
				out = append(out, string(han[i:i+2]))
			}
		}
		han = han[:0]
	}
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Han, r):
			flushWord()
			han = append(han, r)
		case unicode.IsLetter(r) || unicode.IsNumber(r):
			flushHan()
			word.WriteRune(unicode.ToLower(r))
		default:
			flushWord()
			flushHan()
		}
	}
	flushWord()
	flushHan()
	return out
}

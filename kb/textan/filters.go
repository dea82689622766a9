package textan

import (
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
)

// chineseStopFilter drops the tokens listed in chineseStopWords.
type chineseStopFilter struct{}

var _ analysis.TokenFilter = chineseStopFilter{}

func (chineseStopFilter) Filter(input analysis.TokenStream) analysis.TokenStream {
	out := input[:0]
	for _, tok := range input {
		if _, stop := chineseStopWords[string(tok.Term)]; stop {
			continue
		}
		out = append(out, tok)
	}
	return out
}

// latinStemFilter applies the Porter stemmer to every token except those in
// CJK scripts, which Porter would at best leave alone and at worst mangle.
type latinStemFilter struct {
	porter analysis.TokenFilter
}

var _ analysis.TokenFilter = latinStemFilter{}

func (f latinStemFilter) Filter(input analysis.TokenStream) analysis.TokenStream {
	one := make(analysis.TokenStream, 1)
	for _, tok := range input {
		if tok.KeyWord || isCJK(tok.Term) {
			continue
		}
		one[0] = tok
		f.porter.Filter(one)
	}
	return input
}

// isCJK reports whether the term starts with a Han, Kana or Hangul rune;
// tokens never mix scripts, so the first rune decides.
func isCJK(term []byte) bool {
	r, _ := utf8.DecodeRune(term)
	if r < 0x2E80 {
		return false
	}
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul)
}

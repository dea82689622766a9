package miner

import (
	"unicode"

	"github.com/deskmine/deskmine/kb/classify"
)

// DefaultTokenize is the tokenizer used when Options.Tokenize is nil: the
// classifier's dictionary-free split (lower case, letters and digits, runs
// of Han characters as overlapping bigrams) without English stop words and
// one-letter Latin tokens. Bigrams still match "登录失败" against "无法登录",
// which is all grouping needs; the service passes the project's analyser
// (stemming, segmentation) instead.
func DefaultTokenize(s string) []string {
	toks := classify.DefaultTokenize(s)
	out := toks[:0]
	for _, t := range toks {
		if isHan([]rune(t)[0]) || (len(t) >= 2 && !isStopWord(t)) {
			out = append(out, t)
		}
	}
	return out
}

// isHan reports whether r is a Chinese character; used to tell languages apart.
func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

// detectLang returns "zh" when Han characters carry the text and "en"
// otherwise. A Chinese word is about two characters and an English one about
// five letters, so Han characters count 2.5 times as much as Latin letters.
func detectLang(texts ...string) string {
	var han, latin int
	for _, t := range texts {
		for _, r := range t {
			switch {
			case isHan(r):
				han++
			case unicode.IsLetter(r):
				latin++
			}
		}
	}
	if han > 0 && float64(han)*2.5 >= float64(latin) {
		return "zh"
	}
	return "en"
}

// isStopWord reports the words DefaultTokenize drops: function words plus
// the greetings and pleasantries that fill support mail but say nothing about
// the problem. An apostrophe splits a word, so "don't" leaves "don".
func isStopWord(w string) bool {
	switch w {
	case "a", "about", "above", "after", "again", "against", "all", "also", "am", "an",
		"and", "any", "are", "aren", "as", "at", "be", "because", "been", "before",
		"being", "below", "between", "both", "but", "by", "can", "cannot", "could", "couldn",
		"did", "didn", "do", "does", "doesn", "doing", "don", "down", "during", "each",
		"few", "for", "from", "further", "get", "got", "had", "hadn", "has", "hasn",
		"have", "haven", "having", "he", "her", "here", "hers", "herself", "him", "himself",
		"his", "how", "i", "if", "in", "into", "is", "isn", "it", "its",
		"itself", "just", "let", "me", "more", "most", "mustn", "my", "myself", "no",
		"nor", "not", "now", "of", "off", "on", "once", "only", "or", "other",
		"ought", "our", "ours", "ourselves", "out", "over", "own", "same", "shan", "she",
		"should", "shouldn", "so", "some", "such", "than", "that", "the", "their", "theirs",
		"them", "themselves", "then", "there", "these", "they", "this", "those", "through", "to",
		"too", "under", "until", "up", "very", "was", "wasn", "we", "were", "weren",
		"what", "when", "where", "which", "while", "who", "whom", "why", "will", "with",
		"won", "would", "wouldn", "you", "your", "yours", "yourself", "yourselves", "hi", "hello",
		"dear", "thanks", "thank", "regards", "cheers", "please", "kindly", "pls", "thx", "ok",
		"okay", "yes", "via", "per", "etc", "eg", "ie", "re", "fw", "fwd":
		return true
	}
	return false
}

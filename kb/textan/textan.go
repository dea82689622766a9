// Package textan is the text analysis shared by the knowledge base: the bleve
// analyzers every indexed text field uses, and the same analysis as plain
// terms for the classifier and the miner. English and Simplified Chinese are
// both first-class: Latin text is analysed like bleve's "en" analyzer and runs
// of Han characters are cut into words (see ChineseMethod).
package textan

import (
	"fmt"
	"sync"
	"unicode"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/registry"
)

// Analyzer names registered with bleve's registry when the package loads.
const (
	// AnalyzerEnglish is bleve's "en" chain under our own name: unicode
	// tokenizer, English possessive, lower case, English stop words, Porter.
	AnalyzerEnglish = "deskmine_en"
	// AnalyzerGse cuts Han runs into dictionary words with gse in search mode
	// (long words also yield their sub-words); Latin tokens in between are
	// treated like English; punctuation and Chinese stop words are dropped.
	AnalyzerGse = "deskmine_zh_gse"
	// AnalyzerCJK is bleve's built-in bigram analyzer, kept as the baseline
	// the Chinese measurement compares against.
	AnalyzerCJK = "cjk"
	// AnalyzerTextGse and AnalyzerTextCJK are the two candidates for
	// AnalyzerText: English as AnalyzerEnglish, Han runs by gse words or by
	// bigrams.
	AnalyzerTextGse = "deskmine_text_gse"
	AnalyzerTextCJK = "deskmine_text_cjk"
	// AnalyzerText is the analyzer of every indexed text field and of Tokens.
	AnalyzerText = "deskmine_text"
)

// ChineseMethod is how runs of Han characters are cut into terms.
type ChineseMethod string

const (
	// ChineseGse cuts Han runs into dictionary words (gse, search mode).
	ChineseGse ChineseMethod = "gse"
	// ChineseBigram cuts Han runs into overlapping character bigrams.
	ChineseBigram ChineseMethod = "cjk"
)

// TextChinese is the method AnalyzerText uses for Han runs. It is the winner
// of the retrieval measurement in EvalChinese on testdata/zh-tickets (see
// docs/kb-search.md); TestChosenMethodNotWorse fails if the other method
// overtakes it. Changing it changes what is indexed, so index.MappingVersion
// must be bumped with it.
const TextChinese = ChineseGse

// Names of the building blocks registered beside the analyzers.
const (
	TokenizerGse      = "deskmine_gse"
	FilterChineseStop = "deskmine_zh_stop"
	FilterLatinStem   = "deskmine_latin_stem"
)

// textAnalyzerName maps a Chinese method to the AnalyzerText candidate.
func textAnalyzerName(m ChineseMethod) (string, error) {
	switch m {
	case ChineseGse:
		return AnalyzerTextGse, nil
	case ChineseBigram:
		return AnalyzerTextCJK, nil
	}
	return "", fmt.Errorf("unknown chinese method %q", m)
}

// HasHan reports whether s contains any Han character.
func HasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// Lang returns "zh" when text contains Han characters and "en" otherwise. It
// is a routing hint for filters, not a language identifier.
func Lang(text string) string {
	if HasHan(text) {
		return "zh"
	}
	return "en"
}

// textAnalyzer builds AnalyzerText once; the registry cache is private to it
// so nothing mutable is shared with callers.
var textAnalyzer = sync.OnceValues(func() (analysis.Analyzer, error) {
	return registry.NewCache().AnalyzerNamed(AnalyzerText)
})

// Tokens returns the terms AnalyzerText indexes for text, in text order,
// duplicates kept. The classifier and the miner use it so that their terms
// are exactly the terms the search index holds.
func Tokens(text string) []string {
	if text == "" {
		return nil
	}
	a, err := textAnalyzer()
	if err != nil {
		// Registration happens in init, so this is a build defect, not input.
		panic(fmt.Sprintf("textan: analyzer %s: %v", AnalyzerText, err))
	}
	stream := a.Analyze([]byte(text))
	out := make([]string, len(stream))
	for i, tok := range stream {
		out[i] = string(tok.Term)
	}
	return out
}

// Warm loads the Chinese dictionary now instead of on the first Han text, so
// a service pays the load (about a second) at start-up and a broken
// dictionary fails the start instead of degrading search.
func Warm() error {
	_, err := segmenter()
	return err
}

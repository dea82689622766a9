package textan

import (
	"fmt"
	"sync"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/registry"
	"github.com/go-ego/gse"
)

// segmenter loads gse's embedded Simplified Chinese dictionary on first use.
// Loading takes about a second and tens of MB, so English-only processes
// never pay for it. Only the Simplified dictionary: zh-CN is the language we
// support, and adding the Traditional one doubles the load time (1.9 s). After loading, gse only reads the dictionary, which makes
// one segmenter safe to share between goroutines.
var segmenter = sync.OnceValues(func() (*gse.Segmenter, error) {
	seg := &gse.Segmenter{SkipLog: true}
	if err := seg.LoadDictEmbed("zh_s"); err != nil {
		return nil, fmt.Errorf("load gse dictionary: %w", err)
	}
	return seg, nil
})

// gseTokenizer tokenizes like bleve's unicode tokenizer (so Latin text gets
// exactly the tokens the English analyzer sees) and then replaces each run of
// adjacent ideographic tokens, which the unicode tokenizer emits one
// character at a time, by gse words and their sub-words.
type gseTokenizer struct {
	base *unicode.UnicodeTokenizer
}

var _ analysis.Tokenizer = (*gseTokenizer)(nil)

func (t *gseTokenizer) Tokenize(input []byte) analysis.TokenStream {
	in := t.base.Tokenize(input)
	out := make(analysis.TokenStream, 0, len(in))
	pos := 1
	for i := 0; i < len(in); {
		tok := in[i]
		if tok.Type != analysis.Ideographic {
			tok.Position = pos
			pos++
			out = append(out, tok)
			i++
			continue
		}
		j := i + 1
		for j < len(in) && in[j].Type == analysis.Ideographic && in[j].Start == in[j-1].End {
			j++
		}
		out, pos = appendHanRun(out, pos, input, in[i].Start, in[j-1].End)
		i = j
	}
	return out
}

// appendHanRun cuts input[start:end] (only ideographic characters) the way
// gse's search mode does: the best path through the dictionary, unknown
// stretches through the HMM, and for words longer than two characters every
// two- and three-character dictionary word inside them before the word
// itself. That lets a query for 密码 find 密码重置 and the reverse.
func appendHanRun(out analysis.TokenStream, pos int, input []byte, start, end int) (analysis.TokenStream, int) {
	emit := func(s, e int) {
		out = append(out, &analysis.Token{
			Term:     input[s:e],
			Start:    s,
			End:      e,
			Position: pos,
			Type:     analysis.Ideographic,
		})
		pos++
	}
	seg, err := segmenter()
	if err != nil {
		// Without a dictionary, single characters still make the text
		// findable; Warm reports the error at start-up.
		for s := start; s < end; {
			_, n := utf8.DecodeRune(input[s:])
			emit(s, s+n)
			s += n
		}
		return out, pos
	}
	run := string(input[start:end])
	cur := 0
	for _, w := range seg.Cut(run, true) {
		if w == "" {
			continue
		}
		// gse returns the run cut into consecutive pieces; a piece that is
		// not next in the run means its contract changed, so stop trusting
		// it and index the rest character by character.
		if cur+len(w) > len(run) || run[cur:cur+len(w)] != w {
			break
		}
		ws := start + cur
		if n := utf8.RuneCountInString(w); n > 2 {
			for _, size := range [2]int{2, 3} {
				if n <= size {
					continue
				}
				appendGrams(seg, w, size, func(s, e int) { emit(ws+s, ws+e) })
			}
		}
		emit(ws, ws+len(w))
		cur += len(w)
	}
	for s := start + cur; s < end; {
		_, n := utf8.DecodeRune(input[s:])
		emit(s, s+n)
		s += n
	}
	return out, pos
}

// appendGrams calls emit with the byte range of every size-rune substring of
// w that is a dictionary word.
func appendGrams(seg *gse.Segmenter, w string, size int, emit func(s, e int)) {
	// offs[k] is the byte offset of rune k; one extra entry for the end.
	offs := make([]int, 0, len(w)/3+1)
	for i := range w {
		offs = append(offs, i)
	}
	offs = append(offs, len(w))
	for k := 0; k+size < len(offs); k++ {
		gram := w[offs[k]:offs[k+size]]
		if freq, _, ok := seg.Find(gram); ok && freq > 0 {
			emit(offs[k], offs[k+size])
		}
	}
}

func gseTokenizerConstructor(map[string]interface{}, *registry.Cache) (analysis.Tokenizer, error) {
	return &gseTokenizer{base: unicode.NewUnicodeTokenizer()}, nil
}

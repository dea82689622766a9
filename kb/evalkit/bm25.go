package evalkit

import (
	"container/heap"
	"math"
	"strings"
	"sync"
	"unicode"
)

// BM25 parameters: the Okapi defaults the baseline is specified with.
const (
	BM25K1 = 1.2
	BM25B  = 0.75
)

// BM25 is an in-memory Okapi BM25 index over a fixed set of documents. It is
// the baseline the product's similar-case search is compared against, so it
// is kept textbook-plain: no stemming or boosts beyond what the tokenizer
// does. Top is safe for concurrent use.
type BM25 struct {
	tokenize func(string) []string
	postings map[string][]posting
	docLen   []float64
	avgLen   float64
	scratch  sync.Pool // *[]float64 of len(docLen), reused by Top
}

type posting struct {
	doc int32
	tf  int32
}

// NewBM25 indexes docs; document i is returned by Top as i. A nil tokenize
// uses SimpleTokenize.
func NewBM25(docs []string, tokenize func(string) []string) *BM25 {
	if tokenize == nil {
		tokenize = SimpleTokenize
	}
	b := &BM25{
		tokenize: tokenize,
		postings: map[string][]posting{},
		docLen:   make([]float64, len(docs)),
	}
	total := 0.0
	tf := map[string]int32{}
	for i, d := range docs {
		clear(tf)
		toks := tokenize(d)
		for _, t := range toks {
			tf[t]++
		}
		for t, n := range tf {
			b.postings[t] = append(b.postings[t], posting{doc: int32(i), tf: n})
		}
		b.docLen[i] = float64(len(toks))
		total += float64(len(toks))
	}
	if len(docs) > 0 {
		b.avgLen = total / float64(len(docs))
	}
	n := len(docs)
	b.scratch.New = func() any {
		s := make([]float64, n)
		return &s
	}
	return b
}

// Len is the number of indexed documents.
func (b *BM25) Len() int { return len(b.docLen) }

// idf is the non-negative variant (Lucene's): log(1 + (N-df+0.5)/(df+0.5)),
// so a term in most documents adds a little instead of subtracting.
func (b *BM25) idf(df int) float64 {
	n := float64(len(b.docLen))
	return math.Log(1 + (n-float64(df)+0.5)/(float64(df)+0.5))
}

// Top returns up to k document numbers, best BM25 score first, ties broken by
// the lower number. Documents sharing no term with the query are not
// returned. Repeated query terms count once.
func (b *BM25) Top(query string, k int) []int {
	if k <= 0 || len(b.docLen) == 0 {
		return nil
	}
	sp := b.scratch.Get().(*[]float64)
	scores := *sp
	var touched []int32
	seen := map[string]bool{}
	for _, t := range b.tokenize(query) {
		if seen[t] {
			continue
		}
		seen[t] = true
		ps := b.postings[t]
		if len(ps) == 0 {
			continue
		}
		idf := b.idf(len(ps))
		for _, p := range ps {
			tf := float64(p.tf)
			norm := 1 - BM25B
			if b.avgLen > 0 {
				norm += BM25B * b.docLen[p.doc] / b.avgLen
			}
			if scores[p.doc] == 0 {
				touched = append(touched, p.doc)
			}
			scores[p.doc] += idf * tf * (BM25K1 + 1) / (tf + BM25K1*norm)
		}
	}
	h := make(minHeap, 0, k+1)
	for _, d := range touched {
		s := scores[d]
		scores[d] = 0
		if len(h) < k {
			heap.Push(&h, hit{doc: int(d), score: s})
		} else if better(hit{doc: int(d), score: s}, h[0]) {
			h[0] = hit{doc: int(d), score: s}
			heap.Fix(&h, 0)
		}
	}
	b.scratch.Put(sp)
	out := make([]int, len(h))
	for i := len(h) - 1; i >= 0; i-- {
		out[i] = heap.Pop(&h).(hit).doc
	}
	return out
}

type hit struct {
	doc   int
	score float64
}

func better(a, b hit) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	return a.doc < b.doc
}

var _ heap.Interface = (*minHeap)(nil)

// minHeap keeps the worst of the current top k at the root.
type minHeap []hit

func (h minHeap) Len() int           { return len(h) }
func (h minHeap) Less(i, j int) bool { return better(h[j], h[i]) }
func (h minHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *minHeap) Push(x any)        { *h = append(*h, x.(hit)) }
func (h *minHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// SimpleTokenize lower-cases and splits on anything that is not a letter or
// a digit: enough for the pre-cleaned English IT tickets.
func SimpleTokenize(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r)
	})
}

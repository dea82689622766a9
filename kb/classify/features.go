package classify

import (
	"math"
	"sort"
	"strings"
)

// maxPending bounds the terms waiting to reach MinDF. Past it they are all
// forgotten (they are singletons when MinDF is 2): a long-running Update
// stream must not grow memory without end, and a periodic Train recounts.
const maxPending = 1 << 20

// vocab maps terms (unigrams and, with NGram 2, "a b" bigrams) to feature
// numbers and keeps the document frequencies the IDF weights come from.
// Terms below MinDF wait in pending with their count so that Update can
// admit them once enough new tickets use them: the vocabulary grows, feature
// numbers never change.
type vocab struct {
	index   map[string]int32
	terms   []string
	df      []int32
	pending map[string]int32
	docs    int
	minDF   int
	ngram   int
	// maxPending is the constant of that name; tests lower it.
	maxPending int
}

func newVocab(minDF, ngram int) *vocab {
	return &vocab{
		index: map[string]int32{}, pending: map[string]int32{},
		minDF: minDF, ngram: ngram, maxPending: maxPending,
	}
}

// termCounts holds one document's distinct terms in first-occurrence order
// with their frequencies; the order keeps feature numbering deterministic.
type termCounts struct {
	terms  []string
	counts []int32
}

// countTerms turns tokens into term frequencies: unigrams plus the word
// n-grams up to ngram words, joined by a space. Bigrams matter here: "access
// card" and "card reader" point at different queues than their words alone.
func countTerms(toks []string, ngram int) termCounts {
	var tc termCounts
	pos := make(map[string]int, 2*len(toks))
	add := func(t string) {
		if i, ok := pos[t]; ok {
			tc.counts[i]++
			return
		}
		pos[t] = len(tc.terms)
		tc.terms = append(tc.terms, t)
		tc.counts = append(tc.counts, 1)
	}
	for i := range toks {
		add(toks[i])
		for n := 2; n <= ngram && i+n <= len(toks); n++ {
			add(strings.Join(toks[i:i+n], " "))
		}
	}
	return tc
}

// observe counts one document's distinct terms and admits those reaching
// minDF. It returns how many features were added.
func (v *vocab) observe(tc termCounts) int {
	v.docs++
	added := 0
	for _, t := range tc.terms {
		if i, ok := v.index[t]; ok {
			v.df[i]++
			continue
		}
		n := v.pending[t] + 1
		if int(n) < v.minDF {
			if len(v.pending) >= v.maxPending {
				clear(v.pending)
			}
			v.pending[t] = n
			continue
		}
		delete(v.pending, t)
		v.index[t] = int32(len(v.terms))
		v.terms = append(v.terms, t)
		v.df = append(v.df, n)
		added++
	}
	return added
}

// idf is the smoothed inverse document frequency, ln((1+N)/(1+df)) + 1, so a
// term in every document still keeps a small positive weight.
func (v *vocab) idf(i int32) float64 {
	return math.Log(float64(1+v.docs)/float64(1+v.df[i])) + 1
}

// sparse is a feature vector: parallel, index-sorted slices.
type sparse struct {
	idx []int32
	val []float64
}

// vectorize weights known terms by sublinear tf (1 + ln tf) times IDF and
// L2-normalises the result so long tickets do not dominate. Unknown terms
// are dropped; a text with none yields an empty vector.
func (v *vocab) vectorize(tc termCounts) sparse {
	m := v.keep(tc)
	return v.vectorizeIDs(m.idx, m.cnt)
}

// keep returns the known features of tc with their raw counts.
func (v *vocab) keep(tc termCounts) memo {
	var m memo
	for k, t := range tc.terms {
		if i, ok := v.index[t]; ok {
			m.idx = append(m.idx, i)
			m.cnt = append(m.cnt, tc.counts[k])
		}
	}
	return m
}

// vectorizeIDs is vectorize over known feature numbers and their counts.
func (v *vocab) vectorizeIDs(idx, cnt []int32) sparse {
	s := sparse{idx: make([]int32, len(idx)), val: make([]float64, len(idx))}
	for k, i := range idx {
		s.idx[k] = i
		s.val[k] = (1 + math.Log(float64(cnt[k]))) * v.idf(i)
	}
	sort.Sort(byIndex(s))
	norm := 0.0
	for _, x := range s.val {
		norm += x * x
	}
	if norm > 0 {
		norm = 1 / math.Sqrt(norm)
		for k := range s.val {
			s.val[k] *= norm
		}
	}
	return s
}

var _ sort.Interface = byIndex{}

type byIndex sparse

func (s byIndex) Len() int           { return len(s.idx) }
func (s byIndex) Less(i, j int) bool { return s.idx[i] < s.idx[j] }
func (s byIndex) Swap(i, j int) {
	s.idx[i], s.idx[j] = s.idx[j], s.idx[i]
	s.val[i], s.val[j] = s.val[j], s.val[i]
}

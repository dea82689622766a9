package classify

import (
	"math"
	"slices"
	"testing"
)

func TestCountTerms(t *testing.T) {
	tc := countTerms([]string{"a", "b", "a", "b"}, 2)
	if want := []string{"a", "a b", "b", "b a"}; !slices.Equal(tc.terms, want) {
		t.Fatalf("terms %q, want %q", tc.terms, want)
	}
	if want := []int32{2, 2, 2, 1}; !slices.Equal(tc.counts, want) {
		t.Fatalf("counts %v, want %v", tc.counts, want)
	}
	tc = countTerms([]string{"x", "y", "z"}, 3)
	if want := []string{"x", "x y", "x y z", "y", "y z", "z"}; !slices.Equal(tc.terms, want) {
		t.Fatalf("trigram terms %q, want %q", tc.terms, want)
	}
	if tc := countTerms([]string{"x", "y"}, 1); !slices.Equal(tc.terms, []string{"x", "y"}) {
		t.Fatalf("unigram terms %q", tc.terms)
	}
}

func TestVocabAdmitsAtMinDF(t *testing.T) {
	v := newVocab(2, 1)
	doc := func(toks ...string) termCounts { return countTerms(toks, 1) }
	if added := v.observe(doc("a", "b", "a")); added != 0 {
		t.Fatalf("first document added %d features, want 0 with min df 2", added)
	}
	if added := v.observe(doc("a", "c")); added != 1 {
		t.Fatalf("second document added %d features, want 1 (a)", added)
	}
	v.observe(doc("a", "b"))
	if !slices.Equal(v.terms, []string{"a", "b"}) || !slices.Equal(v.df, []int32{3, 2}) {
		t.Fatalf("terms %q df %v, want [a b] [3 2]", v.terms, v.df)
	}
	if v.pending["c"] != 1 || len(v.pending) != 1 {
		t.Fatalf("pending %v, want only c:1", v.pending)
	}
	// ln((1+3)/(1+3)) + 1 for a term in every document.
	if got := v.idf(0); math.Abs(got-1) > 1e-12 {
		t.Fatalf("idf of a term in every document %v, want 1", got)
	}
	if got, want := v.idf(1), math.Log(4.0/3.0)+1; math.Abs(got-want) > 1e-12 {
		t.Fatalf("idf(b) %v, want %v", got, want)
	}
}

func TestVocabBoundsPending(t *testing.T) {
	v := newVocab(2, 1)
	v.maxPending = 3
	v.observe(countTerms([]string{"a", "b", "c"}, 1))
	v.observe(countTerms([]string{"d"}, 1))
	if len(v.pending) != 1 || v.pending["d"] != 1 {
		t.Fatalf("pending %v, want it cleared then holding d", v.pending)
	}
}

func TestVectorizeSublinearL2(t *testing.T) {
	v := newVocab(1, 1)
	v.observe(countTerms([]string{"a", "b"}, 1))
	v.observe(countTerms([]string{"a"}, 1))
	x := v.vectorize(countTerms([]string{"b", "a", "a", "a", "zzz"}, 1))
	if !slices.Equal(x.idx, []int32{0, 1}) {
		t.Fatalf("indices %v, want [0 1] sorted, unknown term dropped", x.idx)
	}
	wa := (1 + math.Log(3)) * v.idf(0)
	wb := 1 * v.idf(1)
	n := math.Hypot(wa, wb)
	if math.Abs(x.val[0]-wa/n) > 1e-12 || math.Abs(x.val[1]-wb/n) > 1e-12 {
		t.Fatalf("values %v, want [%v %v]", x.val, wa/n, wb/n)
	}
	if e := v.vectorize(countTerms([]string{"zzz"}, 1)); len(e.idx) != 0 {
		t.Fatalf("unknown-only text gave %v", e.idx)
	}
}

package miner

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func vec(pairs ...float64) sparse {
	var v sparse
	for i := 0; i < len(pairs); i += 2 {
		v.idx = append(v.idx, int32(pairs[i]))
		v.val = append(v.val, float32(pairs[i+1]))
	}
	return v
}

func randomVec(r *rand.Rand, vocab, n int) sparse {
	acc := newAccumulator(vocab)
	for range n {
		acc.add(int32(r.IntN(vocab)), r.Float64()+0.01)
	}
	return acc.vector().normalized()
}

func TestDotAndLookupAgree(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for range 200 {
		a := randomVec(r, 500, 1+r.IntN(20))
		b := randomVec(r, 500, 1+r.IntN(400))
		var want float64
		dense := map[int32]float64{}
		for k, t := range b.idx {
			dense[t] = float64(b.val[k])
		}
		for k, t := range a.idx {
			want += float64(a.val[k]) * dense[t]
		}
		if got := a.dot(b); math.Abs(got-want) > 1e-6 {
			t.Fatalf("dot %v, want %v", got, want)
		}
		if got := a.dotLookup(b); math.Abs(got-want) > 1e-6 {
			t.Fatalf("dotLookup %v, want %v", got, want)
		}
	}
}

func TestNormalizedAndTop(t *testing.T) {
	v := vec(1, 3, 4, 4, 9, 0)
	n := v.normalized()
	if math.Abs(n.norm()-1) > 1e-6 || math.Abs(float64(n.val[0])-0.6) > 1e-6 {
		t.Errorf("normalized %v", n)
	}
	if !sparse.empty(vec().normalized()) {
		t.Error("zero vector should stay empty")
	}
	if got := vec(5, 1, 2, 3, 7, 3, 1, 2).top(3); !slices.Equal(got, []int32{2, 7, 1}) {
		t.Errorf("top = %v, want [2 7 1] (ties by term)", got)
	}
	if got := vec(1, 1).top(5); !slices.Equal(got, []int32{1}) {
		t.Errorf("top of a short vector = %v", got)
	}
}

func TestAccumulatorResets(t *testing.T) {
	acc := newAccumulator(10)
	acc.add(7, 1)
	acc.add(2, 2)
	acc.add(7, 0.5)
	acc.add(4, 1)
	acc.add(4, -1) // cancels out and must not be listed
	got := acc.vector()
	if !slices.Equal(got.idx, []int32{2, 7}) || !slices.Equal(got.val, []float32{2, 1.5}) {
		t.Fatalf("vector %v", got)
	}
	acc.add(3, 1)
	if got := acc.vector(); !slices.Equal(got.idx, []int32{3}) {
		t.Errorf("accumulator not reset: %v", got)
	}
}

func TestMeanPairwiseCosineMatchesBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	acc := newAccumulator(60)
	for range 50 {
		m := 2 + r.IntN(10)
		vs := make([]sparse, m)
		for i := range vs {
			if r.IntN(5) > 0 {
				vs[i] = randomVec(r, 60, 1+r.IntN(8))
			}
		}
		var sum float64
		for i := range vs {
			for j := range vs {
				if i != j {
					sum += vs[i].dot(vs[j])
				}
			}
		}
		want := sum / float64(m*(m-1))
		if got := meanPairwiseCosine(vs, acc); math.Abs(got-want) > 1e-5 {
			t.Fatalf("mean pairwise %v, brute force %v", got, want)
		}
	}
	if got := meanPairwiseCosine([]sparse{vec(1, 1)}, acc); got != 0 {
		t.Errorf("one member: %v", got)
	}
	same := vec(1, 0.6, 2, 0.8)
	if got := meanPairwiseCosine([]sparse{same, same, same}, acc); math.Abs(got-1) > 1e-6 {
		t.Errorf("identical members: %v", got)
	}
	// Identical unit vectors of many terms: the sum of squares rounds past
	// m*m on some inputs; the mean must still be a cosine (the article
	// store refuses a consistency above 1).
	for m := 2; m <= 40; m++ {
		for terms := 1; terms <= 30; terms++ {
			pairs := make([]float64, 0, 2*terms)
			for k := range terms {
				pairs = append(pairs, float64(k), 1/math.Sqrt(float64(terms))*(1+float64(k%3)/10))
			}
			u := vec(pairs...).normalized()
			vs := make([]sparse, m)
			for i := range vs {
				vs[i] = u
			}
			if got := meanPairwiseCosine(vs, acc); got > 1 || got < 0 {
				t.Fatalf("%d identical members of %d terms: %v", m, terms, got)
			}
		}
	}
}

func TestIDF(t *testing.T) {
	if !(idfOf(0, 100) > idfOf(10, 100) && idfOf(10, 100) > idfOf(100, 100) && idfOf(100, 100) > 0) {
		t.Errorf("idf must fall with document frequency and stay positive")
	}
}

package miner

import (
	"math"
	"slices"
	"sort"
)

// sparse is a term-weight vector with terms in ascending order. Ticket,
// centroid and article vectors are L2-normalised so a dot product is their
// cosine.
type sparse struct {
	idx []int32
	val []float32
}

func (v sparse) empty() bool { return len(v.idx) == 0 }

// dot merges two sorted vectors; both are short for tickets.
func (v sparse) dot(w sparse) float64 {
	var s float64
	i, j := 0, 0
	for i < len(v.idx) && j < len(w.idx) {
		switch {
		case v.idx[i] < w.idx[j]:
			i++
		case v.idx[i] > w.idx[j]:
			j++
		default:
			s += float64(v.val[i]) * float64(w.val[j])
			i++
			j++
		}
	}
	return s
}

// dotLookup is dot for a short v against a long w (a big group's centroid):
// binary search per term of v instead of walking all of w.
func (v sparse) dotLookup(w sparse) float64 {
	if len(w.idx) < 4*len(v.idx) {
		return v.dot(w)
	}
	var s float64
	lo := 0
	for i, t := range v.idx {
		k, ok := slices.BinarySearch(w.idx[lo:], t)
		lo += k
		if ok {
			s += float64(v.val[i]) * float64(w.val[lo])
		}
		if lo >= len(w.idx) {
			break
		}
	}
	return s
}

func (v sparse) norm() float64 {
	var s float64
	for _, x := range v.val {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s)
}

// normalized returns v scaled to unit length; the zero vector stays zero.
func (v sparse) normalized() sparse {
	n := v.norm()
	if n == 0 {
		return sparse{}
	}
	out := sparse{idx: v.idx, val: make([]float32, len(v.val))}
	for i, x := range v.val {
		out.val[i] = float32(float64(x) / n)
	}
	return out
}

// top returns up to k terms of v by weight, heaviest first, ties by term.
func (v sparse) top(k int) []int32 {
	order := make([]int, len(v.idx))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool {
		x, y := v.val[order[a]], v.val[order[b]]
		if x != y {
			return x > y
		}
		return v.idx[order[a]] < v.idx[order[b]]
	})
	if len(order) > k {
		order = order[:k]
	}
	out := make([]int32, len(order))
	for i, o := range order {
		out[i] = v.idx[o]
	}
	return out
}

// accumulator sums weighted vectors into a dense scratch slice indexed by
// term and remembers which terms it touched, so building one vector costs
// its own size, not the vocabulary's.
type accumulator struct {
	sum     []float64
	seen    []bool
	touched []int32
}

func newAccumulator(vocab int) *accumulator {
	return &accumulator{sum: make([]float64, vocab), seen: make([]bool, vocab)}
}

func (a *accumulator) add(t int32, w float64) {
	if !a.seen[t] {
		a.seen[t] = true
		a.touched = append(a.touched, t)
	}
	a.sum[t] += w
}

func (a *accumulator) addVec(v sparse, scale float64) {
	for i, t := range v.idx {
		a.add(t, scale*float64(v.val[i]))
	}
}

// vector returns the accumulated sum (unnormalised) and resets a.
func (a *accumulator) vector() sparse {
	slices.Sort(a.touched)
	out := sparse{idx: make([]int32, 0, len(a.touched)), val: make([]float32, 0, len(a.touched))}
	for _, t := range a.touched {
		if w := a.sum[t]; w != 0 {
			out.idx = append(out.idx, t)
			out.val = append(out.val, float32(w))
		}
		a.sum[t] = 0
		a.seen[t] = false
	}
	a.touched = a.touched[:0]
	return out
}

// idfOf is the smoothed inverse document frequency: never zero, so a term
// every ticket shares still counts a little, and largest for unseen terms.
func idfOf(df, n int) float64 {
	return math.Log(float64(n+1)/float64(df+1)) + 1
}

// meanPairwiseCosine is the mean cosine over all ordered pairs of distinct
// unit vectors, computed from their sum: sum_{i!=j} v_i.v_j = |sum v|^2 -
// sum |v_i|^2. Zero vectors (no resolution) count as members that agree with
// nobody. It is exact and linear in the members' size.
func meanPairwiseCosine(vs []sparse, acc *accumulator) float64 {
	m := len(vs)
	if m < 2 {
		return 0
	}
	var self float64
	for _, v := range vs {
		if v.empty() {
			continue
		}
		acc.addVec(v, 1)
		self++
	}
	s := acc.vector()
	n := s.norm()
	// Rounding can carry identical resolutions a hair past 1 (or a set of
	// opposite ones below 0); a cosine mean is neither.
	return min(max((n*n-self)/float64(m*(m-1)), 0), 1)
}

package classify

import (
	"math"
	"testing"
)

func TestSoftmaxStable(t *testing.T) {
	z := []float64{1000, 1000, -1000}
	softmax(z)
	if math.Abs(z[0]-0.5) > 1e-12 || math.Abs(z[1]-0.5) > 1e-12 || z[2] != 0 {
		t.Fatalf("softmax of large scores %v, want [0.5 0.5 0]", z)
	}
}

// crossEntropy is the regularised loss the SGD step descends.
func crossEntropy(l *linear, x sparse, y int) float64 {
	p := make([]float64, l.k)
	l.probabilities(x, p)
	reg := 0.0
	for _, w := range l.w {
		reg += w * l.scale * w * l.scale
	}
	return -math.Log(p[y]) + l.lambda/2*reg
}

func TestStepDescendsLoss(t *testing.T) {
	l := newLinear(3, 3, 1e-3, 0.5)
	x := sparse{idx: []int32{0, 2}, val: []float64{0.6, 0.8}}
	prev := crossEntropy(&l, x, 1)
	for i := 0; i < 20; i++ {
		l.step(x, 1)
		cur := crossEntropy(&l, x, 1)
		if cur >= prev {
			t.Fatalf("step %d: loss %v did not fall below %v", i, cur, prev)
		}
		prev = cur
	}
	// Feature 1 is absent from x: only the L2 shrinkage may touch it, and it
	// starts at zero.
	for c := 0; c < l.k; c++ {
		if l.w[1*l.k+c] != 0 {
			t.Fatalf("absent feature got weight %v", l.w[1*l.k+c])
		}
	}
}

func TestFoldAndAddClassKeepScores(t *testing.T) {
	l := newLinear(4, 2, 1e-2, 1)
	xs := []sparse{
		{idx: []int32{0, 1}, val: []float64{0.8, 0.6}},
		{idx: []int32{2, 3}, val: []float64{0.6, 0.8}},
	}
	for i := 0; i < 50; i++ {
		l.step(xs[i%2], i%2)
	}
	if l.scale == 1 {
		t.Fatal("test needs a pending lazy scale")
	}
	before := make([]float64, 2)
	l.scores(xs[0], before)
	l.fold()
	after := make([]float64, 2)
	l.scores(xs[0], after)
	for c := range before {
		if math.Abs(before[c]-after[c]) > 1e-12 {
			t.Fatalf("fold changed scores %v -> %v", before, after)
		}
	}
	l.addClass()
	l.addFeatures(2)
	grown := make([]float64, 3)
	l.scores(xs[0], grown)
	if math.Abs(grown[0]-after[0]) > 1e-12 || math.Abs(grown[1]-after[1]) > 1e-12 {
		t.Fatalf("adding a class changed old scores %v -> %v", after, grown[:2])
	}
	if grown[2] != min(l.b[0], l.b[1]) {
		t.Fatalf("new class scores %v, want the lowest bias %v", grown[2], min(l.b[0], l.b[1]))
	}
	if len(l.w) != 6*3 {
		t.Fatalf("%d weights after growth, want 18", len(l.w))
	}
}

package classify

import "math"

// biasRate scales the step of the per-label biases. Each bias moves on
// every example, so at the full rate it swings with the last few labels seen;
// a tenth of it keeps the biases near the label priors (most noticeable in
// Update, where a batch may hold a single label).
const biasRate = 0.1

// linear is a multinomial logistic regression trained by SGD with L2
// regularisation. Weights are feature-major (w[f*k+c]) so scoring a sparse
// text reads contiguous memory. The L2 shrinkage is applied lazily through a
// common scale (w = scale * stored) so that a step costs the text's non-zero
// features, not the whole vocabulary.
type linear struct {
	k      int
	w      []float64
	b      []float64
	scale  float64
	t      float64 // steps taken: the learning-rate schedule continues across Update
	lambda float64
	eta0   float64
	z      []float64 // scratch of step; step runs under the model's write lock only
}

func newLinear(features, classes int, lambda, eta0 float64) linear {
	return linear{
		k:      classes,
		w:      make([]float64, features*classes),
		b:      make([]float64, classes),
		scale:  1,
		lambda: lambda,
		eta0:   eta0,
		z:      make([]float64, classes),
	}
}

// scores writes b + W x into out (len k).
func (l *linear) scores(x sparse, out []float64) {
	copy(out, l.b)
	for j, f := range x.idx {
		row := l.w[int(f)*l.k : int(f)*l.k+l.k]
		v := l.scale * x.val[j]
		for c, wc := range row {
			out[c] += wc * v
		}
	}
}

// probabilities writes softmax(b + W x) into out.
func (l *linear) probabilities(x sparse, out []float64) {
	l.scores(x, out)
	softmax(out)
}

func softmax(z []float64) {
	mx := math.Inf(-1)
	for _, v := range z {
		mx = max(mx, v)
	}
	sum := 0.0
	for c, v := range z {
		z[c] = math.Exp(v - mx)
		sum += z[c]
	}
	for c := range z {
		z[c] /= sum
	}
}

// step takes one SGD step on the cross-entropy of (x, y) plus the L2 term.
func (l *linear) step(x sparse, y int) {
	eta := l.eta0 / (1 + l.eta0*l.lambda*l.t)
	l.t++
	l.probabilities(x, l.z)
	l.z[y]-- // gradient of the cross-entropy in the scores: p - onehot(y)
	if shrink := 1 - eta*l.lambda; shrink > 0 {
		l.scale *= shrink
	}
	for c, g := range l.z {
		l.b[c] -= eta * biasRate * g
	}
	for j, f := range x.idx {
		row := l.w[int(f)*l.k : int(f)*l.k+l.k]
		v := eta * x.val[j] / l.scale
		for c, g := range l.z {
			row[c] -= g * v
		}
	}
	if l.scale < 1e-6 {
		l.fold()
	}
}

// fold multiplies the lazy scale into the weights.
func (l *linear) fold() {
	if l.scale == 1 {
		return
	}
	for i := range l.w {
		l.w[i] *= l.scale
	}
	l.scale = 1
}

// addFeatures appends zero weights for n new features.
func (l *linear) addFeatures(n int) {
	l.w = append(l.w, make([]float64, n*l.k)...)
}

// addClass appends a class with zero weights and a bias matching the
// lowest existing one, so a fresh label starts as the least likely instead
// of at an arbitrary 0 and has to earn its probability from its examples.
func (l *linear) addClass() {
	l.fold()
	features := len(l.w) / l.k
	w := make([]float64, features*(l.k+1))
	for f := 0; f < features; f++ {
		copy(w[f*(l.k+1):], l.w[f*l.k:f*l.k+l.k])
	}
	low := math.Inf(1)
	for _, v := range l.b {
		low = min(low, v)
	}
	l.w = w
	l.b = append(l.b, low)
	l.k++
	l.z = make([]float64, l.k)
}

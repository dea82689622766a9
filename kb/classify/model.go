package classify

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
)

// Example is one labelled text, typically a closed ticket's subject and body
// with its final category.
type Example struct {
	Text  string
	Label string
}

// Options tune training. The zero value is the tuned default; every default
// was chosen on a validation slice of the IT-tickets training part (see
// docs/kb-classify.md), never on the held-out test part.
type Options struct {
	// Tokenize splits a text into tokens. Nil uses DefaultTokenize. A model
	// trained with a custom tokenizer must be loaded with LoadWith.
	Tokenize func(string) []string
	// NGram is the longest word n-gram used as a feature, 1 to 3. Default 2.
	NGram int
	// MinDF is how many training texts must contain a term before it becomes
	// a feature. Default 2: a term seen once cannot generalise.
	MinDF int
	// Epochs is the number of SGD passes over the training set. Default 15.
	Epochs int
	// Lambda is the L2 regularisation strength. Default 3e-6.
	Lambda float64
	// LearningRate is the initial SGD step eta0; step t uses
	// eta0 / (1 + eta0*Lambda*t). Default 0.3.
	LearningRate float64
	// UpdateEpochs is the number of passes Update makes over each batch of
	// new examples (mixed with rehearsal). Default 5.
	UpdateEpochs int
	// Rehearsal is how many past examples the model keeps (a uniform
	// reservoir sample) to mix into Update so that learning new tickets does
	// not erase old ones. Default 4096; negative disables rehearsal.
	Rehearsal int
	// Seed makes training reproducible. Default 1.
	Seed uint64
}

// Defaults of Options; see the fields.
const (
	DefaultNGram        = 2
	DefaultMinDF        = 2
	DefaultEpochs       = 15
	DefaultLambda       = 3e-6
	DefaultLearningRate = 0.3
	DefaultUpdateEpochs = 5
	DefaultRehearsal    = 4096
	DefaultSeed         = 1
)

func (o Options) withDefaults() (Options, error) {
	switch {
	case o.NGram < 0 || o.NGram > 3:
		return o, fmt.Errorf("ngram %d out of range 1..3", o.NGram)
	case o.MinDF < 0:
		return o, fmt.Errorf("negative min df %d", o.MinDF)
	case o.Epochs < 0:
		return o, fmt.Errorf("negative epochs %d", o.Epochs)
	case o.UpdateEpochs < 0:
		return o, fmt.Errorf("negative update epochs %d", o.UpdateEpochs)
	case o.Lambda < 0 || math.IsNaN(o.Lambda) || math.IsInf(o.Lambda, 0):
		return o, fmt.Errorf("lambda %v must be a finite non-negative number", o.Lambda)
	case o.LearningRate < 0 || math.IsNaN(o.LearningRate) || math.IsInf(o.LearningRate, 0):
		return o, fmt.Errorf("learning rate %v must be a finite non-negative number", o.LearningRate)
	}
	if o.Tokenize == nil {
		o.Tokenize = DefaultTokenize
	}
	if o.NGram == 0 {
		o.NGram = DefaultNGram
	}
	if o.MinDF == 0 {
		o.MinDF = DefaultMinDF
	}
	if o.Epochs == 0 {
		o.Epochs = DefaultEpochs
	}
	if o.Lambda == 0 {
		o.Lambda = DefaultLambda
	}
	if o.LearningRate == 0 {
		o.LearningRate = DefaultLearningRate
	}
	if o.UpdateEpochs == 0 {
		o.UpdateEpochs = DefaultUpdateEpochs
	}
	if o.Rehearsal == 0 {
		o.Rehearsal = DefaultRehearsal
	}
	if o.Rehearsal < 0 {
		o.Rehearsal = 0
	}
	if o.Seed == 0 {
		o.Seed = DefaultSeed
	}
	return o, nil
}

// Scored is a label with its predicted probability.
type Scored struct {
	Label       string
	Probability float64
}

// Prediction is the most probable label, its probability (the softmax
// output; on the IT tickets its expected calibration error is about 0.02)
// and the next labels by probability, at most three.
type Prediction struct {
	Label        string
	Confidence   float64
	Alternatives []Scored
}

// Model is a trained classifier. Predict may run from any number of
// goroutines while another calls Update: a read-write lock guards the
// state, and Update holds it only for the SGD passes (tokenising happens
// outside it).
type Model struct {
	opts     Options
	tokenize func(string) []string
	custom   bool // trained with a caller's tokenizer

	mu  sync.RWMutex
	voc *vocab
	// labels in class order; new labels are appended by Update.
	labels   []string
	labelIdx map[string]int
	counts   []int64 // examples seen per label: the prior
	lin      linear
	memory   reservoir
	updates  uint64 // Update calls so far, to vary the shuffles
}

// Train fits a model to ex. It needs at least one example and two distinct
// labels; an empty label is an error. Empty texts are allowed (they only
// shift the prior). ctx is checked between epochs.
func Train(ctx context.Context, ex []Example, opts Options) (*Model, error) {
	custom := opts.Tokenize != nil
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	if len(ex) == 0 {
		return nil, errors.New("train: no examples")
	}
	if err := checkLabels(ex); err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	m := &Model{
		opts:     opts,
		tokenize: opts.Tokenize,
		custom:   custom,
		voc:      newVocab(opts.MinDF, opts.NGram),
		labelIdx: map[string]int{},
		memory:   reservoir{capacity: opts.Rehearsal},
	}
	// Classes in name order, so two trainings on the same data agree.
	var names []string
	for _, e := range ex {
		if _, ok := m.labelIdx[e.Label]; !ok {
			m.labelIdx[e.Label] = -1
			names = append(names, e.Label)
		}
	}
	if len(names) < 2 {
		return nil, fmt.Errorf("train: need at least 2 distinct labels, got %d", len(names))
	}
	sort.Strings(names)
	for i, n := range names {
		m.labelIdx[n] = i
	}
	m.labels = names
	m.counts = make([]int64, len(names))

	tcs := make([]termCounts, len(ex))
	for i, e := range ex {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("train: %w", err)
			}
		}
		tcs[i] = countTerms(m.tokenize(e.Text), opts.NGram)
		m.voc.observe(tcs[i])
	}
	xs := make([]sparse, len(ex))
	ys := make([]int, len(ex))
	mems := make([]memo, len(ex))
	for i, e := range ex {
		mems[i] = m.voc.keep(tcs[i])
		xs[i] = m.voc.vectorizeIDs(mems[i].idx, mems[i].cnt)
		ys[i] = m.labelIdx[e.Label]
		m.counts[ys[i]]++
	}
	m.lin = newLinear(len(m.voc.terms), len(names), opts.Lambda, opts.LearningRate)
	rng := rand.New(rand.NewPCG(opts.Seed, 0))
	order := make([]int, len(ex))
	for i := range order {
		order[i] = i
	}
	for ep := 0; ep < opts.Epochs; ep++ {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("train: epoch %d: %w", ep, err)
		}
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			m.lin.step(xs[i], ys[i])
		}
	}
	m.lin.fold()
	for i := range ex {
		m.memory.offer(rng, mems[i], ys[i])
	}
	return m, nil
}

func checkLabels(ex []Example) error {
	for i, e := range ex {
		if e.Label == "" {
			return fmt.Errorf("example %d has an empty label", i)
		}
	}
	return nil
}

// Predict returns the most probable label for text. A text with no known
// term carries no evidence, so it gets the most frequent label with the
// labels' prior shares as probabilities: low confidence, never a panic.
func (m *Model) Predict(text string) Prediction {
	if m == nil {
		return Prediction{}
	}
	tc := countTerms(m.tokenize(text), m.opts.NGram)
	m.mu.RLock()
	defer m.mu.RUnlock()
	x := m.voc.vectorize(tc)
	probs := make([]float64, len(m.labels))
	if len(x.idx) == 0 {
		total := 0.0
		for _, c := range m.counts {
			total += float64(c)
		}
		for k, c := range m.counts {
			probs[k] = float64(c) / total
		}
	} else {
		m.lin.probabilities(x, probs)
	}
	return m.rank(probs)
}

// rank orders labels by probability, ties by class order, into a Prediction.
func (m *Model) rank(probs []float64) Prediction {
	order := make([]int, len(probs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case probs[a] > probs[b]:
			return -1
		case probs[a] < probs[b]:
			return 1
		}
		return 0
	})
	p := Prediction{Label: m.labels[order[0]], Confidence: probs[order[0]]}
	for _, k := range order[1:min(len(order), 4)] {
		p.Alternatives = append(p.Alternatives, Scored{Label: m.labels[k], Probability: probs[k]})
	}
	return p
}

// Labels returns the labels the model can predict, in class order.
func (m *Model) Labels() []string {
	if m == nil {
		return nil
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	return slices.Clone(m.labels)
}

// Features is the vocabulary size: the number of terms with weights.
func (m *Model) Features() int {
	if m == nil {
		return 0
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.voc.terms)
}

package classify

import (
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
)

// The saved form is a gob stream: a header naming the format and its
// version, then the model. Load refuses other versions rather than guess, so
// a format change bumps formatVersion (and may add a converter).
const (
	formatMagic   = "deskmine/kb/classify"
	formatVersion = 1
)

type fileHeader struct {
	Magic   string
	Version int
}

type fileMemo struct {
	Idx, Cnt []int32
	Y        int32
}

type fileModel struct {
	NGram, MinDF, Epochs, UpdateEpochs, Rehearsal int
	Lambda, LearningRate                          float64
	Seed                                          uint64
	CustomTokenizer                               bool

	Labels []string
	Counts []int64
	Terms  []string
	DF     []int32
	// Pending terms as sorted parallel slices: a map would be written in
	// random order, and equal models should save to equal bytes.
	PendingTerms  []string
	PendingCounts []int32
	Docs          int

	W, B  []float64
	Steps float64

	Memory     []fileMemo
	MemorySeen uint64
	Updates    uint64
}

// Save writes the model in a versioned binary format. It may run while
// other goroutines Predict; an Update waits for it.
func (m *Model) Save(w io.Writer) error {
	if m == nil {
		return errors.New("save model: nil model")
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	f := fileModel{
		NGram: m.opts.NGram, MinDF: m.opts.MinDF, Epochs: m.opts.Epochs,
		UpdateEpochs: m.opts.UpdateEpochs, Rehearsal: m.opts.Rehearsal,
		Lambda: m.opts.Lambda, LearningRate: m.opts.LearningRate, Seed: m.opts.Seed,
		CustomTokenizer: m.custom,
		Labels:          m.labels, Counts: m.counts,
		Terms: m.voc.terms, DF: m.voc.df, Docs: m.voc.docs,
		W: m.lin.w, B: m.lin.b, Steps: m.lin.t,
		MemorySeen: m.memory.seen, Updates: m.updates,
	}
	f.PendingTerms = slices.Sorted(maps.Keys(m.voc.pending))
	f.PendingCounts = make([]int32, len(f.PendingTerms))
	for i, t := range f.PendingTerms {
		f.PendingCounts[i] = m.voc.pending[t]
	}
	f.Memory = make([]fileMemo, len(m.memory.items))
	for i, it := range m.memory.items {
		f.Memory[i] = fileMemo{Idx: it.idx, Cnt: it.cnt, Y: it.y}
	}
	enc := gob.NewEncoder(w)
	if err := enc.Encode(fileHeader{Magic: formatMagic, Version: formatVersion}); err != nil {
		return fmt.Errorf("save model: %w", err)
	}
	if err := enc.Encode(&f); err != nil {
		return fmt.Errorf("save model: %w", err)
	}
	return nil
}

// Load reads a model written by Save. A model trained with a custom
// tokenizer needs LoadWith: the tokenizer is code and is not saved.
func Load(r io.Reader) (*Model, error) {
	return LoadWith(r, nil)
}

// LoadWith is Load with the tokenizer the model was trained with; nil means
// DefaultTokenize.
func LoadWith(r io.Reader, tokenize func(string) []string) (*Model, error) {
	dec := gob.NewDecoder(r)
	var h fileHeader
	if err := dec.Decode(&h); err != nil {
		return nil, fmt.Errorf("load model: read header: %w", err)
	}
	if h.Magic != formatMagic {
		return nil, fmt.Errorf("load model: not a classifier model (magic %q)", h.Magic)
	}
	if h.Version != formatVersion {
		return nil, fmt.Errorf("load model: unsupported format version %d, want %d", h.Version, formatVersion)
	}
	var f fileModel
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("load model: %w", err)
	}
	if f.CustomTokenizer && tokenize == nil {
		return nil, errors.New("load model: trained with a custom tokenizer, load it with LoadWith and that tokenizer")
	}
	if err := f.check(); err != nil {
		return nil, fmt.Errorf("load model: %w", err)
	}
	opts := Options{
		Tokenize: tokenize, NGram: f.NGram, MinDF: f.MinDF, Epochs: f.Epochs,
		UpdateEpochs: f.UpdateEpochs, Rehearsal: f.Rehearsal,
		Lambda: f.Lambda, LearningRate: f.LearningRate, Seed: f.Seed,
	}
	if f.Rehearsal == 0 {
		opts.Rehearsal = -1 // saved as disabled; 0 would mean the default
	}
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("load model: %w", err)
	}
	m := &Model{
		opts:     opts,
		tokenize: opts.Tokenize,
		custom:   f.CustomTokenizer,
		voc: &vocab{
			index: make(map[string]int32, len(f.Terms)), terms: f.Terms, df: f.DF,
			pending: make(map[string]int32, len(f.PendingTerms)), docs: f.Docs, minDF: f.MinDF, ngram: f.NGram, maxPending: maxPending,
		},
		labels:   f.Labels,
		labelIdx: make(map[string]int, len(f.Labels)),
		counts:   f.Counts,
		lin: linear{
			k: len(f.Labels), w: f.W, b: f.B, scale: 1, t: f.Steps,
			lambda: f.Lambda, eta0: f.LearningRate, z: make([]float64, len(f.Labels)),
		},
		memory:  reservoir{capacity: opts.Rehearsal, seen: f.MemorySeen},
		updates: f.Updates,
	}
	for i, t := range f.Terms {
		if _, dup := m.voc.index[t]; dup {
			return nil, fmt.Errorf("load model: duplicate term %q", t)
		}
		m.voc.index[t] = int32(i)
	}
	for i, t := range f.PendingTerms {
		if _, known := m.voc.index[t]; known {
			return nil, fmt.Errorf("load model: term %q both known and pending", t)
		}
		m.voc.pending[t] = f.PendingCounts[i]
	}
	for i, l := range f.Labels {
		if _, dup := m.labelIdx[l]; dup || l == "" {
			return nil, fmt.Errorf("load model: duplicate or empty label %q", l)
		}
		m.labelIdx[l] = i
	}
	for _, fm := range f.Memory {
		m.memory.items = append(m.memory.items, memo{idx: fm.Idx, cnt: fm.Cnt, y: fm.Y})
	}
	return m, nil
}

// check rejects a decoded model whose parts do not fit together, so that a
// damaged file fails here instead of as an index panic in Predict.
func (f *fileModel) check() error {
	k, n := len(f.Labels), len(f.Terms)
	switch {
	case f.NGram < 1 || f.NGram > 3:
		return fmt.Errorf("ngram %d out of range", f.NGram)
	case f.MinDF < 1:
		return fmt.Errorf("min df %d out of range", f.MinDF)
	case f.Epochs < 0 || f.UpdateEpochs < 1 || f.Rehearsal < 0:
		return errors.New("negative epochs or rehearsal")
	case !(f.Lambda > 0) || !(f.LearningRate > 0) || math.IsInf(f.Lambda, 0) || math.IsInf(f.LearningRate, 0):
		return errors.New("lambda and learning rate must be positive and finite")
	case k < 2:
		return fmt.Errorf("%d labels, need at least 2", k)
	case len(f.Counts) != k || len(f.B) != k:
		return errors.New("label counts or biases do not match the labels")
	case len(f.DF) != n:
		return errors.New("document frequencies do not match the terms")
	case len(f.PendingTerms) != len(f.PendingCounts):
		return errors.New("pending counts do not match the pending terms")
	case len(f.W) != n*k:
		return fmt.Errorf("%d weights for %d terms and %d labels", len(f.W), n, k)
	case f.Docs < 0:
		return errors.New("negative document count")
	}
	var total int64
	for _, c := range f.Counts {
		if c < 0 {
			return errors.New("negative label count")
		}
		total += c
	}
	if total == 0 {
		return errors.New("no examples counted")
	}
	for _, d := range f.DF {
		if d < 1 || int(d) > f.Docs {
			return fmt.Errorf("document frequency %d out of range", d)
		}
	}
	for _, v := range f.W {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return errors.New("non-finite weight")
		}
	}
	for _, v := range f.B {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return errors.New("non-finite bias")
		}
	}
	if len(f.Memory) > f.Rehearsal {
		return errors.New("more remembered examples than the rehearsal capacity")
	}
	for _, m := range f.Memory {
		if len(m.Idx) != len(m.Cnt) || m.Y < 0 || int(m.Y) >= k {
			return errors.New("malformed remembered example")
		}
		for j, i := range m.Idx {
			if i < 0 || int(i) >= n || m.Cnt[j] < 1 {
				return errors.New("remembered example refers to an unknown term")
			}
		}
	}
	return nil
}

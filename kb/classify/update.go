package classify

import (
	"fmt"
	"math/rand/v2"
)

// replayRatio is how many remembered examples Update mixes in per new one.
// Without them a batch of a single label would pull every bias and shared
// word towards that label and the model would forget the others.
const replayRatio = 4

// memo is a remembered example: its known features' numbers and raw term
// counts, re-weighted with the current IDF whenever it is replayed.
type memo struct {
	idx []int32
	cnt []int32
	y   int32
}

// reservoir is a uniform sample (Vitter's algorithm R) of every example the
// model has learnt from, the rehearsal material of Update.
type reservoir struct {
	capacity int
	items    []memo
	seen     uint64
}

func (r *reservoir) offer(rng *rand.Rand, m memo, y int) {
	if r.capacity <= 0 {
		return
	}
	m.y = int32(y)
	r.seen++
	if len(r.items) < r.capacity {
		r.items = append(r.items, m)
		return
	}
	if j := rng.Uint64N(r.seen); j < uint64(r.capacity) {
		r.items[j] = m
	}
}

// Update folds new labelled examples (newly closed tickets) into the model
// without retraining: their unseen terms are counted and, once MinDF texts
// used them, become features; unseen labels become new classes; then
// Options.UpdateEpochs SGD passes run over the batch mixed with up to four
// remembered examples per new one. The whole batch is rejected, leaving the
// model unchanged, if any example has an empty label.
//
// Update continues the learning-rate schedule of Train and does not
// recompute the weights of old features under the new IDF; a periodic full
// Train remains the way to re-fit everything.
func (m *Model) Update(ex []Example) error {
	if m == nil {
		return fmt.Errorf("update: nil model")
	}
	if len(ex) == 0 {
		return nil
	}
	if err := checkLabels(ex); err != nil {
		return fmt.Errorf("update: %w", err)
	}
	tcs := make([]termCounts, len(ex))
	for i, e := range ex {
		tcs[i] = countTerms(m.tokenize(e.Text), m.opts.NGram)
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	m.updates++
	rng := rand.New(rand.NewPCG(m.opts.Seed, m.updates))
	ys := make([]int, len(ex))
	for i, e := range ex {
		y, ok := m.labelIdx[e.Label]
		if !ok {
			y = len(m.labels)
			m.labelIdx[e.Label] = y
			m.labels = append(m.labels, e.Label)
			m.counts = append(m.counts, 0)
			m.lin.addClass()
		}
		ys[i] = y
		m.counts[y]++
		if added := m.voc.observe(tcs[i]); added > 0 {
			m.lin.addFeatures(added)
		}
	}

	type item struct {
		x sparse
		y int
	}
	batch := make([]item, 0, len(ex)*(1+replayRatio))
	for i := range ex {
		batch = append(batch, item{m.voc.vectorize(tcs[i]), ys[i]})
	}
	mem := m.memory.items
	replay := min(len(mem), replayRatio*len(ex))
	for _, j := range rng.Perm(len(mem))[:replay] {
		batch = append(batch, item{m.voc.vectorizeIDs(mem[j].idx, mem[j].cnt), int(mem[j].y)})
	}
	for ep := 0; ep < m.opts.UpdateEpochs; ep++ {
		rng.Shuffle(len(batch), func(i, j int) { batch[i], batch[j] = batch[j], batch[i] })
		for _, it := range batch {
			m.lin.step(it.x, it.y)
		}
	}
	m.lin.fold()
	for i := range ex {
		m.memory.offer(rng, m.voc.keep(tcs[i]), ys[i])
	}
	return nil
}

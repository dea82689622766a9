package storetest

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/ticketcore/events"
)

var benchHistory = sync.OnceValue(func() []events.Event {
	return Generate(GenOptions{Seed: 1, Tickets: 20000})
})

// Bench applies a generated history of 20,000 tickets (about 190k events) in
// batches of batchSize in stream order, so tickets continue across batches
// and each Apply reads stored state, closes intervals and replaces latest
// rows. When the history runs out the store is reset (untimed). One op is
// one batch; the events/s metric is the throughput of Apply.
func Bench(b *testing.B, s analytics.Store, batchSize int) {
	ctx := context.Background()
	batches := slices.Collect(slices.Chunk(benchHistory(), batchSize))
	if err := s.Reset(ctx); err != nil {
		b.Fatal(err)
	}
	n, i := 0, 0
	b.ResetTimer()
	for b.Loop() {
		if i == len(batches) {
			b.StopTimer()
			if err := s.Reset(ctx); err != nil {
				b.Fatal(err)
			}
			i = 0
			b.StartTimer()
		}
		if err := s.Apply(ctx, batches[i]); err != nil {
			b.Fatal(err)
		}
		n += len(batches[i])
		i++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}

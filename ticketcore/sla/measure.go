package sla

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"time"
)

// Result is what MeasureScheduler measured.
type Result struct {
	Items        int           `json:"items"`
	Spread       time.Duration `json:"spread_ns"`
	Overdue      int           `json:"overdue"`        // items already due when loaded (as after a restart)
	Load         time.Duration `json:"load_ns"`        // time to upsert every item while Run runs
	HeapBytes    uint64        `json:"heap_bytes"`     // Go heap held by a scheduler with every item loaded
	BytesPerItem float64       `json:"bytes_per_item"` // HeapBytes / Items
	Batches      int           `json:"batches"`        // fire calls
	P50Late      time.Duration `json:"p50_late_ns"`
	P99Late      time.Duration `json:"p99_late_ns"`
	MaxLate      time.Duration `json:"max_late_ns"`
}

func (r Result) String() string {
	return fmt.Sprintf("%d items over %s (%d overdue): load %s, %.0f MB (%.0f B/item), %d batches, lateness p50 %s p99 %s max %s",
		r.Items, r.Spread, r.Overdue, r.Load.Round(time.Millisecond), float64(r.HeapBytes)/1e6, r.BytesPerItem,
		r.Batches, r.P50Late.Round(time.Microsecond), r.P99Late.Round(time.Microsecond), r.MaxLate.Round(time.Microsecond))
}

// MeasureScheduler loads n breach items into a scheduler on the real clock
// and measures how late its fire callback sees each one. One item in ten is
// due at once (as after a restart), the others at random instants spread
// over the next spread; the items are upserted in random order while Run
// runs. An item's lateness is the time from when it was due, or from when it
// was upserted if that was later, to the start of the fire call that
// carried it; the callback does no work, so this is the scheduler's own
// delay. It also checks that every item fires exactly once, and measures
// the heap a loaded scheduler holds (on a second scheduler, before the
// timed run). It takes about spread plus a few seconds.
func MeasureScheduler(n int, spread time.Duration) (Result, error) {
	if n <= 0 || spread < 0 {
		return Result{}, errors.New("measure scheduler: n must be positive and spread not negative")
	}
	res := Result{Items: n, Spread: spread}
	rng := rand.New(rand.NewPCG(uint64(n), uint64(spread)))
	offsets := make([]int64, n)
	for i := range offsets {
		if i%10 == 0 {
			res.Overdue++
			continue
		}
		offsets[i] = rng.Int64N(int64(spread) + 1)
	}
	order := rng.Perm(n)
	item := func(i int, base time.Time) Due {
		return Due{TicketID: int64(i + 1), Metric: Resolution, Kind: Breach, At: base.Add(time.Duration(offsets[i])), Cycle: 1, Version: 1}
	}

	// Memory, on a scheduler that never runs.
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s := NewScheduler(Options{})
	base := time.Now().Add(time.Hour)
	for _, i := range order {
		s.Upsert(item(i, base))
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if s.Len() != n {
		return res, fmt.Errorf("measure scheduler: holds %d items, want %d", s.Len(), n)
	}
	if after.HeapAlloc > before.HeapAlloc {
		res.HeapBytes = after.HeapAlloc - before.HeapAlloc
	}
	res.BytesPerItem = float64(res.HeapBytes) / float64(n)
	s = nil
	runtime.GC()

	// Lateness, on the real clock.
	s = NewScheduler(Options{})
	fired := make([]int64, n) // when the fire call carrying the item started
	var firedCount, duplicates int
	done := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	runErr := make(chan error, 1)
	go func() {
		runErr <- s.Run(ctx, func(_ context.Context, ds []Due) error {
			now := time.Now().UnixNano()
			res.Batches++
			for _, d := range ds {
				i := d.TicketID - 1
				if fired[i] != 0 {
					duplicates++
				}
				fired[i] = now
			}
			if firedCount < n && firedCount+len(ds) >= n {
				close(done)
			}
			firedCount += len(ds)
			return nil
		})
	}()
	upserted := make([]int64, n)
	base = time.Now()
	for _, i := range order {
		upserted[i] = time.Now().UnixNano()
		s.Upsert(item(i, base))
	}
	res.Load = time.Since(base)
	timeout := time.NewTimer(spread + time.Minute)
	defer timeout.Stop()
	select {
	case <-done:
	case <-timeout.C:
	}
	cancel()
	if err := <-runErr; err != nil {
		return res, err
	}
	// Run has returned: its writes to fired, firedCount and duplicates are visible.
	if firedCount != n || duplicates != 0 {
		return res, fmt.Errorf("measure scheduler: %d fires for %d items, %d of them duplicates", firedCount, n, duplicates)
	}
	late := make([]int64, n)
	for i := range late {
		from := max(base.UnixNano()+offsets[i], upserted[i])
		late[i] = max(fired[i]-from, 0)
	}
	slices.Sort(late)
	res.P50Late = time.Duration(late[n/2])
	res.P99Late = time.Duration(late[min(n-1, n*99/100)])
	res.MaxLate = time.Duration(late[n-1])
	return res, nil
}

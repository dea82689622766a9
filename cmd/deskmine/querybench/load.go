package querybench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/analytics/storetest"
	"github.com/deskmine/deskmine/ticketcore/events"
)

// TicketsPerChunk is how many tickets one call of the generator makes
// (about 46,000 events, 80 MB): the history is never held whole.
const TicketsPerChunk = 5000

// generatorDays is how long after its Start a chunk's tickets are created
// (storetest.Generate's spread).
const generatorDays = 60 * day

// LoadResult describes how the store got its history.
type LoadResult struct {
	Reused bool `json:"reused"` // the store already held the history; nothing was loaded
	// EventRows is what the store's Check counts: one row per event of a
	// known type. Applied also counts the events of unknown types (the
	// generator writes a few) that the store skips.
	EventRows int64 `json:"event_rows"`
	Applied   int64 `json:"applied_events"`
	Tickets   int64 `json:"tickets"`
	Chunks    int   `json:"chunks"`
	Batches   int   `json:"batches"`
	// Seconds is the wall time of the load (generation overlaps the
	// writes); ApplySeconds the part spent in the store's Apply.
	Seconds      float64 `json:"seconds"`
	ApplySeconds float64 `json:"apply_seconds"`
	EventsPerS   float64 `json:"events_per_s"`       // Applied / Seconds
	ApplyPerS    float64 `json:"apply_events_per_s"` // Applied / ApplySeconds
	CheckSeconds float64 `json:"check_seconds"`      // the final Check
}

// LoadOptions shape the generated history.
type LoadOptions struct {
	EventRows int // event rows the store ends with
	Seed      uint64
	BatchSize int       // events per Apply
	Log       io.Writer // progress; nil for none

	ticketsPerChunk int // TicketsPerChunk when 0; tests make chunks smaller
}

// Load empties s and writes a generated history of exactly o.EventRows
// event rows through the store's Apply, chunk by chunk: each chunk is
// storetest.Generate over TicketsPerChunk tickets of their own ids and seq
// range, whose creation times start further into the span as the load
// progresses, so the tickets are spread over Span. The last chunk is cut
// where the count is reached (its last tickets lose their later events,
// like tickets still being worked on). Check must then count o.EventRows.
func Load(ctx context.Context, s analytics.Store, o LoadOptions) (*LoadResult, error) {
	if o.EventRows <= 0 || o.BatchSize <= 0 {
		return nil, errors.New("load: event rows and batch size must be positive")
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.ticketsPerChunk == 0 {
		o.ticketsPerChunk = TicketsPerChunk
	}
	if err := s.Reset(ctx); err != nil {
		return nil, fmt.Errorf("load: reset: %w", err)
	}
	res := &LoadResult{}
	t0 := time.Now()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// The next chunk is generated while the store writes this one: on two
	// cores that hides most of the generator's time.
	chunks := make(chan []events.Event, 1)
	go func() {
		defer close(chunks)
		var rows int64
		firstSeq := int64(1)
		for k := 0; rows < int64(o.EventRows); k++ {
			progress := float64(rows) / float64(o.EventRows)
			evs := storetest.Generate(storetest.GenOptions{
				Seed:     o.Seed*1_000_003 + uint64(k),
				Tickets:  o.ticketsPerChunk,
				FirstID:  int64(k*o.ticketsPerChunk) + 1,
				Start:    SpanStart.Add(time.Duration(progress * float64(Span-generatorDays))),
				FirstSeq: firstSeq,
			})
			evs, n := cutAt(evs, int64(o.EventRows)-rows)
			rows += n
			if len(evs) > 0 {
				firstSeq = evs[len(evs)-1].Seq + 2
			}
			select {
			case chunks <- evs:
			case <-ctx.Done():
				return
			}
		}
	}()
	// On an error the generator is stopped and waited for, so that no
	// goroutine outlives Load.
	fail := func(err error) (*LoadResult, error) {
		cancel()
		for range chunks {
		}
		return nil, err
	}
	var apply time.Duration
	lastLog := time.Now()
	for evs := range chunks {
		res.Chunks++
		for start := 0; start < len(evs); start += o.BatchSize {
			batch := evs[start:min(start+o.BatchSize, len(evs))]
			ta := time.Now()
			if err := s.Apply(ctx, batch); err != nil {
				return fail(fmt.Errorf("load: apply batch %d: %w", res.Batches+1, err))
			}
			apply += time.Since(ta)
			res.Batches++
			res.Applied += int64(len(batch))
		}
		if time.Since(lastLog) > 10*time.Second {
			lastLog = time.Now()
			el := time.Since(t0).Seconds()
			fmt.Fprintf(o.Log, "  loaded %d events in %.0f s (%.0f events/s)\n", res.Applied, el, float64(res.Applied)/el)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res.Seconds = time.Since(t0).Seconds()
	res.ApplySeconds = apply.Seconds()
	res.EventsPerS = round(float64(res.Applied) / res.Seconds)
	res.ApplyPerS = round(float64(res.Applied) / res.ApplySeconds)
	res.Seconds, res.ApplySeconds = round(res.Seconds), round(res.ApplySeconds)
	if err := checkRows(ctx, s, int64(o.EventRows), res); err != nil {
		return nil, err
	}
	return res, nil
}

// cutAt returns the prefix of evs holding at most want events of known
// types (event rows), ending right after the want-th, and how many it holds.
func cutAt(evs []events.Event, want int64) ([]events.Event, int64) {
	var n int64
	for i := range evs {
		if !evs[i].Type.Valid() {
			continue
		}
		n++
		if n == want {
			return evs[:i+1], n
		}
	}
	return evs, n
}

// Holds reports whether s already holds a history of eventRows event rows
// (as Load leaves it), filling res from the store's Check.
func Holds(ctx context.Context, s analytics.Store, eventRows int64) (*LoadResult, bool, error) {
	res := &LoadResult{Reused: true}
	t0 := time.Now()
	c, err := s.Check(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("check: %w", err)
	}
	res.CheckSeconds = round(time.Since(t0).Seconds())
	res.EventRows, res.Tickets = c.Events, c.Tickets
	return res, c.Events == eventRows && c.Tickets > 0, nil
}

func checkRows(ctx context.Context, s analytics.Store, want int64, res *LoadResult) error {
	t0 := time.Now()
	c, err := s.Check(ctx)
	if err != nil {
		return fmt.Errorf("load: check: %w", err)
	}
	res.CheckSeconds = round(time.Since(t0).Seconds())
	res.EventRows, res.Tickets = c.Events, c.Tickets
	if c.Events != want {
		return fmt.Errorf("load: the store counts %d event rows after the load, want %d", c.Events, want)
	}
	return nil
}

func round(x float64) float64 { return float64(int64(x*100+0.5)) / 100 }

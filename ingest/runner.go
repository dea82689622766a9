package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/deskmine/deskmine/ticketcore/events"
)

// RunnerConfig configures a consumer runner.
type RunnerConfig struct {
	Source      Source
	Handler     Handler
	DeadLetters DeadLetterStore

	// BatchSize is the most events fetched and handed to the handler at once
	// (default 500).
	BatchSize int
	// FetchWait is how long one fetch waits for the first event (default 500ms).
	FetchWait time.Duration
	// MinBackoff and MaxBackoff bound the wait between retries of a failed
	// handler, commit or fetch (default 100ms and 10s).
	MinBackoff, MaxBackoff time.Duration
	// ShutdownTimeout is how long the batch in hand may still be handled and
	// committed once Run's context ends (default 10s); what is not
	// committed by then comes again after a restart.
	ShutdownTimeout time.Duration
	// LagInterval is how often the lag gauge is refreshed (default 5s).
	LagInterval time.Duration

	Registerer prometheus.Registerer // nil: metrics are not registered
	Logger     *slog.Logger
}

// Runner feeds a handler from a source: fetch a batch, decode, handle with
// retry, park what cannot be handled, then commit.
type Runner struct {
	cfg  RunnerConfig
	name string
	log  *slog.Logger

	handled prometheus.Counter
	parked  prometheus.Counter
	retries prometheus.Counter
	batch   prometheus.Histogram
	lag     prometheus.Gauge
}

// NewRunner checks the configuration, fills in defaults and registers metrics
// labelled with the consumer name.
func NewRunner(cfg RunnerConfig) (*Runner, error) {
	if cfg.Source == nil || cfg.Handler == nil || cfg.DeadLetters == nil {
		return nil, errors.New("runner: source, handler and dead letters are required")
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 500
	}
	if cfg.FetchWait <= 0 {
		cfg.FetchWait = 500 * time.Millisecond
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = 100 * time.Millisecond
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		cfg.MaxBackoff = max(10*time.Second, cfg.MinBackoff)
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 10 * time.Second
	}
	if cfg.LagInterval <= 0 {
		cfg.LagInterval = 5 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	name := cfg.Source.Name()
	labels := prometheus.Labels{"consumer": name}
	r := &Runner{
		cfg:  cfg,
		name: name,
		log:  cfg.Logger.With("consumer", name),
		handled: prometheus.NewCounter(prometheus.CounterOpts{Name: "deskmine_ingest_handled_total",
			Help: "Events the handler accepted (again after a redelivery).", ConstLabels: labels}),
		parked: prometheus.NewCounter(prometheus.CounterOpts{Name: "deskmine_ingest_parked_total",
			Help: "Events parked as dead letters.", ConstLabels: labels}),
		retries: prometheus.NewCounter(prometheus.CounterOpts{Name: "deskmine_ingest_retries_total",
			Help: "Handler calls retried after a transient error.", ConstLabels: labels}),
		batch: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "deskmine_ingest_batch_seconds",
			Help: "Time from fetching a batch to committing it.", ConstLabels: labels,
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 10)}),
		lag: prometheus.NewGauge(prometheus.GaugeOpts{Name: "deskmine_ingest_lag",
			Help: "Events in the stream after the consumer's last commit.", ConstLabels: labels}),
	}
	if cfg.Registerer != nil {
		for _, c := range []prometheus.Collector{r.handled, r.parked, r.retries, r.batch, r.lag} {
			if err := cfg.Registerer.Register(c); err != nil {
				return nil, fmt.Errorf("runner %s: register metrics: %w", name, err)
			}
		}
	}
	return r, nil
}

// Run consumes until ctx ends. While the handler works on one batch, the
// next is fetched and decoded, so that the handler's wait on its store and
// the decoding overlap; the handler still gets one batch at a time, in
// stream order, and batches are committed in order, each once it is handled.
// The batch the handler has when ctx ends is still handled and committed,
// for at most ShutdownTimeout; a batch fetched ahead is left uncommitted and
// comes again after a restart. Run returns nil on cancellation; it does not
// close the source.
func (r *Runner) Run(ctx context.Context) error {
	fetchBackoff := newBackoff(r.cfg.MinBackoff, r.cfg.MaxBackoff)
	var lagAt time.Time
	var busy *flight // the batch the handler has, if any
	for ctx.Err() == nil {
		if time.Since(lagAt) >= r.cfg.LagInterval {
			r.refreshLag(ctx)
			lagAt = time.Now()
		}
		msgs, err := r.cfg.Source.Fetch(ctx, r.cfg.BatchSize, r.cfg.FetchWait)
		if err != nil || len(msgs) == 0 {
			// Nothing new: finish the batch in hand, so that it is committed
			// while the stream is idle.
			if !r.settle(&busy) {
				return nil
			}
			if err != nil {
				if ctx.Err() != nil {
					break
				}
				r.log.Warn("fetch failed", "err", err)
				fetchBackoff.wait(ctx)
			}
			continue
		}
		fetchBackoff.reset()
		b := prepare(msgs)
		if !r.settle(&busy) {
			return nil
		}
		if ctx.Err() != nil {
			break // b was fetched ahead: it is not taken
		}
		busy = r.start(ctx, b)
	}
	if !r.settle(&busy) {
		return nil
	}
	r.refreshLag(context.WithoutCancel(ctx))
	return nil
}

// batch is a fetched batch, decoded.
type batch struct {
	msgs    []Message
	fetched time.Time
	items   []item    // the decoded events, in order
	bad     []Message // messages that do not decode
	errs    []error   // why, per bad message
}

type item struct {
	msg Message
	ev  events.Event
}

func prepare(msgs []Message) *batch {
	b := &batch{msgs: msgs, fetched: time.Now(), items: make([]item, 0, len(msgs))}
	evs, errs := decode(msgs)
	for i, m := range msgs {
		if errs[i] != nil {
			b.bad, b.errs = append(b.bad, m), append(b.errs, errs[i])
			continue
		}
		b.items = append(b.items, item{msg: m, ev: evs[i]})
	}
	return b
}

// flight is a batch being handled on a goroutine of its own, on a context
// that outlives Run's by the shutdown timeout, so that a stop does not throw
// away work the handler has done.
type flight struct {
	b       *batch
	work    context.Context
	done    chan error
	release func()
}

func (r *Runner) start(ctx context.Context, b *batch) *flight {
	work, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, func() {
		t := time.NewTimer(r.cfg.ShutdownTimeout)
		defer t.Stop()
		select {
		case <-t.C:
			cancel()
		case <-work.Done():
		}
	})
	f := &flight{b: b, work: work, done: make(chan error, 1), release: func() { stop(); cancel() }}
	go func() { f.done <- r.process(work, b) }()
	return f
}

// settle waits for the batch in flight, if any, and commits it. It reports
// false when the batch could not be finished before the shutdown timeout.
func (r *Runner) settle(busy **flight) bool {
	f := *busy
	if f == nil {
		return true
	}
	*busy = nil
	defer f.release()
	err := <-f.done
	if err == nil {
		err = r.commit(f.work, f.b)
	}
	if err != nil {
		r.log.Warn("batch not committed at shutdown; it comes again after a restart", "events", len(f.b.msgs), "err", err)
		return false
	}
	return true
}

// process parks what did not decode and hands the rest to the handler; it
// returns an error only when ctx ended first.
func (r *Runner) process(ctx context.Context, b *batch) error {
	for i, m := range b.bad {
		// Retrying cannot make bytes decode: park at once.
		if err := r.park(ctx, m, nil, b.errs[i], 1); err != nil {
			return err
		}
	}
	return r.handle(ctx, b.items, 0)
}

// commit commits a handled batch, retrying until ctx ends.
func (r *Runner) commit(ctx context.Context, b *batch) error {
	bo := newBackoff(r.cfg.MinBackoff, r.cfg.MaxBackoff)
	for {
		err := r.cfg.Source.Commit(ctx, b.msgs)
		if err == nil {
			break
		}
		r.log.Warn("commit failed", "err", err)
		if !bo.wait(ctx) {
			return fmt.Errorf("commit: %w", errors.Join(err, ctx.Err()))
		}
	}
	r.batch.Observe(time.Since(b.fetched).Seconds())
	return nil
}

// decodeChunk is how many messages a decoding goroutine takes at a time.
const decodeChunk = 256

// decode decodes msgs into evs[i] or errs[i], spread over the CPUs: JSON
// decoding is most of a consumer's own work. Positions are kept, so the
// batch keeps its order.
func decode(msgs []Message) (evs []events.Event, errs []error) {
	evs, errs = make([]events.Event, len(msgs)), make([]error, len(msgs))
	one := func(lo, hi int) {
		for i := lo; i < hi; i++ {
			e, err := events.Unmarshal(msgs[i].Value)
			if err != nil {
				errs[i] = err
				continue
			}
			evs[i] = *e
		}
	}
	workers := min(runtime.GOMAXPROCS(0), (len(msgs)+decodeChunk-1)/decodeChunk)
	if workers <= 1 {
		one(0, len(msgs))
		return evs, errs
	}
	// Chunks are taken in turn, so that a worker the scheduler holds back
	// does not hold up the batch.
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				lo := int(next.Add(decodeChunk)) - decodeChunk
				if lo >= len(msgs) {
					return
				}
				one(lo, min(lo+decodeChunk, len(msgs)))
			}
		})
	}
	wg.Wait()
	return evs, errs
}

// handle hands items to the handler, retrying transient errors. A permanent
// error is narrowed down by halves, so that only the events causing it are
// parked and the others are handled, in their order. failed counts the
// failed calls that included these items so far.
func (r *Runner) handle(ctx context.Context, items []item, failed int) error {
	if len(items) == 0 {
		return nil
	}
	evs := make([]events.Event, len(items))
	for i := range items {
		evs[i] = items[i].ev
	}
	calls, err := r.handleRetry(ctx, evs)
	if err == nil {
		r.handled.Add(float64(len(evs)))
		return nil
	}
	if ctx.Err() != nil {
		return err
	}
	failed += calls
	if len(items) == 1 {
		return r.park(ctx, items[0].msg, &items[0].ev, err, failed)
	}
	mid := len(items) / 2
	if err := r.handle(ctx, items[:mid], failed); err != nil {
		return err
	}
	return r.handle(ctx, items[mid:], failed)
}

// handleRetry calls the handler until it succeeds, fails permanently or ctx
// ends, and returns how many calls failed.
func (r *Runner) handleRetry(ctx context.Context, evs []events.Event) (int, error) {
	bo := newBackoff(r.cfg.MinBackoff, r.cfg.MaxBackoff)
	for calls := 1; ; calls++ {
		err := r.cfg.Handler.Handle(ctx, evs)
		if err == nil {
			return calls - 1, nil
		}
		if Permanent(err) {
			return calls, err
		}
		if ctx.Err() != nil {
			return calls, fmt.Errorf("handle: %w", errors.Join(err, ctx.Err()))
		}
		r.retries.Inc()
		r.log.Warn("handler failed; retrying", "events", len(evs), "first_seq", evs[0].Seq, "attempt", calls, "err", err)
		if !bo.wait(ctx) {
			return calls, fmt.Errorf("handle: %w", errors.Join(err, ctx.Err()))
		}
	}
}

// park stores a message as a dead letter, retrying the store until ctx ends.
func (r *Runner) park(ctx context.Context, m Message, ev *events.Event, cause error, attempts int) error {
	d := events.DeadLetter{Consumer: r.name, Partition: m.Partition, Offset: m.Offset, Payload: m.Value,
		Error: cause.Error(), Attempts: attempts, ParkedAt: time.Now().UTC()}
	if ev != nil {
		d.EventID, d.TicketID = ev.ID, ev.TicketID
	} else {
		// Whatever can still be read helps whoever looks at the letter.
		var partial struct {
			ID       string `json:"id"`
			TicketID int64  `json:"ticket_id"`
		}
		_ = json.Unmarshal(m.Value, &partial)
		d.EventID, d.TicketID = partial.ID, partial.TicketID
		if d.TicketID == 0 {
			d.TicketID, _ = strconv.ParseInt(string(m.Key), 10, 64)
		}
	}
	bo := newBackoff(r.cfg.MinBackoff, r.cfg.MaxBackoff)
	for {
		err := r.cfg.DeadLetters.ParkDeadLetter(ctx, &d)
		if err == nil {
			break
		}
		r.log.Warn("park dead letter failed; retrying", "partition", m.Partition, "offset", m.Offset, "err", err)
		if !bo.wait(ctx) {
			return fmt.Errorf("park: %w", errors.Join(err, ctx.Err()))
		}
	}
	r.parked.Inc()
	r.log.Error("event parked as dead letter", "partition", m.Partition, "offset", m.Offset, "event_id", d.EventID,
		"ticket_id", d.TicketID, "attempts", attempts, "err", cause)
	return nil
}

func (r *Runner) refreshLag(ctx context.Context) {
	lctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	lag, err := r.cfg.Source.Lag(lctx)
	if err != nil {
		r.log.Debug("lag unknown", "err", err)
		return
	}
	r.lag.Set(float64(lag))
}

// ReplayResult counts what one ReplayDead did.
type ReplayResult struct {
	Replayed int // handled and marked replayed
	Failed   int // failed again; their error and attempts were updated
}

// ReplayDead hands each unresolved dead letter of this consumer to the
// handler once more. A letter the handler accepts is marked replayed; one
// that still fails keeps its place with the new error. Safe to call while
// Run is running: handlers are idempotent on event id.
func (r *Runner) ReplayDead(ctx context.Context) (ReplayResult, error) {
	var res ReplayResult
	var after int64
	for {
		page, err := r.cfg.DeadLetters.UnresolvedDeadLetters(ctx, r.name, after, 100)
		if err != nil {
			return res, fmt.Errorf("replay dead letters of %s: %w", r.name, err)
		}
		if len(page) == 0 {
			return res, nil
		}
		for _, d := range page {
			after = d.ID
			e, err := events.Unmarshal(d.Payload)
			if err == nil {
				err = r.cfg.Handler.Handle(ctx, []events.Event{*e})
			}
			if err != nil {
				if ctx.Err() != nil {
					return res, fmt.Errorf("replay dead letters of %s: %w", r.name, ctx.Err())
				}
				if uerr := r.cfg.DeadLetters.UpdateDeadLetter(ctx, d.ID, err.Error(), d.Attempts+1); uerr != nil {
					return res, fmt.Errorf("replay dead letters of %s: %w", r.name, uerr)
				}
				res.Failed++
				continue
			}
			if err := r.cfg.DeadLetters.MarkDeadLetterReplayed(ctx, d.ID, time.Now().UTC()); err != nil {
				return res, fmt.Errorf("replay dead letters of %s: %w", r.name, err)
			}
			r.handled.Inc()
			res.Replayed++
		}
	}
}

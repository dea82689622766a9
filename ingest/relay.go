package ingest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/deskmine/deskmine/ticketcore/events"
)

// Sink is where the relay publishes: Kafka in production (KafkaSink).
// Publish returns nil only once every record is durably accepted, in order
// per ticket.
type Sink interface {
	Publish(ctx context.Context, recs []events.Record) error
}

// RelayConfig configures the outbox relay.
type RelayConfig struct {
	Log     EventLog
	Cursors CursorStore // to read the relay's and the log consumers' cursors
	Leases  LeaseStore
	Sink    Sink
	// Pruner deletes published events when Retention is set.
	Pruner LogPruner

	// Name names both the relay's cursor and its lease (default "relay").
	Name string
	// Holder identifies this instance in the lease (default host-pid-random).
	Holder string
	// LeaseTTL is how long the lease lasts without renewal (default 10s): the
	// longest a crashed instance blocks the others.
	LeaseTTL time.Duration
	// BatchSize is the most events read and published at once (default 500).
	BatchSize int
	// PollInterval is the wait when the log has nothing new (default 25ms);
	// a relay that is behind does not wait.
	PollInterval time.Duration
	// Retention prunes events published at least this long ago; 0 never prunes.
	Retention time.Duration
	// PruneInterval is how often pruning runs (default 1 minute).
	PruneInterval time.Duration
	// LogConsumers names the cursors of consumers that read the event log
	// itself (LogSource): nothing they have not processed is pruned.
	LogConsumers []string
	// MinBackoff and MaxBackoff bound the wait after a failure (100ms, 10s).
	MinBackoff, MaxBackoff time.Duration

	Registerer prometheus.Registerer // nil: metrics are not registered
	Logger     *slog.Logger
}

// Relay publishes the event log to a sink, at least once and in log order.
// Several instances may run: only the one holding the lease publishes.
type Relay struct {
	cfg RelayConfig
	log *slog.Logger

	leader    bool
	cursor    int64
	renewedAt time.Time
	prunedAt  time.Time

	published prometheus.Counter
	pruned    prometheus.Counter
	lag       prometheus.Gauge
	active    prometheus.Gauge
}

// NewRelay checks the configuration, fills in defaults and registers metrics.
func NewRelay(cfg RelayConfig) (*Relay, error) {
	if cfg.Log == nil || cfg.Cursors == nil || cfg.Leases == nil || cfg.Sink == nil {
		return nil, errors.New("relay: log, cursors, leases and sink are required")
	}
	if cfg.Retention < 0 {
		return nil, errors.New("relay: retention must not be negative")
	}
	if cfg.Retention > 0 && cfg.Pruner == nil {
		return nil, errors.New("relay: retention needs a pruner")
	}
	if cfg.Name == "" {
		cfg.Name = "relay"
	}
	for _, c := range cfg.LogConsumers {
		if c == cfg.Name {
			return nil, fmt.Errorf("relay: log consumer %q shares the relay's cursor name", c)
		}
	}
	if cfg.Holder == "" {
		cfg.Holder = defaultHolder()
	}
	if cfg.LeaseTTL <= 0 {
		cfg.LeaseTTL = 10 * time.Second
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 500
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 25 * time.Millisecond
	}
	if cfg.PruneInterval <= 0 {
		cfg.PruneInterval = time.Minute
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = 100 * time.Millisecond
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		cfg.MaxBackoff = max(10*time.Second, cfg.MinBackoff)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	labels := prometheus.Labels{"relay": cfg.Name}
	r := &Relay{
		cfg: cfg,
		log: cfg.Logger.With("relay", cfg.Name, "holder", cfg.Holder),
		published: prometheus.NewCounter(prometheus.CounterOpts{Name: "deskmine_relay_published_total",
			Help: "Events the relay published to the stream (with re-publications after failures).", ConstLabels: labels}),
		pruned: prometheus.NewCounter(prometheus.CounterOpts{Name: "deskmine_relay_pruned_total",
			Help: "Published events deleted from the event log.", ConstLabels: labels}),
		lag: prometheus.NewGauge(prometheus.GaugeOpts{Name: "deskmine_relay_lag",
			Help: "Events in the log after the relay's cursor (head seq minus cursor).", ConstLabels: labels}),
		active: prometheus.NewGauge(prometheus.GaugeOpts{Name: "deskmine_relay_active",
			Help: "1 while this instance holds the relay lease.", ConstLabels: labels}),
	}
	if cfg.Registerer != nil {
		for _, c := range []prometheus.Collector{r.published, r.pruned, r.lag, r.active} {
			if err := cfg.Registerer.Register(c); err != nil {
				return nil, fmt.Errorf("relay: register metrics: %w", err)
			}
		}
	}
	return r, nil
}

func defaultHolder() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
}

// Holder returns this instance's lease holder id.
func (r *Relay) Holder() string { return r.cfg.Holder }

// Run relays until ctx ends, then gives the lease up so another instance
// takes over at once. It returns nil on cancellation.
func (r *Relay) Run(ctx context.Context) error {
	defer func() {
		// Also when not (or no longer known to be) the leader: a stop that
		// cuts a lease renewal or a leased cursor save short leaves the
		// lease held in the store, and the next instance would wait out its
		// ttl. Releasing a lease held by another holder changes nothing.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := r.cfg.Leases.ReleaseLease(rctx, r.cfg.Name, r.cfg.Holder); err != nil {
			r.log.Warn("release relay lease", "err", err)
		}
		r.dropLeadership()
	}()
	bo := newBackoff(r.cfg.MinBackoff, r.cfg.MaxBackoff)
	for ctx.Err() == nil {
		busy, err := r.step(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			r.log.Warn("relay step failed", "err", err)
			if !bo.wait(ctx) {
				return nil
			}
			continue
		}
		bo.reset()
		if !busy {
			wait := r.cfg.PollInterval
			if !r.leader {
				wait = min(r.cfg.LeaseTTL/4, time.Second)
			}
			if !sleep(ctx, wait) {
				return nil
			}
		}
	}
	return nil
}

// step holds (or tries to take) the lease, then publishes one batch. It
// reports whether it published, so a relay that is behind goes on at once.
func (r *Relay) step(ctx context.Context) (bool, error) {
	if err := r.holdLease(ctx); err != nil || !r.leader {
		return false, err
	}
	recs, err := r.cfg.Log.ReadLog(ctx, r.cursor, r.cfg.BatchSize)
	if err != nil {
		return false, err
	}
	if len(recs) == 0 {
		r.setLag(ctx)
		return false, r.maybePrune(ctx)
	}
	if err := r.cfg.Sink.Publish(ctx, recs); err != nil {
		return false, err
	}
	r.published.Add(float64(len(recs)))
	last := recs[len(recs)-1].Seq
	// Only after the sink has the batch: a crash before this line
	// publishes the batch again (duplicates), never loses it.
	if err := r.cfg.Leases.SaveCursorLeased(ctx, r.cfg.Name, r.cfg.Holder, r.cfg.Name, last); err != nil {
		// Lost lease or not, whether the cursor moved is unknown now: read it
		// again once the lease is (re)taken.
		r.dropLeadership()
		if LeaseLost(err) {
			r.log.Info("relay lease lost; another instance goes on", "err", err)
			return false, nil
		}
		return false, err
	}
	r.cursor = last
	r.setLag(ctx)
	return true, r.maybePrune(ctx)
}

func (r *Relay) dropLeadership() {
	r.leader = false
	r.active.Set(0)
}

// holdLease renews the lease when a third of its ttl has passed, or tries to
// take it. Renewing every loop would be a write per poll on the database
// the tickets are written to; the cursor save checks the lease anyway.
func (r *Relay) holdLease(ctx context.Context) error {
	if r.leader && time.Since(r.renewedAt) < r.cfg.LeaseTTL/3 {
		return nil
	}
	now := time.Now()
	ok, err := r.cfg.Leases.TryLease(ctx, r.cfg.Name, r.cfg.Holder, r.cfg.LeaseTTL)
	if err != nil {
		r.dropLeadership()
		return err
	}
	if !ok {
		if r.leader {
			r.log.Info("relay lease taken by another instance")
		}
		r.dropLeadership()
		r.setLag(ctx)
		return nil
	}
	r.renewedAt = now
	if r.leader {
		return nil
	}
	// Newly leader: another instance may have moved the cursor meanwhile.
	c, err := r.cfg.Cursors.Cursor(ctx, r.cfg.Name)
	if err != nil {
		return err
	}
	r.cursor, r.leader = c, true
	r.active.Set(1)
	r.log.Info("relay lease taken", "cursor", c)
	return nil
}

// setLag refreshes the lag gauge; a follower reports the active relay's.
func (r *Relay) setLag(ctx context.Context) {
	head, err := r.cfg.Log.LogHead(ctx)
	if err != nil {
		return
	}
	cursor := r.cursor
	if !r.leader {
		if cursor, err = r.cfg.Cursors.Cursor(ctx, r.cfg.Name); err != nil {
			return
		}
	}
	r.lag.Set(float64(max(head-cursor, 0)))
}

// maybePrune deletes events every reader of the log is done with, once
// they are older than the retention.
func (r *Relay) maybePrune(ctx context.Context) error {
	if r.cfg.Retention <= 0 || time.Since(r.prunedAt) < r.cfg.PruneInterval {
		return nil
	}
	upTo := r.cursor
	for _, name := range r.cfg.LogConsumers {
		c, err := r.cfg.Cursors.Cursor(ctx, name)
		if err != nil {
			return fmt.Errorf("prune: %w", err)
		}
		upTo = min(upTo, c)
	}
	n, err := r.cfg.Pruner.PruneLog(ctx, upTo, time.Now().Add(-r.cfg.Retention))
	if err != nil {
		return fmt.Errorf("prune: %w", err)
	}
	r.prunedAt = time.Now()
	r.pruned.Add(float64(n))
	if n > 0 {
		r.log.Info("pruned published events", "count", n, "up_to", upTo)
	}
	return nil
}

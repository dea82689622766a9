package analytics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
)

// Spike alerts: a SpikeWatcher looks for spikes in the last complete
// buckets every Interval and hands each spike it has not handed over before
// to a SpikeAlerter. The watcher only remembers, in memory, what it handed
// over while it runs; whether a spike was already told (by this process
// before a restart, or by another instance) is the alerter's to decide,
// which is why Alert reports whether it sent anything.

// NormalizeSpikeQuery validates q, its filters included (which
// DetectSpikes leaves to the store), and returns it with its defaults
// filled in (baseline, season, least count, threshold, zone), for callers
// that show the query they answered. Errors are *QueryError.
func NormalizeSpikeQuery(q SpikeQuery) (SpikeQuery, error) {
	p, err := planSpikes(q)
	if err != nil {
		return q, err
	}
	if _, err := PlanHotspots(HotspotQuery{Dimensions: []string{p.q.Dimension}, Bucket: p.q.Bucket, TZ: p.q.TZ,
		From: p.starts[0], To: p.end(), Filters: p.q.Filters, Limit: MaxHotspotLimit}); err != nil {
		return q, err
	}
	return p.q, nil
}

// SpikeKey identifies a spike across rounds, processes and restarts: the
// dimension, the value and the start of its bucket in UTC.
type SpikeKey struct {
	Dimension string
	Value     string
	Bucket    time.Time
}

// Key is the spike's SpikeKey.
func (s Spike) Key() SpikeKey {
	return SpikeKey{Dimension: s.Dimension, Value: s.Value, Bucket: s.Bucket.UTC()}
}

// SpikeAlerter tells people about a spike.
type SpikeAlerter interface {
	// Alert tells about s unless it was told before, by this process or
	// another one; sent reports whether this call told. An error means
	// nothing was told and the watcher offers the spike again next round.
	Alert(ctx context.Context, s Spike) (sent bool, err error)
}

// Spike watch defaults and limits.
const (
	DefaultSpikeWatchInterval = 15 * time.Minute
	DefaultSpikeWatchLookback = 2
	MaxSpikeWatchLookback     = 96 // buckets
)

// DefaultSpikeWatchDimensions are the dimensions watched by default.
func DefaultSpikeWatchDimensions() []string { return []string{"category", "product"} }

// SpikeWatchConfig configures a SpikeWatcher. Zero values take the
// defaults, except Interval: 0 turns the watcher off.
type SpikeWatchConfig struct {
	Dimensions []string      // dimensions to watch; default DefaultSpikeWatchDimensions
	Bucket     string        // hour or day; default hour
	TZ         string        // IANA zone of the buckets; default UTC
	Interval   time.Duration // time between rounds of Run; 0: Run returns at once
	Lookback   int           // recent complete buckets each round examines; default DefaultSpikeWatchLookback
	Now        func() time.Time
	Logger     *slog.Logger
}

// SpikeWatcher looks for spikes and alerts about each once.
type SpikeWatcher struct {
	h     Hotspotter
	alert SpikeAlerter
	cfg   SpikeWatchConfig
	plan  *spikePlan // bucket arithmetic in the configured zone
	log   *slog.Logger

	mu     sync.Mutex // one round at a time
	handed map[SpikeKey]bool
}

// NewSpikeWatcher returns a watcher of h that alerts through a. A bad
// configuration is a *QueryError naming the setting (dimensions, bucket,
// tz, interval, lookback).
func NewSpikeWatcher(h Hotspotter, a SpikeAlerter, cfg SpikeWatchConfig) (*SpikeWatcher, error) {
	if h == nil || a == nil {
		return nil, errors.New("spike watcher: nil store or alerter")
	}
	if len(cfg.Dimensions) == 0 {
		cfg.Dimensions = DefaultSpikeWatchDimensions()
	}
	if cfg.Bucket == "" {
		cfg.Bucket = BucketHour
	}
	if cfg.TZ == "" {
		cfg.TZ = "UTC"
	}
	if cfg.Lookback == 0 {
		cfg.Lookback = DefaultSpikeWatchLookback
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	for i, d := range cfg.Dimensions {
		col, ok := DimensionColumn(d)
		if !ok {
			return nil, hotspotErr("dimensions", "unknown dimension %q; allowed: %s", d, strings.Join(Dimensions(), ", "))
		}
		if slices.ContainsFunc(cfg.Dimensions[:i], func(e string) bool { c, _ := DimensionColumn(e); return c == col }) {
			return nil, hotspotErr("dimensions", "%q is listed twice (agent and assignee are one)", d)
		}
	}
	switch {
	case cfg.Interval < 0:
		return nil, hotspotErr("interval", "must not be negative, got %s", cfg.Interval)
	case cfg.Lookback < 1 || cfg.Lookback > MaxSpikeWatchLookback:
		return nil, hotspotErr("lookback", "must be between 1 and %d, got %d", MaxSpikeWatchLookback, cfg.Lookback)
	}
	// Planning one round checks bucket and zone as DetectSpikes will.
	now := cfg.Now()
	p, err := planSpikes(SpikeQuery{Dimension: cfg.Dimensions[0], Bucket: cfg.Bucket, TZ: cfg.TZ, From: now.Add(-time.Hour), To: now})
	if err != nil {
		return nil, err
	}
	return &SpikeWatcher{h: h, alert: a, cfg: cfg, plan: p, log: cfg.Logger, handed: map[SpikeKey]bool{}}, nil
}

// Window is the buckets a round at now examines: the Lookback complete
// buckets before the one holding now, as [from, to).
func (w *SpikeWatcher) Window(now time.Time) (from, to time.Time) {
	to = w.plan.floor(now)
	from = to
	for range w.cfg.Lookback {
		from = w.plan.prev(from)
	}
	return from, to
}

// SpikeRound is what one round did.
type SpikeRound struct {
	Found int // spikes in the window
	Sent  int // alerts this process sent
}

// Round looks for spikes of every dimension in the window of now and
// offers each spike not offered before to the alerter. A dimension whose
// detection fails, or a spike whose alert fails, does not stop the round;
// the errors are returned joined, and a failed alert is offered again on
// the next round.
func (w *SpikeWatcher) Round(ctx context.Context) (SpikeRound, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var res SpikeRound
	from, to := w.Window(w.cfg.Now())
	// What left the window cannot be found again: forget it.
	maps.DeleteFunc(w.handed, func(k SpikeKey, _ bool) bool { return k.Bucket.Before(from) })
	var errs []error
	for _, dim := range w.cfg.Dimensions {
		spikes, err := DetectSpikes(ctx, w.h, SpikeQuery{Dimension: dim, Bucket: w.cfg.Bucket, TZ: w.cfg.TZ, From: from, To: to})
		if err != nil {
			errs = append(errs, fmt.Errorf("spikes of %s: %w", dim, err))
			continue
		}
		for _, s := range spikes {
			res.Found++
			k := s.Key()
			if w.handed[k] {
				continue
			}
			sent, err := w.alert.Alert(ctx, s)
			if err != nil {
				errs = append(errs, fmt.Errorf("alert of %s=%s at %s: %w", s.Dimension, s.Value, s.Bucket.Format(time.RFC3339), err))
				continue
			}
			w.handed[k] = true
			if sent {
				res.Sent++
				w.log.Info("spike alert sent", "dimension", s.Dimension, "value", s.Value,
					"bucket", s.Bucket.Format(time.RFC3339), "count", s.Count, "baseline", s.Baseline, "z", s.Z)
			}
		}
	}
	return res, errors.Join(errs...)
}

// Run does a round at once and then every Interval until ctx ends; with
// Interval 0 it returns at once. Failed rounds are logged.
func (w *SpikeWatcher) Run(ctx context.Context) error {
	if w.cfg.Interval == 0 {
		return nil
	}
	t := time.NewTicker(w.cfg.Interval)
	defer t.Stop()
	for {
		if _, err := w.Round(ctx); err != nil && ctx.Err() == nil {
			w.log.Warn("spike watch round failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

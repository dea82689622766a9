package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/analytics/httpapi"
	"github.com/deskmine/deskmine/ticketcore/auth"
	"github.com/deskmine/deskmine/ticketcore/notify"
)

// Spike alerts join the analytics spike watcher (which sees only the
// analytics store) to the ticket core's notifier and users: the alerter
// claims each spike in the ticket store, so that of several instances and
// across restarts one tells it, then notifies managers and admins.

// spikeClaims is where spike alerts are claimed; the ticket store
// implements it.
type spikeClaims interface {
	ClaimSpikeAlert(ctx context.Context, dimension, value string, bucket time.Time, spike []byte, now time.Time) (bool, error)
	ReleaseSpikeAlert(ctx context.Context, dimension, value string, bucket time.Time) error
}

// spikeAlerter is the analytics.SpikeAlerter of the server.
type spikeAlerter struct {
	claims spikeClaims
	users  auth.Store
	n      *notify.Notifier
	bucket string // hour or day, for the title
	now    func() time.Time
}

var _ analytics.SpikeAlerter = (*spikeAlerter)(nil)

// Alert implements analytics.SpikeAlerter: it claims the spike and, when
// the claim is new, notifies every active manager and admin in-app and the
// webhook endpoints subscribed to spikes, with the spike as the payload's
// data. A failed notification gives the claim back, so that the next round
// tries again.
func (a *spikeAlerter) Alert(ctx context.Context, s analytics.Spike) (bool, error) {
	data, err := json.Marshal(httpapi.NewSpike(s))
	if err != nil {
		return false, fmt.Errorf("encode spike: %w", err)
	}
	k := s.Key()
	claimed, err := a.claims.ClaimSpikeAlert(ctx, k.Dimension, k.Value, k.Bucket, data, a.now())
	if err != nil || !claimed {
		return false, err
	}
	err = a.notify(ctx, s, data)
	if err == nil {
		return true, nil
	}
	// The claim must go even when the round's context is done.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sendTimeout)
	defer cancel()
	if rerr := a.claims.ReleaseSpikeAlert(rctx, k.Dimension, k.Value, k.Bucket); rerr != nil {
		return false, errors.Join(err, fmt.Errorf("the claim stays, the spike will not be told: %w", rerr))
	}
	return false, err
}

func (a *spikeAlerter) notify(ctx context.Context, s analytics.Spike, data []byte) error {
	all, err := a.users.Users(ctx)
	if err != nil {
		return fmt.Errorf("list users: %w", err)
	}
	var ids []int64
	for _, u := range all {
		if u.Active && (u.Role == auth.RoleManager || u.Role == auth.RoleAdmin) {
			ids = append(ids, u.ID)
		}
	}
	_, err = a.n.Notify(ctx, notify.Message{Kind: notify.KindSpike, At: s.Bucket, UserIDs: ids,
		Title: clip(spikeTitle(s, a.bucket), notify.MaxTitleLen), Body: clip(spikeBody(s), notify.MaxBodyLen), Data: data})
	return err
}

// spikeTitle is "Spike: category=vpn 86 tickets on 2026-03-04 14:00
// (usual 9)", the bucket in its own zone (named unless UTC).
func spikeTitle(s analytics.Spike, bucket string) string {
	layout := "2006-01-02 15:04"
	if bucket == analytics.BucketDay {
		layout = time.DateOnly
	}
	when := s.Bucket.Format(layout)
	if name, off := s.Bucket.Zone(); name != "UTC" || off != 0 {
		when += " " + name
	}
	usual := strconv.FormatFloat(s.Baseline, 'f', 0, 64)
	if s.Baseline != math.Trunc(s.Baseline) {
		usual = strconv.FormatFloat(s.Baseline, 'f', 1, 64)
	}
	return fmt.Sprintf("Spike: %s=%s %d tickets on %s (usual %s)", s.Dimension, s.Value, s.Count, when, usual)
}

// spikeBody lists the ranked findings, one a line.
func spikeBody(s analytics.Spike) string {
	if len(s.Explanation) == 0 {
		return "No value of another dimension stands out among its tickets."
	}
	lines := make([]string, len(s.Explanation))
	for i, f := range s.Explanation {
		lines[i] = fmt.Sprintf("%d. %s", i+1, f.Text)
	}
	return strings.Join(lines, "\n")
}

// spikeWatch is the running spike watcher of the server.
type spikeWatch struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// stop ends the watcher and waits for its round in hand; call it before
// the analytics store closes.
func (w *spikeWatch) stop() {
	w.cancel()
	w.wg.Wait()
}

// newSpikeWatcher builds the watcher the configuration describes over the
// analytics store an, alerting through the notifier.
func newSpikeWatcher(a *app, an analytics.Store, n *notify.Notifier, now func() time.Time) (*analytics.SpikeWatcher, error) {
	h, ok := an.(analytics.Hotspotter)
	if !ok {
		return nil, fmt.Errorf("analytics store %T does not answer hotspot queries", an)
	}
	c := a.cfg.Analytics.SpikeWatch
	alerter := &spikeAlerter{claims: a.store, users: a.auth.Store(), n: n, bucket: c.Bucket, now: now}
	w, err := analytics.NewSpikeWatcher(h, alerter, analytics.SpikeWatchConfig{Dimensions: slices.Clone(c.Dimensions),
		Bucket: c.Bucket, TZ: c.TZ, Interval: c.Interval, Lookback: c.Lookback, Now: now, Logger: a.log.With("loop", "spike watch")})
	if err != nil {
		var qe *analytics.QueryError
		if errors.As(err, &qe) {
			return nil, usagef("configuration: analytics.spike_watch.%s: %s", qe.Field, qe.Reason)
		}
		return nil, err
	}
	return w, nil
}

// startSpikeWatch runs the spike watcher in the background until ctx ends
// or stop is called; with analytics.spike_watch.interval 0 nothing runs.
func startSpikeWatch(ctx context.Context, a *app, an analytics.Store, n *notify.Notifier) (*spikeWatch, error) {
	ctx, cancel := context.WithCancel(ctx)
	sw := &spikeWatch{cancel: cancel}
	if a.cfg.Analytics.SpikeWatch.Interval == 0 {
		a.log.Info("spike alerts off")
		return sw, nil
	}
	w, err := newSpikeWatcher(a, an, n, time.Now)
	if err != nil {
		cancel()
		return nil, err
	}
	sw.wg.Add(1)
	go func() {
		defer sw.wg.Done()
		if err := w.Run(ctx); err != nil && ctx.Err() == nil {
			a.log.Error("spike watch stopped", "err", err)
		}
	}()
	c := a.cfg.Analytics.SpikeWatch
	a.log.Info("spike alerts on", "interval", c.Interval, "dimensions", strings.Join(c.Dimensions, ","), "bucket", c.Bucket, "tz", c.TZ)
	return sw, nil
}

package analytics

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

// claimAlerter is a SpikeAlerter over claims that outlive watchers, as the
// ticket store's spike_alerts table does: the first Alert of a key sends,
// any later one does not. fail makes the next Alert fail without claiming.
type claimAlerter struct {
	mu     sync.Mutex
	claims map[SpikeKey]bool
	calls  int
	sent   []Spike
	fail   error
}

func (a *claimAlerter) Alert(_ context.Context, s Spike) (bool, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls++
	if a.fail != nil {
		err := a.fail
		a.fail = nil
		return false, err
	}
	if a.claims[s.Key()] {
		return false, nil
	}
	a.claims[s.Key()] = true
	a.sent = append(a.sent, s)
	return true, nil
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// watcherAt returns a watcher of daily product spikes whose clock reads *now.
func watcherAt(t *testing.T, h Hotspotter, a SpikeAlerter, now *time.Time) *SpikeWatcher {
	t.Helper()
	w, err := NewSpikeWatcher(h, a, SpikeWatchConfig{Dimensions: []string{"product"}, Bucket: BucketDay,
		Interval: time.Hour, Now: func() time.Time { return *now }, Logger: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func round(t *testing.T, w *SpikeWatcher) SpikeRound {
	t.Helper()
	res, err := w.Round(context.Background())
	if err != nil {
		t.Fatalf("round: %v", err)
	}
	return res
}

func TestSpikeWatcherAlertsOnce(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	tickets := plant(r, spikeHistory(r), 45, 40, map[string]string{"product": "X", "category": "vpn"})
	tickets = plant(r, tickets, 50, 40, map[string]string{"product": "A", "category": "refund"})
	h := &fakeHotspotter{tickets: tickets}
	a := &claimAlerter{claims: map[SpikeKey]bool{}}
	day := func(d int) time.Time { return spikeStart.AddDate(0, 0, d) }
	now := day(46).Add(time.Hour)
	w := watcherAt(t, h, a, &now)

	// Day 45 is complete: its spike is sent, with its cause.
	if res := round(t, w); res.Found != 1 || res.Sent != 1 || a.calls != 1 {
		t.Fatalf("first round %+v, %d calls; want the day 45 spike sent", res, a.calls)
	}
	if s := a.sent[0]; s.Value != "X" || !s.Bucket.Equal(day(45)) || s.Explanation[0].Value != "vpn" {
		t.Fatalf("sent %+v", s)
	}
	// Later rounds while day 45 is in the window: found, not offered again.
	for _, at := range []time.Time{now.Add(15 * time.Minute), day(47).Add(time.Minute)} {
		now = at
		if res := round(t, w); res.Found != 1 || res.Sent != 0 || a.calls != 1 {
			t.Fatalf("round at %v: %+v, %d calls; want the spike found, not offered", at, res, a.calls)
		}
	}
	// A restart forgets what was handed over; the persisted claims keep
	// the alert from going out twice.
	w = watcherAt(t, h, a, &now)
	if res := round(t, w); res.Found != 1 || res.Sent != 0 || a.calls != 2 || len(a.sent) != 1 {
		t.Fatalf("after a restart: %+v, %d calls, %d sent; want offered once, not sent", res, a.calls, len(a.sent))
	}
	// Out of the window, then a new spike: sent once.
	now = day(49).Add(time.Hour)
	if res := round(t, w); res.Found != 0 || res.Sent != 0 {
		t.Fatalf("quiet days: %+v", res)
	}
	now = day(51).Add(time.Hour)
	if res := round(t, w); res.Found != 1 || res.Sent != 1 || len(a.sent) != 2 || a.sent[1].Value != "A" {
		t.Fatalf("day 50: %+v, sent %+v", res, a.sent)
	}
	if len(w.handed) != 1 {
		t.Errorf("the watcher remembers %d spikes; the ones out of the window must be forgotten", len(w.handed))
	}
}

func TestSpikeWatcherRetriesFailedAlert(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	h := &fakeHotspotter{tickets: plant(r, spikeHistory(r), 45, 40, map[string]string{"product": "X", "category": "vpn"})}
	a := &claimAlerter{claims: map[SpikeKey]bool{}, fail: errors.New("database is down")}
	now := spikeStart.AddDate(0, 0, 46).Add(time.Hour)
	w := watcherAt(t, h, a, &now)
	res, err := w.Round(context.Background())
	if err == nil || res.Sent != 0 || len(a.sent) != 0 {
		t.Fatalf("failed alert: %+v, %v", res, err)
	}
	if res := round(t, w); res.Sent != 1 || len(a.sent) != 1 {
		t.Fatalf("retry: %+v; want the spike sent", res)
	}
}

// failingHotspotter fails the counts of one dimension (the unfiltered
// queries; explanations filter on the spike's value).
type failingHotspotter struct {
	*fakeHotspotter
	dim string
}

func (f failingHotspotter) Hotspots(ctx context.Context, q HotspotQuery) ([]HotspotRow, error) {
	if q.Dimensions[0] == f.dim && len(q.Filters) == 0 {
		return nil, errors.New("store unavailable")
	}
	return f.fakeHotspotter.Hotspots(ctx, q)
}

func TestSpikeWatcherGoesOnAfterAFailedDimension(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	h := failingHotspotter{&fakeHotspotter{tickets: plant(r, spikeHistory(r), 45, 40, map[string]string{"product": "X", "category": "vpn"})}, "channel"}
	a := &claimAlerter{claims: map[SpikeKey]bool{}}
	now := spikeStart.AddDate(0, 0, 46).Add(time.Hour)
	w, err := NewSpikeWatcher(h, a, SpikeWatchConfig{Dimensions: []string{"channel", "product"}, Bucket: BucketDay,
		Now: func() time.Time { return now }, Logger: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	res, err := w.Round(context.Background())
	if err == nil || res.Sent != 1 {
		t.Fatalf("round %+v, %v; want product's spike sent and channel's error returned", res, err)
	}
}

func TestSpikeWatcherWindow(t *testing.T) {
	kolkata, _ := time.LoadLocation("Asia/Kolkata")
	berlin, _ := time.LoadLocation("Europe/Berlin")
	for _, c := range []struct {
		bucket, tz string
		lookback   int
		now        time.Time
		from, to   time.Time
	}{
		{BucketHour, "Asia/Kolkata", 2, time.Date(2026, 3, 4, 10, 47, 0, 0, kolkata),
			time.Date(2026, 3, 4, 8, 0, 0, 0, kolkata), time.Date(2026, 3, 4, 10, 0, 0, 0, kolkata)},
		{BucketHour, "UTC", 1, time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC),
			time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC), time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)},
		// The day of the change to summer time has 23 hours.
		{BucketDay, "Europe/Berlin", 2, time.Date(2026, 3, 30, 0, 30, 0, 0, berlin),
			time.Date(2026, 3, 28, 0, 0, 0, 0, berlin), time.Date(2026, 3, 30, 0, 0, 0, 0, berlin)},
	} {
		now := c.now
		w, err := NewSpikeWatcher(&fakeHotspotter{}, &claimAlerter{}, SpikeWatchConfig{Bucket: c.bucket, TZ: c.tz,
			Lookback: c.lookback, Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		if from, to := w.Window(c.now); !from.Equal(c.from) || !to.Equal(c.to) {
			t.Errorf("%s in %s at %v: window [%v, %v), want [%v, %v)", c.bucket, c.tz, c.now, from, to, c.from, c.to)
		}
	}
}

func TestSpikeWatcherConfig(t *testing.T) {
	w, err := NewSpikeWatcher(&fakeHotspotter{}, &claimAlerter{}, SpikeWatchConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if c := w.cfg; len(c.Dimensions) != 2 || c.Dimensions[0] != "category" || c.Dimensions[1] != "product" ||
		c.Bucket != BucketHour || c.TZ != "UTC" || c.Lookback != DefaultSpikeWatchLookback || c.Interval != 0 {
		t.Errorf("defaults: %+v", c)
	}
	for _, c := range []struct {
		cfg   SpikeWatchConfig
		field string
	}{
		{SpikeWatchConfig{Dimensions: []string{"colour"}}, "dimensions"},
		{SpikeWatchConfig{Dimensions: []string{"team", "team"}}, "dimensions"},
		{SpikeWatchConfig{Dimensions: []string{"agent", "team", "assignee"}}, "dimensions"},
		{SpikeWatchConfig{Bucket: BucketWeek}, "bucket"},
		{SpikeWatchConfig{TZ: "Mars/Olympus"}, "tz"},
		{SpikeWatchConfig{Interval: -time.Minute}, "interval"},
		{SpikeWatchConfig{Lookback: -1}, "lookback"},
		{SpikeWatchConfig{Lookback: MaxSpikeWatchLookback + 1}, "lookback"},
	} {
		_, err := NewSpikeWatcher(&fakeHotspotter{}, &claimAlerter{}, c.cfg)
		var qe *QueryError
		if !errors.As(err, &qe) || qe.Field != c.field {
			t.Errorf("%+v: error %v, want one on %s", c.cfg, err, c.field)
		}
	}
	if _, err := NewSpikeWatcher(nil, &claimAlerter{}, SpikeWatchConfig{}); err == nil {
		t.Error("a watcher without a store was made")
	}
}

// countingHotspotter counts queries and answers none.
type countingHotspotter struct {
	fakeHotspotter
	mu sync.Mutex
	n  int
}

func (c *countingHotspotter) Hotspots(ctx context.Context, q HotspotQuery) ([]HotspotRow, error) {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return c.fakeHotspotter.Hotspots(ctx, q)
}

func (c *countingHotspotter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

func TestSpikeWatcherRun(t *testing.T) {
	h := &countingHotspotter{}
	off, err := NewSpikeWatcher(h, &claimAlerter{}, SpikeWatchConfig{Logger: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	if err := off.Run(context.Background()); err != nil || h.count() != 0 {
		t.Fatalf("interval 0: Run = %v after %d queries; want it off", err, h.count())
	}
	w, err := NewSpikeWatcher(h, &claimAlerter{}, SpikeWatchConfig{Dimensions: []string{"team"}, Interval: 5 * time.Millisecond, Logger: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for h.count() < 3 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop when its context ended")
	}
	if h.count() < 3 {
		t.Fatalf("%d rounds in 10 s at a 5 ms interval", h.count())
	}
}

func TestNormalizeSpikeQuery(t *testing.T) {
	q, err := NormalizeSpikeQuery(SpikeQuery{Dimension: "team", Bucket: BucketHour, From: spikeStart, To: spikeStart.AddDate(0, 0, 1),
		Filters: map[string][]string{"region": {"eu"}}})
	if err != nil {
		t.Fatal(err)
	}
	if q.Baseline != 168 || q.Season != 24 || q.MinCount != DefaultSpikeMinCount || q.Threshold != DefaultSpikeThreshold || q.TZ != "UTC" {
		t.Errorf("defaults: %+v", q)
	}
	for field, bad := range map[string]SpikeQuery{
		"filters":   {Dimension: "team", Bucket: BucketDay, From: spikeStart, To: spikeStart.AddDate(0, 0, 1), Filters: map[string][]string{"colour": {"red"}}},
		"dimension": {Dimension: "colour", Bucket: BucketDay, From: spikeStart, To: spikeStart.AddDate(0, 0, 1)},
	} {
		_, err := NormalizeSpikeQuery(bad)
		var qe *QueryError
		if !errors.As(err, &qe) || qe.Field != field {
			t.Errorf("%s: error %v", field, err)
		}
	}
}

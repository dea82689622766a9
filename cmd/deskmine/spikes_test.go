package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/analytics/httpapi"
	"github.com/deskmine/deskmine/cmd/deskmine/pipeline"
	"github.com/deskmine/deskmine/internal/config"
	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/auth"
	"github.com/deskmine/deskmine/ticketcore/notify"
	"github.com/deskmine/deskmine/ticketcore/store"
	tcstoretest "github.com/deskmine/deskmine/ticketcore/storetest"
)

// spikeDay0 is the first day of the imported history, a Monday; the
// planted spike is on day spikeDay of it.
var spikeDay0 = time.Date(2026, 2, 2, 0, 0, 0, 0, time.UTC)

const (
	spikeHistoryDays = 35
	spikeDay         = 33
	spikePlanted     = 40
)

// importSpikeHistory imports, through the ticket core, spikeHistoryDays of
// tickets with steady counts per category (payment 10, login 8, vpn 6 a
// day, ±2) and random products, plus spikePlanted more tickets of category
// vpn, all of product router, on day spikeDay.
func importSpikeHistory(t *testing.T, svc *ticketcore.Service) {
	t.Helper()
	ctx := context.Background()
	r := rand.New(rand.NewPCG(3, 5))
	n := 0
	add := func(day int, category, product string) {
		n++
		at := spikeDay0.AddDate(0, 0, day).Add(time.Duration(r.IntN(86400)) * time.Second)
		_, err := svc.ImportTicket(ctx, fmt.Sprintf("SPIKE-%d", n), []ticketcore.ImportedChange{{Line: n, At: at, Actor: "shop-bot",
			Type: "created", Fields: map[string]any{"subject": fmt.Sprintf("%s trouble %d", category, n), "category": category,
				"product": product, "channel": ticketcore.Channels[r.IntN(len(ticketcore.Channels))]}}})
		if err != nil {
			t.Fatalf("import ticket %d: %v", n, err)
		}
	}
	products := []string{"router", "switch", "laptop", "phone"}
	for day := range spikeHistoryDays {
		for _, c := range []struct {
			category string
			base     int
		}{{"payment", 10}, {"login", 8}, {"vpn", 6}} {
			for range c.base - 2 + r.IntN(5) {
				add(day, c.category, products[r.IntN(len(products))])
			}
		}
	}
	for range spikePlanted {
		add(spikeDay, "vpn", "router")
	}
}

type spikeEnv struct {
	a       *app
	st      *store.Store
	an      analytics.Store
	n       *notify.Notifier
	users   map[string]*auth.User
	spikeEP notify.Endpoint
	now     time.Time
}

// newSpikeEnv is a ticket store of backend b with users of every kind, two
// webhook endpoints (one subscribed to spikes) and the spike history, and
// a DuckDB analytics store the loader filled from the store's event log.
func newSpikeEnv(t *testing.T, b testdb.Backend) *spikeEnv {
	t.Helper()
	ctx := context.Background()
	svc, st := tcstoretest.NewService(t, b, nil)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := config.Default()
	cfg.Analytics.SpikeWatch = config.SpikeWatchConfig{Interval: 15 * time.Minute, Dimensions: []string{"category"},
		Bucket: "day", TZ: "UTC", Lookback: 2}
	e := &spikeEnv{a: &app{cfg: cfg, log: log, store: st, svc: svc, auth: auth.NewService(st, time.Hour)},
		st: st, users: map[string]*auth.User{}}
	for _, u := range []struct{ login, role string }{{"mia", "manager"}, {"ada", "admin"}, {"al", "agent"}, {"old", "manager"}, {"bot", "client"}} {
		created, err := e.a.auth.CreateUser(ctx, auth.NewUser{Login: u.login, Name: u.login, Role: u.role})
		if err != nil {
			t.Fatal(err)
		}
		e.users[u.login] = created
	}
	e.users["old"].Active = false
	if err := st.UpdateUser(ctx, e.users["old"]); err != nil {
		t.Fatal(err)
	}
	e.spikeEP = notify.Endpoint{URL: "https://hooks.example.com/spikes", Secret: notify.NewSecret(), Kinds: []notify.Kind{notify.KindSpike}, Active: true}
	other := notify.Endpoint{URL: "https://hooks.example.com/assignments", Secret: notify.NewSecret(), Kinds: []notify.Kind{notify.KindAssignment}, Active: true}
	for _, ep := range []*notify.Endpoint{&e.spikeEP, &other} {
		if err := st.SaveEndpoint(ctx, ep, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	var err error
	if e.n, err = notify.NewNotifier(st, st, st, notify.NotifierOptions{}); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	importSpikeHistory(t, svc)
	imported := time.Since(start)
	if e.an, err = pipeline.OpenAnalytics(ctx, filepath.Join(t.TempDir(), "analytics.duckdb")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.an.Close() })
	d := pipeline.Deps{Store: st, Logger: log}
	src, err := pipeline.NewSource(cfg, d, pipeline.LoaderName)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if err := pipeline.RunUntilCaughtUp(ctx, cfg, d, src, e.an); err != nil {
		t.Fatalf("load: %v", err)
	}
	t.Logf("imported in %s, loaded in %s", imported.Round(time.Millisecond), (time.Since(start) - imported).Round(time.Millisecond))
	// An hour into the day after the spike: its day is the latest complete one.
	e.now = spikeDay0.AddDate(0, 0, spikeDay+1).Add(time.Hour)
	return e
}

func (e *spikeEnv) watcher(t *testing.T) *analytics.SpikeWatcher {
	t.Helper()
	w, err := newSpikeWatcher(e.a, e.an, e.n, func() time.Time { return e.now })
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func (e *spikeEnv) notes(t *testing.T, login string) []notify.Notification {
	t.Helper()
	ns, err := e.st.ListNotifications(context.Background(), e.users[login].ID, notify.ListQuery{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

func (e *spikeEnv) deliveries(t *testing.T) int {
	t.Helper()
	var n int
	if err := e.st.DB().QueryRow("SELECT COUNT(*) FROM webhook_deliveries").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestSpikeAlertEndToEnd: a spike planted through the ticket core reaches
// the analytics store through the loader; one watcher round tells every
// active manager and admin in-app and enqueues a webhook delivery of kind
// spike, carrying the spike, for the endpoint subscribed to spikes; the
// next round, and a restarted watcher, tell nobody again.
func TestSpikeAlertEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: imports about 900 tickets per backend")
	}
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			e := newSpikeEnv(t, b)
			w := e.watcher(t)
			res, err := w.Round(ctx)
			if err != nil || res.Found != 1 || res.Sent != 1 {
				t.Fatalf("round: %+v, %v; want the planted spike sent", res, err)
			}

			title := regexp.MustCompile(`^Spike: category=vpn (\d+) tickets on ` + spikeDay0.AddDate(0, 0, spikeDay).Format(time.DateOnly) + ` \(usual \d+(\.5)?\)$`)
			for _, login := range []string{"mia", "ada"} {
				ns := e.notes(t, login)
				if len(ns) != 1 {
					t.Fatalf("%s has %d notifications, want the spike", login, len(ns))
				}
				n := ns[0]
				if n.Kind != notify.KindSpike || n.TicketID != 0 || !title.MatchString(n.Title) ||
					!strings.HasPrefix(n.Body, `1. product "router" is `) {
					t.Errorf("%s's notification: %+v", login, n)
				}
			}
			for _, login := range []string{"al", "old", "bot"} {
				if ns := e.notes(t, login); len(ns) != 0 {
					t.Errorf("%s was told: %+v", login, ns)
				}
			}

			ds, err := e.st.ClaimDeliveries(ctx, time.Now().Add(time.Minute), time.Minute, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(ds) != 1 || ds[0].EndpointID != e.spikeEP.ID || ds[0].Kind != notify.KindSpike {
				t.Fatalf("deliveries %+v; want one of kind spike to endpoint %d", ds, e.spikeEP.ID)
			}
			var m notify.Message
			if err := json.Unmarshal(ds[0].Payload, &m); err != nil {
				t.Fatal(err)
			}
			var sp httpapi.Spike
			if err := json.Unmarshal(m.Data, &sp); err != nil {
				t.Fatalf("payload data %s: %v", m.Data, err)
			}
			if m.Kind != notify.KindSpike || m.TicketID != 0 || !title.MatchString(m.Title) || sp.Dimension != "category" ||
				sp.Value != "vpn" || !sp.Bucket.Equal(spikeDay0.AddDate(0, 0, spikeDay)) || sp.Count < spikePlanted ||
				len(sp.Explanation) == 0 || sp.Explanation[0].Dimension != "product" || sp.Explanation[0].Value != "router" {
				t.Errorf("payload %s", ds[0].Payload)
			}
			if !slices.Equal(m.UserIDs, []int64{e.users["mia"].ID, e.users["ada"].ID}) && !slices.Equal(m.UserIDs, []int64{e.users["ada"].ID, e.users["mia"].ID}) {
				t.Errorf("told users %v", m.UserIDs)
			}
			if claim, _, err := e.st.SpikeAlert(ctx, "category", "vpn", sp.Bucket); err != nil || !json.Valid(claim) {
				t.Errorf("claim: %s, %v", claim, err)
			}

			// The next round, and a round of a restarted watcher (which
			// remembers nothing but finds the claim): found, told nobody.
			for i, w := range []*analytics.SpikeWatcher{w, e.watcher(t)} {
				e.now = e.now.Add(15 * time.Minute)
				if res, err := w.Round(ctx); err != nil || res.Found != 1 || res.Sent != 0 {
					t.Fatalf("round %d after: %+v, %v; want the spike found, not sent", i+1, res, err)
				}
				if n := len(e.notes(t, "mia")); n != 1 {
					t.Errorf("round %d after: mia has %d notifications", i+1, n)
				}
				if n := e.deliveries(t); n != 1 {
					t.Errorf("round %d after: %d deliveries, want 1", i+1, n)
				}
			}
		})
	}
}

func TestSpikeTitleAndBody(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	f := func(text string) analytics.Finding { return analytics.Finding{Text: text} }
	for _, c := range []struct {
		s      analytics.Spike
		bucket string
		title  string
		body   string
	}{
		{analytics.Spike{Dimension: "category", Value: "vpn", Bucket: time.Date(2026, 3, 4, 14, 0, 0, 0, time.UTC), Count: 86, Baseline: 9,
			Explanation: []analytics.Finding{f(`product "router" is 90% of the spike vs 25% usually (lift 3.5)`), f(`region "eu" is 60% ...`)}},
			"hour", "Spike: category=vpn 86 tickets on 2026-03-04 14:00 (usual 9)",
			"1. product \"router\" is 90% of the spike vs 25% usually (lift 3.5)\n2. region \"eu\" is 60% ..."},
		{analytics.Spike{Dimension: "product", Value: "X", Bucket: time.Date(2026, 3, 4, 14, 0, 0, 0, berlin), Count: 31, Baseline: 8.5},
			"hour", "Spike: product=X 31 tickets on 2026-03-04 14:00 CET (usual 8.5)", "No value of another dimension stands out among its tickets."},
		{analytics.Spike{Dimension: "team", Value: "network", Bucket: time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC), Count: 120, Baseline: 40},
			"day", "Spike: team=network 120 tickets on 2026-03-04 (usual 40)", "No value of another dimension stands out among its tickets."},
	} {
		if got := spikeTitle(c.s, c.bucket); got != c.title {
			t.Errorf("title %q, want %q", got, c.title)
		}
		if got := spikeBody(c.s); got != c.body {
			t.Errorf("body %q, want %q", got, c.body)
		}
	}
}

// memClaims is a spikeClaims in memory.
type memClaims struct {
	claimed  map[analytics.SpikeKey]bool
	released int
}

func (m *memClaims) ClaimSpikeAlert(_ context.Context, dimension, value string, bucket time.Time, _ []byte, _ time.Time) (bool, error) {
	k := analytics.SpikeKey{Dimension: dimension, Value: value, Bucket: bucket}
	if m.claimed[k] {
		return false, nil
	}
	m.claimed[k] = true
	return true, nil
}

func (m *memClaims) ReleaseSpikeAlert(_ context.Context, dimension, value string, bucket time.Time) error {
	delete(m.claimed, analytics.SpikeKey{Dimension: dimension, Value: value, Bucket: bucket})
	m.released++
	return nil
}

// brokenNotes is a notification store that cannot write.
type brokenNotes struct{ notify.NotificationStore }

func (brokenNotes) InsertNotification(context.Context, notify.Notification) (int64, error) {
	return 0, errors.New("disk full")
}

// TestSpikeAlerterGivesTheClaimBack: when the notification cannot be
// stored, the claim is released so that the next round tries again.
func TestSpikeAlerterGivesTheClaimBack(t *testing.T) {
	ctx := context.Background()
	_, st := tcstoretest.NewService(t, testdb.Backends()[0], nil)
	if _, err := auth.NewService(st, time.Hour).CreateUser(ctx, auth.NewUser{Login: "mia", Name: "Mia", Role: "manager"}); err != nil {
		t.Fatal(err)
	}
	n, err := notify.NewNotifier(brokenNotes{}, nil, nil, notify.NotifierOptions{})
	if err != nil {
		t.Fatal(err)
	}
	claims := &memClaims{claimed: map[analytics.SpikeKey]bool{}}
	a := &spikeAlerter{claims: claims, users: st, n: n, bucket: "hour", now: time.Now}
	s := analytics.Spike{Dimension: "category", Value: "vpn", Bucket: time.Date(2026, 3, 4, 14, 0, 0, 0, time.UTC), Count: 86, Baseline: 9}
	if sent, err := a.Alert(ctx, s); err == nil || sent || claims.released != 1 || len(claims.claimed) != 0 {
		t.Fatalf("failed notification: sent %v, %v; released %d, claims %v", sent, err, claims.released, claims.claimed)
	}
	// Claimed by someone else: not sent, no error, nothing released.
	claims.claimed[s.Key()] = true
	if sent, err := a.Alert(ctx, s); err != nil || sent || claims.released != 1 {
		t.Fatalf("claimed before: sent %v, %v", sent, err)
	}
}

// TestSpikeWatchSettings: the configuration accepts exactly the analytics
// dimensions and lookbacks, its defaults are the watcher's, and a bad
// setting stops any command with exit code 2.
func TestSpikeWatchSettings(t *testing.T) {
	if !slices.Equal(config.SpikeDimensions(), analytics.Dimensions()) {
		t.Errorf("config.SpikeDimensions() %v, analytics.Dimensions() %v", config.SpikeDimensions(), analytics.Dimensions())
	}
	if config.MaxSpikeLookback != analytics.MaxSpikeWatchLookback {
		t.Errorf("config.MaxSpikeLookback %d, analytics.MaxSpikeWatchLookback %d", config.MaxSpikeLookback, analytics.MaxSpikeWatchLookback)
	}
	d := config.Default().Analytics.SpikeWatch
	if d.Interval != analytics.DefaultSpikeWatchInterval || d.Lookback != analytics.DefaultSpikeWatchLookback ||
		!slices.Equal(d.Dimensions, analytics.DefaultSpikeWatchDimensions()) || d.Bucket != analytics.BucketHour || d.TZ != "UTC" {
		t.Errorf("config defaults %+v differ from the watcher's", d)
	}
	data := t.TempDir()
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--spike-watch-bucket", "week"}, "analytics.spike_watch.bucket"},
		{[]string{"--spike-watch-dimensions", "category,colour"}, "analytics.spike_watch.dimensions[1]"},
		{[]string{"--spike-watch-interval", "10s"}, "analytics.spike_watch.interval"},
		{[]string{"--spike-watch-lookback", "0"}, "analytics.spike_watch.lookback"},
		{[]string{"--spike-watch-tz", "Mars/Olympus"}, "analytics.spike_watch.tz"},
		// Caught by the watcher itself, as serve starts it.
		{[]string{"--spike-watch-dimensions", "agent,assignee"}, "analytics.spike_watch.dimensions: \"assignee\" is listed twice"},
	} {
		code, _, stderr := runCmd(t, append([]string{"serve", "--data", data, "--addr", "127.0.0.1:0"}, c.args...)...)
		if code != 2 || !strings.Contains(stderr, c.msg) {
			t.Errorf("%v: exit %d, stderr %q; want 2 naming %s", c.args, code, stderr, c.msg)
		}
	}
	t.Setenv("DESKMINE_ANALYTICS__SPIKE_WATCH__INTERVAL", "15")
	if code, _, stderr := runCmd(t, "serve", "--data", data, "--addr", "127.0.0.1:0"); code != 2 || !strings.Contains(stderr, "DESKMINE_ANALYTICS__SPIKE_WATCH__INTERVAL") {
		t.Errorf("bad environment value: exit %d, stderr %q", code, stderr)
	}
}

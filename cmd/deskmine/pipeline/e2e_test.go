package pipeline_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/deskmine/deskmine/internal/testdata"
	"log/slog"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/analytics/storetest"
	"github.com/deskmine/deskmine/cmd/deskmine/pipeline"
	"github.com/deskmine/deskmine/ingest"
	"github.com/deskmine/deskmine/internal/config"
	"github.com/deskmine/deskmine/internal/testch"
	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/internal/testkafka"
	"github.com/deskmine/deskmine/internal/testleak"
	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/events"
	"github.com/deskmine/deskmine/ticketcore/store"
	tcstoretest "github.com/deskmine/deskmine/ticketcore/storetest"
)

// The end-to-end tests run what the binary runs (the pipeline package's
// wiring) on real components: SQLite or PostgreSQL ticket stores written
// through the ticket core, franz-go's kfake broker over TCP, DuckDB files and
// ClickHouse databases. Every test ends with exact answers: the analytics
// store's Check equals storetest.Expect over the events the log holds.

func TestMain(m *testing.M) {
	code := m.Run()
	closeBPI()
	if code == 0 {
		// Relays, runners and sources must all have stopped.
		if leaked := testleak.Leaked("deskmine/deskmine/ingest.", 3*time.Second); leaked != "" {
			fmt.Fprintf(os.Stderr, "goroutines leaked:\n%s\n", leaked)
			code = 1
		}
	}
	os.Exit(code)
}

// The BPI Challenge 2013 incident log, imported once per test binary.
const (
	bpiEvents  = 65533
	bpiTickets = 7554
)

type corpus struct {
	st   *store.Store
	recs []events.Record
	evs  []events.Event
	want *analytics.CheckResult
}

var bpi struct {
	once sync.Once
	dir  string
	c    *corpus
	err  error
}

// bpiCorpus imports ../shared/data/bpi2013/incidents.csv (beside the
// repository) with the shipped mapping into a SQLite store, once per test
// binary. It skips without the data, except under CI.
func bpiCorpus(t *testing.T) *corpus {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: skips the BPI 2013 import (about 10 s)")
	}
	root := testdata.RepoRoot(t)
	csv := filepath.Join(root, "..", "shared", "data", "bpi2013", "incidents.csv")
	mapping := filepath.Join(root, "docs", "import", "bpi2013-mapping.json")
	if _, err := os.Stat(csv); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("BPI 2013 corpus missing under CI: %v", err)
		}
		t.Skipf("BPI 2013 corpus not found: %v", err)
	}
	bpi.once.Do(func() {
		bpi.dir, bpi.err = os.MkdirTemp("", "deskmine-pipeline-bpi-")
		if bpi.err != nil {
			return
		}
		ctx := context.Background()
		start := time.Now()
		st, err := pipeline.ImportBPI2013(ctx, bpi.dir, csv, mapping, nil)
		if err != nil {
			bpi.err = err
			return
		}
		c := &corpus{st: st}
		bpi.c = c
		if c.recs, err = pipeline.ReadAll(ctx, st); err != nil {
			bpi.err = err
			return
		}
		if c.evs, err = decodeAll(c.recs, nil); err != nil {
			bpi.err = err
			return
		}
		c.want = storetest.Expect(c.evs)
		fmt.Fprintf(os.Stderr, "bpi2013: %d events of %d tickets imported in %.1fs\n", len(c.recs), c.want.Tickets, time.Since(start).Seconds())
	})
	if bpi.err != nil {
		t.Fatalf("import BPI 2013: %v", bpi.err)
	}
	return bpi.c
}

func closeBPI() {
	if bpi.c != nil && bpi.c.st != nil {
		bpi.c.st.Close()
	}
	if bpi.dir != "" {
		os.RemoveAll(bpi.dir)
	}
}

// decodeAll decodes log records, leaving out those whose event id is in skip.
func decodeAll(recs []events.Record, skip map[string]bool) ([]events.Event, error) {
	out := make([]events.Event, 0, len(recs))
	for _, r := range recs {
		e, err := events.Unmarshal(r.Payload)
		if err != nil {
			if skip[string(r.Payload)] {
				continue
			}
			return nil, fmt.Errorf("record %d: %w", r.Seq, err)
		}
		if skip[e.ID] {
			continue
		}
		out = append(out, *e)
	}
	return out, nil
}

// TestConformanceBPI2013 is Step 3's acceptance: the same history (the BPI
// 2013 import) loaded through each transport (the event log; Kafka through
// the relay) into each store (DuckDB, ClickHouse) gives identical answers to
// the shared checking queries, and those answers are the ones computed
// independently from the log.
func TestConformanceBPI2013(t *testing.T) {
	c := bpiCorpus(t)
	ctx := context.Background()
	want := c.want

	// The history itself, independently of the analytics code: exact
	// counts, events per type from the log's type column, tickets per
	// status from the ticket core's own tickets table.
	if len(c.recs) != bpiEvents || want.Events != bpiEvents || want.Tickets != bpiTickets || want.EventTickets != bpiTickets {
		t.Fatalf("corpus: %d records, %d events of %d tickets (%d with events); want %d events of %d tickets",
			len(c.recs), want.Events, want.Tickets, want.EventTickets, bpiEvents, bpiTickets)
	}
	if got := countBy(t, c.st, "SELECT type, COUNT(*) FROM events GROUP BY type"); !reflect.DeepEqual(got, want.EventsByType) {
		t.Fatalf("events per type: log %v, expected %v", got, want.EventsByType)
	}
	if got := countBy(t, c.st, "SELECT status, COUNT(*) FROM tickets GROUP BY status"); !reflect.DeepEqual(got, want.TicketsByStatus) {
		t.Fatalf("tickets per status: ticket core %v, expected %v", got, want.TicketsByStatus)
	}

	// Kafka: the relay publishes the whole log to a fresh broker first.
	brokers, _ := testkafka.Start(t)
	kcfg := kafkaConfig(brokers, "bpi2013")
	log := testLogger(t)
	d := pipeline.Deps{Store: c.st, Logger: log}
	if err := c.st.SaveCursor(ctx, "relay", 0); err != nil { // a second -count run starts over
		t.Fatal(err)
	}
	start := time.Now()
	relay := startRelay(t, kcfg, d)
	waitRelayCaughtUp(t, c.st, 60*time.Second)
	relay.stop(t)
	t.Logf("relay: %d events published in %.1fs", len(c.recs), time.Since(start).Seconds())
	if n := topicMessages(t, brokers, kcfg.Stream.Topic); n < bpiEvents {
		t.Fatalf("topic holds %d messages after the relay caught up; want at least %d", n, bpiEvents)
	}

	transports := []struct {
		name string
		cfg  config.Config
	}{{"log", logConfig()}, {"kafka", kcfg}}
	stores := []struct {
		name string
		open func(t *testing.T) analytics.Store
	}{{"duckdb", openDuckDB}, {"clickhouse", openClickHouse}}

	var mu sync.Mutex
	results := map[string]*analytics.CheckResult{}
	t.Run("load", func(t *testing.T) {
		for _, tr := range transports {
			for _, s := range stores {
				name := tr.name + "-" + s.name
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					an := s.open(t)
					consumer := "conformance-" + name
					if !tr.cfg.UsesKafka() {
						if err := c.st.SaveCursor(ctx, consumer, 0); err != nil {
							t.Fatal(err)
						}
					}
					src, err := pipeline.NewSource(tr.cfg, d, consumer)
					if err != nil {
						t.Fatal(err)
					}
					defer src.Close()
					lctx, cancel := context.WithTimeout(ctx, 90*time.Second)
					defer cancel()
					start := time.Now()
					if err := pipeline.RunUntilCaughtUp(lctx, tr.cfg, d, src, an); err != nil {
						t.Fatalf("load %s: %v", name, err)
					}
					t.Logf("%s: %d events loaded in %.1fs", name, len(c.recs), time.Since(start).Seconds())
					got := mustCheck(t, an)
					mustEqualResult(t, name, got, want)
					if lag := mustLag(t, src); lag != 0 {
						t.Errorf("%s: lag %d after catching up; want 0", name, lag)
					}
					if dl := deadLetters(t, c.st, consumer); len(dl) != 0 {
						t.Errorf("%s: %d dead letters; want none: %+v", name, len(dl), dl[0])
					}
					seenAll(t, an, c.evs)
					mu.Lock()
					results[name] = got
					mu.Unlock()
				})
			}
		}
	})
	if t.Failed() {
		return
	}
	// Identical answers across all four combinations.
	var first string
	for _, tr := range transports {
		for _, s := range stores {
			name := tr.name + "-" + s.name
			r, ok := results[name]
			if !ok {
				t.Fatalf("%s gave no result", name)
			}
			if first == "" {
				first = name
				continue
			}
			if !reflect.DeepEqual(r, results[first]) {
				t.Errorf("%s and %s answer differently:\n%s", name, first, diffResults(r, results[first]))
			}
		}
	}
}

// ---- helpers shared by the tests of this package ----

// logConfig is the embedded default: consumers read the event log.
func logConfig() config.Config {
	return config.Default()
}

var topicSeq atomic.Int64

// kafkaConfig is the default configuration with Kafka brokers and a topic
// of the test's own.
func kafkaConfig(brokers []string, topic string) config.Config {
	cfg := config.Default()
	cfg.Stream.KafkaBrokers = brokers
	cfg.Stream.Topic = fmt.Sprintf("%s-%d", topic, topicSeq.Add(1))
	return cfg
}

// testLogger logs warnings and errors into a buffer that is printed when
// the test fails; pipelines log after the test may have ended, so not to t.
func testLogger(t testing.TB) *slog.Logger {
	w := &syncBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("log:\n%s", w.String())
		}
	})
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.b.Len() > 1<<20 {
		return len(p), nil // enough to diagnose
	}
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func openDuckDB(t *testing.T) analytics.Store {
	t.Helper()
	return openAnalytics(t, filepath.Join(t.TempDir(), "analytics.duckdb"))
}

func openClickHouse(t *testing.T) analytics.Store {
	t.Helper()
	return openAnalytics(t, testch.DSN(t))
}

func openAnalytics(t *testing.T, dsn string) analytics.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	an, err := pipeline.OpenAnalytics(ctx, dsn)
	if err != nil {
		t.Fatalf("open analytics store %s: %v", dsn, err)
	}
	t.Cleanup(func() { an.Close() })
	return an
}

// newDesk opens a ticket store on a fresh database of backend b and a
// ticket service on it.
func newDesk(t *testing.T, b testdb.Backend, seed uint64) (*desk, *store.Store) {
	t.Helper()
	svc, st := tcstoretest.NewService(t, b, nil)
	return &desk{svc: svc, r: rand.New(rand.NewPCG(seed, seed+1))}, st
}

func sqlite() testdb.Backend { return testdb.Backend{Name: "sqlite", DSN: testdb.SQLiteDSN} }

// desk drives the ticket core as a busy help desk would: it creates tickets
// and moves them through comments, updates and the workflow (reopens
// included). One goroutine at a time.
type desk struct {
	svc     *ticketcore.Service
	r       *rand.Rand
	live    []*deskTicket
	created int
	changes atomic.Int64 // committed changes, each one event
}

type deskTicket struct {
	id, version int64
	status      string
}

var (
	deskTeams  = []string{"billing", "network", "returns", "tech"}
	deskAgent  = ticketcore.Actor{Name: "agent.one", Role: "agent"}
	deskClient = ticketcore.Actor{Name: "shop-bot", Role: "client"}
)

// step makes one change and returns its ticket and version.
func (d *desk) step(ctx context.Context) (int64, int64, error) {
	if len(d.live) < 12 || d.r.IntN(8) == 0 {
		d.created++
		ext := ""
		if d.created%3 == 0 {
			ext = fmt.Sprintf("EXT-%d", d.created)
		}
		res, err := d.svc.Create(ctx, deskClient, ticketcore.CreateInput{
			ExternalID: ext,
			Subject:    fmt.Sprintf("order %d did not arrive", d.created),
			Customer:   ticketcore.CustomerInput{Email: fmt.Sprintf("c%d@example.com", d.created%50)},
			Team:       deskTeams[d.r.IntN(len(deskTeams))],
			Urgency:    []string{"low", "medium", "high"}[d.r.IntN(3)],
		}, "")
		if err != nil {
			return 0, 0, fmt.Errorf("create: %w", err)
		}
		tk := &deskTicket{id: res.Ticket.ID, version: res.Ticket.Version, status: res.Ticket.Status}
		d.live = append(d.live, tk)
		d.changes.Add(1)
		return tk.id, tk.version, nil
	}
	i := d.r.IntN(len(d.live))
	tk := d.live[i]
	var nt *ticketcore.Ticket
	var err error
	switch k := d.r.IntN(10); {
	case k < 3:
		actor, public := deskAgent, d.r.IntN(3) != 0
		if d.r.IntN(3) == 0 {
			actor, public = deskClient, true
		}
		nt, err = d.svc.Comment(ctx, actor, tk.id, "any news?", public)
	case k < 5:
		team := deskTeams[d.r.IntN(len(deskTeams))]
		prio := []string{"P1", "P2", "P3", "P4"}[d.r.IntN(4)]
		nt, err = d.svc.Update(ctx, deskAgent, tk.id, tk.version, ticketcore.Patch{Team: &team, Priority: &prio})
	default:
		next := map[string][]string{"new": {"open", "pending"}, "open": {"pending", "resolved", "closed"},
			"pending": {"open", "resolved"}, "resolved": {"closed", "open"}, "closed": {"open"}}[tk.status]
		in := ticketcore.TransitionInput{To: next[d.r.IntN(len(next))]}
		if in.To == "pending" {
			in.PendingReason = "waiting_on_customer"
		}
		nt, err = d.svc.Transition(ctx, deskAgent, tk.id, 0, in)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("change ticket %d: %w", tk.id, err)
	}
	if nt.Version != tk.version {
		d.changes.Add(1)
	}
	tk.version, tk.status = nt.Version, nt.Status
	if tk.status == "closed" && d.r.IntN(2) == 0 {
		d.live = slices.Delete(d.live, i, i+1) // done with it
	}
	return tk.id, tk.version, nil
}

// fill makes n changes (an update that changes nothing is not one).
func (d *desk) fill(t testing.TB, n int) {
	t.Helper()
	for end := d.changes.Load() + int64(n); d.changes.Load() < end; {
		if _, _, err := d.step(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

// busy makes a change every interval in the background until the returned
// stop is called, which returns the number of changes made.
func (d *desk) busy(t testing.TB, every time.Duration) (stop func() int64) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			// Each write runs to its end, also when stop comes meanwhile: a
			// write cut off by a cancelled context may still commit on
			// PostgreSQL after the client gave up, after the test has read
			// the log it expects.
			if _, _, err := d.step(context.WithoutCancel(ctx)); err != nil {
				t.Errorf("desk: %v", err)
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	var once sync.Once
	stop = func() int64 {
		once.Do(func() {
			cancel()
			<-done
		})
		return d.changes.Load()
	}
	t.Cleanup(func() { stop() })
	return stop
}

// loop is a Run method running in the background.
type loop struct {
	name   string
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
	err    error
}

func startLoop(t testing.TB, name string, run func(context.Context) error) *loop {
	ctx, cancel := context.WithCancel(context.Background())
	l := &loop{name: name, cancel: cancel, done: make(chan error, 1)}
	go func() { l.done <- run(ctx) }()
	t.Cleanup(func() { l.stop(t) })
	return l
}

// stop cancels the loop and waits for Run to return (it must, within the
// runner's shutdown timeout).
func (l *loop) stop(t testing.TB) {
	l.once.Do(func() {
		l.cancel()
		select {
		case l.err = <-l.done:
		case <-time.After(30 * time.Second):
			l.err = fmt.Errorf("%s did not stop within 30s of its cancellation", l.name)
		}
		if l.err != nil {
			t.Errorf("%s: %v", l.name, l.err)
		}
	})
}

// relayLoop is a running relay with the producer it closes after Run.
type relayLoop struct {
	*loop
	r   *pipeline.Relay
	reg *prometheus.Registry
}

// startRelay starts a relay instance with metrics of its own.
func startRelay(t testing.TB, cfg config.Config, d pipeline.Deps) *relayLoop {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	reg := prometheus.NewRegistry()
	d.Registerer = reg
	r, err := pipeline.NewRelay(ctx, cfg, d)
	if err != nil {
		t.Fatalf("new relay: %v", err)
	}
	rl := &relayLoop{r: r, reg: reg}
	rl.loop = startLoop(t, "relay "+r.Holder(), func(ctx context.Context) error {
		err := r.Run(ctx)
		return errors.Join(err, r.Close())
	})
	return rl
}

func (r *relayLoop) active() bool       { return metric(r.reg, "deskmine_relay_active") == 1 }
func (r *relayLoop) published() float64 { return metric(r.reg, "deskmine_relay_published_total") }

// loaderLoop is a running analytics loader on a source it closes after Run.
type loaderLoop struct {
	*loop
	r   *ingest.Runner
	src ingest.Source
	reg *prometheus.Registry
}

// startLoader starts a loader on consumer name's source, with metrics of its own.
func startLoader(t testing.TB, cfg config.Config, d pipeline.Deps, name string, an analytics.Store) *loaderLoop {
	t.Helper()
	reg := prometheus.NewRegistry()
	d.Registerer = reg
	src, err := pipeline.NewSource(cfg, d, name)
	if err != nil {
		t.Fatalf("new source: %v", err)
	}
	r, err := pipeline.NewLoader(cfg, d, src, an)
	if err != nil {
		src.Close()
		t.Fatalf("new loader: %v", err)
	}
	ll := &loaderLoop{r: r, src: src, reg: reg}
	ll.loop = startLoop(t, "loader "+name, func(ctx context.Context) error {
		err := r.Run(ctx)
		return errors.Join(err, src.Close())
	})
	return ll
}

// metric returns the sum of a metric family's values in reg.
func metric(reg *prometheus.Registry, name string) float64 {
	mfs, err := reg.Gather()
	if err != nil {
		return -1
	}
	var v float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			v += m.GetGauge().GetValue() + m.GetCounter().GetValue()
		}
	}
	return v
}

// waitFor polls cond until it reports true, failing the test after timeout
// with what cond last said.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, status := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s: %s", timeout, what, status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitRelayCaughtUp waits until the relay's cursor is at the log's head.
func waitRelayCaughtUp(t testing.TB, st *store.Store, timeout time.Duration) {
	t.Helper()
	ctx := context.Background()
	waitFor(t, timeout, "the relay to publish the whole log", func() (bool, string) {
		head, err := st.LogHead(ctx)
		if err != nil {
			return false, err.Error()
		}
		c, err := st.Cursor(ctx, "relay")
		if err != nil {
			return false, err.Error()
		}
		return c == head, fmt.Sprintf("relay cursor %d, log head %d", c, head)
	})
}

// waitExact waits until the analytics store answers want; on timeout it
// reports the difference.
func waitExact(t testing.TB, an analytics.Store, want *analytics.CheckResult, timeout time.Duration) {
	t.Helper()
	waitFor(t, timeout, "exact analytics answers", func() (bool, string) {
		got, err := an.Check(context.Background())
		if err != nil {
			return false, "check: " + err.Error()
		}
		if reflect.DeepEqual(got, want) {
			return true, ""
		}
		return false, "differences:\n" + diffResults(got, want)
	})
}

// expectLog returns what Check must answer once every event of st's log
// (except those in skip, by event id or raw payload) is loaded, and the
// events themselves.
func expectLog(t testing.TB, st *store.Store, skip map[string]bool) (*analytics.CheckResult, []events.Event) {
	t.Helper()
	recs, err := pipeline.ReadAll(context.Background(), st)
	if err != nil {
		t.Fatalf("read log: %v", err)
	}
	evs, err := decodeAll(recs, skip)
	if err != nil {
		t.Fatal(err)
	}
	return storetest.Expect(evs), evs
}

func mustCheck(t testing.TB, an analytics.Store) *analytics.CheckResult {
	t.Helper()
	got, err := an.Check(context.Background())
	if err != nil {
		t.Fatalf("check: %v", err)
	}
	return got
}

func mustEqualResult(t testing.TB, what string, got, want *analytics.CheckResult) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: check differs from the expectation:\n%s", what, diffResults(got, want))
	}
}

// diffResults lists the fields of two CheckResults that differ.
func diffResults(got, want *analytics.CheckResult) string {
	var b strings.Builder
	gv, wv := reflect.ValueOf(*got), reflect.ValueOf(*want)
	for i := range gv.NumField() {
		if g, w := gv.Field(i).Interface(), wv.Field(i).Interface(); !reflect.DeepEqual(g, w) {
			fmt.Fprintf(&b, "  %s: got %v, want %v\n", gv.Type().Field(i).Name, g, w)
		}
	}
	return b.String()
}

func mustLag(t testing.TB, src ingest.Source) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	lag, err := src.Lag(ctx)
	if err != nil {
		t.Fatalf("lag of %s: %v", src.Name(), err)
	}
	return lag
}

// lagOf computes consumer name's lag without the code under test and
// without joining its Kafka group (a reader in the group would make the
// running loader rebalance): the log's head minus its cursor, or the
// topic's high watermarks minus the group's committed offsets.
func lagOf(t testing.TB, cfg config.Config, st *store.Store, name string) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if !cfg.UsesKafka() {
		head, err := st.LogHead(ctx)
		if err != nil {
			t.Fatal(err)
		}
		c, err := st.Cursor(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		return head - c
	}
	topic := cfg.Stream.Topic
	c := &kafka.Client{Addr: kafka.TCP(cfg.Stream.KafkaBrokers...), Timeout: 10 * time.Second}
	parts := make([]int, partitionCount(t, cfg.Stream.KafkaBrokers, topic))
	reqs := make([]kafka.OffsetRequest, len(parts))
	for i := range parts {
		parts[i], reqs[i] = i, kafka.LastOffsetOf(i)
	}
	offs, err := c.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: reqs}})
	if err != nil {
		t.Fatalf("offsets of %s: %v", topic, err)
	}
	committed, err := c.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: name, Topics: map[string][]int{topic: parts}})
	if err != nil || committed.Error != nil {
		t.Fatalf("offsets of group %s: %v %v", name, err, committed)
	}
	done := map[int]int64{}
	for _, p := range committed.Topics[topic] {
		done[p.Partition] = max(p.CommittedOffset, 0)
	}
	var lag int64
	for _, p := range offs.Topics[topic] {
		lag += p.LastOffset - done[p.Partition]
	}
	return lag
}

func deadLetters(t testing.TB, st *store.Store, consumer string) []events.DeadLetter {
	t.Helper()
	dl, err := st.DeadLetters(context.Background(), consumer, true, 1000)
	if err != nil {
		t.Fatalf("dead letters of %s: %v", consumer, err)
	}
	return dl
}

// seenAll checks that the last version of every ticket is visible, and no
// later one, on a sample of at most 300 tickets (Check covers the counts;
// a query per ticket would take seconds on a large history).
func seenAll(t testing.TB, an analytics.Store, evs []events.Event) {
	t.Helper()
	last := map[int64]int64{}
	for _, e := range evs {
		last[e.TicketID] = max(last[e.TicketID], e.TicketVersion)
	}
	ids := slices.Sorted(maps.Keys(last))
	step := max(1, len(ids)/300)
	ctx := context.Background()
	for i := 0; i < len(ids); i += step {
		id, v := ids[i], last[ids[i]]
		ok, err := an.Seen(ctx, id, v)
		if err != nil || !ok {
			t.Fatalf("seen(%d, %d) = %v, %v; want true", id, v, ok, err)
		}
		if ok, err := an.Seen(ctx, id, v+1); err != nil || ok {
			t.Fatalf("seen(%d, %d) = %v, %v; want false", id, v+1, ok, err)
		}
	}
}

// countBy runs a two-column (key, count) query on the ticket store.
func countBy(t testing.TB, st *store.Store, q string) map[string]int64 {
	t.Helper()
	rows, err := st.DB().Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var k string
		var n int64
		if err := rows.Scan(&k, &n); err != nil {
			t.Fatal(err)
		}
		out[k] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func partitionCount(t testing.TB, brokers []string, topic string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 10 * time.Second}
	meta, err := c.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil || len(meta.Topics) != 1 || meta.Topics[0].Error != nil {
		t.Fatalf("metadata of %s: %v %+v", topic, err, meta)
	}
	return len(meta.Topics[0].Partitions)
}

// topicMessages counts the messages a topic holds, over all partitions.
func topicMessages(t testing.TB, brokers []string, topic string) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 10 * time.Second}
	meta, err := c.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil || len(meta.Topics) != 1 || meta.Topics[0].Error != nil {
		t.Fatalf("metadata of %s: %v %+v", topic, err, meta)
	}
	var reqs []kafka.OffsetRequest
	for _, p := range meta.Topics[0].Partitions {
		reqs = append(reqs, kafka.FirstOffsetOf(p.ID), kafka.LastOffsetOf(p.ID))
	}
	offs, err := c.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: reqs}})
	if err != nil {
		t.Fatalf("offsets of %s: %v", topic, err)
	}
	var n int64
	for _, p := range offs.Topics[topic] {
		if p.Error != nil {
			t.Fatalf("offsets of %s/%d: %v", topic, p.Partition, p.Error)
		}
		n += p.LastOffset - p.FirstOffset
	}
	return n
}

package ingest_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/deskmine/deskmine/ingest"
	"github.com/deskmine/deskmine/ingest/sourcetest"
	"github.com/deskmine/deskmine/internal/testkafka"
	"github.com/deskmine/deskmine/ticketcore/events"
)

// startRelay runs a relay until the returned stop is called (or the test ends).
func startRelay(t *testing.T, cfg ingest.RelayConfig) (*ingest.Relay, func()) {
	t.Helper()
	r, err := ingest.NewRelay(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("relay run: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return r, stop
}

// consume reads topic in a fresh group until want distinct events came and
// the stream has gone quiet, and returns every event in arrival order.
func consume(t *testing.T, brokers []string, topic string, want int) []events.Event {
	t.Helper()
	src := newKafkaSource(t, brokers, topic, "check-"+t.Name())
	defer src.Close()
	ctx := context.Background()
	seen := map[string]bool{}
	var out []events.Event
	deadline := time.Now().Add(60 * time.Second)
	for {
		msgs, err := src.Fetch(ctx, 500, 300*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) == 0 && len(seen) >= want {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("got %d distinct events of %d", len(seen), want)
		}
		for _, m := range msgs {
			e, err := events.Unmarshal(m.Value)
			if err != nil {
				t.Fatal(err)
			}
			seen[e.ID] = true
			out = append(out, *e)
		}
	}
}

// checkDelivery checks that every event of want arrived, each ticket's in
// order, and returns how many arrivals were duplicates. A duplicate may
// repeat earlier versions (a batch sent again), but a version never follows
// a gap.
func checkDelivery(t *testing.T, got []events.Event, want []*events.Event) int {
	t.Helper()
	last := map[int64]int64{}
	final := map[int64]int64{}
	for _, e := range want {
		final[e.TicketID] = max(final[e.TicketID], e.TicketVersion)
	}
	dups := 0
	for _, e := range got {
		switch v := e.TicketVersion; {
		case v <= last[e.TicketID]:
			dups++
		case v == last[e.TicketID]+1:
			last[e.TicketID] = v
		default:
			t.Fatalf("ticket %d: version %d arrived after %d", e.TicketID, v, last[e.TicketID])
		}
		if e.Seq == 0 {
			t.Fatalf("event %s arrived without its seq", e.ID)
		}
	}
	for id, v := range final {
		if last[id] != v {
			t.Errorf("ticket %d: got up to version %d, want %d", id, last[id], v)
		}
	}
	if len(got)-dups != len(want) {
		t.Errorf("%d arrivals with %d duplicates for %d events", len(got), dups, len(want))
	}
	return dups
}

func kafkaTopic(t *testing.T, partitions int) ([]string, *testkafka.Cluster, string) {
	t.Helper()
	brokers, c := testkafka.Start(t)
	const topic = "deskmine.ticket-events"
	if err := ingest.EnsureTopic(context.Background(), brokers, topic, partitions); err != nil {
		t.Fatal(err)
	}
	return brokers, c, topic
}

func TestRelayPublishesEverythingInOrder(t *testing.T) {
	brokers, _, topic := kafkaTopic(t, 4)
	m := newMemStore()
	evs := sourcetest.Events(300, 10)
	m.append(t, evs[:150])
	reg := prometheus.NewRegistry()
	r, stop := startRelay(t, ingest.RelayConfig{Log: m, Cursors: m, Leases: m, Sink: newSink(t, brokers, topic),
		BatchSize: 64, Registerer: reg})
	m.append(t, evs[150:]) // while it runs
	waitFor(t, "the relay to publish 300 events", func() bool { return m.cursor("relay") == 300 })
	stop()

	got := consume(t, brokers, topic, 300)
	if dups := checkDelivery(t, got, evs); dups != 0 {
		t.Errorf("%d duplicates without any failure", dups)
	}
	if n := metricValue(t, reg, "deskmine_relay_published_total"); n != 300 {
		t.Errorf("published_total = %v, want 300", n)
	}
	if n := metricValue(t, reg, "deskmine_relay_lag"); n != 0 {
		t.Errorf("relay lag = %v, want 0", n)
	}
	if r.Holder() == "" {
		t.Error("no holder id")
	}
	if _, ok := m.leases["relay"]; ok {
		t.Error("a stopped relay still holds the lease")
	}
}

// metricValue returns the value of the one counter or gauge named name.
func metricValue(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name || len(mf.GetMetric()) != 1 {
			continue
		}
		m := mf.GetMetric()[0]
		switch {
		case m.GetCounter() != nil:
			return m.GetCounter().GetValue()
		case m.GetGauge() != nil:
			return m.GetGauge().GetValue()
		}
	}
	t.Fatalf("no single counter or gauge %s", name)
	return 0
}

// slowSink holds one chosen publish longer than the lease lasts, so the
// other instance takes over while this one is still publishing.
type slowSink struct {
	ingest.Sink
	stall atomic.Int32 // publishes to stall
	delay time.Duration
}

func (s *slowSink) Publish(ctx context.Context, recs []events.Record) error {
	if s.stall.Add(-1) >= 0 {
		time.Sleep(s.delay)
	}
	return s.Sink.Publish(ctx, recs)
}

// TestTwoRelaysShareTheLog: two instances run at once; the active one
// stalls mid-publish past its lease, the other takes over, and the stalled
// one, on finding its lease gone, stops. Every event arrives, each ticket's
// in order; the only extra arrivals are the stalled batch, published by both.
func TestTwoRelaysShareTheLog(t *testing.T) {
	brokers, _, topic := kafkaTopic(t, 3)
	m := newMemStore()
	evs := sourcetest.Events(400, 12)
	const ttl, batch = 300 * time.Millisecond, 20
	slowA := &slowSink{Sink: newSink(t, brokers, topic), delay: 3 * ttl}
	regA, regB := prometheus.NewRegistry(), prometheus.NewRegistry()
	m.append(t, evs[:200])
	_, stopA := startRelay(t, ingest.RelayConfig{Log: m, Cursors: m, Leases: m, Sink: slowA, Holder: "a",
		LeaseTTL: ttl, BatchSize: batch, Registerer: regA})
	waitFor(t, "a to publish the first 200", func() bool { return m.cursor("relay") == 200 })
	_, stopB := startRelay(t, ingest.RelayConfig{Log: m, Cursors: m, Leases: m, Sink: newSink(t, brokers, topic), Holder: "b",
		LeaseTTL: ttl, BatchSize: batch, Registerer: regB})
	slowA.stall.Store(1)
	m.append(t, evs[200:])
	waitFor(t, "b to take over and publish the rest", func() bool { return m.cursor("relay") == 400 })
	waitFor(t, "a to give up", func() bool { return metricValue(t, regA, "deskmine_relay_active") == 0 })
	stopA()
	stopB()
	got := consume(t, brokers, topic, 400)
	if dups := checkDelivery(t, got, evs); dups != batch {
		t.Errorf("%d duplicates, want %d (the stalled batch)", dups, batch)
	}
	a, b := metricValue(t, regA, "deskmine_relay_published_total"), metricValue(t, regB, "deskmine_relay_published_total")
	if a != 200+batch || b != 200 {
		t.Errorf("published by a %v, by b %v; want %d and 200", a, b, 200+batch)
	}
}

// TestRelayCrashBetweenPublishAndCursorSave: the relay dies after the sink
// took a batch but before its cursor was saved; a restarted relay publishes
// that batch again and nothing is lost.
func TestRelayCrashBetweenPublishAndCursorSave(t *testing.T) {
	brokers, _, topic := kafkaTopic(t, 2)
	m := newMemStore()
	evs := sourcetest.Events(200, 5)
	m.append(t, evs)
	ctx, crash := context.WithCancel(context.Background())
	var saves atomic.Int32
	m.saveLeased = func(holder string, seq int64) error {
		if holder == "first" && saves.Add(1) == 3 {
			crash() // the process is killed here
			return errors.New("killed")
		}
		return nil
	}
	first, err := ingest.NewRelay(ingest.RelayConfig{Log: m, Cursors: m, Leases: m, Sink: newSink(t, brokers, topic),
		Holder: "first", LeaseTTL: 200 * time.Millisecond, BatchSize: 50})
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if c := m.cursor("relay"); c != 100 {
		t.Fatalf("cursor after the crash = %d, want 100 (two batches saved)", c)
	}
	_, stop := startRelay(t, ingest.RelayConfig{Log: m, Cursors: m, Leases: m, Sink: newSink(t, brokers, topic),
		Holder: "second", LeaseTTL: 200 * time.Millisecond, BatchSize: 50})
	waitFor(t, "the restarted relay to catch up", func() bool { return m.cursor("relay") == 200 })
	stop()
	got := consume(t, brokers, topic, 200)
	if dups := checkDelivery(t, got, evs); dups != 50 {
		t.Errorf("%d duplicates, want 50: exactly the batch whose cursor was not saved", dups)
	}
	if len(got) != 250 {
		t.Errorf("%d arrivals, want 250", len(got))
	}
}

// TestRelaySurvivesBrokerOutage: the broker is unreachable for a while as
// events keep coming; once it is back, everything written meanwhile arrives.
func TestRelaySurvivesBrokerOutage(t *testing.T) {
	brokers, cluster, topic := kafkaTopic(t, 3)
	m := newMemStore()
	evs := sourcetest.Events(400, 8)
	_, stop := startRelay(t, ingest.RelayConfig{Log: m, Cursors: m, Leases: m, Sink: newSink(t, brokers, topic),
		BatchSize: 25, MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond})
	m.append(t, evs[:100])
	waitFor(t, "the first 100 events to be published", func() bool { return m.cursor("relay") == 100 })
	cluster.SetDown(true)
	for i := 100; i < 300; i += 20 {
		m.append(t, evs[i:i+20])
		time.Sleep(50 * time.Millisecond)
	}
	if c := m.cursor("relay"); c != 100 {
		t.Fatalf("cursor moved to %d while the broker was down", c)
	}
	cluster.SetDown(false)
	m.append(t, evs[300:])
	waitFor(t, "the relay to publish all 400 events", func() bool { return m.cursor("relay") == 400 })
	stop()
	checkDelivery(t, consume(t, brokers, topic, 400), evs)
}

// memSink keeps what it was given.
type memSink struct {
	mu   sync.Mutex
	recs []events.Record
}

func (s *memSink) Publish(_ context.Context, recs []events.Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recs = append(s.recs, recs...)
	return nil
}

func (s *memSink) seqs() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []int64
	for _, r := range s.recs {
		out = append(out, r.Seq)
	}
	return out
}

func TestRelayPrunesWhatEveryReaderIsDoneWith(t *testing.T) {
	m := newMemStore()
	m.append(t, sourcetest.Events(100, 4))
	if err := m.SaveCursor(context.Background(), "loader", 40); err != nil {
		t.Fatal(err)
	}
	sink := &memSink{}
	reg := prometheus.NewRegistry()
	_, stop := startRelay(t, ingest.RelayConfig{Log: m, Cursors: m, Leases: m, Sink: sink, Pruner: m,
		Retention: time.Nanosecond, PruneInterval: time.Millisecond, LogConsumers: []string{"loader"}, Registerer: reg})
	waitFor(t, "pruning up to the loader's cursor", func() bool { h, _ := m.ReadLog(context.Background(), 0, 1); return h[0].Seq == 41 })
	if m.cursor("relay") != 100 || len(sink.seqs()) != 100 {
		t.Fatalf("relay cursor %d, published %d; want 100 and 100", m.cursor("relay"), len(sink.seqs()))
	}
	if err := m.SaveCursor(context.Background(), "loader", 100); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "pruning all but the newest", func() bool { h, _ := m.ReadLog(context.Background(), 0, 10); return len(h) == 1 })
	stop()
	if n := metricValue(t, reg, "deskmine_relay_pruned_total"); n != 99 {
		t.Errorf("pruned_total = %v, want 99", n)
	}
	if !slices.Equal(sink.seqs(), seqRange(1, 100)) {
		t.Errorf("published %v", sink.seqs())
	}
}

func TestRelayWithoutRetentionKeepsTheLog(t *testing.T) {
	m := newMemStore()
	m.append(t, sourcetest.Events(30, 3))
	_, stop := startRelay(t, ingest.RelayConfig{Log: m, Cursors: m, Leases: m, Sink: &memSink{}, Pruner: m,
		PruneInterval: time.Millisecond})
	waitFor(t, "publishing", func() bool { return m.cursor("relay") == 30 })
	time.Sleep(50 * time.Millisecond) // several idle loops, each a chance to prune
	stop()
	if recs, _ := m.ReadLog(context.Background(), 0, 100); len(recs) != 30 {
		t.Fatalf("%d events left, want all 30", len(recs))
	}
}

func seqRange(from, to int64) []int64 {
	var out []int64
	for s := from; s <= to; s++ {
		out = append(out, s)
	}
	return out
}

func TestNewRelayChecksConfig(t *testing.T) {
	m := newMemStore()
	for name, cfg := range map[string]ingest.RelayConfig{
		"no sink":                  {Log: m, Cursors: m, Leases: m},
		"retention without pruner": {Log: m, Cursors: m, Leases: m, Sink: &memSink{}, Retention: time.Hour},
		"consumer named as relay":  {Log: m, Cursors: m, Leases: m, Sink: &memSink{}, LogConsumers: []string{"relay"}},
	} {
		if _, err := ingest.NewRelay(cfg); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
}

package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/deskmine/deskmine/ingest"
	"github.com/deskmine/deskmine/ingest/sourcetest"
	"github.com/deskmine/deskmine/ticketcore/events"
)

// fakeHandler records what it handled; fail, when set, decides a call's error.
type fakeHandler struct {
	mu      sync.Mutex
	handled []string // event ids, in the order accepted
	calls   int
	fail    func(call int, evs []events.Event) error
}

func (h *fakeHandler) Handle(ctx context.Context, evs []events.Event) error {
	h.mu.Lock()
	h.calls++
	call, fail := h.calls, h.fail
	h.mu.Unlock()
	if fail != nil {
		if err := fail(call, evs); err != nil {
			return err
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, e := range evs {
		h.handled = append(h.handled, e.ID)
	}
	return nil
}

func (h *fakeHandler) ids() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.handled)
}

// poison is a handler error retrying cannot fix.
type poison struct{ id string }

func (p poison) Error() string   { return "cannot store event " + p.id }
func (p poison) Permanent() bool { return true }

type runnerFixture struct {
	m      *memStore
	h      *fakeHandler
	reg    *prometheus.Registry
	runner *ingest.Runner
}

func newRunnerFixture(t *testing.T, batch int) *runnerFixture {
	t.Helper()
	m := newMemStore()
	src, err := ingest.NewLogSource(ingest.LogSourceConfig{Name: "loader", Log: m, Cursors: m, PollInterval: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	f := &runnerFixture{m: m, h: &fakeHandler{}, reg: prometheus.NewRegistry()}
	f.runner, err = ingest.NewRunner(ingest.RunnerConfig{Source: src, Handler: f.h, DeadLetters: m, BatchSize: batch,
		FetchWait: 50 * time.Millisecond, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond,
		ShutdownTimeout: 5 * time.Second, Registerer: f.reg})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// run runs the runner until the log's cursor reaches seq, then stops it.
func (f *runnerFixture) run(t *testing.T, seq int64) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.runner.Run(ctx) }()
	waitFor(t, fmt.Sprintf("the consumer to commit up to %d", seq), func() bool { return f.m.cursor("loader") >= seq })
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	if c := f.m.cursor("loader"); c != seq {
		t.Fatalf("cursor = %d, want %d", c, seq)
	}
}

func (f *runnerFixture) metric(t *testing.T, name string) float64 {
	t.Helper()
	return metricValue(t, f.reg, name)
}

func TestRunnerRetriesTransientErrors(t *testing.T) {
	f := newRunnerFixture(t, 20)
	evs := sourcetest.Events(50, 5)
	f.m.append(t, evs)
	f.h.fail = func(call int, _ []events.Event) error {
		if call <= 3 {
			return errors.New("analytics store unavailable")
		}
		return nil
	}
	f.run(t, 50)
	if got := f.h.ids(); !slices.Equal(got, ids(evs)) {
		t.Fatalf("handled %d events %v, want each of 50 once in order", len(got), got)
	}
	for name, want := range map[string]float64{"deskmine_ingest_handled_total": 50, "deskmine_ingest_retries_total": 3,
		"deskmine_ingest_parked_total": 0, "deskmine_ingest_lag": 0} {
		if got := f.metric(t, name); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if len(f.m.deadLetters()) != 0 {
		t.Errorf("dead letters: %+v", f.m.deadLetters())
	}
}

func ids(evs []*events.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.ID
	}
	return out
}

// bisectAttempts is how many failed handler calls include the poison event
// at index k of a batch of n when the runner narrows the batch by halves.
func bisectAttempts(n, k int) int {
	a := 1
	for n > 1 {
		a++
		mid := n / 2
		if k < mid {
			n = mid
		} else {
			n, k = n-mid, k-mid
		}
	}
	return a
}

// TestRunnerParksPoisonAndGoesOn: an undecodable payload, an event from a
// future schema version and an event the handler refuses permanently are
// parked; every other event is handled once, in order, and the batch is
// committed.
func TestRunnerParksPoisonAndGoesOn(t *testing.T) {
	f := newRunnerFixture(t, 100)
	evs := sourcetest.Events(40, 4)
	f.m.append(t, evs[:10])
	badJSON := f.m.appendRaw(3, []byte(`{"schema_version":1,"id":"broken",`))
	f.m.append(t, evs[10:20])
	future := *evs[20]
	future.SchemaVersion = events.SchemaVersion + 1
	future.ID = "from-the-future"
	f.m.append(t, []*events.Event{&future})
	f.m.append(t, evs[20:])
	refused := evs[27].ID
	f.h.fail = func(_ int, batch []events.Event) error {
		for _, e := range batch {
			if e.ID == refused {
				return fmt.Errorf("write rows: %w", poison{e.ID})
			}
		}
		return nil
	}
	f.run(t, 42)

	want := slices.DeleteFunc(ids(evs), func(id string) bool { return id == refused })
	if got := f.h.ids(); !slices.Equal(got, want) {
		t.Fatalf("handled\n %v\nwant every event but the refused one, once, in order\n %v", got, want)
	}
	dead := f.m.deadLetters()
	if len(dead) != 3 {
		t.Fatalf("%d dead letters, want 3: %+v", len(dead), dead)
	}
	byOffset := map[int64]events.DeadLetter{}
	for _, d := range dead {
		if d.Consumer != "loader" {
			t.Errorf("dead letter of consumer %q", d.Consumer)
		}
		byOffset[d.Offset] = d
	}
	if d := byOffset[badJSON]; d.Attempts != 1 || !strings.Contains(d.Error, "unmarshal event") || d.EventID != "" || d.TicketID != 3 {
		t.Errorf("undecodable: %+v", d)
	}
	if d := byOffset[22]; d.EventID != "from-the-future" || d.Attempts != 1 || !strings.Contains(d.Error, "schema_version 2 is not supported") {
		t.Errorf("future schema: %+v", d)
	}
	// The refused event is the 28th of the 40 valid ones in one batch.
	if d := byOffset[30]; d.EventID != refused || d.Attempts != bisectAttempts(40, 27) || !strings.Contains(d.Error, "cannot store event") {
		t.Errorf("refused (want %d attempts): %+v", bisectAttempts(40, 27), d)
	}
	for name, want := range map[string]float64{"deskmine_ingest_handled_total": 39, "deskmine_ingest_parked_total": 3,
		"deskmine_ingest_retries_total": 0} {
		if got := f.metric(t, name); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}

	// Replay: the handler has been fixed for the refused event; the other
	// two still cannot be decoded and stay parked with one more attempt.
	f.h.fail = nil
	res, err := f.runner.ReplayDead(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Replayed != 1 || res.Failed != 2 {
		t.Fatalf("replay = %+v, want 1 replayed and 2 failed", res)
	}
	if got := f.h.ids(); got[len(got)-1] != refused || len(got) != 40 {
		t.Fatalf("after replay handled %d, last %s", len(got), got[len(got)-1])
	}
	for _, d := range f.m.deadLetters() {
		switch d.Offset {
		case 30:
			if d.ReplayedAt == nil {
				t.Errorf("replayed letter not marked: %+v", d)
			}
		default:
			if d.ReplayedAt != nil || d.Attempts != 2 {
				t.Errorf("failed replay: %+v, want unresolved with 2 attempts", d)
			}
		}
	}
	res, err = f.runner.ReplayDead(context.Background())
	if err != nil || res.Replayed != 0 || res.Failed != 2 {
		t.Fatalf("second replay = %+v, %v; want 0 replayed and 2 failed", res, err)
	}
}

// TestRunnerFinishesTheBatchOnShutdown: a stop while the handler is busy
// lets the batch finish and commits it; nothing after it is taken.
func TestRunnerFinishesTheBatchOnShutdown(t *testing.T) {
	f := newRunnerFixture(t, 20)
	evs := sourcetest.Events(60, 3)
	f.m.append(t, evs)
	inside, release := make(chan struct{}), make(chan struct{})
	f.h.fail = func(call int, _ []events.Event) error {
		if call == 2 {
			close(inside)
			<-release
		}
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.runner.Run(ctx) }()
	<-inside
	cancel()
	time.Sleep(20 * time.Millisecond) // the stop is in; the handler is still busy
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if c := f.m.cursor("loader"); c != 40 {
		t.Fatalf("cursor = %d, want 40: the batch in hand is committed", c)
	}
	if got := f.h.ids(); !slices.Equal(got, ids(evs[:40])) {
		t.Fatalf("handled %d events, want the first 40", len(got))
	}
}

// TestRunnerGivesUpTheBatchAfterShutdownTimeout: a handler that never
// returns is abandoned after the shutdown timeout, uncommitted, so the
// batch comes again after a restart.
func TestRunnerGivesUpTheBatchAfterShutdownTimeout(t *testing.T) {
	m := newMemStore()
	m.append(t, sourcetest.Events(10, 2))
	src, _ := ingest.NewLogSource(ingest.LogSourceConfig{Name: "loader", Log: m, Cursors: m})
	inside := make(chan struct{})
	var once sync.Once
	h := ingest.HandlerFunc(func(ctx context.Context, _ []events.Event) error {
		once.Do(func() { close(inside) })
		<-ctx.Done()
		return ctx.Err()
	})
	r, err := ingest.NewRunner(ingest.RunnerConfig{Source: src, Handler: h, DeadLetters: m,
		MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond, ShutdownTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	<-inside
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if c := m.cursor("loader"); c != 0 {
		t.Fatalf("cursor = %d, want 0", c)
	}
	if len(m.deadLetters()) != 0 {
		t.Fatal("an abandoned batch must not be parked")
	}
}

func TestNewRunnerChecksConfig(t *testing.T) {
	if _, err := ingest.NewRunner(ingest.RunnerConfig{}); err == nil {
		t.Fatal("want an error without source, handler and dead letters")
	}
}

// TestRunnerOverKafka: the runner on a consumer group parks an undecodable
// message with its partition and offset and commits past it.
func TestRunnerOverKafka(t *testing.T) {
	brokers, _, topic := kafkaTopic(t, 2)
	evs := sourcetest.Events(30, 6)
	recs := records(t, evs, 1)
	recs = slices.Insert(recs, 15, events.Record{Seq: 99, TicketID: 4, RecordedAt: time.Now(), Payload: []byte("not json")})
	if err := newSink(t, brokers, topic).Publish(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	m := newMemStore()
	h := &fakeHandler{}
	reg := prometheus.NewRegistry()
	src := newKafkaSource(t, brokers, topic, "loader")
	defer src.Close()
	r, err := ingest.NewRunner(ingest.RunnerConfig{Source: src, Handler: h, DeadLetters: m, BatchSize: 8,
		FetchWait: 100 * time.Millisecond, LagInterval: 10 * time.Millisecond, Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	waitFor(t, "30 events handled and one parked", func() bool { return len(h.ids()) == 30 && len(m.deadLetters()) == 1 })
	waitFor(t, "the lag to reach 0", func() bool {
		lag, err := src.Lag(context.Background())
		return err == nil && lag == 0
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	d := m.deadLetters()[0]
	if string(d.Payload) != "not json" || d.TicketID != 4 || d.Consumer != "loader" || d.Offset < 0 {
		t.Errorf("dead letter %+v", d)
	}
	got := slices.Sorted(slices.Values(h.ids()))
	want := slices.Sorted(slices.Values(ids(evs)))
	if !slices.Equal(got, want) {
		t.Errorf("handled %v, want each event once", got)
	}
	if v := metricValue(t, reg, "deskmine_ingest_lag"); v != 0 {
		t.Errorf("lag gauge = %v, want 0 after the run", v)
	}
}

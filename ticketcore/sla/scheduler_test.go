package sla_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/deskmine/deskmine/ticketcore/sla"
)

// fakeTime is a TimeSource that moves only when told to. Every timer it
// creates is also sent on created, so a test knows when Run went to sleep
// and for how long.
type fakeTime struct {
	mu      sync.Mutex
	now     time.Time
	timers  []*fakeTimer
	created chan *fakeTimer
}

type fakeTimer struct {
	f       *fakeTime
	at      time.Time
	d       time.Duration
	c       chan time.Time
	stopped bool
}

func newFakeTime(start time.Time) *fakeTime {
	return &fakeTime{now: start, created: make(chan *fakeTimer, 1000)}
}

func (f *fakeTime) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeTime) NewTimer(d time.Duration) sla.Timer {
	f.mu.Lock()
	t := &fakeTimer{f: f, at: f.now.Add(d), d: d, c: make(chan time.Time, 1)}
	if d <= 0 {
		t.c <- f.now
	} else {
		f.timers = append(f.timers, t)
	}
	f.mu.Unlock()
	f.created <- t
	return t
}

func (f *fakeTime) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
	keep := f.timers[:0]
	for _, t := range f.timers {
		switch {
		case t.stopped:
		case !t.at.After(f.now):
			t.c <- f.now
		default:
			keep = append(keep, t)
		}
	}
	f.timers = keep
}

func (t *fakeTimer) C() <-chan time.Time { return t.c }

func (t *fakeTimer) Stop() bool {
	t.f.mu.Lock()
	defer t.f.mu.Unlock()
	was := !t.stopped
	t.stopped = true
	return was
}

// harness runs a scheduler on fake time; fire reports every call on calls
// and returns the next result queued on results (nil when none is).
type harness struct {
	t       *testing.T
	clock   *fakeTime
	s       *sla.Scheduler
	calls   chan []sla.Due
	results chan error
	cancel  context.CancelFunc
	done    chan error
	once    sync.Once
}

var t0 = time.Date(2026, 10, 26, 8, 0, 0, 0, time.UTC)

func newHarness(t *testing.T, o sla.Options) *harness {
	hs := &harness{t: t, clock: newFakeTime(t0), calls: make(chan []sla.Due, 100), results: make(chan error, 100), done: make(chan error, 1)}
	o.Time = hs.clock
	if o.MaxSleep == 0 {
		o.MaxSleep = 24 * time.Hour
	}
	hs.s = sla.NewScheduler(o)
	return hs
}

func (hs *harness) run(fire func(context.Context, []sla.Due) error) {
	ctx, cancel := context.WithCancel(context.Background())
	hs.cancel = cancel
	if fire == nil {
		fire = func(_ context.Context, ds []sla.Due) error {
			hs.calls <- slices.Clone(ds)
			select {
			case err := <-hs.results:
				return err
			default:
				return nil
			}
		}
	}
	go func() { hs.done <- hs.s.Run(ctx, fire) }()
	hs.t.Cleanup(hs.stop)
}

// stop cancels Run and waits for it to return.
func (hs *harness) stop() {
	hs.once.Do(func() {
		hs.cancel()
		select {
		case err := <-hs.done:
			if err != nil {
				hs.t.Error(err)
			}
		case <-time.After(5 * time.Second):
			hs.t.Error("Run did not return after cancel")
		}
	})
}

// waitFor polls cond in real time.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// sleeps waits until Run goes to sleep and returns for how long.
func (hs *harness) sleeps() time.Duration {
	hs.t.Helper()
	select {
	case tm := <-hs.clock.created:
		return tm.d
	case <-time.After(5 * time.Second):
		hs.t.Fatal("Run did not go to sleep")
		return 0
	}
}

func (hs *harness) fired() []sla.Due {
	hs.t.Helper()
	select {
	case ds := <-hs.calls:
		return ds
	case <-time.After(5 * time.Second):
		hs.t.Fatal("nothing fired")
		return nil
	}
}

func (hs *harness) quiet() {
	hs.t.Helper()
	select {
	case ds := <-hs.calls:
		hs.t.Fatalf("unexpected fire %v", ds)
	case <-time.After(20 * time.Millisecond):
	}
}

func due(ticket int64, k sla.Kind, at time.Duration, version int64) sla.Due {
	return sla.Due{TicketID: ticket, Metric: sla.Resolution, Kind: k, At: t0.Add(at), Cycle: 1, Version: version}
}

func ids(ds []sla.Due) string {
	var s []string
	for _, d := range ds {
		s = append(s, fmt.Sprintf("%d/%s", d.TicketID, d.Kind))
	}
	return fmt.Sprint(s)
}

func TestSchedulerFiresInOrderOnce(t *testing.T) {
	hs := newHarness(t, sla.Options{})
	hs.s.Upsert(due(2, sla.Breach, time.Minute, 1))
	hs.s.Upsert(due(1, sla.Warning, 30*time.Second, 1))
	hs.s.Upsert(due(3, sla.Breach, 2*time.Minute, 1))
	hs.s.Upsert(due(1, sla.Breach, time.Minute, 1))   // same instant as ticket 2: ticket order
	hs.s.Upsert(due(3, sla.Breach, 2*time.Minute, 1)) // again, unchanged: nothing new
	hs.run(nil)
	if d := hs.sleeps(); d != 30*time.Second {
		t.Fatalf("sleeps %s, want 30s", d)
	}
	hs.clock.Advance(30 * time.Second)
	if got := ids(hs.fired()); got != "[1/warning]" {
		t.Fatalf("fired %s", got)
	}
	if d := hs.sleeps(); d != 30*time.Second {
		t.Fatalf("sleeps %s, want 30s", d)
	}
	hs.clock.Advance(5 * time.Minute) // late: everything due fires in one batch, in order
	got := hs.fired()
	if ids(got) != "[1/breach 2/breach 3/breach]" {
		t.Fatalf("fired %s", ids(got))
	}
	if !got[2].At.Equal(t0.Add(2*time.Minute)) || got[2].Version != 1 || got[2].Cycle != 1 {
		t.Fatalf("fired %+v", got[2])
	}
	if d := hs.sleeps(); d != 24*time.Hour {
		t.Fatalf("idle sleep %s, want MaxSleep", d)
	}
	hs.clock.Advance(48 * time.Hour)
	hs.sleeps()
	hs.quiet()
	if n := hs.s.Len(); n != 0 {
		t.Fatalf("%d items left", n)
	}
}

func TestSchedulerWakesEarly(t *testing.T) {
	hs := newHarness(t, sla.Options{})
	hs.s.Upsert(due(1, sla.Breach, 10*time.Minute, 1))
	hs.run(nil)
	if d := hs.sleeps(); d != 10*time.Minute {
		t.Fatalf("sleeps %s", d)
	}
	hs.s.Upsert(due(2, sla.Breach, time.Minute, 1))
	if d := hs.sleeps(); d != time.Minute {
		t.Fatalf("after an earlier upsert sleeps %s, want 1m", d)
	}
	hs.s.Upsert(due(3, sla.Breach, 5*time.Minute, 1)) // later: no wake
	hs.clock.Advance(time.Minute)
	if got := ids(hs.fired()); got != "[2/breach]" {
		t.Fatalf("fired %s", got)
	}
	if d := hs.sleeps(); d != 4*time.Minute {
		t.Fatalf("sleeps %s", d)
	}
}

func TestSchedulerRetries(t *testing.T) {
	hs := newHarness(t, sla.Options{MinBackoff: time.Second, MaxBackoff: 3 * time.Second})
	hs.s.Upsert(due(1, sla.Breach, time.Minute, 1))
	hs.results <- errors.New("database down")
	hs.results <- errors.New("database down")
	hs.results <- errors.New("database down")
	hs.run(nil)
	hs.sleeps()
	hs.clock.Advance(time.Minute)
	for i, backoff := range []time.Duration{time.Second, 2 * time.Second, 3 * time.Second} {
		if got := ids(hs.fired()); got != "[1/breach]" {
			t.Fatalf("attempt %d fired %s", i+1, got)
		}
		if d := hs.sleeps(); d != backoff { // Run pauses after a failure
			t.Fatalf("attempt %d: backoff %s, want %s", i+1, d, backoff)
		}
		hs.quiet()
		hs.clock.Advance(backoff)
	}
	ds := hs.fired()
	if ids(ds) != "[1/breach]" || !ds[0].At.Equal(t0.Add(time.Minute)) {
		t.Fatalf("retry fired %+v; want the original due instant", ds)
	}
	hs.sleeps()
	if n := hs.s.Len(); n != 0 {
		t.Fatalf("%d items left after success", n)
	}
}

func TestSchedulerRemoveAndVersions(t *testing.T) {
	hs := newHarness(t, sla.Options{})
	hs.s.Upsert(due(1, sla.Breach, time.Minute, 1))
	hs.s.Upsert(due(2, sla.Breach, 2*time.Minute, 1))
	hs.s.Upsert(due(3, sla.Breach, 3*time.Minute, 5))
	hs.s.Upsert(due(3, sla.Breach, 90*time.Second, 4)) // older version: ignored
	hs.s.Upsert(due(4, sla.Warning, 4*time.Minute, 1))
	hs.s.Upsert(due(4, sla.Breach, 5*time.Minute, 1))
	hs.s.Remove(1, sla.Resolution, sla.Breach)
	hs.s.Sync(4, 2, []sla.Due{due(4, sla.Breach, 6*time.Minute, 2)}) // drops ticket 4's warning, moves its breach
	hs.s.Sync(2, 0, nil)                                             // older than the item: kept
	if n := hs.s.Len(); n != 3 {
		t.Fatalf("Len %d, want 3", n)
	}
	hs.run(nil)
	if d := hs.sleeps(); d != 2*time.Minute {
		t.Fatalf("sleeps %s; the removed item still counts", d)
	}
	hs.clock.Advance(10 * time.Minute)
	var got []sla.Due
	for len(got) < 3 {
		got = append(got, hs.fired()...)
	}
	if ids(got) != "[2/breach 3/breach 4/breach]" || !got[1].At.Equal(t0.Add(3*time.Minute)) || !got[2].At.Equal(t0.Add(6*time.Minute)) {
		t.Fatalf("fired %+v", got)
	}
	hs.quiet()
}

func TestSchedulerReplacedWhileFiring(t *testing.T) {
	hs := newHarness(t, sla.Options{MinBackoff: time.Second})
	hs.s.Upsert(due(1, sla.Breach, time.Minute, 1))
	hs.s.Upsert(due(2, sla.Breach, time.Minute, 1))
	block := make(chan struct{})
	hs.run(func(_ context.Context, ds []sla.Due) error {
		hs.calls <- slices.Clone(ds)
		<-block
		if ds[0].Version == 1 {
			return errors.New("fail the first call")
		}
		return nil
	})
	hs.sleeps()
	hs.clock.Advance(time.Minute)
	hs.fired()
	// While the call runs: ticket 1 changes (a new version), ticket 2 is removed.
	hs.s.Upsert(due(1, sla.Breach, 30*time.Minute, 2))
	hs.s.Remove(2, sla.Resolution, sla.Breach)
	close(block)
	// The failed items are not retried: one was replaced, one removed.
	hs.sleeps() // backoff
	hs.clock.Advance(time.Second)
	if d := hs.sleeps(); d != 29*time.Minute-time.Second {
		t.Fatalf("sleeps %s, want until the replacement", d)
	}
	hs.clock.Advance(30 * time.Minute)
	if ds := hs.fired(); ids(ds) != "[1/breach]" || ds[0].Version != 2 {
		t.Fatalf("fired %+v", ds)
	}
}

func TestSchedulerNewerVersionWhileFiring(t *testing.T) {
	hs := newHarness(t, sla.Options{})
	hs.s.Upsert(due(1, sla.Breach, time.Minute, 1))
	block := make(chan struct{})
	hs.run(func(_ context.Context, ds []sla.Due) error {
		hs.calls <- slices.Clone(ds)
		if ds[0].Version == 1 {
			<-block
		}
		return nil
	})
	hs.sleeps()
	hs.clock.Advance(time.Minute)
	hs.fired()
	// The ticket changed while its item was being fired (the fire may have
	// read the state before the change): same instant, newer version.
	hs.s.Upsert(due(1, sla.Breach, time.Minute, 2))
	close(block)
	if ds := hs.fired(); ds[0].Version != 2 {
		t.Fatalf("fired %+v, want version 2 again", ds)
	}
	// Not in flight: a newer version at the same instant updates in place.
	hs.sleeps()
	hs.s.Upsert(due(2, sla.Breach, time.Hour, 1))
	hs.s.Upsert(due(2, sla.Breach, time.Hour, 2))
	hs.sleeps()
	hs.clock.Advance(time.Hour)
	if ds := hs.fired(); len(ds) != 1 || ds[0].Version != 2 {
		t.Fatalf("fired %+v, want ticket 2 once at version 2", ds)
	}
	hs.sleeps()
	hs.quiet()
}

func TestSchedulerBatches(t *testing.T) {
	hs := newHarness(t, sla.Options{BatchSize: 2})
	for i := range int64(5) {
		hs.s.Upsert(due(5-i, sla.Breach, 0, 1)) // all due at once, ordered by ticket
	}
	hs.run(nil)
	got := [][]sla.Due{hs.fired(), hs.fired(), hs.fired()}
	if ids(got[0]) != "[1/breach 2/breach]" || ids(got[1]) != "[3/breach 4/breach]" || ids(got[2]) != "[5/breach]" {
		t.Fatalf("batches %v", got)
	}
}

func TestSchedulerOneRun(t *testing.T) {
	hs := newHarness(t, sla.Options{})
	hs.run(nil)
	hs.sleeps()
	if err := hs.s.Run(context.Background(), func(context.Context, []sla.Due) error { return nil }); err == nil {
		t.Fatal("a second Run started")
	}
}

// store is the test's database: TicketClocks as JSON and the SLA events
// written with them, changed only by whole transactions.
type store struct {
	mu     sync.Mutex
	clocks map[int64][]byte
	events map[string]int // Due.Key -> times written
	order  []string
}

func (s *store) load(id int64) sla.TicketClocks {
	var tc sla.TicketClocks
	if err := json.Unmarshal(s.clocks[id], &tc); err != nil {
		panic(err)
	}
	return tc
}

func (s *store) commit(tc sla.TicketClocks, fired []sla.Due) {
	b, err := json.Marshal(tc)
	if err != nil {
		panic(err)
	}
	s.clocks[tc.TicketID] = b
	for _, d := range fired {
		s.events[d.Key()]++
		s.order = append(s.order, d.Key())
	}
}

// fireFunc is the service's side of the protocol in the package comment.
// crashAfter > 0 makes the call fail after committing that many tickets (the
// process dies before telling the scheduler).
func fireFunc(e *sla.Engine, st *store, clock sla.TimeSource, s func() *sla.Scheduler, crashAfter *int) func(context.Context, []sla.Due) error {
	return func(_ context.Context, ds []sla.Due) error {
		st.mu.Lock()
		defer st.mu.Unlock()
		for _, d := range ds {
			tc := st.load(d.TicketID)
			fired := e.Evaluate(&tc, clock.Now())
			st.commit(tc, fired)
			if *crashAfter > 0 {
				*crashAfter--
				if *crashAfter == 0 {
					return errors.New("crash")
				}
			}
			s().Sync(tc.TicketID, tc.Version, sla.DueItems(tc))
		}
		return nil
	}
}

// TestRestart builds SLA state for many tickets, fires part of it, crashes
// in the middle of a fire call, restarts from the persisted state alone, and
// checks that every warning and breach was written exactly once, the same
// as in a run without a crash.
func TestRestart(t *testing.T) {
	e, err := sla.NewEngine(sla.Policy{ID: "p", Targets: []sla.Target{
		{Priority: "P1", FirstResponse: 10 * time.Minute, NextResponse: 10 * time.Minute, Resolution: time.Hour},
		{FirstResponse: 30 * time.Minute, Resolution: 3 * time.Hour},
	}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	const tickets = 300
	setup := func() *store {
		st := &store{clocks: map[int64][]byte{}, events: map[string]int{}}
		for i := range int64(tickets) {
			prio := []string{"P1", "P3"}[i%2]
			tc := sla.TicketClocks{TicketID: i + 1}
			at := t0.Add(time.Duration(i) * time.Second)
			if _, err := e.Apply(&tc, sla.Happening{At: at, Kind: sla.Created, StatusKind: "new", Priority: prio}); err != nil {
				t.Fatal(err)
			}
			if i%3 == 0 { // replied and a follow-up: a next-response clock too
				e.Apply(&tc, sla.Happening{At: at.Add(time.Minute), Kind: sla.AgentPublicReply, StatusKind: "open", Priority: prio})
				e.Apply(&tc, sla.Happening{At: at.Add(2 * time.Minute), Kind: sla.CustomerMessage, StatusKind: "open", Priority: prio})
			}
			if i%5 == 0 { // paused: nothing due until resumed
				e.Apply(&tc, sla.Happening{At: at.Add(3 * time.Minute), Kind: sla.Changed, StatusKind: "pending", PendingReason: "waiting_on_customer", Priority: prio})
			}
			st.commit(tc, nil)
		}
		return st
	}
	loadAll := func(st *store, s *sla.Scheduler) {
		for _, id := range slices.Sorted(maps.Keys(st.clocks)) {
			tc := st.load(id)
			s.Sync(id, tc.Version, sla.DueItems(tc))
		}
	}
	runUntil := func(hs *harness, until time.Time) {
		for hs.clock.Now().Before(until) {
			hs.sleeps()
			hs.clock.Advance(time.Minute)
		}
	}

	// Reference: one scheduler, no crash.
	ref := setup()
	hs := newHarness(t, sla.Options{BatchSize: 7, MaxSleep: time.Minute})
	loadAll(ref, hs.s)
	never := 0
	hs.run(fireFunc(e, ref, hs.clock, func() *sla.Scheduler { return hs.s }, &never))
	runUntil(hs, t0.Add(5*time.Hour))
	waitFor(t, "the reference run to fire everything", func() bool { return hs.s.Len() == 0 })
	hs.stop()

	// Crash: fire for 140 minutes, then crash in the middle of a fire call
	// as the P3 resolution warnings (due at 144 minutes) come due.
	st := setup()
	hs1 := newHarness(t, sla.Options{BatchSize: 7, MaxSleep: time.Minute})
	loadAll(st, hs1.s)
	crash := 0
	hs1.run(fireFunc(e, st, hs1.clock, func() *sla.Scheduler { return hs1.s }, &crash))
	runUntil(hs1, t0.Add(140*time.Minute))
	hs1.sleeps()
	st.mu.Lock()
	before := len(st.order)
	crash = 3
	st.mu.Unlock()
	hs1.clock.Advance(5 * time.Minute)
	waitFor(t, "the crash", func() bool {
		st.mu.Lock()
		defer st.mu.Unlock()
		return crash == 0
	})
	hs1.stop() // the process dies; its scheduler is gone
	if len(st.order) < before+3 {
		t.Fatalf("events %d -> %d: the crash came before three commits", before, len(st.order))
	}
	t.Logf("crashed after %d events with %d items scheduled", len(st.order), hs1.s.Len())

	// Restart from the store alone, some minutes later.
	hs2 := newHarness(t, sla.Options{BatchSize: 7, MaxSleep: time.Minute})
	hs2.clock.Advance(hs1.clock.Now().Sub(t0) + 10*time.Minute)
	loadAll(st, hs2.s)
	hs2.run(fireFunc(e, st, hs2.clock, func() *sla.Scheduler { return hs2.s }, &never))
	runUntil(hs2, t0.Add(5*time.Hour))
	waitFor(t, "the restarted run to fire everything", func() bool { return hs2.s.Len() == 0 })
	hs2.stop()

	st.mu.Lock()
	defer st.mu.Unlock()
	for k, n := range st.events {
		if n != 1 {
			t.Errorf("%s written %d times", k, n)
		}
	}
	if !maps.Equal(st.events, ref.events) {
		t.Fatalf("with a restart %d events, without %d", len(st.events), len(ref.events))
	}
	t.Logf("%d events, each written once, the same as without a restart", len(st.events))
	if len(ref.events) < tickets {
		t.Fatalf("only %d events: the test fires too little", len(ref.events))
	}
	// Nothing is left to fire: every non-paused clock breached.
	for id := range st.clocks {
		if ds := sla.DueItems(st.load(id)); len(ds) != 0 {
			t.Fatalf("ticket %d still has %v", id, ds)
		}
	}
}

func TestMeasureSchedulerSmall(t *testing.T) {
	res, err := sla.MeasureScheduler(20_000, 500*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(res)
	if res.MaxLate > time.Second {
		t.Fatalf("max lateness %s", res.MaxLate)
	}
}

// BenchmarkScheduler1M loads a million breach items due over 20 seconds
// (one in ten at once) and reports how late they fire. It runs once,
// whatever -benchtime says: go test -run ^$ -bench Scheduler1M ./ticketcore/sla/
func BenchmarkScheduler1M(b *testing.B) {
	if testing.Short() {
		b.Skip("takes about 25 s")
	}
	var res sla.Result
	for range b.N {
		var err error
		if res, err = sla.MeasureScheduler(1_000_000, 20*time.Second); err != nil {
			b.Fatal(err)
		}
	}
	b.Log(res)
	b.ReportMetric(float64(res.MaxLate)/1e6, "max-late-ms")
	b.ReportMetric(float64(res.P99Late)/1e6, "p99-late-ms")
	b.ReportMetric(float64(res.Load)/1e6, "load-ms")
	b.ReportMetric(res.BytesPerItem, "B/item")
	if res.MaxLate > time.Second {
		b.Fatalf("max lateness %s, want at most 1s", res.MaxLate)
	}
}

func BenchmarkUpsert(b *testing.B) {
	s := sla.NewScheduler(sla.Options{})
	i := int64(0)
	for b.Loop() {
		i++
		s.Upsert(sla.Due{TicketID: i, Metric: sla.Resolution, Kind: sla.Breach, At: t0.Add(time.Duration(i*7919%1_000_003) * time.Millisecond), Version: 1})
	}
}

package slaclock_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskmine/deskmine/internal/syncbuf"
	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/events"
	"github.com/deskmine/deskmine/ticketcore/sla"
	"github.com/deskmine/deskmine/ticketcore/slaclock"
	"github.com/deskmine/deskmine/ticketcore/store"
	"github.com/deskmine/deskmine/ticketcore/storetest"
)

// fakeClock is an sla.TimeSource that moves only when told to.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
}

type fakeTimer struct {
	c       chan time.Time
	at      time.Time
	stopped bool
	clk     *fakeClock
}

func newFakeClock(start time.Time) *fakeClock { return &fakeClock{now: start} }

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) NewTimer(d time.Duration) sla.Timer {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := &fakeTimer{c: make(chan time.Time, 1), at: f.now.Add(d), clk: f}
	if d <= 0 {
		t.c <- f.now
	} else {
		f.timers = append(f.timers, t)
	}
	return t
}

// Set moves the clock to at and fires the timers due by then.
func (f *fakeClock) Set(at time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = at
	keep := f.timers[:0]
	for _, t := range f.timers {
		switch {
		case t.stopped:
		case !t.at.After(at):
			t.c <- at
		default:
			keep = append(keep, t)
		}
	}
	f.timers = keep
}

func (t *fakeTimer) C() <-chan time.Time { return t.c }

func (t *fakeTimer) Stop() bool {
	t.clk.mu.Lock()
	defer t.clk.mu.Unlock()
	was := !t.stopped
	t.stopped = true
	return was
}

var (
	agent  = ticketcore.Actor{UserID: 2, Name: "li.na", Role: "agent"}
	client = ticketcore.Actor{UserID: 3, Name: "shop-bot", Role: "client"}
	lead   = ticketcore.Actor{UserID: 4, Name: "wang.fang", Role: "manager"}
)

// shanghai office hours, Monday to Friday 09:00-18:00.
const officeCalendar = `{"name": "cn-office", "time_zone": "Asia/Shanghai",
 "week": {"mon": [{"start": "09:00", "end": "18:00"}], "tue": [{"start": "09:00", "end": "18:00"}],
          "wed": [{"start": "09:00", "end": "18:00"}], "thu": [{"start": "09:00", "end": "18:00"}],
          "fri": [{"start": "09:00", "end": "18:00"}]}}`

// recorder is a Notifier and an Escalator that remembers its calls.
type recorder struct {
	mu       sync.Mutex
	notices  []slaclock.Notice
	levels   []int
	fail     error
	assignee string
}

func (r *recorder) NotifyEscalation(_ context.Context, n slaclock.Notice) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.notices = append(r.notices, n)
	return nil
}

func (r *recorder) Escalate(_ context.Context, t *ticketcore.Ticket, level int) (slaclock.Reassignment, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.levels = append(r.levels, level)
	if r.fail != nil {
		return slaclock.Reassignment{}, r.fail
	}
	return slaclock.Reassignment{Team: fmt.Sprintf("tier%d", level), Assignee: r.assignee, Reason: fmt.Sprintf("least loaded agent of level %d", level)}, nil
}

func (r *recorder) roles() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, n := range r.notices {
		out = append(out, n.Role)
	}
	return out
}

type env struct {
	t      *testing.T
	logs   *syncBuffer
	ctx    context.Context
	clk    *fakeClock
	svc    *ticketcore.Service
	st     *store.Store
	clocks *slaclock.Clocks
	rec    *recorder
	sweep  time.Duration // real time
}

// newEnv opens a service on a fresh database of backend b whose time is a
// fake clock starting at start, with SLA clocks on the same clock.
func newEnv(t *testing.T, b testdb.Backend, start time.Time) *env {
	t.Helper()
	clk := newFakeClock(start)
	opts := ticketcore.DefaultOptions()
	opts.Now = clk.Now
	svc, st := storetest.NewService(t, b, &opts)
	e := &env{t: t, ctx: context.Background(), clk: clk, svc: svc, st: st, rec: &recorder{assignee: "zhao.lei"}, logs: &syncBuffer{}}
	e.clocks = e.newClocks(svc)
	return e
}

// newClocks binds fresh SLA clocks to svc, as a restarted server would.
func (e *env) newClocks(svc *ticketcore.Service) *slaclock.Clocks {
	e.t.Helper()
	c, err := slaclock.New(e.ctx, svc, e.st, slaclock.Options{Time: e.clk, Notifier: e.rec, Escalator: e.rec, Sweep: e.sweep,
		Scheduler: sla.Options{MaxSleep: time.Hour, MinBackoff: time.Second},
		Logger:    slog.New(slog.NewTextHandler(e.logs, nil))})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// put saves a calendar or SLA policy setting, validated as the API would.
func (e *env) put(kind, name, body string) {
	e.t.Helper()
	var b json.RawMessage
	var err error
	switch kind {
	case slaclock.KindCalendar:
		b, err = slaclock.ValidateCalendar(name, json.RawMessage(body))
	default:
		b, err = slaclock.ValidatePolicy(e.ctx, e.st, name, json.RawMessage(body))
	}
	if err != nil {
		e.t.Fatalf("%s %s: %v", kind, name, err)
	}
	version := int64(0)
	if old, err := e.st.Setting(e.ctx, kind, name); err == nil {
		version = old.Version
	}
	if err := e.st.PutSetting(e.ctx, &ticketcore.Setting{Kind: kind, Name: name, Body: b, UpdatedAt: e.clk.Now(), UpdatedBy: "admin"}, version); err != nil {
		e.t.Fatal(err)
	}
	if err := e.clocks.Reload(e.ctx); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) create(priority, tier string) *ticketcore.Ticket {
	e.t.Helper()
	res, err := e.svc.Create(e.ctx, client, ticketcore.CreateInput{Subject: "VPN drops", Priority: priority,
		Customer: ticketcore.CustomerInput{Email: fmt.Sprintf("c%d@example.cn", e.clk.Now().UnixNano()), Tier: tier}}, "")
	if err != nil {
		e.t.Fatal(err)
	}
	return res.Ticket
}

func (e *env) at(t time.Time) { e.clk.Set(t) }

func (e *env) fire(id int64) {
	e.t.Helper()
	if err := e.clocks.Fire(e.ctx, id); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) comment(id int64, by ticketcore.Actor, public bool) {
	e.t.Helper()
	if _, err := e.svc.Comment(e.ctx, by, id, "reply", public); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) transition(id int64, to, reason string) {
	e.t.Helper()
	if _, err := e.svc.Transition(e.ctx, agent, id, 0, ticketcore.TransitionInput{To: to, PendingReason: reason}); err != nil {
		e.t.Fatal(err)
	}
}

// events returns the events of a ticket, oldest first.
func (e *env) events(id int64) []events.Event {
	e.t.Helper()
	var out []events.Event
	var after int64
	for {
		page, err := e.st.Events(e.ctx, after, 1000)
		if err != nil {
			e.t.Fatal(err)
		}
		for _, ev := range page {
			if ev.TicketID == id {
				out = append(out, ev)
			}
			after = ev.Seq
		}
		if len(page) < 1000 {
			return out
		}
	}
}

// sla lists a ticket's SLA and escalation events as "type metric" strings.
func (e *env) slaEvents(id int64) []string {
	e.t.Helper()
	var out []string
	for _, ev := range e.events(id) {
		switch ev.Type {
		case events.TicketSLAWarning, events.TicketSLABreached, events.TicketEscalated:
			out = append(out, strings.TrimPrefix(string(ev.Type), "ticket.")+" "+metricOf(ev.Reason))
		}
	}
	return out
}

func metricOf(reason string) string {
	for _, m := range sla.Metrics() {
		if strings.Contains(reason, m.String()) {
			return m.String()
		}
	}
	return "-"
}

func (e *env) status(id int64) *slaclock.Status {
	e.t.Helper()
	s, err := e.clocks.Status(e.ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

func clockOf(s *slaclock.Status, metric string) slaclock.ClockStatus {
	for _, c := range s.Clocks {
		if c.Metric == metric {
			return c
		}
	}
	return slaclock.ClockStatus{}
}

func mustLoad(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

var cst = mustLoad("Asia/Shanghai")

func local(day, hour, minute int) time.Time { return time.Date(2026, 3, day, hour, minute, 0, 0, cst) }

// syncBuffer is a log sink the server's goroutines may share.
type syncBuffer = syncbuf.Buffer

var farFuture = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

package sla_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/deskmine/deskmine/ticketcore/calendar"
	"github.com/deskmine/deskmine/ticketcore/sla"
)

const h = time.Hour

// berlin works 09:00-18:00 on weekdays; 2026-10-25 (a Sunday) ends summer time.
func berlin(t testing.TB) *calendar.Compiled {
	t.Helper()
	w := map[string][]calendar.Span{}
	for _, d := range []string{"mon", "tue", "wed", "thu", "fri"} {
		w[d] = []calendar.Span{{Start: "09:00", End: "18:00"}}
	}
	c, err := calendar.Compile(calendar.Calendar{Name: "de", TimeZone: "Europe/Berlin", Week: w})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func policy() sla.Policy {
	return sla.Policy{ID: "std", Calendar: "de", WarnAt: 0.75, Targets: []sla.Target{
		{Priority: "P1", FirstResponse: 1 * h, NextResponse: 1 * h, Resolution: 4 * h},
		{Priority: "P2", FirstResponse: 4 * h, NextResponse: 4 * h, Resolution: 16 * h},
		{Priority: "P2", Tier: "gold", FirstResponse: 2 * h, NextResponse: 2 * h, Resolution: 8 * h},
		{Tier: "gold", FirstResponse: 3 * h, Resolution: 24 * h},
		{FirstResponse: 8 * h, NextResponse: 8 * h, Resolution: 40 * h},
	}}
}

func engine(t testing.TB, p sla.Policy) *sla.Engine {
	t.Helper()
	e, err := sla.NewEngine(p, berlin(t))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// de parses a Berlin wall-clock time.
func de(t testing.TB, s string) time.Time {
	t.Helper()
	loc, _ := time.LoadLocation("Europe/Berlin")
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

type ticket struct {
	t  testing.TB
	e  *sla.Engine
	tc sla.TicketClocks
}

func newTicket(t testing.TB, e *sla.Engine, at, priority, tier string) *ticket {
	tk := &ticket{t: t, e: e, tc: sla.TicketClocks{TicketID: 7}}
	if fired := tk.apply(at, sla.Created, "new", "", priority, tier); len(fired) != 0 {
		t.Fatalf("creation fired %v", fired)
	}
	return tk
}

// apply applies a happening at a Berlin time and returns what fired.
func (tk *ticket) apply(at string, kind sla.HappeningKind, status, reason, priority, tier string) []sla.Due {
	tk.t.Helper()
	fired, err := tk.e.Apply(&tk.tc, sla.Happening{At: de(tk.t, at), Kind: kind, StatusKind: status, PendingReason: reason, Priority: priority, Tier: tier})
	if err != nil {
		tk.t.Fatal(err)
	}
	return fired
}

func (tk *ticket) evaluate(at string) []sla.Due {
	return tk.e.Evaluate(&tk.tc, de(tk.t, at))
}

// same reports whether got are due items of the given metric/kind at the
// given Berlin times, in order.
func same(t testing.TB, got []sla.Due, want ...any) {
	t.Helper()
	var w []string
	for i := 0; i < len(want); i += 3 {
		w = append(w, want[i].(sla.Metric).String()+"/"+want[i+1].(sla.Kind).String()+"@"+de(t, want[i+2].(string)).UTC().Format(time.RFC3339))
	}
	var g []string
	for _, d := range got {
		g = append(g, d.Metric.String()+"/"+d.Kind.String()+"@"+d.At.UTC().Format(time.RFC3339))
	}
	if strings.Join(g, " ") != strings.Join(w, " ") {
		t.Fatalf("fired\n  %s\nwant\n  %s", strings.Join(g, "\n  "), strings.Join(w, "\n  "))
	}
}

func deadline(t testing.TB, c *sla.Clock, want string) {
	t.Helper()
	if want == "" {
		if c.Deadline != nil {
			t.Fatalf("deadline %s, want none", c.Deadline)
		}
		return
	}
	if c.Deadline == nil || !c.Deadline.Equal(de(t, want)) {
		t.Fatalf("deadline %v, want %s", c.Deadline, de(t, want))
	}
}

func TestTargetFor(t *testing.T) {
	p := policy()
	tests := []struct {
		priority, tier string
		want           time.Duration // first response identifies the target
	}{
		{"P2", "gold", 2 * h}, // priority and tier
		{"P2", "silver", 4 * h},
		{"P2", "", 4 * h},     // priority
		{"P3", "gold", 3 * h}, // tier
		{"P4", "", 8 * h},     // any
		{"P1", "gold", 1 * h},
	}
	for _, tt := range tests {
		got, ok := p.TargetFor(tt.priority, tt.tier)
		if !ok || got.FirstResponse != tt.want {
			t.Errorf("TargetFor(%q, %q) = %v, %v; want first response %s", tt.priority, tt.tier, got, ok, tt.want)
		}
	}
	p.Targets = p.Targets[:2]
	if _, ok := p.TargetFor("P4", ""); ok {
		t.Error("a policy without a catch-all matched P4")
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		edit  func(p *sla.Policy)
		field string
	}{
		{func(p *sla.Policy) { p.ID = "" }, "id"},
		{func(p *sla.Policy) { p.Calendar = " de" }, "calendar"},
		{func(p *sla.Policy) { p.Targets = nil }, "targets"},
		{func(p *sla.Policy) { p.Targets[1].Priority = "urgent" }, "targets[1].priority"},
		{func(p *sla.Policy) { p.Targets[3].Tier = "gold " }, "targets[3].tier"},
		{func(p *sla.Policy) { p.Targets[2].Tier = "" }, "targets[2]"}, // duplicate of targets[1]
		{func(p *sla.Policy) { p.Targets[0].NextResponse = -h }, "targets[0].next_response"},
		{func(p *sla.Policy) { p.Targets[4] = sla.Target{Priority: "P4"} }, "targets[4]"},
		{func(p *sla.Policy) { p.WarnAt = 1 }, "warn_at"},
		{func(p *sla.Policy) { p.WarnAt = -0.5 }, "warn_at"},
		{func(p *sla.Policy) { p.PauseReasons = []string{"waiting_on_customer", ""} }, "pause_reasons[1]"},
		{func(p *sla.Policy) { p.PauseReasons = []string{"x", "x"} }, "pause_reasons[1]"},
	}
	for _, tt := range tests {
		p := policy()
		tt.edit(&p)
		var ve *sla.ValidationError
		if err := p.Validate(); !errors.As(err, &ve) || ve.Fields[tt.field] == "" {
			t.Errorf("%s: err = %v, want a problem with %s", tt.field, err, tt.field)
		}
	}
	if err := policy().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestNewEngineCalendar(t *testing.T) {
	p := policy()
	if _, err := sla.NewEngine(p, nil); err == nil {
		t.Error("a policy naming a calendar accepted none")
	}
	p.Calendar = "cn"
	if _, err := sla.NewEngine(p, berlin(t)); err == nil {
		t.Error("a policy accepted another calendar than it names")
	}
	p.Calendar = ""
	e, err := sla.NewEngine(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if e.Calendar().Name() != "24x7" {
		t.Errorf("calendar %q, want 24x7", e.Calendar().Name())
	}
}

// A P2 ticket created on Friday 17:00 in summer time: first response 4h,
// warning at 3h (WarnAt 0.75), across the weekend the clocks go back.
func TestWarningAndBreachInBusinessTime(t *testing.T) {
	tk := newTicket(t, engine(t, policy()), "2026-10-23 17:00", "P2", "")
	fr := tk.tc.FirstResponse
	deadline(t, fr, "2026-10-26 12:00")
	if fr.WarnAt == nil || !fr.WarnAt.Equal(de(t, "2026-10-26 11:00")) {
		t.Fatalf("warn at %v", fr.WarnAt)
	}
	deadline(t, tk.tc.Resolution, "2026-10-27 15:00")
	same(t, tk.evaluate("2026-10-26 10:59"))
	same(t, tk.evaluate("2026-10-26 11:00"), sla.FirstResponse, sla.Warning, "2026-10-26 11:00")
	same(t, tk.evaluate("2026-10-26 11:30"))
	same(t, tk.evaluate("2026-10-26 12:00"), sla.FirstResponse, sla.Breach, "2026-10-26 12:00")
	same(t, tk.evaluate("2026-10-27 15:00"),
		sla.Resolution, sla.Warning, "2026-10-27 11:00",
		sla.Resolution, sla.Breach, "2026-10-27 15:00")
	same(t, tk.evaluate("2026-10-30 15:00")) // nothing fires twice
	v := tk.tc.Version
	tk.evaluate("2026-10-30 16:00")
	if tk.tc.Version != v {
		t.Error("an Evaluate that fired nothing changed the version")
	}
	if got := sla.DueItems(tk.tc); len(got) != 0 {
		t.Fatalf("DueItems after everything fired = %v", got)
	}
}

func TestReplyAtDeadlineIsInTime(t *testing.T) {
	tk := newTicket(t, engine(t, policy()), "2026-10-26 09:00", "P1", "")
	// The scheduler fired the warning but not yet the breach.
	same(t, tk.evaluate("2026-10-26 09:50"), sla.FirstResponse, sla.Warning, "2026-10-26 09:45")
	same(t, tk.apply("2026-10-26 10:00", sla.AgentPublicReply, "open", "", "P1", ""))
	fr := tk.tc.FirstResponse
	if fr.Breached || fr.Outcome != sla.Met || fr.Elapsed != h {
		t.Fatalf("first response %+v, want met in time after 1h", fr)
	}
}

func TestLateReplyFiresMissedBreach(t *testing.T) {
	tk := newTicket(t, engine(t, policy()), "2026-10-26 09:00", "P1", "")
	// No scheduler ran: the reply itself reports the warning and breach.
	same(t, tk.apply("2026-10-26 10:30", sla.AgentPublicReply, "open", "", "P1", ""),
		sla.FirstResponse, sla.Warning, "2026-10-26 09:45",
		sla.FirstResponse, sla.Breach, "2026-10-26 10:00")
	fr := tk.tc.FirstResponse
	if !fr.Breached || fr.Outcome != sla.Met || fr.Elapsed != 90*time.Minute {
		t.Fatalf("first response %+v, want met late after 1h30m", fr)
	}
	for _, d := range sla.DueItems(tk.tc) {
		if d.Metric == sla.FirstResponse {
			t.Fatalf("a stopped clock is still scheduled: %v", d)
		}
	}
}

func TestPauseReasons(t *testing.T) {
	// Created Monday 09:00 (P2: resolution 16h), replied 09:30, pending at
	// 10:00 (1h used), customer answers Tuesday 14:00 and the ticket reopens.
	run := func(p sla.Policy, reason string) *ticket {
		tk := newTicket(t, engine(t, p), "2026-10-26 09:00", "P2", "")
		tk.apply("2026-10-26 09:30", sla.AgentPublicReply, "open", "", "P2", "")
		tk.apply("2026-10-26 10:00", sla.Changed, "pending", reason, "P2", "")
		return tk
	}
	t.Run("waiting on customer pauses", func(t *testing.T) {
		tk := run(policy(), "waiting_on_customer")
		r := tk.tc.Resolution
		if !r.Paused() || r.Elapsed != h || len(sla.DueItems(tk.tc)) != 0 {
			t.Fatalf("resolution %+v, want paused after 1h with nothing due", r)
		}
		same(t, tk.evaluate("2026-10-30 18:00")) // nothing runs out while paused
		tk.apply("2026-10-27 14:00", sla.CustomerMessage, "open", "", "P2", "")
		deadline(t, r, "2026-10-29 11:00")                  // 15h left from Tuesday 14:00
		deadline(t, tk.tc.NextResponse, "2026-10-27 18:00") // ends with the working day
	})
	t.Run("waiting on a third party does not", func(t *testing.T) {
		tk := run(policy(), "waiting_on_third_party")
		if !tk.tc.Resolution.Running() {
			t.Fatal("resolution paused while waiting on a third party")
		}
		deadline(t, tk.tc.Resolution, "2026-10-27 16:00")
	})
	t.Run("configurable", func(t *testing.T) {
		p := policy()
		p.PauseReasons = []string{"waiting_on_third_party"}
		if !run(p, "waiting_on_third_party").tc.Resolution.Paused() {
			t.Error("a configured pause reason did not pause")
		}
		if run(p, "waiting_on_customer").tc.Resolution.Paused() {
			t.Error("waiting_on_customer paused though the policy does not list it")
		}
		p.PauseReasons = []string{}
		if run(p, "waiting_on_customer").tc.Resolution.Paused() {
			t.Error("an empty PauseReasons paused")
		}
	})
}

func TestReopen(t *testing.T) {
	tk := newTicket(t, engine(t, policy()), "2026-10-26 09:00", "P2", "")
	tk.apply("2026-10-26 09:30", sla.AgentPublicReply, "open", "", "P2", "")
	tk.apply("2026-10-26 13:00", sla.CustomerMessage, "open", "", "P2", "")
	tk.apply("2026-10-26 14:00", sla.Changed, "resolved", "", "P2", "") // no reply to the follow-up
	r, nr := tk.tc.Resolution, tk.tc.NextResponse
	if r.Outcome != sla.Met || r.Elapsed != 5*h || nr.Outcome != sla.Cancelled {
		t.Fatalf("after resolve: resolution %+v, next response %+v", r, nr)
	}
	if len(sla.DueItems(tk.tc)) != 0 {
		t.Fatal("a resolved ticket has due items")
	}
	// Reopened by a customer message on Wednesday: resolution resumes with
	// 5h used, a new next-response cycle starts.
	tk.apply("2026-10-28 10:00", sla.CustomerMessage, "open", "", "P2", "")
	if !r.Running() || r.Outcome != "" || r.Elapsed != 5*h || r.StoppedAt != nil {
		t.Fatalf("after reopen: resolution %+v", r)
	}
	deadline(t, r, "2026-10-29 12:00")
	if !r.WarnAt.Equal(de(t, "2026-10-28 17:00")) {
		t.Fatalf("resolution warn at %s", r.WarnAt)
	}
	if nr := tk.tc.NextResponse; nr.Cycle != 2 || !nr.Running() {
		t.Fatalf("next response %+v, want cycle 2 running", nr)
	}
	// Reopened by an agent without a customer message: no response owed.
	tk2 := newTicket(t, engine(t, policy()), "2026-10-26 09:00", "P2", "")
	tk2.apply("2026-10-26 10:00", sla.Changed, "closed", "", "P2", "")
	if tk2.tc.FirstResponse.Outcome != sla.Cancelled {
		t.Fatalf("first response %+v, want cancelled by close", tk2.tc.FirstResponse)
	}
	tk2.apply("2026-10-26 11:00", sla.Changed, "open", "", "P2", "")
	if tk2.tc.FirstResponse.Open() || tk2.tc.NextResponse != nil || !tk2.tc.Resolution.Running() {
		t.Fatalf("after agent reopen: %+v", tk2.tc)
	}
}

func TestBreachSurvivesReopen(t *testing.T) {
	tk := newTicket(t, engine(t, policy()), "2026-10-26 09:00", "P1", "") // resolution 4h
	tk.apply("2026-10-26 09:10", sla.AgentPublicReply, "open", "", "P1", "")
	same(t, tk.apply("2026-10-26 14:00", sla.Changed, "resolved", "", "P1", ""),
		sla.Resolution, sla.Warning, "2026-10-26 12:00",
		sla.Resolution, sla.Breach, "2026-10-26 13:00")
	tk.apply("2026-10-27 09:00", sla.Changed, "open", "", "P1", "")
	if r := tk.tc.Resolution; !r.Breached || !r.Running() || r.Deadline == nil {
		t.Fatalf("resolution after reopen %+v", r)
	}
	if got := sla.DueItems(tk.tc); len(got) != 0 {
		t.Fatalf("a breached clock is due again: %v", got)
	}
	same(t, tk.evaluate("2026-10-30 09:00"))
}

func TestRetarget(t *testing.T) {
	t.Run("to a shorter target already used up", func(t *testing.T) {
		tk := newTicket(t, engine(t, policy()), "2026-10-26 09:00", "P3", "")    // first response 8h
		same(t, tk.apply("2026-10-26 11:00", sla.Changed, "open", "", "P1", ""), // 1h, 2h used
			sla.FirstResponse, sla.Breach, "2026-10-26 11:00")
		if fr := tk.tc.FirstResponse; fr.Target != h || !fr.Breached || fr.Warned {
			t.Fatalf("first response %+v: want 1h target, breached without a warning", fr)
		}
		deadline(t, tk.tc.Resolution, "2026-10-26 13:00") // P1 resolution 4h
	})
	t.Run("to a longer target keeps elapsed", func(t *testing.T) {
		tk := newTicket(t, engine(t, policy()), "2026-10-26 09:00", "P1", "")
		same(t, tk.apply("2026-10-26 09:30", sla.Changed, "open", "", "P3", ""))
		fr := tk.tc.FirstResponse
		deadline(t, fr, "2026-10-26 17:00")
		if fr.Target != 8*h || !fr.WarnAt.Equal(de(t, "2026-10-26 15:00")) {
			t.Fatalf("first response %+v", fr)
		}
	})
	t.Run("by tier, while paused", func(t *testing.T) {
		tk := newTicket(t, engine(t, policy()), "2026-10-26 09:00", "P2", "")
		tk.apply("2026-10-26 10:00", sla.Changed, "pending", "waiting_on_customer", "P2", "")
		tk.apply("2026-10-26 11:00", sla.Changed, "pending", "waiting_on_customer", "P2", "gold")
		tk.apply("2026-10-26 12:00", sla.Changed, "open", "", "P2", "gold")
		deadline(t, tk.tc.FirstResponse, "2026-10-26 13:00") // 2h target, 1h used
	})
}

func TestNextResponseCycles(t *testing.T) {
	tk := newTicket(t, engine(t, policy()), "2026-10-26 09:00", "P1", "")
	tk.apply("2026-10-26 09:20", sla.CustomerMessage, "new", "", "P1", "")
	if tk.tc.NextResponse != nil {
		t.Fatal("a follow-up before the first response started next_response")
	}
	tk.apply("2026-10-26 09:30", sla.AgentPublicReply, "open", "", "P1", "")
	tk.apply("2026-10-26 10:00", sla.CustomerMessage, "open", "", "P1", "")
	tk.apply("2026-10-26 10:30", sla.CustomerMessage, "open", "", "P1", "") // still the first unanswered
	nr := tk.tc.NextResponse
	if nr.Cycle != 1 || !nr.StartedAt.Equal(de(t, "2026-10-26 10:00")) {
		t.Fatalf("next response %+v", nr)
	}
	deadline(t, nr, "2026-10-26 11:00")
	first := sla.DueItems(tk.tc)
	tk.apply("2026-10-26 10:40", sla.AgentPublicReply, "open", "", "P1", "")
	if nr.Outcome != sla.Met || nr.Elapsed != 40*time.Minute {
		t.Fatalf("next response %+v", nr)
	}
	tk.apply("2026-10-26 12:00", sla.CustomerMessage, "open", "", "P1", "")
	if tk.tc.NextResponse.Cycle != 2 {
		t.Fatalf("cycle %d, want 2", tk.tc.NextResponse.Cycle)
	}
	keys := map[string]bool{}
	for _, d := range append(first, sla.DueItems(tk.tc)...) {
		if d.Metric == sla.NextResponse {
			keys[d.Key()] = true
		}
	}
	if len(keys) != 4 {
		t.Fatalf("next-response keys of two cycles: %v, want 4 distinct", keys)
	}
}

func TestApplyErrors(t *testing.T) {
	e := engine(t, policy())
	var tc sla.TicketClocks
	if _, err := e.Apply(&tc, sla.Happening{At: de(t, "2026-10-26 09:00"), Kind: sla.Changed, StatusKind: "open"}); !errors.Is(err, sla.ErrNotStarted) {
		t.Errorf("err = %v, want ErrNotStarted", err)
	}
	if _, err := e.Apply(&tc, sla.Happening{At: de(t, "2026-10-26 09:00"), Kind: sla.Created, StatusKind: "waiting"}); err == nil {
		t.Error("an unknown status kind was accepted")
	}
	if _, err := e.Apply(&tc, sla.Happening{Kind: sla.Created, StatusKind: "new"}); err == nil {
		t.Error("a happening without a time was accepted")
	}
	if !reflect.DeepEqual(tc, sla.TicketClocks{}) {
		t.Errorf("a failed Apply changed the state: %+v", tc)
	}
	tk := newTicket(t, e, "2026-10-26 09:00", "P1", "")
	if _, err := e.Apply(&tk.tc, sla.Happening{At: de(t, "2026-10-26 09:00"), Kind: sla.Created, StatusKind: "new"}); err == nil {
		t.Error("a second creation was accepted")
	}
	// A happening dated before the last one counts as simultaneous with it.
	tk.apply("2026-10-26 10:00", sla.Changed, "pending", "waiting_on_customer", "P1", "")
	tk.apply("2026-10-26 09:30", sla.Changed, "open", "", "P1", "")
	if fr := tk.tc.FirstResponse; !fr.RunningSince.Equal(de(t, "2026-10-26 10:00")) || fr.Elapsed != h {
		t.Fatalf("first response %+v", fr)
	}
}

func TestTicketClocksJSON(t *testing.T) {
	tk := newTicket(t, engine(t, policy()), "2026-10-23 17:00", "P2", "gold")
	tk.evaluate("2026-10-26 10:00")
	tk.apply("2026-10-26 10:30", sla.AgentPublicReply, "pending", "waiting_on_customer", "P2", "gold")
	tk.apply("2026-10-26 15:00", sla.CustomerMessage, "open", "", "P2", "gold")
	b, err := json.Marshal(tk.tc)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"first_response":{`, `"outcome":"met"`, `"warned":true`, `"policy_id":"std"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON lacks %s: %s", want, b)
		}
	}
	var back sla.TicketClocks
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, tk.tc) {
		t.Fatalf("round trip changed the state:\n%+v\n%+v", back, tk.tc)
	}
	// Both copies go on identically.
	other := &ticket{t: t, e: tk.e, tc: back}
	a := tk.apply("2026-10-28 12:00", sla.Changed, "open", "", "P1", "gold")
	c := other.apply("2026-10-28 12:00", sla.Changed, "open", "", "P1", "gold")
	if !reflect.DeepEqual(a, c) || !reflect.DeepEqual(tk.tc, other.tc) {
		t.Fatal("a restored state behaves differently")
	}
	d := sla.Due{TicketID: 1, Metric: sla.NextResponse, Kind: sla.Breach, At: de(t, "2026-10-28 12:00").UTC(), Cycle: 2, Version: 9}
	b, _ = json.Marshal(d)
	if !strings.Contains(string(b), `"metric":"next_response","kind":"breach"`) {
		t.Errorf("due JSON %s", b)
	}
	var dd sla.Due
	if err := json.Unmarshal(b, &dd); err != nil || !reflect.DeepEqual(dd, d) {
		t.Fatalf("due round trip %+v, %v", dd, err)
	}
	if d.Key() != "1:next_response:breach:2" {
		t.Errorf("key %s", d.Key())
	}
}

func TestPolicyChange(t *testing.T) {
	tk := newTicket(t, engine(t, policy()), "2026-10-26 09:00", "P2", "") // resolution 16h: Tuesday 16:00
	p := policy()
	p.ID, p.Calendar = "24x7", ""
	other, err := sla.NewEngine(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	tk.e = other
	// Same targets, another calendar: 7h used, 9h left round the clock.
	same(t, tk.apply("2026-10-26 16:00", sla.Changed, "open", "", "P2", ""),
		sla.FirstResponse, sla.Warning, "2026-10-26 12:00",
		sla.FirstResponse, sla.Breach, "2026-10-26 13:00")
	r := tk.tc.Resolution
	if tk.tc.PolicyID != "24x7" || r.Elapsed != 7*h || !r.WarnAt.Equal(de(t, "2026-10-26 21:00")) {
		t.Fatalf("after the policy change: %s, %+v", tk.tc.PolicyID, r)
	}
	deadline(t, r, "2026-10-27 01:00")
}

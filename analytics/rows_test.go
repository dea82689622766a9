package analytics

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/deskmine/deskmine/ticketcore/events"
)

var t0 = time.Date(2026, 3, 2, 9, 15, 4, 120331000, time.UTC)

func ev(id, ver int64, typ events.Type, at time.Time, status, team string) events.Event {
	return events.Event{
		SchemaVersion: 1, ID: "e" + string(rune('a'+ver)) + strings.Repeat("x", int(id%3)), TicketID: id, TicketVersion: ver,
		Type: typ, At: at, RecordedAt: at, Actor: events.Actor{Name: "a", Role: "agent"}, Source: events.SourceAPI,
		Changes: []events.Change{{Field: "status"}},
		Ticket:  events.Ticket{ID: id, Version: ver, Status: status, Team: team, CreatedAt: t0, UpdatedAt: at},
	}
}

func derive(t *testing.T, prior map[int64]TicketRow, evs ...events.Event) *Rows {
	t.Helper()
	b, err := Prepare(evs)
	if err != nil {
		t.Fatalf("prepare: %v", err)
	}
	return Derive(b, prior)
}

func TestDeriveIntervals(t *testing.T) {
	r := derive(t, nil,
		ev(1, 2, events.TicketStatusChanged, t0.Add(90*time.Minute+700*time.Millisecond), "open", "b"),
		ev(1, 1, events.TicketCreated, t0, "new", "a"),
		ev(1, 2, events.TicketStatusChanged, t0.Add(90*time.Minute), "open", "b"), // repeat
	)
	if len(r.Events) != 2 || len(r.Intervals) != 2 || len(r.Tickets) != 1 {
		t.Fatalf("rows: %d events, %d intervals, %d tickets", len(r.Events), len(r.Intervals), len(r.Tickets))
	}
	iv := r.Intervals[0]
	if !iv.Closed || iv.Version != 1 || iv.EndVersion != 2 || iv.Status != "new" || iv.Team != "a" ||
		iv.StartAt != Trunc(t0) || iv.DurationMs != 90*60*1000 {
		t.Fatalf("closed interval = %+v", iv)
	}
	if open := r.Intervals[1]; open.Closed || open.EndAt != nil || open.Status != "open" || open.Version != 2 {
		t.Fatalf("open interval = %+v", open)
	}
	if r.Events[1].PrevStatus != "new" || r.Events[0].PrevStatus != "" || r.Events[0].At.Nanosecond() != 0 {
		t.Fatalf("event rows = %+v", r.Events)
	}
	if tk := r.Tickets[0]; tk.Version != 2 || tk.Status != "open" || tk.SLAPolicy != DefaultPolicy || tk.Tags == nil {
		t.Fatalf("ticket row = %+v", tk)
	}

	// The next batch closes the stored open interval and skips what was applied.
	prior := map[int64]TicketRow{1: r.Tickets[0]}
	r2 := derive(t, prior,
		ev(1, 2, events.TicketStatusChanged, t0.Add(90*time.Minute), "open", "b"),
		ev(1, 3, events.TicketCommented, t0.Add(30*time.Minute), "open", "b"), // clock went back
	)
	if len(r2.Events) != 1 || len(r2.Intervals) != 2 {
		t.Fatalf("second batch: %+v", r2)
	}
	if iv := r2.Intervals[0]; iv.Version != 2 || !iv.Closed || iv.DurationMs != 0 || iv.Team != "b" {
		t.Fatalf("interval closed across batches = %+v", iv)
	}
	if r2.Events[0].PrevStatus != "open" {
		t.Fatalf("prev status = %q", r2.Events[0].PrevStatus)
	}
	if r3 := derive(t, map[int64]TicketRow{1: r2.Tickets[0]}, ev(1, 3, events.TicketCommented, t0, "open", "b")); len(r3.Intervals)+len(r3.Events)+len(r3.Tickets) != 0 {
		t.Fatalf("applied event derived rows again: %+v", r3)
	}
}

func TestDeriveSLAAndUnknown(t *testing.T) {
	dl := t0.Add(time.Hour + 400*time.Millisecond)
	warn := ev(5, 2, events.TicketSLAWarning, t0.Add(time.Minute), "new", "a")
	warn.SLA = &events.SLA{Metric: "first_response", Cycle: 1, Policy: "gold", TargetSeconds: 1800, Deadline: &dl}
	unknown := ev(5, 3, "ticket.merged", t0.Add(2*time.Minute), "resolved", "a")
	res := t0.Add(2 * time.Minute)
	unknown.Ticket.ResolvedAt = &res
	comment := ev(5, 4, events.TicketCommented, t0.Add(3*time.Minute), "resolved", "a")
	comment.Comment = &events.Comment{ID: 1, Body: "done", Public: true}
	comment.Ticket.ResolvedAt = &res
	r := derive(t, nil, ev(5, 1, events.TicketCreated, t0, "new", "a"), warn, unknown, comment)
	if r.Unknown != 1 || len(r.Events) != 3 || len(r.Intervals) != 4 {
		t.Fatalf("unknown %d, events %d, intervals %d", r.Unknown, len(r.Events), len(r.Intervals))
	}
	if len(r.SLA) != 2 {
		t.Fatalf("sla rows = %+v", r.SLA)
	}
	if s := r.SLA[0]; s.Metric != "first_response" || s.Outcome != OutcomeWarning || s.Policy != "gold" || *s.Deadline != Trunc(dl) {
		t.Fatalf("warning row = %+v", s)
	}
	if s := r.SLA[1]; s.Metric != MetricOverall || s.Outcome != OutcomeMet || s.TicketVersion != 3 || s.Cycle != 1 {
		t.Fatalf("resolution row = %+v", s)
	}
	tk := r.Tickets[0]
	if *tk.ResolveMs != 120000 || *tk.FirstResponseMs != 180000 {
		t.Fatalf("ticket durations: resolve %d, first response %d", *tk.ResolveMs, *tk.FirstResponseMs)
	}
}

func TestPreparePermanent(t *testing.T) {
	good := ev(1, 1, events.TicketCreated, t0, "new", "a")
	for name, mut := range map[string]func(*events.Event){
		"future":  func(e *events.Event) { e.At = time.Date(2106, 2, 8, 0, 0, 0, 0, time.UTC) },
		"past":    func(e *events.Event) { e.At = time.Date(1969, 12, 31, 23, 59, 59, 0, time.UTC) },
		"created": func(e *events.Event) { e.Ticket.CreatedAt = time.Time{} },
		"deadline": func(e *events.Event) {
			d := time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)
			e.SLA = &events.SLA{Deadline: &d}
		},
		"invalid": func(e *events.Event) { e.Ticket.Version = 9 },
	} {
		bad := ev(2, 1, events.TicketCreated, t0, "new", "a")
		bad.ID = "bad-" + name
		mut(&bad)
		_, err := Prepare([]events.Event{good, bad})
		var p *PermanentError
		if !errors.As(err, &p) || !p.Permanent() || p.EventID != bad.ID || !strings.Contains(err.Error(), bad.ID) {
			t.Errorf("%s: error %v", name, err)
		}
	}
	edge := ev(1, 1, events.TicketCreated, MaxTime.Add(-time.Second), "new", "a")
	if _, err := Prepare([]events.Event{edge}); err != nil {
		t.Fatalf("last storable second refused: %v", err)
	}
}

func TestSnapshotTail(t *testing.T) {
	rated := t0.Add(90*time.Minute + 700*time.Millisecond)
	tk := events.Ticket{
		Customer:     events.Customer{Email: "Li.Na@Example.com", Phone: "+8613800000000"},
		CustomFields: map[string]any{"zone": "b", "count": float64(3), "ratio": 0.25, "ok": true, "os": []any{"win", "mac"}, "gone": nil},
		Links:        []events.Link{{Type: events.LinkDuplicateOf, TicketID: 7}, {Type: events.LinkRelatedTo, TicketID: 9}},
		CSAT:         &events.CSAT{Score: 4, At: rated},
	}
	s := SnapshotOf(&tk)
	if s.CustomerKey != "email:li.na@example.com" {
		t.Errorf("customer key %q", s.CustomerKey)
	}
	if got := strings.Join(s.CFKeys, ","); got != "count,ok,os,ratio,zone" {
		t.Errorf("cf keys %s", got)
	}
	if got := strings.Join(s.CFValues, "|"); got != "3|true|mac,win|0.25|b" {
		t.Errorf("cf values %s", got)
	}
	if strings.Join(s.LinkTypes, ",") != "duplicate_of,related_to" || len(s.LinkTargets) != 2 || s.LinkTargets[0] != 7 || s.LinkTargets[1] != 9 {
		t.Errorf("links %v %v", s.LinkTypes, s.LinkTargets)
	}
	if s.CSATScore != 4 || s.CSATAt == nil || !s.CSATAt.Equal(rated.Truncate(time.Second)) {
		t.Errorf("csat %d %v", s.CSATScore, s.CSATAt)
	}

	empty := SnapshotOf(&events.Ticket{})
	if empty.CustomerKey != "" || empty.CFKeys == nil || empty.CFValues == nil || empty.LinkTypes == nil || empty.LinkTargets == nil || empty.CSATScore != 0 || empty.CSATAt != nil {
		t.Errorf("empty snapshot tail %+v", empty)
	}
	for _, c := range []struct {
		in   events.Customer
		want string
	}{
		{events.Customer{ID: 12, Email: "a@b.c"}, "id:12"},
		{events.Customer{ExternalID: "C-9", Phone: "+1"}, "ext:C-9"},
		{events.Customer{Phone: "+4930123"}, "phone:+4930123"},
	} {
		if got := CustomerKey(c.in); got != c.want {
			t.Errorf("CustomerKey(%+v) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestIntervalCarriesProductAndSLA(t *testing.T) {
	a := ev(1, 1, events.TicketCreated, t0, "open", "net")
	a.Ticket.Product, a.Ticket.SLABreached = "router", false
	b := ev(1, 2, events.TicketSLABreached, t0.Add(time.Hour), "open", "net")
	b.Ticket.Product, b.Ticket.SLABreached = "router", true
	batch, err := Prepare([]events.Event{a, b})
	if err != nil {
		t.Fatal(err)
	}
	r := Derive(batch, nil)
	if len(r.Intervals) != 2 {
		t.Fatalf("intervals %d", len(r.Intervals))
	}
	if iv := r.Intervals[0]; iv.Product != "router" || iv.SLABreached || !iv.Closed {
		t.Errorf("first interval %+v", iv)
	}
	if iv := r.Intervals[1]; iv.Product != "router" || !iv.SLABreached || iv.Closed {
		t.Errorf("open interval %+v", iv)
	}
}

// TestDeriveFlow: handoffs, bounces, open episodes, resolutions, warnings
// and covers, carried across batches through the stored ticket row alone.
func TestDeriveFlow(t *testing.T) {
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	resolved := func(e events.Event) events.Event {
		ts := e.At
		e.Ticket.ResolvedAt = &ts
		return e
	}
	first := derive(t, nil,
		ev(1, 1, events.TicketCreated, at(0), "new", "a"),
		ev(1, 2, events.TicketUpdated, at(10), "open", "b"),                     // handoff a -> b
		ev(1, 3, events.TicketSLAWarning, at(20), "open", "b"),                  // warned
		ev(1, 4, events.TicketUpdated, at(30), "open", "a"),                     // handoff b -> a: a bounce
		resolved(ev(1, 5, events.TicketStatusChanged, at(40), "resolved", "a")), // a resolution ends the warning
	)
	iv := first.Intervals
	if len(iv) != 5 {
		t.Fatalf("%d intervals", len(iv))
	}
	if iv[0].Handoff || !iv[1].Handoff || iv[1].Bounce || iv[1].PrevTeam != "a" || !iv[3].Handoff || !iv[3].Bounce || iv[3].PrevTeam != "b" {
		t.Fatalf("handoffs and bounces: %+v", iv)
	}
	if iv[1].Warned || !iv[2].Warned || !iv[3].Warned || iv[4].Warned {
		t.Fatalf("warnings: %v %v %v %v", iv[1].Warned, iv[2].Warned, iv[3].Warned, iv[4].Warned)
	}
	if iv[0].OpenSince == nil || !iv[3].OpenSince.Equal(Trunc(at(0))) || iv[4].OpenSince != nil || !iv[4].Resolution || iv[3].Resolution {
		t.Fatalf("episodes: %+v", iv)
	}
	if c := iv[2].CoversTo; c == nil || !c.Equal(Trunc(at(30))) || !iv[2].CoversFrom.Equal(Trunc(at(20))) {
		t.Fatalf("cover of version 3: %v .. %v", iv[2].CoversFrom, iv[2].CoversTo)
	}
	tk := first.Tickets[0]
	if tk.Handoffs != 2 || tk.Bounces != 1 || tk.TeamBefore != "b" || tk.LastOpenVersion != 4 || !tk.Resolution {
		t.Fatalf("ticket flow = %+v", tk.Flow)
	}

	// Next batch: a reopen with a clock that went back opens a new episode
	// whose cover starts where the resolution's did; b again is a handoff
	// but not a bounce (the team before a is b: a -> b -> a -> b is one).
	second := derive(t, map[int64]TicketRow{1: tk},
		ev(1, 6, events.TicketStatusChanged, at(35), "open", "a"),
		ev(1, 7, events.TicketUpdated, at(50), "open", "b"),
	)
	iv = second.Intervals
	if len(iv) != 3 || iv[0].Version != 5 || !iv[0].Resolution || !iv[0].CoversTo.Equal(Trunc(at(40))) {
		t.Fatalf("closed resolution: %+v", iv)
	}
	if re := iv[1]; re.OpenSince == nil || !re.OpenSince.Equal(Trunc(at(35))) || !re.CoversFrom.Equal(Trunc(at(40))) || re.Resolution || re.Handoff {
		t.Fatalf("reopen: %+v", re)
	}
	if b := iv[2]; !b.Handoff || !b.Bounce || b.PrevTeam != "a" || !b.OpenSince.Equal(Trunc(at(35))) {
		t.Fatalf("second bounce: %+v", b)
	}
	if tk := second.Tickets[0]; tk.Handoffs != 3 || tk.Bounces != 2 || tk.LastOpenVersion != 7 || tk.TeamBefore != "a" {
		t.Fatalf("ticket flow after the reopen = %+v", tk.Flow)
	}
}

package slaclock_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/events"
	"github.com/deskmine/deskmine/ticketcore/slaclock"
)

// officePolicy measures P2 tickets in Shanghai office hours: first response
// 4h, next response 2h, resolution 16h; warnings at 75%.
const officePolicy = `{"calendar": "cn-office", "warn_at": 0.75, "targets": [
  {"priority": "P2", "first_response": 14400000000000, "next_response": 7200000000000, "resolution": 57600000000000},
  {"first_response": 28800000000000, "resolution": 144000000000000}]}`

func TestWarningAndBreachTimingInBusinessHours(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			if local(6, 0, 0).Weekday() != time.Friday {
				t.Fatal("2026-03-06 is not a Friday")
			}
			e := newEnv(t, b, local(6, 16, 0)) // Friday 16:00, two working hours left
			e.put(slaclock.KindCalendar, "cn-office", officeCalendar)
			e.put(slaclock.KindPolicy, "default", officePolicy)
			tk := e.create("P2", "")

			// first_response: 4h of office time = Fri 16-18 + Mon 09-11;
			// its warning at 3h = Mon 10:00. resolution: 16h = Fri 2h +
			// Mon 9h + Tue 5h = Tue 14:00; warning at 12h = Tue 10:00.
			s := e.status(tk.ID)
			fr, res := clockOf(s, "first_response"), clockOf(s, "resolution")
			if s.Policy != "default" || fr.State != "running" || !fr.Deadline.Equal(local(9, 11, 0)) || !fr.WarnAt.Equal(local(9, 10, 0)) {
				t.Fatalf("first response: %+v", fr)
			}
			if !res.Deadline.Equal(local(10, 14, 0)) || !res.WarnAt.Equal(local(10, 10, 0)) {
				t.Fatalf("resolution: %+v", res)
			}
			if s.NextDue == nil || !s.NextDue.Equal(local(9, 10, 0)) {
				t.Fatalf("next due %v", s.NextDue)
			}

			steps := []struct {
				at   time.Time
				want []string
			}{
				{local(6, 18, 0), nil}, // the weekend: nothing due
				{local(9, 9, 59), nil}, // a minute before the warning
				{local(9, 10, 0), []string{"sla_warning first_response"}},
				{local(9, 10, 59), nil},
				{local(9, 11, 0), []string{"sla_breached first_response"}},
				{local(10, 9, 59), nil},
				{local(10, 10, 0), []string{"sla_warning resolution"}},
				{local(10, 14, 0), []string{"sla_breached resolution"}},
				{local(17, 14, 0), nil}, // nothing is ever due again
			}
			var want []string
			for _, st := range steps {
				e.at(st.at)
				e.fire(tk.ID)
				e.fire(tk.ID) // firing again at the same instant writes nothing
				want = append(want, st.want...)
				if got := e.slaEvents(tk.ID); !slices.Equal(got, want) {
					t.Fatalf("at %s: events %v, want %v", st.at, got, want)
				}
			}

			evs := e.events(tk.ID)
			var breach events.Event
			for _, ev := range evs {
				if ev.Type == events.TicketSLABreached {
					breach = ev
					break
				}
			}
			for _, part := range []string{"first_response", "policy default", "target 4h0m0s", "deadline 2026-03-09T03:00:00.000Z"} {
				if !strings.Contains(breach.Reason, part) {
					t.Errorf("breach reason %q lacks %q", breach.Reason, part)
				}
			}
			if s := breach.SLA; s == nil || s.Metric != "first_response" || s.Cycle != 1 || s.Policy != "default" ||
				s.TargetSeconds != 4*3600 || s.Deadline == nil || !s.Deadline.Equal(local(9, 11, 0)) {
				t.Errorf("breach sla object %+v", breach.SLA)
			}
			if c, ok := breach.ChangeOf("sla_breached"); !ok || string(c.New) != "true" || !breach.Ticket.SLABreached {
				t.Errorf("the breach did not set sla_breached: %+v", breach.Changes)
			}
			if breach.Actor.Name != slaclock.SystemActor.Name || breach.Source != events.SourceSystem || !breach.At.Equal(local(9, 11, 0)) {
				t.Errorf("breach event: actor %+v source %s at %s", breach.Actor, breach.Source, breach.At)
			}
			for i, ev := range evs {
				if ev.TicketVersion != int64(i+1) {
					t.Fatalf("event %d has ticket version %d", i, ev.TicketVersion)
				}
			}
			if page, _ := e.st.DueSLAStates(e.ctx, 0, farFuture, 10); len(page) != 0 {
				t.Fatalf("a ticket with nothing left to fire is still due: %+v", page)
			}
		})
	}
}

func TestClocksPauseWhileWaitingOnCustomer(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b, local(9, 9, 0)) // Monday 09:00
			e.put(slaclock.KindCalendar, "cn-office", officeCalendar)
			e.put(slaclock.KindPolicy, "default", officePolicy)
			tk := e.create("P2", "")
			e.at(local(9, 10, 0))
			e.comment(tk.ID, agent, true) // first response after 1h: met
			e.transition(tk.ID, "pending", "waiting_on_customer")

			s := e.status(tk.ID)
			if fr := clockOf(s, "first_response"); fr.State != "stopped" || fr.Outcome != "met" {
				t.Fatalf("first response: %+v", fr)
			}
			if res := clockOf(s, "resolution"); res.State != "paused" || res.Deadline != nil || res.Elapsed != 3600 {
				t.Fatalf("resolution while waiting on the customer: %+v", res)
			}
			// Two days pass while the customer is silent: nothing is due.
			e.at(local(11, 9, 0))
			e.fire(tk.ID)
			if got := e.slaEvents(tk.ID); len(got) != 0 {
				t.Fatalf("fired while paused: %v", got)
			}
			// The customer writes back; the agent reopens: resolution
			// resumes with 15h left = Wed 09-18 + Thu 09-15.
			e.comment(tk.ID, client, true)
			e.transition(tk.ID, "open", "")
			s = e.status(tk.ID)
			res, nr := clockOf(s, "resolution"), clockOf(s, "next_response")
			if res.State != "running" || !res.Deadline.Equal(local(12, 15, 0)) {
				t.Fatalf("resolution after the pause: %+v", res)
			}
			// next_response started with the customer's message, paused
			// until the reopen a moment later.
			if nr.State != "running" || !nr.Deadline.Equal(local(11, 11, 0)) {
				t.Fatalf("next response: %+v", nr)
			}
			// waiting on a third party does not pause.
			e.at(local(11, 10, 0))
			e.transition(tk.ID, "pending", "waiting_on_third_party")
			e.at(local(11, 11, 0))
			e.fire(tk.ID)
			if got := e.slaEvents(tk.ID); !slices.Equal(got, []string{"sla_warning next_response", "sla_breached next_response"}) {
				t.Fatalf("events %v", got)
			}
		})
	}
}

func TestLateReplyWritesTheMissedBreach(t *testing.T) {
	e := newEnv(t, testdb.Backends()[0], local(9, 9, 0))
	e.put(slaclock.KindCalendar, "cn-office", officeCalendar)
	e.put(slaclock.KindPolicy, "default", officePolicy)
	tk := e.create("P2", "")
	// Nobody fired the clocks (the server was busy or down); the agent
	// replies after the deadline (Mon 13:00).
	e.at(local(9, 15, 0))
	e.comment(tk.ID, agent, true)
	s := e.status(tk.ID)
	if fr := clockOf(s, "first_response"); fr.State != "stopped" || !fr.Breached || !s.NextDue.Equal(local(9, 12, 0)) {
		t.Fatalf("late reply: %+v next due %v", fr, s.NextDue)
	}
	// The reply's transaction wrote only the comment; the missed warning
	// and breach follow from the fire path, at once and once.
	if got := e.slaEvents(tk.ID); len(got) != 0 {
		t.Fatalf("written with the reply: %v", got)
	}
	e.fire(tk.ID)
	e.fire(tk.ID)
	if got := e.slaEvents(tk.ID); !slices.Equal(got, []string{"sla_warning first_response", "sla_breached first_response"}) {
		t.Fatalf("events %v", got)
	}
}

func TestFiringIsIdempotent(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			start := time.Date(2026, 3, 9, 8, 0, 0, 0, time.UTC)
			e := newEnv(t, b, start)
			e.put(slaclock.KindPolicy, "default", `{"targets": [{"first_response": 600000000000, "resolution": 3600000000000}]}`)
			var ids []int64
			for range 5 {
				ids = append(ids, e.create("P3", "").ID)
			}
			e.at(start.Add(2 * time.Hour))
			// Many concurrent fires of the same tickets: each item once.
			var wg sync.WaitGroup
			errs := make(chan error, 40)
			for i := range 40 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs <- e.clocks.Fire(e.ctx, ids[i%len(ids)])
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			want := []string{"sla_warning first_response", "sla_breached first_response", "sla_warning resolution", "sla_breached resolution"}
			for _, id := range ids {
				if got := e.slaEvents(id); !slices.Equal(got, want) {
					t.Fatalf("ticket %d: %v", id, got)
				}
			}

			// Second guard: a state that lost its marks (restored from an
			// old copy) still writes nothing twice, thanks to the fired keys.
			err := e.st.InTx(e.ctx, func(tx ticketcore.Tx) error {
				row, err := tx.SLAStateForUpdate(e.ctx, ids[0])
				if err != nil {
					return err
				}
				old := strings.NewReplacer(`"warned":true`, `"warned":false`, `"breached":true`, `"breached":false`).Replace(string(row.State))
				if old == string(row.State) {
					t.Fatal("no marks to remove")
				}
				row.State = []byte(old)
				row.Version++
				return tx.SaveSLAState(e.ctx, row)
			})
			if err != nil {
				t.Fatal(err)
			}
			e.fire(ids[0])
			if got := e.slaEvents(ids[0]); !slices.Equal(got, want) {
				t.Fatalf("after losing the marks: %v", got)
			}
			if !strings.Contains(e.logs.String(), "fired before") {
				t.Fatalf("the fired keys were not consulted: %s", e.logs)
			}
		})
	}
}

func TestEscalation(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			start := time.Date(2026, 3, 9, 8, 0, 0, 0, time.UTC)
			e := newEnv(t, b, start)
			// 24x7: first response 10m, resolution 1h, warnings at half.
			e.put(slaclock.KindPolicy, "gold", `{"warn_at": 0.5,
			  "targets": [{"first_response": 600000000000, "resolution": 3600000000000}],
			  "escalation": [
			    {"on": "warning", "metric": "first_response", "action": "notify", "role": "lead"},
			    {"on": "breach", "action": "reassign", "level": 2},
			    {"on": "breach", "metric": "first_response", "after": 1800000000000, "action": "notify", "role": "manager"}]}`)
			e.put(slaclock.KindPolicy, "default", `{"targets": [{"resolution": 36000000000000}]}`)
			tk := e.create("P3", "")
			quiet := e.create("P3", "")    // answered early
			answered := e.create("P3", "") // answered after its breach
			for _, id := range []int64{tk.ID, quiet.ID, answered.ID} {
				p := "gold"
				if _, err := e.svc.Update(e.ctx, agent, id, 1, ticketcore.Patch{SLAPolicy: &p}); err != nil {
					t.Fatal(err)
				}
			}
			want := []string{}
			step := func(at time.Duration, add ...string) {
				t.Helper()
				e.at(start.Add(at))
				for _, id := range []int64{tk.ID, quiet.ID, answered.ID} {
					e.fire(id)
				}
				want = append(want, add...)
				if got := e.slaEvents(tk.ID); !slices.Equal(got, want) {
					t.Fatalf("at +%s: %v, want %v", at, got, want)
				}
			}
			step(5*time.Minute, "sla_warning first_response", "escalated first_response")
			if got := e.rec.roles(); !slices.Equal(got, []string{"lead", "lead", "lead"}) {
				t.Fatalf("notices %v", got)
			}
			e.comment(quiet.ID, agent, true)
			step(10*time.Minute, "sla_breached first_response", "escalated first_response")
			e.at(start.Add(20 * time.Minute))
			e.comment(answered.ID, agent, true) // its delayed step to the manager is dropped
			got, _ := e.svc.Get(e.ctx, tk.ID)
			if got.Team != "tier2" || got.Assignee != "zhao.lei" || e.status(tk.ID).Level != 2 {
				t.Fatalf("after the breach: team %q assignee %q level %d", got.Team, got.Assignee, e.status(tk.ID).Level)
			}
			step(30*time.Minute, "sla_warning resolution")
			step(39 * time.Minute)
			step(40*time.Minute, "escalated first_response") // the manager, 30m after the breach
			step(60*time.Minute, "sla_breached resolution")  // level 2 already: no second reassign
			if got := e.rec.roles(); !slices.Equal(got, []string{"lead", "lead", "lead", "manager"}) {
				t.Fatalf("notices %v", got)
			}
			if got := e.slaEvents(quiet.ID); !slices.Equal(got, []string{"sla_warning first_response", "escalated first_response",
				"sla_warning resolution", "sla_breached resolution", "escalated resolution"}) {
				t.Fatalf("ticket answered in time: %v", got)
			}
			if got := e.slaEvents(answered.ID); !slices.Equal(got, []string{"sla_warning first_response", "escalated first_response",
				"sla_breached first_response", "escalated first_response", "sla_warning resolution", "sla_breached resolution"}) {
				t.Fatalf("ticket answered late: %v", got)
			}
			var reasons []string
			for _, ev := range e.events(tk.ID) {
				if ev.Type == events.TicketEscalated {
					reasons = append(reasons, ev.Reason)
				}
			}
			for i, part := range []string{"notify lead", "reassign to level 2; least loaded agent of level 2", "notify manager, 30m0s after it"} {
				if !strings.Contains(reasons[i], part) {
					t.Errorf("escalation %d: %q lacks %q", i, reasons[i], part)
				}
			}

			// By hand: one level up, then a level that is not higher is refused.
			out, err := e.clocks.Escalate(e.ctx, lead, tk.ID, slaclock.EscalateInput{Reason: "customer called the CEO"})
			if err != nil || out.Team != "tier3" || e.status(tk.ID).Level != 3 {
				t.Fatalf("manual escalation: %+v %v", out, err)
			}
			evs := e.events(tk.ID)
			last := evs[len(evs)-1]
			if last.Type != events.TicketEscalated || last.Actor.Name != lead.Name || last.Source != events.SourceAPI ||
				!strings.Contains(last.Reason, "manual escalation by wang.fang: reassign to level 3: customer called the CEO") {
				t.Fatalf("manual escalation event: %+v", last)
			}
			var ce *ticketcore.Error
			if _, err := e.clocks.Escalate(e.ctx, lead, tk.ID, slaclock.EscalateInput{Level: 2}); !errors.As(err, &ce) || ce.Fields["level"] == "" {
				t.Fatalf("escalating down: %v", err)
			}
			// An Escalator that finds nobody does not block the escalation.
			other := e.create("P3", "")
			e.rec.fail = errors.New("nobody at level 2 is online")
			out, err = e.clocks.Escalate(e.ctx, lead, other.ID, slaclock.EscalateInput{Level: 2})
			if err != nil || out.Team != other.Team || e.status(other.ID).Level != 2 {
				t.Fatalf("escalation the escalator cannot place: %+v %v", out, err)
			}
			evs = e.events(other.ID)
			if r := evs[len(evs)-1].Reason; !strings.Contains(r, "not reassigned: nobody at level 2 is online") {
				t.Fatalf("reason %q", r)
			}
		})
	}
}

func TestPolicyOfTheTicket(t *testing.T) {
	e := newEnv(t, testdb.Backends()[0], time.Date(2026, 3, 9, 8, 0, 0, 0, time.UTC))
	// No policy at all: tickets are not measured.
	early := e.create("P3", "")
	if _, err := e.clocks.Status(e.ctx, early.ID); err == nil {
		t.Fatal("clocks without any policy")
	}
	e.put(slaclock.KindPolicy, "default", `{"targets": [{"first_response": 3600000000000}, {"tier": "vip", "first_response": 600000000000}]}`)
	e.put(slaclock.KindPolicy, "gold", `{"targets": [{"first_response": 60000000000}]}`)

	// An unknown policy is refused on the field and changes nothing.
	tk := e.create("P3", "")
	bad := "platinum"
	var ce *ticketcore.Error
	if _, err := e.svc.Update(e.ctx, agent, tk.ID, 1, ticketcore.Patch{SLAPolicy: &bad}); !errors.As(err, &ce) || ce.Code != ticketcore.CodeInvalid || ce.Fields["sla_policy"] == "" {
		t.Fatalf("unknown policy: %v", err)
	}
	if got, _ := e.svc.Get(e.ctx, tk.ID); got.Version != 1 || got.SLAPolicy != "" {
		t.Fatalf("refused change stored: %+v", got)
	}
	// A known one re-targets the running clock; "" goes back to the default.
	gold := "gold"
	if _, err := e.svc.Update(e.ctx, agent, tk.ID, 1, ticketcore.Patch{SLAPolicy: &gold}); err != nil {
		t.Fatal(err)
	}
	s := e.status(tk.ID)
	if fr := clockOf(s, "first_response"); s.Policy != "gold" || fr.Target != 60 {
		t.Fatalf("after gold: %+v", s)
	}
	none := ""
	if _, err := e.svc.Update(e.ctx, agent, tk.ID, 2, ticketcore.Patch{SLAPolicy: &none}); err != nil {
		t.Fatal(err)
	}
	if s := e.status(tk.ID); s.Policy != "default" || clockOf(s, "first_response").Target != 3600 {
		t.Fatalf("back to default: %+v", s)
	}
	// The customer's tier picks the target.
	vip := e.create("P3", "vip")
	if fr := clockOf(e.status(vip.ID), "first_response"); fr.Target != 600 {
		t.Fatalf("vip target: %+v", fr)
	}
	// A new ticket routed to a policy that is gone runs under the default.
	e.svc.SetRouter(policyRouter("retired"))
	routed := e.create("P3", "")
	e.svc.SetRouter(nil)
	if s := e.status(routed.ID); routed.SLAPolicy != "retired" || s.Policy != "default" {
		t.Fatalf("routed to a missing policy: %q measured by %q", routed.SLAPolicy, s.Policy)
	}
	// A policy set on a ticket created before any policy starts its clocks.
	if _, err := e.svc.Update(e.ctx, agent, early.ID, 1, ticketcore.Patch{SLAPolicy: &gold}); err != nil {
		t.Fatal(err)
	}
	if fr := clockOf(e.status(early.ID), "first_response"); fr.State != "running" || fr.Target != 60 {
		t.Fatalf("late start: %+v", fr)
	}
	// Imported history is not measured.
	res, err := e.svc.ImportTicket(e.ctx, "ZD-1", []ticketcore.ImportedChange{{At: e.clk.Now().Add(-time.Hour), Actor: "m.keller",
		Type: "created", Fields: map[string]any{"subject": "old", "status": "open"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.clocks.Status(e.ctx, res.TicketID); err == nil {
		t.Fatal("imported ticket measured")
	}
}

func TestValidation(t *testing.T) {
	e := newEnv(t, testdb.Backends()[0], time.Date(2026, 3, 9, 8, 0, 0, 0, time.UTC))
	fields := func(err error) map[string]string {
		var ce *ticketcore.Error
		if !errors.As(err, &ce) || ce.Code != ticketcore.CodeInvalid {
			t.Fatalf("want a validation error, got %v", err)
		}
		return ce.Fields
	}
	_, err := slaclock.ValidateCalendar("office", []byte(`{"name": "other", "time_zone": "Mars/Base", "week": {"mon": [{"start": "9", "end": "18:00"}]}}`))
	f := fields(err)
	for _, k := range []string{"name", "time_zone", "week.mon[0].start"} {
		if f[k] == "" {
			t.Errorf("calendar: no error on %s: %v", k, f)
		}
	}
	if _, err := slaclock.ValidateCalendar("office", []byte(`{"name": "office", "tz": "UTC"}`)); fields(err)["body"] == "" {
		t.Errorf("unknown field accepted: %v", f)
	}
	body, err := slaclock.ValidateCalendar("office", []byte(officeCalendar))
	if err == nil {
		t.Fatalf("a calendar named cn-office saved as office: %s", body)
	}
	_, err = slaclock.ValidatePolicy(e.ctx, e.st, "gold", []byte(`{"id": "silver", "calendar": "nowhere", "warn_at": 1.5,
	  "targets": [{"priority": "P9", "first_response": -1}],
	  "escalation": [{"on": "late", "action": "notify"}, {"on": "breach", "action": "reassign", "level": 1},
	                 {"on": "breach", "metric": "speed", "after": -5, "action": "call"}]}`))
	f = fields(err)
	for _, k := range []string{"id", "calendar", "warn_at", "targets[0].priority", "targets[0].first_response",
		"escalation[0].on", "escalation[0].role", "escalation[1].level", "escalation[2].metric", "escalation[2].after", "escalation[2].action"} {
		if f[k] == "" {
			t.Errorf("policy: no error on %s: %v", k, f)
		}
	}
	// The id defaults to the setting name.
	body, err = slaclock.ValidatePolicy(e.ctx, e.st, "gold", []byte(`{"targets": [{"resolution": 1}]}`))
	if err != nil || !strings.Contains(string(body), `"id":"gold"`) {
		t.Fatalf("%s %v", body, err)
	}
	// A calendar in use cannot go.
	e.put(slaclock.KindCalendar, "cn-office", officeCalendar)
	e.put(slaclock.KindPolicy, "gold", `{"calendar": "cn-office", "targets": [{"resolution": 1}]}`)
	if f := fields(slaclock.CheckDeleteCalendar(e.ctx, e.st, "cn-office")); !strings.Contains(f["name"], "gold") {
		t.Fatalf("delete check: %v", f)
	}
	if err := slaclock.CheckDeleteCalendar(e.ctx, e.st, "other"); err != nil {
		t.Fatal(err)
	}
}

type policyRouter string

func (p policyRouter) Route(_ context.Context, t *ticketcore.Ticket) (string, error) {
	t.SLAPolicy = string(p)
	return "rule x: SLA policy " + string(p), nil
}

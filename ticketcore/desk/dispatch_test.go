package desk_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/calendar"
	"github.com/deskmine/deskmine/ticketcore/desk"
	"github.com/deskmine/deskmine/ticketcore/events"
	"github.com/deskmine/deskmine/ticketcore/routing"
)

const refundRules = `{"rules": [
  {"id": "refunds", "name": "Refunds go to billing",
   "conditions": {"field": "text", "op": "keywords", "value": ["refund*", "退款"]},
   "actions": [{"type": "set_team", "team": "billing"}, {"type": "set_priority", "priority": "P2"},
               {"type": "add_tags", "tags": ["refund"]}, {"type": "assign", "agent": "auto"}]},
  {"id": "rest", "actions": [{"type": "set_team", "team": "support"}]}
]}`

// TestRouteOnCreate routes new tickets through Service.Create: team,
// priority, tags and assignee come from the rules and the team's strategy,
// and the created event says why.
func TestRouteOnCreate(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			f := newFixture(t, b, "ann", "bo", "cy")
			f.team("support", "", "")
			f.team("billing", routing.StrategyLeastLoaded, "support")
			f.agent(desk.Agent{Login: "ann", Teams: []string{"billing"}})
			f.agent(desk.Agent{Login: "bo", Teams: []string{"billing"}})
			f.agent(desk.Agent{Login: "cy", Teams: []string{"support"}})
			f.rules(refundRules)

			t1 := f.create("I want a refund", nil)
			if t1.Team != "billing" || t1.Priority != "P2" || !slices.Contains(t1.Tags, "refund") || t1.Assignee != "ann" {
				t.Fatalf("routed ticket %+v", t1)
			}
			e := f.lastEntry(t1.ID)
			for _, want := range []string{"routing rules v1", "matched refunds", "team billing", "priority P2", "tags +refund",
				"strategy least_loaded", `assigned "ann"`} {
				if !strings.Contains(e.Reason, want) {
					t.Errorf("reason lacks %q: %s", want, e.Reason)
				}
			}
			// ann carries a P2 (2): bo is least loaded now
			t2 := f.create("申请退款", nil)
			if t2.Assignee != "bo" || f.load("ann") != 2 || f.load("bo") != 2 {
				t.Fatalf("second: %s, loads ann %d bo %d", t2.Assignee, f.load("ann"), f.load("bo"))
			}
			// no assignment asked: team only
			t3 := f.create("Printer broken", nil)
			if t3.Team != "support" || t3.Assignee != "" || !strings.Contains(f.lastEntry(t3.ID).Reason, "matched rest") {
				t.Fatalf("third %+v", t3)
			}
			// the creator's assignee is kept, "auto" runs the team's strategy
			t4 := f.create("Printer broken again", func(in *ticketcore.CreateInput) { in.Assignee = "ann" })
			t5 := f.create("Printer on fire", func(in *ticketcore.CreateInput) { in.Assignee = "auto" })
			if t4.Assignee != "ann" || t5.Assignee != "cy" || t5.Team != "support" {
				t.Fatalf("given %q, auto %q in %q", t4.Assignee, t5.Assignee, t5.Team)
			}
			// rules see the linked customer: a known VIP is one without saying so
			// and set the SLA policy
			if err := f.st.PutSetting(ctx, &ticketcore.Setting{Kind: desk.KindSLAPolicy, Name: "vip", Body: []byte(`{}`),
				UpdatedAt: monday10, UpdatedBy: "admin"}, 0); err != nil {
				t.Fatal(err)
			}
			f.rules(`{"rules": [{"id": "vip", "conditions": {"field": "customer.tier", "op": "eq", "value": "vip"},
			  "actions": [{"type": "set_priority", "priority": "P1"}, {"type": "set_sla_policy", "policy": "vip"}]}]}`)
			vip := f.create("hello", func(in *ticketcore.CreateInput) {
				in.Customer = ticketcore.CustomerInput{Email: "v@example.com", Tier: "vip"}
			})
			again := f.create("hello again", func(in *ticketcore.CreateInput) { in.Customer = ticketcore.CustomerInput{Email: "v@example.com"} })
			reason := f.lastEntry(again.ID).Reason
			if vip.Priority != "P1" || again.Priority != "P1" || again.SLAPolicy != "vip" ||
				!strings.Contains(reason, "routing rules v2: matched vip (priority P1, SLA policy vip)") {
				t.Fatalf("VIP priorities %s, %s, policy %q: %s", vip.Priority, again.Priority, again.SLAPolicy, reason)
			}
			// closing releases the load
			if _, err := f.svc.Transition(ctx, admin, t1.ID, 0, ticketcore.TransitionInput{To: "closed"}); err != nil {
				t.Fatal(err)
			}
			if got, want := map[string]int{"ann": f.load("ann"), "bo": f.load("bo"), "cy": f.load("cy")}, f.dbLoads(); !sameLoads(got, want) {
				t.Fatalf("loads %v, database says %v", got, want)
			}
		})
	}
}

func sameLoads(live, db map[string]int) bool {
	for k, v := range live {
		if db[k] != v {
			return false
		}
	}
	for k, v := range db {
		if live[k] != v {
			return false
		}
	}
	return true
}

// TestLoadsFollowChangesAndRebuild changes assignments, priorities and
// states in every way, then checks the live loads and those counted by a
// fresh desk at start against the database.
func TestLoadsFollowChangesAndRebuild(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			logins := []string{"ann", "bo", "cy"}
			f := newFixture(t, b, logins...)
			f.team("support", routing.StrategyRoundRobin, "")
			for _, l := range logins {
				f.agent(desk.Agent{Login: l, Teams: []string{"support"}, Capacity: 100})
			}
			f.rules(`{"rules": [{"id": "all", "actions": [{"type": "set_team", "team": "support"}, {"type": "assign", "agent": "auto"}]}]}`)
			var ids []int64
			for i, u := range []string{"low", "medium", "high", "critical", "medium", "high"} {
				tk := f.create("ticket "+u, func(in *ticketcore.CreateInput) { in.Urgency = u })
				ids = append(ids, tk.ID)
				if want := logins[i%3]; tk.Assignee != want {
					t.Fatalf("round robin gave ticket %d to %s, want %s", i, tk.Assignee, want)
				}
			}
			p1, bo, none := "P1", "bo", ""
			steps := []func() error{
				func() error {
					_, err := f.svc.Update(ctx, admin, ids[0], 0, ticketcore.Patch{Priority: &p1})
					return err
				},
				func() error {
					_, err := f.svc.Update(ctx, admin, ids[1], 0, ticketcore.Patch{Assignee: &bo})
					return err
				},
				func() error {
					_, err := f.svc.Update(ctx, admin, ids[2], 0, ticketcore.Patch{Assignee: &none})
					return err
				},
				func() error {
					_, err := f.svc.Transition(ctx, admin, ids[3], 0, ticketcore.TransitionInput{To: "pending", PendingReason: "waiting_on_customer"})
					return err
				},
				func() error {
					_, err := f.svc.Transition(ctx, admin, ids[4], 0, ticketcore.TransitionInput{To: "resolved"})
					return err
				},
				func() error {
					_, err := f.svc.Transition(ctx, admin, ids[4], 0, ticketcore.TransitionInput{To: "open"})
					return err
				},
				func() error {
					_, err := f.svc.Transition(ctx, admin, ids[5], 0, ticketcore.TransitionInput{To: "closed"})
					return err
				},
				func() error { _, err := f.svc.Comment(ctx, admin, ids[0], "on it", true); return err },
			}
			for i, s := range steps {
				if err := s(); err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
			}
			live := map[string]int{}
			for _, l := range logins {
				live[l] = f.load(l)
			}
			db := f.dbLoads()
			if !sameLoads(live, db) {
				t.Fatalf("live loads %v, database %v", live, db)
			}
			// a second desk (as after a restart) counts the same from the store
			svc2, err := ticketcore.NewService(f.st, ticketcore.DefaultOptions())
			if err != nil {
				t.Fatal(err)
			}
			d2 := f.newDesk(svc2)
			for _, l := range logins {
				a, err := d2.Agent(ctx, l)
				if err != nil || *a.Load != db[l] {
					t.Fatalf("restarted desk: %s load %v, database %d (%v)", l, a.Load, db[l], err)
				}
			}
			// Reload re-counts to the same figures
			if err := f.desk.Reload(ctx); err != nil {
				t.Fatal(err)
			}
			for _, l := range logins {
				if f.load(l) != db[l] {
					t.Fatalf("after reload %s has %d, database %d", l, f.load(l), db[l])
				}
			}
		})
	}
}

// TestOfflineReroutes sends an agent offline: each of their open tickets
// goes to another agent of its team, by the system actor, with the reason
// in the event.
func TestOfflineReroutes(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			f := newFixture(t, b, "ann", "bo", "cy", "dee")
			f.team("overflow", "", "")
			f.team("support", routing.StrategyLeastLoaded, "overflow")
			f.agent(desk.Agent{Login: "ann", Teams: []string{"support"}, Capacity: 20})
			f.agent(desk.Agent{Login: "bo", Teams: []string{"support"}, Capacity: 2})
			f.agent(desk.Agent{Login: "cy", Teams: []string{"support"}, Capacity: 2})
			f.agent(desk.Agent{Login: "dee", Teams: []string{"overflow"}, Capacity: 20})
			var mine []int64
			for i, u := range []string{"high", "low", "low", "medium", "critical"} {
				tk := f.create("ticket", func(in *ticketcore.CreateInput) { in.Urgency, in.Assignee, in.Team = u, "ann", "support" })
				if i < 4 {
					mine = append(mine, tk.ID)
				} else if _, err := f.svc.Transition(ctx, admin, tk.ID, 0, ticketcore.TransitionInput{To: "resolved"}); err != nil {
					t.Fatal(err)
				}
			}
			if f.load("ann") != 5 {
				t.Fatalf("ann's load %d", f.load("ann"))
			}
			sc, err := f.desk.SetAgentStatus(ctx, ticketcore.Actor{UserID: 9, Name: "ann"}, "ann", routing.StatusOffline)
			if err != nil {
				t.Fatal(err)
			}
			if sc.Agent.Status != routing.StatusOffline || len(sc.Rerouted) != 4 || *sc.Agent.Load != 0 {
				t.Fatalf("status change %+v", sc)
			}
			// most urgent first, least loaded in support: the P2 (weight 2)
			// fills bo, the P3 and the older P4 fill cy, the last P4
			// overflows to dee
			want := map[int64]string{mine[0]: "bo", mine[3]: "cy", mine[1]: "cy", mine[2]: "dee"}
			for i, r := range sc.Rerouted {
				if r.Error != "" || r.To != want[r.TicketID] {
					t.Fatalf("reroute %d: %+v, want to %s", i, r, want[r.TicketID])
				}
			}
			if sc.Rerouted[0].TicketID != mine[0] || sc.Rerouted[3].TicketID != mine[2] || !sc.Rerouted[3].Overflowed {
				t.Fatalf("order %+v", sc.Rerouted)
			}
			for _, id := range mine {
				tk, _ := f.svc.Get(ctx, id)
				e := f.lastEntry(id)
				if tk.Assignee != want[id] || e.Actor.Name != desk.SystemActor.Name || e.Source != events.SourceSystem ||
					!strings.Contains(e.Reason, `agent "ann" went offline (by ann)`) || !strings.Contains(e.Reason, "strategy least_loaded") {
					t.Fatalf("ticket %d: assignee %s, entry %+v", id, tk.Assignee, e)
				}
				if tk.Assignee == "dee" && (tk.Team != "overflow" || !strings.Contains(e.Reason, `overflow to team "overflow"`)) {
					t.Fatalf("overflowed ticket %+v: %s", tk, e.Reason)
				}
			}
			live := map[string]int{}
			for _, l := range []string{"ann", "bo", "cy", "dee"} {
				live[l] = f.load(l)
			}
			if db := f.dbLoads(); !sameLoads(live, db) {
				t.Fatalf("live %v, database %v", live, db)
			}
			// offline agents get nothing new; online again, they do
			tk := f.create("new one", func(in *ticketcore.CreateInput) { in.Assignee, in.Team = "auto", "support" })
			if tk.Assignee != "dee" {
				t.Fatalf("with ann offline and support full, got %q", tk.Assignee)
			}
			if _, err := f.desk.SetAgentStatus(ctx, admin, "ann", routing.StatusOnline); err != nil {
				t.Fatal(err)
			}
			if tk = f.create("new two", func(in *ticketcore.CreateInput) { in.Assignee, in.Team = "auto", "support" }); tk.Assignee != "ann" {
				t.Fatalf("ann online again, got %q", tk.Assignee)
			}
			// offline again with nothing open but that ticket: it moves too
			sc, err = f.desk.SetAgentStatus(ctx, admin, "ann", routing.StatusOffline)
			if err != nil || len(sc.Rerouted) != 1 || sc.Rerouted[0].To != "dee" {
				t.Fatalf("second offline %+v %v", sc, err)
			}
		})
	}
}

// TestOverflow sends tickets to the backup team when the team's agents are
// full, away or off hours, and leaves them queued when the chain is exhausted.
func TestOverflow(t *testing.T) {
	f := newFixture(t, testdb.Backends()[0], "ann", "bo", "cy")
	f.team("l2", "", "")
	f.team("l1", routing.StrategyRoundRobin, "l2")
	f.agent(desk.Agent{Login: "ann", Teams: []string{"l1"}, Capacity: 1})
	f.agent(desk.Agent{Login: "bo", Teams: []string{"l1"}, Status: routing.StatusAway})
	f.agent(desk.Agent{Login: "cy", Teams: []string{"l2"}, Capacity: 2})
	f.rules(`{"rules": [{"id": "l1", "actions": [{"type": "set_team", "team": "l1"}, {"type": "assign", "agent": "auto"}]}]}`)

	first := f.create("one", func(in *ticketcore.CreateInput) { in.Urgency = "low" })
	if first.Assignee != "ann" || first.Team != "l1" {
		t.Fatalf("first %+v", first)
	}
	second := f.create("two", func(in *ticketcore.CreateInput) { in.Urgency = "low" })
	reason := f.lastEntry(second.ID).Reason
	if second.Assignee != "cy" || second.Team != "l2" || !strings.Contains(reason, `overflow to team "l2"`) ||
		!strings.Contains(reason, "1 at capacity") || !strings.Contains(reason, "1 away") {
		t.Fatalf("second %s in %s: %s", second.Assignee, second.Team, reason)
	}
	f.create("three", func(in *ticketcore.CreateInput) { in.Urgency = "low" })
	fourth := f.create("four", func(in *ticketcore.CreateInput) { in.Urgency = "low" })
	reason = f.lastEntry(fourth.ID).Reason
	if fourth.Assignee != "" || fourth.Team != "l1" || !strings.Contains(reason, "found no agent") || !strings.Contains(reason, "l1 -> l2") {
		t.Fatalf("fourth %q in %q: %s", fourth.Assignee, fourth.Team, reason)
	}
}

// TestAutoReassign re-routes a ticket whose new assignee is "auto".
func TestAutoReassign(t *testing.T) {
	f := newFixture(t, testdb.Backends()[0], "ann", "bo")
	f.team("support", "", "")
	f.agent(desk.Agent{Login: "ann", Teams: []string{"support"}})
	f.agent(desk.Agent{Login: "bo", Teams: []string{"support"}})
	tk := f.create("help", func(in *ticketcore.CreateInput) { in.Assignee, in.Team = "ann", "support" })
	auto := "auto"
	mgr := ticketcore.Actor{UserID: 3, Name: "mei", Role: "manager"}
	if _, err := f.desk.Update(ctx, mgr, tk.ID, tk.Version+1, ticketcore.Patch{Assignee: &auto}); codeOf(err) != ticketcore.CodeConflict {
		t.Fatalf("stale version: %v", err)
	}
	got, err := f.desk.Update(ctx, mgr, tk.ID, tk.Version, ticketcore.Patch{Assignee: &auto})
	if err != nil || got.Assignee != "bo" {
		t.Fatalf("auto: %+v %v", got, err)
	}
	e := f.lastEntry(tk.ID)
	if e.Actor.Name != "mei" || e.Source != events.SourceAPI || !strings.Contains(e.Reason, "reassigned automatically by mei") ||
		!strings.Contains(e.Reason, `assigned "bo"`) {
		t.Fatalf("entry %+v", e)
	}
	if f.load("ann") != 0 || f.load("bo") != 1 {
		t.Fatalf("loads ann %d bo %d", f.load("ann"), f.load("bo"))
	}
	// again: ann is the only one left
	got, err = f.desk.Update(ctx, mgr, tk.ID, 0, ticketcore.Patch{Assignee: &auto})
	if err != nil || got.Assignee != "ann" || f.load("ann") != 1 || f.load("bo") != 0 {
		t.Fatalf("auto again: %+v %v", got, err)
	}
	// other changes pass through to the service
	sub := "help!"
	if got, err = f.desk.Update(ctx, mgr, tk.ID, 0, ticketcore.Patch{Subject: &sub}); err != nil || got.Subject != "help!" {
		t.Fatalf("plain update: %v", err)
	}
	if _, err := f.svc.Transition(ctx, admin, tk.ID, 0, ticketcore.TransitionInput{To: "closed"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.desk.Update(ctx, mgr, tk.ID, 0, ticketcore.Patch{Assignee: &auto}); codeOf(err) != ticketcore.CodeInvalid {
		t.Fatalf("closed ticket: %v", err)
	}
}

// TestReservationOfFailedCreate: a create that fails after routing (a
// duplicate external id) reserved capacity; the reservation lapses. A
// replayed create is not routed at all.
func TestReservationOfFailedCreate(t *testing.T) {
	f := newFixture(t, testdb.Backends()[0], "ann")
	f.team("support", "", "")
	f.agent(desk.Agent{Login: "ann", Teams: []string{"support"}})
	in := ticketcore.CreateInput{Subject: "x", Channel: "web", Assignee: "auto", Team: "support", ExternalID: "EXT-1",
		Customer: ticketcore.CustomerInput{Email: "c@example.com"}}
	for range 2 {
		if _, err := f.svc.Create(ctx, admin, in, "key-1"); err != nil {
			t.Fatal(err)
		}
	}
	if f.load("ann") != 1 {
		t.Fatalf("load after a create and its replay: %d", f.load("ann"))
	}
	if _, err := f.svc.Create(ctx, admin, in, ""); codeOf(err) != ticketcore.CodeInvalid {
		t.Fatalf("duplicate external id: %v", err)
	}
	if f.load("ann") != 2 {
		t.Fatalf("load with the failed create's reservation: %d", f.load("ann"))
	}
	f.clk.Advance(3 * time.Minute)
	f.create("y", func(in *ticketcore.CreateInput) { in.Team = "support" }) // any change runs the expiry
	if f.load("ann") != 1 {
		t.Fatalf("load after the reservation lapsed: %d", f.load("ann"))
	}
}

type fakeSLA map[int64]time.Duration

func (s fakeSLA) SLARemaining(_ context.Context, ids []int64) map[int64]time.Duration {
	out := map[int64]time.Duration{}
	for _, id := range ids {
		if r, ok := s[id]; ok {
			out[id] = r
		}
	}
	return out
}

// TestQueueOrder orders an agent's queue by score and SLA pressure.
func TestQueueOrder(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			f := newFixture(t, b, "ann", "bo")
			f.team("support", "", "")
			f.agent(desk.Agent{Login: "ann", Teams: []string{"support"}, Capacity: 50})
			f.agent(desk.Agent{Login: "bo", Teams: []string{"support"}, Capacity: 50})
			mk := func(subject, urgency, tier, assignee string) int64 {
				return f.create(subject, func(in *ticketcore.CreateInput) {
					in.Urgency, in.Assignee, in.Team = urgency, assignee, "support"
					in.Customer = ticketcore.CustomerInput{Email: subject + "@example.com", Tier: tier}
				}).ID
			}
			low := mk("low", "low", "standard", "ann")
			vipMedium := mk("vipmedium", "medium", "vip", "ann")
			critical := mk("critical", "critical", "standard", "ann")
			breaching := mk("breaching", "low", "standard", "ann")
			pool := mk("pool", "high", "standard", "")
			mk("other", "critical", "standard", "bo")
			closed := mk("closed", "critical", "vip", "ann")
			if _, err := f.svc.Transition(ctx, admin, closed, 0, ticketcore.TransitionInput{To: "closed"}); err != nil {
				t.Fatal(err)
			}

			ids := func(es []desk.QueueEntry) []int64 {
				var out []int64
				for _, e := range es {
					out = append(out, e.Ticket.ID)
				}
				return out
			}
			q, err := f.desk.Queue(ctx, desk.QueueQuery{Agent: "ann"})
			if err != nil {
				t.Fatal(err)
			}
			// critical P1 (40+30=70), vip medium P3 (20+10+10=40), low P4 (0) twice: older first
			if want := []int64{critical, vipMedium, low, breaching}; !slices.Equal(ids(q), want) {
				t.Fatalf("queue %v, want %v", ids(q), want)
			}
			f.desk.SetSLASource(fakeSLA{breaching: -30 * time.Minute, low: 10 * time.Hour})
			q, err = f.desk.Queue(ctx, desk.QueueQuery{Agent: "ann", Unassigned: true, Limit: 3})
			if err != nil {
				t.Fatal(err)
			}
			// breached: 0 + 50*(1+0.125) = 56.25 ranks between critical and the pool's high P2 (25+20=45)
			if want := []int64{critical, breaching, pool}; !slices.Equal(ids(q), want) {
				t.Fatalf("queue with SLA %v, want %v", ids(q), want)
			}
			if q[1].SLARemainingSeconds == nil || *q[1].SLARemainingSeconds != -1800 || q[0].SLARemainingSeconds != nil || q[2].Assigned {
				t.Fatalf("entries %+v", q)
			}
			if _, err := f.desk.Queue(ctx, desk.QueueQuery{Agent: "zed"}); codeOf(err) != ticketcore.CodeNotFound {
				t.Fatalf("unknown agent: %v", err)
			}
			if _, err := f.desk.Queue(ctx, desk.QueueQuery{Agent: "ann", Limit: 1000}); codeOf(err) != ticketcore.CodeInvalid {
				t.Fatalf("limit: %v", err)
			}
		})
	}
}

// TestExplain dry-runs the saved rules and a draft on a stored ticket and
// on a ticket described as it would be created.
func TestExplain(t *testing.T) {
	f := newFixture(t, testdb.Backends()[0], "ann")
	f.team("support", "", "")
	f.team("billing", "", "support")
	f.agent(desk.Agent{Login: "ann", Teams: []string{"billing"}})
	f.rules(refundRules)
	in := ticketcore.CreateInput{Subject: "refund please", Channel: "web", Customer: ticketcore.CustomerInput{Email: "c@example.com", Tier: "vip"}}
	ex, err := f.desk.Explain(ctx, admin, desk.ExplainRequest{Ticket: &in})
	if err != nil {
		t.Fatal(err)
	}
	if ex.RuleSetVersion != 1 || ex.Outcome.Team != "billing" || ex.Rules[0].Result != routing.ResultMatched ||
		ex.Assignment == nil || ex.Assignment.Agent != "ann" || ex.DraftRules {
		t.Fatalf("explanation %+v", ex)
	}
	if f.load("ann") != 0 {
		t.Fatal("a dry run reserved capacity")
	}
	tk := f.create("printer", nil)
	draft := `{"rules": [{"id": "vip", "conditions": {"field": "customer.tier", "op": "eq", "value": "premium"}, "actions": [{"type": "set_priority", "priority": "P1"}]}]}`
	ex, err = f.desk.Explain(ctx, admin, desk.ExplainRequest{TicketID: tk.ID, Rules: []byte(draft)})
	if err != nil || !ex.DraftRules || ex.Rules[0].Result != routing.ResultNotMatched || ex.Assignment != nil {
		t.Fatalf("draft explanation %+v %v", ex, err)
	}
	_, err = f.desk.Explain(ctx, admin, desk.ExplainRequest{TicketID: tk.ID, Rules: []byte(`{"rules": [{"id": "x", "actions": [{"type": "set_team", "team": "nope"}]}]}`)})
	wantFields(t, err, "rules[0].actions[0].team")
	if _, err := f.desk.Explain(ctx, admin, desk.ExplainRequest{}); codeOf(err) != ticketcore.CodeInvalid {
		t.Fatalf("empty request: %v", err)
	}
	if _, err := f.desk.Explain(ctx, admin, desk.ExplainRequest{Ticket: &ticketcore.CreateInput{Channel: "fax"}}); codeOf(err) != ticketcore.CodeInvalid {
		t.Fatalf("invalid draft ticket: %v", err)
	}
}

// TestStickyAcrossRestartAndWorkingHours: a sticky team gives a returning
// customer their last agent, also after a restart (the last agents are read
// back from recent tickets); an agent outside working hours gets nothing.
func TestStickyAcrossRestartAndWorkingHours(t *testing.T) {
	f := newFixture(t, testdb.Backends()[0], "ann", "bo", "night")
	f.team("vip", routing.StrategySticky, "")
	f.team("nights", "", "")
	f.agent(desk.Agent{Login: "ann", Teams: []string{"vip"}})
	f.agent(desk.Agent{Login: "bo", Teams: []string{"vip"}})
	// works 22:00-06:00 in Shanghai (14:00-22:00 UTC): off at 10:00 UTC
	f.agent(desk.Agent{Login: "night", Teams: []string{"nights"}, WorkingHours: &calendar.Calendar{TimeZone: "Asia/Shanghai",
		Week: map[string][]calendar.Span{"mon": {{Start: "22:00", End: "24:00"}}, "tue": {{Start: "00:00", End: "06:00"}}}}})
	forCustomer := func(email string) func(*ticketcore.CreateInput) {
		return func(in *ticketcore.CreateInput) {
			in.Team, in.Assignee, in.Customer = "vip", "auto", ticketcore.CustomerInput{Email: email}
		}
	}
	first := f.create("hello", forCustomer("x@example.com")) // no history: least loaded, by login
	other := f.create("hi", forCustomer("y@example.com"))
	if first.Assignee != "ann" || other.Assignee != "bo" {
		t.Fatalf("first tickets went to %s and %s", first.Assignee, other.Assignee)
	}
	if r := f.lastEntry(first.ID).Reason; !strings.Contains(r, "has no previous agent; fell back to least_loaded") {
		t.Fatalf("reason %s", r)
	}
	if _, err := f.svc.Transition(ctx, admin, first.ID, 0, ticketcore.TransitionInput{To: "resolved"}); err != nil {
		t.Fatal(err)
	}
	// ann has 0, bo 1: least_loaded would say ann anyway, so load bo's rival
	f.create("filler", func(in *ticketcore.CreateInput) { in.Team, in.Assignee = "vip", "ann" })
	f.create("filler", func(in *ticketcore.CreateInput) { in.Team, in.Assignee = "vip", "ann" })
	back := f.create("again", forCustomer("y@example.com"))
	if back.Assignee != "bo" || !strings.Contains(f.lastEntry(back.ID).Reason, "was last served by") {
		t.Fatalf("returning customer got %s: %s", back.Assignee, f.lastEntry(back.ID).Reason)
	}
	// after a restart, x's last agent (ann, on a resolved ticket) is known
	// again, though ann now carries more than bo
	f.create("filler", func(in *ticketcore.CreateInput) { in.Team, in.Assignee = "vip", "ann" })
	svc2, err := ticketcore.NewService(f.st, ticketcore.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	f.newDesk(svc2)
	res, err := svc2.Create(ctx, admin, ticketcore.CreateInput{Subject: "me again", Team: "vip", Assignee: "auto",
		Customer: ticketcore.CustomerInput{Email: "x@example.com"}}, "")
	if err != nil || res.Ticket.Assignee != "ann" {
		t.Fatalf("after restart: %+v %v", res.Ticket, err)
	}
	if h, _ := svc2.History(ctx, res.Ticket.ID); !strings.Contains(h[0].Reason, "was last served by \"ann\"") {
		t.Fatalf("reason after restart: %s", h[0].Reason)
	}
	// the night shift is off in the morning and on at night in Shanghai
	night := func(in *ticketcore.CreateInput) { in.Team, in.Assignee = "nights", "auto" }
	if tk := f.create("early", night); tk.Assignee != "" || !strings.Contains(f.lastEntry(tk.ID).Reason, "1 off hours") {
		t.Fatalf("night shift in the morning: %q, %s", tk.Assignee, f.lastEntry(tk.ID).Reason)
	}
	f.clk.Set(time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC))
	if tk := f.create("late", night); tk.Assignee != "night" {
		t.Fatalf("night shift at night: %q", tk.Assignee)
	}
}

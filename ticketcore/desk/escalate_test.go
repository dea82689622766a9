package desk_test

import (
	"strings"
	"testing"

	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/desk"
	"github.com/deskmine/deskmine/ticketcore/slaclock"
)

// TestEscalatePicksHigherLevel: the desk picks an agent of at least the
// level asked for in the ticket's team, then its backup team, within
// capacity, and reads nothing but its roster.
func TestEscalatePicksHigherLevel(t *testing.T) {
	f := newFixture(t, testdb.Backends()[0], "ann", "bo", "cy", "di")
	f.team("l2", "", "")
	f.team("l1", "", "l2")
	f.agent(desk.Agent{Login: "ann", Teams: []string{"l1"}, Level: 1})
	f.agent(desk.Agent{Login: "bo", Teams: []string{"l1"}, Level: 2, Capacity: 1})
	f.agent(desk.Agent{Login: "cy", Teams: []string{"l2"}, Level: 3, Capacity: 1})
	f.agent(desk.Agent{Login: "di", Teams: []string{"l1"}, Level: 1, Capacity: 50})
	mk := func(s string) *ticketcore.Ticket {
		return f.create(s, func(in *ticketcore.CreateInput) { in.Assignee, in.Team, in.Urgency = "ann", "l1", "low" })
	}
	one, two, three := mk("one"), mk("two"), mk("three")

	r, err := f.desk.Escalate(ctx, one, 2)
	if err != nil || r.Assignee != "bo" || r.Team != "l1" || !strings.Contains(r.Reason, "level 2") {
		t.Fatalf("one: %+v %v", r, err)
	}
	// bo's capacity is taken by the reservation: overflow to the backup team
	r, err = f.desk.Escalate(ctx, two, 2)
	if err != nil || r.Assignee != "cy" || r.Team != "l2" {
		t.Fatalf("two: %+v %v", r, err)
	}
	if _, err := f.desk.Escalate(ctx, three, 2); err == nil || !strings.Contains(err.Error(), "level 2") {
		t.Fatalf("three: everyone of level 2 is full, got %v", err)
	}
	// nothing was written
	got, err := f.svc.Get(ctx, one.ID)
	if err != nil || got.Assignee != "ann" || got.Version != one.Version {
		t.Fatalf("stored %+v %v", got, err)
	}
}

// TestEscalateThroughClocks: a manual escalation of the SLA clocks moves
// the ticket to the desk's choice, and the loads follow.
func TestEscalateThroughClocks(t *testing.T) {
	f := newFixture(t, testdb.Backends()[0], "ann", "bo")
	f.team("support", "", "")
	f.agent(desk.Agent{Login: "ann", Teams: []string{"support"}, Level: 1})
	f.agent(desk.Agent{Login: "bo", Teams: []string{"support"}, Level: 2, Capacity: 4})
	c, err := slaclock.New(ctx, f.svc, f.st, slaclock.Options{Escalator: f.desk, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	tk := f.create("help", func(in *ticketcore.CreateInput) { in.Assignee, in.Team, in.Urgency = "ann", "support", "low" })
	got, err := c.Escalate(ctx, admin, tk.ID, slaclock.EscalateInput{Level: 2, Reason: "needs a specialist"})
	if err != nil || got.Assignee != "bo" || got.Team != "support" {
		t.Fatalf("escalate: %+v %v", got, err)
	}
	if e := f.lastEntry(tk.ID); !strings.Contains(e.Reason, `assigned "bo"`) {
		t.Fatalf("reason %q", e.Reason)
	}
	if f.load("ann") != 0 || f.load("bo") != 1 {
		t.Fatalf("loads ann %d bo %d", f.load("ann"), f.load("bo"))
	}
	if want := f.dbLoads(); want["bo"] != 1 || want["ann"] != 0 {
		t.Fatalf("stored loads %v", want)
	}
}

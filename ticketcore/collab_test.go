package ticketcore_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/events"
	"github.com/deskmine/deskmine/ticketcore/storetest"
)

func TestSubticketsHandoffMerge(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			svc, _ := storetest.NewService(t, b, nil)
			parent := newTickets(t, svc, 1)[0]

			// Two sub-tickets for other teams; the parent waits for both.
			var kids []int64
			for _, team := range []string{"network", "finance"} {
				child, err := svc.CreateSubticket(ctx, agent, parent, ticketcore.CreateInput{Subject: "check " + team, Team: team})
				if err != nil {
					t.Fatal(err)
				}
				if len(child.Links) != 1 || child.Links[0] != (events.Link{Type: events.LinkSubtaskOf, TicketID: parent}) || child.Customer.ID == 0 {
					t.Fatalf("sub-ticket: %+v", child)
				}
				kids = append(kids, child.ID)
			}
			p, _ := svc.Get(ctx, parent)
			if len(p.Links) != 2 || p.Links[1] != (events.Link{Type: events.LinkSubtask, TicketID: kids[1]}) {
				t.Fatalf("parent links: %+v", p.Links)
			}
			if ev := lastEvent(t, svc); ev.TicketID != parent || !strings.Contains(ev.Reason, "for finance") {
				t.Fatalf("parent event: %+v", ev)
			}
			if _, err := svc.Transition(ctx, agent, kids[0], 0, ticketcore.TransitionInput{To: "resolved"}); err != nil {
				t.Fatal(err)
			}
			_, err := svc.Transition(ctx, agent, parent, 0, ticketcore.TransitionInput{To: "resolved"})
			if codeOf(err) != ticketcore.CodeSubticketsOpen || !strings.Contains(err.Error(), "#"+itoa(kids[1])) {
				t.Fatalf("resolving with an open sub-ticket: %v", err)
			}
			if _, err := svc.Transition(ctx, agent, kids[1], 0, ticketcore.TransitionInput{To: "closed"}); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Transition(ctx, agent, parent, 0, ticketcore.TransitionInput{To: "resolved"}); err != nil {
				t.Fatalf("resolving after the sub-tickets: %v", err)
			}
			if _, err := svc.CreateSubticket(ctx, agent, parent, ticketcore.CreateInput{Subject: "late"}); codeOf(err) != ticketcore.CodeInvalid {
				t.Fatalf("a sub-ticket of a resolved ticket: %v", err)
			}
			// Sub-ticket links cannot be made by hand.
			if _, err := svc.Link(ctx, agent, kids[0], 0, ticketcore.LinkInput{Type: events.LinkSubtaskOf, TicketID: parent}); err == nil {
				t.Fatal("a subtask_of link made by hand")
			}

			// Hand-off: the team changes, the reason says who to whom and why.
			ids := newTickets(t, svc, 2)
			team := "l1"
			if _, err := svc.Update(ctx, agent, ids[0], 0, ticketcore.Patch{Team: &team}); err != nil {
				t.Fatal(err)
			}
			h, err := svc.Handoff(ctx, agent, ids[0], 0, ticketcore.HandoffInput{Team: "l2-network", Reason: "需要网络组排查路由"})
			if err != nil || h.Team != "l2-network" {
				t.Fatalf("hand-off: %+v %v", h, err)
			}
			if ev := lastEvent(t, svc); ev.Reason != "hand-off from l1 to l2-network: 需要网络组排查路由" {
				t.Fatalf("hand-off reason: %q", ev.Reason)
			}
			if _, err := svc.Handoff(ctx, agent, ids[0], 0, ticketcore.HandoffInput{Team: "l3"}); codeOf(err) != ticketcore.CodeInvalid {
				t.Fatalf("a hand-off without a reason: %v", err)
			}
			if _, err := svc.Handoff(ctx, agent, ids[0], 0, ticketcore.HandoffInput{Team: "l2-network", Reason: "x"}); codeOf(err) != ticketcore.CodeInvalid {
				t.Fatalf("a hand-off to the same team: %v", err)
			}

			// Merge: ids[1] into ids[0] (same customer, as newTickets makes them).
			merged, err := svc.Merge(ctx, agent, ids[1], ids[0])
			if err != nil || merged.ID != ids[0] {
				t.Fatalf("merge: %+v %v", merged, err)
			}
			src, _ := svc.Get(ctx, ids[1])
			if src.Status != "closed" || len(src.Links) != 1 || src.Links[0] != (events.Link{Type: events.LinkDuplicateOf, TicketID: ids[0]}) {
				t.Fatalf("merged source: %+v", src)
			}
			notes, _ := svc.Comments(ctx, ids[0], false)
			if len(notes) != 1 || notes[0].Public || !strings.Contains(notes[0].Body, "Merged #"+itoa(ids[1])) {
				t.Fatalf("target notes: %+v", notes)
			}
			if _, err := svc.Merge(ctx, agent, ids[1], ids[0]); err == nil {
				t.Fatal("merging a closed ticket again")
			}
			if _, err := svc.Merge(ctx, agent, ids[0], ids[0]); err == nil {
				t.Fatal("merging a ticket into itself")
			}
			other := basicInput()
			other.Customer = ticketcore.CustomerInput{Email: "someone.else@example.com"}
			res, err := svc.Create(ctx, agent, other, "")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Merge(ctx, agent, res.Ticket.ID, ids[0]); codeOf(err) != ticketcore.CodeInvalid {
				t.Fatalf("merging another customer's ticket: %v", err)
			}
		})
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

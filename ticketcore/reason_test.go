package ticketcore_test

import (
	"context"
	"strings"
	"testing"

	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/events"
)

func TestUpdateWithReason(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			svc, st := newService(t, b)
			res, err := svc.Create(ctx, agent, basicInput(), "")
			if err != nil {
				t.Fatal(err)
			}
			system := ticketcore.Actor{Name: "deskmine-routing", Role: "system"}
			bob := "bob"
			tk, err := svc.UpdateWithReason(ctx, system, res.Ticket.ID, 1, ticketcore.Patch{Assignee: &bob}, events.SourceSystem, `agent "alice" went offline`)
			if err != nil || tk.Assignee != "bob" || tk.Version != 2 {
				t.Fatalf("update: %+v %v", tk, err)
			}
			h, _ := svc.History(ctx, tk.ID)
			last := h[len(h)-1]
			if last.Reason != `agent "alice" went offline` || last.Source != events.SourceSystem || last.Actor.Role != "system" {
				t.Fatalf("audit entry %+v", last)
			}
			evs, _ := st.Events(ctx, 1, 10)
			if len(evs) != 1 || evs[0].Reason != last.Reason || evs[0].Source != events.SourceSystem {
				t.Fatalf("event %+v", evs)
			}
			// plain Update keeps source api and no reason
			sub := "Printer still on fire"
			if _, err := svc.Update(ctx, agent, tk.ID, 2, ticketcore.Patch{Subject: &sub}); err != nil {
				t.Fatal(err)
			}
			h, _ = svc.History(ctx, tk.ID)
			if last = h[len(h)-1]; last.Reason != "" || last.Source != events.SourceAPI {
				t.Fatalf("plain update entry %+v", last)
			}
			if _, err := svc.UpdateWithReason(ctx, system, tk.ID, 3, ticketcore.Patch{Subject: &sub}, "", strings.Repeat("x", 4001)); codeOf(err) != ticketcore.CodeInvalid {
				t.Fatalf("long reason: %v", err)
			}
		})
	}
}

func TestDraft(t *testing.T) {
	ctx := context.Background()
	svc, st := newService(t, testdb.Backends()[0])
	in := basicInput()
	in.Urgency = "high"
	d, err := svc.Draft(ctx, agent, in)
	if err != nil {
		t.Fatal(err)
	}
	if d.ID != 0 || d.Priority != "P2" || d.Type != "question" || d.Customer.Email != "bob@example.com" || d.Customer.Tier != "premium" ||
		d.Region != "emea" || d.Status != "new" {
		t.Fatalf("draft %+v", d)
	}
	if evs, _ := st.Events(ctx, 0, 10); len(evs) != 0 {
		t.Fatal("a draft was stored")
	}
	in.Channel = "fax"
	if _, err := svc.Draft(ctx, agent, in); codeOf(err) != ticketcore.CodeInvalid {
		t.Fatalf("invalid draft: %v", err)
	}
}

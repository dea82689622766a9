package ticketcore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/events"
	"github.com/deskmine/deskmine/ticketcore/store"
)

func newService(t *testing.T, b testdb.Backend) (*ticketcore.Service, *store.Store) {
	t.Helper()
	st, err := store.Open(context.Background(), b.DSN(t))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	svc, err := ticketcore.NewService(st, ticketcore.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	return svc, st
}

var agent = ticketcore.Actor{UserID: 7, Name: "alice", Role: "agent"}

func basicInput() ticketcore.CreateInput {
	return ticketcore.CreateInput{Subject: "Printer on fire", Description: "打印机着火了", Channel: "email",
		Customer: ticketcore.CustomerInput{Email: "Bob@Example.com", Tier: "premium", Region: "emea", Organisation: "ACME"}}
}

func codeOf(err error) ticketcore.Code {
	if e, ok := ticketcore.AsError(err); ok {
		return e.Code
	}
	return ""
}

func TestServiceLifecycle(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			svc, _ := newService(t, b)
			res, err := svc.Create(ctx, agent, basicInput(), "")
			if err != nil {
				t.Fatalf("create: %v", err)
			}
			tk := res.Ticket
			if tk.ID == 0 || tk.Version != 1 || tk.Status != "new" || tk.Priority != "P3" || tk.Customer.Email != "bob@example.com" {
				t.Fatalf("unexpected ticket %+v", tk)
			}
			if tk.Region != "emea" {
				t.Fatalf("region not pre-filled from customer: %q", tk.Region)
			}
			// a second ticket for the same customer by phone+email pre-fills tier etc.
			in2 := ticketcore.CreateInput{Subject: "Again", Channel: "chat", Customer: ticketcore.CustomerInput{Email: "bob@example.com"}}
			res2, err := svc.Create(ctx, agent, in2, "")
			if err != nil {
				t.Fatal(err)
			}
			if res2.Ticket.Customer.ID != tk.Customer.ID || res2.Ticket.Customer.Tier != "premium" || res2.Ticket.Customer.Organisation != "ACME" {
				t.Fatalf("customer not linked/pre-filled: %+v", res2.Ticket.Customer)
			}
			hist, err := svc.Customer(ctx, tk.Customer.ID, 10)
			if err != nil || len(hist.RecentTickets) != 2 || hist.RecentTickets[0].ID != res2.Ticket.ID {
				t.Fatalf("customer history: %+v %v", hist, err)
			}

			team := "billing"
			up, err := svc.Update(ctx, agent, tk.ID, 1, ticketcore.Patch{Team: &team})
			if err != nil || up.Version != 2 {
				t.Fatalf("update: %v %+v", err, up)
			}
			if _, err := svc.Update(ctx, agent, tk.ID, 1, ticketcore.Patch{Team: &team}); codeOf(err) != ticketcore.CodeConflict {
				t.Fatalf("stale update: want conflict, got %v", err)
			}
			if _, err := svc.Transition(ctx, agent, tk.ID, 0, ticketcore.TransitionInput{To: "closed"}); err != nil {
				t.Fatalf("new -> closed allowed by default: %v", err)
			}
			if _, err := svc.Transition(ctx, agent, tk.ID, 0, ticketcore.TransitionInput{To: "pending"}); codeOf(err) != ticketcore.CodeIllegalTransition {
				t.Fatalf("closed -> pending: want illegal, got %v", err)
			}
			re, err := svc.Transition(ctx, agent, tk.ID, 0, ticketcore.TransitionInput{To: "open", Comment: "customer wrote back"})
			if err != nil || re.ReopenCount != 1 || re.ClosedAt != nil {
				t.Fatalf("reopen: %v %+v", err, re)
			}
			pend, err := svc.Transition(ctx, agent, tk.ID, 0, ticketcore.TransitionInput{To: "pending", PendingReason: "waiting_on_customer"})
			if err != nil || pend.PendingReason != "waiting_on_customer" {
				t.Fatalf("pending: %v", err)
			}
			h, err := svc.History(ctx, tk.ID)
			if err != nil || len(h) != 5 {
				t.Fatalf("history: %d %v", len(h), err)
			}
			last := h[len(h)-1]
			if last.Type != events.TicketStatusChanged || last.Actor.Name != "alice" {
				t.Fatalf("last history entry %+v", last)
			}
			evs, err := svc.Events(ctx, 0, 100)
			if err != nil || len(evs) != 6 {
				t.Fatalf("events: %d %v", len(evs), err)
			}
			for i, e := range evs {
				if err := e.Validate(); err != nil {
					t.Fatalf("event %d invalid: %v", i, err)
				}
				if i > 0 && e.Seq <= evs[i-1].Seq {
					t.Fatalf("seq not increasing")
				}
			}
		})
	}
}

func TestTicketAndEventAreAtomic(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			svc, st := newService(t, b)
			boom := errors.New("injected failure")
			svc.SetBeforeEvent(func() error { return boom })
			if _, err := svc.Create(ctx, agent, basicInput(), "k1"); !errors.Is(err, boom) {
				t.Fatalf("want injected failure, got %v", err)
			}
			page, err := st.ListTickets(ctx, ticketcore.ListQuery{Sort: "id", Limit: 10})
			if err != nil || len(page.Tickets) != 0 {
				t.Fatalf("ticket exists after failed create: %d %v", len(page.Tickets), err)
			}
			evs, _ := st.Events(ctx, 0, 10)
			if len(evs) != 0 {
				t.Fatalf("events exist after failed create")
			}
			svc.SetBeforeEvent(nil)
			res, err := svc.Create(ctx, agent, basicInput(), "")
			if err != nil {
				t.Fatal(err)
			}
			svc.SetBeforeEvent(func() error { return boom })
			team := "x"
			if _, err := svc.Update(ctx, agent, res.Ticket.ID, 1, ticketcore.Patch{Team: &team}); !errors.Is(err, boom) {
				t.Fatalf("want injected failure, got %v", err)
			}
			got, _ := svc.Get(ctx, res.Ticket.ID)
			if got.Version != 1 || got.Team != "" {
				t.Fatalf("update leaked without its event: %+v", got)
			}
			h, _ := svc.History(ctx, res.Ticket.ID)
			if len(h) != 1 {
				t.Fatalf("audit rows leaked: %d", len(h))
			}
			_ = time.Second
		})
	}
}

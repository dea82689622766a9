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
	"github.com/deskmine/deskmine/ticketcore/storetest"
)

func newService(t *testing.T, b testdb.Backend) (*ticketcore.Service, *store.Store) {
	t.Helper()
	return storetest.NewService(t, b, nil)
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

func TestUpdateKeepsValuesOfRetiredFields(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t, testdb.Backends()[0])
	if err := svc.PutFieldDef(ctx, ticketcore.FieldDef{Name: "device", Kind: ticketcore.FieldEnum, Options: []string{"router"}}); err != nil {
		t.Fatal(err)
	}
	in := basicInput()
	in.CustomFields = map[string]any{"device": "router"}
	res, err := svc.Create(ctx, agent, in, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.DeleteFieldDef(ctx, "device"); err != nil {
		t.Fatal(err)
	}
	min := 0.0
	if err := svc.PutFieldDef(ctx, ticketcore.FieldDef{Name: "refund", Kind: ticketcore.FieldNumber, Min: &min, RequiredFor: []string{"question"}}); err != nil {
		t.Fatal(err)
	}
	team := "network"
	up, err := svc.Update(ctx, agent, res.Ticket.ID, 1, ticketcore.Patch{Team: &team})
	if err != nil {
		t.Fatalf("edit blocked by a retired or newly required field: %v", err)
	}
	if up.CustomFields["device"] != "router" {
		t.Fatalf("value of retired field lost: %v", up.CustomFields)
	}
	// changing the type re-checks what the new type requires
	typ := "question"
	if _, err := svc.Update(ctx, agent, res.Ticket.ID, 2, ticketcore.Patch{Subject: &typ, CustomFields: map[string]any{"refund": -1.0}}); codeOf(err) != ticketcore.CodeInvalid {
		t.Fatalf("a changed field is still validated: %v", err)
	}
	incident := "incident"
	if _, err := svc.Update(ctx, agent, res.Ticket.ID, 2, ticketcore.Patch{Type: &incident}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Update(ctx, agent, res.Ticket.ID, 3, ticketcore.Patch{Type: &typ}); codeOf(err) != ticketcore.CodeInvalid {
		t.Fatalf("type change must check required fields: %v", err)
	}
}

func TestImportKeepsEveryComment(t *testing.T) {
	ctx := context.Background()
	svc, st := newService(t, testdb.Backends()[0])
	t0 := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	res, err := svc.ImportTicket(ctx, "EXT-1", []ticketcore.ImportedChange{
		{Line: 1, At: t0, Actor: "zhang", Type: "commented", Comment: "first, with the creation", Fields: map[string]any{"subject": "x"}},
		{Line: 2, At: t0.Add(time.Hour), Actor: "zhang", Type: "commented", Comment: "second, with a status change", Fields: map[string]any{"status": "open"}},
		{Line: 3, At: t0.Add(2 * time.Hour), Actor: "li", Type: "commented", Comment: "third", Public: true},
	})
	if err != nil || res.Applied != 3 {
		t.Fatalf("import: %+v %v", res, err)
	}
	evs, _ := st.Events(ctx, 0, 10)
	var bodies []string
	for _, e := range evs {
		if e.Comment == nil {
			t.Fatalf("event %s lost its comment", e.Type)
		}
		bodies = append(bodies, e.Comment.Body)
	}
	if len(bodies) != 3 || bodies[0] != "first, with the creation" || evs[1].Type != events.TicketStatusChanged || evs[2].Type != events.TicketCommented {
		t.Fatalf("comments %v types %s %s", bodies, evs[1].Type, evs[2].Type)
	}
	if !evs[0].At.Equal(t0) {
		t.Fatalf("original time lost: %s", evs[0].At)
	}
}

func TestIdempotencyKeysExpire(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
			opts := ticketcore.DefaultOptions()
			opts.Now = func() time.Time { return now }
			svc, st := storetest.NewService(t, b, &opts)
			first, err := svc.Create(ctx, agent, basicInput(), "key-1")
			if err != nil {
				t.Fatal(err)
			}
			now = now.Add(23 * time.Hour)
			again, _ := svc.Create(ctx, agent, basicInput(), "key-1")
			if !again.Replayed || again.Ticket.ID != first.Ticket.ID {
				t.Fatal("key forgotten within its lifetime")
			}
			now = now.Add(2 * time.Hour)
			later, err := svc.Create(ctx, agent, basicInput(), "key-1")
			if err != nil || later.Replayed || later.Ticket.ID == first.Ticket.ID {
				t.Fatalf("expired key still replays: %+v %v", later, err)
			}
			now = now.Add(25 * time.Hour)
			if err := svc.Prune(ctx); err != nil {
				t.Fatal(err)
			}
			var n int
			if err := st.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM idempotency_keys").Scan(&n); err != nil || n != 0 {
				t.Fatalf("prune left %d keys (%v)", n, err)
			}
		})
	}
}

func TestConcurrentCreatesForOneNewCustomer(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			svc, _ := newService(t, b)
			errs := make(chan error, 8)
			ids := make(chan int64, 8)
			for i := 0; i < 8; i++ {
				go func() {
					in := basicInput()
					in.Customer = ticketcore.CustomerInput{Email: "new.customer@example.com"}
					res, err := svc.Create(ctx, agent, in, "")
					errs <- err
					if err == nil {
						ids <- res.Ticket.Customer.ID
					}
				}()
			}
			for i := 0; i < 8; i++ {
				if err := <-errs; err != nil {
					t.Fatalf("concurrent create: %v", err)
				}
			}
			first := <-ids
			for i := 1; i < 8; i++ {
				if id := <-ids; id != first {
					t.Fatalf("one email became two customers: %d %d", first, id)
				}
			}
		})
	}
}

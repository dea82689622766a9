package ticketcore_test

import (
	"context"
	"errors"
	"testing"

	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/events"
)

func TestAmend(t *testing.T) {
	ctx := context.Background()
	svc, st := newService(t, testdb.Backends()[0])
	h := &recordingHook{}
	svc.AddHook(h)
	res, err := svc.Create(ctx, agent, basicInput(), "")
	if err != nil {
		t.Fatal(err)
	}
	id := res.Ticket.ID
	system := ticketcore.Actor{Name: "deskmine-sla", Role: "system"}

	// Two amendments: two versions, two events, the second changing a field.
	got, err := svc.Amend(ctx, system, events.SourceSystem, id, func(_ context.Context, _ ticketcore.Tx, tk *ticketcore.Ticket) ([]ticketcore.Amendment, error) {
		if tk.Version != 1 {
			t.Errorf("fn sees version %d", tk.Version)
		}
		return []ticketcore.Amendment{
			{Type: events.TicketSLAWarning, Reason: "warned"},
			{Type: events.TicketSLABreached, Reason: "missed", Change: func(tk *ticketcore.Ticket) { tk.SLABreached = true }},
		}, nil
	})
	if err != nil || got.Version != 3 || !got.SLABreached {
		t.Fatalf("amend: %+v %v", got, err)
	}
	evs, _ := st.Events(ctx, 0, 10)
	if len(evs) != 3 || evs[1].Type != events.TicketSLAWarning || len(evs[1].Changes) != 0 || evs[1].Source != events.SourceSystem ||
		evs[2].Reason != "missed" || evs[2].Changes[0].Field != "sla_breached" || evs[2].Actor.Role != "system" {
		t.Fatalf("events: %+v", evs)
	}
	if len(h.inTx) != 3 || len(h.committed) != 2 || len(h.committed[1]) != 2 {
		t.Fatalf("hooks: %v, %d commits", h.inTx, len(h.committed))
	}

	// No amendments: no new version.
	got, err = svc.Amend(ctx, system, events.SourceSystem, id, func(context.Context, ticketcore.Tx, *ticketcore.Ticket) ([]ticketcore.Amendment, error) {
		return nil, nil
	})
	if err != nil || got.Version != 3 {
		t.Fatalf("empty amend: %+v %v", got, err)
	}
	// An error, or an amendment posing as a creation, rolls everything back.
	boom := errors.New("boom")
	_, err = svc.Amend(ctx, system, events.SourceSystem, id, func(context.Context, ticketcore.Tx, *ticketcore.Ticket) ([]ticketcore.Amendment, error) {
		return []ticketcore.Amendment{{Type: events.TicketEscalated}}, boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	_, err = svc.Amend(ctx, system, events.SourceSystem, id, func(context.Context, ticketcore.Tx, *ticketcore.Ticket) ([]ticketcore.Amendment, error) {
		return []ticketcore.Amendment{{Type: events.TicketEscalated}, {Type: events.TicketCreated}}, nil
	})
	if err == nil {
		t.Fatal("an amendment of type ticket.created was written")
	}
	if tk, _ := svc.Get(ctx, id); tk.Version != 3 {
		t.Fatalf("rolled-back amendments left version %d", tk.Version)
	}
	var nf *ticketcore.Error
	if _, err := svc.Amend(ctx, system, events.SourceSystem, 9999, nil); !errors.As(err, &nf) || nf.Code != ticketcore.CodeNotFound {
		t.Fatalf("missing ticket: %v", err)
	}
}

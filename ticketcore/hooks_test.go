package ticketcore_test

import (
	"context"
	"errors"
	"testing"

	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/events"
)

type recordingHook struct {
	inTx      []events.Type
	committed [][]*events.Event
	fail      error
}

func (h *recordingHook) InTx(_ context.Context, _ ticketcore.Tx, e *events.Event) error {
	if h.fail != nil {
		return h.fail
	}
	h.inTx = append(h.inTx, e.Type)
	return nil
}

func (h *recordingHook) AfterCommit(_ context.Context, evs []*events.Event) {
	h.committed = append(h.committed, evs)
}

type teamRouter struct{}

func (teamRouter) Route(_ context.Context, t *ticketcore.Ticket) (string, error) {
	t.Team, t.Assignee = "network", "li.na"
	return "rule vpn: team network; least_loaded picked li.na", nil
}

func TestHooksAndRouter(t *testing.T) {
	ctx := context.Background()
	svc, st := newService(t, testdb.Backends()[0])
	h := &recordingHook{}
	svc.AddHook(h)
	svc.SetRouter(teamRouter{})
	res, err := svc.Create(ctx, agent, basicInput(), "")
	if err != nil {
		t.Fatal(err)
	}
	if res.Ticket.Team != "network" || res.Ticket.Assignee != "li.na" {
		t.Fatalf("router ignored: %+v", res.Ticket)
	}
	evs, _ := st.Events(ctx, 0, 10)
	if evs[0].Reason == "" {
		t.Fatal("routing reason not in the event")
	}
	if len(h.inTx) != 1 || len(h.committed) != 1 || h.committed[0][0].TicketID != res.Ticket.ID {
		t.Fatalf("hook calls: %v %d", h.inTx, len(h.committed))
	}
	// a failing in-transaction hook rolls the change back and nothing is committed
	h.fail = errors.New("clock store down")
	team := "billing"
	if _, err := svc.Update(ctx, agent, res.Ticket.ID, 1, ticketcore.Patch{Team: &team}); !errors.Is(err, h.fail) {
		t.Fatalf("want hook failure, got %v", err)
	}
	got, _ := svc.Get(ctx, res.Ticket.ID)
	if got.Version != 1 || len(h.committed) != 1 {
		t.Fatalf("change survived a failing hook: v%d, %d commits", got.Version, len(h.committed))
	}
}

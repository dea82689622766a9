package ticketcore

import (
	"context"
	"errors"

	"github.com/deskmine/deskmine/ticketcore/events"
)

// Hook lets other parts of the ticket core (SLA clocks, routing load,
// notifications) follow every change without the service knowing them.
type Hook interface {
	// InTx runs inside the transaction that wrote e, after the event; an
	// error rolls the whole change back. Keep it to writes that must be
	// atomic with the change (e.g. SLA clock state).
	InTx(ctx context.Context, tx Tx, e *events.Event) error
	// AfterCommit runs once the changes are durable, in commit order.
	AfterCommit(ctx context.Context, evs []*events.Event)
}

// Router decides a new ticket's team, priority, tags and assignee before it
// is stored. The reason it returns is recorded in the created event. Route
// runs in the creating transaction once the customer is linked (so the
// ticket carries the customer's id, tier and region), and not for a
// replayed create; it must not use the store, and it may run again when
// the transaction is retried.
type Router interface {
	Route(ctx context.Context, t *Ticket) (reason string, err error)
}

// AddHook registers a hook; call it before serving.
func (s *Service) AddHook(h Hook) { s.hooks = append(s.hooks, h) }

// SetRouter sets the router of new tickets; call it before serving.
func (s *Service) SetRouter(r Router) { s.router = r }

// recordingTx passes writes through and remembers the events written, so
// that hooks see them after commit.
type recordingTx struct {
	Tx
	s      *Service
	events []*events.Event
}

func (r *recordingTx) AppendEvent(ctx context.Context, e *events.Event) error {
	if err := r.Tx.AppendEvent(ctx, e); err != nil {
		return err
	}
	for _, h := range r.s.hooks {
		if err := h.InTx(ctx, r.Tx, e); err != nil {
			return err
		}
	}
	r.events = append(r.events, e)
	return nil
}

// inTx runs fn in one transaction (again, up to three times, when the store
// reports a concurrent insert of the same row), then runs the hooks.
func (s *Service) inTx(ctx context.Context, fn func(Tx) error) error {
	var rec *recordingTx
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		err = s.store.InTx(ctx, func(tx Tx) error {
			rec = &recordingTx{Tx: tx, s: s}
			return fn(rec)
		})
		if !errors.Is(err, ErrRetry) {
			break
		}
	}
	if err != nil {
		return err
	}
	if len(rec.events) > 0 {
		for _, h := range s.hooks {
			h.AfterCommit(ctx, rec.events)
		}
	}
	return nil
}

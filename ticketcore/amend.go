package ticketcore

import (
	"context"
	"fmt"

	"github.com/deskmine/deskmine/ticketcore/events"
)

// Amendment is one event that a part of the ticket core built on the service
// (the SLA clocks, escalation) writes about a ticket: an event of its own
// type, with a reason and, optionally, changed fields.
type Amendment struct {
	Type   events.Type
	Reason string
	// SLA, on SLA warnings and breaches, names the target concerned.
	SLA *events.SLA
	// Change, when set, changes fields of the ticket; the changes are listed
	// in the event. Without it the event changes no field but, like every
	// event, is a new version of the ticket.
	Change func(t *Ticket)
}

// Amend runs fn in one transaction with ticket id locked, then writes the
// amendments fn returns, in order, each as a new version of the ticket with
// its own event by actor from src. fn may write rows of its own through tx:
// they commit or roll back with the events. When fn returns no amendments
// the ticket is left as it is (and what fn wrote is committed). Hooks run as
// for any change. fn may run more than once when the store asks for a retry,
// so it must compute everything from what it reads through tx.
//
// Amend returns the ticket after the transaction.
func (s *Service) Amend(ctx context.Context, actor Actor, src events.Source, id int64,
	fn func(ctx context.Context, tx Tx, t *Ticket) ([]Amendment, error)) (*Ticket, error) {
	var out *Ticket
	err := s.inTx(ctx, func(tx Tx) error {
		cur, err := s.loadForChange(ctx, tx, id, 0)
		if err != nil {
			return err
		}
		ams, err := fn(ctx, tx, cloneTicket(cur))
		if err != nil {
			return err
		}
		now := s.now()
		for _, a := range ams {
			if a.Type == "" || a.Type == events.TicketCreated {
				return fmt.Errorf("amend ticket %d: an amendment cannot be of type %q", id, a.Type)
			}
			next := cloneTicket(cur)
			if a.Change != nil {
				a.Change(next)
			}
			if err := s.write(ctx, tx, actor, cur, next, a.Type, src, a.Reason, now, eventExtra{SLA: a.SLA}); err != nil {
				return err
			}
			cur = next
		}
		out = cur
		return nil
	})
	return out, err
}

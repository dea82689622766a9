package desk

import (
	"context"
	"errors"
	"fmt"

	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/routing"
	"github.com/deskmine/deskmine/ticketcore/slaclock"
)

var _ slaclock.Escalator = (*Desk)(nil)

// Escalate implements slaclock.Escalator: it picks, from the roster, an
// available agent of at least level in the ticket's team or its chain of
// backup teams (the team's strategy decides among them) and returns the
// choice. It runs inside the escalation's transaction and reads nothing
// from the store. The ticket's weight is reserved on the chosen agent in
// memory, like a routing decision, until the escalation's event confirms
// it (or Options.ReservationTTL lapses, when the escalation fails).
func (d *Desk) Escalate(_ context.Context, t *ticketcore.Ticket, level int) (slaclock.Reassignment, error) {
	if t == nil {
		return slaclock.Reassignment{}, errors.New("no ticket")
	}
	if t.Team == "" {
		return slaclock.Reassignment{}, errors.New("the ticket has no team to find a higher level agent in")
	}
	now := d.now()
	d.mu.Lock()
	defer d.mu.Unlock()
	d.expire(now)
	dec := d.roster.Assign(*t, routing.Request{Team: t.Team, Agent: routing.AssignAuto, MinLevel: level}, now)
	if dec.Agent == "" {
		return slaclock.Reassignment{}, fmt.Errorf("no agent of level %d or above is available: %s", level, dec.Reason)
	}
	if dec.Agent != t.Assignee && d.open[t.Status] {
		r := &reservation{ticketID: t.ID, from: t.Assignee, to: dec.Agent, fromPrio: t.Priority, toPrio: t.Priority,
			expires: now.Add(d.opts.ReservationTTL)}
		d.apply(r)
		d.pending = append(d.pending, r)
	}
	return slaclock.Reassignment{Team: dec.Team, Assignee: dec.Agent,
		Reason: fmt.Sprintf("level %d agent chosen by the desk: %s", level, decisionText(dec))}, nil
}

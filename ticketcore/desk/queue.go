package desk

import (
	"context"
	"slices"
	"time"

	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/routing"
)

// QueueQuery asks for an agent's next tickets.
type QueueQuery struct {
	Agent string // login; required
	Limit int    // 1-200; 0 means 20
	// Unassigned adds the open unassigned tickets of the agent's teams.
	Unassigned bool
}

// QueueEntry is one ticket of a queue with its score (routing.Score: tier,
// urgency, priority and SLA pressure; higher is more pressing).
type QueueEntry struct {
	Ticket ticketcore.Ticket `json:"ticket"`
	Score  float64           `json:"score"`
	// SLARemaining is the time to the next SLA deadline (negative once
	// breached), routing.NoSLA without one; SLARemainingSeconds is the same
	// for JSON, absent without a deadline.
	SLARemaining        time.Duration `json:"-"`
	SLARemainingSeconds *float64      `json:"sla_remaining_seconds,omitempty"`
	Assigned            bool          `json:"assigned"` // false: an unassigned ticket of one of the agent's teams
}

// Queue returns an agent's open tickets (and with q.Unassigned their teams'
// unassigned ones) most pressing first, by routing.OrderQueue: score, then
// least SLA time remaining, then oldest. Options.QueueScan caps the tickets
// read per state and source, most urgent priority first, then oldest.
func (d *Desk) Queue(ctx context.Context, q QueueQuery) ([]QueueEntry, error) {
	if q.Limit == 0 {
		q.Limit = 20
	}
	if q.Limit < 1 || q.Limit > 200 {
		return nil, ticketcore.Invalid("limit", "must be between 1 and 200")
	}
	if q.Agent == "" {
		return nil, ticketcore.Invalid("agent", "is required")
	}
	c, _ := d.snapshot()
	a, ok := c.agent(q.Agent)
	if !ok {
		return nil, ticketcore.NotFound("agent", q.Agent)
	}
	tickets, err := d.store.TicketsInStates(ctx, TicketQuery{Statuses: d.openStates, Assignee: a.Login, Limit: d.opts.QueueScan})
	if err != nil {
		return nil, err
	}
	assigned := len(tickets)
	if q.Unassigned {
		for _, team := range a.Teams {
			more, err := d.store.TicketsInStates(ctx, TicketQuery{Statuses: d.openStates, Team: team, Limit: d.opts.QueueScan})
			if err != nil {
				return nil, err
			}
			tickets = append(tickets, more...)
		}
	}
	d.mu.Lock()
	sla := d.sla
	d.mu.Unlock()
	var remaining map[int64]time.Duration
	if sla != nil && len(tickets) > 0 {
		ids := make([]int64, len(tickets))
		for i := range tickets {
			ids[i] = tickets[i].ID
		}
		remaining = sla.SLARemaining(ctx, ids)
	}
	entries := make([]routing.QueueEntry, len(tickets))
	mine := make(map[int64]bool, assigned)
	for i := range tickets {
		r, ok := remaining[tickets[i].ID]
		if !ok {
			r = routing.NoSLA
		}
		entries[i] = routing.QueueEntry{Ticket: tickets[i], SLARemaining: r}
		if i < assigned {
			mine[tickets[i].ID] = true
		}
	}
	ordered := routing.OrderQueue(entries, d.opts.ScoreWeights)
	ordered = ordered[:min(len(ordered), q.Limit)]
	out := make([]QueueEntry, len(ordered))
	for i, e := range ordered {
		out[i] = QueueEntry{Ticket: e.Ticket, Score: e.Score, SLARemaining: e.SLARemaining, Assigned: mine[e.Ticket.ID]}
		if e.SLARemaining != routing.NoSLA {
			s := e.SLARemaining.Seconds()
			out[i].SLARemainingSeconds = &s
		}
	}
	return slices.Clip(out), nil
}

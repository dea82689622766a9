package slaclock

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/events"
	"github.com/deskmine/deskmine/ticketcore/sla"
)

// Escalator picks who takes a ticket escalated to a higher support level.
// The desk implements it from its teams and agents.
type Escalator interface {
	// Escalate returns the team and agent that take ticket t at level (2
	// and up). It runs inside the escalation's transaction, so it may read
	// but must not write through the store (on SQLite, a write from another
	// transaction would wait for this one). An error leaves the ticket where
	// it is; the escalation is recorded all the same, with the error.
	Escalate(ctx context.Context, t *ticketcore.Ticket, level int) (Reassignment, error)
}

// Reassignment is an Escalator's choice; an empty Team or Assignee is left
// as it is.
type Reassignment struct {
	Team     string
	Assignee string
	Reason   string // how the choice was made; added to the event's reason
}

// Notifier delivers notify steps. The lead wires ticketcore/notify here.
type Notifier interface {
	// NotifyEscalation tells the people of n.Role about n.Ticket. It runs
	// after the step's ticket.escalated event is committed; an error is
	// logged, not retried.
	NotifyEscalation(ctx context.Context, n Notice) error
}

// Notice is one notify step to deliver.
type Notice struct {
	Key     string            // unique per step of a warning or breach; deduplicate on it
	Trigger Trigger           // warning or breach
	Metric  string            // first_response, next_response or resolution
	Role    string            // whom to tell, e.g. lead or manager
	Reason  string            // the reason of the ticket.escalated event
	At      time.Time         // when the step ran
	Ticket  ticketcore.Ticket // the ticket after the step
}

// EscalateInput is a manual escalation.
type EscalateInput struct {
	// Level is the support level to escalate to (2..MaxLevel); 0 means
	// one above the ticket's current level (level 1 when never escalated).
	Level  int    `json:"level,omitempty"`
	Reason string `json:"reason,omitempty"` // why; recorded in the event
}

const maxReason = 2000

// Escalate raises a ticket to a higher support level on a user's request:
// the Escalator picks the new team and agent, and a ticket.escalated event
// by actor records it (source api) with the reason given. It refuses
// (CodeInvalid) a level that is not above the ticket's current one.
func (c *Clocks) Escalate(ctx context.Context, actor ticketcore.Actor, id int64, in EscalateInput) (*ticketcore.Ticket, error) {
	if in.Level < 0 || in.Level > MaxLevel {
		return nil, ticketcore.Invalid("level", fmt.Sprintf("must be between 2 and %d, or 0 for the next level", MaxLevel))
	}
	in.Reason = strings.TrimSpace(in.Reason)
	if !utf8.ValidString(in.Reason) || utf8.RuneCountInString(in.Reason) > maxReason {
		return nil, ticketcore.Invalid("reason", fmt.Sprintf("must be valid text of at most %d characters", maxReason))
	}
	var (
		saved *ticketcore.SLAState
		st    *State
	)
	t, err := c.svc.Amend(ctx, actor, events.SourceAPI, id, func(ctx context.Context, tx ticketcore.Tx, t *ticketcore.Ticket) ([]ticketcore.Amendment, error) {
		saved = nil
		row, err := tx.SLAStateForUpdate(ctx, id)
		if err != nil {
			return nil, err
		}
		st = &State{Clocks: sla.TicketClocks{TicketID: id}}
		if row != nil {
			if st, err = decodeState(row); err != nil {
				return nil, err
			}
		}
		current := max(st.Level, 1)
		level := in.Level
		if level == 0 {
			level = current + 1
		}
		if level <= current {
			return nil, ticketcore.Invalid("level", fmt.Sprintf("the ticket is at level %d already; escalate to a higher one", current))
		}
		if level > MaxLevel {
			return nil, ticketcore.Invalid("level", fmt.Sprintf("the ticket is at level %d, the highest", current))
		}
		reason := fmt.Sprintf("manual escalation by %s: reassign to level %d", actor.Name, level)
		if in.Reason != "" {
			reason += ": " + in.Reason
		}
		am := c.reassign(ctx, st, t, level, reason)
		next, err := st.row(id, row, c.opts.Time.Now())
		if err != nil {
			return nil, err
		}
		if err := tx.SaveSLAState(ctx, next); err != nil {
			return nil, err
		}
		saved = next
		return []ticketcore.Amendment{am}, nil
	})
	if err != nil {
		return nil, err
	}
	items, _ := st.schedule(id, saved.Version)
	c.sched.Sync(id, saved.Version, items)
	return t, nil
}

// Status is the SLA state of one ticket as the API shows it.
type Status struct {
	TicketID int64         `json:"ticket_id"`
	Policy   string        `json:"policy"`
	Level    int           `json:"level"` // support level; 0 when never escalated
	Clocks   []ClockStatus `json:"clocks"`
	NextDue  *time.Time    `json:"next_due,omitempty"`
}

// ClockStatus is one clock of a ticket.
type ClockStatus struct {
	Metric   string     `json:"metric"`
	Cycle    int        `json:"cycle"`
	State    string     `json:"state"`                  // running, paused or stopped
	Outcome  string     `json:"outcome,omitempty"`      // met or cancelled, once stopped
	Target   float64    `json:"target_seconds"`         // 0: no target
	Elapsed  float64    `json:"elapsed_seconds"`        // business time counted up to now
	WarnAt   *time.Time `json:"warn_at,omitempty"`      // when the warning is due, if still to come
	Deadline *time.Time `json:"deadline,omitempty"`     // while running with a target
	Warned   bool       `json:"warned"`                 // a warning was written
	Breached bool       `json:"breached"`               // a breach was written
	Breach   *time.Time `json:"breached_at,omitempty"`  // the deadline that was missed
	Stopped  *time.Time `json:"stopped_at,omitempty"`   // when it stopped
	Started  time.Time  `json:"started_at"`             // start of this cycle
	Paused   *time.Time `json:"paused_since,omitempty"` // while paused
}

// Status returns the SLA clocks of a ticket; CodeNotFound when it has none.
func (c *Clocks) Status(ctx context.Context, id int64) (*Status, error) {
	row, err := c.store.SLAState(ctx, id)
	if errors.Is(err, ticketcore.ErrNotFound) {
		return nil, ticketcore.NotFound("SLA clocks of ticket", id)
	}
	if err != nil {
		return nil, err
	}
	st, err := decodeState(row)
	if err != nil {
		return nil, err
	}
	eng := c.fallback
	if p := c.policy(st.Clocks.PolicyID); p != nil {
		eng = p.eng
	}
	now := c.opts.Time.Now()
	out := &Status{TicketID: id, Policy: st.Clocks.PolicyID, Level: st.Level, Clocks: []ClockStatus{}, NextDue: row.NextDue}
	for _, m := range sla.Metrics() {
		k := st.Clocks.Clock(m)
		if k == nil {
			continue
		}
		cs := ClockStatus{Metric: m.String(), Cycle: k.Cycle, State: "stopped", Outcome: string(k.Outcome),
			Target: k.Target.Seconds(), Elapsed: eng.Elapsed(k, now).Seconds(), WarnAt: k.WarnAt, Deadline: k.Deadline,
			Warned: k.Warned, Breached: k.Breached, Breach: k.BreachedAt, Stopped: k.StoppedAt, Started: k.StartedAt, Paused: k.PausedSince}
		switch {
		case k.Running():
			cs.State = "running"
		case k.Paused():
			cs.State = "paused"
		}
		out.Clocks = append(out.Clocks, cs)
	}
	return out, nil
}

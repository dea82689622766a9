package slaclock

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/sla"
)

// State is the SLA state of one ticket, saved as JSON in the store in the
// same transaction as every change of the ticket.
type State struct {
	// Clocks are the sla engine's clocks; not started (Resolution nil) for a
	// ticket that was only ever escalated by hand.
	Clocks sla.TicketClocks `json:"clocks"`
	// Pending are warnings and breaches that fell due before a change
	// applied to the clocks (a late reply) and were marked fired by it; the
	// fire path writes their events right after that change commits.
	Pending []sla.Due `json:"pending,omitempty"`
	// Delayed are escalation steps waiting for their time.
	Delayed []Delayed `json:"delayed,omitempty"`
	// Level is the support level the ticket was escalated to; 0 when never.
	Level int `json:"level,omitempty"`
}

// Delayed is an escalation step that runs at At, unless the clock that
// triggered it stops first.
type Delayed struct {
	At      time.Time `json:"at"`
	Trigger sla.Due   `json:"trigger"`
	Step    Step      `json:"step"`
}

// started reports whether the clocks run (a Created happening was applied).
func (st *State) started() bool { return st.Clocks.Resolution != nil }

// triggerOpen reports whether the clock of a warning or breach still runs
// (or is paused) in the same cycle.
func (st *State) triggerOpen(d sla.Due) bool {
	c := st.Clocks.Clock(d.Metric)
	return c.Open() && c.Cycle == d.Cycle
}

// prune drops delayed steps whose clock stopped.
func (st *State) prune() {
	st.Delayed = slices.DeleteFunc(st.Delayed, func(d Delayed) bool { return !st.triggerOpen(d.Trigger) })
}

// schedule returns the scheduler items of the state at version: per
// (metric, kind) the earliest instant among the clocks' warnings and
// deadlines still to fire, the pending dues (already due) and the delayed
// steps triggered by that metric and kind; and the earliest of them all.
// An item is a hint to look at the ticket then; the fire path handles
// everything due for the ticket at once.
func (st *State) schedule(ticketID, version int64) ([]sla.Due, *time.Time) {
	type mk struct {
		m sla.Metric
		k sla.Kind
	}
	best := map[mk]sla.Due{}
	add := func(d sla.Due) {
		k := mk{d.Metric, d.Kind}
		if b, ok := best[k]; !ok || d.At.Before(b.At) {
			d.TicketID, d.Version = ticketID, version
			best[k] = d
		}
	}
	for _, d := range sla.DueItems(st.Clocks) {
		add(d)
	}
	for _, d := range st.Pending {
		add(d)
	}
	for _, d := range st.Delayed {
		t := d.Trigger
		t.At = d.At
		add(t)
	}
	if len(best) == 0 {
		return nil, nil
	}
	out := make([]sla.Due, 0, len(best))
	for _, d := range best {
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b sla.Due) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return int(a.Metric)*4 + int(a.Kind) - int(b.Metric)*4 - int(b.Kind)
	})
	next := out[0].At
	return out, &next
}

func decodeState(row *ticketcore.SLAState) (*State, error) {
	var st State
	if err := json.Unmarshal(row.State, &st); err != nil {
		return nil, fmt.Errorf("decode sla state of ticket %d: %w", row.TicketID, err)
	}
	st.Clocks.TicketID = row.TicketID
	return &st, nil
}

// row encodes st as the next version of prev (nil for a new row).
func (st *State) row(ticketID int64, prev *ticketcore.SLAState, now time.Time) (*ticketcore.SLAState, error) {
	b, err := json.Marshal(st)
	if err != nil {
		return nil, fmt.Errorf("encode sla state of ticket %d: %w", ticketID, err)
	}
	r := &ticketcore.SLAState{TicketID: ticketID, Policy: st.Clocks.PolicyID, Version: 1, State: b, UpdatedAt: now}
	if prev != nil {
		r.Version = prev.Version + 1
	}
	_, r.NextDue = st.schedule(ticketID, r.Version)
	return r, nil
}

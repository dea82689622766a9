package slaclock

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/events"
	"github.com/deskmine/deskmine/ticketcore/sla"
)

// errPark marks a ticket the fire path cannot handle (its state does not
// decode): retrying would not help, so it is logged and left until the next
// start-up instead of slowing down every other ticket.
var errPark = errors.New("cannot fire")

// Run schedules the clocks of every ticket with something due (read from
// the store, so that what fell due while the server was down fires at
// once) and fires warnings, breaches and escalation steps on time until ctx
// ends. Meanwhile it reads the policies again every PolicyTTL and sweeps
// the store for overdue clocks every Sweep. It returns nil when ctx ends.
// Run once per Clocks.
func (c *Clocks) Run(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- c.sched.Run(ctx, c.fireBatch) }()
	c.load(ctx)
	c.maintain(ctx)
	return <-errc
}

// Loaded is closed once Run has scheduled every stored clock.
func (c *Clocks) Loaded() <-chan struct{} { return c.loaded }

// farFuture is later than anything due.
var farFuture = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// load schedules every stored state with something due, retrying with
// backoff until it succeeds or ctx ends. Changes committed meanwhile Sync
// newer versions, which the older ones read here do not replace.
func (c *Clocks) load(ctx context.Context) {
	start := time.Now()
	for failures := 1; ctx.Err() == nil; failures++ {
		n, err := c.scan(ctx, farFuture)
		if err == nil {
			c.log.Info("sla clocks scheduled", "tickets", n, "took", time.Since(start).Round(time.Millisecond))
			close(c.loaded)
			return
		}
		wait := min(time.Duration(failures)*time.Second, time.Minute)
		c.log.Error("load sla clocks failed; will retry", "wait", wait, "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
	}
}

// maintain reloads the policies every PolicyTTL and sweeps every Sweep
// until ctx ends. The sweep schedules the clocks that are overdue in the
// store: with several servers on one PostgreSQL database each schedules
// only the changes it made itself, so a server that stops leaves its
// tickets to the others' sweeps.
func (c *Clocks) maintain(ctx context.Context) {
	reload := time.NewTicker(c.opts.PolicyTTL)
	defer reload.Stop()
	sweep := time.NewTicker(c.opts.Sweep)
	defer sweep.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-reload.C:
			if err := c.Reload(ctx); err != nil && ctx.Err() == nil {
				c.log.Error("reload sla policies failed; keeping the old ones", "err", err)
			}
		case <-sweep.C:
			if n, err := c.scan(ctx, c.opts.Time.Now()); err != nil && ctx.Err() == nil {
				c.log.Error("sla sweep failed", "err", err)
			} else if n > 0 {
				c.log.Debug("sla sweep scheduled overdue clocks", "tickets", n)
			}
		}
	}
}

// scan Syncs the stored states with something due by dueBy, page by page.
func (c *Clocks) scan(ctx context.Context, dueBy time.Time) (int, error) {
	var after int64
	n := 0
	for {
		page, err := c.store.DueSLAStates(ctx, after, dueBy, c.opts.LoadPage)
		if err != nil {
			return n, err
		}
		for i := range page {
			row := &page[i]
			after = row.TicketID
			st, err := decodeState(row)
			if err != nil {
				c.log.Error("sla state unreadable; not scheduled", "ticket", row.TicketID, "err", err)
				continue
			}
			items, _ := st.schedule(row.TicketID, row.Version)
			c.sched.Sync(row.TicketID, row.Version, items)
			n++
		}
		if len(page) < c.opts.LoadPage {
			return n, nil
		}
	}
}

// fireBatch fires the tickets of a batch one transaction each. Only
// failures worth retrying are returned; the scheduler then retries the
// items still in flight (those of tickets that were fired were replaced by
// newer versions).
func (c *Clocks) fireBatch(ctx context.Context, ds []sla.Due) error {
	seen := map[int64]bool{}
	var errs []error
	for _, d := range ds {
		if seen[d.TicketID] {
			continue
		}
		seen[d.TicketID] = true
		err := c.Fire(ctx, d.TicketID)
		switch {
		case err == nil:
		case errors.Is(err, errPark):
			c.log.Error("sla ticket parked until restart", "ticket", d.TicketID, "err", err)
			c.sched.Sync(d.TicketID, d.Version, nil)
		default:
			errs = append(errs, fmt.Errorf("ticket %d: %w", d.TicketID, err))
		}
	}
	return errors.Join(errs...)
}

// Fire writes, in one transaction, everything of ticket id that is due at
// the clocks' current time: the warnings and breaches pending from a change
// or due now (an event each, ticket.sla_warning or ticket.sla_breached,
// the latter setting sla_breached), and the escalation steps they start or
// that come due (a ticket.escalated event each). Each is marked fired in
// the ticket's SLA state and by its key in the same transaction, so it is
// written once however often Fire runs. After the commit it schedules what
// is left and hands notify steps to the Notifier. The scheduler calls it;
// it is exported for tests and tools.
func (c *Clocks) Fire(ctx context.Context, id int64) error {
	var (
		saved   *ticketcore.SLAState
		st      *State
		notices []Notice
	)
	t, err := c.svc.Amend(ctx, SystemActor, events.SourceSystem, id, func(ctx context.Context, tx ticketcore.Tx, t *ticketcore.Ticket) ([]ticketcore.Amendment, error) {
		saved, st, notices = nil, nil, nil
		row, err := tx.SLAStateForUpdate(ctx, id)
		if err != nil || row == nil {
			return nil, err
		}
		saved = row
		if st, err = decodeState(row); err != nil {
			return nil, fmt.Errorf("%w: %w", errPark, err)
		}
		now := c.opts.Time.Now()
		p := c.policy(st.Clocks.PolicyID)
		eng := c.fallback
		if p != nil {
			eng = p.eng
		}
		var ams []ticketcore.Amendment
		dues := append(st.Pending, eng.Evaluate(&st.Clocks, now)...)
		st.Pending = nil
		for _, d := range dues {
			fresh, err := tx.MarkSLAFired(ctx, id, d.Key(), now)
			if err != nil {
				return nil, err
			}
			if !fresh {
				c.log.Warn("sla item fired before; not written again", "key", d.Key())
				continue
			}
			ams = append(ams, slaAmendment(st, d, p))
			if p == nil {
				continue
			}
			for _, s := range p.Escalation {
				if s.matches(d) {
					st.Delayed = append(st.Delayed, Delayed{At: eng.Calendar().Add(d.At, s.After), Trigger: d, Step: s})
				}
			}
		}
		// Escalation steps that are due: just started ones with no delay
		// run whatever became of their clock (the breach is news); delayed
		// ones only while it still runs.
		var keep []Delayed
		for _, dl := range st.Delayed {
			if dl.At.After(now) {
				keep = append(keep, dl)
				continue
			}
			if dl.Step.After > 0 && !st.triggerOpen(dl.Trigger) {
				continue
			}
			key := fmt.Sprintf("%s:%s:%s:%d:%d", dl.Trigger.Key(), dl.Step.Action, dl.Step.Role, dl.Step.Level, dl.Step.After)
			fresh, err := tx.MarkSLAFired(ctx, id, key, now)
			if err != nil {
				return nil, err
			}
			if !fresh {
				continue
			}
			am, n, ok := c.runStep(ctx, st, t, dl, key)
			if ok {
				ams = append(ams, am)
			}
			if n != nil {
				notices = append(notices, *n)
			}
		}
		st.Delayed = keep
		st.prune()
		next, err := st.row(id, row, now)
		if err != nil {
			return nil, err
		}
		if string(next.State) == string(row.State) {
			return ams, nil // nothing was due (a stale hint)
		}
		if err := tx.SaveSLAState(ctx, next); err != nil {
			return nil, err
		}
		saved = next
		return ams, nil
	})
	var nf *ticketcore.Error
	if errors.As(err, &nf) && nf.Code == ticketcore.CodeNotFound {
		return nil
	}
	if err != nil {
		return err
	}
	if saved != nil {
		items, _ := st.schedule(id, saved.Version)
		c.sched.Sync(id, saved.Version, items)
	}
	c.deliver(ctx, t, notices)
	return nil
}

// slaAmendment is the event of a warning or breach.
func slaAmendment(st *State, d sla.Due, p *compiled) ticketcore.Amendment {
	c := st.Clocks.Clock(d.Metric)
	var target time.Duration
	deadline := "unknown (the clock has stopped)"
	if c != nil {
		target = c.Target
		if c.Deadline != nil {
			deadline = stamp(*c.Deadline)
		}
	}
	policy := st.Clocks.PolicyID
	info := &events.SLA{Metric: d.Metric.String(), Cycle: d.Cycle, Policy: policy, TargetSeconds: int64(target / time.Second)}
	if c != nil && c.Deadline != nil {
		dl := c.Deadline.UTC()
		info.Deadline = &dl
	}
	if p == nil {
		policy += " (since deleted)"
	}
	if d.Kind == sla.Breach {
		return ticketcore.Amendment{
			Type: events.TicketSLABreached,
			Reason: fmt.Sprintf("SLA breached: %s (cycle %d) of policy %s, target %s business time, deadline %s",
				d.Metric, d.Cycle, policy, target, stamp(d.At)),
			SLA:    info,
			Change: func(t *ticketcore.Ticket) { t.SLABreached = true },
		}
	}
	return ticketcore.Amendment{
		Type: events.TicketSLAWarning,
		Reason: fmt.Sprintf("SLA warning: %s (cycle %d) of policy %s, target %s business time, warned at %s, deadline %s",
			d.Metric, d.Cycle, policy, target, stamp(d.At), deadline),
		SLA: info,
	}
}

// stamp writes an instant for event reasons: UTC, to the millisecond.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// runStep runs one escalation step: its event, and for notify the notice
// to deliver after the commit. ok is false for a reassign step that has
// nothing to do (the ticket is at that level already).
func (c *Clocks) runStep(ctx context.Context, st *State, t *ticketcore.Ticket, dl Delayed, key string) (ticketcore.Amendment, *Notice, bool) {
	s := dl.Step
	reason := fmt.Sprintf("escalation on %s of %s (policy %s): %s", dl.Trigger.Kind, dl.Trigger.Metric, st.Clocks.PolicyID, s.describe())
	if s.After > 0 {
		reason += fmt.Sprintf(", %s after it", s.After)
	}
	if s.Action == ActionNotify {
		n := &Notice{Key: key, Trigger: Trigger(dl.Trigger.Kind.String()), Metric: dl.Trigger.Metric.String(), Role: s.Role, Reason: reason}
		return ticketcore.Amendment{Type: events.TicketEscalated, Reason: reason}, n, true
	}
	if st.Level >= s.Level {
		return ticketcore.Amendment{}, nil, false
	}
	am := c.reassign(ctx, st, t, s.Level, reason)
	return am, nil, true
}

// reassign raises the ticket to level, with the Escalator's choice of team
// and agent. An Escalator error does not block the escalation: the level is
// raised, the ticket stays where it is, and the event says why.
func (c *Clocks) reassign(ctx context.Context, st *State, t *ticketcore.Ticket, level int, reason string) ticketcore.Amendment {
	st.Level = level
	am := ticketcore.Amendment{Type: events.TicketEscalated, Reason: reason}
	if c.opts.Escalator == nil {
		return am
	}
	r, err := c.opts.Escalator.Escalate(ctx, t, level)
	if err != nil {
		c.log.Warn("escalator found nobody", "ticket", t.ID, "level", level, "err", err)
		am.Reason += "; not reassigned: " + err.Error()
		return am
	}
	if r.Reason != "" {
		am.Reason += "; " + r.Reason
	}
	if r.Team != "" || r.Assignee != "" {
		am.Change = func(t *ticketcore.Ticket) {
			if r.Team != "" {
				t.Team = r.Team
			}
			if r.Assignee != "" {
				t.Assignee = r.Assignee
			}
		}
	}
	return am
}

// deliver hands notices to the Notifier once their events are committed.
// Delivery is at most once: a crash between the commit and this call loses
// the notice, not the ticket.escalated event that records it.
func (c *Clocks) deliver(ctx context.Context, t *ticketcore.Ticket, notices []Notice) {
	if c.opts.Notifier == nil || t == nil {
		return
	}
	for _, n := range notices {
		n.Ticket = *t
		n.At = t.UpdatedAt
		if err := c.opts.Notifier.NotifyEscalation(ctx, n); err != nil {
			c.log.Error("sla notice not delivered", "ticket", t.ID, "key", n.Key, "role", n.Role, "err", err)
		}
	}
}

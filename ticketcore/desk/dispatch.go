package desk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/events"
	"github.com/deskmine/deskmine/ticketcore/routing"
)

var (
	_ ticketcore.Router = (*Desk)(nil)
	_ ticketcore.Hook   = (*Desk)(nil)
)

// reservation is a decision applied to the roster before the change that
// carries it commits: the ticket's weight moved from one agent to another.
// The change's event confirms it; a change that fails (or never comes, like
// a replayed create) undoes it.
type reservation struct {
	ticketID int64  // 0: a new ticket, known by created and subject
	created  int64  // new ticket: created_at in µs
	subject  string // new ticket
	from, to string // agents losing and gaining the ticket; "" for none
	fromPrio string
	toPrio   string
	expires  time.Time
}

// matches reports whether an event carries the reserved change; old is the
// ticket's assignee before the event.
func (r *reservation) matches(e *events.Event, oldAssignee string) bool {
	if r.to != e.Ticket.Assignee {
		return false
	}
	if e.Type == events.TicketCreated {
		return r.ticketID == 0 && r.created == e.Ticket.CreatedAt.UnixMicro() && r.subject == e.Ticket.Subject
	}
	return r.ticketID == e.TicketID && r.from == oldAssignee
}

// apply moves the reserved weight on the roster; d.mu is held.
func (d *Desk) apply(r *reservation) {
	if r.from != "" {
		_ = d.roster.Release(r.from, events.Ticket{Priority: r.fromPrio})
	}
	if r.to != "" {
		d.addLoad(r.to, d.roster.Weight(r.toPrio))
	}
}

// undo reverses a reservation's effect on the roster; d.mu is held.
func (d *Desk) undo(r *reservation) {
	if r.to != "" {
		_ = d.roster.Release(r.to, events.Ticket{Priority: r.toPrio})
	}
	if r.from != "" {
		d.addLoad(r.from, d.roster.Weight(r.fromPrio))
	}
}

func (d *Desk) addLoad(login string, w int) {
	if l, ok := d.roster.Load(login); ok {
		_ = d.roster.SetLoad(login, l+w)
	}
}

// expire undoes reservations whose change never committed; d.mu is held.
func (d *Desk) expire(now time.Time) {
	d.pending = slices.DeleteFunc(d.pending, func(r *reservation) bool {
		if now.After(r.expires) {
			d.undo(r)
			return true
		}
		return false
	})
}

// cancel undoes a reservation whose change failed, unless its event
// already confirmed it.
func (d *Desk) cancel(r *reservation) {
	if r == nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if i := slices.Index(d.pending, r); i >= 0 {
		d.pending = slices.Delete(d.pending, i, i+1)
		d.undo(r)
	}
}

func isAuto(s string) bool { return strings.EqualFold(strings.TrimSpace(s), routing.AssignAuto) }

// Route implements ticketcore.Router for new tickets: it applies the rules
// (team, priority, tags, SLA policy) and, when a rule asks for an
// assignment or the caller gave the assignee "auto", runs the team's
// strategy and reserves the agent's capacity. An assignee given by the caller is kept. The reason
// names the rule set version, the matching rules, their effects, the
// strategy, the agent and any overflow.
func (d *Desk) Route(_ context.Context, t *ticketcore.Ticket) (string, error) {
	_, router := d.snapshot()
	out := routing.Outcome{Team: t.Team, Priority: t.Priority, Tags: t.Tags}
	if router != nil {
		out = router.Apply(*t)
	}
	nt := out.ApplyTo(*t)
	ask := out.Assign
	given := strings.TrimSpace(t.Assignee)
	switch {
	case isAuto(given):
		ask, nt.Assignee = routing.AssignAuto, ""
	case given != "":
		ask = ""
	}
	var parts []string
	if router != nil {
		parts = append(parts, rulesText(router.Version(), out, t))
	}
	if given != "" && !isAuto(given) {
		parts = append(parts, fmt.Sprintf("assignee %q given by the creator", given))
	}
	if ask != "" {
		now := d.now()
		d.mu.Lock()
		d.expire(now)
		dec := d.roster.Assign(nt, routing.Request{Team: out.Team, Agent: ask, Skills: out.Skills}, now)
		if dec.Team != "" {
			nt.Team = dec.Team
		}
		if dec.Agent != "" {
			nt.Assignee = dec.Agent
			if err := d.roster.Commit(nt, dec, now); err == nil {
				d.pending = append(d.pending, &reservation{created: nt.CreatedAt.UnixMicro(), subject: nt.Subject,
					to: dec.Agent, toPrio: nt.Priority, expires: now.Add(d.opts.ReservationTTL)})
			}
		}
		d.mu.Unlock()
		parts = append(parts, decisionText(dec))
	}
	t.Team, t.Priority, t.Tags, t.Assignee = nt.Team, nt.Priority, nt.Tags, nt.Assignee
	if out.SLAPolicy != "" {
		t.SLAPolicy = out.SLAPolicy
	}
	return strings.Join(parts, "; "), nil
}

// rulesText says which rules matched and what they changed of t.
func rulesText(version int, out routing.Outcome, t *ticketcore.Ticket) string {
	if len(out.Matched) == 0 {
		return fmt.Sprintf("routing rules v%d: none matched", version)
	}
	s := fmt.Sprintf("routing rules v%d: matched %s", version, strings.Join(out.Matched, ", "))
	var eff []string
	if out.Team != t.Team {
		eff = append(eff, "team "+out.Team)
	}
	if out.Priority != t.Priority {
		eff = append(eff, "priority "+out.Priority)
	}
	if len(out.AddedTags) > 0 {
		eff = append(eff, "tags +"+strings.Join(out.AddedTags, " +"))
	}
	if out.SLAPolicy != "" {
		eff = append(eff, "SLA policy "+out.SLAPolicy)
	}
	if len(eff) > 0 {
		s += " (" + strings.Join(eff, ", ") + ")"
	}
	return s
}

// decisionText names the strategy, the agent and any overflow, then the
// roster's own reason.
func decisionText(dec routing.Decision) string {
	var b strings.Builder
	fmt.Fprintf(&b, "strategy %s", dec.Strategy)
	if dec.Agent != "" {
		fmt.Fprintf(&b, " assigned %q", dec.Agent)
	} else {
		b.WriteString(" found no agent")
	}
	if dec.Overflowed {
		fmt.Fprintf(&b, ", overflow to team %q", dec.Team)
	}
	b.WriteString(": ")
	b.WriteString(dec.Reason)
	return b.String()
}

// InTx implements ticketcore.Hook; the desk writes nothing in the transaction.
func (d *Desk) InTx(context.Context, ticketcore.Tx, *events.Event) error { return nil }

// AfterCommit implements ticketcore.Hook: it keeps agents' loads and
// customers' last agents in step with committed changes.
func (d *Desk) AfterCommit(_ context.Context, evs []*events.Event) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.expire(d.now())
	for _, e := range evs {
		if d.reloading {
			d.replay = append(d.replay, e)
		}
		if e.Seq > d.watermark {
			d.account(e)
			continue
		}
		// The loads were counted after this change committed, and its
		// reservation was applied again on top: take that back.
		old := ""
		if e.Type != events.TicketCreated {
			old = priorOf(e).assignee
		}
		if i := d.reserved(e, old); i >= 0 {
			d.undo(d.pending[i])
			d.pending = slices.Delete(d.pending, i, i+1)
		}
	}
}

// prior is what an event changed the ticket from.
type prior struct{ assignee, priority, status string }

func priorOf(e *events.Event) prior {
	p := prior{assignee: e.Ticket.Assignee, priority: e.Ticket.Priority, status: e.Ticket.Status}
	for _, ch := range e.Changes {
		var dst *string
		switch ch.Field {
		case "assignee":
			dst = &p.assignee
		case "priority":
			dst = &p.priority
		case "status":
			dst = &p.status
		default:
			continue
		}
		*dst = ""
		_ = json.Unmarshal(ch.Old, dst) // null leaves ""
	}
	return p
}

// account applies one committed event to the roster; d.mu is held.
func (d *Desk) account(e *events.Event) {
	t := &e.Ticket
	created := e.Type == events.TicketCreated
	var old prior
	if !created {
		old = priorOf(e)
	}
	if i := d.reserved(e, old.assignee); i >= 0 {
		d.pending = slices.Delete(d.pending, i, i+1)
		d.noteLast(t)
		return // applied when decided
	}
	oldHeld := !created && old.assignee != "" && d.open[old.status]
	newHeld := t.Assignee != "" && d.open[t.Status]
	moved := old.assignee != t.Assignee || old.priority != t.Priority
	if oldHeld && (!newHeld || moved) {
		_ = d.roster.Release(old.assignee, events.Ticket{Priority: old.priority})
	}
	if newHeld && (!oldHeld || moved) {
		_ = d.roster.Commit(*t, routing.Decision{Team: t.Team, Agent: t.Assignee, Strategy: routing.StrategyDirect}, d.now())
	}
	if newHeld {
		d.noteLast(t)
	}
}

// reserved returns the index of the pending reservation e confirms, or -1.
func (d *Desk) reserved(e *events.Event, oldAssignee string) int {
	return slices.IndexFunc(d.pending, func(r *reservation) bool { return r.matches(e, oldAssignee) })
}

func (d *Desk) noteLast(t *events.Ticket) {
	if t.Customer.ID == 0 || t.Assignee == "" {
		return
	}
	if d.roster.SetLastAgent(t.Customer.ID, t.Assignee) == nil {
		d.last[t.Customer.ID] = t.Assignee
	}
}

// Reroute is where one ticket went when it was re-routed.
type Reroute struct {
	TicketID   int64            `json:"ticket_id"`
	From       string           `json:"from"`
	To         string           `json:"to"` // empty: back in Team's queue, unassigned
	Team       string           `json:"team"`
	Strategy   routing.Strategy `json:"strategy"`
	Overflowed bool             `json:"overflowed"`
	Reason     string           `json:"reason"`
	Error      string           `json:"error,omitempty"` // the ticket could not be moved and stays with From
}

// StatusChange is an agent's new status and, when they went offline, where
// their open tickets went.
type StatusChange struct {
	Agent    Agent     `json:"agent"`
	Rerouted []Reroute `json:"rerouted"`
}

// SetAgentStatus changes an agent's availability (audited like any change
// of the agent). Online agents get new tickets, away agents keep theirs and
// get none; an agent going offline has every open ticket re-routed in its
// team (the agent excluded, overflowing to backup teams) by SystemActor,
// each event giving the reason. Setting offline again re-routes tickets
// the agent still has.
func (d *Desk) SetAgentStatus(ctx context.Context, actor ticketcore.Actor, login string, status routing.Status) (*StatusChange, error) {
	switch status {
	case routing.StatusOnline, routing.StatusAway, routing.StatusOffline:
	default:
		return nil, ticketcore.Invalid("status", "must be online, away or offline")
	}
	a, err := d.setStatus(ctx, actor, login, status)
	if err != nil {
		return nil, err
	}
	out := &StatusChange{Agent: *a, Rerouted: []Reroute{}}
	if status == routing.StatusOffline {
		out.Rerouted, err = d.reroute(ctx, actor, login, "went offline")
	}
	d.mu.Lock()
	if l, ok := d.roster.Load(login); ok {
		out.Agent.Load = &l
	}
	d.mu.Unlock()
	return out, err
}

func (d *Desk) setStatus(ctx context.Context, actor ticketcore.Actor, login string, status routing.Status) (*Agent, error) {
	d.writeMu.Lock()
	defer d.writeMu.Unlock()
	s, err := d.store.Setting(ctx, KindAgent, login)
	if err != nil {
		if errors.Is(err, ticketcore.ErrNotFound) {
			return nil, ticketcore.NotFound("agent", login)
		}
		return nil, err
	}
	a, err := decodeAgent(s)
	if err != nil {
		return nil, err
	}
	if a.Status == status {
		return &a, nil
	}
	a.Status = status
	body := a
	body.Meta = Meta{}
	m, err := d.put(ctx, actor, KindAgent, login, body, a.Version)
	if err != nil {
		return nil, err
	}
	a.Meta = m
	c, _ := d.snapshot()
	d.afterWrite(ctx, c.withAgent(a, false))
	return &a, nil
}

// maxReroute bounds the tickets read for one agent going offline.
const maxReroute = 100000

// reroute moves the open tickets of an agent who leaves, most urgent
// first. A ticket changed meanwhile is decided again from its new state.
func (d *Desk) reroute(ctx context.Context, actor ticketcore.Actor, login, why string) ([]Reroute, error) {
	open, err := d.store.TicketsInStates(ctx, TicketQuery{Statuses: d.openStates, Assignee: login, Limit: maxReroute})
	if err != nil {
		return nil, fmt.Errorf("open tickets of %s: %w", login, err)
	}
	out := []Reroute{}
	if len(open) == 0 {
		return out, nil
	}
	byID := make(map[int64]*ticketcore.Ticket, len(open))
	for i := range open {
		byID[open[i].ID] = &open[i]
	}
	now := d.now()
	d.mu.Lock()
	d.expire(now)
	moves, err := d.roster.Offline(login, open, now)
	res := make([]*reservation, len(moves))
	for i, m := range moves {
		t := byID[m.TicketID]
		r := &reservation{ticketID: t.ID, from: login, to: m.Decision.Agent, fromPrio: t.Priority, toPrio: t.Priority, expires: now.Add(d.opts.ReservationTTL)}
		if r.to == "" {
			r.toPrio = ""
		}
		d.pending = append(d.pending, r)
		res[i] = r
	}
	d.mu.Unlock()
	if err != nil {
		for _, r := range res {
			d.cancel(r)
		}
		return nil, err
	}
	prefix := fmt.Sprintf("re-routed because agent %q %s (by %s): ", login, why, actorName(actor))
	for i, m := range moves {
		t := byID[m.TicketID]
		rr := Reroute{TicketID: t.ID, From: login, To: m.Decision.Agent, Team: m.Decision.Team, Strategy: m.Decision.Strategy,
			Overflowed: m.Decision.Overflowed, Reason: prefix + decisionText(m.Decision)}
		p := ticketcore.Patch{Assignee: &rr.To}
		if rr.Team != "" && rr.Team != t.Team {
			p.Team = &rr.Team
		}
		_, err := d.svc.UpdateWithReason(ctx, SystemActor, t.ID, t.Version, p, events.SourceSystem, rr.Reason)
		if err != nil {
			d.cancel(res[i])
			if isConflict(err) {
				rr = d.rerouteAgain(ctx, t.ID, login, prefix)
			} else {
				rr.To, rr.Error = login, err.Error()
			}
		}
		out = append(out, rr)
	}
	return out, nil
}

// rerouteAgain re-routes a ticket that changed while its agent went
// offline, if it is still theirs and open.
func (d *Desk) rerouteAgain(ctx context.Context, id int64, login, prefix string) Reroute {
	rr := Reroute{TicketID: id, From: login}
	for range 3 {
		cur, err := d.svc.Get(ctx, id)
		if err != nil {
			rr.To, rr.Error = login, err.Error()
			return rr
		}
		if cur.Assignee != login || !d.open[cur.Status] {
			rr.To, rr.Team = cur.Assignee, cur.Team
			rr.Reason = "changed meanwhile; left as it is"
			return rr
		}
		_, dec, err := d.reassign(ctx, SystemActor, events.SourceSystem, cur, ticketcore.Patch{}, []string{login}, prefix)
		rr.To, rr.Team, rr.Strategy, rr.Overflowed, rr.Reason = dec.Agent, dec.Team, dec.Strategy, dec.Overflowed, prefix+decisionText(dec)
		if err == nil {
			return rr
		}
		if !isConflict(err) {
			rr.To, rr.Error = login, err.Error()
			return rr
		}
	}
	rr.To, rr.Error = login, "the ticket kept changing; not moved"
	return rr
}

// reassign runs the team's strategy for a stored ticket (with the patch's
// team and priority, if any), reserves the decision and stores it with p,
// the reason being prefix and the decision.
func (d *Desk) reassign(ctx context.Context, actor ticketcore.Actor, src events.Source, cur *ticketcore.Ticket, p ticketcore.Patch,
	exclude []string, prefix string) (*ticketcore.Ticket, routing.Decision, error) {
	nt := *cur
	if p.Team != nil {
		nt.Team = strings.TrimSpace(*p.Team)
	}
	if p.Priority != nil {
		nt.Priority = strings.TrimSpace(*p.Priority)
	}
	nt.Assignee = ""
	team := nt.Team
	var skills []string
	if _, router := d.snapshot(); router != nil {
		out := router.Apply(nt)
		skills = out.Skills
		if team == "" {
			team = out.Team
		}
	}
	now := d.now()
	d.mu.Lock()
	d.expire(now)
	dec := d.roster.Assign(nt, routing.Request{Team: team, Agent: routing.AssignAuto, Skills: skills, Exclude: exclude}, now)
	if dec.Team != "" {
		nt.Team = dec.Team
	}
	nt.Assignee = dec.Agent
	var r *reservation
	if d.open[cur.Status] && cur.Assignee != dec.Agent {
		r = &reservation{ticketID: cur.ID, from: cur.Assignee, to: dec.Agent, fromPrio: cur.Priority, toPrio: nt.Priority, expires: now.Add(d.opts.ReservationTTL)}
		if r.from != "" {
			_ = d.roster.Release(r.from, events.Ticket{Priority: r.fromPrio})
		}
		if r.to != "" {
			_ = d.roster.Commit(nt, dec, now)
		}
		d.pending = append(d.pending, r)
	}
	d.mu.Unlock()
	p.Assignee = &dec.Agent
	if dec.Team != "" && dec.Team != cur.Team {
		p.Team = &dec.Team
	}
	t, err := d.svc.UpdateWithReason(ctx, actor, cur.ID, cur.Version, p, src, prefix+decisionText(dec))
	if err != nil {
		d.cancel(r)
		return nil, dec, err
	}
	return t, dec, nil
}

// Update is ticketcore.Service.Update, except that the assignee "auto"
// re-routes the ticket: its team's strategy picks another agent (the
// current one excluded), overflowing to backup teams, or leaves it
// unassigned in the team's queue; the event's reason records the decision.
// The HTTP handler of ticket changes should call this rather than the
// service.
func (d *Desk) Update(ctx context.Context, actor ticketcore.Actor, id, expectedVersion int64, p ticketcore.Patch) (*ticketcore.Ticket, error) {
	if p.Assignee == nil || !isAuto(*p.Assignee) {
		return d.svc.Update(ctx, actor, id, expectedVersion, p)
	}
	for attempt := 0; ; attempt++ {
		cur, err := d.svc.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		if expectedVersion != 0 && cur.Version != expectedVersion {
			return nil, &ticketcore.Error{Code: ticketcore.CodeConflict,
				Message: fmt.Sprintf("ticket %d is at version %d, not %d; reload and retry", id, cur.Version, expectedVersion)}
		}
		if !d.open[cur.Status] {
			return nil, ticketcore.Invalid("assignee", fmt.Sprintf("only open tickets are assigned automatically; this one is %s", cur.Status))
		}
		var exclude []string
		if cur.Assignee != "" {
			exclude = []string{cur.Assignee}
		}
		t, _, err := d.reassign(ctx, actor, events.SourceAPI, cur, p, exclude, fmt.Sprintf("reassigned automatically by %s: ", actorName(actor)))
		if err != nil && isConflict(err) && expectedVersion == 0 && attempt < 2 {
			continue // changed between the read and the write: decide again
		}
		return t, err
	}
}

package slaclock

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/events"
	"github.com/deskmine/deskmine/ticketcore/sla"
)

// SystemActor is the actor of the events the SLA clocks write.
var SystemActor = ticketcore.Actor{Name: "deskmine-sla", Role: "system"}

// Options configure the SLA clocks; zero values take the defaults.
type Options struct {
	// Time is the clock of the scheduler and of the fire path; default the
	// system clock. Tests inject a fake one (and give the ticket service
	// the same Now).
	Time sla.TimeSource
	// Notifier delivers notify steps; nil records them as events only.
	Notifier Notifier
	// Escalator picks the team and agent of a ticket escalated to a higher
	// level; nil raises the level without reassigning.
	Escalator Escalator
	// PolicyTTL is how often the policies and calendars are read again from
	// the settings, in the background; default 10s. Reload reads them at once.
	PolicyTTL time.Duration
	// Sweep is how often Run looks in the store for overdue clocks that
	// its scheduler does not hold (changed through another server on the
	// same database); default 30s.
	Sweep time.Duration
	// LoadPage is how many SLA states are read per query; default 1000.
	LoadPage int
	// Scheduler tunes the scheduler; its Time and Logger are set from these options.
	Scheduler sla.Options
	Logger    *slog.Logger // default discards
}

// Clocks runs the SLA clocks of every ticket. It is a ticketcore.Hook that
// keeps each ticket's clocks in the transaction of its every change, a
// runner (Run) that fires warnings, breaches and escalation steps on time,
// and the manual escalation (Escalate). Create it with New before serving.
type Clocks struct {
	svc      *ticketcore.Service
	store    ticketcore.Store
	settings ticketcore.SettingsStore
	opts     Options
	log      *slog.Logger
	sched    *sla.Scheduler

	// fallback evaluates clocks whose policy is gone: Evaluate reads only
	// the deadlines stored in the clocks, never the engine's policy.
	fallback *sla.Engine

	snapMu sync.Mutex
	snap   *snapshot

	stashMu sync.Mutex
	stash   map[string]stashed // by event id: the schedule a change committed

	loaded chan struct{}
}

type stashed struct {
	ticketID, version int64
	items             []sla.Due
	put               time.Time
}

var _ ticketcore.Hook = (*Clocks)(nil)

// New returns the SLA clocks of svc and registers them as a hook of svc
// (so call it before serving). It reads the policies and calendars from
// settings.
func New(ctx context.Context, svc *ticketcore.Service, settings ticketcore.SettingsStore, o Options) (*Clocks, error) {
	if svc == nil || settings == nil {
		return nil, errors.New("slaclock: nil service or settings store")
	}
	if o.Time == nil {
		o.Time = sla.SystemTime()
	}
	if o.PolicyTTL <= 0 {
		o.PolicyTTL = 10 * time.Second
	}
	if o.Sweep <= 0 {
		o.Sweep = 30 * time.Second
	}
	if o.LoadPage <= 0 {
		o.LoadPage = 1000
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	so := o.Scheduler
	so.Time, so.Logger = o.Time, o.Logger
	fallback, err := sla.NewEngine(sla.Policy{ID: "-", Targets: []sla.Target{{Resolution: time.Hour}}}, nil)
	if err != nil {
		return nil, err
	}
	c := &Clocks{
		svc: svc, store: svc.Store(), settings: settings, opts: o, log: o.Logger,
		sched: sla.NewScheduler(so), fallback: fallback,
		stash: map[string]stashed{}, loaded: make(chan struct{}),
	}
	if err := c.Reload(ctx); err != nil {
		return nil, err
	}
	svc.AddHook(c)
	return c, nil
}

func policyName(ticketPolicy string) string {
	if ticketPolicy == "" {
		return DefaultPolicy
	}
	return ticketPolicy
}

// happening maps an event to what the SLA clocks see of it; false for an
// event that does not concern them.
func (c *Clocks) happening(e *events.Event) (sla.Happening, bool) {
	h := sla.Happening{At: e.At, PendingReason: e.Ticket.PendingReason, Priority: e.Ticket.Priority, Tier: e.Ticket.Customer.Tier}
	switch e.Type {
	case events.TicketCreated:
		h.Kind = sla.Created
	case events.TicketCommented:
		switch {
		case e.Comment == nil:
			return h, false
		case e.Actor.Role == "client":
			h.Kind = sla.CustomerMessage
		case e.Comment.Public:
			h.Kind = sla.AgentPublicReply
		default:
			return h, false // internal notes stop nothing
		}
	case events.TicketStatusChanged:
		h.Kind = sla.Changed
	case events.TicketUpdated:
		relevant := false
		for _, f := range []string{"status", "pending_reason", "priority", "customer", "sla_policy"} {
			_, ok := e.ChangeOf(f)
			relevant = relevant || ok
		}
		if !relevant {
			return h, false
		}
		h.Kind = sla.Changed
	default:
		return h, false // SLA and escalation events, and types this version does not know
	}
	st, ok := c.svc.Workflow().State(e.Ticket.Status)
	if !ok {
		return h, false
	}
	h.StatusKind = string(st.Kind)
	return h, true
}

// InTx applies a ticket change to the ticket's clocks and saves them in
// the change's transaction. Imported and demo history is not measured.
func (c *Clocks) InTx(ctx context.Context, tx ticketcore.Tx, e *events.Event) error {
	if e.Source == events.SourceImport || e.Source == events.SourceDemo {
		return nil
	}
	h, ok := c.happening(e)
	if !ok {
		return nil
	}
	row, err := tx.SLAStateForUpdate(ctx, e.TicketID)
	if err != nil {
		return err
	}
	st := &State{Clocks: sla.TicketClocks{TicketID: e.TicketID}}
	if row != nil {
		if dec, err := decodeState(row); err != nil {
			// Do not block the ticket: it goes on unmeasured (until a new
			// policy starts fresh clocks). The fired keys still keep what
			// fired from firing again.
			c.log.Error("sla state unreadable; the ticket is not measured", "ticket", e.TicketID, "err", err)
		} else {
			st = dec
		}
	}
	_, policyChanged := e.ChangeOf("sla_policy")
	policyChanged = policyChanged && e.Type != events.TicketCreated
	if !st.started() && h.Kind != sla.Created && !policyChanged {
		return nil // created before any policy applied, or imported: not measured
	}

	name := policyName(e.Ticket.SLAPolicy)
	p := c.policy(name)
	if p == nil && policyChanged && e.Ticket.SLAPolicy != "" {
		return ticketcore.Invalid("sla_policy", fmt.Sprintf("there is no usable SLA policy named %q", e.Ticket.SLAPolicy))
	}
	for _, alt := range []string{DefaultPolicy, st.Clocks.PolicyID} {
		if p != nil || alt == "" || alt == name {
			continue
		}
		if p = c.policy(alt); p != nil {
			c.log.Warn("sla policy missing; using another", "ticket", e.TicketID, "policy", name, "using", alt)
		}
	}
	if p == nil && !st.started() {
		return nil // no policy at all: SLA is off
	}
	if p == nil {
		// The clocks' policy is gone and there is no default: keep the
		// clocks running on their own targets, so that a reply or a
		// resolution still stops them.
		if p, err = frozen(&st.Clocks); err != nil || p == nil {
			return err
		}
		c.log.Warn("sla policy missing; the clocks keep their targets", "ticket", e.TicketID, "policy", st.Clocks.PolicyID)
	}

	if !st.started() && h.Kind != sla.Created {
		// A policy set on a ticket without clocks starts them now.
		start := h
		start.Kind, start.StatusKind, start.PendingReason = sla.Created, "new", ""
		fired, err := p.eng.Apply(&st.Clocks, start)
		if err != nil {
			return fmt.Errorf("sla clocks of ticket %d: %w", e.TicketID, err)
		}
		st.Pending = append(st.Pending, fired...)
		h.Kind = sla.Changed
	}
	fired, err := p.eng.Apply(&st.Clocks, h)
	if err != nil {
		return fmt.Errorf("sla clocks of ticket %d: %w", e.TicketID, err)
	}
	st.Pending = append(st.Pending, fired...)
	st.prune()
	next, err := st.row(e.TicketID, row, e.RecordedAt)
	if err != nil {
		return err
	}
	if err := tx.SaveSLAState(ctx, next); err != nil {
		return err
	}
	items, _ := st.schedule(e.TicketID, next.Version)
	c.put(e.ID, stashed{ticketID: e.TicketID, version: next.Version, items: items})
	return nil
}

// AfterCommit schedules the clocks that the committed changes saved.
func (c *Clocks) AfterCommit(_ context.Context, evs []*events.Event) {
	for _, e := range evs {
		if s, ok := c.take(e.ID); ok {
			c.sched.Sync(s.ticketID, s.version, s.items)
		}
	}
}

// put keeps the schedule of a change until it commits. A change rolled back
// leaves its entry behind; entries older than a minute are dropped when
// many pile up.
func (c *Clocks) put(eventID string, s stashed) {
	s.put = time.Now()
	c.stashMu.Lock()
	defer c.stashMu.Unlock()
	if len(c.stash) >= 4096 {
		for k, v := range c.stash {
			if s.put.Sub(v.put) > time.Minute {
				delete(c.stash, k)
			}
		}
	}
	c.stash[eventID] = s
}

func (c *Clocks) take(eventID string) (stashed, bool) {
	c.stashMu.Lock()
	defer c.stashMu.Unlock()
	s, ok := c.stash[eventID]
	delete(c.stash, eventID)
	return s, ok
}

// frozen is a policy made of the targets a ticket's clocks already have
// (24x7), for clocks whose policy was deleted with no default to fall back
// on; nil when the clocks have no targets.
func frozen(tc *sla.TicketClocks) (*compiled, error) {
	target := func(c *sla.Clock) time.Duration {
		if c == nil {
			return 0
		}
		return c.Target
	}
	t := sla.Target{FirstResponse: target(tc.FirstResponse), NextResponse: target(tc.NextResponse), Resolution: target(tc.Resolution)}
	if t == (sla.Target{}) {
		return nil, nil // nothing can fall due
	}
	p := sla.Policy{ID: tc.PolicyID, Targets: []sla.Target{t}}
	eng, err := sla.NewEngine(p, nil)
	if err != nil {
		return nil, fmt.Errorf("sla clocks of ticket %d: %w", tc.TicketID, err)
	}
	return &compiled{Policy: Policy{Policy: p}, eng: eng}, nil
}

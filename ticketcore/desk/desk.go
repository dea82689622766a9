package desk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/events"
	"github.com/deskmine/deskmine/ticketcore/routing"
)

// Settings kinds and names the desk keeps its configuration under.
const (
	KindTeam      = "team"
	KindAgent     = "agent"
	KindRules     = "routing_rules"
	KindSLAPolicy = "sla_policy" // read only: rules may name these policies
	RulesName     = "default"
)

// SystemActor makes the changes Deskmine decides itself, such as moving the
// tickets of an agent who went offline.
var SystemActor = ticketcore.Actor{Name: "deskmine-routing", Role: "system"}

// SLASource tells the time left until each ticket's next SLA deadline
// (negative once breached). Tickets without a deadline are left out of the
// map. The SLA part of the ticket core implements it.
type SLASource interface {
	SLARemaining(ctx context.Context, ticketIDs []int64) map[int64]time.Duration
}

// Options tune the desk. The zero value is usable.
type Options struct {
	// LoadWeights is the load an open ticket adds to its agent, by priority;
	// nil: P1 4, P2 2, P3 1, P4 1.
	LoadWeights map[string]int
	// CategorySkills are the skills a ticket needs by category, for the
	// skill_preference strategy.
	CategorySkills map[string][]string
	// LanguageField is the custom field holding a ticket's language; empty: "language".
	LanguageField string
	// ScoreWeights rank queues; the zero value means routing.DefaultScoreWeights().
	ScoreWeights routing.ScoreWeights
	// StickyWindow is how far back start-up looks for each customer's last
	// agent (for the sticky strategy); 0 means 30 days, negative means not at all.
	StickyWindow time.Duration
	// ReservationTTL is how long the capacity taken by a routing decision is
	// held for a ticket whose change has not committed (a failed or replayed
	// create never commits); 0 means 2 minutes.
	ReservationTTL time.Duration
	// QueueScan caps the tickets read per workflow state for one queue: the
	// agent's own, and the unassigned ones of each of their teams, most
	// urgent priority first, then oldest; 0 means 500.
	QueueScan int
	// ReloadInterval is how often Run re-reads settings and re-counts loads;
	// 0 means one minute.
	ReloadInterval time.Duration
	// SLA gives queues their SLA pressure; nil means none (see SetSLASource).
	SLA    SLASource
	Now    func() time.Time
	Logger *slog.Logger
}

func (o *Options) defaults() {
	if o.ScoreWeights.Tier == nil && o.ScoreWeights.Urgency == nil && o.ScoreWeights.Priority == nil && o.ScoreWeights.SLA == 0 {
		o.ScoreWeights = routing.DefaultScoreWeights()
	}
	if o.StickyWindow == 0 {
		o.StickyWindow = 30 * 24 * time.Hour
	}
	if o.ReservationTTL <= 0 {
		o.ReservationTTL = 2 * time.Minute
	}
	if o.QueueScan <= 0 {
		o.QueueScan = 500
	}
	if o.ReloadInterval <= 0 {
		o.ReloadInterval = time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}

// Desk routes tickets, keeps agents' loads and serves queues. Create it with
// New before serving; it registers itself as the service's router and hook.
type Desk struct {
	svc        *ticketcore.Service
	store      Store
	opts       Options
	log        *slog.Logger
	open       map[string]bool // workflow states whose tickets are open (kinds new, open, pending)
	openStates []string

	writeMu   sync.Mutex // serialises configuration writes: validate, save, refresh
	refreshMu sync.Mutex // serialises refreshes

	mu        sync.Mutex // guards everything below
	cfg       *config
	router    *routing.Router // nil: no rules saved
	roster    *routing.Roster
	watermark int64            // events up to this seq are in the counted loads
	reloading bool             // a re-count is under way: record committed events in replay
	replay    []*events.Event  // events committed while re-counting
	pending   []*reservation   // decisions applied to the roster whose change has not committed yet
	last      map[int64]string // customer -> agent who last had one of their tickets
	hours     map[string]hoursEntry
	sla       SLASource
}

// hoursEntry caches an agent's compiled working hours by document version.
type hoursEntry struct {
	version int64
	hours   routing.Hours
}

// New loads the configuration and the open tickets' loads, and registers the
// desk with the service as its Router and as a Hook. Call it at start-up,
// before serving.
func New(ctx context.Context, svc *ticketcore.Service, st Store, opts Options) (*Desk, error) {
	opts.defaults()
	d := &Desk{svc: svc, store: st, opts: opts, log: opts.Logger, open: map[string]bool{},
		last: map[int64]string{}, hours: map[string]hoursEntry{}, sla: opts.SLA}
	for _, s := range svc.Workflow().States {
		switch s.Kind {
		case ticketcore.KindNew, ticketcore.KindOpen, ticketcore.KindPending:
			d.open[s.Name] = true
			d.openStates = append(d.openStates, s.Name)
		}
	}
	if opts.StickyWindow > 0 {
		last, err := st.RecentAssignees(ctx, opts.Now().Add(-opts.StickyWindow))
		if err != nil {
			return nil, fmt.Errorf("desk: %w", err)
		}
		d.last = last
	}
	if err := d.refresh(ctx, true, nil); err != nil {
		return nil, fmt.Errorf("desk: %w", err)
	}
	svc.SetRouter(d)
	svc.AddHook(d)
	return d, nil
}

// SetSLASource sets where queues get SLA time remaining from.
func (d *Desk) SetSLASource(s SLASource) {
	d.mu.Lock()
	d.sla = s
	d.mu.Unlock()
}

func (d *Desk) now() time.Time { return d.opts.Now().UTC() }

// IsOpen reports whether a ticket in this workflow state counts as open:
// it weighs on its agent and is routed.
func (d *Desk) IsOpen(status string) bool { return d.open[status] }

// Reload re-reads the settings and re-counts every agent's load from the
// open tickets. With several API replicas, each should reload periodically
// (Run does), since each sees only its own commits in between.
func (d *Desk) Reload(ctx context.Context) error { return d.refresh(ctx, true, nil) }

// Run reloads every Options.ReloadInterval until ctx ends; failures are
// logged and retried at the next tick.
func (d *Desk) Run(ctx context.Context) error {
	tick := time.NewTicker(d.opts.ReloadInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			if err := d.Reload(ctx); err != nil && ctx.Err() == nil {
				d.log.Error("desk reload failed", "err", err)
			}
		}
	}
}

// refresh rebuilds the router and the roster from the settings (or, when
// c is not nil, from c: a configuration just saved). With recount, loads
// are counted from the store; otherwise they are carried over from the
// current roster.
func (d *Desk) refresh(ctx context.Context, recount bool, c *config) error {
	d.refreshMu.Lock()
	defer d.refreshMu.Unlock()
	var err error
	if c == nil {
		if c, err = d.loadConfig(ctx); err != nil {
			return err
		}
	}
	_, prev := d.snapshot()
	router, roster := d.build(c, prev)
	var snap LoadSnapshot
	if recount {
		d.mu.Lock()
		d.reloading, d.replay = true, nil
		d.mu.Unlock()
		snap, err = d.store.AssignedLoads(ctx, d.openStates)
		if err != nil {
			d.mu.Lock()
			d.reloading, d.replay = false, nil
			d.mu.Unlock()
			return fmt.Errorf("count loads: %w", err)
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if recount {
		loads := map[string]int{}
		for _, c := range snap.Counts {
			loads[c.Assignee] += c.Count * roster.Weight(c.Priority)
		}
		for login, l := range loads {
			_ = roster.SetLoad(login, l) // assignees who are not agents are not tracked
		}
	} else if d.roster != nil {
		for _, a := range c.agents {
			if l, ok := d.roster.Load(a.Login); ok {
				_ = roster.SetLoad(a.Login, l)
			}
		}
	}
	for cust, login := range d.last {
		_ = roster.SetLastAgent(cust, login)
	}
	d.cfg, d.router, d.roster = c, router, roster
	if recount {
		// Decisions still pending were applied to the old roster: apply them
		// again. One whose change committed before the snapshot is counted
		// twice until its event comes (at or below the watermark), which
		// takes the reservation back. Events that came while counting were
		// applied to the old roster: apply those after the snapshot again.
		for _, r := range d.pending {
			d.apply(r)
		}
		d.watermark = snap.Seq
		replay := d.replay
		d.reloading, d.replay = false, nil
		for _, e := range replay {
			if e.Seq > d.watermark {
				d.account(e)
			}
		}
	}
	return nil
}

// build compiles the rules and indexes teams and agents. The configuration
// was validated piece by piece when saved, but other replicas may have
// changed it meanwhile, so what does not fit is left out and logged rather
// than refused.
func (d *Desk) build(c *config, prev *routing.Router) (*routing.Router, *routing.Roster) {
	teams := make([]routing.Team, 0, len(c.teams))
	known := map[string]bool{}
	for _, t := range c.teams {
		known[t.Name] = true
	}
	for _, t := range c.teams {
		rt := routing.Team{Name: t.Name, Strategy: t.Strategy, BackupTeam: t.BackupTeam, Skills: t.Skills}
		if rt.BackupTeam != "" && !known[rt.BackupTeam] {
			d.log.Warn("desk: team's backup team does not exist; ignored", "team", t.Name, "backup_team", t.BackupTeam)
			rt.BackupTeam = ""
		}
		teams = append(teams, rt)
	}
	agents := make([]routing.Agent, 0, len(c.agents))
	for _, a := range c.agents {
		ra := routing.Agent{Login: a.Login, Name: a.Name, Skills: a.Skills, Regions: a.Regions, Languages: a.Languages,
			Capacity: a.Capacity, Status: a.Status, Level: a.Level}
		for _, tn := range a.Teams {
			if known[tn] {
				ra.Teams = append(ra.Teams, tn)
			} else {
				d.log.Warn("desk: agent's team does not exist; ignored", "agent", a.Login, "team", tn)
			}
		}
		ra.WorkingHours = d.workingHours(a)
		agents = append(agents, ra)
	}
	ropts := routing.RosterOptions{LoadWeights: d.opts.LoadWeights, CategorySkills: d.opts.CategorySkills, LanguageField: d.opts.LanguageField}
	roster, err := routing.NewRoster(teams, agents, ropts)
	if err != nil {
		// Only a broken document gets here (each was checked when saved):
		// keep routing with what is valid.
		d.log.Error("desk: teams and agents do not build a roster; routing without agents", "err", err)
		roster, err = routing.NewRoster(teams, nil, ropts)
		if err != nil {
			d.log.Error("desk: teams do not build a roster; routing without teams", "err", err)
			roster, _ = routing.NewRoster(nil, nil, ropts)
		}
	}
	if len(c.rules.Rules) == 0 {
		return nil, roster
	}
	router, err := routing.Compile(c.rules, d.known(c))
	if err != nil {
		// A custom field, SLA policy or team named by the rules went away
		// after they were saved.
		d.log.Error("desk: the saved routing rules no longer compile against the configuration", "version", c.rules.Version, "err", err)
		if prev != nil {
			return prev, roster
		}
		if router, err = routing.Compile(c.rules, routing.KnownFields{CustomFields: c.fields}); err != nil {
			d.log.Error("desk: routing rules are switched off until fixed", "err", err)
			return nil, roster
		}
	}
	return router, roster
}

// workingHours compiles an agent's calendar, reusing the last compilation
// of the same document version.
func (d *Desk) workingHours(a Agent) routing.Hours {
	if a.WorkingHours == nil {
		return nil
	}
	d.mu.Lock()
	h, ok := d.hours[a.Login]
	d.mu.Unlock()
	if ok && h.version == a.Version {
		return h.hours
	}
	cal, err := compileHours(a)
	if err != nil {
		d.log.Warn("desk: agent's working hours do not compile; treated as always", "agent", a.Login, "err", err)
		return nil
	}
	hours := routing.Hours(cal.IsWorking)
	d.mu.Lock()
	d.hours[a.Login] = hoursEntry{version: a.Version, hours: hours}
	d.mu.Unlock()
	return hours
}

// known is what rules are validated against: the live configuration.
func (d *Desk) known(c *config) routing.KnownFields {
	o := d.svc.Options()
	k := routing.KnownFields{
		CustomFields:  c.fields,
		Teams:         make([]string, 0, len(c.teams)),
		Agents:        make([]string, 0, len(c.agents)),
		SLAPolicies:   append([]string{}, c.policies...),
		TicketTypes:   slices.Clone(o.TicketTypes),
		CustomerTiers: slices.Clone(o.CustomerTiers),
		Statuses:      o.Workflow.StateNames(),
		Channels:      slices.Clone(ticketcore.Channels),
		Urgencies:     slices.Clone(ticketcore.Urgencies),
		Priorities:    slices.Clone(ticketcore.Priorities),
	}
	if k.CustomFields == nil {
		k.CustomFields = map[string]routing.CustomField{}
	}
	for _, t := range c.teams {
		k.Teams = append(k.Teams, t.Name)
	}
	for _, a := range c.agents {
		k.Agents = append(k.Agents, a.Login)
	}
	return k
}

// snapshot returns the configuration, router and roster in use. The
// configuration and router are immutable; the roster needs d.mu.
func (d *Desk) snapshot() (*config, *routing.Router) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cfg, d.router
}

func conflict(what, name string, expected int64) error {
	if expected == 0 {
		return &ticketcore.Error{Code: ticketcore.CodeConflict,
			Message: fmt.Sprintf("%s %s already exists; send its version to change it", what, name)}
	}
	return &ticketcore.Error{Code: ticketcore.CodeConflict,
		Message: fmt.Sprintf("%s %s is not at version %d; reload and retry", what, name, expected)}
}

func isConflict(err error) bool {
	if errors.Is(err, ticketcore.ErrConflict) {
		return true
	}
	e, ok := ticketcore.AsError(err)
	return ok && e.Code == ticketcore.CodeConflict
}

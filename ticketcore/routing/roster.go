package routing

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/deskmine/deskmine/ticketcore/events"
)

// Strategy is how a team picks an agent, and, in a Decision, how the agent
// was picked.
type Strategy string

// Team strategies.
const (
	StrategyLeastLoaded     Strategy = "least_loaded"
	StrategyRoundRobin      Strategy = "round_robin"
	StrategySticky          Strategy = "sticky"
	StrategySkillPreference Strategy = "skill_preference"
)

// Strategies that only appear in decisions.
const (
	StrategyDirect Strategy = "direct" // a rule or the caller named the agent
	StrategyNone   Strategy = "none"   // nothing was assigned because nothing asked for it
)

// Status is an agent's presence. Only online agents get new tickets; away
// agents keep theirs; tickets of an agent going offline are re-routed by
// Roster.Offline.
type Status string

// Agent presence.
const (
	StatusOnline  Status = "online"
	StatusAway    Status = "away"
	StatusOffline Status = "offline"
)

// Team is a skill group.
type Team struct {
	Name       string   `json:"name"`
	Strategy   Strategy `json:"strategy"`              // empty: least_loaded
	BackupTeam string   `json:"backup_team,omitempty"` // where tickets overflow when no agent is available
	Skills     []string `json:"skills,omitempty"`      // skills every ticket of the team needs
}

// Hours reports whether an agent works at t. The lead plugs in calendars;
// Weekly builds simple weekly hours. A nil Hours means always.
type Hours func(t time.Time) bool

// Span is a weekly working span in local time. From and To are offsets from
// local midnight of Day; a To at or before From ends the next day.
type Span struct {
	Day  time.Weekday
	From time.Duration
	To   time.Duration
}

// Weekly returns the Hours of weekly spans in a time zone (nil: UTC).
func Weekly(loc *time.Location, spans ...Span) Hours {
	if loc == nil {
		loc = time.UTC
	}
	spans = slices.Clone(spans)
	return func(t time.Time) bool {
		lt := t.In(loc)
		y, m, d := lt.Date()
		off := lt.Sub(time.Date(y, m, d, 0, 0, 0, 0, loc))
		wd := lt.Weekday()
		for _, s := range spans {
			if s.To > s.From {
				if wd == s.Day && off >= s.From && off < s.To {
					return true
				}
				continue
			}
			if wd == s.Day && off >= s.From || wd == (s.Day+1)%7 && off < s.To {
				return true
			}
		}
		return false
	}
}

// Agent is a person who works tickets.
type Agent struct {
	Login        string         `json:"login"`
	Name         string         `json:"name,omitempty"`
	Teams        []string       `json:"teams"`
	Skills       map[string]int `json:"skills,omitempty"` // level 1 (basic) to 5 (expert)
	Regions      []string       `json:"regions,omitempty"`
	Languages    []string       `json:"languages,omitempty"` // e.g. zh, en; "zh-CN" matches "zh"
	Capacity     int            `json:"capacity"`            // max weighted open load
	Status       Status         `json:"status"`
	WorkingHours Hours          `json:"-"`     // nil: always
	Level        int            `json:"level"` // 1 = L1, 2 = L2, ...; 0 means 1
}

// RosterOptions tune assignment.
type RosterOptions struct {
	// LoadWeights is the load a ticket adds to its agent, by priority; nil
	// means P1 4, P2 2, P3 1, P4 1. Priorities not listed weigh 1.
	LoadWeights map[string]int
	// CategorySkills are the skills a ticket needs by its category, for the
	// skill_preference strategy.
	CategorySkills map[string][]string
	// LanguageField is the custom field that holds a ticket's language code;
	// empty means "language".
	LanguageField string
}

// DefaultLoadWeights returns the default load of a ticket by priority.
func DefaultLoadWeights() map[string]int { return map[string]int{"P1": 4, "P2": 2, "P3": 1, "P4": 1} }

// Roster is the live state of teams and agents that assignment reads: each
// agent's status and weighted load, when they were last assigned, the
// round-robin position of each team and the last agent of each customer.
// A Roster is not safe for concurrent use: the caller serialises Assign and
// Commit (typically under one mutex, so two decisions cannot both take the
// last unit of an agent's capacity).
type Roster struct {
	weights   map[string]int
	catSkills map[string][]string
	langField string
	teams     map[string]*teamEntry
	agents    map[string]*agentEntry
	lastAgent map[int64]string  // customer id -> login
	cursor    map[string]string // team -> login last picked by round robin
	scratch   []cand            // reused by pick
}

type teamEntry struct {
	Team
	members []*agentEntry // by login
}

type agentEntry struct {
	Agent
	langs   []string // lower-case base language codes
	regions []string // lower-case
	load    int
	last    time.Time
}

// NewRoster checks teams and agents and indexes them. Problems are reported
// together as a *ValidationError with locations such as
// agents[4].skills.billing. Loads start at zero; see SetLoad.
func NewRoster(teams []Team, agents []Agent, opts RosterOptions) (*Roster, error) {
	r := &Roster{
		weights:   opts.LoadWeights,
		catSkills: opts.CategorySkills,
		langField: opts.LanguageField,
		teams:     make(map[string]*teamEntry, len(teams)),
		agents:    make(map[string]*agentEntry, len(agents)),
		lastAgent: map[int64]string{},
		cursor:    map[string]string{},
	}
	if r.weights == nil {
		r.weights = DefaultLoadWeights()
	}
	if r.langField == "" {
		r.langField = "language"
	}
	var ps problems
	for p, w := range opts.LoadWeights {
		if w < 0 {
			ps.add("load_weights."+p, "must not be negative")
		}
	}
	for i, t := range teams {
		path := fmt.Sprintf("teams[%d]", i)
		if t.Name == "" {
			ps.add(path+".name", "is required")
		} else if _, dup := r.teams[t.Name]; dup {
			ps.add(path+".name", "duplicate team %s", quote(t.Name))
		}
		switch t.Strategy {
		case "":
			t.Strategy = StrategyLeastLoaded
		case StrategyLeastLoaded, StrategyRoundRobin, StrategySticky, StrategySkillPreference:
		default:
			ps.add(path+".strategy", "unknown strategy %s; strategies are least_loaded, round_robin, sticky, skill_preference", quote(string(t.Strategy)))
		}
		t.Skills = slices.Clone(t.Skills)
		r.teams[t.Name] = &teamEntry{Team: t}
	}
	for i, t := range teams {
		if t.BackupTeam == "" {
			continue
		}
		if t.BackupTeam == t.Name {
			ps.add(fmt.Sprintf("teams[%d].backup_team", i), "a team cannot be its own backup")
		} else if _, ok := r.teams[t.BackupTeam]; !ok {
			ps.add(fmt.Sprintf("teams[%d].backup_team", i), "unknown team %s", quote(t.BackupTeam))
		}
	}
	for i, a := range agents {
		path := fmt.Sprintf("agents[%d]", i)
		if a.Login == "" {
			ps.add(path+".login", "is required")
		} else if _, dup := r.agents[a.Login]; dup {
			ps.add(path+".login", "duplicate login %s", quote(a.Login))
			continue
		}
		for j, tn := range a.Teams {
			if _, ok := r.teams[tn]; !ok {
				ps.add(fmt.Sprintf("%s.teams[%d]", path, j), "unknown team %s", quote(tn))
			}
		}
		for s, lvl := range a.Skills {
			if lvl < 1 || lvl > 5 {
				ps.add(path+".skills."+s, "level %d is outside 1-5", lvl)
			}
		}
		if a.Capacity <= 0 {
			ps.add(path+".capacity", "must be positive")
		}
		switch a.Status {
		case StatusOnline, StatusAway, StatusOffline:
		default:
			ps.add(path+".status", "must be online, away or offline")
		}
		if a.Level < 0 {
			ps.add(path+".level", "must not be negative")
		} else if a.Level == 0 {
			a.Level = 1
		}
		a.Teams, a.Regions, a.Languages = slices.Clone(a.Teams), slices.Clone(a.Regions), slices.Clone(a.Languages)
		skills := make(map[string]int, len(a.Skills))
		for s, l := range a.Skills {
			skills[s] = l
		}
		a.Skills = skills
		e := &agentEntry{Agent: a}
		for _, l := range a.Languages {
			e.langs = append(e.langs, baseLanguage(l))
		}
		for _, g := range a.Regions {
			e.regions = append(e.regions, strings.ToLower(g))
		}
		r.agents[a.Login] = e
		for _, tn := range a.Teams {
			if t := r.teams[tn]; t != nil && !slices.Contains(t.members, e) {
				t.members = append(t.members, e)
			}
		}
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	for _, t := range r.teams {
		slices.SortFunc(t.members, func(a, b *agentEntry) int { return strings.Compare(a.Login, b.Login) })
	}
	return r, nil
}

func baseLanguage(l string) string {
	l = strings.ToLower(strings.TrimSpace(l))
	if i := strings.IndexAny(l, "-_"); i >= 0 {
		l = l[:i]
	}
	return l
}

// Weight is the load a ticket of the given priority adds to its agent.
func (r *Roster) Weight(priority string) int {
	if w, ok := r.weights[priority]; ok {
		return w
	}
	return 1
}

// ErrUnknownAgent is returned for a login the roster does not know.
var ErrUnknownAgent = errors.New("unknown agent")

func (r *Roster) agent(login string) (*agentEntry, error) {
	a := r.agents[login]
	if a == nil {
		return nil, fmt.Errorf("%w %q", ErrUnknownAgent, login)
	}
	return a, nil
}

// SetStatus changes an agent's presence. Going offline this way does not
// move their tickets; use Offline for that.
func (r *Roster) SetStatus(login string, s Status) error {
	a, err := r.agent(login)
	if err != nil {
		return err
	}
	switch s {
	case StatusOnline, StatusAway, StatusOffline:
		a.Status = s
		return nil
	}
	return fmt.Errorf("unknown status %q", s)
}

// SetLoad sets an agent's current weighted load, e.g. from the store at start.
func (r *Roster) SetLoad(login string, load int) error {
	a, err := r.agent(login)
	if err != nil {
		return err
	}
	a.load = max(load, 0)
	return nil
}

// Load returns an agent's current weighted load.
func (r *Roster) Load(login string) (int, bool) {
	a := r.agents[login]
	if a == nil {
		return 0, false
	}
	return a.load, true
}

// SetLastAgent records who last served a customer, for the sticky strategy.
func (r *Roster) SetLastAgent(customerID int64, login string) error {
	if _, err := r.agent(login); err != nil {
		return err
	}
	r.lastAgent[customerID] = login
	return nil
}

// Commit records an assignment the caller has stored: the agent's load grows
// by the ticket's weight (so t must carry its final priority), and the
// agent's last assignment time, the team's round-robin position and the
// customer's last agent are updated. A decision without an agent is ignored.
func (r *Roster) Commit(t events.Ticket, d Decision, now time.Time) error {
	if d.Agent == "" {
		return nil
	}
	a, err := r.agent(d.Agent)
	if err != nil {
		return err
	}
	a.load += r.Weight(t.Priority)
	a.last = now
	if t.Customer.ID != 0 {
		r.lastAgent[t.Customer.ID] = a.Login
	}
	if d.Strategy == StrategyRoundRobin {
		r.cursor[d.Team] = a.Login
	}
	return nil
}

// Release removes a ticket's weight from an agent's load, when the ticket is
// solved, closed or taken away from them.
func (r *Roster) Release(login string, t events.Ticket) error {
	a, err := r.agent(login)
	if err != nil {
		return err
	}
	a.load = max(a.load-r.Weight(t.Priority), 0)
	return nil
}

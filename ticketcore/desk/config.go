package desk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/auth"
	"github.com/deskmine/deskmine/ticketcore/calendar"
	"github.com/deskmine/deskmine/ticketcore/routing"
)

// Meta is the stored version of a settings document: send Version back as
// the expected version to change it. It is not part of the stored body.
type Meta struct {
	Version   int64     `json:"version,omitzero"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
	UpdatedBy string    `json:"updated_by,omitempty"`
}

// Team is a skill group, stored as the settings document of kind "team"
// named by Name.
type Team struct {
	Name string `json:"name"`
	// Strategy picks an agent among the available members; empty means
	// least_loaded. See routing.Strategy.
	Strategy routing.Strategy `json:"strategy,omitempty"`
	// BackupTeam takes the team's tickets when none of its members is
	// available, and so on along the chain.
	BackupTeam string `json:"backup_team,omitempty"`
	// Skills every ticket of the team needs (for skill_preference).
	Skills []string `json:"skills,omitempty"`
	Meta
}

// Agent is a person who works tickets, stored as the settings document of
// kind "agent" named by Login.
type Agent struct {
	Login     string         `json:"login"` // an active user with role agent, manager or admin
	Name      string         `json:"name,omitempty"`
	Teams     []string       `json:"teams"`
	Skills    map[string]int `json:"skills,omitempty"`    // level 1 (basic) to 5 (expert)
	Regions   []string       `json:"regions,omitempty"`   // preferred for tickets of these regions
	Languages []string       `json:"languages,omitempty"` // e.g. "zh", "en"; "zh-CN" counts as "zh"
	Capacity  int            `json:"capacity"`            // most weighted open tickets at once
	Level     int            `json:"level,omitempty"`     // 1 = L1, 2 = L2...; 0 means 1
	// Status is online (gets new tickets), away (keeps theirs, gets none)
	// or offline (their tickets are re-routed). A new agent starts offline
	// unless given; an existing agent's status changes only through
	// SetAgentStatus.
	Status routing.Status `json:"status"`
	// WorkingHours is the agent's business calendar (its name may be
	// omitted); nil means around the clock.
	WorkingHours *calendar.Calendar `json:"working_hours,omitempty"`
	// Load is the agent's current weighted load; it is filled in on reads
	// and ignored on writes.
	Load *int `json:"load,omitempty"`
	Meta
}

// config is the configuration a router and roster are built from. It is
// immutable once built.
type config struct {
	teams    []Team  // by name
	agents   []Agent // by login
	rules    routing.RuleSet
	rulesAt  Meta
	policies []string // SLA policy names
	fields   map[string]routing.CustomField
}

func (c *config) team(name string) (Team, bool) {
	i, ok := slices.BinarySearchFunc(c.teams, name, func(t Team, n string) int { return strings.Compare(t.Name, n) })
	if !ok {
		return Team{}, false
	}
	return c.teams[i], true
}

func (c *config) agent(login string) (Agent, bool) {
	i, ok := slices.BinarySearchFunc(c.agents, login, func(a Agent, n string) int { return strings.Compare(a.Login, n) })
	if !ok {
		return Agent{}, false
	}
	return c.agents[i], true
}

// withTeam returns a copy of c with t saved (or, when del, removed).
func (c *config) withTeam(t Team, del bool) *config {
	n := *c
	t.Skills = slices.Clone(t.Skills)
	n.teams = slices.DeleteFunc(slices.Clone(c.teams), func(x Team) bool { return x.Name == t.Name })
	if !del {
		n.teams = append(n.teams, t)
		slices.SortFunc(n.teams, func(a, b Team) int { return strings.Compare(a.Name, b.Name) })
	}
	return &n
}

// withAgent returns a copy of c with a saved (or, when del, removed).
func (c *config) withAgent(a Agent, del bool) *config {
	n := *c
	n.agents = slices.DeleteFunc(slices.Clone(c.agents), func(x Agent) bool { return x.Login == a.Login })
	if !del {
		n.agents = append(n.agents, a)
		slices.SortFunc(n.agents, func(a, b Agent) int { return strings.Compare(a.Login, b.Login) })
	}
	return &n
}

func metaOf(s *ticketcore.Setting) Meta {
	return Meta{Version: s.Version, UpdatedAt: s.UpdatedAt, UpdatedBy: s.UpdatedBy}
}

func decodeTeam(s *ticketcore.Setting) (Team, error) {
	var t Team
	if err := json.Unmarshal(s.Body, &t); err != nil {
		return Team{}, fmt.Errorf("team %s: %w", s.Name, err)
	}
	t.Name, t.Meta = s.Name, metaOf(s)
	if t.Strategy == "" {
		t.Strategy = routing.StrategyLeastLoaded
	}
	return t, nil
}

func decodeAgent(s *ticketcore.Setting) (Agent, error) {
	var a Agent
	if err := json.Unmarshal(s.Body, &a); err != nil {
		return Agent{}, fmt.Errorf("agent %s: %w", s.Name, err)
	}
	a.Login, a.Meta, a.Load = s.Name, metaOf(s), nil
	if a.Teams == nil {
		a.Teams = []string{}
	}
	return a, nil
}

// loadConfig reads the whole configuration from the settings store.
func (d *Desk) loadConfig(ctx context.Context) (*config, error) {
	c := &config{fields: map[string]routing.CustomField{}, policies: []string{}}
	teams, err := d.store.Settings(ctx, KindTeam)
	if err != nil {
		return nil, fmt.Errorf("read teams: %w", err)
	}
	for i := range teams {
		t, err := decodeTeam(&teams[i])
		if err != nil {
			d.log.Error("desk: unreadable team document; skipped", "err", err)
			continue
		}
		c.teams = append(c.teams, t)
	}
	agents, err := d.store.Settings(ctx, KindAgent)
	if err != nil {
		return nil, fmt.Errorf("read agents: %w", err)
	}
	for i := range agents {
		a, err := decodeAgent(&agents[i])
		if err != nil {
			d.log.Error("desk: unreadable agent document; skipped", "err", err)
			continue
		}
		c.agents = append(c.agents, a)
	}
	policies, err := d.store.Settings(ctx, KindSLAPolicy)
	if err != nil {
		return nil, fmt.Errorf("read SLA policies: %w", err)
	}
	for _, p := range policies {
		c.policies = append(c.policies, p.Name)
	}
	rs, err := d.store.Setting(ctx, KindRules, RulesName)
	switch {
	case errors.Is(err, ticketcore.ErrNotFound):
		c.rules = routing.RuleSet{Rules: []routing.Rule{}}
	case err != nil:
		return nil, fmt.Errorf("read routing rules: %w", err)
	default:
		if err := json.Unmarshal(rs.Body, &c.rules); err != nil {
			d.log.Error("desk: unreadable routing rules; routing without rules", "err", err)
			c.rules = routing.RuleSet{}
		}
		c.rules.Version = int(rs.Version)
		c.rulesAt = metaOf(rs)
	}
	defs, err := d.svc.FieldDefs(ctx)
	if err != nil {
		return nil, err
	}
	for _, f := range defs {
		c.fields[f.Name] = routing.CustomField{Kind: routing.FieldKind(f.Kind), Options: f.Options}
	}
	// The store lists by name already; sort anyway, lookups rely on it.
	sort.Slice(c.teams, func(i, j int) bool { return c.teams[i].Name < c.teams[j].Name })
	sort.Slice(c.agents, func(i, j int) bool { return c.agents[i].Login < c.agents[j].Login })
	return c, nil
}

// fieldErrs collects problems by field and turns them into one *ticketcore.Error.
type fieldErrs map[string]string

func (f fieldErrs) add(field, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if prev, ok := f[field]; ok {
		if !strings.Contains(prev, msg) {
			f[field] = prev + "; " + msg
		}
		return
	}
	f[field] = msg
}

func (f fieldErrs) err(what string) error {
	if len(f) == 0 {
		return nil
	}
	return &ticketcore.Error{Code: ticketcore.CodeInvalid, Message: "invalid " + what, Fields: map[string]string(f)}
}

// addProblems adds the problems of a routing validation error under their
// own paths, prefixed; other errors go under field.
func (f fieldErrs) addProblems(prefix, field string, err error) {
	var ve *routing.ValidationError
	if !errors.As(err, &ve) {
		f.add(field, "%v", err)
		return
	}
	for _, p := range ve.Problems {
		path := p.Path
		if path == "" {
			path = field
		}
		f.add(path, "%s%s", prefix, p.Message)
	}
}

var (
	// Team names are what tickets carry ("L1 Service Desk", "一线支持"), so
	// inner spaces and & are allowed; they must start and end with a letter
	// or digit.
	nameRE     = regexp.MustCompile(`^[\p{L}\p{N}]([\p{L}\p{N}_.&\- ]{0,62}[\p{L}\p{N}])?$`)
	skillRE    = regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N}_.:/\-]{0,49}$`)
	languageRE = regexp.MustCompile(`^[a-z]{2,3}([-_][a-z0-9]{2,8})*$`)
)

// agentRoles may be agents.
var agentRoles = []auth.Role{auth.RoleAgent, auth.RoleManager, auth.RoleAdmin}

const (
	maxCapacity = 1000
	maxLevel    = 10
	maxListed   = 50 // teams, skills, regions, languages per document
)

func normList(f fieldErrs, field string, in []string, re *regexp.Regexp, what string) []string {
	out := make([]string, 0, len(in))
	for i, v := range in {
		v = strings.ToLower(strings.TrimSpace(v))
		if !re.MatchString(v) {
			f.add(fmt.Sprintf("%s[%d]", field, i), "%q is not a valid %s", in[i], what)
			continue
		}
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	if len(out) > maxListed {
		f.add(field, "at most %d", maxListed)
	}
	return out
}

// checkTeam normalises and validates a team against the configuration c.
func checkTeam(t *Team, c *config) error {
	f := fieldErrs{}
	t.Name = strings.TrimSpace(t.Name)
	if !nameRE.MatchString(t.Name) {
		f.add("name", "must be 1-64 letters, digits, spaces and _.&-, starting and ending with a letter or digit")
	}
	switch t.Strategy {
	case "":
		t.Strategy = routing.StrategyLeastLoaded
	case routing.StrategyLeastLoaded, routing.StrategyRoundRobin, routing.StrategySticky, routing.StrategySkillPreference:
	default:
		f.add("strategy", "unknown strategy %q; strategies are least_loaded, round_robin, sticky, skill_preference", t.Strategy)
	}
	t.BackupTeam = strings.TrimSpace(t.BackupTeam)
	if t.BackupTeam != "" {
		if t.BackupTeam == t.Name {
			f.add("backup_team", "a team cannot be its own backup")
		} else if _, ok := c.team(t.BackupTeam); !ok {
			f.add("backup_team", "unknown team %q", t.BackupTeam)
		}
	}
	t.Skills = normList(f, "skills", t.Skills, skillRE, "skill")
	return f.err("team")
}

// checkAgent normalises and validates an agent against the configuration c
// and the users.
func (d *Desk) checkAgent(ctx context.Context, a *Agent, c *config) error {
	f := fieldErrs{}
	a.Login = strings.TrimSpace(a.Login)
	if a.Login == "" {
		f.add("login", "is required")
	} else {
		u, err := d.store.UserByLogin(ctx, a.Login)
		switch {
		case errors.Is(err, auth.ErrNotFound):
			f.add("login", "no user has this login; create the user first")
		case err != nil:
			return fmt.Errorf("look up user %s: %w", a.Login, err)
		case !slices.Contains(agentRoles, u.Role):
			f.add("login", "user %s has role %s; agents need role agent, manager or admin", a.Login, u.Role)
		case !u.Active:
			f.add("login", "user %s is deactivated", a.Login)
		default:
			if strings.TrimSpace(a.Name) == "" {
				a.Name = u.Name
			}
		}
	}
	a.Name = strings.TrimSpace(a.Name)
	if utf8.RuneCountInString(a.Name) > 200 {
		f.add("name", "is longer than 200 characters")
	}
	teams := make([]string, 0, len(a.Teams))
	for i, tn := range a.Teams {
		tn = strings.TrimSpace(tn)
		if _, ok := c.team(tn); !ok {
			f.add(fmt.Sprintf("teams[%d]", i), "unknown team %q", tn)
			continue
		}
		if !slices.Contains(teams, tn) {
			teams = append(teams, tn)
		}
	}
	a.Teams = teams
	if len(a.Skills) > maxListed {
		f.add("skills", "at most %d", maxListed)
	}
	skills := make(map[string]int, len(a.Skills))
	for s, lvl := range a.Skills {
		key := strings.ToLower(strings.TrimSpace(s))
		switch {
		case !skillRE.MatchString(key):
			f.add("skills."+s, "is not a valid skill name")
		case lvl < 1 || lvl > 5:
			f.add("skills."+s, "level %d is outside 1-5", lvl)
		default:
			skills[key] = max(skills[key], lvl)
		}
	}
	a.Skills = skills
	a.Regions = normList(f, "regions", a.Regions, skillRE, "region")
	a.Languages = normList(f, "languages", a.Languages, languageRE, "language code such as zh or en-GB")
	if a.Capacity < 1 || a.Capacity > maxCapacity {
		f.add("capacity", "must be between 1 and %d weighted tickets", maxCapacity)
	}
	if a.Level < 0 || a.Level > maxLevel {
		f.add("level", "must be between 0 and %d", maxLevel)
	}
	switch a.Status {
	case routing.StatusOnline, routing.StatusAway, routing.StatusOffline:
	case "":
		a.Status = routing.StatusOffline
	default:
		f.add("status", "must be online, away or offline")
	}
	if a.WorkingHours != nil {
		if _, err := compileHours(*a); err != nil {
			var ce *calendar.ValidationError
			if errors.As(err, &ce) {
				for k, v := range ce.Fields {
					f.add("working_hours."+k, "%s", v)
				}
			} else {
				f.add("working_hours", "%v", err)
			}
		}
	}
	a.Load = nil
	return f.err("agent")
}

func compileHours(a Agent) (*calendar.Compiled, error) {
	cal := *a.WorkingHours
	if cal.Name == "" {
		cal.Name = a.Login
	}
	return calendar.Compile(cal)
}

// checkRules checks that a change of the configuration from old to new
// leaves the saved rules as valid as they were: problems the rules already
// had are not the change's fault and are not reported. The rest are
// reported at their paths, saying the change would break the rules.
func (d *Desk) checkRules(old, new *config, what string) error {
	if len(new.rules.Rules) == 0 {
		return nil
	}
	err := new.rules.Validate(d.known(new))
	if err == nil {
		return nil
	}
	before := map[routing.Problem]bool{}
	var ve *routing.ValidationError
	if errors.As(new.rules.Validate(d.known(old)), &ve) {
		for _, p := range ve.Problems {
			before[p] = true
		}
	}
	f := fieldErrs{}
	if errors.As(err, &ve) {
		for _, p := range ve.Problems {
			if !before[p] {
				f.add(p.Path, "this change would break routing rules v%d: %s", new.rules.Version, p.Message)
			}
		}
	}
	return f.err(what)
}

func actorName(a ticketcore.Actor) string {
	if a.Name != "" {
		return a.Name
	}
	if a.UserID != 0 {
		return fmt.Sprintf("user %d", a.UserID)
	}
	return "unknown"
}

// put saves a settings document and returns its new version.
func (d *Desk) put(ctx context.Context, actor ticketcore.Actor, kind, name string, body any, expected int64) (Meta, error) {
	if expected < 0 {
		return Meta{}, ticketcore.Invalid("version", "must not be negative")
	}
	b, err := json.Marshal(body)
	if err != nil {
		return Meta{}, fmt.Errorf("encode %s %s: %w", kind, name, err)
	}
	st := &ticketcore.Setting{Kind: kind, Name: name, Body: b, UpdatedAt: d.now().Truncate(time.Microsecond), UpdatedBy: actorName(actor)}
	if err := d.store.PutSetting(ctx, st, expected); err != nil {
		if errors.Is(err, ticketcore.ErrConflict) {
			return Meta{}, conflict(kind, name, expected)
		}
		return Meta{}, fmt.Errorf("save %s %s: %w", kind, name, err)
	}
	return metaOf(st), nil
}

func (d *Desk) del(ctx context.Context, actor ticketcore.Actor, kind, name string, expected int64) error {
	err := d.store.DeleteSetting(ctx, kind, name, expected, actorName(actor), d.now().Truncate(time.Microsecond))
	switch {
	case errors.Is(err, ticketcore.ErrNotFound):
		return ticketcore.NotFound(kind, name)
	case errors.Is(err, ticketcore.ErrConflict):
		return conflict(kind, name, expected)
	case err != nil:
		return fmt.Errorf("delete %s %s: %w", kind, name, err)
	}
	return nil
}

// afterWrite rebuilds the desk from the configuration just saved, c. The
// write has succeeded, so a failure here is logged, not returned: the next
// refresh picks the change up.
func (d *Desk) afterWrite(ctx context.Context, c *config) {
	if err := d.refresh(ctx, false, c); err != nil {
		d.log.Error("desk: refresh after a settings change failed", "err", err)
	}
}

// Teams lists the teams by name.
func (d *Desk) Teams(ctx context.Context) ([]Team, error) {
	c, err := d.loadConfig(ctx)
	if err != nil {
		return nil, err
	}
	if c.teams == nil {
		return []Team{}, nil
	}
	return c.teams, nil
}

// Team returns one team.
func (d *Desk) Team(ctx context.Context, name string) (*Team, error) {
	s, err := d.store.Setting(ctx, KindTeam, name)
	if errors.Is(err, ticketcore.ErrNotFound) {
		return nil, ticketcore.NotFound("team", name)
	}
	if err != nil {
		return nil, err
	}
	t, err := decodeTeam(s)
	return &t, err
}

// PutTeam creates (expectedVersion 0) or replaces (the current version) a
// team. The backup team must exist; the change is audited under actor.
func (d *Desk) PutTeam(ctx context.Context, actor ticketcore.Actor, t Team, expectedVersion int64) (*Team, error) {
	d.writeMu.Lock()
	defer d.writeMu.Unlock()
	c, err := d.loadConfig(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkTeam(&t, c); err != nil {
		return nil, err
	}
	if err := d.checkRules(c, c.withTeam(t, false), "team"); err != nil {
		return nil, err
	}
	body := t
	body.Meta = Meta{}
	m, err := d.put(ctx, actor, KindTeam, t.Name, body, expectedVersion)
	if err != nil {
		return nil, err
	}
	t.Meta = m
	d.afterWrite(ctx, c.withTeam(t, false))
	return &t, nil
}

// DeleteTeam removes a team at its current version. A team with members,
// that backs up another team, or that the routing rules name is kept, with
// the reasons as field errors.
func (d *Desk) DeleteTeam(ctx context.Context, actor ticketcore.Actor, name string, expectedVersion int64) error {
	d.writeMu.Lock()
	defer d.writeMu.Unlock()
	c, err := d.loadConfig(ctx)
	if err != nil {
		return err
	}
	t, ok := c.team(name)
	if !ok {
		return ticketcore.NotFound(KindTeam, name)
	}
	f := fieldErrs{}
	var members, backs []string
	for _, a := range c.agents {
		if slices.Contains(a.Teams, name) {
			members = append(members, a.Login)
		}
	}
	for _, o := range c.teams {
		if o.BackupTeam == name {
			backs = append(backs, o.Name)
		}
	}
	if len(members) > 0 {
		f.add("agents", "agents %s are members of %s; move them first", strings.Join(members, ", "), name)
	}
	if len(backs) > 0 {
		f.add("backup_team", "teams %s use %s as their backup team", strings.Join(backs, ", "), name)
	}
	if err := f.err("team deletion"); err != nil {
		return err
	}
	if err := d.checkRules(c, c.withTeam(t, true), "team deletion"); err != nil {
		return err
	}
	if err := d.del(ctx, actor, KindTeam, name, expectedVersion); err != nil {
		return err
	}
	d.afterWrite(ctx, c.withTeam(t, true))
	return nil
}

// Agents lists the agents by login, with their current loads.
func (d *Desk) Agents(ctx context.Context) ([]Agent, error) {
	c, err := d.loadConfig(ctx)
	if err != nil {
		return nil, err
	}
	out := slices.Clone(c.agents)
	if out == nil {
		out = []Agent{}
	}
	d.mu.Lock()
	for i := range out {
		if l, ok := d.roster.Load(out[i].Login); ok {
			out[i].Load = &l
		}
	}
	d.mu.Unlock()
	return out, nil
}

// Agent returns one agent with their current load.
func (d *Desk) Agent(ctx context.Context, login string) (*Agent, error) {
	s, err := d.store.Setting(ctx, KindAgent, login)
	if errors.Is(err, ticketcore.ErrNotFound) {
		return nil, ticketcore.NotFound("agent", login)
	}
	if err != nil {
		return nil, err
	}
	a, err := decodeAgent(s)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	if l, ok := d.roster.Load(login); ok {
		a.Load = &l
	}
	d.mu.Unlock()
	return &a, nil
}

// PutAgent creates (expectedVersion 0) or replaces (the current version) an
// agent. The login must be an active user with role agent, manager or
// admin, and every team must exist. An existing agent's status is changed
// with SetAgentStatus only; a different status here is refused.
func (d *Desk) PutAgent(ctx context.Context, actor ticketcore.Actor, a Agent, expectedVersion int64) (*Agent, error) {
	d.writeMu.Lock()
	defer d.writeMu.Unlock()
	c, err := d.loadConfig(ctx)
	if err != nil {
		return nil, err
	}
	if cur, ok := c.agent(strings.TrimSpace(a.Login)); ok && expectedVersion != 0 {
		if a.Status == "" {
			a.Status = cur.Status
		} else if a.Status != cur.Status {
			return nil, ticketcore.Invalid("status", fmt.Sprintf("is %s; change it with the agent status operation, which re-routes tickets when going offline", cur.Status))
		}
	}
	if err := d.checkAgent(ctx, &a, c); err != nil {
		return nil, err
	}
	if err := d.checkRules(c, c.withAgent(a, false), "agent"); err != nil {
		return nil, err
	}
	body := a
	body.Meta = Meta{}
	m, err := d.put(ctx, actor, KindAgent, a.Login, body, expectedVersion)
	if err != nil {
		return nil, err
	}
	a.Meta = m
	d.afterWrite(ctx, c.withAgent(a, false))
	d.mu.Lock()
	if l, ok := d.roster.Load(a.Login); ok {
		a.Load = &l
	}
	d.mu.Unlock()
	return &a, nil
}

// DeleteAgent removes an agent at its current version, after re-routing
// their open tickets as if they went offline. An agent the routing rules
// name is kept.
func (d *Desk) DeleteAgent(ctx context.Context, actor ticketcore.Actor, login string, expectedVersion int64) ([]Reroute, error) {
	d.writeMu.Lock()
	defer d.writeMu.Unlock()
	c, err := d.loadConfig(ctx)
	if err != nil {
		return nil, err
	}
	a, ok := c.agent(login)
	if !ok {
		return nil, ticketcore.NotFound("agent", login)
	}
	if a.Version != expectedVersion {
		return nil, conflict(KindAgent, login, expectedVersion)
	}
	if err := d.checkRules(c, c.withAgent(a, true), "agent deletion"); err != nil {
		return nil, err
	}
	moved, err := d.reroute(ctx, actor, login, "was removed")
	if err != nil {
		return moved, err
	}
	if err := d.del(ctx, actor, KindAgent, login, expectedVersion); err != nil {
		return moved, err
	}
	d.afterWrite(ctx, c.withAgent(a, true))
	return moved, nil
}

// History returns the audited changes of a team or agent ("team", "agent")
// or of the routing rules ("routing_rules", "default"), oldest first.
func (d *Desk) History(ctx context.Context, kind, name string) ([]ticketcore.SettingChange, error) {
	switch kind {
	case KindTeam, KindAgent, KindRules:
	default:
		return nil, ticketcore.Invalid("kind", "must be team, agent or routing_rules")
	}
	return d.store.SettingHistory(ctx, kind, name)
}

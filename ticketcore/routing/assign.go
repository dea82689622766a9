package routing

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/deskmine/deskmine/ticketcore/events"
)

// Request asks for an agent for a ticket.
type Request struct {
	Team     string   // team to route in; empty: the ticket's team
	Agent    string   // a login to try first; "" or AssignAuto: the team's strategy
	Skills   []string // skills the ticket needs besides its team's and category's
	MinLevel int      // only agents of at least this level (escalation); 0: any
	Exclude  []string // logins never picked, e.g. the agent being replaced
}

// Decision is the outcome of an assignment. Strategy and Reason are meant
// for the change event.
type Decision struct {
	Team       string   `json:"team"`
	Agent      string   `json:"agent,omitempty"` // empty: left unassigned in Team
	Strategy   Strategy `json:"strategy"`        // the strategy that actually picked the agent
	Reason     string   `json:"reason"`
	Overflowed bool     `json:"overflowed"` // Team is a backup team of the one asked for
	Candidates int      `json:"candidates"` // available agents in the deciding team
}

// Route applies the rules and, when they ask for an assignment, assigns the
// ticket with the roster (which may be nil: no assignment). It does not
// commit the decision: the caller stores the change and then calls
// Roster.Commit with Outcome.ApplyTo(t).
func (r *Router) Route(t events.Ticket, ro *Roster, now time.Time) (Outcome, Decision) {
	out := r.Apply(t)
	if out.Assign == "" || ro == nil {
		return out, Decision{Team: out.Team, Agent: t.Assignee, Strategy: StrategyNone,
			Reason: "no matching rule asks for an assignment"}
	}
	nt := out.ApplyTo(t)
	return out, ro.Assign(nt, Request{Team: out.Team, Agent: out.Assign, Skills: out.Skills}, now)
}

// Why an agent cannot take a ticket, in the order they are checked.
const (
	okAvailable = iota
	whyExcluded
	whyOffline
	whyAway
	whyOffHours
	whyLevel
	whyFull
	whyCount
)

func whyText(why int) string {
	switch why {
	case whyExcluded:
		return "excluded"
	case whyOffline:
		return "offline"
	case whyAway:
		return "away"
	case whyOffHours:
		return "off hours"
	case whyLevel:
		return "below the level"
	case whyFull:
		return "at capacity"
	}
	return "available"
}

func (r *Roster) availability(a *agentEntry, w int, req *Request, now time.Time) int {
	switch {
	case slices.Contains(req.Exclude, a.Login):
		return whyExcluded
	case a.Status == StatusOffline:
		return whyOffline
	case a.Status == StatusAway:
		return whyAway
	case a.WorkingHours != nil && !a.WorkingHours(now):
		return whyOffHours
	case a.Level < req.MinLevel:
		return whyLevel
	case a.load+w > a.Capacity:
		return whyFull
	}
	return okAvailable
}

// traits are what a ticket prefers in an agent.
type traits struct {
	region string
	lang   string
}

func (r *Roster) traits(t *events.Ticket) traits {
	tr := traits{region: strings.ToLower(t.Region)}
	if tr.region == "" {
		tr.region = strings.ToLower(t.Customer.Region)
	}
	if l, ok := t.CustomFields[r.langField].(string); ok && l != "" {
		tr.lang = baseLanguage(l)
	} else {
		tr.lang = detectLanguage(t.Subject, t.Description)
	}
	return tr
}

// detectLanguage recognises Chinese, Japanese and Korean text from its
// script; it returns "" for anything else.
func detectLanguage(texts ...string) string {
	const limit = 1024
	han, kana, hangul := false, false, false
	for _, s := range texts {
		if len(s) > limit {
			s = s[:limit]
		}
		for i := 0; i < len(s); {
			if s[i] < utf8.RuneSelf {
				i++
				continue
			}
			r, n := utf8.DecodeRuneInString(s[i:])
			i += n
			switch {
			case 0x3040 <= r && r <= 0x30FF:
				kana = true
			case 0xAC00 <= r && r <= 0xD7AF:
				hangul = true
			case isCJK(r):
				han = true
			}
		}
	}
	switch {
	case kana:
		return "ja"
	case hangul:
		return "ko"
	case han:
		return "zh"
	}
	return ""
}

// locality scores how well an agent fits the ticket's language (2) and
// region (1): a preference, never a requirement.
func (a *agentEntry) locality(tr traits) int {
	s := 0
	if tr.lang != "" && slices.Contains(a.langs, tr.lang) {
		s += 2
	}
	if tr.region != "" && slices.Contains(a.regions, tr.region) {
		s++
	}
	return s
}

// describe says how the chosen agent's locality compares; seen is the
// union of the candidates' locality bits.
func (tr traits) describe(loc, seen int) string {
	var parts []string
	if tr.lang != "" {
		switch {
		case loc&2 != 0:
			parts = append(parts, "speaks "+tr.lang)
		case seen&2 != 0:
			parts = append(parts, "does not speak "+tr.lang)
		default:
			parts = append(parts, "no available agent speaks "+tr.lang)
		}
	}
	if tr.region != "" {
		switch {
		case loc&1 != 0:
			parts = append(parts, "in region "+tr.region)
		case seen&1 != 0:
			parts = append(parts, "not in region "+tr.region)
		default:
			parts = append(parts, "none in region "+tr.region)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

type cand struct {
	a   *agentEntry
	loc int
}

// Assign picks an agent for a ticket; it does not change the roster (see
// Commit). t must carry its final priority, which sets its weight.
//
// A requested agent (req.Agent a login) gets the ticket when available with
// capacity; otherwise, and for AssignAuto, the team's strategy picks among
// its available agents: online, within working hours, at or above
// req.MinLevel, not excluded, with room for the ticket's weight. When the
// team has none, the ticket overflows to its backup team, following the
// chain of backups and stopping at a team already tried; when the chain
// is exhausted the decision has no agent and the ticket stays in the team
// asked for.
func (r *Roster) Assign(t events.Ticket, req Request, now time.Time) Decision {
	if req.Team == "" {
		req.Team = t.Team
	}
	w := r.Weight(t.Priority)
	var notes []string
	if req.Agent != "" && req.Agent != AssignAuto {
		a := r.agents[req.Agent]
		if a == nil {
			notes = append(notes, "requested agent "+quote(req.Agent)+" is unknown")
		} else if why := r.availability(a, w, &req, now); why != okAvailable {
			notes = append(notes, "requested agent "+quote(req.Agent)+" is "+whyText(why))
		} else {
			team := req.Team
			if team == "" && len(a.Teams) > 0 {
				team = a.Teams[0]
			}
			return Decision{Team: team, Agent: a.Login, Strategy: StrategyDirect, Candidates: 1,
				Reason: fmt.Sprintf("assigned to %s as requested (load %d of %d)", quote(a.Login), a.load, a.Capacity)}
		}
	}
	prefix := func(s string) string {
		return strings.Join(append(slices.Clip(notes), s), "; ")
	}
	if req.Team == "" {
		return Decision{Strategy: StrategyNone, Reason: prefix("no team to assign in")}
	}
	first := r.teams[req.Team]
	if first == nil {
		return Decision{Team: req.Team, Strategy: StrategyNone, Reason: prefix("unknown team " + quote(req.Team))}
	}
	tr := r.traits(&t)
	tried := []string{}
	for tm := first; ; {
		tried = append(tried, tm.Name)
		d, ok, why := r.pick(tm, &t, tr, w, &req, now)
		if ok {
			d.Overflowed = tm != first
			if d.Overflowed {
				d.Reason = "overflowed to " + quote(tm.Name) + ": " + d.Reason
			}
			d.Reason = prefix(d.Reason)
			return d
		}
		notes = append(notes, why)
		next := tm.BackupTeam
		if next == "" {
			break
		}
		if slices.Contains(tried, next) {
			notes = append(notes, "backup chain loops back to "+quote(next))
			break
		}
		tm = r.teams[next]
	}
	return Decision{Team: first.Name, Strategy: first.Strategy,
		Reason: prefix("left unassigned in " + quote(first.Name) + " (tried " + strings.Join(tried, " -> ") + ")")}
}

// pick runs a team's strategy; without a candidate it says why.
func (r *Roster) pick(tm *teamEntry, t *events.Ticket, tr traits, w int, req *Request, now time.Time) (Decision, bool, string) {
	var counts [whyCount]int
	seen := 0
	cands := r.scratch[:0]
	defer func() { r.scratch = cands[:0] }()
	for _, a := range tm.members {
		why := r.availability(a, w, req, now)
		counts[why]++
		if why == okAvailable {
			c := cand{a: a, loc: a.locality(tr)}
			seen |= c.loc
			cands = append(cands, c)
		}
	}
	if len(cands) == 0 {
		var parts []string
		for i := whyExcluded; i < whyCount; i++ {
			if counts[i] > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", counts[i], whyText(i)))
			}
		}
		why := fmt.Sprintf("%s has no available agent", quote(tm.Name))
		if len(parts) > 0 {
			why += fmt.Sprintf(" (%d members: %s)", len(tm.members), strings.Join(parts, ", "))
		} else {
			why += " (no members)"
		}
		return Decision{}, false, why
	}
	d := Decision{Team: tm.Name, Strategy: tm.Strategy, Candidates: len(cands)}
	in := fmt.Sprintf("%s in %s", tm.Strategy, quote(tm.Name))
	switch tm.Strategy {
	case StrategyRoundRobin:
		c, after := r.roundRobin(tm.Name, cands)
		d.Agent = c.a.Login
		if after == "" {
			d.Reason = fmt.Sprintf("%s: starts the rotation with %s of %d available%s", in, quote(c.a.Login), len(cands), tr.describe(c.loc, seen))
		} else {
			d.Reason = fmt.Sprintf("%s: %s is next after %s among %d available%s", in, quote(c.a.Login), quote(after), len(cands), tr.describe(c.loc, seen))
		}
		return d, true, ""
	case StrategySticky:
		var note string
		if t.Customer.ID == 0 {
			note = "customer unknown"
		} else if last, ok := r.lastAgent[t.Customer.ID]; !ok {
			note = fmt.Sprintf("customer %d has no previous agent", t.Customer.ID)
		} else {
			for _, c := range cands {
				if c.a.Login == last {
					d.Agent = last
					d.Reason = fmt.Sprintf("%s: customer %d was last served by %s (load %d of %d)", in, t.Customer.ID, quote(last), c.a.load, c.a.Capacity)
					return d, true, ""
				}
			}
			note = fmt.Sprintf("customer %d's last agent %s %s", t.Customer.ID, quote(last), r.whyNot(last, tm, w, req, now))
		}
		c := leastLoaded(cands)
		d.Agent, d.Strategy = c.a.Login, StrategyLeastLoaded
		d.Reason = fmt.Sprintf("%s: %s; fell back to least_loaded: %s", in, note, loadText(c, len(cands), tr, seen))
		return d, true, ""
	case StrategySkillPreference:
		skills := r.ticketSkills(tm, t, req)
		if len(skills) == 0 {
			c := leastLoaded(cands)
			d.Agent, d.Strategy = c.a.Login, StrategyLeastLoaded
			d.Reason = fmt.Sprintf("%s: the ticket needs no skill; least_loaded: %s", in, loadText(c, len(cands), tr, seen))
			return d, true, ""
		}
		c, cover, sum := bestSkilled(cands, skills)
		d.Agent = c.a.Login
		d.Reason = fmt.Sprintf("%s: %s has %d of %d needed skills (%s, level sum %d), load %d of %d, among %d available%s",
			in, quote(c.a.Login), cover, len(skills), skillText(c.a, skills), sum, c.a.load, c.a.Capacity, len(cands), tr.describe(c.loc, seen))
		return d, true, ""
	}
	c := leastLoaded(cands)
	d.Agent = c.a.Login
	d.Reason = fmt.Sprintf("%s: %s", in, loadText(c, len(cands), tr, seen))
	return d, true, ""
}

func (r *Roster) whyNot(login string, tm *teamEntry, w int, req *Request, now time.Time) string {
	a := r.agents[login]
	if a == nil {
		return "is no longer an agent"
	}
	if !slices.Contains(tm.members, a) {
		return "is not in " + quote(tm.Name)
	}
	return "is " + whyText(r.availability(a, w, req, now))
}

func loadText(c cand, n int, tr traits, seen int) string {
	return fmt.Sprintf("%s has the lowest load (%d of %d) among %d available%s", quote(c.a.Login), c.a.load, c.a.Capacity, n, tr.describe(c.loc, seen))
}

// lessLoaded orders candidates: better locality, then lower load relative
// to capacity, lower absolute load, longest since the last assignment, login.
func lessLoaded(x, y *cand) int {
	if x.loc != y.loc {
		return y.loc - x.loc
	}
	// x.load/x.cap vs y.load/y.cap without division
	if l, r := x.a.load*y.a.Capacity, y.a.load*x.a.Capacity; l != r {
		return cmp.Compare(l, r)
	}
	if x.a.load != y.a.load {
		return cmp.Compare(x.a.load, y.a.load)
	}
	if c := x.a.last.Compare(y.a.last); c != 0 {
		return c
	}
	return strings.Compare(x.a.Login, y.a.Login)
}

func leastLoaded(cands []cand) cand {
	best := &cands[0]
	for i := 1; i < len(cands); i++ {
		if lessLoaded(&cands[i], best) < 0 {
			best = &cands[i]
		}
	}
	return *best
}

// roundRobin takes, among the candidates of the best locality (in login
// order), the first after the team's last pick, wrapping around.
func (r *Roster) roundRobin(team string, cands []cand) (cand, string) {
	best := 0
	for _, c := range cands {
		best = max(best, c.loc)
	}
	after := r.cursor[team]
	var first, next *cand
	for i := range cands {
		c := &cands[i]
		if c.loc != best {
			continue
		}
		if first == nil {
			first = c
		}
		if next == nil && after != "" && c.a.Login > after {
			next = c
		}
	}
	if next == nil {
		next = first
	}
	return *next, after
}

func (r *Roster) ticketSkills(tm *teamEntry, t *events.Ticket, req *Request) []string {
	var skills []string
	for _, group := range [][]string{tm.Skills, r.catSkills[t.Category], req.Skills} {
		for _, s := range group {
			if !slices.Contains(skills, s) {
				skills = append(skills, s)
			}
		}
	}
	return skills
}

// bestSkilled prefers the most needed skills covered, then the highest sum
// of their levels, then lessLoaded.
func bestSkilled(cands []cand, skills []string) (cand, int, int) {
	score := func(a *agentEntry) (int, int) {
		cover, sum := 0, 0
		for _, s := range skills {
			if l := a.Skills[s]; l > 0 {
				cover++
				sum += l
			}
		}
		return cover, sum
	}
	best := &cands[0]
	bc, bs := score(best.a)
	for i := 1; i < len(cands); i++ {
		c := &cands[i]
		cc, cs := score(c.a)
		if cc > bc || cc == bc && (cs > bs || cs == bs && lessLoaded(c, best) < 0) {
			best, bc, bs = c, cc, cs
		}
	}
	return *best, bc, bs
}

func skillText(a *agentEntry, skills []string) string {
	parts := make([]string, len(skills))
	for i, s := range skills {
		parts[i] = fmt.Sprintf("%s %d", s, a.Skills[s])
	}
	return strings.Join(parts, ", ")
}

// Reassignment is where one ticket of an agent going offline went.
type Reassignment struct {
	TicketID int64    `json:"ticket_id"`
	From     string   `json:"from"`
	Decision Decision `json:"decision"` // without agent: the ticket is back in the team's queue
}

// Offline marks an agent offline and re-routes their open tickets: each is
// released from the agent and assigned in its team (or, for a ticket without
// team, the agent's first team) with the team's strategy, the agent
// excluded, overflowing like Assign. Tickets are handled most urgent first:
// by weight, then priority name (P1 before P2), then oldest, then id; each reassignment is
// committed before the next, so load spreads. Away agents keep their
// tickets; this is only for agents who leave.
func (r *Roster) Offline(login string, open []events.Ticket, now time.Time) ([]Reassignment, error) {
	a, err := r.agent(login)
	if err != nil {
		return nil, err
	}
	a.Status = StatusOffline
	order := make([]int, len(open))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int {
		x, y := &open[i], &open[j]
		if c := cmp.Compare(r.Weight(y.Priority), r.Weight(x.Priority)); c != 0 {
			return c
		}
		if c := cmp.Compare(x.Priority, y.Priority); c != 0 {
			return c
		}
		if c := x.CreatedAt.Compare(y.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(x.ID, y.ID)
	})
	for _, i := range order {
		a.load = max(a.load-r.Weight(open[i].Priority), 0)
	}
	out := make([]Reassignment, 0, len(open))
	for _, i := range order {
		t := open[i]
		team := t.Team
		if team == "" && len(a.Teams) > 0 {
			team = a.Teams[0]
		}
		d := r.Assign(t, Request{Team: team, Agent: AssignAuto, Exclude: []string{login}}, now)
		if d.Agent != "" {
			if err := r.Commit(t, d, now); err != nil {
				return out, err
			}
		}
		out = append(out, Reassignment{TicketID: t.ID, From: login, Decision: d})
	}
	return out, nil
}

package routing

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deskmine/deskmine/ticketcore/events"
)

var monday10 = time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC) // a Monday

func agent(login string, teams []string, capacity int) Agent {
	return Agent{Login: login, Teams: teams, Capacity: capacity, Status: StatusOnline}
}

func mustRoster(t *testing.T, teams []Team, agents []Agent, opts RosterOptions) *Roster {
	t.Helper()
	r, err := NewRoster(teams, agents, opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func ticket(id int64, priority string, customer int64) events.Ticket {
	return events.Ticket{ID: id, Priority: priority, Team: "support", Customer: events.Customer{ID: customer},
		CreatedAt: monday10.Add(time.Duration(id) * time.Minute)}
}

func assignAndCommit(t *testing.T, r *Roster, tk events.Ticket, req Request) Decision {
	t.Helper()
	d := r.Assign(tk, req, monday10)
	if err := r.Commit(tk, d, monday10); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestLeastLoadedCapacityWeighted(t *testing.T) {
	r := mustRoster(t, []Team{{Name: "support", Strategy: StrategyLeastLoaded}},
		[]Agent{agent("ann", []string{"support"}, 10), agent("bob", []string{"support"}, 4), agent("cid", []string{"support"}, 20)},
		RosterOptions{})
	_ = r.SetLoad("ann", 5) // 50%
	_ = r.SetLoad("bob", 1) // 25%
	_ = r.SetLoad("cid", 8) // 40%
	d := r.Assign(ticket(1, "P1", 0), Request{Team: "support"}, monday10)
	// bob has the lowest ratio but a P1 weighs 4 and he has room for 3
	if d.Agent != "cid" || d.Strategy != StrategyLeastLoaded || d.Candidates != 2 || d.Overflowed {
		t.Fatalf("P1: %+v", d)
	}
	if d.Reason != `least_loaded in "support": "cid" has the lowest load (8 of 20) among 2 available` {
		t.Errorf("reason %q", d.Reason)
	}
	d = assignAndCommit(t, r, ticket(2, "P3", 0), Request{Team: "support"})
	if d.Agent != "bob" || d.Candidates != 3 {
		t.Fatalf("P3: %+v", d)
	}
	if l, _ := r.Load("bob"); l != 2 {
		t.Errorf("bob's load %d after a P3", l)
	}
	assignAndCommit(t, r, ticket(3, "P2", 0), Request{Team: "support"}) // bob 2/4 = 50% vs cid 40%: cid
	if l, _ := r.Load("cid"); l != 10 {
		t.Errorf("cid's load %d after a P2 (weight 2)", l)
	}
	if err := r.Release("cid", ticket(3, "P2", 0)); err != nil {
		t.Fatal(err)
	}
	if l, _ := r.Load("cid"); l != 8 {
		t.Errorf("cid's load %d after release", l)
	}
	// configurable weights
	r2 := mustRoster(t, []Team{{Name: "support"}}, []Agent{agent("ann", []string{"support"}, 3)},
		RosterOptions{LoadWeights: map[string]int{"P1": 5}})
	if d := r2.Assign(ticket(1, "P1", 0), Request{Team: "support"}, monday10); d.Agent != "" {
		t.Errorf("P1 of weight 5 fits capacity 3: %+v", d)
	}
	if r2.Weight("P1") != 5 || r2.Weight("P2") != 1 || r.Weight("P1") != 4 || r.Weight("P2") != 2 {
		t.Error("weights")
	}
}

func TestLeastLoadedTieBreaks(t *testing.T) {
	r := mustRoster(t, []Team{{Name: "support"}},
		[]Agent{agent("cat", []string{"support"}, 10), agent("ann", []string{"support"}, 10), agent("bob", []string{"support"}, 20)},
		RosterOptions{})
	// all at zero load: same ratio and load; none assigned yet: by login
	if d := r.Assign(ticket(1, "P3", 0), Request{}, monday10); d.Agent != "ann" {
		t.Errorf("first pick %q, want ann (login order)", d.Agent)
	}
	_ = r.Commit(ticket(1, "P3", 0), Decision{Agent: "ann"}, monday10)
	_ = r.Commit(ticket(2, "P3", 0), Decision{Agent: "bob"}, monday10.Add(time.Minute))
	_ = r.Commit(ticket(3, "P3", 0), Decision{Agent: "cat"}, monday10.Add(2*time.Minute))
	// ann 1/10, bob 1/20, cat 1/10: bob has the lowest ratio
	if d := r.Assign(ticket(4, "P3", 0), Request{}, monday10); d.Agent != "bob" {
		t.Errorf("got %q, want bob (lowest load ratio)", d.Agent)
	}
	_ = r.SetLoad("bob", 2) // bob 2/20 = ann 1/10 = cat 1/10 in ratio; ann and cat have less load; ann assigned longer ago
	if d := r.Assign(ticket(5, "P3", 0), Request{}, monday10); d.Agent != "ann" {
		t.Errorf("got %q, want ann (assigned longest ago)", d.Agent)
	}
}

func TestRoundRobinDeterministic(t *testing.T) {
	build := func() *Roster {
		return mustRoster(t, []Team{{Name: "support", Strategy: StrategyRoundRobin}},
			[]Agent{agent("dan", []string{"support"}, 100), agent("ann", []string{"support"}, 100),
				agent("cat", []string{"support"}, 100), agent("bob", []string{"support"}, 100)}, RosterOptions{})
	}
	r := build()
	var got []string
	for i := range 9 {
		if i == 5 {
			_ = r.SetStatus("cat", StatusAway)
		}
		d := assignAndCommit(t, r, ticket(int64(i), "P3", 0), Request{Team: "support", Agent: AssignAuto})
		if d.Strategy != StrategyRoundRobin {
			t.Fatalf("%+v", d)
		}
		got = append(got, d.Agent)
	}
	want := []string{"ann", "bob", "cat", "dan", "ann", "bob", "dan", "ann", "bob"}
	if !slices.Equal(got, want) {
		t.Errorf("rotation %v, want %v", got, want)
	}
	// the same history gives the same rotation, load does not matter
	r2 := build()
	_ = r2.SetLoad("ann", 90)
	var again []string
	for i := range 4 {
		again = append(again, assignAndCommit(t, r2, ticket(int64(i), "P3", 0), Request{Team: "support"}).Agent)
	}
	if !slices.Equal(again, want[:4]) {
		t.Errorf("second roster %v", again)
	}
	d := r2.Assign(ticket(9, "P3", 0), Request{Team: "support"}, monday10)
	if d.Reason != `round_robin in "support": "ann" is next after "dan" among 4 available` {
		t.Errorf("reason %q", d.Reason)
	}
}

func TestStickyAndFallback(t *testing.T) {
	r := mustRoster(t, []Team{{Name: "support", Strategy: StrategySticky}, {Name: "other"}},
		[]Agent{agent("ann", []string{"support"}, 10), agent("bob", []string{"support"}, 10), agent("oli", []string{"other"}, 10)},
		RosterOptions{})
	_ = r.SetLoad("ann", 5)
	// unknown customer history: least loaded
	d := assignAndCommit(t, r, ticket(1, "P3", 77), Request{Team: "support"})
	if d.Agent != "bob" || d.Strategy != StrategyLeastLoaded || !strings.Contains(d.Reason, "customer 77 has no previous agent; fell back to least_loaded") {
		t.Fatalf("first: %+v", d)
	}
	_ = r.SetLoad("bob", 8)
	// same customer: same agent although more loaded
	d = assignAndCommit(t, r, ticket(2, "P3", 77), Request{Team: "support"})
	if d.Agent != "bob" || d.Strategy != StrategySticky || d.Reason != `sticky in "support": customer 77 was last served by "bob" (load 8 of 10)` {
		t.Fatalf("sticky: %+v", d)
	}
	// bob full: falls back
	d = r.Assign(ticket(3, "P2", 77), Request{Team: "support"}, monday10)
	if d.Agent != "ann" || d.Strategy != StrategyLeastLoaded || !strings.Contains(d.Reason, `customer 77's last agent "bob" is at capacity; fell back to least_loaded`) {
		t.Fatalf("full: %+v", d)
	}
	_ = r.SetLoad("bob", 0)
	_ = r.SetStatus("bob", StatusOffline)
	d = r.Assign(ticket(4, "P3", 77), Request{Team: "support"}, monday10)
	if d.Agent != "ann" || !strings.Contains(d.Reason, `"bob" is offline`) {
		t.Fatalf("offline: %+v", d)
	}
	// a last agent outside the team is not used
	if err := r.SetLastAgent(88, "oli"); err != nil {
		t.Fatal(err)
	}
	d = r.Assign(ticket(5, "P3", 88), Request{Team: "support"}, monday10)
	if d.Agent != "ann" || !strings.Contains(d.Reason, `"oli" is not in "support"`) {
		t.Fatalf("other team: %+v", d)
	}
	if err := r.SetLastAgent(88, "zed"); !errors.Is(err, ErrUnknownAgent) {
		t.Errorf("unknown agent: %v", err)
	}
}

func TestSkillPreference(t *testing.T) {
	skilled := func(login string, load int, skills map[string]int) Agent {
		a := agent(login, []string{"l2"}, 20)
		a.Skills = skills
		return a
	}
	r := mustRoster(t, []Team{{Name: "l2", Strategy: StrategySkillPreference, Skills: []string{"billing"}}},
		[]Agent{
			skilled("ann", 0, map[string]int{"billing": 5}),
			skilled("bob", 0, map[string]int{"billing": 2, "refunds": 2}),
			skilled("cat", 0, map[string]int{"billing": 3, "refunds": 4}),
			skilled("dan", 0, map[string]int{"billing": 4, "refunds": 3}),
			skilled("eve", 0, map[string]int{"security": 5}),
		}, RosterOptions{CategorySkills: map[string][]string{"payments": {"refunds"}}})
	tk := ticket(1, "P3", 0)
	// team skill only: ann has the highest billing level
	if d := r.Assign(tk, Request{Team: "l2"}, monday10); d.Agent != "ann" {
		t.Errorf("billing: %+v", d)
	}
	// billing + refunds from the category: cover 2 beats a level-5 single skill; cat and dan tie at 7
	tk.Category = "payments"
	_ = r.SetLoad("cat", 4)
	_ = r.SetLoad("dan", 2)
	d := r.Assign(tk, Request{Team: "l2"}, monday10)
	if d.Agent != "dan" || d.Strategy != StrategySkillPreference {
		t.Fatalf("category skills: %+v", d)
	}
	want := `skill_preference in "l2": "dan" has 2 of 2 needed skills (billing 4, refunds 3, level sum 7), load 2 of 20, among 5 available`
	if d.Reason != want {
		t.Errorf("reason\n got %q\nwant %q", d.Reason, want)
	}
	// skills from rules
	tk.Category = ""
	if d := r.Assign(tk, Request{Team: "l2", Skills: []string{"security"}}, monday10); d.Agent != "ann" {
		t.Errorf("billing 5 + security 0 vs eve security 5: tie on cover, ann wins on load/login: %+v", d)
	}
	// no skills at all: least loaded
	r2 := mustRoster(t, []Team{{Name: "x", Strategy: StrategySkillPreference}}, []Agent{agent("ann", []string{"x"}, 5)}, RosterOptions{})
	if d := r2.Assign(ticket(1, "P3", 0), Request{Team: "x"}, monday10); d.Strategy != StrategyLeastLoaded || !strings.Contains(d.Reason, "needs no skill") {
		t.Errorf("no skills: %+v", d)
	}
}

func TestLanguageAndRegionPreferred(t *testing.T) {
	zh := agent("wei", []string{"support"}, 10)
	zh.Languages, zh.Regions = []string{"zh-CN", "en"}, []string{"CN"}
	en := agent("amy", []string{"support"}, 10)
	en.Languages, en.Regions = []string{"en"}, []string{"us"}
	eu := agent("eva", []string{"support"}, 10)
	eu.Languages, eu.Regions = []string{"en"}, []string{"cn"}
	r := mustRoster(t, []Team{{Name: "support"}}, []Agent{zh, en, eu}, RosterOptions{})
	_ = r.SetLoad("wei", 6)
	tk := ticket(1, "P3", 0)
	tk.Subject = "退款问题"
	d := r.Assign(tk, Request{}, monday10)
	if d.Agent != "wei" || !strings.HasSuffix(d.Reason, "(speaks zh)") {
		t.Fatalf("Chinese ticket: %+v", d)
	}
	// region alone counts less than language
	tk.Region = "cn"
	if d := r.Assign(tk, Request{}, monday10); d.Agent != "wei" || !strings.HasSuffix(d.Reason, "(speaks zh, in region cn)") {
		t.Fatalf("Chinese ticket in cn: %+v", d)
	}
	tk.Subject = "refund"
	if d := r.Assign(tk, Request{}, monday10); d.Agent != "eva" {
		t.Errorf("English ticket in cn: %+v (eva is in cn and less loaded)", d)
	}
	// language from the custom field
	tk.CustomFields = map[string]any{"language": "zh-TW"}
	tk.Region = ""
	if d := r.Assign(tk, Request{}, monday10); d.Agent != "wei" {
		t.Errorf("language field: %+v", d)
	}
	// preferred, not required
	_ = r.SetStatus("wei", StatusAway)
	tk.Subject, tk.CustomFields = "我要退款", nil
	d = r.Assign(tk, Request{}, monday10)
	if d.Agent != "amy" || !strings.HasSuffix(d.Reason, "(no available agent speaks zh)") {
		t.Errorf("no Chinese speaker: %+v", d)
	}
	for text, lang := range map[string]string{"パスワード": "ja", "비밀번호": "ko", "密码": "zh", "password": ""} {
		if got := detectLanguage(text); got != lang {
			t.Errorf("detectLanguage(%q) = %q, want %q", text, got, lang)
		}
	}
}

func TestOverflowChainAndCycle(t *testing.T) {
	teams := []Team{
		{Name: "l1", BackupTeam: "l2"},
		{Name: "l2", BackupTeam: "l3", Strategy: StrategyRoundRobin},
		{Name: "l3", BackupTeam: "l1"},
	}
	a1, a2 := agent("ann", []string{"l1"}, 2), agent("bob", []string{"l1"}, 2)
	b1 := agent("ben", []string{"l2"}, 2)
	c1 := agent("cat", []string{"l3"}, 2)
	a2.Status = StatusOffline
	r := mustRoster(t, teams, []Agent{a1, a2, b1, c1}, RosterOptions{})
	_ = r.SetLoad("ann", 2)
	_ = r.SetLoad("ben", 2)
	d := r.Assign(ticket(1, "P3", 0), Request{Team: "l1"}, monday10)
	if d.Agent != "cat" || d.Team != "l3" || !d.Overflowed || d.Candidates != 1 || d.Strategy != StrategyLeastLoaded {
		t.Fatalf("overflow: %+v", d)
	}
	want := `"l1" has no available agent (2 members: 1 offline, 1 at capacity); "l2" has no available agent (1 members: 1 at capacity); overflowed to "l3": least_loaded in "l3": "cat" has the lowest load (0 of 2) among 1 available`
	if d.Reason != want {
		t.Errorf("reason\n got %q\nwant %q", d.Reason, want)
	}
	// all saturated: the cycle l1 -> l2 -> l3 -> l1 is not followed forever
	_ = r.SetLoad("cat", 2)
	d = r.Assign(ticket(2, "P3", 0), Request{Team: "l2"}, monday10)
	if d.Agent != "" || d.Team != "l2" || d.Overflowed || d.Strategy != StrategyRoundRobin {
		t.Fatalf("saturated: %+v", d)
	}
	if !strings.Contains(d.Reason, `backup chain loops back to "l2"; left unassigned in "l2" (tried l2 -> l3 -> l1)`) {
		t.Errorf("reason %q", d.Reason)
	}
	// a team without a backup
	r2 := mustRoster(t, []Team{{Name: "solo"}}, []Agent{}, RosterOptions{})
	if d := r2.Assign(ticket(3, "P3", 0), Request{Team: "solo"}, monday10); d.Agent != "" ||
		d.Reason != `"solo" has no available agent (no members); left unassigned in "solo" (tried solo)` {
		t.Errorf("solo: %+v", d)
	}
	if d := r2.Assign(events.Ticket{}, Request{}, monday10); d.Strategy != StrategyNone || d.Reason != "no team to assign in" {
		t.Errorf("no team: %+v", d)
	}
	if d := r2.Assign(events.Ticket{}, Request{Team: "ghost"}, monday10); d.Strategy != StrategyNone || d.Reason != `unknown team "ghost"` {
		t.Errorf("unknown team: %+v", d)
	}
}

func TestDirectAssignLevelsAndExclusions(t *testing.T) {
	l2 := agent("lee", []string{"support"}, 10)
	l2.Level = 2
	r := mustRoster(t, []Team{{Name: "support"}}, []Agent{agent("ann", []string{"support"}, 10), l2}, RosterOptions{})
	d := r.Assign(ticket(1, "P3", 0), Request{Agent: "lee"}, monday10)
	if d.Agent != "lee" || d.Strategy != StrategyDirect || d.Team != "support" {
		t.Fatalf("direct: %+v", d)
	}
	_ = r.SetStatus("lee", StatusAway)
	d = r.Assign(ticket(1, "P3", 0), Request{Agent: "lee"}, monday10)
	if d.Agent != "ann" || !strings.HasPrefix(d.Reason, `requested agent "lee" is away; least_loaded in "support"`) {
		t.Fatalf("direct fallback: %+v", d)
	}
	if d := r.Assign(ticket(1, "P3", 0), Request{Agent: "zed"}, monday10); d.Agent != "ann" || !strings.HasPrefix(d.Reason, `requested agent "zed" is unknown; `) {
		t.Errorf("unknown agent: %+v", d)
	}
	_ = r.SetStatus("lee", StatusOnline)
	if d := r.Assign(ticket(1, "P3", 0), Request{MinLevel: 2}, monday10); d.Agent != "lee" {
		t.Errorf("min level: %+v", d)
	}
	if d := r.Assign(ticket(1, "P3", 0), Request{Exclude: []string{"ann"}}, monday10); d.Agent != "lee" {
		t.Errorf("exclude: %+v", d)
	}
	d = r.Assign(ticket(1, "P3", 0), Request{MinLevel: 3}, monday10)
	if d.Agent != "" || !strings.Contains(d.Reason, "2 below the level") {
		t.Errorf("nobody at level 3: %+v", d)
	}
}

func TestWorkingHours(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*3600)
	day := Weekly(shanghai, Span{Day: time.Monday, From: 9 * time.Hour, To: 18 * time.Hour})
	night := Weekly(nil, Span{Day: time.Sunday, From: 22 * time.Hour, To: 6 * time.Hour})
	cases := []struct {
		h    Hours
		at   time.Time
		want bool
	}{
		{day, time.Date(2026, 1, 5, 1, 0, 0, 0, time.UTC), true},   // 09:00 Monday in Shanghai
		{day, time.Date(2026, 1, 5, 0, 59, 0, 0, time.UTC), false}, // 08:59
		{day, time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC), false}, // 18:00: end is exclusive
		{day, time.Date(2026, 1, 6, 2, 0, 0, 0, time.UTC), false},  // Tuesday
		{night, time.Date(2026, 1, 4, 23, 0, 0, 0, time.UTC), true},
		{night, time.Date(2026, 1, 5, 5, 59, 0, 0, time.UTC), true}, // Monday morning, the span started Sunday
		{night, time.Date(2026, 1, 5, 6, 0, 0, 0, time.UTC), false},
		{night, time.Date(2026, 1, 4, 21, 0, 0, 0, time.UTC), false},
	}
	for i, c := range cases {
		if got := c.h(c.at); got != c.want {
			t.Errorf("case %d at %s: %v", i, c.at, got)
		}
	}
	a := agent("ann", []string{"support"}, 10)
	a.WorkingHours = day
	r := mustRoster(t, []Team{{Name: "support"}}, []Agent{a, agent("bob", []string{"support"}, 10)}, RosterOptions{})
	_ = r.SetLoad("bob", 5)
	if d := r.Assign(ticket(1, "P3", 0), Request{}, time.Date(2026, 1, 5, 2, 0, 0, 0, time.UTC)); d.Agent != "ann" {
		t.Errorf("in hours: %+v", d)
	}
	if d := r.Assign(ticket(1, "P3", 0), Request{}, time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)); d.Agent != "bob" {
		t.Errorf("off hours: %+v", d)
	}
}

func TestAgentGoesOffline(t *testing.T) {
	teams := []Team{{Name: "support", BackupTeam: "tier2"}, {Name: "tier2"}}
	r := mustRoster(t, teams, []Agent{
		agent("ann", []string{"support", "tier2"}, 20), agent("bob", []string{"support"}, 4),
		agent("cat", []string{"support"}, 4), agent("tim", []string{"tier2"}, 10)}, RosterOptions{})
	open := []events.Ticket{ticket(1, "P4", 1), ticket(2, "P1", 2), ticket(3, "P3", 3), ticket(4, "P2", 4), ticket(5, "P3", 5)}
	open[4].Team = ""
	for _, tk := range open {
		if err := r.Commit(tk, Decision{Agent: "ann", Team: "support"}, monday10); err != nil {
			t.Fatal(err)
		}
	}
	if l, _ := r.Load("ann"); l != 9 {
		t.Fatalf("ann's load %d", l)
	}
	moves, err := r.Offline("ann", open, monday10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range moves {
		if m.From != "ann" || m.Decision.Agent == "ann" {
			t.Errorf("%+v", m)
		}
		got = append(got, fmt.Sprintf("%d:%s/%s", m.TicketID, m.Decision.Team, m.Decision.Agent))
	}
	// P1 first (weight 4 -> bob), then P2 (cat), then the P3s by age, then the P4;
	// bob and cat fill up and the rest overflows to tier2.
	want := []string{"2:support/bob", "4:support/cat", "3:support/cat", "5:support/cat", "1:tier2/tim"}
	if !slices.Equal(got, want) {
		t.Errorf("reassignments\n got %v\nwant %v", got, want)
	}
	if l, _ := r.Load("ann"); l != 0 {
		t.Errorf("ann keeps load %d", l)
	}
	for login, want := range map[string]int{"bob": 4, "cat": 4, "tim": 1} {
		if l, _ := r.Load(login); l != want {
			t.Errorf("%s's load %d, want %d", login, l, want)
		}
	}
	if !moves[4].Decision.Overflowed {
		t.Errorf("last move should overflow: %+v", moves[4])
	}
	// nobody left: tickets go back to the queue
	moves, err = r.Offline("tim", []events.Ticket{func() events.Ticket { tk := ticket(1, "P4", 1); tk.Team = "tier2"; return tk }()}, monday10)
	if err != nil || len(moves) != 1 || moves[0].Decision.Agent != "" || moves[0].Decision.Team != "tier2" {
		t.Errorf("no one left: %+v %v", moves, err)
	}
	if _, err := r.Offline("zed", nil, monday10); !errors.Is(err, ErrUnknownAgent) {
		t.Errorf("unknown agent: %v", err)
	}
}

func TestNewRosterProblems(t *testing.T) {
	_, err := NewRoster(
		[]Team{{Name: "a", Strategy: "random", BackupTeam: "ghost"}, {Name: "a"}, {Name: "b", BackupTeam: "b"}},
		[]Agent{
			{Login: "x", Teams: []string{"a", "nope"}, Capacity: 0, Status: "busy", Skills: map[string]int{"billing": 7}, Level: -1},
			{Login: "x", Teams: []string{"a"}, Capacity: 1, Status: StatusOnline},
			{Teams: []string{"a"}, Capacity: 1, Status: StatusOnline},
		}, RosterOptions{LoadWeights: map[string]int{"P1": -1}})
	got := problemsOf(t, err)
	want := []string{
		`load_weights.P1: must not be negative`,
		`teams[0].strategy: unknown strategy "random"; strategies are least_loaded, round_robin, sticky, skill_preference`,
		`teams[1].name: duplicate team "a"`,
		`teams[0].backup_team: unknown team "ghost"`,
		`teams[2].backup_team: a team cannot be its own backup`,
		`agents[0].teams[1]: unknown team "nope"`,
		`agents[0].skills.billing: level 7 is outside 1-5`,
		`agents[0].capacity: must be positive`,
		`agents[0].status: must be online, away or offline`,
		`agents[0].level: must not be negative`,
		`agents[1].login: duplicate login "x"`,
		`agents[2].login: is required`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("problems\n got %q\nwant %q", got, want)
	}
}

func TestRosterSetters(t *testing.T) {
	r := mustRoster(t, []Team{{Name: "s"}}, []Agent{agent("ann", []string{"s"}, 5)}, RosterOptions{})
	if err := r.SetStatus("ann", "busy"); err == nil {
		t.Error("unknown status accepted")
	}
	if err := r.SetLoad("zed", 1); !errors.Is(err, ErrUnknownAgent) {
		t.Error(err)
	}
	_ = r.SetLoad("ann", -3)
	if l, ok := r.Load("ann"); l != 0 || !ok {
		t.Errorf("negative load kept: %d", l)
	}
	if _, ok := r.Load("zed"); ok {
		t.Error("unknown agent has a load")
	}
	if err := r.Commit(events.Ticket{}, Decision{}, monday10); err != nil {
		t.Errorf("commit without agent: %v", err)
	}
	if err := r.Commit(events.Ticket{}, Decision{Agent: "zed"}, monday10); !errors.Is(err, ErrUnknownAgent) {
		t.Errorf("commit to unknown agent: %v", err)
	}
}

func TestRoute(t *testing.T) {
	rs, err := ParseRuleSet([]byte(`{"version": 1, "rules": [
		{"id": "zh-refunds", "conditions": {"field": "text", "op": "keywords", "value": ["退款", "refund"]},
		 "actions": [{"type": "set_team", "team": "billing"}, {"type": "set_priority", "priority": "P1"}, {"type": "add_skills", "skills": ["refunds"]}, {"type": "assign", "agent": "auto"}]},
		{"id": "tag-only", "actions": [{"type": "add_tags", "tags": ["triaged"]}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	router, err := Compile(rs, testKnown())
	if err != nil {
		t.Fatal(err)
	}
	ann, bob := agent("ann", []string{"billing"}, 10), agent("bob", []string{"billing"}, 10)
	ann.Skills, bob.Skills = map[string]int{"refunds": 2}, map[string]int{"refunds": 4}
	ro := mustRoster(t, []Team{{Name: "billing", Strategy: StrategySkillPreference}}, []Agent{ann, bob}, RosterOptions{})
	tk := events.Ticket{ID: 1, Subject: "申请退款", Priority: "P3", Team: "support"}
	out, d := router.Route(tk, ro, monday10)
	if out.Team != "billing" || d.Agent != "bob" || d.Team != "billing" || d.Strategy != StrategySkillPreference {
		t.Fatalf("route: %+v %+v", out, d)
	}
	if err := ro.Commit(out.ApplyTo(tk), d, monday10); err != nil {
		t.Fatal(err)
	}
	if l, _ := ro.Load("bob"); l != 4 {
		t.Errorf("bob's load %d: the P1 set by the rule weighs 4", l)
	}
	out, d = router.Route(events.Ticket{Subject: "hello", Team: "support", Assignee: "zed"}, ro, monday10)
	if d.Strategy != StrategyNone || d.Agent != "zed" || d.Team != "support" || out.AddedTags[0] != "triaged" {
		t.Errorf("no assignment: %+v %+v", out, d)
	}
	if _, d := router.Route(tk, nil, monday10); d.Strategy != StrategyNone {
		t.Errorf("nil roster: %+v", d)
	}
}

package analytics

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskmine/deskmine/ticketcore/events"
)

// chainFixture is a small graph: a star and path (1 <- 2 <- 3), a cycle
// (10 <-> 11), two parentless tickets joined by related_to (20, 21), a
// first parent link to a missing ticket (30), a self link (40), and a
// parent path beyond MaxChainHops (50 -> 51 -> ... -> 70) whose tickets
// also relate to 80.
func chainFixture() (seeds []ChainTicket, held map[int64]ChainTicket) {
	day := func(d int) time.Time { return time.Date(2026, 1, d, 0, 0, 0, 0, time.UTC) }
	l := func(typ string, id int64) events.Link { return events.Link{Type: typ, TicketID: id} }
	t := func(id int64, d int, ls ...events.Link) ChainTicket {
		return ChainTicket{ID: id, CreatedAt: day(d), Links: ls, Category: "x", Subject: "s"}
	}
	seeds = []ChainTicket{
		t(2, 3, l(events.LinkDuplicateOf, 1)), t(3, 4, l(events.LinkFollowUpOf, 2)),
		t(10, 5, l(events.LinkDuplicateOf, 11)), t(11, 2, l(events.LinkDuplicateOf, 10)),
		t(20, 5, l(events.LinkRelatedTo, 21)),
		t(30, 6, l(events.LinkDuplicateOf, 999), l(events.LinkCausedBy, 31)),
		t(40, 6, l(events.LinkRelatedTo, 40)),
		t(50, 9, l(events.LinkFollowUpOf, 51)),
	}
	for i := range seeds {
		seeds[i].InScope = true
	}
	held = map[int64]ChainTicket{1: t(1, 1), 21: t(21, 3), 31: t(31, 1), 80: t(80, 1)}
	for id := int64(51); id <= 70; id++ {
		held[id] = t(id, 8, l(events.LinkFollowUpOf, id+1), l(events.LinkRelatedTo, 80))
	}
	return seeds, held
}

func TestChainGraph(t *testing.T) {
	seeds, held := chainFixture()
	calls := 0
	g, err := readChainGraph(seeds, func(ids []int64) ([]ChainTicket, error) {
		calls++
		var out []ChainTicket
		for _, id := range ids {
			if t, ok := held[id]; ok {
				out = append(out, t)
			}
		}
		return out, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if calls != MaxChainHops {
		t.Errorf("%d fetches, want %d", calls, MaxChainHops)
	}
	if g.rows[80] != nil || g.rows[50+MaxChainHops+1] != nil || g.rows[50+MaxChainHops] == nil {
		t.Errorf("read beyond the bounds or short of them: 80 %v, %d %v", g.rows[80] != nil, 50+MaxChainHops+1, g.rows[50+MaxChainHops+1] != nil)
	}
	if g.dangling != 1 || !g.missing[999] {
		t.Errorf("dangling %d, missing %v", g.dangling, g.missing)
	}
	chains, members := g.chains()
	SortChains(chains)
	type want struct {
		root, length int64
		kinds        []string
	}
	wants := []want{
		{50 + MaxChainHops, MaxChainHops + 1, []string{ChainFollowUp}},
		{1, 3, []string{ChainDuplicate, ChainFollowUp}},
		{11, 2, []string{ChainDuplicate}}, // a cycle: the earliest created
		{21, 2, []string{ChainRelated}},   // two parentless: the earliest created
		{31, 2, []string{ChainCausedBy}},  // the parent is the first held one
	}
	if len(chains) != len(wants) {
		t.Fatalf("%d chains, want %d: %+v", len(chains), len(wants), chains)
	}
	for i, w := range wants {
		c := chains[i]
		if c.RootID != w.root || c.Length != w.length || !slices.Equal(c.Kinds, w.kinds) || int64(len(c.Members)) != w.length {
			t.Errorf("chain %d: %+v, want root %d length %d kinds %v", i, c, w.root, w.length, w.kinds)
		}
	}
	if slices.Contains(members, 40) || len(members) != int(MaxChainHops+1+3+2+2+2) {
		t.Errorf("members %v", members)
	}

	// Reopen chains join the report; a reopened ticket of the window in a
	// link chain counts once among the tickets.
	g.rows[3].ReopenCount = 2
	top := []ChainTicket{{ID: 3, ReopenCount: 2, Category: "vpn"}, {ID: 90, ReopenCount: 1, Category: "vpn"}}
	rep := g.report(top, []reopenGroup{{Category: "vpn", Product: "", Tickets: 2, Reopens: 3}}, 3)
	if rep.Chains != 5+2 || rep.Tickets != int64(len(members))+1 || rep.Longest != MaxChainHops+1 || rep.DanglingLinks != 1 {
		t.Errorf("summary %+v", rep)
	}
	if len(rep.Top) != 3 || rep.Top[1].RootID != 1 || rep.Top[2].RootID != 3 || !slices.Equal(rep.Top[2].Kinds, []string{ChainReopened}) {
		t.Errorf("top %+v", rep.Top)
	}
	if k := rep.ByKind[4]; k.Kind != ChainReopened || k.Chains != 2 || k.Tickets != 5 {
		t.Errorf("reopened kind %+v", k)
	}
	wantRC := []RootCount{{Key: "x", Chains: 5, FollowOns: MaxChainHops + 2 + 1 + 1 + 1}, {Key: "vpn", Chains: 2, Reopens: 3}}
	if !slices.Equal(rep.ByRootCategory, wantRC) {
		t.Errorf("root categories %+v, want %+v", rep.ByRootCategory, wantRC)
	}
}

func TestRootCauseValidate(t *testing.T) {
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for field, q := range map[string]RootCauseQuery{
		"from":    {To: from},
		"to":      {From: from, To: from},
		"limit":   {From: from, To: from.AddDate(0, 1, 0), Limit: MaxRootCauseLimit + 1},
		"filters": {From: from, To: from.AddDate(0, 1, 0), Filters: map[string][]string{"tag": {"x"}}},
		"only":    {From: from, To: from.AddDate(0, 1, 0), Only: "bottlenecks"},
	} {
		var qe *QueryError
		if err := q.Validate(); !errors.As(err, &qe) || qe.Field != field {
			t.Errorf("%+v: %v, want a QueryError on %s", q, err, field)
		}
	}
}

func TestParseLinks(t *testing.T) {
	got, err := parseLinks("duplicate_of" + PairSep + "12" + BounceSep + "related_to" + PairSep + "7")
	if err != nil || !slices.Equal(got, []events.Link{{Type: "duplicate_of", TicketID: 12}, {Type: "related_to", TicketID: 7}}) {
		t.Errorf("parseLinks = %v, %v", got, err)
	}
	if got, err := parseLinks(""); err != nil || got != nil {
		t.Errorf("no links = %v, %v", got, err)
	}
	for _, bad := range []string{"duplicate_of", "duplicate_of" + PairSep + "x"} {
		if _, err := parseLinks(bad); err == nil {
			t.Errorf("parseLinks(%q) accepted", bad)
		}
	}
}

// TestRootCauseOnly: a query for one part runs only that part's statements.
func TestRootCauseOnly(t *testing.T) {
	qs := map[string]string{}
	for _, name := range RootCauseQueryNames() {
		qs[name] = "-- " + name + "\n-- params: from, to\nSELECT ? + ?"
	}
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for only, want := range map[string][]string{
		"":                {"chain-reopen-groups", "chain-reopen-top", "chain-seeds", "rootcause-handoffs", "rootcause-reopens"},
		RootCauseChains:   {"chain-reopen-groups", "chain-reopen-top", "chain-seeds"},
		RootCauseHandoffs: {"rootcause-handoffs"},
		RootCauseReopens:  {"rootcause-reopens"},
	} {
		var mu sync.Mutex
		var ran []string
		run := func(_ context.Context, query string, _ ...any) (ResultRows, error) {
			mu.Lock()
			defer mu.Unlock()
			ran = append(ran, strings.TrimPrefix(strings.SplitN(query, "\n", 2)[0], "-- "))
			return &fakeResult{}, nil
		}
		if _, err := RunRootCause(context.Background(), run, qs, RootCauseQuery{From: from, To: from.AddDate(0, 1, 0), Only: only}); err != nil {
			t.Fatalf("only %q: %v", only, err)
		}
		slices.Sort(ran)
		if !slices.Equal(ran, want) {
			t.Errorf("only %q ran %v, want %v", only, ran, want)
		}
	}
}

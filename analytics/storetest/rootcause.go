package storetest

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/ticketcore/events"
)

// RootCauseStore is a store with the root-cause, bottleneck and time-travel
// queries.
type RootCauseStore interface {
	analytics.Store
	analytics.RootCauser
	analytics.BottleneckFinder
	analytics.TimeTraveler
	analytics.Hotspotter
}

// The window of the root-cause suite: about the middle third of the
// generated tickets' creation times.
var (
	chainFrom = time.Date(2026, 1, 25, 0, 0, 0, 0, time.UTC)
	chainTo   = time.Date(2026, 2, 20, 0, 0, 0, 0, time.UTC)
)

// MissingTicket is an id no history of the suite holds: links to it dangle.
const MissingTicket = 9_999_999

// LinkChange sets the links of a ticket: AddLinks writes it as a
// ticket.updated event with the change links.
type LinkChange struct {
	TicketID int64
	Links    []events.Link
}

// AddLinks appends to a history, for each change in order, a ticket.updated
// event of the ticket (its next version, ten minutes after its previous
// last event) whose snapshot carries the change's links, so that links can
// be made, replaced and removed in any shape, independently of what the
// generator draws.
func AddLinks(evs []events.Event, changes []LinkChange) []events.Event {
	last, seq := lastEvents(evs)
	out := slices.Clone(evs)
	for i, c := range changes {
		p, ok := last[c.TicketID]
		if !ok {
			panic(fmt.Sprintf("AddLinks: no ticket %d", c.TicketID))
		}
		e := followUp(p, fmt.Sprintf("%08x-%04x-7000-9000-%012x", c.TicketID, p.TicketVersion+1, i),
			seq+int64(2*(i+1)), p.At.Add(10*time.Minute), events.Actor{ID: 20, Name: "linker", Role: "agent"},
			events.Change{Field: "links", Old: jsonLinks(p.Ticket.Links), New: jsonLinks(c.Links)})
		e.Ticket.Links = slices.Clone(c.Links)
		out = append(out, e)
		last[c.TicketID] = e
	}
	return out
}

// lastEvents is each ticket's latest event (by version) and the highest seq.
func lastEvents(evs []events.Event) (map[int64]events.Event, int64) {
	last := map[int64]events.Event{}
	var seq int64
	for _, e := range evs {
		if p, ok := last[e.TicketID]; !ok || e.TicketVersion > p.TicketVersion {
			last[e.TicketID] = e
		}
		seq = max(seq, e.Seq)
	}
	return last, seq
}

// followUp is a ticket.updated event of p's ticket, its next version, at
// at, by actor, with one change; the snapshot is p's (lists copied), to
// be changed by the caller.
func followUp(p events.Event, id string, seq int64, at time.Time, actor events.Actor, c events.Change) events.Event {
	e := p
	e.TicketVersion++
	e.ID, e.Seq, e.Type = id, seq, events.TicketUpdated
	e.At, e.RecordedAt = at, at
	e.Actor, e.Source = actor, events.SourceAPI
	e.SLA, e.Comment = nil, nil
	e.Changes = []events.Change{c}
	e.Ticket.Version, e.Ticket.UpdatedAt = e.TicketVersion, at
	e.Ticket.Links = slices.Clone(p.Ticket.Links)
	e.Ticket.Tags = slices.Clone(p.Ticket.Tags)
	return e
}

func jsonLinks(ls []events.Link) json.RawMessage {
	if ls == nil {
		return raw(nil)
	}
	return raw(ls)
}

// ChainHistory is the history of the root-cause and time-travel suites: a
// generated history with link patterns added by AddLinks (stars of
// duplicates, follow-up paths, caused-by trees with ancestors before the
// window, related links joining trees, cycles, links to missing tickets
// and to the ticket itself, replaced links, a parent path longer than
// analytics.MaxChainHops, links from outside the window) and random links.
func ChainHistory() []events.Event {
	h, _ := chainHistory()
	return h
}

// chainCases names tickets of ChainHistory whose chains the suite checks
// by hand: the root and length of the chain whose parent path is cut by
// MaxChainHops.
type chainCases struct {
	cutRoot int64
	cutLen  int64
}

func chainHistory() ([]events.Event, chainCases) {
	h := Generate(GenOptions{Seed: 23, Tickets: 500})
	lives := ticketLives(h)
	var before, in, after []int64
	for _, id := range slices.Sorted(mapKeys(lives)) {
		c := sec(lives[id][0].Ticket.CreatedAt)
		switch {
		case c.Before(chainFrom):
			before = append(before, id)
		case c.Before(chainTo):
			in = append(in, id)
		default:
			after = append(after, id)
		}
	}
	byCreated := func(ids []int64) []int64 {
		slices.SortFunc(ids, func(a, b int64) int {
			return cmp.Or(lives[a][0].Ticket.CreatedAt.Compare(lives[b][0].Ticket.CreatedAt), cmp.Compare(a, b))
		})
		return ids
	}
	before, in, after = byCreated(before), byCreated(in), byCreated(after)
	l := func(typ string, id int64) events.Link { return events.Link{Type: typ, TicketID: id} }
	dup, fol, cau, rel := events.LinkDuplicateOf, events.LinkFollowUpOf, events.LinkCausedBy, events.LinkRelatedTo
	var ch []LinkChange
	set := func(id int64, ls ...events.Link) { ch = append(ch, LinkChange{TicketID: id, Links: ls}) }
	// A parent path longer than MaxChainHops, of the last tickets created,
	// from the last ticket created in the window; the links of other
	// tickets to them are removed first, and the patterns below leave them
	// out, so that nothing else reaches the path.
	tail := after[len(after)-16:]
	deep := in[len(in)-1]
	after, in = after[:len(after)-16], in[:len(in)-1]
	reserved := append([]int64{deep}, tail...)
	for _, id := range slices.Sorted(mapKeys(lives)) {
		links := lives[id][len(lives[id])-1].Ticket.Links
		kept := slices.DeleteFunc(slices.Clone(links), func(x events.Link) bool { return slices.Contains(reserved, x.TicketID) })
		if len(kept) < len(links) && !slices.Contains(reserved, id) {
			set(id, kept...)
		}
	}
	for i := 1; i < len(tail); i++ {
		set(tail[i], l(fol, tail[i-1]))
	}
	set(deep, l(fol, tail[len(tail)-1]))
	cases := chainCases{cutRoot: tail[len(tail)-analytics.MaxChainHops], cutLen: analytics.MaxChainHops + 1}
	// A star of duplicates, a follow-up path.
	for i := 1; i <= 4; i++ {
		set(in[i], l(dup, in[0]))
	}
	for i := 6; i <= 8; i++ {
		set(in[i], l(fol, in[i-1]))
	}
	// Caused by a ticket caused by one before the window.
	set(before[1], l(cau, before[0]))
	set(in[9], l(cau, before[1]))
	// Two trees joined by related_to: two parentless tickets.
	set(in[10], l(dup, in[11]), l(rel, in[12]))
	set(in[12], l(dup, in[13]))
	// Cycles: one with a parentless ticket related to it, one without.
	set(in[14], l(dup, in[15]))
	set(in[15], l(dup, in[14]))
	set(in[16], l(rel, in[14]))
	set(in[17], l(dup, in[18]))
	set(in[18], l(fol, in[17]))
	// Links to a missing ticket and to the ticket itself.
	set(in[19], l(dup, MissingTicket), l(cau, in[20]))
	set(in[21], l(fol, MissingTicket))
	set(in[22], l(rel, in[22]), l(fol, in[23]))
	// A link replaced: only the latest counts.
	set(in[24], l(dup, in[25]))
	set(in[24], l(fol, in[26]))
	set(in[31], l(rel, in[32]))
	set(in[31])
	// Links from outside the window into it.
	set(after[0], l(dup, in[28]))
	set(before[20], l(rel, in[29]))
	set(in[29], l(dup, in[30]))
	// Random links, mostly to earlier tickets.
	x := rand.New(rand.NewPCG(77, 78))
	all := append(append(slices.Clone(before), in...), after...)
	types := []string{dup, dup, fol, cau, rel}
	for range 80 {
		i := 1 + x.IntN(len(all)-1)
		var ls []events.Link
		for range 1 + x.IntN(2) {
			j := x.IntN(i)
			if x.IntN(8) == 0 {
				j = x.IntN(len(all)) // sometimes a later one
			}
			ls = append(ls, l(types[x.IntN(len(types))], all[j]))
		}
		set(all[i], ls...)
	}
	return AddLinks(h, ch), cases
}

// RunRootCause checks a store's root-cause queries against answers computed
// here from the events alone; open returns a new, empty store.
func RunRootCause(t *testing.T, open func(t *testing.T) RootCauseStore) {
	h, cases := chainHistory()
	s := open(t)
	for b := range slices.Chunk(h, 1000) {
		mustApply(t, s, b)
	}
	ctx := context.Background()
	queries := []analytics.RootCauseQuery{
		{From: chainFrom, To: chainTo},
		{From: chainFrom, To: chainTo, Limit: analytics.MaxRootCauseLimit},
		{From: chainFrom, To: chainTo, Limit: 3},
		{From: time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), Limit: analytics.MaxRootCauseLimit},
		{From: chainFrom, To: chainTo, Filters: map[string][]string{"category": {"vpn", "login", ""}}},
		{From: chainFrom, To: chainTo, Filters: map[string][]string{"priority": {"P1", "P2"}, "channel": {"email", "chat", "web"}}},
		{From: chainFrom, To: chainTo, Filters: map[string][]string{"product": {"nothing-like-this"}}},
	}
	// Bounds on exact creation times with a fraction: [From, To) holds a
	// ticket created in From's second only when it is not before From.
	var created []time.Time
	for _, tevs := range ticketLives(h) {
		created = append(created, tevs[0].Ticket.CreatedAt)
	}
	slices.SortFunc(created, time.Time.Compare)
	queries = append(queries, analytics.RootCauseQuery{From: created[len(created)/4], To: created[len(created)/2].Add(time.Nanosecond)})
	for i, q := range queries {
		got, err := s.RootCause(ctx, q)
		if err != nil {
			t.Fatalf("root cause %d: %v", i, err)
		}
		want := ExpectRootCause(h, q)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("root cause %d (%+v) differs:\n got  %+v\n want %+v", i, q, *got, *want)
		}
		if i == 1 {
			rootCauseSanity(t, want, cases)
		}
		// The handoffs agree with the bottleneck answer, which counts only
		// the tickets with a handoff (on whole-second bounds: the
		// bottleneck queries bind times, which ClickHouse truncates).
		whole := q.From.Equal(sec(q.From)) && q.To.Equal(sec(q.To))
		if whole && (q.Limit == analytics.MaxRootCauseLimit || q.Limit == 0 && len(want.HandoffsByProduct) < analytics.DefaultRootCauseLimit) {
			b, err := s.Bottlenecks(ctx, analytics.BottleneckQuery{From: q.From, To: q.To, Filters: q.Filters})
			if err != nil {
				t.Fatal(err)
			}
			bp := map[string]analytics.HandoffCount{}
			for _, c := range b.HandoffsByProduct {
				bp[c.Key] = c
			}
			for _, g := range want.HandoffsByProduct {
				if c := bp[g.Key]; c.Tickets != g.TicketsWithHandoff || c.Handoffs != g.Handoffs {
					t.Errorf("root cause %d: product %q handoffs %+v, bottlenecks %+v", i, g.Key, g, c)
				}
			}
		}
	}

	t.Run("Validation", func(t *testing.T) {
		bad := []struct {
			field string
			q     analytics.RootCauseQuery
		}{
			{"from", analytics.RootCauseQuery{To: chainTo}},
			{"to", analytics.RootCauseQuery{From: chainFrom}},
			{"to", analytics.RootCauseQuery{From: chainTo, To: chainFrom}},
			{"to", analytics.RootCauseQuery{From: chainFrom, To: chainFrom.AddDate(2, 0, 1)}},
			{"limit", analytics.RootCauseQuery{From: chainFrom, To: chainTo, Limit: 1001}},
			{"limit", analytics.RootCauseQuery{From: chainFrom, To: chainTo, Limit: -1}},
			{"filters", analytics.RootCauseQuery{From: chainFrom, To: chainTo, Filters: map[string][]string{"subject": {"x"}}}},
			{"filters", analytics.RootCauseQuery{From: chainFrom, To: chainTo, Filters: map[string][]string{"team": {}}}},
		}
		for _, b := range bad {
			_, err := s.RootCause(ctx, b.q)
			var qe *analytics.QueryError
			if !errors.As(err, &qe) || qe.Field != b.field {
				t.Errorf("root cause %+v: error %v, want a QueryError on %s", b.q, err, b.field)
			}
		}
		// Values are parameters: quotes and SQL in them match nothing.
		got, err := s.RootCause(ctx, analytics.RootCauseQuery{From: chainFrom, To: chainTo,
			Filters: map[string][]string{"category": {"vpn' OR '1'='1", `x\' --`}}})
		if err != nil {
			t.Fatalf("root cause with hostile values: %v", err)
		}
		if got.Chains.Chains != 0 || len(got.HandoffsByCategory) != 0 || got.Reopens.Resolved != 0 {
			t.Fatalf("hostile values matched tickets: %+v", got)
		}
	})
}

// rootCauseSanity guards the suite: the history must exercise every case
// it claims to.
func rootCauseSanity(t *testing.T, want *analytics.RootCauseResult, cases chainCases) {
	t.Helper()
	c := want.Chains
	if !slices.ContainsFunc(c.Top, func(ch analytics.Chain) bool { return ch.RootID == cases.cutRoot && ch.Length == cases.cutLen }) {
		t.Fatalf("no chain rooted at %d of length %d, where MaxChainHops cuts its parent path: %+v", cases.cutRoot, cases.cutLen, c.Top)
	}
	for _, k := range c.ByKind {
		if k.Chains == 0 {
			t.Fatalf("no chain of kind %s: %+v", k.Kind, c)
		}
	}
	if c.DanglingLinks == 0 || c.Longest <= analytics.MaxChainHops || len(c.Top) == 0 ||
		want.Reopens.Reopened == 0 || len(want.Reopens.ByTeam) < 2 || len(want.HandoffsByProduct) < 2 {
		t.Fatalf("root-cause answer too thin to test: %+v", *want)
	}
	var pingPong bool
	for _, g := range want.HandoffsByCategory {
		pingPong = pingPong || g.PingPongTickets > 0
	}
	if !pingPong {
		t.Fatal("no ping-pong ticket")
	}
}

// ExpectRootCause computes the answer to q from the events alone, reading
// the rules of analytics/rootcause.go directly: the latest snapshot of
// each ticket, a breadth-first walk from the window's linked tickets, and
// each ticket's versions for the handoffs and reopens.
func ExpectRootCause(evs []events.Event, q analytics.RootCauseQuery) *analytics.RootCauseResult {
	lives := ticketLives(evs)
	limit := cmp.Or(q.Limit, analytics.DefaultRootCauseLimit)
	from, to := hotspotCeilSec(q.From), hotspotCeilSec(q.To)
	latest := map[int64]*events.Ticket{}
	for id, tevs := range lives {
		latest[id] = &tevs[len(tevs)-1].Ticket
	}
	inScope := func(t *events.Ticket) bool {
		c := sec(t.CreatedAt)
		return !c.Before(from) && c.Before(to) && passes(t, q.Filters)
	}
	res := &analytics.RootCauseResult{From: q.From, To: q.To}
	res.Chains = expectChains(latest, inScope, limit)
	res.HandoffsByProduct, res.HandoffsByCategory = expectHandoffs(lives, q, limit)
	res.Reopens = expectReopens(lives, q, limit)
	return res
}

func expectChains(latest map[int64]*events.Ticket, inScope func(*events.Ticket) bool, limit int) analytics.ChainReport {
	isParent := func(typ string) bool {
		return typ == events.LinkDuplicateOf || typ == events.LinkFollowUpOf || typ == events.LinkCausedBy
	}
	// The nodes: seeds, then hop by hop what they reach.
	seed := map[int64]bool{}
	node := map[int64]bool{}
	for id, t := range latest {
		if inScope(t) && len(t.Links) > 0 {
			seed[id], node[id] = true, true
		}
	}
	asked := map[int64]bool{}
	var layer []int64
	for id := range seed {
		for _, l := range latest[id].Links {
			if l.TicketID != id && !node[l.TicketID] && !asked[l.TicketID] {
				asked[l.TicketID] = true
				layer = append(layer, l.TicketID)
			}
		}
	}
	for hop := 1; len(layer) > 0; hop++ {
		var read []int64
		for _, id := range layer {
			if latest[id] != nil {
				node[id] = true
				read = append(read, id)
			}
		}
		layer = nil
		if hop == analytics.MaxChainHops {
			break
		}
		for _, id := range read {
			for _, l := range latest[id].Links {
				if isParent(l.Type) && l.TicketID != id && !node[l.TicketID] && !asked[l.TicketID] {
					asked[l.TicketID] = true
					layer = append(layer, l.TicketID)
				}
			}
		}
	}
	rep := analytics.ChainReport{}
	for id := range seed {
		for _, l := range latest[id].Links {
			if l.TicketID != id && latest[l.TicketID] == nil {
				rep.DanglingLinks++
			}
		}
	}
	// Adjacency over the edges, then components by walking it.
	type edge struct {
		to   int64
		kind string
	}
	adj := map[int64][]edge{}
	kindOf := func(typ string) string {
		switch typ {
		case events.LinkDuplicateOf:
			return analytics.ChainDuplicate
		case events.LinkFollowUpOf:
			return analytics.ChainFollowUp
		case events.LinkCausedBy:
			return analytics.ChainCausedBy
		}
		return analytics.ChainRelated
	}
	isEdge := func(id int64, l events.Link) bool {
		return l.TicketID != id && node[l.TicketID] && (seed[id] || isParent(l.Type))
	}
	for id := range node {
		for _, l := range latest[id].Links {
			if isEdge(id, l) {
				adj[id] = append(adj[id], edge{l.TicketID, kindOf(l.Type)})
				adj[l.TicketID] = append(adj[l.TicketID], edge{id, kindOf(l.Type)})
			}
		}
	}
	seen := map[int64]bool{}
	kinds := map[string]*analytics.ChainKindCount{}
	for _, k := range analytics.ChainKinds() {
		kinds[k] = &analytics.ChainKindCount{Kind: k}
	}
	byCat, byProd := map[string]*analytics.RootCount{}, map[string]*analytics.RootCount{}
	rc := func(m map[string]*analytics.RootCount, k string) *analytics.RootCount {
		if m[k] == nil {
			m[k] = &analytics.RootCount{Key: k}
		}
		return m[k]
	}
	inChain := map[int64]bool{}
	top := []analytics.Chain{}
	for _, start := range slices.Sorted(mapKeys(node)) {
		if seen[start] {
			continue
		}
		comp := []int64{}
		has := map[string]bool{}
		stack := []int64{start}
		seen[start] = true
		for len(stack) > 0 {
			id := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			comp = append(comp, id)
			for _, e := range adj[id] {
				has[e.kind] = true
				if !seen[e.to] {
					seen[e.to] = true
					stack = append(stack, e.to)
				}
			}
		}
		if len(comp) < 2 {
			continue
		}
		slices.Sort(comp)
		var parentless []int64
		for _, id := range comp {
			orphan := true
			for _, l := range latest[id].Links {
				if isParent(l.Type) && isEdge(id, l) {
					orphan = false
					break
				}
			}
			if orphan {
				parentless = append(parentless, id)
			}
		}
		if len(parentless) == 0 {
			parentless = comp
		}
		root := parentless[0]
		for _, id := range parentless[1:] {
			a, b := latest[id].CreatedAt, latest[root].CreatedAt
			if sec(a).Before(sec(b)) || sec(a).Equal(sec(b)) && id < root {
				root = id
			}
		}
		r := latest[root]
		c := analytics.Chain{RootID: root, RootSubject: r.Subject, RootCategory: r.Category, RootProduct: r.Product,
			RootCreatedAt: sec(r.CreatedAt), Length: int64(len(comp)), Members: comp[:min(len(comp), analytics.MaxChainMembers)]}
		for _, k := range analytics.ChainKinds() {
			if has[k] {
				c.Kinds = append(c.Kinds, k)
				kinds[k].Chains++
				kinds[k].Tickets += c.Length
			}
		}
		top = append(top, c)
		rep.Chains++
		rep.Longest = max(rep.Longest, c.Length)
		for _, x := range []*analytics.RootCount{rc(byCat, r.Category), rc(byProd, r.Product)} {
			x.Chains++
			x.FollowOns += c.Length - 1
		}
		for _, id := range comp {
			inChain[id] = true
		}
	}
	// Reopen chains: every reopened ticket of the window.
	for _, id := range slices.Sorted(mapKeys(latest)) {
		t := latest[id]
		if !inScope(t) || t.ReopenCount == 0 {
			continue
		}
		k := int64(t.ReopenCount)
		rep.Chains++
		rep.Longest = max(rep.Longest, k+1)
		kinds[analytics.ChainReopened].Chains++
		kinds[analytics.ChainReopened].Tickets += k + 1
		inChain[id] = true
		for _, x := range []*analytics.RootCount{rc(byCat, t.Category), rc(byProd, t.Product)} {
			x.Chains++
			x.Reopens += k
		}
		top = append(top, analytics.Chain{RootID: id, RootSubject: t.Subject, RootCategory: t.Category, RootProduct: t.Product,
			RootCreatedAt: sec(t.CreatedAt), Length: k + 1, Kinds: []string{analytics.ChainReopened}, Members: []int64{id}})
	}
	rep.Tickets = int64(len(inChain))
	for _, k := range analytics.ChainKinds() {
		rep.ByKind = append(rep.ByKind, *kinds[k])
	}
	analytics.SortChains(top)
	rep.Top = top[:min(len(top), limit)]
	counts := func(m map[string]*analytics.RootCount) []analytics.RootCount {
		out := []analytics.RootCount{}
		for _, c := range m {
			out = append(out, *c)
		}
		analytics.SortRootCounts(out)
		return out[:min(len(out), limit)]
	}
	rep.ByRootCategory, rep.ByRootProduct = counts(byCat), counts(byProd)
	return rep
}

// expectHandoffs follows ExpectBottlenecks' reading of handoffs and
// bounces, per product and per category the ticket had at each version
// started in the period, keeping every ticket with a version there.
func expectHandoffs(lives map[int64][]events.Event, q analytics.RootCauseQuery, limit int) (byProduct, byCategory []analytics.HandoffGroup) {
	type key struct{ dim, val string }
	type sets struct{ tickets, handoff, bounce map[int64]bool }
	seen := map[key]*sets{}
	prod, cat := map[string]*analytics.HandoffGroup{}, map[string]*analytics.HandoffGroup{}
	for id, tevs := range lives {
		last := tevs[len(tevs)-1].Ticket
		if !passes(&last, q.Filters) {
			continue
		}
		before, handoffs := "", 0
		for i, e := range tevs {
			handoff, bounce := false, false
			if i > 0 && e.Ticket.Team != tevs[i-1].Ticket.Team {
				handoff, bounce = true, handoffs > 0 && e.Ticket.Team == before
				before, handoffs = tevs[i-1].Ticket.Team, handoffs+1
			}
			if s := sec(e.At); s.Before(q.From) || !s.Before(q.To) {
				continue
			}
			for _, k := range []key{{"product", e.Ticket.Product}, {"category", e.Ticket.Category}} {
				m := prod
				if k.dim == "category" {
					m = cat
				}
				g, st := group(m, k.val), seen[k]
				if st == nil {
					st = &sets{map[int64]bool{}, map[int64]bool{}, map[int64]bool{}}
					seen[k] = st
				}
				if !st.tickets[id] {
					st.tickets[id] = true
					g.Tickets++
				}
				if handoff {
					g.Handoffs++
					if !st.handoff[id] {
						st.handoff[id] = true
						g.TicketsWithHandoff++
					}
				}
				if bounce {
					g.Bounces++
					if !st.bounce[id] {
						st.bounce[id] = true
						g.PingPongTickets++
					}
				}
			}
		}
	}
	list := func(m map[string]*analytics.HandoffGroup) []analytics.HandoffGroup {
		out := []analytics.HandoffGroup{}
		for _, g := range m {
			out = append(out, *g)
		}
		analytics.SortHandoffGroups(out)
		return out[:min(len(out), limit)]
	}
	return list(prod), list(cat)
}

func group(m map[string]*analytics.HandoffGroup, k string) *analytics.HandoffGroup {
	if m[k] == nil {
		m[k] = &analytics.HandoffGroup{Key: k}
	}
	return m[k]
}

func expectReopens(lives map[int64][]events.Event, q analytics.RootCauseQuery, limit int) analytics.ReopenReport {
	done := func(s string) bool { return s == "resolved" || s == "closed" }
	type key struct{ dim, val string }
	resolved, reopened := map[key]int64{}, map[key]int64{}
	for _, tevs := range lives {
		last := tevs[len(tevs)-1].Ticket
		if !passes(&last, q.Filters) {
			continue
		}
		mine := map[key]bool{} // value -> reopened after some resolution under it
		for i, e := range tevs {
			st := e.Ticket.Status
			if !done(st) || i > 0 && done(tevs[i-1].Ticket.Status) {
				continue
			}
			if s := sec(e.At); s.Before(q.From) || !s.Before(q.To) {
				continue
			}
			again := false
			for _, later := range tevs[i+1:] {
				again = again || !done(later.Ticket.Status)
			}
			for _, k := range []key{{"all", ""}, {"team", e.Ticket.Team}, {"category", e.Ticket.Category}, {"product", e.Ticket.Product}} {
				mine[k] = mine[k] || again
			}
		}
		for k, again := range mine {
			resolved[k]++
			if again {
				reopened[k]++
			}
		}
	}
	rep := analytics.ReopenReport{Resolved: resolved[key{"all", ""}], Reopened: reopened[key{"all", ""}]}
	list := func(dim string) []analytics.ReopenRate {
		out := []analytics.ReopenRate{}
		for k, n := range resolved {
			if k.dim == dim {
				out = append(out, analytics.ReopenRate{Key: k.val, Resolved: n, Reopened: reopened[k]})
			}
		}
		analytics.SortReopenRates(out)
		return out[:min(len(out), limit)]
	}
	rep.ByTeam, rep.ByCategory, rep.ByProduct = list("team"), list("category"), list("product")
	return rep
}

func mapKeys[V any](m map[int64]V) func(func(int64) bool) {
	return func(yield func(int64) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

package analytics

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/deskmine/deskmine/ticketcore/events"
)

// Root causes: ticket chains (tickets joined by links, and tickets reopened
// again and again), handoffs by product and category, and how often
// resolutions are reopened, by team, category and product.
//
// Chains. The tickets of the window are those created in [From, To) whose
// latest state passes Filters. A chain is a connected component of the
// graph whose nodes are the tickets of the window that have links, the
// tickets they link to, and the ancestors of those reached by following
// parent links (duplicate_of, follow_up_of, caused_by) at most MaxChainHops
// links away from the window; its edges are every link of a ticket of the
// window and the parent links of the tickets read beyond it. Links to a
// ticket the store does not hold, and links of a ticket to itself, are no
// edges (the former are counted as dangling). A ticket's parent is the
// target of its first parent link (in the order the links were made) that
// is a node of the graph; the root of a chain is its earliest created
// ticket without a parent (ties: the lowest id), or its earliest created
// ticket when every ticket has one (a cycle). A chain has at least two
// tickets; its length is their number, its kinds the kinds of its edges.
//
// A ticket of the window reopened k times (reopen_count) is a chain of
// k+1 episodes of itself, of kind "reopened", reported beside the link
// chains.
//
// Bounds: the chains read the rows of the window's linked tickets (at most
// MaxChainTickets, else the query is refused naming "to") and of the
// tickets they reach, by id in chunks; each hop beyond the window is one
// more query, at most MaxChainHops. Everything else is aggregated by the
// store.

// RootCauser answers root-cause queries; both stores implement it with the
// same answers for the same history.
type RootCauser interface {
	RootCause(ctx context.Context, q RootCauseQuery) (*RootCauseResult, error)
}

// RootCauseQuery asks for the root-cause picture of [From, To): chains of
// the tickets created in it, handoffs over the state intervals started in
// it, and the resolutions in it that were reopened, for the tickets whose
// latest state passes Filters (the dimensions of PerformanceQuery).
type RootCauseQuery struct {
	From, To time.Time
	Filters  map[string][]string
	Limit    int // rows of every list; default DefaultRootCauseLimit
	// Only, when set, computes one part (RootCauseChains, RootCauseHandoffs
	// or RootCauseReopens) and leaves the others empty: a CSV export of one
	// table need not pay for the rest.
	Only string
}

// Parts of a root-cause answer (RootCauseQuery.Only).
const (
	RootCauseChains   = "chains"
	RootCauseHandoffs = "handoffs"
	RootCauseReopens  = "reopens"
)

// wants reports whether the answer includes part.
func (q *RootCauseQuery) wants(part string) bool { return q.Only == "" || q.Only == part }

// Root-cause limits.
const (
	DefaultRootCauseLimit = 20
	MaxRootCauseLimit     = 1000
	MaxChainTickets       = 100_000 // linked tickets created in the range
	MaxChainHops          = 12      // links followed beyond the window
	MaxChainMembers       = 50      // member ids listed per chain
	ChainFetchChunk       = 20000   // ids per chain-tickets query
)

// Chain kinds: one per link type, and reopened.
const (
	ChainDuplicate = "duplicate"
	ChainFollowUp  = "follow_up"
	ChainCausedBy  = "caused_by"
	ChainRelated   = "related"
	ChainReopened  = "reopened"
)

// ChainKinds lists the kinds in report order.
func ChainKinds() []string {
	return []string{ChainDuplicate, ChainFollowUp, ChainCausedBy, ChainRelated, ChainReopened}
}

// chainKind is the kind of a link type; types this version does not know
// join tickets like related_to.
func chainKind(linkType string) string {
	switch linkType {
	case events.LinkDuplicateOf:
		return ChainDuplicate
	case events.LinkFollowUpOf:
		return ChainFollowUp
	case events.LinkCausedBy:
		return ChainCausedBy
	}
	return ChainRelated
}

// Validate checks the query; errors are *QueryError.
func (q *RootCauseQuery) Validate() error {
	if err := validatePerfRange(q.From, q.To); err != nil {
		return err
	}
	if err := validatePerfFilters(q.Filters); err != nil {
		return err
	}
	if q.Limit < 0 || q.Limit > MaxRootCauseLimit {
		return &QueryError{Field: "limit", Reason: fmt.Sprintf("must be between 1 and %d, got %d", MaxRootCauseLimit, q.Limit)}
	}
	if q.Only != "" && q.Only != RootCauseChains && q.Only != RootCauseHandoffs && q.Only != RootCauseReopens {
		return &QueryError{Field: "only", Reason: fmt.Sprintf("unknown part %q; allowed: %s, %s, %s",
			q.Only, RootCauseChains, RootCauseHandoffs, RootCauseReopens)}
	}
	return nil
}

// Chain is one chain: its root, length and kinds, and its members' ids
// (ascending, at most MaxChainMembers).
type Chain struct {
	RootID        int64
	RootSubject   string
	RootCategory  string
	RootProduct   string
	RootCreatedAt time.Time
	Length        int64
	Kinds         []string // in ChainKinds order
	Members       []int64
}

// ChainKindCount is the chains having one kind, and their tickets (the
// sum of their lengths; for reopened, episodes).
type ChainKindCount struct {
	Kind    string
	Chains  int64
	Tickets int64
}

// RootCount is what the roots with one category (or product) spawned:
// chains rooted there, the other tickets of its link chains (follow-ons)
// and the reopens of its reopened tickets.
type RootCount struct {
	Key       string
	Chains    int64
	FollowOns int64
	Reopens   int64
}

// ChainReport is the chains part of a RootCauseResult. Top is ordered by
// length (descending), root id, link chains before reopen chains; root
// counts by follow-ons, reopens, chains (all descending), then key.
type ChainReport struct {
	Chains         int64 // link chains and reopen chains
	Tickets        int64 // distinct tickets in any chain
	Longest        int64
	DanglingLinks  int64 // links of the window's tickets to tickets the store does not hold
	ByKind         []ChainKindCount
	Top            []Chain
	ByRootCategory []RootCount
	ByRootProduct  []RootCount
}

// HandoffGroup is the handoffs of the tickets of one product or category
// (their latest state) over the state intervals started in the period,
// counted as BottleneckFinder counts them.
type HandoffGroup struct {
	Key                string
	Tickets            int64 // tickets with an interval started in the period
	TicketsWithHandoff int64
	Handoffs           int64
	PingPongTickets    int64 // tickets bouncing A -> B -> A at least once
	Bounces            int64
}

// PerTicket is handoffs per ticket.
func (h HandoffGroup) PerTicket() float64 { return perfRatio(h.Handoffs, h.Tickets) }

// ReopenRate is, for one value of a dimension (the team, category or
// product in force when the ticket was resolved), the tickets resolved in
// the period and how many of them were reopened after such a resolution.
// A resolution is a state interval in a done status (resolved, closed)
// that started in the period and whose previous interval was not done; it
// is reopened when a later interval of the ticket is not done.
type ReopenRate struct {
	Key      string
	Resolved int64
	Reopened int64
}

// Rate is reopened / resolved.
func (r ReopenRate) Rate() float64 { return perfRatio(r.Reopened, r.Resolved) }

// ReopenReport is the reopens part of a RootCauseResult; lists are
// ordered by reopened, resolved (both descending), then key.
type ReopenReport struct {
	Resolved   int64
	Reopened   int64
	ByTeam     []ReopenRate
	ByCategory []ReopenRate
	ByProduct  []ReopenRate
}

// Rate is reopened / resolved over all tickets.
func (r ReopenReport) Rate() float64 { return perfRatio(r.Reopened, r.Resolved) }

// RootCauseResult answers a RootCauseQuery; handoff groups are ordered by
// handoffs, tickets (both descending), then key. Every list holds at most
// the query's limit.
type RootCauseResult struct {
	From, To           time.Time
	Chains             ChainReport
	Reopens            ReopenReport
	HandoffsByProduct  []HandoffGroup
	HandoffsByCategory []HandoffGroup
}

// ChainTicket is a ticket as the chains read it: its latest state.
type ChainTicket struct {
	ID          int64
	CreatedAt   time.Time
	Links       []events.Link
	Category    string
	Product     string
	Subject     string
	ReopenCount int64
	InScope     bool // created in [From, To) and passing the filters
}

// parseLinks reads the links the stores return as one string (SQL has no
// portable way to hand over two parallel arrays): links separated by
// BounceSep, a link's type and target by PairSep, control characters that
// link types do not contain.
func parseLinks(s string) ([]events.Link, error) {
	if s == "" {
		return nil, nil
	}
	var out []events.Link
	for l := range strings.SplitSeq(s, BounceSep) {
		typ, id, ok := strings.Cut(l, PairSep)
		n, err := strconv.ParseInt(id, 10, 64)
		if !ok || err != nil {
			return nil, fmt.Errorf("bad link %q", l)
		}
		out = append(out, events.Link{Type: typ, TicketID: n})
	}
	return out, nil
}

// RootCauseQueryNames are the queries every store's queries_rootcause.sql
// defines, each with a params line (see BindNamed).
func RootCauseQueryNames() []string {
	return []string{"chain-seeds", "chain-tickets", "chain-reopen-top", "chain-reopen-groups",
		"rootcause-handoffs", "rootcause-reopens"}
}

// RunRootCause answers q with a store's queries (RootCauseQueryNames)
// through run. Parameters: from and to (unix seconds, rounded up), filters
// (PerfFilterArgs), limit, seed_limit, ids (a list of ticket ids).
func RunRootCause(ctx context.Context, run QueryFunc, qs map[string]string, q RootCauseQuery) (*RootCauseResult, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	limit := cmp.Or(q.Limit, DefaultRootCauseLimit)
	vals := map[string][]any{
		"from": {ceilUnix(q.From)}, "to": {ceilUnix(q.To)}, "filters": PerfFilterArgs(q.Filters),
		"limit": {int64(limit)}, "seed_limit": {int64(MaxChainTickets + 1)},
	}
	each := func(name string, vals map[string][]any, scan func(ResultRows) error) error {
		args, err := BindNamed(name, qs[name], vals)
		if err != nil {
			return err
		}
		return ScanAll(ctx, run, name, qs[name], args, scan)
	}
	scanChain := func(out *[]ChainTicket) func(ResultRows) error {
		return func(rows ResultRows) error {
			var t ChainTicket
			var created, inScope int64
			var links string
			if err := rows.Scan(&t.ID, &created, &links, &t.Category, &t.Product, &t.Subject, &t.ReopenCount, &inScope); err != nil {
				return err
			}
			var err error
			if t.Links, err = parseLinks(links); err != nil {
				return fmt.Errorf("ticket %d: %w", t.ID, err)
			}
			t.CreatedAt, t.InScope = time.Unix(created, 0).UTC(), inScope == 1
			*out = append(*out, t)
			return nil
		}
	}

	// The chains, the handoffs and the reopens are independent: side by side
	// they take the time of the slowest.
	res := &RootCauseResult{From: q.From, To: q.To}
	rates := map[string][]ReopenRate{}
	errs := make([]error, 3)
	var wg sync.WaitGroup
	if q.wants(RootCauseChains) {
		wg.Go(func() { res.Chains, errs[0] = rootChains(each, scanChain, vals, limit) })
	}
	if q.wants(RootCauseHandoffs) {
		wg.Go(func() { errs[1] = rootHandoffs(each, vals, limit, res) })
	}
	if q.wants(RootCauseReopens) {
		wg.Go(func() {
			errs[2] = each("rootcause-reopens", vals, func(rows ResultRows) error {
				var dim string
				var r ReopenRate
				if err := rows.Scan(&dim, &r.Key, &r.Resolved, &r.Reopened); err != nil {
					return err
				}
				rates[dim] = append(rates[dim], r)
				return nil
			})
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, firstQueryError(errs, err)
	}
	res.Reopens = buildReopens(rates, limit)
	return res, nil
}

// rootHandoffs reads the handoffs by product and by category into res.
func rootHandoffs(each func(string, map[string][]any, func(ResultRows) error) error,
	vals map[string][]any, limit int, res *RootCauseResult) error {
	byProduct, byCategory := map[string]*HandoffGroup{}, map[string]*HandoffGroup{}
	err := each("rootcause-handoffs", vals, func(rows ResultRows) error {
		var dim string
		var h HandoffGroup
		if err := rows.Scan(&dim, &h.Key, &h.Tickets, &h.TicketsWithHandoff, &h.Handoffs, &h.PingPongTickets, &h.Bounces); err != nil {
			return err
		}
		switch dim {
		case HandoffProduct:
			byProduct[h.Key] = &h
		case HandoffCategory:
			byCategory[h.Key] = &h
		}
		return nil
	})
	res.HandoffsByProduct, res.HandoffsByCategory = sortedHandoffs(byProduct, limit), sortedHandoffs(byCategory, limit)
	return err
}

// rootChains reads the chains of the window: the seeds, the graph around
// them, the most reopened tickets and the reopen groups.
func rootChains(each func(string, map[string][]any, func(ResultRows) error) error,
	scanChain func(*[]ChainTicket) func(ResultRows) error, vals map[string][]any, limit int) (ChainReport, error) {
	var seeds []ChainTicket
	if err := each("chain-seeds", vals, scanChain(&seeds)); err != nil {
		return ChainReport{}, err
	}
	if len(seeds) > MaxChainTickets {
		return ChainReport{}, &QueryError{Field: "to", Reason: fmt.Sprintf(
			"more than %d tickets with links were created in [from, to); narrow the range or filter", MaxChainTickets)}
	}
	fetch := func(ids []int64) ([]ChainTicket, error) {
		var out []ChainTicket
		for chunk := range slices.Chunk(ids, ChainFetchChunk) {
			v := map[string][]any{"ids": {slices.Clone(chunk)}}
			for k, x := range vals {
				v[k] = x
			}
			if err := each("chain-tickets", v, scanChain(&out)); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	g, err := readChainGraph(seeds, fetch)
	if err != nil {
		return ChainReport{}, err
	}
	var reopenTop []ChainTicket
	if err := each("chain-reopen-top", vals, scanChain(&reopenTop)); err != nil {
		return ChainReport{}, err
	}
	var groups []reopenGroup
	err = each("chain-reopen-groups", vals, func(rows ResultRows) error {
		var r reopenGroup
		if err := rows.Scan(&r.Category, &r.Product, &r.Tickets, &r.Reopens); err != nil {
			return err
		}
		groups = append(groups, r)
		return nil
	})
	if err != nil {
		return ChainReport{}, err
	}
	return g.report(reopenTop, groups, limit), nil
}

// firstQueryError keeps a refusal (*QueryError) of any part as the answer's
// error, so that it still maps to a 400; else all errors joined.
func firstQueryError(errs []error, joined error) error {
	for _, err := range errs {
		var qe *QueryError
		if errors.As(err, &qe) {
			return err
		}
	}
	return joined
}

func sortedHandoffs(m map[string]*HandoffGroup, limit int) []HandoffGroup {
	out := make([]HandoffGroup, 0, len(m))
	for _, g := range m {
		out = append(out, *g)
	}
	SortHandoffGroups(out)
	return out[:min(len(out), limit)]
}

// SortHandoffGroups orders groups by handoffs, tickets (both descending), then key.
func SortHandoffGroups(gs []HandoffGroup) {
	slices.SortFunc(gs, func(a, b HandoffGroup) int {
		return cmp.Or(cmp.Compare(b.Handoffs, a.Handoffs), cmp.Compare(b.Tickets, a.Tickets), cmp.Compare(a.Key, b.Key))
	})
}

// Dimensions of the reopen query's rows: one total ("all", key "") and one
// row per value of each dimension.
const (
	reopenAll      = "all"
	reopenTeam     = "team"
	reopenCategory = "category"
	reopenProduct  = "product"
)

func buildReopens(rates map[string][]ReopenRate, limit int) ReopenReport {
	var r ReopenReport
	for _, t := range rates[reopenAll] {
		r.Resolved, r.Reopened = r.Resolved+t.Resolved, r.Reopened+t.Reopened
	}
	list := func(dim string) []ReopenRate {
		out := append([]ReopenRate{}, rates[dim]...)
		SortReopenRates(out)
		return out[:min(len(out), limit)]
	}
	r.ByTeam, r.ByCategory, r.ByProduct = list(reopenTeam), list(reopenCategory), list(reopenProduct)
	return r
}

// SortReopenRates orders rates by reopened, resolved (both descending), then key.
func SortReopenRates(rs []ReopenRate) {
	slices.SortFunc(rs, func(a, b ReopenRate) int {
		return cmp.Or(cmp.Compare(b.Reopened, a.Reopened), cmp.Compare(b.Resolved, a.Resolved), cmp.Compare(a.Key, b.Key))
	})
}

// reopenGroup is the reopened tickets of the window with one category and
// product: how many, and their reopens.
type reopenGroup struct {
	Category, Product string
	Tickets, Reopens  int64
}

// chainGraph is what the chains read: the tickets (seeds: the window's
// tickets with links; the rest: reached from them) and the ids asked for
// that the store does not hold.
type chainGraph struct {
	rows     map[int64]*ChainTicket
	seed     map[int64]bool
	missing  map[int64]bool
	dangling int64
}

// readChainGraph reads, from the seeds, the tickets they link to and then,
// hop by hop, the parents of the tickets read in the previous hop, at most
// MaxChainHops hops.
func readChainGraph(seeds []ChainTicket, fetch func(ids []int64) ([]ChainTicket, error)) (*chainGraph, error) {
	g := &chainGraph{rows: map[int64]*ChainTicket{}, seed: map[int64]bool{}, missing: map[int64]bool{}}
	for i := range seeds {
		g.rows[seeds[i].ID], g.seed[seeds[i].ID] = &seeds[i], true
	}
	queued := map[int64]bool{}
	var next []int64
	want := func(id int64) {
		if g.rows[id] == nil && !g.missing[id] && !queued[id] {
			queued[id] = true
			next = append(next, id)
		}
	}
	for _, s := range seeds {
		for _, l := range s.Links {
			if l.TicketID != s.ID {
				want(l.TicketID)
			}
		}
	}
	for hop := 1; len(next) > 0; hop++ {
		slices.Sort(next)
		got, err := fetch(next)
		if err != nil {
			return nil, err
		}
		for i := range got {
			if g.rows[got[i].ID] == nil {
				g.rows[got[i].ID] = &got[i]
			}
		}
		for _, id := range next {
			if g.rows[id] == nil {
				g.missing[id] = true
			}
		}
		next = nil
		if hop == MaxChainHops {
			break
		}
		for _, r := range got {
			for _, l := range r.Links {
				if events.ParentLink(l.Type) && l.TicketID != r.ID {
					want(l.TicketID)
				}
			}
		}
	}
	for _, s := range seeds {
		for _, l := range s.Links {
			if l.TicketID != s.ID && g.missing[l.TicketID] {
				g.dangling++
			}
		}
	}
	return g, nil
}

// edge reports whether the link l of ticket id is an edge of the graph.
func (g *chainGraph) edge(id int64, l events.Link) bool {
	return l.TicketID != id && g.rows[l.TicketID] != nil && (g.seed[id] || events.ParentLink(l.Type))
}

// parent is the ticket's parent in the graph, 0 for none.
func (g *chainGraph) parent(t *ChainTicket) int64 {
	for _, l := range t.Links {
		if events.ParentLink(l.Type) && g.edge(t.ID, l) {
			return l.TicketID
		}
	}
	return 0
}

// chains returns the link chains, in no particular order, and the ids of
// all their members. Tickets are numbered in id order so that the union-find,
// the kinds and the components are slices, not maps: a month's graph has
// tens of thousands of tickets.
func (g *chainGraph) chains() ([]Chain, []int64) {
	ids := slices.Sorted(maps.Keys(g.rows))
	at := make(map[int64]int32, len(ids))
	for i, id := range ids {
		at[id] = int32(i)
	}
	up := make([]int32, len(ids))
	for i := range up {
		up[i] = int32(i)
	}
	find := func(x int32) int32 {
		for up[x] != x {
			up[x] = up[up[x]]
			x = up[x]
		}
		return x
	}
	kindBits := map[string]uint8{}
	for i, k := range ChainKinds() {
		kindBits[k] = 1 << i
	}
	kinds := make([]uint8, len(ids)) // the kinds of each ticket's edges
	for i, id := range ids {
		for _, l := range g.rows[id].Links {
			if !g.edge(id, l) {
				continue
			}
			if a, b := find(int32(i)), find(at[l.TicketID]); a != b {
				up[max(a, b)] = min(a, b)
			}
			kinds[i] |= kindBits[chainKind(l.Type)]
		}
	}
	// Components in id order, each with its members in id order.
	size := make([]int32, len(ids))
	for i := range ids {
		size[find(int32(i))]++
	}
	var members []int64
	var out []Chain
	type build struct {
		kinds  uint8
		orphan bool // the root so far has no parent
	}
	var state []build
	comp := map[int32]int{} // root -> index in out
	for i, id := range ids {
		r := find(int32(i))
		if size[r] < 2 {
			continue
		}
		members = append(members, id)
		t := g.rows[id]
		c, ok := comp[r]
		if !ok {
			c = len(out)
			comp[r] = c
			out = append(out, Chain{Length: int64(size[r]), RootID: -1})
			state = append(state, build{})
		}
		ch, st := &out[c], &state[c]
		if len(ch.Members) < MaxChainMembers {
			ch.Members = append(ch.Members, id)
		}
		st.kinds |= kinds[i]
		// The root: the earliest created ticket without a parent (ties: the
		// lowest id), or the earliest of all when every one has a parent;
		// ids come in order, so a later ticket wins only by being earlier.
		orphan := g.parent(t) == 0
		if ch.RootID < 0 || (orphan && !st.orphan) ||
			(orphan == st.orphan && t.CreatedAt.Before(ch.RootCreatedAt)) {
			ch.RootID, ch.RootSubject, ch.RootCategory, ch.RootProduct, ch.RootCreatedAt = t.ID, t.Subject, t.Category, t.Product, t.CreatedAt
			st.orphan = orphan
		}
	}
	for i := range out {
		for b, k := range ChainKinds() {
			if state[i].kinds&(1<<b) != 0 {
				out[i].Kinds = append(out[i].Kinds, k)
			}
		}
	}
	return out, members
}

// report puts the link chains and the reopen chains (the top ones, and the
// store's counts by category and product) together.
func (g *chainGraph) report(reopenTop []ChainTicket, groups []reopenGroup, limit int) ChainReport {
	links, members := g.chains()
	rep := ChainReport{DanglingLinks: g.dangling}
	kinds := map[string]*ChainKindCount{}
	for _, k := range ChainKinds() {
		kinds[k] = &ChainKindCount{Kind: k}
	}
	byCat, byProd := map[string]*RootCount{}, map[string]*RootCount{}
	count := func(m map[string]*RootCount, key string) *RootCount {
		if m[key] == nil {
			m[key] = &RootCount{Key: key}
		}
		return m[key]
	}
	for _, c := range links {
		rep.Chains++
		rep.Longest = max(rep.Longest, c.Length)
		for _, k := range c.Kinds {
			kinds[k].Chains++
			kinds[k].Tickets += c.Length
		}
		for _, rc := range []*RootCount{count(byCat, c.RootCategory), count(byProd, c.RootProduct)} {
			rc.Chains++
			rc.FollowOns += c.Length - 1
		}
	}
	rep.Tickets = int64(len(members))
	for _, gr := range groups {
		rep.Chains += gr.Tickets
		rep.Tickets += gr.Tickets
		kinds[ChainReopened].Chains += gr.Tickets
		kinds[ChainReopened].Tickets += gr.Tickets + gr.Reopens
		for _, rc := range []*RootCount{count(byCat, gr.Category), count(byProd, gr.Product)} {
			rc.Chains += gr.Tickets
			rc.Reopens += gr.Reopens
		}
	}
	// A reopened ticket of the window in a link chain is one ticket.
	for _, id := range members {
		if t := g.rows[id]; t.InScope && t.ReopenCount > 0 {
			rep.Tickets--
		}
	}
	for _, k := range ChainKinds() {
		rep.ByKind = append(rep.ByKind, *kinds[k])
	}
	top := append([]Chain{}, links...)
	for _, t := range reopenTop {
		rep.Longest = max(rep.Longest, t.ReopenCount+1)
		top = append(top, Chain{RootID: t.ID, RootSubject: t.Subject, RootCategory: t.Category, RootProduct: t.Product,
			RootCreatedAt: t.CreatedAt, Length: t.ReopenCount + 1, Kinds: []string{ChainReopened}, Members: []int64{t.ID}})
	}
	SortChains(top)
	rep.Top = top[:min(len(top), limit)]
	rep.ByRootCategory, rep.ByRootProduct = sortedRootCounts(byCat, limit), sortedRootCounts(byProd, limit)
	return rep
}

// SortChains orders chains by length (descending), root id, link chains
// before reopen chains.
func SortChains(cs []Chain) {
	reopen := func(c Chain) bool { return slices.Equal(c.Kinds, []string{ChainReopened}) }
	slices.SortFunc(cs, func(a, b Chain) int {
		ra, rb := reopen(a), reopen(b)
		o := 0
		if ra != rb {
			o = 1
			if rb {
				o = -1
			}
		}
		return cmp.Or(cmp.Compare(b.Length, a.Length), cmp.Compare(a.RootID, b.RootID), o)
	})
}

func sortedRootCounts(m map[string]*RootCount, limit int) []RootCount {
	out := make([]RootCount, 0, len(m))
	for _, c := range m {
		out = append(out, *c)
	}
	SortRootCounts(out)
	return out[:min(len(out), limit)]
}

// SortRootCounts orders by follow-ons, reopens, chains (all descending), then key.
func SortRootCounts(rs []RootCount) {
	slices.SortFunc(rs, func(a, b RootCount) int {
		return cmp.Or(cmp.Compare(b.FollowOns, a.FollowOns), cmp.Compare(b.Reopens, a.Reopens),
			cmp.Compare(b.Chains, a.Chains), cmp.Compare(a.Key, b.Key))
	})
}

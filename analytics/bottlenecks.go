package analytics

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"
)

// BottleneckFinder answers bottleneck queries; both stores implement it
// with the same answers for the same history.
type BottleneckFinder interface {
	Bottlenecks(ctx context.Context, q BottleneckQuery) (*BottleneckResult, error)
}

// BottleneckQuery asks where tickets spend their time and bounce between
// teams, over the state intervals that started in [From, To) of the tickets
// whose latest state passes Filters (the dimensions of PerformanceQuery).
type BottleneckQuery struct {
	From, To time.Time
	Filters  map[string][]string
}

// Validate checks the query; errors are *QueryError.
func (q *BottleneckQuery) Validate() error {
	if err := validatePerfRange(q.From, q.To); err != nil {
		return err
	}
	return validatePerfFilters(q.Filters)
}

// Status sets of waiting and working time: a ticket in a waiting status
// waits on the customer or a third party; in a working status it is on the
// team's desk. Other statuses (resolved, closed, unknown ones) are neither.
var (
	WaitingStatuses = []string{"pending"}
	WorkingStatuses = []string{"new", "open"}
)

// MaxPingPongTickets bounds BottleneckResult.PingPongTickets.
const MaxPingPongTickets = 20

// StatusTime is the time tickets spent in one status with one team:
// closed intervals only (an open one has no duration yet).
type StatusTime struct {
	Team, Status string
	TotalMs      int64
	Intervals    int64
	P50Ms        int64 // Percentile(durations, 50)
}

// TeamTime is a team's waiting and working time (see WaitingStatuses).
type TeamTime struct {
	Team      string
	WaitingMs int64
	WorkingMs int64
}

// TicketHandoffs is one ticket's team sequence in the period: handoffs are
// changes of team between consecutive intervals (by version), bounces the
// A -> B -> A returns, each named by its team pair, in order.
type TicketHandoffs struct {
	TicketID          int64
	Product, Category string // latest state
	Handoffs          int64
	Bounces           []TeamPair
}

// TeamPair is an unordered pair of teams, A < B.
type TeamPair struct{ A, B string }

// NewTeamPair orders the pair.
func NewTeamPair(x, y string) TeamPair {
	if y < x {
		x, y = y, x
	}
	return TeamPair{A: x, B: y}
}

// HandoffCount is the handoffs of the tickets of one product or category.
type HandoffCount struct {
	Key      string
	Tickets  int64 // tickets with at least one handoff
	Handoffs int64
}

// PingPong is the bounces between one pair of teams.
type PingPong struct {
	Pair    TeamPair
	Tickets int64 // tickets bouncing between the pair at least once
	Bounces int64
}

// BottleneckResult answers a BottleneckQuery. Lists are ordered: status
// times by team then status; team times by team; handoff counts by
// handoffs (descending) then key; ping-pong pairs by bounces (descending),
// tickets (descending) then pair; tickets by bounces (descending) then id.
type BottleneckResult struct {
	StatusTimes        []StatusTime
	TeamTimes          []TeamTime
	HandoffsByProduct  []HandoffCount
	HandoffsByCategory []HandoffCount
	PingPong           []PingPong
	PingPongTickets    []TicketHandoffs // at most MaxPingPongTickets
	TicketsPingPong    int64            // tickets with at least one bounce, all of them
	TicketsWithHandoff int64
	Handoffs           int64
}

// BuildBottlenecks assembles the answer from the stores' two queries: the
// status times and the tickets with at least one handoff.
func BuildBottlenecks(times []StatusTime, tickets []TicketHandoffs) *BottleneckResult {
	r := &BottleneckResult{StatusTimes: times, TeamTimes: []TeamTime{}, HandoffsByProduct: []HandoffCount{},
		HandoffsByCategory: []HandoffCount{}, PingPong: []PingPong{}, PingPongTickets: []TicketHandoffs{}}
	slices.SortFunc(r.StatusTimes, func(a, b StatusTime) int {
		return cmp.Or(cmp.Compare(a.Team, b.Team), cmp.Compare(a.Status, b.Status))
	})
	for _, st := range r.StatusTimes {
		if n := len(r.TeamTimes); n == 0 || r.TeamTimes[n-1].Team != st.Team {
			r.TeamTimes = append(r.TeamTimes, TeamTime{Team: st.Team})
		}
		tt := &r.TeamTimes[len(r.TeamTimes)-1]
		switch {
		case slices.Contains(WaitingStatuses, st.Status):
			tt.WaitingMs += st.TotalMs
		case slices.Contains(WorkingStatuses, st.Status):
			tt.WorkingMs += st.TotalMs
		}
	}
	byProduct, byCategory := map[string]*HandoffCount{}, map[string]*HandoffCount{}
	pairs := map[TeamPair]*PingPong{}
	add := func(m map[string]*HandoffCount, k string, n int64) {
		c := m[k]
		if c == nil {
			c = &HandoffCount{Key: k}
			m[k] = c
		}
		c.Tickets++
		c.Handoffs += n
	}
	for _, t := range tickets {
		if t.Handoffs == 0 {
			continue
		}
		r.TicketsWithHandoff++
		r.Handoffs += t.Handoffs
		add(byProduct, t.Product, t.Handoffs)
		add(byCategory, t.Category, t.Handoffs)
		seen := map[TeamPair]bool{}
		for _, p := range t.Bounces {
			pp := pairs[p]
			if pp == nil {
				pp = &PingPong{Pair: p}
				pairs[p] = pp
			}
			pp.Bounces++
			if !seen[p] {
				seen[p] = true
				pp.Tickets++
			}
		}
		if len(t.Bounces) > 0 {
			r.PingPongTickets = append(r.PingPongTickets, t)
			r.TicketsPingPong++
		}
	}
	r.HandoffsByProduct = sortedCounts(byProduct)
	r.HandoffsByCategory = sortedCounts(byCategory)
	for _, p := range pairs {
		r.PingPong = append(r.PingPong, *p)
	}
	sortPingPong(r.PingPong)
	sortPingPongTickets(r.PingPongTickets)
	if len(r.PingPongTickets) > MaxPingPongTickets {
		r.PingPongTickets = r.PingPongTickets[:MaxPingPongTickets]
	}
	return r
}

// HandoffAggregate is one row of a store's aggregated handoffs (the
// intervals started in the period whose team differs from the version
// before, see Flow): Dim is "all", "product" or "category" (Key the
// product or category the ticket had at the handoff), "pair" (the bounces
// between Key and Key2, Key < Key2) or "bounced" (all bounces); Tickets is
// the distinct tickets, N the handoffs or bounces.
type HandoffAggregate struct {
	Dim, Key, Key2 string
	Tickets, N     int64
}

// Dimensions of HandoffAggregate.
const (
	HandoffAll      = "all"
	HandoffProduct  = "product"
	HandoffCategory = "category"
	HandoffPair     = "pair"
	HandoffBounced  = "bounced"
)

// AssembleBottlenecks builds the answer from the stores' aggregates: the
// status times, the handoff aggregates and the tickets that bounced most
// (at most MaxPingPongTickets, with their handoffs and bounces in the
// period), in the orders of BottleneckResult.
func AssembleBottlenecks(times []StatusTime, aggs []HandoffAggregate, top []TicketHandoffs) *BottleneckResult {
	r := BuildBottlenecks(times, nil)
	byProduct, byCategory := map[string]*HandoffCount{}, map[string]*HandoffCount{}
	for _, a := range aggs {
		switch a.Dim {
		case HandoffAll:
			r.TicketsWithHandoff, r.Handoffs = a.Tickets, a.N
		case HandoffProduct:
			byProduct[a.Key] = &HandoffCount{Key: a.Key, Tickets: a.Tickets, Handoffs: a.N}
		case HandoffCategory:
			byCategory[a.Key] = &HandoffCount{Key: a.Key, Tickets: a.Tickets, Handoffs: a.N}
		case HandoffPair:
			r.PingPong = append(r.PingPong, PingPong{Pair: NewTeamPair(a.Key, a.Key2), Tickets: a.Tickets, Bounces: a.N})
		case HandoffBounced:
			r.TicketsPingPong = a.Tickets
		}
	}
	r.HandoffsByProduct = sortedCounts(byProduct)
	r.HandoffsByCategory = sortedCounts(byCategory)
	sortPingPong(r.PingPong)
	r.PingPongTickets = append(r.PingPongTickets, top...)
	sortPingPongTickets(r.PingPongTickets)
	if len(r.PingPongTickets) > MaxPingPongTickets {
		r.PingPongTickets = r.PingPongTickets[:MaxPingPongTickets]
	}
	return r
}

// BottleneckArgs are the arguments of a store's three bottleneck
// statements, which differ per store in how they bind the period.
type BottleneckArgs struct {
	StatusTimes, Handoffs, Top []any
}

// RunBottlenecks runs a store's statements "bottleneck-status-times",
// "bottleneck-handoffs" and "bottleneck-top" (qs) side by side, they are
// independent, and assembles the answer.
func RunBottlenecks(ctx context.Context, run QueryFunc, qs map[string]string, args BottleneckArgs) (*BottleneckResult, error) {
	times := []StatusTime{}
	var aggs []HandoffAggregate
	var top []TicketHandoffs
	errs := make([]error, 3)
	var wg sync.WaitGroup
	each := func(i int, name string, args []any, fn func(ResultRows) error) {
		wg.Go(func() { errs[i] = ScanAll(ctx, run, name, qs[name], args, fn) })
	}
	each(0, "bottleneck-status-times", args.StatusTimes, func(rows ResultRows) error {
		var st StatusTime
		if err := rows.Scan(&st.Team, &st.Status, &st.TotalMs, &st.Intervals, &st.P50Ms); err != nil {
			return err
		}
		times = append(times, st)
		return nil
	})
	each(1, "bottleneck-handoffs", args.Handoffs, func(rows ResultRows) error {
		var a HandoffAggregate
		if err := rows.Scan(&a.Dim, &a.Key, &a.Key2, &a.Tickets, &a.N); err != nil {
			return err
		}
		aggs = append(aggs, a)
		return nil
	})
	each(2, "bottleneck-top", args.Top, func(rows ResultRows) error {
		var t TicketHandoffs
		var bounces string
		if err := rows.Scan(&t.TicketID, &t.Product, &t.Category, &t.Handoffs, &bounces); err != nil {
			return err
		}
		t.Bounces = ParseBounces(bounces)
		top = append(top, t)
		return nil
	})
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return AssembleBottlenecks(times, aggs, top), nil
}

func sortPingPong(ps []PingPong) {
	slices.SortFunc(ps, func(a, b PingPong) int {
		return cmp.Or(cmp.Compare(b.Bounces, a.Bounces), cmp.Compare(b.Tickets, a.Tickets),
			cmp.Compare(a.Pair.A, b.Pair.A), cmp.Compare(a.Pair.B, b.Pair.B))
	})
}

func sortPingPongTickets(ts []TicketHandoffs) {
	slices.SortFunc(ts, func(a, b TicketHandoffs) int {
		return cmp.Or(cmp.Compare(len(b.Bounces), len(a.Bounces)), cmp.Compare(a.TicketID, b.TicketID))
	})
}

func sortedCounts(m map[string]*HandoffCount) []HandoffCount {
	out := make([]HandoffCount, 0, len(m))
	for _, c := range m {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b HandoffCount) int {
		return cmp.Or(cmp.Compare(b.Handoffs, a.Handoffs), cmp.Compare(a.Key, b.Key))
	})
	return out
}

// Separators of the bounce list the stores return as one string: pairs are
// separated by BounceSep, the two teams of a pair by PairSep (control
// characters, which team names do not contain).
const (
	BounceSep = "\x1e"
	PairSep   = "\x1f"
)

// ParseBounces reads the stores' bounce list ("" for none).
func ParseBounces(s string) []TeamPair {
	if s == "" {
		return nil
	}
	var out []TeamPair
	for b := range strings.SplitSeq(s, BounceSep) {
		x, y, _ := strings.Cut(b, PairSep)
		out = append(out, NewTeamPair(x, y))
	}
	return out
}

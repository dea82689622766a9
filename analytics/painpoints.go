package analytics

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Pain points by segment: for each value of a customer segment (tier,
// region, organisation, channel or priority), the values of another
// dimension that are more frequent among the segment's tickets than among
// all tickets, with how those tickets went (reopened, SLA breached, time to
// resolve, CSAT).
//
// Among the tickets created in [From, To) that pass the filters ("all
// tickets"), a cell is a segment value s and a value v of By. Its share is
// its tickets over the segment's tickets, its overall share the tickets
// with v over all tickets, its lift share / overall share. A cell is a pain
// point when it has at least MinTickets tickets and a lift above 1; pain
// points are ranked by score = lift * tickets (over-representation weighed
// by volume: a small, extreme cell does not outrank a large, clearly
// over-represented one), then tickets (descending), then value. For the
// tag dimension a ticket counts once per tag, so shares are of tickets and
// may add up to more than 1. Every figure is of the tickets' latest state.

// PainPointer answers pain-point queries; both stores implement it with
// the same answers for the same history (analytics/storetest.RunPainPoints).
type PainPointer interface {
	PainPoints(ctx context.Context, q PainQuery) (*PainResult, error)
}

// PainSegments are the dimensions a PainQuery may segment by; each is its
// column of the tickets table (customer_org is the customer's
// organisation).
func PainSegments() []string {
	return []string{"channel", "customer_org", "customer_tier", "priority", "region"}
}

// Pain point defaults and limits.
const (
	DefaultPainLimit      = 5
	MaxPainLimit          = 100
	DefaultPainSegments   = 20
	MaxPainSegments       = 1000
	DefaultPainMinTickets = 5
	MaxPainMinTickets     = 1_000_000
)

// PainQuery asks for the pain points of each value of a segment.
type PainQuery struct {
	Segment    string              // one of PainSegments()
	By         string              // the dimension whose values may hurt: Dimensions() or cf.<name>; default category
	From, To   time.Time           // tickets created in [From, To); at most 2 years
	Filters    map[string][]string // as HotspotQuery.Filters
	Limit      int                 // pain points per segment value; default 5, at most 100
	Segments   int                 // segment values with the most tickets; default 20, at most 1000
	MinTickets int                 // least tickets of a pain point; default 5
}

// PainCell is what a store counts for one segment value and value of By.
type PainCell struct {
	Segment, Value string
	Tickets        int64
	Reopened       int64 // tickets reopened at least once
	Breached       int64 // tickets with an SLA breach
	Resolved       int64 // tickets resolved (or closed) now
	ResolveP50Ms   int64 // median created -> resolved of those, by Percentile's rule; 0 when none
	CSATRated      int64 // tickets the customer rated
	CSATSum        int64 // sum of those ratings
}

// PainPoint is a value of By over-represented in a segment.
type PainPoint struct {
	PainCell
	Share            float64 // Tickets / the segment's tickets
	OverallTickets   int64   // all tickets with the value
	OverallShare     float64 // OverallTickets / all tickets
	Lift             float64 // Share / OverallShare
	Score            float64 // Lift * Tickets
	ReopenRate       float64 // Reopened / Tickets
	SLABreachRate    float64 // Breached / Tickets
	CSATAverage      float64 // CSATSum / CSATRated; 0 when none rated
	CSATResponseRate float64 // CSATRated / Tickets
	Finding          string  // the pain point for people
}

// PainSegment is one value of the segment and its pain points, best first.
type PainSegment struct {
	Value   string
	Tickets int64
	Share   float64 // Tickets / all tickets
	Points  []PainPoint
}

// PainResult answers a PainQuery: the segment values with the most
// tickets, in that order (then by value).
type PainResult struct {
	Query    PainQuery // the query with its defaults filled in
	Tickets  int64     // all tickets
	Segments []PainSegment
}

// painPlan is a validated PainQuery.
type painPlan struct {
	q        PainQuery
	segCol   string
	byCol    string
	exploded bool
	from, to int64
	filters  []HotspotFilter
}

// PlanPainPoints validates q and fills in its defaults.
func PlanPainPoints(q PainQuery) (*PainQuery, error) {
	p, err := planPainPoints(q)
	if err != nil {
		return nil, err
	}
	return &p.q, nil
}

func planPainPoints(q PainQuery) (*painPlan, error) {
	q.By = cmp.Or(q.By, "category")
	q.Limit = cmp.Or(q.Limit, DefaultPainLimit)
	q.Segments = cmp.Or(q.Segments, DefaultPainSegments)
	q.MinTickets = cmp.Or(q.MinTickets, DefaultPainMinTickets)
	p := &painPlan{}
	if !slices.Contains(PainSegments(), q.Segment) {
		return nil, hotspotErr("segment", "unknown segment %q; allowed: %s", q.Segment, strings.Join(PainSegments(), ", "))
	}
	p.segCol = q.Segment
	var err error
	if p.byCol, err = ResolveDimension("by", q.By); err != nil {
		return nil, err
	}
	if p.byCol == p.segCol {
		return nil, hotspotErr("by", "must differ from the segment %q", q.Segment)
	}
	p.exploded = p.byCol == "tag"
	switch {
	case q.Limit < 1 || q.Limit > MaxPainLimit:
		return nil, hotspotErr("limit", "must be between 1 and %d, got %d", MaxPainLimit, q.Limit)
	case q.Segments < 1 || q.Segments > MaxPainSegments:
		return nil, hotspotErr("segments", "must be between 1 and %d, got %d", MaxPainSegments, q.Segments)
	case q.MinTickets < 1 || q.MinTickets > MaxPainMinTickets:
		return nil, hotspotErr("min_tickets", "must be between 1 and %d, got %d", MaxPainMinTickets, q.MinTickets)
	}
	if p.from, p.to, err = createdRange(q.From, q.To, 0); err != nil {
		return nil, err
	}
	if p.filters, err = hotspotFilters(q.Filters, Dimensions(), true); err != nil {
		return nil, err
	}
	p.q = q
	return p, nil
}

// PainQueryNames are the queries every store's queries_painpoints.sql
// defines. The store's hotspot fragments dim-cf, filter, filter-tags,
// source-tickets and source-tags serve them too.
func PainQueryNames() []string { return []string{"pain-segments", "pain-overall", "pain-cells"} }

// painSQL expands the pain query name: {segment} is the segment's column,
// {keys} ("... AS k0"), {source} and {filters} are as for hotspots, with
// extra filters added (the chosen segment values for the cells); own
// parameters: from, to.
func (p *painPlan) painSQL(hot, pain map[string]string, name string, extra ...HotspotFilter) (string, []any, error) {
	exploded := p.exploded && name != "pain-segments"
	source, live := sourceSQL(hot, exploded)
	keys, err := keysSQL(hot, []string{p.byCol})
	if err != nil {
		return "", nil, err
	}
	filters, err := filterSQL(hot, append(slices.Clone(p.filters), extra...), "", !exploded)
	if err != nil {
		return "", nil, err
	}
	return fillSQL(name, pain[name], []any{p.from, p.to}, map[string]sqlPiece{
		"segment": piece(p.segCol), "keys": keys, "source": piece(source), "filters": live.and(filters)})
}

// RunPainPoints answers a pain-point query with a store's hotspot
// fragments (hot) and pain-point queries (pain) through run.
func RunPainPoints(ctx context.Context, run QueryFunc, hot, pain map[string]string, q PainQuery) (*PainResult, error) {
	p, err := planPainPoints(q)
	if err != nil {
		return nil, err
	}
	counts := func(name string) (map[string]int64, error) {
		query, args, err := p.painSQL(hot, pain, name)
		if err != nil {
			return nil, err
		}
		m := map[string]int64{}
		err = ScanAll(ctx, run, name, query, args, func(rows ResultRows) error {
			var k string
			var n int64
			if err := rows.Scan(&k, &n); err != nil {
				return err
			}
			m[k] = n
			return nil
		})
		return m, err
	}
	// The segments and the overall counts are independent: side by side;
	// the cells need the chosen segments.
	var segs, overall map[string]int64
	var segErr, overallErr error
	var wg sync.WaitGroup
	wg.Go(func() { segs, segErr = counts("pain-segments") })
	wg.Go(func() { overall, overallErr = counts("pain-overall") })
	wg.Wait()
	if err := errors.Join(segErr, overallErr); err != nil {
		return nil, err
	}
	chosen := topSegments(segs, p.q.Segments)
	if len(chosen) == 0 {
		return BuildPainPoints(p.q, segs, nil, nil), nil
	}
	query, args, err := p.painSQL(hot, pain, "pain-cells", HotspotFilter{Dim: p.q.Segment, Column: p.segCol, Values: chosen})
	if err != nil {
		return nil, err
	}
	var cells []PainCell
	err = ScanAll(ctx, run, "pain-cells", query, args, func(rows ResultRows) error {
		var c PainCell
		if err := rows.Scan(&c.Segment, &c.Value, &c.Tickets, &c.Reopened, &c.Breached, &c.Resolved, &c.ResolveP50Ms,
			&c.CSATRated, &c.CSATSum); err != nil {
			return err
		}
		cells = append(cells, c)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return BuildPainPoints(p.q, segs, overall, cells), nil
}

// topSegments are the n segment values with the most tickets (then by value).
func topSegments(segs map[string]int64, n int) []string {
	vals := make([]string, 0, len(segs))
	for v := range segs {
		vals = append(vals, v)
	}
	slices.SortFunc(vals, func(a, b string) int { return cmp.Or(cmp.Compare(segs[b], segs[a]), strings.Compare(a, b)) })
	return vals[:min(n, len(vals))]
}

// BuildPainPoints ranks the cells of a validated query (q with its
// defaults) given the tickets per segment value (segs) and per value of By
// among all tickets (overall).
func BuildPainPoints(q PainQuery, segs, overall map[string]int64, cells []PainCell) *PainResult {
	res := &PainResult{Query: q, Segments: []PainSegment{}}
	for _, n := range segs {
		res.Tickets += n
	}
	index := map[string]int{}
	for _, v := range topSegments(segs, q.Segments) {
		index[v] = len(res.Segments)
		res.Segments = append(res.Segments, PainSegment{Value: v, Tickets: segs[v], Share: ratio(segs[v], res.Tickets), Points: []PainPoint{}})
	}
	for _, c := range cells {
		i, ok := index[c.Segment]
		if !ok || c.Tickets < int64(q.MinTickets) {
			continue
		}
		seg := &res.Segments[i]
		pp := PainPoint{PainCell: c, Share: ratio(c.Tickets, seg.Tickets), OverallTickets: overall[c.Value]}
		pp.OverallShare = ratio(pp.OverallTickets, res.Tickets)
		if pp.OverallShare == 0 {
			continue // a cell's tickets are among all tickets; this only guards the division
		}
		pp.Lift = pp.Share / pp.OverallShare
		if pp.Lift <= 1 {
			continue
		}
		pp.Score = pp.Lift * float64(c.Tickets)
		pp.ReopenRate, pp.SLABreachRate = ratio(c.Reopened, c.Tickets), ratio(c.Breached, c.Tickets)
		pp.CSATAverage, pp.CSATResponseRate = ratio(c.CSATSum, c.CSATRated), ratio(c.CSATRated, c.Tickets)
		pp.Finding = painFinding(seg.Value, pp)
		seg.Points = append(seg.Points, pp)
	}
	for i := range res.Segments {
		pts := res.Segments[i].Points
		slices.SortFunc(pts, func(a, b PainPoint) int {
			return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(b.Tickets, a.Tickets), strings.Compare(a.Value, b.Value))
		})
		res.Segments[i].Points = pts[:min(len(pts), q.Limit)]
	}
	return res
}

// painFinding says a pain point in a sentence: "premium: vpn is 3.1x as
// frequent as overall (42 tickets, 18% reopened, 7% SLA breached, CSAT 3.2
// from 12 ratings)"; an empty value reads "(none)".
func painFinding(segment string, p PainPoint) string {
	label := func(v string) string { return cmp.Or(v, "(none)") }
	s := fmt.Sprintf("%s: %s is %.1fx as frequent as overall (%d tickets, %.0f%% reopened, %.0f%% SLA breached",
		label(segment), label(p.Value), p.Lift, p.Tickets, 100*p.ReopenRate, 100*p.SLABreachRate)
	if p.CSATRated > 0 {
		s += fmt.Sprintf(", CSAT %.1f from %d ratings", p.CSATAverage, p.CSATRated)
	}
	return s + ")"
}

package storetest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/ticketcore/events"
)

// PainStore is a store with the pain-point query.
type PainStore interface {
	analytics.Store
	analytics.PainPointer
}

// RunPainPoints checks a store's pain-point query against answers computed
// here from the events alone; open returns a new, empty store.
func RunPainPoints(t *testing.T, open func(t *testing.T) PainStore) {
	h := HotspotHistory()
	s := open(t)
	for b := range slices.Chunk(h, 1000) {
		mustApply(t, s, b)
	}
	ctx := context.Background()
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC) }
	all := [2]time.Time{d(2025, 12, 1), d(2026, 12, 1)}
	queries := []analytics.PainQuery{
		{Segment: "customer_tier", From: all[0], To: all[1]},
		{Segment: "region", By: "product", From: all[0], To: all[1], MinTickets: 3, Limit: 2},
		{Segment: "customer_org", By: "tag", From: all[0], To: all[1], Filters: map[string][]string{"channel": {"email", "chat", "web", "api"}}, MinTickets: 2},
		{Segment: "channel", By: "cf.os", From: d(2026, 1, 1), To: d(2026, 4, 1), Segments: 3},
		{Segment: "priority", By: "team", From: all[0], To: all[1], Filters: map[string][]string{"cf.os": {"windows", "linux", ""}, "tag": {"vip"}}, MinTickets: 2},
		{Segment: "customer_tier", By: "agent", From: d(2026, 1, 10).Add(500 * time.Millisecond), To: d(2026, 3, 1), MinTickets: 1, Limit: 100, Segments: 1000},
		{Segment: "region", By: "tag", From: all[0], To: all[1], Filters: map[string][]string{"tag": {"vpn", "vip"}}, MinTickets: 1},
		{Segment: "customer_org", By: "cf.reassignments", From: d(2026, 9, 1), To: all[1], MinTickets: 2, Segments: 2},
	}
	var rated, resolved bool
	for i, q := range queries {
		t.Run(fmt.Sprintf("PainPoints%d_%s_%s", i, q.Segment, cmp.Or(q.By, "category")), func(t *testing.T) {
			got, err := s.PainPoints(ctx, q)
			if err != nil {
				t.Fatalf("pain points: %v", err)
			}
			want := ExpectPainPoints(h, q)
			points := 0
			for _, sg := range want.Segments {
				points += len(sg.Points)
				for _, p := range sg.Points {
					rated = rated || p.CSATRated > 0 && p.CSATRated < p.Tickets
					resolved = resolved || p.ResolveP50Ms > 0
				}
			}
			if len(want.Segments) < 2 || points == 0 {
				t.Fatalf("the expectation is too thin to test: %+v", want)
			}
			hotspotDiff(t, formatPainPoints(got), formatPainPoints(want))
		})
	}
	if !rated || !resolved {
		t.Fatalf("no pain point has ratings (%v) or a time to resolve (%v)", rated, resolved)
	}

	t.Run("Invalid", func(t *testing.T) {
		bad := []struct {
			field string
			q     analytics.PainQuery
		}{
			{"segment", analytics.PainQuery{From: all[0], To: all[1]}},
			{"segment", analytics.PainQuery{Segment: "team", From: all[0], To: all[1]}},
			{"segment", analytics.PainQuery{Segment: "region; DROP TABLE tickets", From: all[0], To: all[1]}},
			{"by", analytics.PainQuery{Segment: "region", By: "region", From: all[0], To: all[1]}},
			{"by", analytics.PainQuery{Segment: "channel", By: "colour", From: all[0], To: all[1]}},
			{"by", analytics.PainQuery{Segment: "channel", By: "cf.", From: all[0], To: all[1]}},
			{"limit", analytics.PainQuery{Segment: "channel", From: all[0], To: all[1], Limit: 101}},
			{"segments", analytics.PainQuery{Segment: "channel", From: all[0], To: all[1], Segments: -1}},
			{"min_tickets", analytics.PainQuery{Segment: "channel", From: all[0], To: all[1], MinTickets: -3}},
			{"from", analytics.PainQuery{Segment: "channel", To: all[1]}},
			{"to", analytics.PainQuery{Segment: "channel", From: all[0], To: all[0].AddDate(2, 0, 1)}},
			{"filters", analytics.PainQuery{Segment: "channel", From: all[0], To: all[1], Filters: map[string][]string{"customer_org": {"acme"}}}},
		}
		for _, b := range bad {
			_, err := s.PainPoints(ctx, b.q)
			var qe *analytics.QueryError
			if !errors.As(err, &qe) || qe.Field != b.field {
				t.Errorf("pain points %+v: error %v, want a QueryError on %s", b.q, err, b.field)
			}
		}
		got, err := s.PainPoints(ctx, analytics.PainQuery{Segment: "channel", From: all[0], To: all[1],
			Filters: map[string][]string{"category": {"vpn' OR '1'='1"}}})
		if err != nil || got.Tickets != 0 || len(got.Segments) != 0 {
			t.Errorf("pain points with hostile values = %+v, %v", got, err)
		}
	})
}

func formatPainPoints(r *analytics.PainResult) []string {
	q := r.Query
	out := []string{fmt.Sprintf("query %s %s %s..%s %v %d %d %d tickets %d", q.Segment, q.By, q.From.Format(time.RFC3339Nano),
		q.To.Format(time.RFC3339Nano), q.Filters, q.Limit, q.Segments, q.MinTickets, r.Tickets)}
	for _, sg := range r.Segments {
		out = append(out, fmt.Sprintf("segment %q %d %.9f", sg.Value, sg.Tickets, sg.Share))
		for _, p := range sg.Points {
			out = append(out, fmt.Sprintf("  %q %q n %d share %.9f overall %d %.9f lift %.9f score %.9f reopened %d %.9f "+
				"breached %d %.9f resolved %d p50 %d csat %d %d %.9f %.9f | %s", p.Segment, p.Value, p.Tickets, p.Share,
				p.OverallTickets, p.OverallShare, p.Lift, p.Score, p.Reopened, p.ReopenRate, p.Breached, p.SLABreachRate,
				p.Resolved, p.ResolveP50Ms, p.CSATRated, p.CSATSum, p.CSATAverage, p.CSATResponseRate, p.Finding))
		}
	}
	return out
}

// segmentField is a segment dimension of a ticket snapshot.
func segmentField(t *events.Ticket, seg string) string {
	switch seg {
	case "channel":
		return t.Channel
	case "customer_org":
		return t.Customer.Organisation
	case "customer_tier":
		return t.Customer.Tier
	case "priority":
		return t.Priority
	case "region":
		return t.Region
	}
	panic("unknown segment " + seg)
}

// ExpectPainPoints computes the answer to q from the events alone.
func ExpectPainPoints(evs []events.Event, q analytics.PainQuery) *analytics.PainResult {
	q.By = cmp.Or(q.By, "category")
	q.Limit = cmp.Or(q.Limit, 5)
	q.Segments = cmp.Or(q.Segments, 20)
	q.MinTickets = cmp.Or(q.MinTickets, 5)
	x := newHotspotExpect(evs)
	byTag := q.By == "tag"
	segs, overall := map[string]int64{}, map[string]int64{}
	type cell struct {
		c   analytics.PainCell
		res []int64
	}
	cells := map[[2]string]*cell{}
	var total int64
	for _, t := range x.created(q.From, q.To, q.Filters, byTag) {
		if byTag && q.Filters["tag"] != nil &&
			!slices.ContainsFunc(t.Tags, func(v string) bool { return slices.Contains(q.Filters["tag"], v) }) {
			continue
		}
		sv := segmentField(t, q.Segment)
		segs[sv]++
		total++
		for _, ks := range hotspotKeys(t, []string{q.By}, q.Filters) {
			v := ks[0]
			overall[v]++
			c := cells[[2]string{sv, v}]
			if c == nil {
				c = &cell{c: analytics.PainCell{Segment: sv, Value: v}}
				cells[[2]string{sv, v}] = c
			}
			c.c.Tickets++
			if t.ReopenCount > 0 {
				c.c.Reopened++
			}
			if t.SLABreached {
				c.c.Breached++
			}
			if t.ResolvedAt != nil {
				c.c.Resolved++
				c.res = append(c.res, msBetween(t.CreatedAt, *t.ResolvedAt))
			}
			if t.CSAT != nil && t.CSAT.Score > 0 {
				c.c.CSATRated++
				c.c.CSATSum += int64(t.CSAT.Score)
			}
		}
	}
	res := &analytics.PainResult{Query: q, Tickets: total, Segments: []analytics.PainSegment{}}
	var vals []string
	for v := range segs {
		vals = append(vals, v)
	}
	slices.SortFunc(vals, func(a, b string) int { return cmp.Or(cmp.Compare(segs[b], segs[a]), strings.Compare(a, b)) })
	frac := func(a, b int64) float64 {
		if b == 0 {
			return 0
		}
		return float64(a) / float64(b)
	}
	for _, sv := range vals[:min(len(vals), q.Segments)] {
		sg := analytics.PainSegment{Value: sv, Tickets: segs[sv], Share: frac(segs[sv], total), Points: []analytics.PainPoint{}}
		for k, c := range cells {
			if k[0] != sv || c.c.Tickets < int64(q.MinTickets) {
				continue
			}
			c.c.ResolveP50Ms = pct(c.res, 50)
			p := analytics.PainPoint{PainCell: c.c, Share: frac(c.c.Tickets, sg.Tickets), OverallTickets: overall[k[1]]}
			p.OverallShare = frac(p.OverallTickets, total)
			p.Lift = p.Share / p.OverallShare
			if p.Lift <= 1 {
				continue
			}
			p.Score = p.Lift * float64(p.Tickets)
			p.ReopenRate, p.SLABreachRate = frac(p.Reopened, p.Tickets), frac(p.Breached, p.Tickets)
			p.CSATAverage, p.CSATResponseRate = frac(p.CSATSum, p.CSATRated), frac(p.CSATRated, p.Tickets)
			name := func(v string) string {
				if v == "" {
					return "(none)"
				}
				return v
			}
			p.Finding = fmt.Sprintf("%s: %s is %.1fx as frequent as overall (%d tickets, %.0f%% reopened, %.0f%% SLA breached",
				name(sv), name(p.Value), p.Lift, p.Tickets, 100*p.ReopenRate, 100*p.SLABreachRate)
			if p.CSATRated > 0 {
				p.Finding += fmt.Sprintf(", CSAT %.1f from %d ratings", p.CSATAverage, p.CSATRated)
			}
			p.Finding += ")"
			sg.Points = append(sg.Points, p)
		}
		slices.SortFunc(sg.Points, func(a, b analytics.PainPoint) int {
			return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(b.Tickets, a.Tickets), strings.Compare(a.Value, b.Value))
		})
		sg.Points = sg.Points[:min(len(sg.Points), q.Limit)]
		res.Segments = append(res.Segments, sg)
	}
	return res
}

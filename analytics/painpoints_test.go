package analytics

import (
	"errors"
	"math"
	"testing"
	"time"
)

func TestPlanPainPoints(t *testing.T) {
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 3, 0)
	q, err := PlanPainPoints(PainQuery{Segment: "customer_org", From: from, To: to})
	if err != nil || q.By != "category" || q.Limit != 5 || q.Segments != 20 || q.MinTickets != 5 {
		t.Fatalf("defaults %+v, %v", q, err)
	}
	for _, c := range []struct {
		q     PainQuery
		field string
	}{
		{PainQuery{From: from, To: to}, "segment"},
		{PainQuery{Segment: "assignee", From: from, To: to}, "segment"},
		{PainQuery{Segment: "channel", By: "agent; --", From: from, To: to}, "by"},
		{PainQuery{Segment: "priority", By: "priority", From: from, To: to}, "by"},
		{PainQuery{Segment: "channel", By: "cf.9", From: from, To: to}, "by"},
		{PainQuery{Segment: "channel", From: from, To: to, Limit: 101}, "limit"},
		{PainQuery{Segment: "channel", From: from, To: to, Segments: 1001}, "segments"},
		{PainQuery{Segment: "channel", From: from, To: to, MinTickets: -1}, "min_tickets"},
		{PainQuery{Segment: "channel", From: to, To: from}, "to"},
		{PainQuery{Segment: "channel", From: from, To: to, Filters: map[string][]string{"customer_org": {"acme"}}}, "filters"},
	} {
		_, err := PlanPainPoints(c.q)
		var qe *QueryError
		if !errors.As(err, &qe) || qe.Field != c.field {
			t.Errorf("%+v: error %v, want field %s", c.q, err, c.field)
		}
	}
}

// TestBuildPainPoints: shares, lift and score from the counts; cells under
// the minimum support or not over-represented are no pain points; ranking
// by score, then tickets, then value; the finding reads as documented.
func TestBuildPainPoints(t *testing.T) {
	q := PainQuery{Segment: "customer_tier", By: "category", Limit: 2, Segments: 2, MinTickets: 5}
	segs := map[string]int64{"premium": 200, "standard": 700, "vip": 100}
	overall := map[string]int64{"vpn": 68, "login": 300, "": 100, "refund": 532}
	cells := []PainCell{
		{Segment: "premium", Value: "vpn", Tickets: 42, Reopened: 8, Breached: 21, Resolved: 30, ResolveP50Ms: 3_600_000, CSATRated: 10, CSATSum: 32},
		{Segment: "premium", Value: "login", Tickets: 60, Reopened: 3}, // lift 1.0: not over-represented
		{Segment: "premium", Value: "", Tickets: 4, Reopened: 0},       // under the minimum support
		{Segment: "premium", Value: "refund", Tickets: 94},             // lift < 1
		{Segment: "standard", Value: "refund", Tickets: 438},           // lift 1.18, score 515
		{Segment: "standard", Value: "login", Tickets: 240},            // lift 1.14, score 274
		{Segment: "standard", Value: "", Tickets: 22},                  // lift 0.31
		{Segment: "vip", Value: "", Tickets: 60, Breached: 6},          // vip is not among the 2 largest segments
	}
	res := BuildPainPoints(q, segs, overall, cells)
	if res.Tickets != 1000 || len(res.Segments) != 2 || res.Segments[0].Value != "standard" || res.Segments[1].Value != "premium" ||
		res.Segments[1].Share != 0.2 {
		t.Fatalf("segments %+v", res.Segments)
	}
	prem := res.Segments[1].Points
	if len(prem) != 1 {
		t.Fatalf("premium %+v", prem)
	}
	p := prem[0]
	if p.Value != "vpn" || p.Share != 0.21 || p.OverallShare != 0.068 || math.Abs(p.Lift-0.21/0.068) > 1e-12 ||
		math.Abs(p.Score-42*0.21/0.068) > 1e-9 || p.CSATAverage != 3.2 || math.Abs(p.ReopenRate-8.0/42) > 1e-12 || p.SLABreachRate != 0.5 {
		t.Fatalf("premium vpn %+v", p)
	}
	if want := "premium: vpn is 3.1x as frequent as overall (42 tickets, 19% reopened, 50% SLA breached, CSAT 3.2 from 10 ratings)"; p.Finding != want {
		t.Errorf("finding %q, want %q", p.Finding, want)
	}
	std := res.Segments[0].Points
	if len(std) != 2 || std[0].Value != "refund" || std[1].Value != "login" || std[0].Score <= std[1].Score {
		t.Fatalf("standard %+v", std)
	}
	if want := "standard: login is 1.1x as frequent as overall (240 tickets, 0% reopened, 0% SLA breached)"; std[1].Finding != want {
		t.Errorf("finding %q, want %q", std[1].Finding, want)
	}
	// Ties in score go to the larger cell, then the value; "" reads (none).
	q.Limit, q.MinTickets = 5, 1
	res = BuildPainPoints(q, map[string]int64{"a": 10, "b": 10}, map[string]int64{"x": 1, "y": 1, "": 1, "z": 17},
		[]PainCell{{Segment: "a", Value: "y", Tickets: 1}, {Segment: "a", Value: "x", Tickets: 1}, {Segment: "a", Value: "", Tickets: 1}})
	if pts := res.Segments[0].Points; len(pts) != 3 || pts[0].Value != "" || pts[1].Value != "x" || pts[2].Value != "y" ||
		pts[0].Finding != "a: (none) is 2.0x as frequent as overall (1 tickets, 0% reopened, 0% SLA breached)" {
		t.Errorf("ties %+v", pts)
	}
}

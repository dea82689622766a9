package httpapi_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/analytics/httpapi"
	"github.com/deskmine/deskmine/analytics/storetest"
)

// TestRootCause: the JSON and each CSV table carry the figures computed
// from the events alone, with the bottleneck answer of the same query.
func TestRootCause(t *testing.T) {
	e := newEnv(t)
	rf, rt := "2026-01-20T00:00:00Z", "2026-02-25T00:00:00Z"
	q := analytics.RootCauseQuery{From: ts(rf), To: ts(rt), Limit: 7, Filters: map[string][]string{"priority": {"P1", "P2", "P3"}}}
	want := storetest.ExpectRootCause(e.hist, q)
	wantB := storetest.ExpectBottlenecks(e.hist, analytics.BottleneckQuery{From: q.From, To: q.To, Filters: q.Filters})
	path := "/rootcause?from=" + rf + "&to=" + rt + "&limit=7&filter.priority=P1,P2,P3"
	var res httpapi.RootCauseResponse
	e.getJSON(path, &res)

	c, wc := res.Chains, want.Chains
	if c.Chains != wc.Chains || c.Tickets != wc.Tickets || c.Longest != wc.Longest || c.DanglingLinks != wc.DanglingLinks ||
		len(c.ByKind) != len(wc.ByKind) || len(c.Top) != len(wc.Top) || len(c.ByRootCategory) != len(wc.ByRootCategory) {
		t.Fatalf("chains %+v\nwant %+v", c, wc)
	}
	if len(wc.Top) != 7 || wc.Chains == 0 {
		t.Fatalf("the history does not exercise the chains: %+v", wc)
	}
	for i, w := range wc.Top {
		g := c.Top[i]
		if g.RootID != w.RootID || g.Length != w.Length || !slices.Equal(g.Kinds, w.Kinds) || !slices.Equal(g.Members, w.Members) ||
			g.RootSubject != w.RootSubject || !g.RootCreatedAt.Equal(w.RootCreatedAt) {
			t.Errorf("top chain %d: %+v, want %+v", i, g, w)
		}
	}
	for i, w := range wc.ByKind {
		if g := c.ByKind[i]; g.Kind != w.Kind || g.Chains != w.Chains || g.Tickets != w.Tickets {
			t.Errorf("kind %d: %+v, want %+v", i, g, w)
		}
	}
	for i, w := range wc.ByRootCategory {
		if g := c.ByRootCategory[i]; g.Key != w.Key || g.FollowOns != w.FollowOns || g.Reopens != w.Reopens || g.Chains != w.Chains {
			t.Errorf("root category %d: %+v, want %+v", i, g, w)
		}
	}
	if res.Reopens.Resolved != want.Reopens.Resolved || res.Reopens.Reopened != want.Reopens.Reopened ||
		res.Reopens.Rate != want.Reopens.Rate() || len(res.Reopens.ByTeam) != len(want.Reopens.ByTeam) || want.Reopens.Reopened == 0 {
		t.Errorf("reopens %+v, want %+v", res.Reopens, want.Reopens)
	}
	for i, w := range want.Reopens.ByTeam {
		if g := res.Reopens.ByTeam[i]; g.Key != w.Key || g.Resolved != w.Resolved || g.Reopened != w.Reopened || g.Rate != w.Rate() {
			t.Errorf("reopens by team %d: %+v, want %+v", i, g, w)
		}
	}
	if len(res.HandoffsByProduct) != len(want.HandoffsByProduct) || len(want.HandoffsByProduct) == 0 {
		t.Fatalf("handoffs by product %+v, want %+v", res.HandoffsByProduct, want.HandoffsByProduct)
	}
	for i, w := range want.HandoffsByProduct {
		g := res.HandoffsByProduct[i]
		if g.Key != w.Key || g.Tickets != w.Tickets || g.Handoffs != w.Handoffs || g.HandoffsPerTicket != w.PerTicket() ||
			g.PingPongTickets != w.PingPongTickets || g.Bounces != w.Bounces || g.TicketsWithHandoff != w.TicketsWithHandoff {
			t.Errorf("handoffs by product %d: %+v, want %+v", i, g, w)
		}
	}
	if b := res.Bottlenecks; b.Handoffs != wantB.Handoffs || b.TicketsWithHandoff != wantB.TicketsWithHandoff ||
		len(b.StatusTimes) != len(wantB.StatusTimes) || len(b.PingPong) != len(wantB.PingPong) || !b.From.Equal(q.From) {
		t.Errorf("bottlenecks %+v, want %+v", b, wantB)
	}

	// Each table as CSV.
	recs := e.getCSV(path + "&format=csv&table=chains")
	if !slices.Equal(recs[0], []string{"root_id", "root_subject", "root_category", "root_product", "root_created_at", "length", "kinds", "members"}) ||
		len(recs) != len(wc.Top)+1 {
		t.Fatalf("chains csv %v", recs)
	}
	for i, w := range wc.Top {
		r := recs[i+1]
		if r[0] != strconv.FormatInt(w.RootID, 10) || r[5] != strconv.FormatInt(w.Length, 10) || r[6] != strings.Join(w.Kinds, " ") ||
			len(strings.Fields(r[7])) != len(w.Members) {
			t.Errorf("chains csv row %v, want %+v", r, w)
		}
	}
	recs = e.getCSV(path + "&format=csv&table=reopens")
	n := len(want.Reopens.ByTeam) + len(want.Reopens.ByCategory) + len(want.Reopens.ByProduct)
	if !slices.Equal(recs[0], []string{"dimension", "key", "resolved", "reopened", "rate"}) || len(recs) != n+2 ||
		recs[1][0] != "all" || recs[1][2] != strconv.FormatInt(want.Reopens.Resolved, 10) || recs[2][0] != "team" {
		t.Fatalf("reopens csv %v", recs)
	}
	for _, table := range []string{"handoffs_by_product", "handoffs_by_category"} {
		recs = e.getCSV(path + "&format=csv&table=" + table)
		groups, key := want.HandoffsByProduct, "product"
		if table == "handoffs_by_category" {
			groups, key = want.HandoffsByCategory, "category"
		}
		if !slices.Equal(recs[0], []string{key, "tickets", "tickets_with_handoff", "handoffs", "handoffs_per_ticket", "ping_pong_tickets", "bounces"}) ||
			len(recs) != len(groups)+1 {
			t.Fatalf("%s csv %v", table, recs)
		}
		for i, w := range groups {
			if r := recs[i+1]; r[0] != w.Key || r[3] != strconv.FormatInt(w.Handoffs, 10) {
				t.Errorf("%s csv row %v, want %+v", table, r, w)
			}
		}
	}

	r := "&from=" + rf + "&to=" + rt
	e.badRequest("/rootcause?format=csv"+r, "table", "chains, reopens, handoffs_by_product, handoffs_by_category")
	e.badRequest("/rootcause?format=csv&table=tickets"+r, "table", "one of: chains")
	e.badRequest("/rootcause?table=chains"+r, "table", "only with format=csv")
	e.badRequest("/rootcause?to="+rt, "from", "required")
	e.badRequest("/rootcause?limit=5000"+r, "limit", "between 1")
	e.badRequest("/rootcause?limit=x"+r, "limit", "whole number")
	e.badRequest("/rootcause?filter.tag=vip"+r, "filters", "unknown dimension")
	e.badRequest("/rootcause?by=team"+r, "by", "not a known parameter")
}

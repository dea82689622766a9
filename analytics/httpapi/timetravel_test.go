package httpapi_test

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/analytics/httpapi"
	"github.com/deskmine/deskmine/analytics/storetest"
)

// TestOpen: the tickets open at an instant, filtered and limited, equal
// the answer computed from the events alone, as JSON and CSV.
func TestOpen(t *testing.T) {
	e := newEnv(t)
	at := "2026-02-10T12:00:00Z"
	q := analytics.OpenQuery{At: ts(at), Limit: 25, Filters: map[string][]string{"team": {"network", "tech", "billing", "returns"}}}
	want := storetest.ExpectOpen(e.hist, q)
	if len(want) != 25 {
		t.Fatalf("%d open tickets: the history does not exercise the endpoint", len(want))
	}
	path := "/open?at=" + at + "&team=network,tech,billing,returns&limit=25"
	var res httpapi.OpenResponse
	e.getJSON(path, &res)
	if !res.At.Equal(q.At) || len(res.Rows) != len(want) {
		t.Fatalf("open %+v, want %d rows", res, len(want))
	}
	for i, w := range want {
		g := res.Rows[i]
		if g.TicketID != w.TicketID || g.Status != w.Status || g.Team != w.Team || g.Assignee != w.Assignee || g.Priority != w.Priority ||
			g.Category != w.Category || g.Product != w.Product || !g.OpenedAt.Equal(w.OpenedAt) || g.AgeMs != w.AgeMs || g.SLAState != w.SLAState {
			t.Errorf("row %d: %+v, want %+v", i, g, w)
		}
	}
	recs := e.getCSV(path + "&format=csv")
	if !slices.Equal(recs[0], []string{"ticket_id", "status", "team", "assignee", "priority", "category", "product", "opened_at", "age_ms", "sla_state"}) ||
		len(recs) != len(want)+1 {
		t.Fatalf("csv %v", recs)
	}
	for i, w := range want {
		if r := recs[i+1]; r[0] != strconv.FormatInt(w.TicketID, 10) || r[7] != w.OpenedAt.Format(time.RFC3339) || r[9] != w.SLAState {
			t.Errorf("csv row %v, want %+v", r, w)
		}
	}
	// Every filter at once, the SLA state among them.
	q = analytics.OpenQuery{At: ts(at), Filters: map[string][]string{"status": {"open", "pending"}, "priority": {"P1", "P2", "P3", "P4"},
		analytics.DimSLAState: {analytics.SLABreached, analytics.SLAAtRisk}}}
	want = storetest.ExpectOpen(e.hist, q)
	e.getJSON("/open?at="+at+"&status=open,pending&priority=P1,P2,P3,P4&sla_state=breached,at_risk", &res)
	if len(want) == 0 || len(res.Rows) != len(want) || res.Rows[0].TicketID != want[0].TicketID {
		t.Errorf("filtered open %d rows, want %d", len(res.Rows), len(want))
	}

	future := time.Now().Add(49 * time.Hour).UTC().Format(time.RFC3339)
	e.badRequest("/open", "at", "required")
	e.badRequest("/open?at=yesterday", "at", "RFC 3339")
	e.badRequest("/open?at=1969-12-31T23:59:59Z", "at", "before 1970")
	e.badRequest("/open?at="+future, "at", "a day in the future")
	e.badRequest("/open?at="+at+"&sla_state=late", "sla_state", "allowed: breached, at_risk, on_track")
	e.badRequest("/open?at="+at+"&limit=1001", "limit", "between 1")
	e.badRequest("/open?at="+at+"&category=vpn", "category", "not a known parameter")
}

// TestBacklogBySLAState: the backlog grouped and filtered by SLA state, and
// the bound on at.
func TestBacklogBySLAState(t *testing.T) {
	e := newEnv(t)
	at := "2026-02-10T12:00:00Z"
	q := analytics.BacklogQuery{At: ts(at), By: analytics.DimSLAState, Filters: map[string][]string{"team": {"network", "tech"}}}
	want := storetest.ExpectBacklogSLA(e.hist, q)
	if len(want) < 2 {
		t.Fatalf("backlog by SLA state %v: the history does not exercise it", want)
	}
	var res httpapi.BacklogResponse
	e.getJSON("/backlog?at="+at+"&by=sla_state&filter.team=network,tech", &res)
	if len(res.Rows) != len(want) {
		t.Fatalf("rows %+v, want %+v", res.Rows, want)
	}
	for i, w := range want {
		if g := res.Rows[i]; g.Key != w.Key || g.Count != w.Count {
			t.Errorf("row %d: %+v, want %+v", i, g, w)
		}
	}
	q = analytics.BacklogQuery{At: ts(at), By: "team", Filters: map[string][]string{analytics.DimSLAState: {analytics.SLABreached}}}
	want = storetest.ExpectBacklogSLA(e.hist, q)
	e.getJSON("/backlog?at="+at+"&by=team&filter.sla_state=breached", &res)
	if len(want) == 0 || len(res.Rows) != len(want) || res.Rows[0] != (httpapi.BacklogRow{Key: want[0].Key, Count: want[0].Count}) {
		t.Errorf("backlog of breached tickets by team %+v, want %+v", res.Rows, want)
	}
	future := time.Now().Add(49 * time.Hour).UTC().Format(time.RFC3339)
	e.badRequest("/backlog?at="+future, "at", "a day in the future")
	e.badRequest("/backlog?at=1960-01-01T00:00:00Z", "at", "before 1970")
	e.badRequest("/backlog?at="+at+"&filter.sla_state=late", "filters", "allowed: breached, at_risk, on_track")
	e.badRequest("/backlog?at="+at+"&by=colour", "by", "sla_state")
}

// TestHotspotsAt: hotspots with at count each ticket as it stood then.
func TestHotspotsAt(t *testing.T) {
	e := newEnv(t)
	at := "2026-02-10T12:00:00Z"
	q := analytics.HotspotQuery{Dimensions: []string{"status", "team"}, From: ts(from), To: ts(to), Limit: 50}
	want, err := e.store.HotspotsAt(context.Background(), q, ts(at))
	if err != nil {
		t.Fatal(err)
	}
	if exp := storetest.ExpectHotspotsAt(t, e.hist, q, ts(at)); len(exp) != len(want) || len(want) == 0 {
		t.Fatalf("store %d rows, expected %d", len(want), len(exp))
	}
	var res httpapi.HotspotsResponse
	e.getJSON("/hotspots?dimensions=status,team&limit=50&from="+from+"&to="+to+"&at="+at, &res)
	if res.At == nil || !res.At.Equal(ts(at)) || len(res.Rows) != len(want) {
		t.Fatalf("hotspots at %+v, want %d rows", res, len(want))
	}
	for i, w := range want {
		if g := res.Rows[i]; !slices.Equal(g.Keys, w.Keys) || g.Count != w.Count {
			t.Errorf("row %d: %+v, want %+v", i, g, w)
		}
	}
	var now httpapi.HotspotsResponse
	e.getJSON("/hotspots?dimensions=status,team&limit=50&from="+from+"&to="+to, &now)
	if now.At != nil {
		t.Errorf("hotspots without at echo at %v", now.At)
	}
	future := time.Now().Add(49 * time.Hour).UTC().Format(time.RFC3339)
	e.badRequest("/hotspots?dimensions=status&from="+from+"&to="+to+"&at="+future, "at", "a day in the future")
	e.badRequest("/hotspots?dimensions=status&from="+from+"&to="+to+"&at="+from, "at", "after from")
}

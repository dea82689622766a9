package httpapi_test

import (
	"strconv"
	"testing"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/analytics/httpapi"
	"github.com/deskmine/deskmine/analytics/storetest"
)

func TestPainPoints(t *testing.T) {
	e := newEnv(t)
	q := analytics.PainQuery{Segment: "customer_tier", By: "cf.os", From: ts(from), To: ts(to), MinTickets: 3, Limit: 2,
		Filters: map[string][]string{"channel": {"email", "chat", "web", "phone"}}}
	want := storetest.ExpectPainPoints(e.hist, q)
	var res httpapi.PainPointsResponse
	path := "/painpoints?segment=customer_tier&by=cf.os&min_tickets=3&limit=2&filter.channel=email,chat,web,phone&from=" + from + "&to=" + to
	e.getJSON(path, &res)
	if res.Segment != "customer_tier" || res.By != "cf.os" || res.MinTickets != 3 || res.Tickets != want.Tickets ||
		len(res.Segments) != len(want.Segments) || len(want.Segments) == 0 {
		t.Fatalf("pain points %+v, want %+v", res, want)
	}
	rows := 0
	for i, w := range want.Segments {
		g := res.Segments[i]
		if g.Value != w.Value || g.Tickets != w.Tickets || g.Share != w.Share || len(g.PainPoints) != len(w.Points) {
			t.Fatalf("segment %d: %+v, want %+v", i, g, w)
		}
		for j, wp := range w.Points {
			gp := g.PainPoints[j]
			if gp != (httpapi.PainPoint{Value: wp.Value, Tickets: wp.Tickets, Share: wp.Share, OverallTickets: wp.OverallTickets,
				OverallShare: wp.OverallShare, Lift: wp.Lift, Score: wp.Score, Reopened: wp.Reopened, ReopenRate: wp.ReopenRate,
				SLABreached: wp.Breached, SLABreachRate: wp.SLABreachRate, Resolved: wp.Resolved, ResolveP50Ms: wp.ResolveP50Ms,
				CSATRatings: wp.CSATRated, CSATAverage: wp.CSATAverage, CSATResponseRate: wp.CSATResponseRate, Finding: wp.Finding}) {
				t.Errorf("segment %s point %d: %+v, want %+v", w.Value, j, gp, wp)
			}
			rows++
		}
	}
	if rows == 0 {
		t.Fatal("no pain point to test with")
	}
	recs := e.getCSV(path + "&format=csv")
	if len(recs) != rows+1 || recs[0][0] != "customer_tier" || recs[0][1] != "cf.os" || recs[0][len(recs[0])-1] != "finding" {
		t.Fatalf("csv %v", recs)
	}
	first := want.Segments[0]
	for _, sg := range want.Segments {
		if len(sg.Points) > 0 {
			first = sg
			break
		}
	}
	if rec := recs[1]; rec[0] != first.Value || rec[1] != first.Points[0].Value || rec[3] != strconv.FormatInt(first.Points[0].Tickets, 10) ||
		rec[6] != strconv.FormatFloat(first.Points[0].Lift, 'f', -1, 64) || rec[len(rec)-1] != first.Points[0].Finding {
		t.Errorf("csv row %v, want %+v", rec, first.Points[0])
	}

	// The default by is category.
	e.getJSON("/painpoints?segment=region&from="+from+"&to="+to, &res)
	if res.By != "category" || res.MinTickets != 5 || res.Tickets != storetest.ExpectPainPoints(e.hist, analytics.PainQuery{Segment: "region", From: ts(from), To: ts(to)}).Tickets {
		t.Errorf("defaults: %+v", res)
	}

	r := "&from=" + from + "&to=" + to
	e.badRequest("/painpoints?by=category"+r, "segment", "allowed: channel, customer_org")
	e.badRequest("/painpoints?segment=team"+r, "segment", "allowed")
	e.badRequest("/painpoints?segment=region&by=region"+r, "by", "differ")
	e.badRequest("/painpoints?segment=region&by=colour"+r, "by", "cf.<name>")
	e.badRequest("/painpoints?segment=region&min_tickets=many"+r, "min_tickets", "whole number")
	e.badRequest("/painpoints?segment=region&segments=1001"+r, "segments", "between 1 and 1000")
	e.badRequest("/painpoints?segment=region&limit=101"+r, "limit", "between 1 and 100")
	e.badRequest("/painpoints?segment=region&dimension=team"+r, "dimension", "not a known parameter")
}

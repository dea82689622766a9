package httpapi_test

import (
	"slices"
	"strconv"
	"testing"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/analytics/httpapi"
	"github.com/deskmine/deskmine/analytics/storetest"
)

func TestRepeats(t *testing.T) {
	e := newEnv(t)
	rf, rt := "2026-01-10T00:00:00Z", "2026-03-01T00:00:00Z"
	q := analytics.RepeatQuery{From: ts(rf), To: ts(rt), WindowDays: 10, Dimension: "channel", Limit: 5,
		Filters: map[string][]string{"priority": {"P1", "P2", "P3"}}}
	want := storetest.ExpectRepeats(e.hist, q)
	if want.Totals.Repeats == 0 || len(want.Rows) == 0 || len(want.Pairs) == 0 {
		t.Fatalf("the history gives no repeats to test with: %+v", want)
	}
	var res httpapi.RepeatsResponse
	path := "/repeats?from=" + rf + "&to=" + rt + "&window_days=10&dimension=channel&limit=5&filter.priority=P1,P2,P3"
	e.getJSON(path, &res)
	if res.WindowDays != 10 || res.By != "category" || res.Dimension != "channel" || !res.From.Equal(ts(rf)) {
		t.Errorf("echo of the query: %+v", res)
	}
	count := func(c analytics.RepeatCount) httpapi.RepeatCount {
		return httpapi.RepeatCount{Key: c.Key, Tickets: c.Tickets, WithCustomer: c.WithCustomer, Repeats: c.Repeats, RepeatRate: c.Rate()}
	}
	if res.Totals != count(want.Totals) || len(res.Rows) != len(want.Rows) || len(res.Pairs) != len(want.Pairs) {
		t.Fatalf("repeats %+v, want %+v", res, want)
	}
	for i, w := range want.Rows {
		if res.Rows[i] != count(w) {
			t.Errorf("row %d: %+v, want %+v", i, res.Rows[i], w)
		}
	}
	for i, w := range want.Pairs {
		if g := res.Pairs[i]; g.Customer != w.Customer || g.Key != w.Key || g.Tickets != w.Tickets || g.Repeats != w.Repeats {
			t.Errorf("pair %d: %+v, want %+v", i, g, w)
		}
	}
	recs := e.getCSV(path + "&format=csv")
	if !slices.Equal(recs[0], []string{"channel", "tickets", "with_customer", "repeats", "repeat_rate"}) || len(recs) != len(want.Rows)+1 {
		t.Fatalf("csv %v", recs)
	}
	for i, w := range want.Rows {
		if !slices.Equal(recs[i+1], []string{w.Key, strconv.FormatInt(w.Tickets, 10), strconv.FormatInt(w.WithCustomer, 10),
			strconv.FormatInt(w.Repeats, 10), strconv.FormatFloat(w.Rate(), 'f', -1, 64)}) {
			t.Errorf("csv row %v, want %+v", recs[i+1], w)
		}
	}

	// Defaults, by product, and the totals as the CSV without a dimension.
	q = analytics.RepeatQuery{From: ts(rf), To: ts(rt), By: "product"}
	want = storetest.ExpectRepeats(e.hist, q)
	e.getJSON("/repeats?by=product&from="+rf+"&to="+rt, &res)
	if res.WindowDays != 7 || res.By != "product" || res.Dimension != "" || len(res.Rows) != 0 ||
		res.Totals != count(want.Totals) || len(res.Pairs) != len(want.Pairs) || want.Totals.Repeats == 0 {
		t.Errorf("by product: %+v, want %+v", res, want)
	}
	recs = e.getCSV("/repeats?format=csv&by=product&from=" + rf + "&to=" + rt)
	if len(recs) != 2 || recs[0][0] != "key" || recs[1][0] != "" || recs[1][3] != strconv.FormatInt(want.Totals.Repeats, 10) {
		t.Errorf("csv of the totals %v", recs)
	}

	r := "&from=" + rf + "&to=" + rt
	e.badRequest("/repeats?window_days=366"+r, "window_days", "between 1 and 365")
	e.badRequest("/repeats?window_days=week"+r, "window_days", "whole number")
	e.badRequest("/repeats?by=team"+r, "by", "category, product")
	e.badRequest("/repeats?dimension=colour"+r, "dimension", "cf.<name>")
	e.badRequest("/repeats?dimension=cf.Colour"+r, "dimension", "lower-case letter")
	e.badRequest("/repeats?filter.cf.a-b=x"+r, "filters", "lower-case letter")
	e.badRequest("/repeats?tz=UTC"+r, "tz", "not a known parameter")
	e.badRequest("/repeats?from="+rf, "to", "required")
	e.badRequest("/repeats?limit=0&limit=3"+r, "limit", "more than once")
}

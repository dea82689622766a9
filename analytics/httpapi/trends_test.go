package httpapi_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/analytics/httpapi"
	"github.com/deskmine/deskmine/analytics/storetest"
)

func TestTrends(t *testing.T) {
	e := newEnv(t)
	tf, tt := "2026-01-12T00:00:00Z", "2026-03-10T12:00:00Z"
	q := analytics.TrendQuery{From: ts(tf), To: ts(tt), Bucket: "week", TZ: "Europe/Berlin",
		Filters: map[string][]string{"channel": {"email", "chat", "web"}}}
	want := storetest.ExpectTrends(e.hist, q)
	path := "/trends?from=" + tf + "&to=" + tt + "&bucket=week&tz=Europe/Berlin&filter.channel=email,chat,web"
	var res httpapi.TrendsResponse
	e.getJSON(path, &res) // checks the body against the ticket API's OpenAPI document too
	if res.Bucket != "week" || res.TZ != "Europe/Berlin" || !res.From.Equal(q.From) || !res.To.Equal(q.To) {
		t.Errorf("echo of the query: %+v", res)
	}
	if len(res.Points) != len(want) || len(want) < 9 {
		t.Fatalf("%d points, want %d", len(res.Points), len(want))
	}
	var resolved int64
	for i, w := range want {
		g := res.Points[i]
		if !g.Bucket.Equal(w.Bucket) || !g.End.Equal(w.End) || g.Created != w.Created || g.Resolved != w.Resolved ||
			g.Backlog != w.Backlog || g.SLAMet != w.SLAMet || g.FirstResponseP50Ms != w.FirstResponseP50Ms ||
			g.ResolveP50Ms != w.ResolveP50Ms || g.CSATRatings != w.CSATRated || g.CSATSum != w.CSATSum {
			t.Errorf("point %d: %+v, want %+v", i, g, w)
		}
		if w.Resolved > 0 && g.SLAPercent != float64(w.SLAMet)/float64(w.Resolved)*100 {
			t.Errorf("point %d: sla_percent %v", i, g.SLAPercent)
		}
		resolved += w.Resolved
	}
	if resolved == 0 {
		t.Fatal("no resolved ticket in the window: a useless case")
	}
	if _, off := res.Points[0].Bucket.Zone(); off != 3600 {
		t.Errorf("bucket %s is not in Berlin's winter time", res.Points[0].Bucket)
	}
	recs := e.getCSV(path + "&format=csv")
	if len(recs) != len(want)+1 || recs[0][0] != "bucket" || recs[0][4] != "backlog" || len(recs[0]) != 11 {
		t.Fatalf("csv header %v, %d records", recs[0], len(recs))
	}
	for i, w := range want {
		if recs[i+1][0] != w.Bucket.Format(time.RFC3339) || recs[i+1][2] != strconv.FormatInt(w.Created, 10) ||
			recs[i+1][4] != strconv.FormatInt(w.Backlog, 10) {
			t.Errorf("csv row %v, want %+v", recs[i+1], w)
		}
	}

	// Without tz and filters: UTC month buckets over every ticket, the
	// first starting before from, in the documented shape too.
	mq := analytics.TrendQuery{From: ts(tf), To: ts(tt), Bucket: "month"}
	wantM := storetest.ExpectTrends(e.hist, mq)
	var utc httpapi.TrendsResponse
	e.getJSON("/trends?from="+tf+"&to="+tt+"&bucket=month", &utc)
	if utc.TZ != "UTC" || utc.Bucket != "month" || len(utc.Points) != len(wantM) || len(wantM) != 3 {
		t.Fatalf("month answer: tz %q bucket %q, %d points, want %d of 3", utc.TZ, utc.Bucket, len(utc.Points), len(wantM))
	}
	if !utc.Points[0].Bucket.Equal(ts("2026-01-01T00:00:00Z")) || !utc.Points[2].End.Equal(mq.To) {
		t.Errorf("month buckets %s .. %s", utc.Points[0].Bucket, utc.Points[2].End)
	}
	for i, w := range wantM {
		g := utc.Points[i]
		if g.Created != w.Created || g.Resolved != w.Resolved || g.Backlog != w.Backlog || g.CSATSum != w.CSATSum {
			t.Errorf("month point %d: %+v, want %+v", i, g, w)
		}
	}

	for _, c := range []struct{ query, field, reason string }{
		{"from=" + tf + "&to=" + tt, "bucket", "required"},
		{"from=" + tf + "&to=" + tt + "&bucket=hour", "bucket", "unknown bucket"},
		{"from=" + tf + "&to=" + tt + "&bucket=day&tz=Mars/Base", "tz", "unknown time zone"},
		{"from=2025-01-01T00:00:00Z&to=2026-03-01T00:00:00Z&bucket=day", "bucket", "more than 400"},
		{"to=" + tt + "&bucket=day", "from", "required"},
		{"from=yesterday&to=" + tt + "&bucket=day", "from", "RFC 3339"},
		{"from=" + tf + "&to=" + tt + "&bucket=day&filter.subject=x", "filters", "unknown dimension"},
		{"from=" + tf + "&to=" + tt + "&bucket=day&by=team", "by", "not a known parameter"},
	} {
		e.badRequest("/trends?"+c.query, c.field, c.reason)
	}
}

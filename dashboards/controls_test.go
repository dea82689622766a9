package dashboards

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/ticketcore/auth"
)

func ctxWith(query string) echo.Context {
	req := httptest.NewRequest(http.MethodGet, "/ui/x?"+query, nil)
	return echo.New().NewContext(req, httptest.NewRecorder())
}

func TestParsePeriod(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*3600)
	// 2025-03-20 20:00 UTC is already 03-21 in Shanghai.
	s := &Server{opts: Options{Location: shanghai, Now: func() time.Time { return time.Date(2025, 3, 20, 20, 0, 0, 0, time.UTC) }}}
	d := func(y int, m time.Month, dd int) time.Time { return time.Date(y, m, dd, 0, 0, 0, 0, shanghai) }
	cases := []struct {
		query          string
		def            string
		from, to       time.Time
		bucket, rng    string
		fromDay, toDay string
	}{
		{"", "30d", d(2025, 2, 20), d(2025, 3, 22), "day", "30d", "2025-02-20", "2025-03-21"},
		{"range=7d", "30d", d(2025, 3, 15), d(2025, 3, 22), "day", "7d", "2025-03-15", "2025-03-21"},
		{"", "90d", d(2024, 12, 22), d(2025, 3, 22), "week", "90d", "2024-12-22", "2025-03-21"},
		{"range=365d", "30d", d(2024, 3, 22), d(2025, 3, 22), "week", "365d", "2024-03-22", "2025-03-21"},
		{"from=2024-01-01&to=2025-03-01", "30d", d(2024, 1, 1), d(2025, 3, 2), "month", "", "2024-01-01", "2025-03-01"},
		{"range=90d&bucket=day", "30d", d(2024, 12, 22), d(2025, 3, 22), "day", "90d", "2024-12-22", "2025-03-21"},
		// Explicit dates: to is inclusive, and they win over range.
		{"from=2025-03-01&to=2025-03-01&range=7d", "30d", d(2025, 3, 1), d(2025, 3, 2), "day", "", "2025-03-01", "2025-03-01"},
		{"from=2025-01-01&to=2025-03-31", "30d", d(2025, 1, 1), d(2025, 4, 1), "week", "", "2025-01-01", "2025-03-31"},
	}
	for _, c := range cases {
		p, err := s.parsePeriod(ctxWith(c.query), c.def)
		if err != nil {
			t.Errorf("%q: %v", c.query, err)
			continue
		}
		if !p.From.Equal(c.from) || !p.To.Equal(c.to) || p.Bucket != c.bucket || p.Range != c.rng || p.FromDay != c.fromDay || p.ToDay != c.toDay {
			t.Errorf("%q: %+v", c.query, p)
		}
	}
	bad := map[string]string{
		"range=9d":                      "range",
		"from=2025-03-01":               "from",
		"to=2025-03-01":                 "from",
		"from=03/01/2025&to=2025-03-02": "from",
		"from=2025-03-01&to=tomorrow":   "to",
		"from=2025-03-02&to=2025-03-01": "to",
		"from=2020-01-01&to=2025-01-01": "to",
		"bucket=hour":                   "bucket",
	}
	for q, field := range bad {
		_, err := s.parsePeriod(ctxWith(q), "30d")
		pe, ok := err.(*pageError)
		if !ok || pe.field != field || pe.status != http.StatusBadRequest {
			t.Errorf("%q: %v, want a 400 naming %s", q, err, field)
		}
	}
}

func TestParseFilters(t *testing.T) {
	got, list, err := parseFilters(ctxWith("f=team:t1&f=team:t2&fdim=product&fval=app&fdim=&fval=ignored&f=category:"), perfDims())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{"team": {"t1", "t2"}, "product": {"app"}, "category": {""}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("filters %v", got)
	}
	if !reflect.DeepEqual(list, []filter{{"team", "t1"}, {"team", "t2"}, {"category", ""}, {"product", "app"}}) {
		t.Errorf("list %v", list)
	}
	// A value may hold colons: only the first separates.
	got, _, err = parseFilters(ctxWith("f="+url.QueryEscape("cf.os:win:11")), hotspotDims())
	if err != nil || !reflect.DeepEqual(got, map[string][]string{"cf.os": {"win:11"}}) {
		t.Errorf("custom field filter: %v %v", got, err)
	}
	got, list, err = parseFilters(ctxWith("f=&f=:"), perfDims())
	if err != nil || got != nil || list != nil {
		t.Errorf("empty filters: %v %v %v", got, list, err)
	}
	bad := map[string]string{
		"f=nope:x":                           "f",
		"f=teamt1":                           "f",
		"f=cf.os:win":                        "f", // perf pages take no custom fields
		"fdim=team&fdim=product&fval=x":      "fdim",
		"f=team:" + strings.Repeat("x", 201): "f",
	}
	for q, field := range bad {
		_, _, err := parseFilters(ctxWith(q), perfDims())
		pe, ok := err.(*pageError)
		if !ok || pe.field != field {
			t.Errorf("%q: %v, want an error naming %s", q, err, field)
		}
	}
	_, _, err = parseFilters(ctxWith("f=nope:x"), perfDims())
	if !strings.Contains(err.(*pageError).reason, `unknown dimension "nope"; allowed: product, category`) {
		t.Errorf("reason %q", err.(*pageError).reason)
	}
}

func TestTicketsURL(t *testing.T) {
	from := time.Date(2025, 3, 10, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
	to := from.AddDate(0, 0, 1)
	u := ticketsURL(from, to, map[string][]string{"agent": {"ann"}, "category": {"billing", ""}})
	parsed, err := url.Parse(u)
	if err != nil || parsed.Path != Prefix+"/tickets" {
		t.Fatalf("url %q: %v", u, err)
	}
	q := parsed.Query()
	if q.Get("created_from") != "2025-03-09T16:00:00Z" || q.Get("created_to") != "2025-03-10T16:00:00Z" {
		t.Errorf("times %v", q)
	}
	if !reflect.DeepEqual(q["assignee"], []string{"ann"}) || !reflect.DeepEqual(q["category"], []string{"billing", ""}) || q.Has("agent") {
		t.Errorf("filters %v", q)
	}
	if got := ticketsURL(time.Time{}, time.Time{}, nil); got != Prefix+"/tickets?" {
		t.Errorf("open url %q", got)
	}
	base := map[string][]string{"team": {"t1"}}
	w := withFilter(base, "product", "app", "team", "t2")
	if !reflect.DeepEqual(w, map[string][]string{"team": {"t2"}, "product": {"app"}}) || !reflect.DeepEqual(base, map[string][]string{"team": {"t1"}}) {
		t.Errorf("withFilter %v, base %v", w, base)
	}
}

func TestBuckets(t *testing.T) {
	b := time.Date(2025, 1, 31, 0, 0, 0, 0, time.UTC)
	ends := map[string]time.Time{
		analytics.BucketHour:  b.Add(time.Hour),
		analytics.BucketDay:   b.AddDate(0, 0, 1),
		analytics.BucketWeek:  b.AddDate(0, 0, 7),
		analytics.BucketMonth: time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC), // Go's AddDate normalises Feb 31
	}
	for bucket, want := range ends {
		if got := bucketEnd(b, bucket); !got.Equal(want) {
			t.Errorf("bucketEnd %s: %v, want %v", bucket, got, want)
		}
	}
	labels := map[string]string{analytics.BucketMonth: "2025-01", analytics.BucketHour: "01-31 00:00", analytics.BucketDay: "2025-01-31", analytics.BucketWeek: "2025-01-31"}
	for bucket, want := range labels {
		if got := bucketLabel(b, bucket); got != want {
			t.Errorf("bucketLabel %s: %q", bucket, got)
		}
	}
}

func TestParseIntParam(t *testing.T) {
	if n, err := parseIntParam(ctxWith(""), "limit", 10, 1, 50); n != 10 || err != nil {
		t.Errorf("default: %d %v", n, err)
	}
	if n, err := parseIntParam(ctxWith("limit=50"), "limit", 10, 1, 50); n != 50 || err != nil {
		t.Errorf("50: %d %v", n, err)
	}
	for _, q := range []string{"limit=51", "limit=0", "limit=x", "limit=2.5"} {
		if _, err := parseIntParam(ctxWith(q), "limit", 10, 1, 50); err == nil || err.(*pageError).field != "limit" {
			t.Errorf("%s: %v", q, err)
		}
	}
}

// TestDrillDown is the drill-down contract: every bar of a hotspot chart
// links to the ticket list, and that list holds exactly the tickets the bar
// counts.
func TestDrillDown(t *testing.T) {
	f := newFixture(t)
	queries := []string{
		"dim=category", "dim=product", "dim=channel", "dim=tag", "dim=status", "dim=type",
		"dim=team", "dim=agent", "dim=assignee", "dim=priority",
		"dim=category&by=day", "dim=category&dim2=product", "dim=channel&f=category:billing",
		"dim=product&from=2025-03-12&to=2025-03-12",
	}
	for _, q := range queries {
		body := f.page(t, auth.RoleManager, Prefix+"/hotspots?"+q)
		ch, ok := chartsIn(t, body)["hot"]
		if !ok {
			t.Errorf("%s: no chart", q)
			continue
		}
		total, checked := 0, 0
		ss, _ := ch.Option["series"].([]any)
		for si := range ss {
			for di, v := range seriesData(t, ch.Option, si) {
				n := 0
				switch x := v.(type) {
				case float64:
					n = int(x)
				case []any: // heatmap cell [x, y, value]
					n = int(x[2].(float64))
				}
				if n == 0 {
					continue
				}
				total += n
				link, ok := ch.Links[keyOf(si, di)]
				if !ok {
					t.Errorf("%s: bar %d:%d (%d tickets) has no link", q, si, di, n)
					continue
				}
				got, _ := f.listed(t, link)
				checked++
				if got != n {
					t.Errorf("%s: bar %d:%d counts %d, its list %s shows %d", q, si, di, n, link, got)
				}
			}
		}
		if checked == 0 {
			t.Errorf("%s: no bar checked", q)
		}
		// The table's links hold the same promise.
		if !strings.Contains(q, "by=") && !strings.Contains(q, "tag") && total == 0 {
			t.Errorf("%s: nothing counted", q)
		}
	}
}

func keyOf(si, di int) string { return fmt.Sprintf("%d:%d", si, di) }

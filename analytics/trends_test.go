package analytics

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

func TestPlanTrendsBuckets(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	// Wednesday 2026-03-18 10:00 in Berlin to Tuesday 2026-04-07 12:00 UTC:
	// the weeks of Monday 16 March, 23 March (23 days with the change to
	// summer time on 29 March), 30 March and 6 April, the last cut at To.
	from := time.Date(2026, 3, 18, 10, 0, 0, 0, berlin)
	to := time.Date(2026, 4, 7, 12, 0, 0, 0, time.UTC)
	p, err := PlanTrends(TrendQuery{From: from, To: to, Bucket: BucketWeek, TZ: "Europe/Berlin"})
	if err != nil {
		t.Fatal(err)
	}
	var starts, ends []string
	for i := range p.Starts {
		starts = append(starts, p.Starts[i].Format(time.RFC3339))
		ends = append(ends, p.Ends[i].UTC().Format(time.RFC3339))
	}
	wantStarts := []string{"2026-03-16T00:00:00+01:00", "2026-03-23T00:00:00+01:00", "2026-03-30T00:00:00+02:00", "2026-04-06T00:00:00+02:00"}
	wantEnds := []string{"2026-03-22T23:00:00Z", "2026-03-29T22:00:00Z", "2026-04-05T22:00:00Z", "2026-04-07T12:00:00Z"}
	if !slices.Equal(starts, wantStarts) || !slices.Equal(ends, wantEnds) {
		t.Fatalf("buckets %v ending %v, want %v ending %v", starts, ends, wantStarts, wantEnds)
	}
	// 2026-03-16 is day 20528 since 1970.
	if !slices.Equal(p.Values, []int64{20528, 20535, 20542, 20549}) {
		t.Fatalf("values %v", p.Values)
	}
	if p.From != from.Unix() || p.To != to.Unix() {
		t.Fatalf("window %d..%d", p.From, p.To)
	}

	m, err := PlanTrends(TrendQuery{From: time.Date(2026, 1, 31, 23, 0, 0, 500, time.UTC), To: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), Bucket: BucketMonth})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Starts) != 2 || m.Starts[1] != time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC) || !m.Ends[1].Equal(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("month buckets %v ending %v", m.Starts, m.Ends)
	}
	if m.From != time.Date(2026, 1, 31, 23, 0, 1, 0, time.UTC).Unix() {
		t.Fatalf("from %d is not rounded up", m.From)
	}
	// Exactly MaxTrendBuckets days is allowed, one more is not.
	d0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	if p, err := PlanTrends(TrendQuery{From: d0, To: d0.AddDate(0, 0, MaxTrendBuckets), Bucket: BucketDay}); err != nil || len(p.Starts) != MaxTrendBuckets {
		t.Fatalf("%d days: %v", MaxTrendBuckets, err)
	}
	if _, err := PlanTrends(TrendQuery{From: d0, To: d0.AddDate(0, 0, MaxTrendBuckets).Add(time.Second), Bucket: BucketDay}); fieldOf(err) != "bucket" {
		t.Fatalf("%d days and a second: %v", MaxTrendBuckets, err)
	}
}

func fieldOf(err error) string {
	var qe *QueryError
	if errors.As(err, &qe) {
		return qe.Field
	}
	return ""
}

func TestPlanTrendsErrors(t *testing.T) {
	from, to := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		field string
		q     TrendQuery
	}{
		{"from", TrendQuery{To: to, Bucket: "day"}},
		{"to", TrendQuery{From: from, Bucket: "day"}},
		{"to", TrendQuery{From: to, To: from, Bucket: "day"}},
		{"to", TrendQuery{From: from, To: from.AddDate(2, 0, 1), Bucket: "month"}},
		{"from", TrendQuery{From: time.Date(1969, 12, 1, 0, 0, 0, 0, time.UTC), To: time.Date(1970, 2, 1, 0, 0, 0, 0, time.UTC), Bucket: "month"}},
		{"bucket", TrendQuery{From: from, To: to}},
		{"bucket", TrendQuery{From: from, To: to, Bucket: "hour"}},
		{"tz", TrendQuery{From: from, To: to, Bucket: "day", TZ: "Local"}},
		{"tz", TrendQuery{From: from, To: to, Bucket: "day", TZ: "Nowhere/City"}},
		{"filters", TrendQuery{From: from, To: to, Bucket: "day", Filters: map[string][]string{"status": {"new"}}}},
	} {
		if _, err := PlanTrends(c.q); fieldOf(err) != c.field {
			t.Errorf("%+v: %v, want a QueryError on %s", c.q, err, c.field)
		}
	}
}

func TestTrendBacklogs(t *testing.T) {
	p := &TrendPlan{Values: []int64{10, 11, 12, 13}, Starts: make([]time.Time, 4), index: map[int64]int{10: 0, 11: 1, 12: 2, 13: 3}}
	got := p.Backlogs([]TrendSpans{
		{First: 5, Last: TrendOpenEnd, N: 2}, // open since before the first bucket, still open
		{First: 10, Last: 12, N: 3},          // holds the ends of buckets 10 and 11
		{First: 11, Last: 11, N: 7},          // begins and ends within bucket 11: no end
		{First: 13, Last: TrendOpenEnd, N: 1},
		{First: 4, Last: 11, N: 5}, // ended within bucket 11: holds the end of 10 only
	})
	if want := []int64{10, 5, 2, 3}; !slices.Equal(got, want) {
		t.Fatalf("backlogs %v, want %v", got, want)
	}
}

func TestLoadTrendQueries(t *testing.T) {
	file := func(frag string) fstest.MapFS {
		return fstest.MapFS{"q.sql": {Data: []byte(`-- name: trend-created
-- params: tz, from, filters
SELECT {{bucket:created_at}}, {{bucket:x - 1}} FROM t WHERE a >= ? AND {{filters}}
-- name: trend-resolved
-- params: from
SELECT ?
-- name: trend-open
-- params: from
SELECT ?
-- name: trend-bucket-day
` + frag + `
-- name: trend-bucket-week
w(?, {t})
-- name: trend-bucket-month
m(?, {t})
`)}}
	}
	in := func(col string) string { return "has(?, " + col + ")" }
	if _, err := LoadTrendQueries(file("d(?)"), "q.sql", in); err == nil || !strings.Contains(err.Error(), "trend-bucket-day") {
		t.Fatalf("a fragment without {t} loaded: %v", err)
	}
	q, err := LoadTrendQueries(file("d(?, {t})"), "q.sql", in)
	if err != nil {
		t.Fatal(err)
	}
	text, err := trendSQL(q, "trend-created", BucketDay)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "SELECT d(?, (created_at)), d(?, (x - 1)) FROM t") {
		t.Fatalf("expanded: %s", text)
	}
	// Two buckets' zones, from, and the filter clause's 18 parameters.
	if _, err := BindNamed("trend-created", text, map[string][]any{"tz": {"UTC"}, "from": {int64(1)}, "filters": PerfFilterArgs(nil)}); err == nil {
		t.Fatal("one zone bound for two buckets")
	}
}

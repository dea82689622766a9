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
	// Four daily buckets in Berlin across the spring DST change (a 23-hour
	// day); each edge is the quarter hour of an instant.
	p, err := PlanTrends(TrendQuery{From: time.Date(2025, 3, 29, 0, 0, 0, 0, berlin(t)), To: time.Date(2025, 4, 2, 0, 0, 0, 0, berlin(t)),
		Bucket: BucketDay, TZ: "Europe/Berlin"})
	if err != nil {
		t.Fatal(err)
	}
	if p.EdgeStep != 3600 {
		t.Fatalf("Berlin days across a DST change are counted by steps of %d s, want an hour", p.EdgeStep)
	}
	at := func(day, hour, minute int) int64 {
		return (time.Date(2025, 3, day, hour, minute, 0, 0, berlin(t)).Unix() - p.EdgeOffset) / p.EdgeStep
	}
	span := func(from, to int64, n int64) []TrendEdge {
		return []TrendEdge{{Side: TrendSpanStart, Key: from, N: n}, {Side: TrendSpanEnd, Key: to, N: n}}
	}
	var edges []TrendEdge
	edges = append(edges, span(at(20, 9, 0), TrendOpenEnd, 2)...)   // open since before the first bucket, still open
	edges = append(edges, span(at(29, 0, 0), at(31, 8, 0), 3)...)   // holds the ends of the 29th and 30th
	edges = append(edges, span(at(30, 1, 0), at(30, 23, 45), 7)...) // within the 23-hour 30th: no end
	edges = append(edges, span(at(31, 23, 45), TrendOpenEnd, 1)...) // holds the end of the 31st (in its last hour)
	edges = append(edges, span(at(1, 0, 0), at(29, 12, 0), 5)...)   // began before, ended within the 29th: no end
	got := p.Backlogs(edges)
	if want := []int64{5, 5, 3, 3}; !slices.Equal(got, want) {
		t.Fatalf("backlogs %v, want %v", got, want)
	}
}

func TestTrendEdgeSteps(t *testing.T) {
	day := func(y int, m time.Month, d int, zone string) time.Time {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		return time.Date(y, m, d, 0, 0, 0, 0, loc)
	}
	for _, c := range []struct {
		from, to     time.Time
		bucket, zone string
		step         int64
	}{
		{day(2025, 1, 6, "UTC"), day(2026, 1, 5, "UTC"), BucketWeek, "UTC", 7 * 86400},
		{day(2025, 1, 1, "UTC"), day(2025, 3, 1, "UTC"), BucketDay, "UTC", 86400},
		{day(2025, 1, 1, "UTC"), day(2025, 7, 1, "UTC"), BucketMonth, "UTC", 86400},
		{day(2025, 1, 1, "Asia/Kolkata"), day(2025, 2, 1, "Asia/Kolkata"), BucketDay, "Asia/Kolkata", 86400},
		{day(2025, 3, 1, "Asia/Shanghai"), day(2025, 6, 2, "Asia/Shanghai"), BucketWeek, "Asia/Shanghai", 7 * 86400},
		{day(2025, 3, 3, "Europe/Berlin"), day(2025, 4, 28, "Europe/Berlin"), BucketWeek, "Europe/Berlin", 3600},
		{day(2025, 10, 1, "Australia/Lord_Howe"), day(2025, 10, 20, "Australia/Lord_Howe"), BucketDay, "Australia/Lord_Howe", 1800},
		{day(2025, 4, 1, "Asia/Kathmandu"), day(2025, 4, 20, "Asia/Kathmandu"), BucketDay, "Asia/Kathmandu", 86400},
		{day(2025, 4, 1, "UTC"), day(2025, 4, 3, "UTC"), BucketDay, "UTC", 7 * 86400}, // one boundary: any step holds it
	} {
		p, err := PlanTrends(TrendQuery{From: c.from, To: c.to, Bucket: c.bucket, TZ: c.zone})
		if err != nil {
			t.Fatal(err)
		}
		if p.EdgeStep != c.step {
			t.Errorf("%s %s buckets from %s: step %d, want %d", c.zone, c.bucket, c.from, p.EdgeStep, c.step)
		}
		for i, st := range p.Starts[1:] {
			if (st.Unix()-p.EdgeOffset)%p.EdgeStep != 0 {
				t.Errorf("%s: bucket %d starts inside a step", c.zone, i+1)
			}
		}
	}
}

func berlin(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	return loc
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

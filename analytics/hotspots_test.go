package analytics

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestPlanHotspotsValidation(t *testing.T) {
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ok := HotspotQuery{Dimensions: []string{"team"}, From: from, To: from.AddDate(0, 1, 0)}
	mod := func(f func(*HotspotQuery)) HotspotQuery {
		q := ok
		f(&q)
		return q
	}
	cases := []struct {
		name   string
		q      HotspotQuery
		movers bool
		field  string
		reason string
	}{
		{"unknown dimension", mod(func(q *HotspotQuery) { q.Dimensions = []string{"team", "colour"} }), false, "dimensions",
			"allowed: agent, assignee, category, channel, customer_tier, priority, product, region, status, tag, team, type"},
		{"no dimension", mod(func(q *HotspotQuery) { q.Dimensions = nil }), false, "dimensions", "one or two"},
		{"three dimensions", mod(func(q *HotspotQuery) { q.Dimensions = []string{"team", "tag", "type"} }), false, "dimensions", "one or two"},
		{"twice", mod(func(q *HotspotQuery) { q.Dimensions = []string{"agent", "assignee"} }), false, "dimensions", "twice"},
		{"movers pair", mod(func(q *HotspotQuery) { q.Dimensions = []string{"team", "tag"} }), true, "dimensions", "exactly one"},
		{"movers bucket", mod(func(q *HotspotQuery) { q.Bucket = "day" }), true, "bucket", "no bucket"},
		{"bad bucket", mod(func(q *HotspotQuery) { q.Bucket = "fortnight" }), false, "bucket", "fortnight"},
		{"bad tz", mod(func(q *HotspotQuery) { q.TZ = "Mars/Olympus" }), false, "tz", "Mars/Olympus"},
		{"local tz", mod(func(q *HotspotQuery) { q.TZ = "Local" }), false, "tz", "Local"},
		{"no from", mod(func(q *HotspotQuery) { q.From = time.Time{} }), false, "from", "required"},
		{"no to", mod(func(q *HotspotQuery) { q.To = time.Time{} }), false, "to", "required"},
		{"to before from", mod(func(q *HotspotQuery) { q.To = from.Add(-time.Second) }), false, "to", "after from"},
		{"empty range", mod(func(q *HotspotQuery) { q.To = from }), false, "to", "after from"},
		{"too long", mod(func(q *HotspotQuery) { q.To = from.AddDate(2, 0, 0).Add(time.Second) }), false, "to", "2 years"},
		{"before 1970", mod(func(q *HotspotQuery) {
			q.From, q.To = time.Date(1969, 12, 1, 0, 0, 0, 0, time.UTC), MinTime.AddDate(0, 0, 5)
		}), false, "from", "before"},
		{"movers before 1970", mod(func(q *HotspotQuery) { q.From, q.To = MinTime, MinTime.AddDate(0, 1, 0) }), true, "from", "before"},
		{"limit negative", mod(func(q *HotspotQuery) { q.Limit = -1 }), false, "limit", "between 1 and 1000"},
		{"limit too big", mod(func(q *HotspotQuery) { q.Limit = 1001 }), false, "limit", "between 1 and 1000"},
		{"filter unknown", mod(func(q *HotspotQuery) { q.Filters = map[string][]string{"1=1": {"x"}} }), false, "filters", "allowed: agent"},
		{"filter empty", mod(func(q *HotspotQuery) { q.Filters = map[string][]string{"team": {}} }), false, "filters", "no values"},
		{"unknown names cf", mod(func(q *HotspotQuery) { q.Dimensions = []string{"colour"} }), false, "dimensions", "or cf.<name> for the custom field"},
		{"cf empty name", mod(func(q *HotspotQuery) { q.Dimensions = []string{"cf."} }), false, "dimensions", "lower-case letter"},
		{"cf upper case", mod(func(q *HotspotQuery) { q.Dimensions = []string{"cf.OS"} }), false, "dimensions", "lower-case letter"},
		{"cf digit first", mod(func(q *HotspotQuery) { q.Dimensions = []string{"cf.9lives"} }), false, "dimensions", "at most 64"},
		{"cf quote", mod(func(q *HotspotQuery) { q.Dimensions = []string{"cf.os'--"} }), false, "dimensions", "lower-case letter"},
		{"cf too long", mod(func(q *HotspotQuery) { q.Dimensions = []string{"cf." + strings.Repeat("a", 65)} }), false, "dimensions", "at most 64"},
		{"cf twice", mod(func(q *HotspotQuery) { q.Dimensions = []string{"cf.os", "cf.os"} }), false, "dimensions", "twice"},
		{"cf filter bad", mod(func(q *HotspotQuery) { q.Filters = map[string][]string{"cf.a b": {"x"}} }), false, "filters", "lower-case letter"},
		{"filter twice", mod(func(q *HotspotQuery) {
			q.Filters = map[string][]string{"team": {"a"}, "agent": {"b"}, "assignee": {"c"}}
		}),
			false, "filters", "twice"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			plan := PlanHotspots
			if c.movers {
				plan = PlanMovers
			}
			_, err := plan(c.q)
			var qe *QueryError
			if !errors.As(err, &qe) {
				t.Fatalf("error %v is not a *QueryError", err)
			}
			if qe.Field != c.field || !strings.Contains(qe.Reason, c.reason) {
				t.Fatalf("error = %+v, want field %s with %q", qe, c.field, c.reason)
			}
			if !strings.Contains(err.Error(), c.field) {
				t.Fatalf("message %q does not name the field", err)
			}
		})
	}
}

func TestPlanHotspotsDefaults(t *testing.T) {
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p, err := PlanHotspots(HotspotQuery{Dimensions: []string{"agent", "tag"}, From: from.Add(time.Millisecond), To: from.AddDate(2, 0, 0),
		Filters: map[string][]string{"type": {"incident"}, "channel": {"email"}}})
	if err != nil {
		t.Fatal(err)
	}
	if p.TZ != "UTC" || p.Limit != DefaultHotspotLimit || !p.Exploded || p.From != from.Unix()+1 || p.To != from.AddDate(2, 0, 0).Unix() {
		t.Fatalf("plan = %+v", p)
	}
	if p.Columns[0] != "assignee" || p.Columns[1] != "tag" || p.Filters[0].Column != "channel" || p.Filters[1].Column != "ticket_type" {
		t.Fatalf("columns %v, filters %v", p.Columns, p.Filters)
	}
	if p, err := PlanHotspots(HotspotQuery{Dimensions: []string{"team"}, From: from, To: from.Add(time.Hour), Limit: MaxHotspotLimit}); err != nil || p.Limit != 1000 {
		t.Fatalf("limit 1000: %v, %v", p, err)
	}
}

func TestCustomField(t *testing.T) {
	for dim, want := range map[string]string{"cf.os": "os", "cf.a": "a", "cf.x_9": "x_9", "cf." + strings.Repeat("z", 64): strings.Repeat("z", 64)} {
		if name, ok := CustomField(dim); !ok || name != want {
			t.Errorf("CustomField(%q) = %q, %v", dim, name, ok)
		}
		if col, ok := DimensionColumn(dim); !ok || col != dim {
			t.Errorf("DimensionColumn(%q) = %q, %v", dim, col, ok)
		}
	}
	for _, dim := range []string{"os", "cf.", "cf._x", "cf.Os", "cf.o-s", "cf.o s", "cf.é", "CF.os", "cf." + strings.Repeat("z", 65)} {
		if name, ok := CustomField(dim); ok {
			t.Errorf("CustomField(%q) accepted: %q", dim, name)
		}
	}
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p, err := PlanHotspots(HotspotQuery{Dimensions: []string{"cf.os", "team"}, From: from, To: from.Add(time.Hour),
		Filters: map[string][]string{"cf.reassignments": {"", "1"}}})
	if err != nil || !slices.Equal(p.Columns, []string{"cf.os", "team"}) || p.Filters[0].Column != "cf.reassignments" {
		t.Fatalf("plan %+v, %v", p, err)
	}
	if _, err := PlanBacklog(BacklogQuery{At: from, Filters: map[string][]string{"cf.os": {"x"}}}); err == nil {
		t.Error("backlog filtered on a custom field (the intervals have none)")
	}
	// Spikes take the hotspot dimensions, custom fields too.
	if _, err := planSpikes(SpikeQuery{Dimension: "cf.os", Bucket: BucketDay, From: from.AddDate(0, 2, 0), To: from.AddDate(0, 3, 0),
		Filters: map[string][]string{"cf.modules": {"auth"}}}); err != nil {
		t.Errorf("spikes of a custom field: %v", err)
	}
	var qe *QueryError
	if _, err := planSpikes(SpikeQuery{Dimension: "cf.OS", Bucket: BucketDay, From: from, To: from.AddDate(0, 1, 0)}); !errors.As(err, &qe) ||
		qe.Field != "dimension" || !strings.Contains(qe.Reason, "lower-case letter") {
		t.Errorf("spikes of a bad custom field name: %v", err)
	}
}

func TestPlanBacklogValidation(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		q     BacklogQuery
		field string
	}{
		{BacklogQuery{}, "at"},
		{BacklogQuery{At: time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)}, "at"},
		{BacklogQuery{At: at, By: "product"}, "by"},
		{BacklogQuery{At: at, Filters: map[string][]string{"tag": {"vip"}}}, "filters"},
	} {
		_, err := PlanBacklog(c.q)
		var qe *QueryError
		if !errors.As(err, &qe) || qe.Field != c.field {
			t.Errorf("%+v: error %v, want field %s", c.q, err, c.field)
		}
	}
	p, err := PlanBacklog(BacklogQuery{At: at.Add(900 * time.Millisecond), By: "agent", Filters: map[string][]string{"type": {"incident"}}})
	if err != nil || p.At != at.Unix() || p.Column != "assignee" || p.Filters[0].Column != "ticket_type" {
		t.Fatalf("plan = %+v, %v", p, err)
	}
}

// TestHotspotSQL: the expanded templates hold only whitelisted names, and
// values go to the arguments.
func TestHotspotSQL(t *testing.T) {
	frags := map[string]string{}
	for _, n := range HotspotQueryNames() {
		frags[n] = "<" + n + ">"
	}
	frags["hotspots"] = "SELECT {bucket}, {keys} FROM {source} WHERE ? ?{filters} GROUP BY {keyrefs} LIMIT ?"
	frags["bucket-hour"] = "h(?, ?)"
	frags["filter"] = "has(?, {col})"
	frags["filter-tags"] = "hasAny(tags, ?)"
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p, err := PlanHotspots(HotspotQuery{Dimensions: []string{"type", "team"}, Bucket: "hour", TZ: "Asia/Shanghai", From: from, To: from.Add(time.Hour),
		Filters: map[string][]string{"tag": {"x'"}, "agent": {"a"}}})
	if err != nil {
		t.Fatal(err)
	}
	q, args, err := p.HotspotSQL(frags, "hotspots")
	if err != nil {
		t.Fatal(err)
	}
	want := "SELECT h(?, ?), ticket_type AS k0, team AS k1 FROM <source-tickets> WHERE ? ? AND has(?, assignee) AND hasAny(tags, ?) GROUP BY k0, k1 LIMIT ?"
	if q != want {
		t.Fatalf("sql\n%s\nwant\n%s", q, want)
	}
	if len(args) != 7 || args[0] != "Asia/Shanghai" || args[6] != 20 {
		t.Fatalf("args = %v", args)
	}
	if _, _, err := p.HotspotSQL(frags, "nope"); err == nil {
		t.Fatal("unknown template accepted")
	}

	// A custom field's name is an argument, bound where its expression
	// lands: in the keys, and after the values in a filter whose values
	// come first.
	frags["dim-cf"] = "cf(?)"
	p, err = PlanHotspots(HotspotQuery{Dimensions: []string{"cf.os"}, Bucket: "hour", TZ: "UTC", From: from, To: from.Add(time.Hour),
		Filters: map[string][]string{"cf.modules": {"auth", "sync"}}, Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if q, args, err = p.HotspotSQL(frags, "hotspots"); err != nil {
		t.Fatal(err)
	}
	want = "SELECT h(?, ?), cf(?) AS k0 FROM <source-tickets> WHERE ? ? AND has(?, cf(?)) GROUP BY k0 LIMIT ?"
	if q != want || !reflect.DeepEqual(args, []any{"UTC", "UTC", "os", p.From, p.To, []string{"auth", "sync"}, "modules", 3}) {
		t.Fatalf("sql\n%s\nargs %v", q, args)
	}
	frags["dim-cf"] = "cf(?, ?)"
	if _, _, err := p.HotspotSQL(frags, "hotspots"); err == nil {
		t.Fatal("a dim-cf fragment with two parameters accepted")
	}
}

func TestMoverOf(t *testing.T) {
	if m := MoverOf("a", 3, 0); m.Ratio != nil || m.Delta != 3 {
		t.Fatalf("%+v", m)
	}
	if m := MoverOf("a", 1, 4); *m.Ratio != 0.25 || m.Delta != -3 {
		t.Fatalf("%+v", m)
	}
}

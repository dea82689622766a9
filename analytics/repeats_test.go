package analytics

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestPlanRepeats(t *testing.T) {
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 3, 0)
	q, err := PlanRepeats(RepeatQuery{From: from, To: to})
	if err != nil || q.WindowDays != 7 || q.By != "category" || q.Limit != 20 || q.Dimension != "" {
		t.Fatalf("defaults %+v, %v", q, err)
	}
	early := MinTime.Add(30 * 24 * time.Hour)
	for _, c := range []struct {
		q     RepeatQuery
		field string
	}{
		{RepeatQuery{To: to}, "from"},
		{RepeatQuery{From: from}, "to"},
		{RepeatQuery{From: to, To: from}, "to"},
		{RepeatQuery{From: from, To: from.AddDate(2, 0, 0).Add(time.Second)}, "to"},
		{RepeatQuery{From: from, To: time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)}, "to"},
		// The window reaches back before 1970.
		{RepeatQuery{From: early, To: early.AddDate(0, 1, 0), WindowDays: 31}, "from"},
		{RepeatQuery{From: from, To: to, WindowDays: 366}, "window_days"},
		{RepeatQuery{From: from, To: to, WindowDays: -7}, "window_days"},
		{RepeatQuery{From: from, To: to, By: "customer"}, "by"},
		{RepeatQuery{From: from, To: to, Dimension: "subject"}, "dimension"},
		{RepeatQuery{From: from, To: to, Dimension: "cf.Bad"}, "dimension"},
		{RepeatQuery{From: from, To: to, Filters: map[string][]string{"team": {}}}, "filters"},
		{RepeatQuery{From: from, To: to, Limit: -1}, "limit"},
	} {
		_, err := PlanRepeats(c.q)
		var qe *QueryError
		if !errors.As(err, &qe) || qe.Field != c.field {
			t.Errorf("%+v: error %v, want field %s", c.q, err, c.field)
		}
	}
	if _, err := PlanRepeats(RepeatQuery{From: early, To: early.AddDate(0, 1, 0), WindowDays: 30}); err != nil {
		t.Errorf("a window back to 1970 exactly: %v", err)
	}
}

// repeatTestFrags are stand-ins of a store's hotspot fragments that the
// repeat statements use.
func repeatTestFrags() map[string]string {
	return map[string]string{"dim-cf": "cf(?)", "filter": "has(?, {col})", "filter-tags": "hasAny(tags, ?)",
		"source-tickets": "T", "source-tags": "TAGS"}
}

// TestRepeatSQL: the window, the range and the names of custom fields are
// arguments in the order of their placeholders; the repeat key and the
// dimension's column are whitelisted names.
func TestRepeatSQL(t *testing.T) {
	hot := repeatTestFrags()
	rep := map[string]string{
		"repeat-flags":  "F(?, {key}, ?, ?)",
		"repeat-totals": "TOTALS {flags} ? ?{filters}",
		"repeat-rows":   "ROWS {keys} {source} {flags} ? ?{filters} ?",
		"repeat-pairs":  "PAIRS {key} {flags} ? ?{filters} ?",
	}
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p, err := planRepeats(RepeatQuery{From: from, To: from.AddDate(0, 1, 0), WindowDays: 2, By: "product", Dimension: "tag",
		Filters: map[string][]string{"tag": {"vip"}, "cf.os": {"linux"}}})
	if err != nil {
		t.Fatal(err)
	}
	f, tt, w := from.Unix(), from.AddDate(0, 1, 0).Unix(), int64(2*86400)
	q, args, err := p.repeatSQL(hot, rep, "repeat-rows")
	if err != nil {
		t.Fatal(err)
	}
	if want := "ROWS tag AS k0 TAGS F(?, product, ?, ?) ? ? AND has(?, cf(?)) AND has(?, tag) ?"; q != want {
		t.Fatalf("sql %q, want %q", q, want)
	}
	if want := []any{w, f - w, tt, f, tt, []string{"linux"}, "os", []string{"vip"}, 20}; !reflect.DeepEqual(args, want) {
		t.Fatalf("args %v, want %v", args, want)
	}
	// Totals and pairs count tickets, not tags: the tag filter tests the array.
	if q, _, err = p.repeatSQL(hot, rep, "repeat-totals"); err != nil || q != "TOTALS F(?, product, ?, ?) ? ? AND has(?, cf(?)) AND hasAny(tags, ?)" {
		t.Fatalf("totals %q, %v", q, err)
	}
	if _, _, err = p.repeatSQL(hot, rep, "repeat-nope"); err == nil {
		t.Fatal("unknown query accepted")
	}
}

func TestRepeatQueryNames(t *testing.T) {
	if got := RepeatQueryNames(map[string]string{"repeat-all": "x"}); !slices.Equal(got, []string{"repeat-flags", "repeat-all"}) {
		t.Errorf("with repeat-all: %v", got)
	}
	if got := RepeatQueryNames(map[string]string{}); !slices.Equal(got, []string{"repeat-flags", "repeat-totals", "repeat-rows", "repeat-pairs"}) {
		t.Errorf("without repeat-all: %v", got)
	}
}

// TestRepeatTotalsFromRows: with a breakdown by a one-value dimension the
// totals are the rows' sums, and the totals statement runs only when the
// rows come back cut at MaxHotspotLimit values.
func TestRepeatTotalsFromRows(t *testing.T) {
	hot := repeatTestFrags()
	rep := map[string]string{
		"repeat-flags":  "FLAGS ? ? ? {key}",
		"repeat-totals": "-- totals\nSELECT {flags} ? ?{filters}",
		"repeat-rows":   "-- rows\nSELECT {keys} {flags} {source} ? ?{filters} LIMIT ?",
		"repeat-pairs":  "-- pairs\nSELECT {flags} ? ?{filters} LIMIT ?",
	}
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, values := range []int{6, MaxHotspotLimit + 1} {
		var ran []string
		var rowsLimit any
		run := func(_ context.Context, query string, args ...any) (ResultRows, error) {
			name := strings.TrimPrefix(strings.SplitN(query, "\n", 2)[0], "-- ")
			ran = append(ran, name)
			switch name {
			case "rows":
				rowsLimit = args[len(args)-1]
				var rs [][]any
				for i := range values {
					rs = append(rs, []any{fmt.Sprint("v", i), int64(10), int64(8), int64(values - i)})
				}
				return &fakeResult{rows: rs}, nil
			case "totals":
				return &fakeResult{rows: [][]any{{int64(1), int64(2), int64(3)}}}, nil
			}
			return &fakeResult{}, nil
		}
		res, err := RunRepeats(context.Background(), run, hot, rep, RepeatQuery{From: from, To: from.AddDate(0, 1, 0), Dimension: "channel", Limit: 4})
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(ran)
		if rowsLimit != MaxHotspotLimit+1 || len(res.Rows) != 4 || res.Rows[0].Key != "v0" {
			t.Fatalf("%d values: rows limit %v, rows %+v", values, rowsLimit, res.Rows)
		}
		want, wantTotals := []string{"pairs", "rows"}, RepeatCount{Tickets: 60, WithCustomer: 48, Repeats: 21}
		if values > MaxHotspotLimit {
			want, wantTotals = []string{"pairs", "rows", "totals"}, RepeatCount{Tickets: 1, WithCustomer: 2, Repeats: 3}
		}
		if !slices.Equal(ran, want) || res.Totals != wantTotals {
			t.Errorf("%d values: ran %v, totals %+v; want %v, %+v", values, ran, res.Totals, want, wantTotals)
		}
	}
}

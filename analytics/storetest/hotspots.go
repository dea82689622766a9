package storetest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/ticketcore/events"
)

// HotspotHistory is the history of the hotspot suite: the standard history
// (January to March 2026) and a second one from September 2026, whose
// creation times cross the end of daylight saving time in New York
// (2026-11-01) and the turn of the month.
func HotspotHistory() []events.Event {
	h := History()
	h2 := Generate(GenOptions{Seed: 7, Tickets: 300, FirstID: 100000, FirstSeq: 10_000_000,
		Start: time.Date(2026, 9, 20, 0, 0, 0, 0, time.UTC)})
	return append(h, h2...)
}

// RunHotspots checks a store's hotspot queries against answers computed
// here from the events alone; open returns a new, empty store.
func RunHotspots(t *testing.T, open func(t *testing.T) analytics.Store) {
	h := HotspotHistory()
	s := open(t)
	hs, ok := s.(analytics.Hotspotter)
	if !ok {
		t.Fatal("store does not implement analytics.Hotspotter")
	}
	for b := range slices.Chunk(h, 1000) {
		mustApply(t, s, b)
	}
	ctx := context.Background()
	x := newHotspotExpect(h)
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC) }
	all := [2]time.Time{d(2025, 12, 1), d(2026, 12, 1)}

	queries := []analytics.HotspotQuery{
		{Dimensions: []string{"team"}, From: all[0], To: all[1]},
		{Dimensions: []string{"product"}, From: all[0], To: all[1]},
		{Dimensions: []string{"type"}, From: all[0], To: all[1], Limit: 2},
		{Dimensions: []string{"status"}, From: d(2026, 1, 20).Add(1500 * time.Millisecond), To: d(2026, 2, 10).Add(time.Nanosecond)},
		{Dimensions: []string{"tag"}, Bucket: "day", TZ: "Asia/Shanghai", From: d(2026, 1, 1), To: d(2026, 4, 1)},
		{Dimensions: []string{"team", "priority"}, Bucket: "week", TZ: "America/New_York", From: all[0], To: all[1],
			Filters: map[string][]string{"channel": {"email", "chat"}}},
		{Dimensions: []string{"channel"}, Bucket: "hour", TZ: "America/New_York", From: d(2026, 10, 31), To: d(2026, 11, 3), Limit: 3},
		{Dimensions: []string{"channel"}, Bucket: "hour", TZ: "Asia/Kolkata", From: d(2026, 2, 1), To: d(2026, 2, 4)},
		{Dimensions: []string{"agent"}, Bucket: "month", TZ: "Asia/Shanghai", From: all[0], To: all[1], Limit: 5},
		{Dimensions: []string{"category", "tag"}, From: all[0], To: all[1], Filters: map[string][]string{"tag": {"vip"}}},
		{Dimensions: []string{"customer_tier"}, Bucket: "day", From: d(2026, 1, 1), To: d(2026, 3, 1),
			Filters: map[string][]string{"tag": {"vpn"}, "region": {""}, "priority": {"P1", "P2"}}},
		{Dimensions: []string{"region", "assignee"}, Bucket: "month", TZ: "America/New_York", From: d(2026, 1, 1), To: d(2026, 12, 31),
			Filters: map[string][]string{"team": {"network", "tech"}}},
		{Dimensions: []string{"team"}, Bucket: "week", TZ: "Asia/Shanghai", From: all[0], To: all[1], Limit: 1000},
		// Custom fields: a text, a number counting team changes, a multi-enum;
		// tickets without the field count under "".
		{Dimensions: []string{"cf.os"}, From: all[0], To: all[1]},
		{Dimensions: []string{"cf.reassignments", "team"}, Bucket: "month", TZ: "Asia/Shanghai", From: all[0], To: all[1], Limit: 7},
		{Dimensions: []string{"tag", "cf.modules"}, From: all[0], To: all[1], Filters: map[string][]string{"cf.os": {"linux", "ios", ""}}},
		{Dimensions: []string{"channel"}, Bucket: "week", From: d(2026, 1, 1), To: d(2026, 4, 1),
			Filters: map[string][]string{"cf.reassignments": {"1", "2", "3"}, "tag": {"vpn"}}},
		{Dimensions: []string{"cf.no_such_field"}, From: all[0], To: all[1]},
	}
	for i, q := range queries {
		t.Run(fmt.Sprintf("Hotspots%d_%s_%s", i, strings.Join(q.Dimensions, "+"), cmp.Or(q.Bucket, "all")), func(t *testing.T) {
			got, err := hs.Hotspots(ctx, q)
			if err != nil {
				t.Fatalf("hotspots: %v", err)
			}
			want := x.hotspots(t, q)
			if len(want) == 0 {
				t.Fatal("the expectation is empty: a useless case")
			}
			hotspotDiff(t, formatHotspots(got), formatHotspots(want))
			if q.Bucket == "hour" && q.TZ == "America/New_York" {
				// Both 01:00 hours of the end of daylight saving time.
				f := strings.Join(formatHotspots(want), "\n")
				for _, b := range []string{"2026-11-01T01:00:00-04:00", "2026-11-01T01:00:00-05:00"} {
					if !strings.Contains(f, b) {
						t.Errorf("the history has no ticket in the hour %s", b)
					}
				}
			}
		})
	}

	movers := []analytics.HotspotQuery{
		{Dimensions: []string{"team"}, From: d(2026, 2, 1), To: d(2026, 2, 15)},
		{Dimensions: []string{"tag"}, From: d(2026, 1, 20), To: d(2026, 2, 20), Limit: 1},
		{Dimensions: []string{"channel"}, From: d(2026, 10, 15), To: d(2026, 11, 15),
			Filters: map[string][]string{"customer_tier": {"vip", "enterprise"}}},
		{Dimensions: []string{"priority"}, From: d(2026, 3, 1), To: d(2026, 3, 20)}, // nothing before: ratios nil
		{Dimensions: []string{"cf.os"}, From: d(2026, 2, 1), To: d(2026, 2, 20), Filters: map[string][]string{"cf.modules": {"auth", "auth,sync", ""}}},
	}
	for i, q := range movers {
		t.Run(fmt.Sprintf("Movers%d_%s", i, q.Dimensions[0]), func(t *testing.T) {
			got, err := hs.Movers(ctx, q)
			if err != nil {
				t.Fatalf("movers: %v", err)
			}
			want := x.movers(t, q)
			if len(want) == 0 {
				t.Fatal("the expectation is empty: a useless case")
			}
			hotspotDiff(t, formatMovers(got), formatMovers(want))
		})
	}

	backlogs := []analytics.BacklogQuery{
		{At: d(2026, 1, 6).Add(12 * time.Hour)},
		{At: d(2026, 1, 20), By: "status"},
		{At: d(2026, 2, 3).Add(13*time.Hour + 500*time.Millisecond), By: "team"},
		{At: d(2026, 3, 1), By: "priority", Filters: map[string][]string{"team": {"billing", "network-l2"}}},
		{At: d(2026, 10, 1), By: "assignee", Filters: map[string][]string{"customer_tier": {"vip"}, "type": {"incident", "problem"}}},
		{At: d(2026, 11, 1).Add(6 * time.Hour), By: "agent"},
		{At: d(2027, 6, 1), By: "status"},
	}
	for i, q := range backlogs {
		t.Run(fmt.Sprintf("Backlog%d_%s", i, cmp.Or(q.By, "all")), func(t *testing.T) {
			got, err := hs.Backlog(ctx, q)
			if err != nil {
				t.Fatalf("backlog: %v", err)
			}
			want := x.backlog(q)
			if len(want) == 0 {
				t.Fatal("the expectation is empty: a useless case")
			}
			hotspotDiff(t, formatBacklog(got), formatBacklog(want))
		})
	}
	if got, err := hs.Backlog(ctx, analytics.BacklogQuery{At: d(2025, 1, 1)}); err != nil || len(got) != 0 {
		t.Errorf("backlog before any ticket = %v, %v", got, err)
	}

	t.Run("Invalid", func(t *testing.T) {
		var qe *analytics.QueryError
		_, err := hs.Hotspots(ctx, analytics.HotspotQuery{Dimensions: []string{"team; DROP TABLE tickets"}, From: all[0], To: all[1]})
		if !errors.As(err, &qe) || qe.Field != "dimensions" {
			t.Errorf("hotspots with an unknown dimension: %v", err)
		}
		_, err = hs.Movers(ctx, analytics.HotspotQuery{Dimensions: []string{"team"}, TZ: "Mars/Olympus", From: all[0], To: all[1]})
		if !errors.As(err, &qe) || qe.Field != "tz" {
			t.Errorf("movers with an unknown zone: %v", err)
		}
		_, err = hs.Backlog(ctx, analytics.BacklogQuery{At: all[0], By: "product"})
		if !errors.As(err, &qe) || qe.Field != "by" {
			t.Errorf("backlog by product: %v", err)
		}
		// Custom-field names are checked before anything reaches SQL; the
		// unknown-dimension error names the custom-field form.
		for _, d := range []string{"cf.", "cf.OS", "cf.os'); DROP TABLE tickets; --", "cf.1st", "cf." + strings.Repeat("a", 65)} {
			_, err = hs.Hotspots(ctx, analytics.HotspotQuery{Dimensions: []string{d}, From: all[0], To: all[1]})
			if !errors.As(err, &qe) || qe.Field != "dimensions" || !strings.Contains(qe.Reason, "lower-case letter") {
				t.Errorf("hotspots by %q: %v", d, err)
			}
			_, err = hs.Movers(ctx, analytics.HotspotQuery{Dimensions: []string{"team"}, From: all[0], To: all[1], Filters: map[string][]string{d: {"x"}}})
			if !errors.As(err, &qe) || qe.Field != "filters" {
				t.Errorf("movers filtered on %q: %v", d, err)
			}
		}
		if _, err = hs.Hotspots(ctx, analytics.HotspotQuery{Dimensions: []string{"colour"}, From: all[0], To: all[1]}); !errors.As(err, &qe) ||
			!strings.Contains(qe.Reason, "cf.<name>") {
			t.Errorf("unknown dimension: %v", err)
		}
		if _, err = hs.Backlog(ctx, analytics.BacklogQuery{At: all[0], Filters: map[string][]string{"cf.os": {"linux"}}}); !errors.As(err, &qe) || qe.Field != "filters" {
			t.Errorf("backlog filtered on a custom field: %v", err)
		}
		// The longest name is accepted; quotes in a field name or value reach nothing but the comparison.
		long := "cf." + strings.Repeat("z", 64)
		got, err := hs.Hotspots(ctx, analytics.HotspotQuery{Dimensions: []string{long}, From: all[0], To: all[1],
			Filters: map[string][]string{long: {""}, "cf.os": {"x' OR 1=1 --", ""}}})
		if err != nil || len(got) != 1 || got[0].Keys[0] != "" {
			t.Errorf("hotspots by a custom field nobody has = %v, %v", got, err)
		}
		// Values are parameters: quotes reach nothing but the comparison.
		got, err = hs.Hotspots(ctx, analytics.HotspotQuery{Dimensions: []string{"team"}, From: all[0], To: all[1],
			Filters: map[string][]string{"team": {"x' OR 1=1 --", `"); DROP TABLE tickets; --`}}})
		if err != nil || len(got) != 0 {
			t.Errorf("hotspots with quotes in values = %v, %v", got, err)
		}
	})
}

func hotspotDiff(t *testing.T, got, want []string) {
	t.Helper()
	if slices.Equal(got, want) {
		return
	}
	for i := range max(len(got), len(want)) {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			t.Errorf("row %d: got %q, want %q", i, g, w)
		}
	}
	t.Fatalf("got %d rows, want %d", len(got), len(want))
}

func formatHotspots(rs []analytics.HotspotRow) []string {
	out := []string{}
	for _, r := range rs {
		b := "-"
		if !r.Bucket.IsZero() {
			b = r.Bucket.Format(time.RFC3339) + " " + r.Bucket.Location().String()
		}
		out = append(out, fmt.Sprintf("%s %q %d", b, r.Keys, r.Count))
	}
	return out
}

func formatMovers(ms []analytics.Mover) []string {
	out := []string{}
	for _, m := range ms {
		r := "nil"
		if m.Ratio != nil {
			r = fmt.Sprintf("%.9f", *m.Ratio)
		}
		out = append(out, fmt.Sprintf("%q %d %d %d %s", m.Key, m.Current, m.Previous, m.Delta, r))
	}
	return out
}

func formatBacklog(rs []analytics.BacklogRow) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, fmt.Sprintf("%q %d", r.Key, r.Count))
	}
	return out
}

// hotspotExpect answers the hotspot queries from the events: each ticket's
// events in version order (repeats dropped).
type hotspotExpect struct {
	tickets [][]events.Event
}

func newHotspotExpect(evs []events.Event) *hotspotExpect {
	by := map[int64][]events.Event{}
	seen := map[[2]int64]bool{}
	for _, e := range evs {
		if k := [2]int64{e.TicketID, e.TicketVersion}; !seen[k] {
			seen[k] = true
			by[e.TicketID] = append(by[e.TicketID], e)
		}
	}
	x := &hotspotExpect{}
	for _, id := range slices.Sorted(func(yield func(int64) bool) {
		for id := range by {
			if !yield(id) {
				return
			}
		}
	}) {
		tevs := by[id]
		slices.SortFunc(tevs, func(a, b events.Event) int { return cmp.Compare(a.TicketVersion, b.TicketVersion) })
		x.tickets = append(x.tickets, tevs)
	}
	return x
}

// field is a dimension of a ticket snapshot, written out here rather than
// through the stores' column whitelist.
func ticketField(t *events.Ticket, dim string) []string {
	if name, ok := strings.CutPrefix(dim, "cf."); ok {
		return []string{cfText(t.CustomFields[name])}
	}
	switch dim {
	case "product":
		return []string{t.Product}
	case "category":
		return []string{t.Category}
	case "channel":
		return []string{t.Channel}
	case "region":
		return []string{t.Region}
	case "customer_tier":
		return []string{t.Customer.Tier}
	case "priority":
		return []string{t.Priority}
	case "team":
		return []string{t.Team}
	case "assignee", "agent":
		return []string{t.Assignee}
	case "type":
		return []string{t.Type}
	case "status":
		return []string{t.Status}
	case "tag":
		return t.Tags
	}
	panic("unknown dimension " + dim)
}

// cfText is a custom field value as the stores keep it: text as it is,
// numbers in their shortest decimal form, multi-enums sorted and joined
// with commas, "" for a field the ticket lacks (or holds null).
func cfText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case []any:
		var parts []string
		for _, e := range x {
			parts = append(parts, cfText(e))
		}
		slices.Sort(parts)
		return strings.Join(parts, ",")
	}
	panic(fmt.Sprintf("custom field value %T", v))
}

// hotspotCeilSec is the first whole second at or after t.
func hotspotCeilSec(t time.Time) time.Time {
	if u := t.Truncate(time.Second); !u.Equal(t) {
		return u.Add(time.Second)
	}
	return t
}

// created reports the latest snapshots of tickets created in [from, to)
// that pass the filters on their scalar dimensions and, unless the tag
// dimension is grouped on, on their tags (any of the values).
func (x *hotspotExpect) created(from, to time.Time, filters map[string][]string, tagGrouped bool) []*events.Ticket {
	from, to = hotspotCeilSec(from), hotspotCeilSec(to)
	var out []*events.Ticket
next:
	for _, tevs := range x.tickets {
		t := &tevs[len(tevs)-1].Ticket
		c := t.CreatedAt.UTC().Truncate(time.Second)
		if c.Before(from) || !c.Before(to) {
			continue
		}
		for dim, vals := range filters {
			if dim == "tag" && tagGrouped {
				continue
			}
			if !slices.ContainsFunc(ticketField(t, dim), func(v string) bool { return slices.Contains(vals, v) }) {
				continue next
			}
		}
		out = append(out, t)
	}
	return out
}

// keys lists the dimension tuples of a ticket (one per tag when grouping by tag).
func hotspotKeys(t *events.Ticket, dims []string, filters map[string][]string) [][]string {
	out := [][]string{{}}
	for _, d := range dims {
		var next [][]string
		for _, prefix := range out {
			for _, v := range ticketField(t, d) {
				if d == "tag" && filters["tag"] != nil && !slices.Contains(filters["tag"], v) {
					continue
				}
				next = append(next, append(slices.Clone(prefix), v))
			}
		}
		out = next
	}
	return out
}

func hotspotBucket(c time.Time, bucket string, loc *time.Location) time.Time {
	l := c.In(loc)
	switch bucket {
	case "":
		return time.Time{}
	case "hour":
		return c.Add(-time.Duration(l.Minute())*time.Minute - time.Duration(l.Second())*time.Second).In(loc)
	case "day":
		return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
	case "week":
		back := (int(l.Weekday()) + 6) % 7 // days since Monday
		return time.Date(l.Year(), l.Month(), l.Day()-back, 0, 0, 0, 0, loc)
	case "month":
		return time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, loc)
	}
	panic("unknown bucket " + bucket)
}

func (x *hotspotExpect) hotspots(t *testing.T, q analytics.HotspotQuery) []analytics.HotspotRow {
	loc, err := time.LoadLocation(cmp.Or(q.TZ, "UTC"))
	if err != nil {
		t.Fatal(err)
	}
	type key struct {
		b    int64
		keys string
	}
	counts := map[key]*analytics.HotspotRow{}
	for _, tk := range x.created(q.From, q.To, q.Filters, slices.Contains(q.Dimensions, "tag")) {
		b := hotspotBucket(tk.CreatedAt.UTC().Truncate(time.Second), q.Bucket, loc)
		for _, ks := range hotspotKeys(tk, q.Dimensions, q.Filters) {
			k := key{b.Unix(), strings.Join(ks, "\x00")}
			if counts[k] == nil {
				counts[k] = &analytics.HotspotRow{Bucket: b, Keys: ks}
			}
			counts[k].Count++
		}
	}
	var rows []analytics.HotspotRow
	for _, r := range counts {
		rows = append(rows, *r)
	}
	slices.SortFunc(rows, func(a, b analytics.HotspotRow) int {
		return cmp.Or(a.Bucket.Compare(b.Bucket), cmp.Compare(b.Count, a.Count), slices.Compare(a.Keys, b.Keys))
	})
	limit := cmp.Or(q.Limit, 20)
	var out []analytics.HotspotRow
	n := 0
	for i, r := range rows {
		if i > 0 && !r.Bucket.Equal(rows[i-1].Bucket) {
			n = 0
		}
		if n < limit {
			out = append(out, r)
		}
		n++
	}
	return out
}

func (x *hotspotExpect) movers(t *testing.T, q analytics.HotspotQuery) []analytics.Mover {
	from, to := hotspotCeilSec(q.From), hotspotCeilSec(q.To)
	prevFrom := from.Add(-to.Sub(from))
	tagGrouped := q.Dimensions[0] == "tag"
	cur, prev := map[string]int64{}, map[string]int64{}
	for _, tk := range x.created(from, to, q.Filters, tagGrouped) {
		for _, ks := range hotspotKeys(tk, q.Dimensions, q.Filters) {
			cur[ks[0]]++
		}
	}
	for _, tk := range x.created(prevFrom, from, q.Filters, tagGrouped) {
		for _, ks := range hotspotKeys(tk, q.Dimensions, q.Filters) {
			prev[ks[0]]++
		}
	}
	var out []analytics.Mover
	for _, k := range slices.Sorted(mapsKeys(cur)) {
		out = append(out, hotspotMover(k, cur[k], prev[k]))
	}
	for k, n := range prev {
		if _, ok := cur[k]; !ok {
			out = append(out, hotspotMover(k, 0, n))
		}
	}
	abs := func(v int64) int64 { return max(v, -v) }
	slices.SortFunc(out, func(a, b analytics.Mover) int {
		return cmp.Or(cmp.Compare(abs(b.Delta), abs(a.Delta)), strings.Compare(a.Key, b.Key))
	})
	return out[:min(len(out), cmp.Or(q.Limit, 20))]
}

func hotspotMover(k string, cur, prev int64) analytics.Mover {
	m := analytics.Mover{Key: k, Current: cur, Previous: prev, Delta: cur - prev}
	if prev > 0 {
		r := float64(cur) / float64(prev)
		m.Ratio = &r
	}
	return m
}

// backlog: the state of a ticket at an instant is its snapshot after the
// highest version whose `at` (in whole seconds) is at or before it; the
// ticket is in the backlog unless that status is resolved or closed.
func (x *hotspotExpect) backlog(q analytics.BacklogQuery) []analytics.BacklogRow {
	at := q.At.Truncate(time.Second)
	counts := map[string]int64{}
next:
	for _, tevs := range x.tickets {
		// A version takes effect at the latest `at` of the versions up to
		// it (a skewed clock does not move it before its predecessor), so
		// the state at the instant is the last version before the first
		// whose running latest `at` is after it.
		var cur *events.Ticket
		var covers time.Time
		for i := range tevs {
			if s := tevs[i].At.UTC().Truncate(time.Second); s.After(covers) {
				covers = s
			}
			if covers.After(at) {
				break
			}
			cur = &tevs[i].Ticket
		}
		if cur == nil || cur.Status == "resolved" || cur.Status == "closed" {
			continue
		}
		for dim, vals := range q.Filters {
			if !slices.Contains(vals, ticketField(cur, dim)[0]) {
				continue next
			}
		}
		k := ""
		if q.By != "" {
			k = ticketField(cur, q.By)[0]
		}
		counts[k]++
	}
	var out []analytics.BacklogRow
	for k, n := range counts {
		out = append(out, analytics.BacklogRow{Key: k, Count: n})
	}
	slices.SortFunc(out, func(a, b analytics.BacklogRow) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Key, b.Key))
	})
	return out
}

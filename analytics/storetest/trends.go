package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/ticketcore/events"
)

// TrendStore is a store with the trend and backlog queries.
type TrendStore interface {
	analytics.Store
	analytics.Trender
	analytics.Hotspotter
}

// RunTrends checks a store's trend series against answers computed here
// from the events alone, and each point's backlog against the store's own
// Backlog at the point's end; open returns a new, empty store.
func RunTrends(t *testing.T, open func(t *testing.T) TrendStore) {
	// Tickets left open for weeks: their spans reach across many buckets,
	// and a store may keep such long intervals apart.
	h := AddLongWaits(ChainHistory(), time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), 40*24*time.Hour, 12)
	s := open(t)
	for b := range slices.Chunk(h, 1000) {
		mustApply(t, s, b)
	}
	ctx := context.Background()
	berlin, _ := time.LoadLocation("Europe/Berlin")
	newYork, _ := time.LoadLocation("America/New_York")
	// Bounds on exact resolution seconds: [From, To) includes a ticket
	// resolved at From and excludes one resolved at To; the same plus 300 ms
	// must not be truncated back to those seconds.
	var resolved []time.Time
	for _, tevs := range ticketLives(h) {
		if r := tevs[len(tevs)-1].Ticket.ResolvedAt; r != nil {
			resolved = append(resolved, sec(*r))
		}
	}
	slices.SortFunc(resolved, time.Time.Compare)
	edgeFrom, edgeTo := resolved[len(resolved)/4], resolved[3*len(resolved)/4]
	utc := func(m time.Month, d, h int) time.Time { return time.Date(2026, m, d, h, 0, 0, 0, time.UTC) }
	cases := []analytics.TrendQuery{
		{From: utc(1, 20, 0), To: utc(2, 20, 12), Bucket: analytics.BucketDay},
		{From: time.Date(2026, 1, 3, 10, 0, 0, 0, berlin), To: utc(3, 20, 0), Bucket: analytics.BucketWeek, TZ: "Europe/Berlin"},
		{From: time.Date(2025, 12, 15, 0, 0, 0, 0, newYork), To: utc(6, 1, 0), Bucket: analytics.BucketMonth, TZ: "America/New_York"},
		{From: utc(1, 1, 0), To: utc(4, 15, 0), Bucket: analytics.BucketDay, TZ: "Asia/Kolkata",
			Filters: map[string][]string{"priority": {"P1", "P2"}, "channel": {"email", "chat", "web"}}},
		{From: utc(1, 1, 0), To: utc(5, 1, 0), Bucket: analytics.BucketWeek,
			Filters: map[string][]string{"team": {"network", "billing", "returns"}}},
		{From: edgeFrom, To: edgeTo, Bucket: analytics.BucketDay},
		{From: edgeFrom.Add(300 * time.Millisecond), To: edgeTo.Add(300 * time.Millisecond), Bucket: analytics.BucketDay},
		{From: utc(2, 1, 0), To: utc(3, 1, 0), Bucket: analytics.BucketMonth, Filters: map[string][]string{"product": {"nothing-like-this"}}},
	}
	var seen analytics.TrendPoint
	for i, q := range cases {
		got, err := s.Trends(ctx, q)
		if err != nil {
			t.Fatalf("trends %d: %v", i, err)
		}
		want := ExpectTrends(h, q)
		if len(got) != len(want) {
			t.Fatalf("trends %d (%+v): %d points, want %d", i, q, len(got), len(want))
		}
		for j := range want {
			if !samePoint(got[j], want[j]) {
				t.Fatalf("trends %d (%+v) point %d differs:\n got  %+v\n want %+v", i, q, j, got[j], want[j])
			}
			seen.Created += want[j].Created
			seen.Resolved += want[j].Resolved
			seen.Backlog += want[j].Backlog
			seen.SLAMet += want[j].SLAMet
			seen.CSATRated += want[j].CSATRated
			seen.FirstResponseP50Ms += want[j].FirstResponseP50Ms
		}
		if len(q.Filters) > 0 {
			continue
		}
		// The backlog is Backlog's at each point's end, as the store
		// itself answers it.
		for j, p := range got {
			rows, err := s.Backlog(ctx, analytics.BacklogQuery{At: p.End})
			if err != nil {
				t.Fatalf("backlog at %s: %v", p.End, err)
			}
			var n int64
			for _, r := range rows {
				n += r.Count
			}
			if n != p.Backlog {
				t.Fatalf("trends %d point %d: backlog %d, Backlog(At: %s) = %d", i, j, p.Backlog, p.End, n)
			}
		}
	}
	if seen.Created == 0 || seen.Resolved == 0 || seen.Backlog == 0 || seen.SLAMet == 0 || seen.SLAMet == seen.Resolved ||
		seen.CSATRated == 0 || seen.CSATRated == seen.Resolved || seen.FirstResponseP50Ms == 0 {
		t.Fatalf("trend answers too thin to test: totals %+v", seen)
	}

	t.Run("Validation", func(t *testing.T) {
		from, to := utc(1, 1, 0), utc(3, 1, 0)
		bad := []struct {
			field string
			q     analytics.TrendQuery
		}{
			{"from", analytics.TrendQuery{To: to, Bucket: "day"}},
			{"to", analytics.TrendQuery{From: from, Bucket: "day"}},
			{"to", analytics.TrendQuery{From: to, To: from, Bucket: "day"}},
			{"to", analytics.TrendQuery{From: from, To: from.AddDate(2, 0, 1), Bucket: "month"}},
			{"bucket", analytics.TrendQuery{From: from, To: to}},
			{"bucket", analytics.TrendQuery{From: from, To: to, Bucket: "hour"}},
			{"bucket", analytics.TrendQuery{From: from, To: from.AddDate(1, 2, 0), Bucket: "day"}},
			{"tz", analytics.TrendQuery{From: from, To: to, Bucket: "day", TZ: "Mars/Olympus"}},
			{"filters", analytics.TrendQuery{From: from, To: to, Bucket: "day", Filters: map[string][]string{"subject": {"x"}}}},
			{"filters", analytics.TrendQuery{From: from, To: to, Bucket: "day", Filters: map[string][]string{"team": {}}}},
		}
		for _, b := range bad {
			_, err := s.Trends(ctx, b.q)
			var qe *analytics.QueryError
			if !errors.As(err, &qe) || qe.Field != b.field {
				t.Errorf("trends %+v: error %v, want a QueryError on %s", b.q, err, b.field)
			}
		}
		// Values are parameters: quotes and SQL in them match nothing and break nothing.
		got, err := s.Trends(ctx, analytics.TrendQuery{From: from, To: to, Bucket: "week",
			Filters: map[string][]string{"channel": {"email' OR '1'='1", `x\' --`}}})
		if err != nil {
			t.Fatalf("trends with hostile values: %v", err)
		}
		for _, p := range got {
			if p.Created+p.Resolved+p.Backlog != 0 {
				t.Fatalf("hostile values matched tickets: %+v", p)
			}
		}
	})
}

// samePoint compares two points, their times as instants (a zone loaded
// twice is two pointers).
func samePoint(a, b analytics.TrendPoint) bool {
	if !a.Bucket.Equal(b.Bucket) || !a.End.Equal(b.End) || a.Bucket.Location().String() != b.Bucket.Location().String() {
		return false
	}
	a.Bucket, a.End, b.Bucket, b.End = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	return a == b
}

// ExpectTrends computes the answer to q from the events alone: buckets by
// the calendar in q's zone, each ticket by its latest snapshot (filters,
// creation, latest resolution, SLA, rating), its first response from its
// first public comment by a non-client, and the backlog at each bucket's end
// from the state then in effect (stateAt).
func ExpectTrends(evs []events.Event, q analytics.TrendQuery) []analytics.TrendPoint {
	loc := time.UTC
	if q.TZ != "" {
		var err error
		if loc, err = time.LoadLocation(q.TZ); err != nil {
			panic(fmt.Sprintf("ExpectTrends: zone %q: %v", q.TZ, err))
		}
	}
	// The first day of the bucket of t, as a local calendar date.
	first := func(t time.Time) time.Time {
		l := t.In(loc)
		d := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
		switch q.Bucket {
		case analytics.BucketWeek:
			for d.Weekday() != time.Monday {
				d = d.AddDate(0, 0, -1)
			}
		case analytics.BucketMonth:
			d = d.AddDate(0, 0, 1-d.Day())
		}
		return d
	}
	var out []analytics.TrendPoint
	pos := map[time.Time]int{}
	for d := first(q.From); ; {
		next := d.AddDate(0, 0, 1)
		switch q.Bucket {
		case analytics.BucketWeek:
			next = d.AddDate(0, 0, 7)
		case analytics.BucketMonth:
			next = d.AddDate(0, 1, 0)
		}
		start := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
		if !start.Before(q.To) {
			break
		}
		end := time.Date(next.Year(), next.Month(), next.Day(), 0, 0, 0, 0, loc)
		if end.After(q.To) {
			end = q.To
		}
		pos[d] = len(out)
		out = append(out, analytics.TrendPoint{Bucket: start, End: end})
		d = next
	}
	in := func(t time.Time) bool { return !t.Before(q.From) && t.Before(q.To) }
	fr := make([][]int64, len(out))
	res := make([][]int64, len(out))
	for _, tevs := range ticketLives(evs) {
		last := tevs[len(tevs)-1].Ticket
		if !passes(&last, q.Filters) {
			continue
		}
		if c := sec(last.CreatedAt); in(c) {
			out[pos[first(c)]].Created++
		}
		for i := range out {
			if _, open := stateAt(tevs, out[i].End); open {
				out[i].Backlog++
			}
		}
		if last.ResolvedAt == nil || !in(sec(*last.ResolvedAt)) {
			continue
		}
		i := pos[first(sec(*last.ResolvedAt))]
		p := &out[i]
		p.Resolved++
		if !last.SLABreached {
			p.SLAMet++
		}
		if last.CSAT != nil && last.CSAT.Score > 0 {
			p.CSATRated++
			p.CSATSum += int64(last.CSAT.Score)
		}
		for _, e := range tevs {
			if e.Type == events.TicketCommented && e.Comment.Public && e.Actor.Role != "client" {
				fr[i] = append(fr[i], msBetween(last.CreatedAt, e.At))
				break
			}
		}
		res[i] = append(res[i], msBetween(last.CreatedAt, *last.ResolvedAt))
	}
	for i := range out {
		out[i].FirstResponseP50Ms, out[i].ResolveP50Ms = pct(fr[i], 50), pct(res[i], 50)
	}
	return out
}

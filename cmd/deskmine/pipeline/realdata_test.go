package pipeline_test

import (
	"cmp"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/cmd/deskmine/pipeline"
	"github.com/deskmine/deskmine/internal/testdata"
	"github.com/deskmine/deskmine/ticketcore/events"
)

// Correctness over real data: the BPI Challenge 2013 and 2014 incident logs
// go through the ticket core's import path into the event log, the log into
// a DuckDB and a ClickHouse store, and the analytics answers (hotspots,
// movers, backlog, performance, bottlenecks, the checking queries) must equal
// figures computed here straight from the CSV files: own parsing, the
// mapping files' value maps written out again, and the ticket lifecycle
// rules of ticketcore/events/CONTRACT.md (ticket.status_changed). Nothing
// here reads the importer's or the analytics code's intermediate results.

// queryStore is what the real-data tests ask of an analytics store.
type queryStore interface {
	analytics.Store
	analytics.Hotspotter
	analytics.Performer
	analytics.BottleneckFinder
}

// realState is a ticket as it stood after one change.
type realState struct {
	at                time.Time // UTC, whole seconds, as the analytics store keeps it
	status            string
	team, assignee    string
	product, category string
	region, priority  string
	resolvedAt        time.Time // zero when not resolved or closed
	reopens           int
}

// realTicket is one ticket's history as derived from a CSV: its state after
// each change, in the order the importer applies them.
type realTicket struct {
	ext    string
	id     int64 // the ticket store's id, for the answers that name tickets
	states []realState
	cf     map[string]string // custom fields as text (analytics.CustomFieldText's form)
}

func (t *realTicket) created() time.Time { return t.states[0].at }
func (t *realTicket) last() *realState   { return &t.states[len(t.states)-1] }

// resolveMs is created -> resolved of the ticket's latest state, if resolved.
func (t *realTicket) resolveMs() (int64, bool) {
	l := t.last()
	if l.resolvedAt.IsZero() {
		return 0, false
	}
	return max(l.resolvedAt.Sub(t.created()).Milliseconds(), 0), true
}

// moveTo applies a change of status with the contract's lifecycle rules:
// into resolved sets resolved_at; into closed sets it if the ticket was
// never resolved; leaving resolved or closed for another state is a reopen
// and clears it. A change to the same state changes nothing.
func (s *realState) moveTo(to string, at time.Time) {
	if to == "" || to == s.status {
		return
	}
	switch {
	case to == "resolved":
		s.resolvedAt = at
	case to == "closed":
		if s.resolvedAt.IsZero() {
			s.resolvedAt = at
		}
	case isDone(s.status):
		s.reopens++
		s.resolvedAt = time.Time{}
	}
	s.status = to
}

func isDone(status string) bool { return status == "resolved" || status == "closed" }

// dim is a hotspot, backlog or filter dimension of a state.
func (t *realTicket) dim(s *realState, d string) string {
	switch d {
	case "product":
		return s.product
	case "category":
		return s.category
	case "region":
		return s.region
	case "priority":
		return s.priority
	case "team":
		return s.team
	case "assignee", "agent":
		return s.assignee
	case "status":
		return s.status
	case "channel":
		return "web" // neither log has a channel: the import's default
	case "type":
		return "incident"
	case "customer_tier":
		return ""
	}
	if name, ok := strings.CutPrefix(d, "cf."); ok {
		return t.cf[name]
	}
	panic("no dimension " + d)
}

func (t *realTicket) passes(s *realState, filters map[string][]string) bool {
	for d, vs := range filters {
		if !slices.Contains(vs, t.dim(s, d)) {
			return false
		}
	}
	return true
}

// pctl is the documented percentile rule (analytics.Percentile): the
// element of 1-based rank floor(n*p/100)+1 of the sorted values, 0 for none.
func pctl(vs []int64, p int) int64 {
	if len(vs) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(vs))
	return s[len(s)*p/100]
}

// ---- expected answers, from the tickets alone ----

func expectHotspots(t *testing.T, ts []*realTicket, q analytics.HotspotQuery) []analytics.HotspotRow {
	loc := mustZone(t, cmp.Or(q.TZ, "UTC"))
	type key struct {
		b    int64
		keys string
	}
	rows := map[key]*analytics.HotspotRow{}
	for _, tk := range ts {
		c := tk.created()
		if c.Before(q.From) || !c.Before(q.To) || !tk.passes(tk.last(), q.Filters) {
			continue
		}
		var b time.Time
		l := c.In(loc)
		switch q.Bucket {
		case analytics.BucketNone:
		case analytics.BucketHour: // the local hour, also in zones half an hour off UTC
			b = c.Add(-time.Duration(l.Minute())*time.Minute - time.Duration(l.Second())*time.Second).In(loc)
		case analytics.BucketDay:
			b = time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
		case analytics.BucketWeek: // from Monday
			b = time.Date(l.Year(), l.Month(), l.Day()-(int(l.Weekday())+6)%7, 0, 0, 0, 0, loc)
		case analytics.BucketMonth:
			b = time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, loc)
		default:
			t.Fatalf("bucket %q not covered here", q.Bucket)
		}
		var ks []string
		for _, d := range q.Dimensions {
			ks = append(ks, tk.dim(tk.last(), d))
		}
		k := key{b.Unix(), strings.Join(ks, "\x00")}
		if rows[k] == nil {
			rows[k] = &analytics.HotspotRow{Bucket: b, Keys: ks}
		}
		rows[k].Count++
	}
	all := make([]analytics.HotspotRow, 0, len(rows))
	for _, r := range rows {
		all = append(all, *r)
	}
	slices.SortFunc(all, func(a, b analytics.HotspotRow) int {
		return cmp.Or(a.Bucket.Compare(b.Bucket), cmp.Compare(b.Count, a.Count), slices.Compare(a.Keys, b.Keys))
	})
	limit := cmp.Or(q.Limit, analytics.DefaultHotspotLimit)
	var out []analytics.HotspotRow
	for i, n := 0, 0; i < len(all); i++ {
		if i > 0 && !all[i].Bucket.Equal(all[i-1].Bucket) {
			n = 0
		}
		if n < limit {
			out = append(out, all[i])
		}
		n++
	}
	return out
}

func expectMovers(ts []*realTicket, q analytics.HotspotQuery) []string {
	prevFrom := q.From.Add(-q.To.Sub(q.From))
	cur, prev := map[string]int64{}, map[string]int64{}
	for _, tk := range ts {
		c, k := tk.created(), tk.dim(tk.last(), q.Dimensions[0])
		switch {
		case !tk.passes(tk.last(), q.Filters):
		case !c.Before(q.From) && c.Before(q.To):
			cur[k]++
		case !c.Before(prevFrom) && c.Before(q.From):
			prev[k]++
		}
	}
	keys := slices.Collect(maps.Keys(cur))
	for k := range prev {
		if _, ok := cur[k]; !ok {
			keys = append(keys, k)
		}
	}
	abs := func(v int64) int64 { return max(v, -v) }
	slices.SortFunc(keys, func(a, b string) int {
		return cmp.Or(cmp.Compare(abs(cur[b]-prev[b]), abs(cur[a]-prev[a])), strings.Compare(a, b))
	})
	var out []string
	for _, k := range keys[:min(len(keys), cmp.Or(q.Limit, analytics.DefaultHotspotLimit))] {
		ratio := "none"
		if prev[k] > 0 {
			ratio = strconv.FormatFloat(float64(cur[k])/float64(prev[k]), 'g', -1, 64)
		}
		out = append(out, fmt.Sprintf("%s cur %d prev %d delta %d ratio %s", k, cur[k], prev[k], cur[k]-prev[k], ratio))
	}
	return out
}

func formatMovers(ms []analytics.Mover) []string {
	var out []string
	for _, m := range ms {
		ratio := "none"
		if m.Ratio != nil {
			ratio = strconv.FormatFloat(*m.Ratio, 'g', -1, 64)
		}
		out = append(out, fmt.Sprintf("%s cur %d prev %d delta %d ratio %s", m.Key, m.Current, m.Previous, m.Delta, ratio))
	}
	return out
}

// expectBacklog: a ticket is in the backlog at an instant when the state
// after its last change at or before it is neither resolved nor closed.
func expectBacklog(ts []*realTicket, q analytics.BacklogQuery) []analytics.BacklogRow {
	counts := map[string]int64{}
	for _, tk := range ts {
		var cur *realState
		for i := range tk.states {
			if !tk.states[i].at.After(q.At) {
				cur = &tk.states[i]
			}
		}
		if cur == nil || isDone(cur.status) || !tk.passes(cur, q.Filters) {
			continue
		}
		k := ""
		if q.By != "" {
			k = tk.dim(cur, q.By)
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

// expectPerformance: the tickets resolved in a period by their latest
// state count for their latest team or assignee.
func expectPerformance(ts []*realTicket, q analytics.PerformanceQuery) *analytics.PerformanceResult {
	key := func(tk *realTicket, s *realState) string { return tk.dim(s, q.By) }
	period := func(from, to time.Time) []analytics.PerformanceRow {
		type acc struct {
			row analytics.PerformanceRow
			res []int64
		}
		m := map[string]*acc{}
		for _, tk := range ts {
			l := tk.last()
			k := key(tk, l)
			if l.resolvedAt.IsZero() || l.resolvedAt.Before(from) || !l.resolvedAt.Before(to) || k == "" || !tk.passes(l, q.Filters) {
				continue
			}
			a := m[k]
			if a == nil {
				a = &acc{row: analytics.PerformanceRow{Key: k}}
				m[k] = a
			}
			a.row.Handled++
			a.row.SLAMet++ // neither log has SLA policies or breaches
			if l.reopens > 0 {
				a.row.Reopened++
			}
			ms, _ := tk.resolveMs()
			a.res = append(a.res, ms)
			for i := 1; i < len(tk.states); i++ {
				if tk.states[i].team != tk.states[i-1].team {
					a.row.Handoffs++
				}
			}
		}
		var out []analytics.PerformanceRow
		for _, a := range m {
			a.row.ResolveP50Ms, a.row.ResolveP90Ms = pctl(a.res, 50), pctl(a.res, 90)
			out = append(out, a.row)
		}
		return out
	}
	r := &analytics.PerformanceResult{From: q.From, To: q.To, PrevTo: q.From, PrevFrom: q.From.Add(-q.To.Sub(q.From))}
	r.Rows, r.Previous = period(q.From, q.To), period(r.PrevFrom, r.PrevTo)
	backlog := map[string]int64{}
	for _, tk := range ts {
		l := tk.last()
		if !isDone(l.status) && key(tk, l) != "" && tk.passes(l, q.Filters) {
			backlog[key(tk, l)]++
		}
	}
	for i := range r.Rows {
		r.Rows[i].Backlog = backlog[r.Rows[i].Key]
		delete(backlog, r.Rows[i].Key)
	}
	for k, n := range backlog {
		r.Rows = append(r.Rows, analytics.PerformanceRow{Key: k, Backlog: n})
	}
	for _, rows := range [][]analytics.PerformanceRow{r.Rows, r.Previous} {
		slices.SortFunc(rows, func(a, b analytics.PerformanceRow) int {
			return cmp.Or(cmp.Compare(b.Handled, a.Handled), strings.Compare(a.Key, b.Key))
		})
	}
	return r
}

// expectBottlenecks: over the changes made in [From, To) of the tickets
// whose latest state passes the filters, the time until each one's next
// change per team and status; a change to another team than the change
// before it (wherever that lies) is a handoff, counted under the product
// and category of the change, and a handoff back to the team before the
// previous team (A -> B -> A) a bounce of the pair {A, B}. Everything is
// assembled here, in the orders the result documents.
func expectBottlenecks(ts []*realTicket, q analytics.BottleneckQuery) *analytics.BottleneckResult {
	type tsKey struct{ team, status string }
	durs := map[tsKey][]int64{}
	r := &analytics.BottleneckResult{}
	byProduct, byCategory := map[string]*analytics.HandoffCount{}, map[string]*analytics.HandoffCount{}
	pairs := map[analytics.TeamPair]*analytics.PingPong{}
	var bouncing []analytics.TicketHandoffs
	count := func(m map[string]*analytics.HandoffCount, k string, first bool) {
		if m[k] == nil {
			m[k] = &analytics.HandoffCount{Key: k}
		}
		if first {
			m[k].Tickets++
		}
		m[k].Handoffs++
	}
	for _, tk := range ts {
		l := tk.last()
		if !tk.passes(l, q.Filters) {
			continue
		}
		h := analytics.TicketHandoffs{TicketID: tk.id, Product: l.product, Category: l.category}
		seenProduct, seenCategory, seenPair := map[string]bool{}, map[string]bool{}, map[analytics.TeamPair]bool{}
		before, runs := "", 0 // the team before the current team's run; the runs so far
		for i, s := range tk.states {
			in := !s.at.Before(q.From) && s.at.Before(q.To)
			if in && i+1 < len(tk.states) {
				k := tsKey{s.team, s.status}
				durs[k] = append(durs[k], max(tk.states[i+1].at.Sub(s.at).Milliseconds(), 0))
			}
			if i == 0 || s.team == tk.states[i-1].team {
				continue
			}
			prev := tk.states[i-1].team
			bounce := runs > 0 && s.team == before
			before, runs = prev, runs+1
			if !in {
				continue
			}
			h.Handoffs++
			count(byProduct, s.product, !seenProduct[s.product])
			count(byCategory, s.category, !seenCategory[s.category])
			seenProduct[s.product], seenCategory[s.category] = true, true
			if !bounce {
				continue
			}
			a, b := s.team, prev
			if b < a {
				a, b = b, a
			}
			p := analytics.TeamPair{A: a, B: b}
			h.Bounces = append(h.Bounces, p)
			if pairs[p] == nil {
				pairs[p] = &analytics.PingPong{Pair: p}
			}
			pairs[p].Bounces++
			if !seenPair[p] {
				seenPair[p] = true
				pairs[p].Tickets++
			}
		}
		if h.Handoffs == 0 {
			continue
		}
		r.TicketsWithHandoff++
		r.Handoffs += h.Handoffs
		if len(h.Bounces) > 0 {
			bouncing = append(bouncing, h)
		}
	}
	for k, ds := range durs {
		st := analytics.StatusTime{Team: k.team, Status: k.status, Intervals: int64(len(ds)), P50Ms: pctl(ds, 50)}
		for _, d := range ds {
			st.TotalMs += d
		}
		r.StatusTimes = append(r.StatusTimes, st)
	}
	slices.SortFunc(r.StatusTimes, func(a, b analytics.StatusTime) int {
		return cmp.Or(strings.Compare(a.Team, b.Team), strings.Compare(a.Status, b.Status))
	})
	for _, st := range r.StatusTimes {
		if n := len(r.TeamTimes); n == 0 || r.TeamTimes[n-1].Team != st.Team {
			r.TeamTimes = append(r.TeamTimes, analytics.TeamTime{Team: st.Team})
		}
		tt := &r.TeamTimes[len(r.TeamTimes)-1]
		switch st.Status { // the documented waiting and working statuses
		case "pending":
			tt.WaitingMs += st.TotalMs
		case "new", "open":
			tt.WorkingMs += st.TotalMs
		}
	}
	counts := func(m map[string]*analytics.HandoffCount) []analytics.HandoffCount {
		var out []analytics.HandoffCount
		for _, c := range m {
			out = append(out, *c)
		}
		slices.SortFunc(out, func(a, b analytics.HandoffCount) int {
			return cmp.Or(cmp.Compare(b.Handoffs, a.Handoffs), strings.Compare(a.Key, b.Key))
		})
		return out
	}
	r.HandoffsByProduct, r.HandoffsByCategory = counts(byProduct), counts(byCategory)
	for _, p := range pairs {
		r.PingPong = append(r.PingPong, *p)
	}
	slices.SortFunc(r.PingPong, func(a, b analytics.PingPong) int {
		return cmp.Or(cmp.Compare(b.Bounces, a.Bounces), cmp.Compare(b.Tickets, a.Tickets),
			strings.Compare(a.Pair.A, b.Pair.A), strings.Compare(a.Pair.B, b.Pair.B))
	})
	slices.SortFunc(bouncing, func(a, b analytics.TicketHandoffs) int {
		return cmp.Or(cmp.Compare(len(b.Bounces), len(a.Bounces)), cmp.Compare(a.TicketID, b.TicketID))
	})
	r.TicketsPingPong = int64(len(bouncing))
	r.PingPongTickets = bouncing[:min(len(bouncing), analytics.MaxPingPongTickets)]
	return r
}

// ---- comparisons ----

// sameList compares two answers row by row in their printed form (exact
// integers and times; nil and empty lists alike) and reports the first
// difference.
func sameList[T any](t *testing.T, what string, got, want []T) bool {
	t.Helper()
	for i := range max(len(got), len(want)) {
		g, w := "(no row)", "(no row)"
		if i < len(got) {
			g = fmt.Sprintf("%+v", got[i])
		}
		if i < len(want) {
			w = fmt.Sprintf("%+v", want[i])
		}
		if g != w {
			t.Errorf("%s: %d rows, want %d; first difference at row %d:\n got  %s\n want %s", what, len(got), len(want), i, g, w)
			return false
		}
	}
	return true
}

func checkHotspots(t *testing.T, s queryStore, ts []*realTicket, q analytics.HotspotQuery) []analytics.HotspotRow {
	t.Helper()
	got, err := s.Hotspots(context.Background(), q)
	if err != nil {
		t.Fatalf("hotspots %v: %v", q.Dimensions, err)
	}
	want := expectHotspots(t, ts, q)
	if len(want) == 0 {
		t.Fatalf("hotspots %v %s..%s: the expectation is empty, the window misses the data", q.Dimensions, q.From, q.To)
	}
	sameList(t, fmt.Sprintf("hotspots %v bucket %q %s..%s", q.Dimensions, q.Bucket, q.From.Format(time.RFC3339), q.To.Format(time.RFC3339)), got, want)
	return got
}

func checkBacklog(t *testing.T, s queryStore, ts []*realTicket, q analytics.BacklogQuery) []analytics.BacklogRow {
	t.Helper()
	got, err := s.Backlog(context.Background(), q)
	if err != nil {
		t.Fatalf("backlog at %s by %q: %v", q.At, q.By, err)
	}
	want := expectBacklog(ts, q)
	sameList(t, fmt.Sprintf("backlog at %s by %q", q.At.Format(time.RFC3339), q.By), got, want)
	return got
}

func checkPerformance(t *testing.T, s queryStore, ts []*realTicket, q analytics.PerformanceQuery) *analytics.PerformanceResult {
	t.Helper()
	got, err := s.Performance(context.Background(), q)
	if err != nil {
		t.Fatalf("performance by %s: %v", q.By, err)
	}
	want := expectPerformance(ts, q)
	what := fmt.Sprintf("performance by %s %s..%s %v", q.By, q.From.Format(time.RFC3339), q.To.Format(time.RFC3339), q.Filters)
	sameList(t, what+" rows", got.Rows, want.Rows)
	sameList(t, what+" previous rows", got.Previous, want.Previous)
	if !got.PrevFrom.Equal(want.PrevFrom) || !got.PrevTo.Equal(want.PrevTo) {
		t.Errorf("%s: previous period %s..%s, want %s..%s", what, got.PrevFrom, got.PrevTo, want.PrevFrom, want.PrevTo)
	}
	return got
}

func checkBottlenecks(t *testing.T, s queryStore, ts []*realTicket, q analytics.BottleneckQuery) *analytics.BottleneckResult {
	t.Helper()
	got, err := s.Bottlenecks(context.Background(), q)
	if err != nil {
		t.Fatalf("bottlenecks: %v", err)
	}
	want := expectBottlenecks(ts, q)
	what := fmt.Sprintf("bottlenecks %s..%s %v", q.From.Format(time.RFC3339), q.To.Format(time.RFC3339), q.Filters)
	sameList(t, what+" status times", got.StatusTimes, want.StatusTimes)
	sameList(t, what+" team times", got.TeamTimes, want.TeamTimes)
	sameList(t, what+" handoffs by product", got.HandoffsByProduct, want.HandoffsByProduct)
	sameList(t, what+" handoffs by category", got.HandoffsByCategory, want.HandoffsByCategory)
	sameList(t, what+" ping-pong pairs", got.PingPong, want.PingPong)
	sameList(t, what+" ping-pong tickets", got.PingPongTickets, want.PingPongTickets)
	if got.TicketsPingPong != want.TicketsPingPong {
		t.Errorf("%s: %d tickets with ping-pong, want %d", what, got.TicketsPingPong, want.TicketsPingPong)
	}
	if got.TicketsWithHandoff != want.TicketsWithHandoff || got.Handoffs != want.Handoffs {
		t.Errorf("%s: %d tickets with %d handoffs, want %d with %d", what, got.TicketsWithHandoff, got.Handoffs, want.TicketsWithHandoff, want.Handoffs)
	}
	return got
}

// checkTotals compares the shared checking queries' totals with the CSV:
// tickets, events (one per change), tickets per latest status, resolved
// tickets and the sum of their resolution times, closed intervals and
// their time per status.
func checkTotals(t *testing.T, s queryStore, ts []*realTicket) {
	t.Helper()
	got, err := s.Check(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := analytics.NewCheckResult()
	var events int64
	for _, tk := range ts {
		events += int64(len(tk.states))
		want.Tickets++
		want.TicketsByStatus[tk.last().status]++
		if ms, ok := tk.resolveMs(); ok {
			want.Resolved++
			want.ResolveMsSum += ms
		}
		for i := 0; i+1 < len(tk.states); i++ {
			want.ClosedIntervals++
			want.IntervalMsByStatus[tk.states[i].status] += max(tk.states[i+1].at.Sub(tk.states[i].at).Milliseconds(), 0)
		}
	}
	for _, c := range []struct {
		what      string
		got, want any
	}{
		{"tickets", got.Tickets, want.Tickets}, {"events", got.Events, events},
		{"tickets by status", got.TicketsByStatus, want.TicketsByStatus},
		{"resolved", got.Resolved, want.Resolved}, {"resolve ms sum", got.ResolveMsSum, want.ResolveMsSum},
		{"closed intervals", got.ClosedIntervals, want.ClosedIntervals},
		{"interval ms by status", got.IntervalMsByStatus, want.IntervalMsByStatus},
	} {
		if fmt.Sprint(c.got) != fmt.Sprint(c.want) {
			t.Errorf("check %s: %v, want %v", c.what, c.got, c.want)
		}
	}
}

// ---- loading ----

// withStores loads evs into a fresh DuckDB store and a fresh ClickHouse
// database (skipped when ClickHouse is down, except under CI) and runs fn
// on each, in parallel subtests.
func withStores(t *testing.T, evs []events.Event, fn func(t *testing.T, s queryStore)) {
	for _, backend := range []struct {
		name string
		open func(t *testing.T) analytics.Store
	}{{"duckdb", openDuckDB}, {"clickhouse", openClickHouse}} {
		t.Run(backend.name, func(t *testing.T) {
			t.Parallel()
			an := backend.open(t)
			s, ok := an.(queryStore)
			if !ok {
				t.Fatalf("%T does not answer the analytics queries", an)
			}
			start := time.Now()
			for b := range slices.Chunk(evs, logConfig().Stream.BatchSize) { // the loader's batches
				if err := s.Apply(context.Background(), b); err != nil {
					t.Fatalf("apply: %v", err)
				}
			}
			t.Logf("%s: %d events loaded in %.1fs", backend.name, len(evs), time.Since(start).Seconds())
			fn(t, s)
		})
	}
}

// linkIDs sets each ticket's store id from the event log's external ids.
func linkIDs(t *testing.T, ts []*realTicket, evs []events.Event) {
	t.Helper()
	ids := map[string]int64{}
	for _, e := range evs {
		ids[e.Ticket.ExternalID] = e.TicketID
	}
	for _, tk := range ts {
		if tk.id = ids[tk.ext]; tk.id == 0 {
			t.Fatalf("ticket %s of the CSV is not in the event log", tk.ext)
		}
	}
	if len(ids) != len(ts) {
		t.Fatalf("the event log has %d tickets, the CSV %d", len(ids), len(ts))
	}
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func utc(s string) time.Time {
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return v.UTC()
}

// readCSV reads a whole CSV file into its header (by trimmed name) and rows.
func readCSV(t *testing.T, path string, sep rune) (map[string]int, [][]string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comma = sep
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		t.Fatalf("%s: header: %v", path, err)
	}
	cols := map[string]int{}
	for i, h := range header {
		if h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")); h != "" {
			cols[h] = i
		}
	}
	var rows [][]string
	for {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if len(row) != len(header) {
			t.Fatalf("%s: a row of %d cells, the header has %d", path, len(row), len(header))
		}
		rows = append(rows, row)
	}
	return cols, rows
}

// ---- BPI Challenge 2013 ----

// BPI 2013 values as docs/import/bpi2013-mapping.json maps them: Status and
// Sub Status to a workflow state, the impact to an urgency; the ticket core
// derives the priority from the urgency the ticket is created with.
var (
	bpi13States = map[string]string{
		"Queued/Awaiting Assignment": "open", "Accepted/Assigned": "open", "Accepted/In Progress": "open",
		"Accepted/Wait": "pending", "Accepted/Wait - User": "pending", "Accepted/Wait - Customer": "pending",
		"Accepted/Wait - Vendor": "pending", "Accepted/Wait - Implementation": "pending",
		"Completed/In Call": "resolved", "Completed/Resolved": "resolved",
		"Completed/Closed": "closed", "Completed/Cancelled": "closed", "Unmatched/Unmatched": "open",
	}
	bpi13Urgency   = map[string]string{"Low": "low", "Medium": "medium", "High": "high", "Major": "critical"}
	urgencyToPrior = map[string]string{"critical": "P1", "high": "P2", "medium": "P3", "low": "P4"}
)

// bpi13Tickets derives every ticket's history from incidents.csv: rows of a
// ticket in time order (stable), each a change; an empty cell keeps the
// field's value, as the CSV import leaves empty cells out.
func bpi13Tickets(t *testing.T, path string) []*realTicket {
	cols, rows := readCSV(t, path, ',')
	cell := func(row []string, name string) string {
		i, ok := cols[name]
		if !ok {
			t.Fatalf("%s: no column %q", path, name)
		}
		return strings.TrimSpace(row[i])
	}
	type change struct {
		at                                     time.Time
		state, team, res, product, region, urg string
	}
	byID := map[string][]change{}
	var order []string
	for _, row := range rows {
		id := cell(row, "SR Number")
		at, err := time.Parse(time.RFC3339, cell(row, "Change Date+Time"))
		if err != nil {
			t.Fatalf("SR %s: %v", id, err)
		}
		src := cell(row, "Status") + "/" + cell(row, "Sub Status")
		state, ok := bpi13States[src]
		if !ok {
			t.Fatalf("SR %s: status %q is not in the mapping", id, src)
		}
		c := change{at: at.UTC().Truncate(time.Second), state: state, team: cell(row, "Involved ST"), res: cell(row, "Resource"),
			product: cell(row, "Product"), region: cell(row, "Country")}
		if imp := cell(row, "SR Latest Impact"); imp != "" {
			if c.urg, ok = bpi13Urgency[imp]; !ok {
				t.Fatalf("SR %s: impact %q is not in the mapping", id, imp)
			}
		}
		if _, seen := byID[id]; !seen {
			order = append(order, id)
		}
		byID[id] = append(byID[id], c)
	}
	var out []*realTicket
	for _, id := range order {
		cs := byID[id]
		slices.SortStableFunc(cs, func(a, b change) int { return a.at.Compare(b.at) })
		tk := &realTicket{ext: id}
		cur := realState{status: "new"} // the workflow's initial state
		urgency := "medium"             // the import's default
		for i, c := range cs {
			cur.at = c.at
			set := func(dst *string, v string) {
				if v != "" {
					*dst = v
				}
			}
			set(&cur.team, c.team)
			set(&cur.assignee, c.res)
			set(&cur.product, c.product)
			set(&cur.region, c.region)
			set(&urgency, c.urg)
			if i == 0 {
				cur.priority = urgencyToPrior[urgency]
			}
			cur.moveTo(c.state, c.at)
			tk.states = append(tk.states, cur)
		}
		out = append(out, tk)
	}
	return out
}

// TestRealDataBPI2013 checks the analytics answers over the imported BPI
// Challenge 2013 log against the CSV (7,554 incidents, 2010-03 to 2012-05,
// most in April and May 2012).
func TestRealDataBPI2013(t *testing.T) {
	t.Parallel()
	c := bpiCorpus(t) // the import TestConformanceBPI2013 also uses, once per binary
	ts := bpi13Tickets(t, filepath.Join(testdata.RepoRoot(t), "..", "shared", "data", "bpi2013", "incidents.csv"))
	linkIDs(t, ts, c.evs)
	summarizeBPI2013(t, ts)

	// Windows of at most two years, in UTC and on exact creation and
	// resolution instants (a bound that is a ticket's own time must include
	// it at From and exclude it at To).
	wide := [2]time.Time{utc("2010-03-01T00:00:00Z"), utc("2012-03-01T00:00:00Z")}
	recent := [2]time.Time{utc("2011-06-01T00:00:00Z"), utc("2012-06-01T00:00:00Z")}
	may := [2]time.Time{utc("2012-05-01T00:00:00Z"), utc("2012-05-15T00:00:00Z")}
	created := make([]time.Time, len(ts))
	var resolved []time.Time
	for i, tk := range ts {
		created[i] = tk.created()
		if l := tk.last(); !l.resolvedAt.IsZero() {
			resolved = append(resolved, l.resolvedAt)
		}
	}
	slices.SortFunc(created, time.Time.Compare)
	slices.SortFunc(resolved, time.Time.Compare)
	createdEdge := [2]time.Time{created[len(created)/3], created[2*len(created)/3]}
	resolvedEdge := [2]time.Time{resolved[len(resolved)/4], resolved[3*len(resolved)/4]}

	withStores(t, c.evs, func(t *testing.T, s queryStore) {
		t.Run("totals", func(t *testing.T) { checkTotals(t, s, ts) })
		t.Run("hotspots", func(t *testing.T) {
			for _, w := range [][2]time.Time{wide, recent, createdEdge} {
				for _, d := range []string{"product", "team", "region", "priority", "agent"} {
					checkHotspots(t, s, ts, analytics.HotspotQuery{Dimensions: []string{d}, From: w[0], To: w[1], Limit: analytics.MaxHotspotLimit})
				}
			}
			// A pair of dimensions whose keys pass the limit, so the cut is checked too.
			checkHotspots(t, s, ts, analytics.HotspotQuery{Dimensions: []string{"product", "region"}, From: recent[0], To: recent[1], Limit: analytics.MaxHotspotLimit})
			checkHotspots(t, s, ts, analytics.HotspotQuery{Dimensions: []string{"region", "priority"}, From: recent[0], To: recent[1],
				Filters: map[string][]string{"region": {"se", "pl", "in"}}, Limit: 5})
			// Months and days in a zone other than the data's offset.
			checkHotspots(t, s, ts, analytics.HotspotQuery{Dimensions: []string{"team"}, Bucket: analytics.BucketMonth, TZ: "Europe/Brussels",
				From: recent[0], To: recent[1], Limit: 10})
			checkHotspots(t, s, ts, analytics.HotspotQuery{Dimensions: []string{"region"}, Bucket: analytics.BucketDay, TZ: "Asia/Kolkata",
				From: may[0], To: may[1], Limit: 3})
			checkHotspots(t, s, ts, analytics.HotspotQuery{Dimensions: []string{"priority"}, Bucket: analytics.BucketHour, TZ: "Asia/Kolkata",
				From: may[0], To: may[1], Limit: 2})
			checkHotspots(t, s, ts, analytics.HotspotQuery{Dimensions: []string{"product"}, Bucket: analytics.BucketWeek, TZ: "America/New_York",
				From: recent[0], To: recent[1], Limit: 3})
		})
		t.Run("movers", func(t *testing.T) {
			for _, d := range []string{"product", "team"} {
				q := analytics.HotspotQuery{Dimensions: []string{d}, From: may[0], To: may[1], Limit: 30}
				got, err := s.Movers(context.Background(), q)
				if err != nil {
					t.Fatal(err)
				}
				sameList(t, "movers by "+d, formatMovers(got), expectMovers(ts, q))
			}
		})
		t.Run("backlog", func(t *testing.T) {
			for _, at := range []string{"2012-04-15T12:00:00Z", "2012-05-10T09:30:00Z", "2012-05-22T00:00:00Z"} {
				for _, by := range []string{"team", "", "status", "priority"} {
					checkBacklog(t, s, ts, analytics.BacklogQuery{At: utc(at), By: by})
				}
			}
			checkBacklog(t, s, ts, analytics.BacklogQuery{At: utc("2012-05-10T09:30:00Z"), By: "agent",
				Filters: map[string][]string{"priority": {"P1", "P2"}}})
		})
		t.Run("performance", func(t *testing.T) {
			for _, w := range [][2]time.Time{recent, may, resolvedEdge} {
				for _, by := range []string{analytics.ByTeam, analytics.ByAgent} {
					checkPerformance(t, s, ts, analytics.PerformanceQuery{By: by, From: w[0], To: w[1]})
				}
			}
			checkPerformance(t, s, ts, analytics.PerformanceQuery{By: analytics.ByTeam, From: recent[0], To: recent[1],
				Filters: map[string][]string{"region": {"se", "pl"}, "priority": {"P3"}}})
		})
		t.Run("bottlenecks", func(t *testing.T) {
			all := [2]time.Time{utc("2010-05-24T00:00:00Z"), utc("2012-05-24T00:00:00Z")} // every change but 12 of 2010
			for _, w := range [][2]time.Time{all, may} {
				checkBottlenecks(t, s, ts, analytics.BottleneckQuery{From: w[0], To: w[1]})
			}
			checkBottlenecks(t, s, ts, analytics.BottleneckQuery{From: all[0], To: all[1], Filters: map[string][]string{"region": {"se"}}})
		})
	})
}

// summarizeBPI2013 logs the real figures the comparisons are about.
func summarizeBPI2013(t *testing.T, ts []*realTicket) {
	var changes, handoffs, pingPong, reopened, mostHandoffs int
	var most string
	var res []int64
	pairs := map[analytics.TeamPair]int{}
	for _, tk := range ts {
		changes += len(tk.states)
		var seq []string
		for i, s := range tk.states {
			if i > 0 && s.team != tk.states[i-1].team {
				handoffs++
			}
			if len(seq) == 0 || seq[len(seq)-1] != s.team {
				seq = append(seq, s.team)
			}
		}
		if len(seq)-1 > mostHandoffs {
			mostHandoffs, most = len(seq)-1, tk.ext
		}
		bounced := false
		for i := 0; i+2 < len(seq); i++ {
			if seq[i] == seq[i+2] {
				bounced = true
				pairs[analytics.NewTeamPair(seq[i], seq[i+1])]++
			}
		}
		if bounced {
			pingPong++
		}
		if tk.last().reopens > 0 {
			reopened++
		}
		if ms, ok := tk.resolveMs(); ok {
			res = append(res, ms)
		}
	}
	top := slices.SortedFunc(maps.Keys(pairs), func(a, b analytics.TeamPair) int {
		return cmp.Or(cmp.Compare(pairs[b], pairs[a]), strings.Compare(a.A, b.A), strings.Compare(a.B, b.B))
	})[0]
	t.Logf("BPI2013: %d tickets, %d changes, %d team handoffs (%.2f per ticket, at most %d: %s), %d ping-pong tickets, "+
		"top pair %s<->%s %d bounces; %d resolved (%d reopened), resolution p50 %s p90 %s",
		len(ts), changes, handoffs, float64(handoffs)/float64(len(ts)), mostHandoffs, most, pingPong, top.A, top.B, pairs[top], len(res), reopened,
		time.Duration(pctl(res, 50))*time.Millisecond, time.Duration(pctl(res, 90))*time.Millisecond)
}

// ---- BPI Challenge 2014 ----

// BPI 2014 priority codes as docs/import/bpi2014-mapping.json maps them.
var bpi14Priority = map[string]string{"1": "P1", "2": "P1", "3": "P2", "4": "P3", "5": "P4"}

// bpi14Tickets derives every incident's history from incidents.csv as
// docs/import.md describes the conversion: created (open) at Open Time,
// resolved at Resolved Time, closed at Close Time, times in Amsterdam's
// zone; the attributes are those of the row. It returns the tickets and
// the number of blank filler rows.
func bpi14Tickets(t *testing.T, path string) ([]*realTicket, int) {
	cols, rows := readCSV(t, path, ';')
	ams := mustZone(t, pipeline.BPI2014Zone)
	blank := 0
	var out []*realTicket
	for _, row := range rows {
		if strings.Trim(strings.Join(row, ""), " ") == "" {
			blank++
			continue
		}
		cell := func(name string) string {
			i, ok := cols[name]
			if !ok {
				t.Fatalf("%s: no column %q", path, name)
			}
			return strings.TrimSpace(row[i])
		}
		id := cell("Incident ID")
		at := func(name string) time.Time {
			v := cell(name)
			if v == "" {
				return time.Time{}
			}
			x, err := time.ParseInLocation("02/01/2006 15:04:05", v, ams)
			if err != nil {
				t.Fatalf("%s %s: %v", id, name, err)
			}
			return x.UTC()
		}
		open, resolved, closed, reopen := at("Open Time"), at("Resolved Time"), at("Close Time"), at("Reopen Time")
		prio, ok := bpi14Priority[cell("Priority")]
		if !ok {
			t.Fatalf("%s: priority %q is not in the mapping", id, cell("Priority"))
		}
		tk := &realTicket{ext: id, cf: map[string]string{"reopened": "no"}}
		if !reopen.IsZero() {
			tk.cf["reopened"] = "yes"
		}
		if v := cell("# Reassignments"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				t.Fatalf("%s: reassignments %q: %v", id, v, err)
			}
			tk.cf["reassignments"] = strconv.Itoa(n)
		}
		cur := realState{status: "new", category: cell("Category"), product: cell("CI Type (aff)"), priority: prio}
		for _, step := range []struct {
			at     time.Time
			status string
		}{{open, "open"}, {resolved, "resolved"}, {closed, "closed"}} {
			if step.at.IsZero() {
				continue
			}
			cur.at = step.at
			cur.moveTo(step.status, step.at)
			tk.states = append(tk.states, cur)
		}
		out = append(out, tk)
	}
	return out, blank
}

// TestRealDataBPI2014 converts and imports the BPI Challenge 2014 incidents
// (46,606 incidents, 2012-02 to 2014-03, most from October 2013) and checks
// the analytics answers against the CSV.
func TestRealDataBPI2014(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("-short: skips the BPI 2014 import")
	}
	path := testdata.Shared(t, "bpi2014", "incidents.csv")
	ts, blank := bpi14Tickets(t, path)

	ctx := context.Background()
	start := time.Now()
	res, err := pipeline.ImportBPI2014(ctx, t.TempDir(), path,
		filepath.Join(testdata.RepoRoot(t), "docs", "import", "bpi2014-mapping.json"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Store.Close() })
	cs, rep := res.Convert, res.Import
	// Every row of the real file is usable: the figures below cover all of it.
	if cs.Incidents != len(ts) || cs.Blank != blank || cs.Skipped != 0 || cs.Ambiguous != 0 ||
		rep.TicketsImported != len(ts) || rep.TicketsSkipped != 0 || len(rep.BadLines) != 0 {
		t.Fatalf("converted %+v\nimported %+v; the CSV has %d incidents and %d blank rows", cs, rep, len(ts), blank)
	}
	recs, err := pipeline.ReadAll(ctx, res.Store)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := decodeAll(recs, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("BPI2014: %d rows converted to %d lines, imported as %d events in %.1fs (%s)",
		cs.Rows, cs.Lines, rep.EventsWritten, time.Since(start).Seconds(), strings.TrimSpace(strings.SplitN(cs.Summary(), "\n", 2)[0]))
	linkIDs(t, ts, evs)
	summarizeBPI2014(t, ts, cs)

	ams := mustZone(t, pipeline.BPI2014Zone)
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, ams) }
	// Two windows of at most two years that together hold every incident.
	early := [2]time.Time{day(2012, 2, 1), day(2014, 2, 1)}
	late := [2]time.Time{day(2014, 2, 1), day(2014, 4, 1)}
	recent := [2]time.Time{day(2013, 4, 1), day(2014, 4, 1)}
	for _, tk := range ts {
		if c := tk.created(); c.Before(early[0]) || !c.Before(late[1]) {
			t.Fatalf("%s created %s, outside the windows", tk.ext, c)
		}
	}
	categories := map[string]bool{}
	for _, tk := range ts {
		categories[tk.last().category] = true
	}

	withStores(t, evs, func(t *testing.T, s queryStore) {
		t.Run("totals", func(t *testing.T) { checkTotals(t, s, ts) })
		t.Run("hotspots", func(t *testing.T) {
			for _, w := range [][2]time.Time{early, late, recent} {
				for _, d := range []string{"category", "product", "priority", "status"} {
					checkHotspots(t, s, ts, analytics.HotspotQuery{Dimensions: []string{d}, From: w[0], To: w[1], Limit: analytics.MaxHotspotLimit})
				}
				checkHotspots(t, s, ts, analytics.HotspotQuery{Dimensions: []string{"category", "priority"}, From: w[0], To: w[1], Limit: analytics.MaxHotspotLimit})
				// By month in the data's own zone: all incidents (their one
				// type), and by priority.
				for _, d := range []string{"type", "priority"} {
					checkHotspots(t, s, ts, analytics.HotspotQuery{Dimensions: []string{d}, Bucket: analytics.BucketMonth, TZ: pipeline.BPI2014Zone,
						From: w[0], To: w[1], Limit: analytics.MaxHotspotLimit})
				}
			}
			checkHotspots(t, s, ts, analytics.HotspotQuery{Dimensions: []string{"product", "category"}, From: recent[0], To: recent[1],
				Filters: map[string][]string{"priority": {"P1", "P2"}}, Limit: 4})
		})
		t.Run("backlog", func(t *testing.T) {
			for _, at := range []time.Time{day(2013, 10, 15).Add(12 * time.Hour), day(2014, 1, 15).Add(9 * time.Hour), day(2014, 3, 31).Add(12 * time.Hour)} {
				for _, by := range []string{"", "priority", "status", "team"} {
					checkBacklog(t, s, ts, analytics.BacklogQuery{At: at, By: by})
				}
			}
		})
		t.Run("resolution", func(t *testing.T) {
			// The log has no teams or assignees, so performance has no rows
			// (tickets without the key are left out, as documented) ...
			for _, w := range [][2]time.Time{early, recent} {
				for _, by := range []string{analytics.ByTeam, analytics.ByAgent} {
					if p := checkPerformance(t, s, ts, analytics.PerformanceQuery{By: by, From: w[0], To: w[1]}); len(p.Rows)+len(p.Previous) != 0 {
						t.Errorf("performance by %s has rows for a log without teams: %+v", by, p.Rows)
					}
				}
			}
			// ... and an incident's resolution time is its time in open (the
			// only change before the resolution): the bottleneck status
			// times give their median, overall and per category, for the
			// incidents opened in each window.
			for _, w := range [][2]time.Time{early, late} {
				for _, cat := range append([]string{""}, slices.Sorted(maps.Keys(categories))...) {
					q := analytics.BottleneckQuery{From: w[0], To: w[1]}
					if cat != "" {
						q.Filters = map[string][]string{"category": {cat}}
					}
					b := checkBottlenecks(t, s, ts, q)
					var want []int64
					for _, tk := range ts {
						ms, ok := tk.resolveMs()
						if c := tk.created(); ok && len(tk.states) > 1 && !c.Before(w[0]) && c.Before(w[1]) && (cat == "" || tk.last().category == cat) {
							want = append(want, ms)
						}
					}
					var got analytics.StatusTime
					for _, st := range b.StatusTimes {
						if st.Team == "" && st.Status == "open" {
							got = st
						}
					}
					if got.Intervals != int64(len(want)) || got.P50Ms != pctl(want, 50) {
						t.Errorf("resolution of the incidents opened %s..%s in category %q: %d, median %d ms; want %d, median %d ms",
							w[0].Format(time.DateOnly), w[1].Format(time.DateOnly), cat, got.Intervals, got.P50Ms, len(want), pctl(want, 50))
					}
				}
			}
		})
		t.Run("custom fields", func(t *testing.T) {
			// Reopened and the reassignment counts are custom fields; the
			// hotspot dimension cf.<name> counts tickets by their value
			// ("" without one). Over both windows: every incident.
			for _, name := range []string{"reopened", "reassignments"} {
				q := analytics.HotspotQuery{Dimensions: []string{"cf." + name}, From: early[0], To: early[1], Limit: analytics.MaxHotspotLimit}
				if _, err := s.Hotspots(context.Background(), q); err != nil {
					var qe *analytics.QueryError
					if errors.As(err, &qe) && qe.Field == "dimensions" {
						t.Skip("waiting for the cf.<name> dimension")
					}
					t.Fatal(err)
				}
				got := map[string]int64{}
				for _, w := range [][2]time.Time{early, late} {
					q.From, q.To = w[0], w[1]
					for _, r := range checkHotspots(t, s, ts, q) {
						got[r.Keys[0]] += r.Count
					}
				}
				want := map[string]int64{}
				for _, tk := range ts {
					want[tk.cf[name]]++
				}
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("tickets by %s over all incidents: %v, want %v", name, got, want)
				}
				if name == "reassignments" {
					gotSum, wantSum := reassignmentTotal(t, got), reassignmentTotal(t, want)
					if gotSum != wantSum {
						t.Errorf("reassignments in total: %d, want %d", gotSum, wantSum)
					}
					// The filter value "" keeps the incidents without the field.
					checkHotspots(t, s, ts, analytics.HotspotQuery{Dimensions: []string{"category", "cf.reopened"}, From: early[0], To: early[1],
						Filters: map[string][]string{"cf.reassignments": {""}}})
					// Reassignments by priority, a custom field beside a column.
					checkHotspots(t, s, ts, analytics.HotspotQuery{Dimensions: []string{"priority", "cf.reassignments"}, From: recent[0], To: recent[1],
						Bucket: analytics.BucketMonth, TZ: pipeline.BPI2014Zone, Limit: 8})
				}
			}
		})
	})
}

func reassignmentTotal(t *testing.T, byValue map[string]int64) int64 {
	var sum int64
	for v, n := range byValue {
		if v == "" {
			continue
		}
		k, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			t.Fatalf("reassignment value %q: %v", v, err)
		}
		sum += k * n
	}
	return sum
}

// summarizeBPI2014 logs the real figures the comparisons are about.
func summarizeBPI2014(t *testing.T, ts []*realTicket, cs pipeline.ConvertStats) {
	var all []int64
	byCat := map[string][]int64{}
	var reassign, reopened int64
	for _, tk := range ts {
		if ms, ok := tk.resolveMs(); ok {
			all = append(all, ms)
			byCat[tk.last().category] = append(byCat[tk.last().category], ms)
		}
		n, _ := strconv.ParseInt(tk.cf["reassignments"], 10, 64)
		reassign += n
		if tk.cf["reopened"] == "yes" {
			reopened++
		}
	}
	d := func(ms int64) string { return (time.Duration(ms) * time.Millisecond).Round(time.Minute).String() }
	var cats []string
	for _, c := range slices.Sorted(maps.Keys(byCat)) {
		cats = append(cats, fmt.Sprintf("%s: %d, p50 %s p90 %s", c, len(byCat[c]), d(pctl(byCat[c], 50)), d(pctl(byCat[c], 90))))
	}
	t.Logf("BPI2014: %d incidents, %d reassignments, %d reopened, %d closed without a resolved time, %d status mismatches; "+
		"resolution p50 %s p90 %s; by category: %s",
		len(ts), reassign, reopened, cs.ClosedUnresolved, cs.StatusMismatch, d(pctl(all, 50)), d(pctl(all, 90)), strings.Join(cats, "; "))
}

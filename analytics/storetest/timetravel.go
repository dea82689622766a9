package storetest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/ticketcore/events"
)

// RunTimeTravel checks a store's open tickets at an instant and its backlog
// by SLA state against answers computed here from the events alone; open
// returns a new, empty store.
func RunTimeTravel(t *testing.T, open func(t *testing.T) RootCauseStore) {
	h := AddLongWaits(ChainHistory(), time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), 40*24*time.Hour, 12)
	s := open(t)
	for b := range slices.Chunk(h, 1000) {
		mustApply(t, s, b)
	}
	ctx := context.Background()
	d := func(m time.Month, day, hour int) time.Time { return time.Date(2026, m, day, hour, 0, 0, 0, time.UTC) }
	instants := []time.Time{d(1, 6, 12), d(1, 20, 0), d(2, 3, 13).Add(500 * time.Millisecond), d(2, 20, 9), d(3, 1, 0), d(3, 9, 0), d(6, 1, 0)}
	// An instant on an event's exact second: the state after it counts.
	for _, e := range h {
		if e.Type == events.TicketSLAWarning && e.At.After(d(2, 1, 0)) {
			instants = append(instants, sec(e.At))
			break
		}
	}
	seenStates := map[string]bool{}
	for i, at := range instants {
		queries := []analytics.OpenQuery{
			{At: at, Limit: analytics.MaxOpenLimit},
			{At: at},
			{At: at, Limit: 7, Filters: map[string][]string{"team": {"network", "billing", "tech"}}},
			{At: at, Filters: map[string][]string{"status": {"pending", "new"}, "priority": {"P1", "P2", "P3"}}},
			{At: at, Limit: 500, Filters: map[string][]string{analytics.DimSLAState: {analytics.SLAAtRisk, analytics.SLABreached}}},
		}
		for j, q := range queries {
			got, err := s.OpenAt(ctx, q)
			if err != nil {
				t.Fatalf("open %d.%d: %v", i, j, err)
			}
			want := ExpectOpen(h, q)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("open %d.%d at %s (%+v): %d rows, want %d; %s", i, j, at, q, len(got), len(want), firstDiff(got, want))
			}
			for _, o := range want {
				seenStates[o.SLAState] = true
			}
		}
		backlogs := []analytics.BacklogQuery{
			{At: at, By: analytics.DimSLAState},
			{At: at, By: analytics.DimSLAState, Filters: map[string][]string{"team": {"network", "tech", "returns"}, "priority": {"P1", "P2"}}},
			{At: at, By: "team", Filters: map[string][]string{analytics.DimSLAState: {analytics.SLAAtRisk}}},
			{At: at, Filters: map[string][]string{analytics.DimSLAState: {analytics.SLABreached, analytics.SLAOnTrack}}},
		}
		for j, q := range backlogs {
			got, err := s.Backlog(ctx, q)
			if err != nil {
				t.Fatalf("backlog %d.%d: %v", i, j, err)
			}
			want := ExpectBacklogSLA(h, q)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("backlog %d.%d at %s (%+v) differs:\n got  %+v\n want %+v", i, j, at, q, got, want)
			}
		}
	}
	for _, st := range analytics.SLAStates() {
		if !seenStates[st] {
			t.Fatalf("no open ticket is %s at any instant: the suite does not test it", st)
		}
	}
	if got, err := s.OpenAt(ctx, analytics.OpenQuery{At: d(1, 1, 0)}); err != nil || len(got) != 0 {
		t.Errorf("open before any ticket = %v, %v", got, err)
	}

	t.Run("HotspotsAt", func(t *testing.T) {
		all := [2]time.Time{time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
		cases := []struct {
			q  analytics.HotspotQuery
			at time.Time
		}{
			{analytics.HotspotQuery{Dimensions: []string{"status"}, From: all[0], To: all[1]}, d(2, 3, 13).Add(500 * time.Millisecond)},
			{analytics.HotspotQuery{Dimensions: []string{"team", "priority"}, Bucket: "week", TZ: "Europe/Berlin", From: all[0], To: all[1]}, d(2, 20, 9)},
			{analytics.HotspotQuery{Dimensions: []string{"status"}, From: d(1, 20, 0), To: d(2, 1, 0), Filters: map[string][]string{"team": {"network", "billing", "tech"}}}, d(1, 25, 6)},
			{analytics.HotspotQuery{Dimensions: []string{"tag"}, Bucket: "day", From: all[0], To: all[1], Limit: 3}, d(1, 20, 0)},
			{analytics.HotspotQuery{Dimensions: []string{"assignee"}, From: d(1, 10, 0), To: d(1, 30, 0), Limit: 5}, d(6, 1, 0)},
		}
		for i, c := range cases {
			got, err := s.HotspotsAt(ctx, c.q, c.at)
			if err != nil {
				t.Fatalf("hotspots at %d: %v", i, err)
			}
			want := ExpectHotspotsAt(t, h, c.q, c.at)
			if len(want) == 0 {
				t.Fatalf("hotspots at %d: the expectation is empty: a useless case", i)
			}
			hotspotDiff(t, formatHotspots(got), formatHotspots(want))
		}
		// As of now, the answer is that of the latest state.
		q := analytics.HotspotQuery{Dimensions: []string{"status"}, From: all[0], To: all[1]}
		now, err := s.HotspotsAt(ctx, q, time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		latest, err := s.Hotspots(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		hotspotDiff(t, formatHotspots(now), formatHotspots(latest))
		var qe *analytics.QueryError
		if _, err := s.HotspotsAt(ctx, q, all[0]); !errors.As(err, &qe) || qe.Field != "at" {
			t.Errorf("hotspots at from: %v, want a QueryError on at", err)
		}
		if _, err := s.HotspotsAt(ctx, analytics.HotspotQuery{Dimensions: []string{"colour"}, From: all[0], To: all[1]}, d(2, 1, 0)); !errors.As(err, &qe) || qe.Field != "dimensions" {
			t.Errorf("hotspots at with an unknown dimension: %v", err)
		}
	})

	t.Run("Validation", func(t *testing.T) {
		at := d(2, 1, 0)
		bad := []struct {
			field string
			q     analytics.OpenQuery
		}{
			{"at", analytics.OpenQuery{}},
			{"at", analytics.OpenQuery{At: time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC)}},
			{"at", analytics.OpenQuery{At: time.Date(2106, 1, 1, 0, 0, 0, 0, time.UTC)}},
			{"limit", analytics.OpenQuery{At: at, Limit: analytics.MaxOpenLimit + 1}},
			{"filters", analytics.OpenQuery{At: at, Filters: map[string][]string{"category": {"vpn"}}}},
			{"filters", analytics.OpenQuery{At: at, Filters: map[string][]string{"team": {}}}},
			{"filters", analytics.OpenQuery{At: at, Filters: map[string][]string{analytics.DimSLAState: {"late"}}}},
		}
		for _, b := range bad {
			_, err := s.OpenAt(ctx, b.q)
			var qe *analytics.QueryError
			if !errors.As(err, &qe) || qe.Field != b.field {
				t.Errorf("open %+v: error %v, want a QueryError on %s", b.q, err, b.field)
			}
		}
		for _, q := range []analytics.BacklogQuery{
			{At: at, Filters: map[string][]string{analytics.DimSLAState: {"late"}}},
			{At: at, By: analytics.DimSLAState, Filters: map[string][]string{analytics.DimSLAState: {}}},
			{At: at, By: analytics.DimSLAState, Filters: map[string][]string{"product": {"router"}}},
		} {
			_, err := s.Backlog(ctx, q)
			var qe *analytics.QueryError
			if !errors.As(err, &qe) || qe.Field != "filters" {
				t.Errorf("backlog %+v: error %v, want a QueryError on filters", q, err)
			}
		}
		got, err := s.OpenAt(ctx, analytics.OpenQuery{At: at, Filters: map[string][]string{"team": {"network' OR '1'='1"}}})
		if err != nil || len(got) != 0 {
			t.Errorf("open with a hostile value = %v, %v", got, err)
		}
	})
}

// ticketAt is a ticket as it stood at an instant, read from its events:
// the snapshot of the version in effect then (a version takes effect at the
// latest `at`, in whole seconds, of the versions up to it: a skewed clock
// does not move it before its predecessor), the start of its open episode
// and its SLA state.
type ticketAt struct {
	snap     *events.Ticket
	opened   time.Time
	slaState string
}

func stateAt(tevs []events.Event, at time.Time) (ticketAt, bool) {
	done := func(s string) bool { return s == "resolved" || s == "closed" }
	var cur ticketAt
	var covers time.Time
	warned, prevDone := false, true
	for i, e := range tevs {
		if s := sec(e.At); s.After(covers) {
			covers = s
		}
		if covers.After(at) {
			break
		}
		cur.snap = &tevs[i].Ticket
		// A resolution is a version whose snapshot has resolved_at while the
		// version before had none: it ends the warnings before it.
		if e.Ticket.ResolvedAt != nil && (i == 0 || tevs[i-1].Ticket.ResolvedAt == nil) {
			warned = false
		}
		if e.Type == events.TicketSLAWarning {
			warned = true
		}
		// The open episode starts with the first version after a done one.
		if !done(e.Ticket.Status) && prevDone {
			cur.opened = sec(e.At)
		}
		prevDone = done(e.Ticket.Status)
	}
	if cur.snap == nil || done(cur.snap.Status) {
		return cur, false
	}
	switch {
	case cur.snap.SLABreached:
		cur.slaState = analytics.SLABreached
	case warned:
		cur.slaState = analytics.SLAAtRisk
	default:
		cur.slaState = analytics.SLAOnTrack
	}
	return cur, true
}

// ExpectOpen computes the answer to q from the events alone.
func ExpectOpen(evs []events.Event, q analytics.OpenQuery) []analytics.OpenTicket {
	out := []analytics.OpenTicket{}
	for id, tevs := range ticketLives(evs) {
		st, ok := stateAt(tevs, q.At)
		if !ok {
			continue
		}
		t := st.snap
		vals := map[string]string{"status": t.Status, "team": t.Team, "priority": t.Priority, analytics.DimSLAState: st.slaState}
		keep := true
		for d, vs := range q.Filters {
			keep = keep && slices.Contains(vs, vals[d])
		}
		if keep {
			out = append(out, analytics.OpenTicket{TicketID: id, Status: t.Status, Team: t.Team, Assignee: t.Assignee,
				Priority: t.Priority, Category: t.Category, Product: t.Product, OpenedAt: st.opened,
				AgeMs: q.At.Sub(st.opened).Milliseconds(), SLAState: st.slaState})
		}
	}
	slices.SortFunc(out, func(a, b analytics.OpenTicket) int {
		return cmp.Or(a.OpenedAt.Compare(b.OpenedAt), cmp.Compare(a.TicketID, b.TicketID))
	})
	return out[:min(len(out), cmp.Or(q.Limit, analytics.DefaultOpenLimit))]
}

// ExpectBacklogSLA computes a backlog answer that may group or filter by
// the SLA state, from the events alone.
func ExpectBacklogSLA(evs []events.Event, q analytics.BacklogQuery) []analytics.BacklogRow {
	counts := map[string]int64{}
	for _, tevs := range ticketLives(evs) {
		st, ok := stateAt(tevs, q.At)
		if !ok {
			continue
		}
		field := func(dim string) string {
			if dim == analytics.DimSLAState {
				return st.slaState
			}
			return ticketField(st.snap, dim)[0]
		}
		keep := true
		for dim, vs := range q.Filters {
			keep = keep && slices.Contains(vs, field(dim))
		}
		if !keep {
			continue
		}
		k := ""
		if q.By != "" {
			k = field(q.By)
		}
		counts[k]++
	}
	out := []analytics.BacklogRow{}
	for k, n := range counts {
		out = append(out, analytics.BacklogRow{Key: k, Count: n})
	}
	slices.SortFunc(out, func(a, b analytics.BacklogRow) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Key, b.Key))
	})
	return out
}

// firstDiff describes the first ticket where two answers differ.
func firstDiff(got, want []analytics.OpenTicket) string {
	for i := range max(len(got), len(want)) {
		switch {
		case i >= len(got):
			return fmt.Sprintf("row %d: missing, want %+v", i, want[i])
		case i >= len(want):
			return fmt.Sprintf("row %d: %+v, want none", i, got[i])
		case got[i] != want[i]:
			return fmt.Sprintf("row %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	return "no difference"
}

// ExpectHotspotsAt computes a hotspot answer as it stood at the instant at,
// with the hotspot suite's expectation over one event per ticket: the
// change in effect at the instant (see stateAt) when it is the ticket's
// latest, else the latest change of a known type up to it (a change of an
// unknown type has no event row to read a superseded state from).
func ExpectHotspotsAt(t *testing.T, evs []events.Event, q analytics.HotspotQuery, at time.Time) []analytics.HotspotRow {
	var chosen []events.Event
	for _, tevs := range ticketLives(evs) {
		var covers time.Time
		inEffect := -1
		for i, e := range tevs {
			if s := sec(e.At); s.After(covers) {
				covers = s
			}
			if covers.After(at) {
				break
			}
			inEffect = i
		}
		if inEffect == len(tevs)-1 {
			chosen = append(chosen, tevs[inEffect])
			continue
		}
		for i := inEffect; i >= 0; i-- {
			if tevs[i].Type.Valid() {
				chosen = append(chosen, tevs[i])
				break
			}
		}
	}
	if q.To.After(at) {
		q.To = at
	}
	return newHotspotExpect(chosen).hotspots(t, q)
}

// AddLongWaits appends to a history, for up to n tickets whose last event
// falls in the week from since and leaves them open, a ticket.updated event
// gap after it that hands them to team "returns": their last state then
// lasts longer than analytics.LongInterval, which stores may keep apart.
func AddLongWaits(evs []events.Event, since time.Time, gap time.Duration, n int) []events.Event {
	last, seq := lastEvents(evs)
	ids := slices.Sorted(maps.Keys(last))
	out := slices.Clone(evs)
	added := 0
	for _, id := range ids {
		p := last[id]
		if added == n || p.At.Before(since) || !p.At.Before(since.Add(7*24*time.Hour)) ||
			p.Ticket.Status == "resolved" || p.Ticket.Status == "closed" || p.Ticket.Team == "returns" {
			continue
		}
		added++
		e := followUp(p, fmt.Sprintf("%08x-%04x-7000-a000-%012x", id, p.TicketVersion+1, added), seq+int64(2*added),
			p.At.Add(gap), events.Actor{ID: 21, Name: "dispatcher", Role: "agent"},
			events.Change{Field: "team", Old: raw(p.Ticket.Team), New: raw("returns")})
		e.Ticket.Team = "returns"
		out = append(out, e)
	}
	if added == 0 {
		panic("AddLongWaits: no ticket to wait")
	}
	return out
}

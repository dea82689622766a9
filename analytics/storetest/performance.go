package storetest

import (
	"cmp"
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/ticketcore/events"
)

// PerformanceStore is a store with the performance and bottleneck queries.
type PerformanceStore interface {
	analytics.Store
	analytics.Performer
	analytics.BottleneckFinder
}

// RunPerformance checks the performance and bottleneck queries against
// answers computed here from the events alone; open returns a new, empty store.
func RunPerformance(t *testing.T, open func(t *testing.T) PerformanceStore) {
	h := History()
	s := open(t)
	for b := range slices.Chunk(h, 1000) {
		mustApply(t, s, b)
	}
	ctx := context.Background()
	from := time.Date(2026, 1, 25, 0, 0, 0, 0, time.UTC)
	to := time.Date(2026, 2, 24, 12, 0, 0, 0, time.UTC)
	filters := []map[string][]string{
		nil,
		{"channel": {"email", "chat", "web"}},
		{"priority": {"P1", "P2"}, "customer_tier": {"vip", "enterprise", "premium"}, "category": {"", "vpn", "login"}},
		{"product": {"nothing-like-this"}},
		{"team": {"network", "billing"}, "type": {"incident", "problem"}, "region": {""}, "assignee": {"network.agent1", "billing.agent2", "network.agent3"}},
	}
	// A second window whose bounds are exact resolution times: [From, To)
	// includes a ticket resolved at From and excludes one resolved at To.
	var resolved []time.Time
	for _, tevs := range ticketLives(h) {
		if r := tevs[len(tevs)-1].Ticket.ResolvedAt; r != nil {
			resolved = append(resolved, sec(*r))
		}
	}
	slices.SortFunc(resolved, time.Time.Compare)
	edgeFrom, edgeTo := resolved[len(resolved)/3], resolved[2*len(resolved)/3]
	for i, f := range filters {
		for _, by := range []string{analytics.ByAgent, analytics.ByTeam} {
			for _, anon := range []bool{false, true} {
				q := analytics.PerformanceQuery{By: by, From: from, To: to, Filters: f, Anonymous: anon}
				got, err := s.Performance(ctx, q)
				if err != nil {
					t.Fatalf("performance %d %s: %v", i, by, err)
				}
				want := ExpectPerformance(h, q)
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("performance %d by %s anonymous %v differs:\n got  %+v\n want %+v", i, by, anon, *got, *want)
				}
				q.From, q.To = edgeFrom, edgeTo
				if got, err = s.Performance(ctx, q); err != nil {
					t.Fatalf("performance %d %s: %v", i, by, err)
				}
				if want := ExpectPerformance(h, q); !reflect.DeepEqual(got, want) {
					t.Fatalf("performance %d by %s anonymous %v at exact bounds differs:\n got  %+v\n want %+v", i, by, anon, *got, *want)
				}
				// Just after those instants: a bound with a fraction of a
				// second must not be truncated to the resolution second.
				q.From, q.To = edgeFrom.Add(300*time.Millisecond), edgeTo.Add(300*time.Millisecond)
				if got, err = s.Performance(ctx, q); err != nil {
					t.Fatalf("performance %d %s: %v", i, by, err)
				}
				if want := ExpectPerformance(h, q); !reflect.DeepEqual(got, want) {
					t.Fatalf("performance %d by %s anonymous %v at sub-second bounds differs:\n got  %+v\n want %+v", i, by, anon, *got, *want)
				}
				if i == 0 && !anon && (len(want.Rows) == 0 || len(want.Previous) == 0 || want.Rows[0].Handoffs == 0 || want.Rows[0].Backlog+want.Rows[len(want.Rows)-1].Backlog == 0 ||
					want.Rows[0].CSATRated == 0 || want.Rows[0].CSATRated == want.Rows[0].Handled) {
					t.Fatalf("performance answer too thin to test: %+v", *want)
				}
			}
		}
		q := analytics.BottleneckQuery{From: from, To: to, Filters: f}
		got, err := s.Bottlenecks(ctx, q)
		if err != nil {
			t.Fatalf("bottlenecks %d: %v", i, err)
		}
		want := ExpectBottlenecks(h, q)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("bottlenecks %d differ:\n got  %+v\n want %+v", i, *got, *want)
		}
		q.From, q.To = edgeFrom.Add(300*time.Millisecond), edgeTo.Add(300*time.Millisecond)
		if got, err = s.Bottlenecks(ctx, q); err != nil {
			t.Fatalf("bottlenecks %d: %v", i, err)
		}
		if w := ExpectBottlenecks(h, q); !reflect.DeepEqual(got, w) {
			t.Fatalf("bottlenecks %d at sub-second bounds differ:\n got  %+v\n want %+v", i, *got, *w)
		}
		if i == 0 && (len(want.PingPong) == 0 || len(want.StatusTimes) == 0 || want.TeamTimes[0].WaitingMs == 0) {
			t.Fatalf("bottleneck answer too thin to test: %+v", *want)
		}
	}

	t.Run("Validation", func(t *testing.T) {
		bad := []struct {
			field string
			q     analytics.PerformanceQuery
		}{
			{"by", analytics.PerformanceQuery{By: "customer", From: from, To: to}},
			{"from", analytics.PerformanceQuery{By: "agent", To: to}},
			{"to", analytics.PerformanceQuery{By: "agent", From: from}},
			{"to", analytics.PerformanceQuery{By: "agent", From: to, To: from}},
			{"to", analytics.PerformanceQuery{By: "agent", From: from, To: from.AddDate(2, 0, 1)}},
			{"filters", analytics.PerformanceQuery{By: "agent", From: from, To: to, Filters: map[string][]string{"subject": {"x"}}}},
			{"filters", analytics.PerformanceQuery{By: "agent", From: from, To: to, Filters: map[string][]string{"product' OR 1=1 --": {"x"}}}},
			{"filters", analytics.PerformanceQuery{By: "team", From: from, To: to, Filters: map[string][]string{"team": {}}}},
		}
		for _, b := range bad {
			_, err := s.Performance(ctx, b.q)
			var qe *analytics.QueryError
			if !errors.As(err, &qe) || qe.Field != b.field {
				t.Errorf("performance %+v: error %v, want a QueryError on %s", b.q, err, b.field)
			}
			_, err = s.Bottlenecks(ctx, analytics.BottleneckQuery{From: b.q.From, To: b.q.To, Filters: b.q.Filters})
			if b.field != "by" && (!errors.As(err, &qe) || qe.Field != b.field) {
				t.Errorf("bottlenecks %+v: error %v, want a QueryError on %s", b.q, err, b.field)
			}
		}
		// Values are parameters: quotes and SQL in them match nothing and break nothing.
		q := analytics.PerformanceQuery{By: "agent", From: from, To: to,
			Filters: map[string][]string{"channel": {"email' OR '1'='1", `x\' --`, "a\x00b"}}}
		got, err := s.Performance(ctx, q)
		if err != nil {
			t.Fatalf("performance with hostile values: %v", err)
		}
		if len(got.Rows) != 0 || len(got.Previous) != 0 {
			t.Fatalf("hostile values matched rows: %+v", got)
		}
	})
}

// ticketLife is a ticket's deduplicated events in version order.
func ticketLives(evs []events.Event) map[int64][]events.Event {
	byTicket := map[int64][]events.Event{}
	seen := map[[2]int64]bool{}
	for _, e := range evs {
		k := [2]int64{e.TicketID, e.TicketVersion}
		if !seen[k] {
			seen[k] = true
			byTicket[e.TicketID] = append(byTicket[e.TicketID], e)
		}
	}
	for _, tevs := range byTicket {
		slices.SortFunc(tevs, func(a, b events.Event) int { return cmp.Compare(a.TicketVersion, b.TicketVersion) })
	}
	return byTicket
}

func sec(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }

func msBetween(a, b time.Time) int64 { return max(sec(b).Sub(sec(a)).Milliseconds(), 0) }

func passes(t *events.Ticket, f map[string][]string) bool {
	dims := map[string]string{"product": t.Product, "category": t.Category, "channel": t.Channel, "region": t.Region,
		"customer_tier": t.Customer.Tier, "priority": t.Priority, "team": t.Team, "assignee": t.Assignee, "type": t.Type}
	for d, vs := range f {
		if !slices.Contains(vs, dims[d]) {
			return false
		}
	}
	return true
}

func pct(vs []int64, p int) int64 {
	slices.Sort(vs)
	if len(vs) == 0 {
		return 0
	}
	return vs[len(vs)*p/100]
}

// ExpectPerformance computes the answer to q from the events alone.
func ExpectPerformance(evs []events.Event, q analytics.PerformanceQuery) *analytics.PerformanceResult {
	lives := ticketLives(evs)
	key := func(t *events.Ticket) string {
		if q.By == analytics.ByTeam {
			return t.Team
		}
		return t.Assignee
	}
	period := func(from, to time.Time) []analytics.PerformanceRow {
		type acc struct {
			row     analytics.PerformanceRow
			fr, res []int64
		}
		m := map[string]*acc{}
		for _, tevs := range lives {
			last := tevs[len(tevs)-1].Ticket
			if last.ResolvedAt == nil || !passes(&last, q.Filters) || key(&last) == "" {
				continue
			}
			if r := sec(*last.ResolvedAt); r.Before(from) || !r.Before(to) {
				continue
			}
			a := m[key(&last)]
			if a == nil {
				a = &acc{row: analytics.PerformanceRow{Key: key(&last)}}
				m[key(&last)] = a
			}
			a.row.Handled++
			for _, e := range tevs {
				if e.Type == events.TicketCommented && e.Comment.Public && e.Actor.Role != "client" {
					a.fr = append(a.fr, msBetween(last.CreatedAt, e.At))
					a.row.FirstResponses++
					break
				}
			}
			a.res = append(a.res, msBetween(last.CreatedAt, *last.ResolvedAt))
			if !last.SLABreached {
				a.row.SLAMet++
			}
			if last.ReopenCount > 0 {
				a.row.Reopened++
			}
			if last.CSAT != nil && last.CSAT.Score > 0 {
				a.row.CSATRated++
				a.row.CSATSum += int64(last.CSAT.Score)
			}
			for i := 1; i < len(tevs); i++ {
				if tevs[i].Ticket.Team != tevs[i-1].Ticket.Team {
					a.row.Handoffs++
				}
			}
		}
		var out []analytics.PerformanceRow
		for _, a := range m {
			a.row.FirstResponseP50Ms, a.row.FirstResponseP90Ms = pct(a.fr, 50), pct(a.fr, 90)
			a.row.ResolveP50Ms, a.row.ResolveP90Ms = pct(a.res, 50), pct(a.res, 90)
			out = append(out, a.row)
		}
		return out
	}
	res := &analytics.PerformanceResult{From: q.From, To: q.To, PrevTo: q.From, PrevFrom: q.From.Add(-q.To.Sub(q.From))}
	res.Rows, res.Previous = period(q.From, q.To), period(res.PrevFrom, res.PrevTo)
	backlog := map[string]int64{}
	for _, tevs := range lives {
		last := tevs[len(tevs)-1].Ticket
		if last.Status != "resolved" && last.Status != "closed" && passes(&last, q.Filters) && key(&last) != "" {
			backlog[key(&last)]++
		}
	}
	for i := range res.Rows {
		res.Rows[i].Backlog = backlog[res.Rows[i].Key]
		delete(backlog, res.Rows[i].Key)
	}
	for k, n := range backlog {
		res.Rows = append(res.Rows, analytics.PerformanceRow{Key: k, Backlog: n})
	}
	analytics.SortPerformance(res.Rows)
	analytics.SortPerformance(res.Previous)
	if q.Anonymous {
		analytics.Anonymize(q.By, res.Rows, res.Previous)
	}
	return res
}

// ExpectBottlenecks computes the answer to q from the events alone. A
// handoff is a version whose event (in whole seconds) lies in the period and
// whose team differs from the version before it (wherever that lies), a
// bounce a handoff back to the team before the previous team; both count
// under the product and category the ticket had at that version.
func ExpectBottlenecks(evs []events.Event, q analytics.BottleneckQuery) *analytics.BottleneckResult {
	type tsKey struct{ team, status string }
	type agKey struct{ dim, k1, k2 string }
	durs := map[tsKey][]int64{}
	aggTickets := map[agKey]map[int64]bool{}
	aggN := map[agKey]int64{}
	count := func(k agKey, id int64) {
		if aggTickets[k] == nil {
			aggTickets[k] = map[int64]bool{}
		}
		aggTickets[k][id] = true
		aggN[k]++
	}
	var top []analytics.TicketHandoffs
	for id, tevs := range lives(evs) {
		last := tevs[len(tevs)-1].Ticket
		if !passes(&last, q.Filters) {
			continue
		}
		th := analytics.TicketHandoffs{TicketID: id, Product: last.Product, Category: last.Category}
		before, handoffs := "", 0
		for i, e := range tevs {
			in := !sec(e.At).Before(q.From) && sec(e.At).Before(q.To)
			if in && i+1 < len(tevs) {
				k := tsKey{e.Ticket.Team, e.Ticket.Status}
				durs[k] = append(durs[k], msBetween(e.At, tevs[i+1].At))
			}
			if i == 0 || e.Ticket.Team == tevs[i-1].Ticket.Team {
				continue
			}
			prev := tevs[i-1].Ticket.Team
			bounce := handoffs > 0 && e.Ticket.Team == before
			before, handoffs = prev, handoffs+1
			if !in {
				continue
			}
			th.Handoffs++
			count(agKey{analytics.HandoffAll, "", ""}, id)
			count(agKey{analytics.HandoffProduct, e.Ticket.Product, ""}, id)
			count(agKey{analytics.HandoffCategory, e.Ticket.Category, ""}, id)
			if bounce {
				p := analytics.NewTeamPair(e.Ticket.Team, prev)
				count(agKey{analytics.HandoffPair, p.A, p.B}, id)
				count(agKey{analytics.HandoffBounced, "", ""}, id)
				th.Bounces = append(th.Bounces, p)
			}
		}
		if len(th.Bounces) > 0 {
			top = append(top, th)
		}
	}
	times := []analytics.StatusTime{}
	for k, ds := range durs {
		st := analytics.StatusTime{Team: k.team, Status: k.status, Intervals: int64(len(ds)), P50Ms: pct(ds, 50)}
		for _, d := range ds {
			st.TotalMs += d
		}
		times = append(times, st)
	}
	var aggs []analytics.HandoffAggregate
	for k, ids := range aggTickets {
		aggs = append(aggs, analytics.HandoffAggregate{Dim: k.dim, Key: k.k1, Key2: k.k2, Tickets: int64(len(ids)), N: aggN[k]})
	}
	return analytics.AssembleBottlenecks(times, aggs, top)
}

func lives(evs []events.Event) map[int64][]events.Event { return ticketLives(evs) }

package analytics

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

func TestPercentile(t *testing.T) {
	// The rank floor(n*p/100)+1 is ClickHouse quantileExact's: for 1..10,
	// p50 is 6 and p90 is 10; for one value both are it.
	xs := []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	if Percentile(xs, 50) != 6 || Percentile(xs, 90) != 10 {
		t.Fatalf("p50 %d p90 %d", Percentile(xs, 50), Percentile(xs, 90))
	}
	if Percentile([]int64{7}, 90) != 7 || Percentile(nil, 50) != 0 || Percentile([]int64{1, 2, 3, 4}, 50) != 3 {
		t.Fatal("percentile of small lists")
	}
}

func TestAnonymize(t *testing.T) {
	cur := []PerformanceRow{{Key: "zed", Handled: 5}, {Key: "amy", Handled: 5}, {Key: "bob", Handled: 1}}
	SortPerformance(cur)
	prev := []PerformanceRow{{Key: "old", Handled: 9}, {Key: "zed", Handled: 3}}
	Anonymize(ByAgent, cur, prev)
	got := []string{cur[0].Key, cur[1].Key, cur[2].Key, prev[0].Key, prev[1].Key}
	want := []string{"Agent 1", "Agent 2", "Agent 3", "Agent 4", "Agent 2"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("labels %v, want %v", got, want)
	}
}

func TestPerformanceValidate(t *testing.T) {
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ok := PerformanceQuery{By: ByTeam, From: from, To: from.AddDate(2, 0, 0), Filters: map[string][]string{"type": {"incident"}}}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid query: %v", err)
	}
	for field, q := range map[string]PerformanceQuery{
		"by":      {By: "", From: from, To: from.Add(time.Hour)},
		"to":      {By: ByAgent, From: from, To: from.AddDate(2, 0, 0).Add(time.Second)},
		"from":    {By: ByAgent, From: time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(1961, 1, 1, 0, 0, 0, 0, time.UTC)},
		"filters": {By: ByAgent, From: from, To: from.Add(time.Hour), Filters: map[string][]string{"tags": {"x"}}},
	} {
		var qe *QueryError
		if err := q.Validate(); !errors.As(err, &qe) || qe.Field != field {
			t.Errorf("%s: error %v", field, err)
		}
	}
}

func TestPerfFilterClause(t *testing.T) {
	c := PerfFilterClause(func(col string) string { return "has(?, " + col + ")" })
	if n, args := strings.Count(c, "?"), PerfFilterArgs(map[string][]string{"team": {"a"}}); n != len(args) {
		t.Fatalf("clause has %d parameters, args %d", n, len(args))
	}
	if strings.Contains(c, "subject") || !strings.Contains(c, "has(?, ticket_type)") {
		t.Fatalf("clause %s", c)
	}
}

func TestBuildBottlenecks(t *testing.T) {
	r := BuildBottlenecks([]StatusTime{
		{Team: "b", Status: "open", TotalMs: 5}, {Team: "a", Status: "pending", TotalMs: 7},
		{Team: "a", Status: "new", TotalMs: 1}, {Team: "a", Status: "resolved", TotalMs: 100},
	}, []TicketHandoffs{
		{TicketID: 2, Product: "p", Handoffs: 2, Bounces: ParseBounces("b\x1fa")},
		{TicketID: 1, Product: "q", Handoffs: 4, Bounces: ParseBounces("a\x1fb\x1eb\x1fa\x1ec\x1fa")},
	})
	if len(r.TeamTimes) != 2 || r.TeamTimes[0] != (TeamTime{Team: "a", WaitingMs: 7, WorkingMs: 1}) {
		t.Fatalf("team times %+v", r.TeamTimes)
	}
	if r.PingPong[0] != (PingPong{Pair: TeamPair{"a", "b"}, Tickets: 2, Bounces: 3}) || r.PingPongTickets[0].TicketID != 1 {
		t.Fatalf("ping-pong %+v %+v", r.PingPong, r.PingPongTickets)
	}
	if r.HandoffsByProduct[0].Key != "q" || r.Handoffs != 6 || r.TicketsWithHandoff != 2 {
		t.Fatalf("handoffs %+v", r)
	}
}

func TestPerfQueriesNeedsEveryQueryAndFillsFilters(t *testing.T) {
	body := "-- name: perf-period\nSELECT 1 WHERE {{filters}}\n\n-- name: perf-backlog\nSELECT 2\n\n" +
		"-- name: bottleneck-status-times\nSELECT 3\n"
	in := func(col string) string { return "has(?, " + col + ")" }
	if _, err := PerfQueries(fstest.MapFS{"q.sql": {Data: []byte(body)}}, "q.sql", in); err == nil {
		t.Fatal("a file without bottleneck-handoffs passed")
	}
	body += "\n-- name: bottleneck-handoffs\nSELECT 4\n\n-- name: bottleneck-top\nSELECT 5\n"
	q, err := PerfQueries(fstest.MapFS{"q.sql": {Data: []byte(body)}}, "q.sql", in)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(q["perf-period"], "{{filters}}") || !strings.Contains(q["perf-period"], "has(?, ") {
		t.Fatalf("filters not filled in: %q", q["perf-period"])
	}
}

func TestAssembleBottlenecks(t *testing.T) {
	aggs := []HandoffAggregate{
		{Dim: HandoffAll, Tickets: 3, N: 7},
		{Dim: HandoffProduct, Key: "p", Tickets: 1, N: 2}, {Dim: HandoffProduct, Key: "q", Tickets: 2, N: 5},
		{Dim: HandoffCategory, Key: "c", Tickets: 3, N: 7},
		{Dim: HandoffPair, Key: "a", Key2: "b", Tickets: 1, N: 1}, {Dim: HandoffPair, Key: "b", Key2: "c", Tickets: 2, N: 3},
		{Dim: HandoffBounced, Tickets: 2, N: 4},
	}
	top := []TicketHandoffs{
		{TicketID: 9, Handoffs: 2, Bounces: []TeamPair{{"a", "b"}}},
		{TicketID: 4, Handoffs: 4, Bounces: []TeamPair{{"b", "c"}, {"b", "c"}}},
	}
	r := AssembleBottlenecks([]StatusTime{{Team: "a", Status: "pending", TotalMs: 5}}, aggs, top)
	if r.Handoffs != 7 || r.TicketsWithHandoff != 3 || r.TicketsPingPong != 2 || r.TeamTimes[0].WaitingMs != 5 {
		t.Fatalf("totals %+v", r)
	}
	if r.HandoffsByProduct[0].Key != "q" || len(r.HandoffsByCategory) != 1 {
		t.Fatalf("by product %+v, by category %+v", r.HandoffsByProduct, r.HandoffsByCategory)
	}
	if r.PingPong[0].Pair != (TeamPair{"b", "c"}) || r.PingPongTickets[0].TicketID != 4 {
		t.Fatalf("ping-pong %+v, tickets %+v", r.PingPong, r.PingPongTickets)
	}
}

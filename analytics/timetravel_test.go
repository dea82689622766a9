package analytics

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestPlanBacklogSLAState(t *testing.T) {
	at := time.Date(2026, 2, 1, 12, 0, 0, 0, time.UTC)
	p, err := PlanBacklog(BacklogQuery{At: at, By: DimSLAState, Filters: map[string][]string{"team": {"tech"}}})
	if err != nil || p.Column != DimSLAState || len(p.Filters) != 1 {
		t.Fatalf("plan %+v, %v", p, err)
	}
	frags := map[string]string{"backlog-all": "''", "filter": "has(?, {col})",
		"backlog-sla": "SELECT {key} FROM x WHERE a <= ? AND b <= ? AND c > ? OR d <= ?{filters}"}
	q, args, err := p.BacklogSQL(frags)
	if err != nil || q != "SELECT last_sla_state FROM x WHERE a <= ? AND b <= ? AND c > ? OR d <= ? AND has(?, last_team)" ||
		len(args) != 5 || args[0] != at.Unix() || args[3] != at.Unix() || !slices.Equal(args[4].([]string), []string{"tech"}) {
		t.Fatalf("sql %q %v %v", q, args, err)
	}
	p, err = PlanBacklog(BacklogQuery{At: at, By: "team", Filters: map[string][]string{DimSLAState: {SLAAtRisk, SLABreached}}})
	if err != nil || p.Column != "team" {
		t.Fatalf("plan %+v, %v", p, err)
	}
	q, args, err = p.BacklogSQL(frags)
	if err != nil || !strings.HasSuffix(q, "AND has(?, last_sla_state)") || len(args) != 5 {
		t.Fatalf("sql %q %v %v", q, args, err)
	}
	if p, _ := PlanBacklog(BacklogQuery{At: at, By: "team"}); p == nil {
		t.Error("a plain backlog is refused")
	} else if q, _, err := p.BacklogSQL(frags); err != nil || !strings.HasPrefix(q, "SELECT last_team FROM x") {
		t.Errorf("a plain backlog: %q %v", q, err)
	}
	if _, _, err := p.BacklogSQL(map[string]string{"filter": "has(?, {col})"}); err == nil {
		t.Error("a missing backlog-sla template")
	}
	for _, q := range []BacklogQuery{
		{At: at, Filters: map[string][]string{DimSLAState: {"late"}}},
		{At: at, Filters: map[string][]string{DimSLAState: {}}},
		{At: at, By: DimSLAState, Filters: map[string][]string{"product": {"x"}}},
	} {
		var qe *QueryError
		if _, err := PlanBacklog(q); !errors.As(err, &qe) || qe.Field != "filters" {
			t.Errorf("%+v: %v, want a QueryError on filters", q, err)
		}
	}
	var qe *QueryError
	if _, err := PlanBacklog(BacklogQuery{By: DimSLAState}); !errors.As(err, &qe) || qe.Field != "at" {
		t.Errorf("no at: %v", err)
	}
}

func TestOpenQueryValidate(t *testing.T) {
	at := time.Date(2026, 2, 1, 12, 0, 0, 0, time.UTC)
	if err := (&OpenQuery{At: at, Filters: map[string][]string{"team": {""}, DimSLAState: {SLAOnTrack}}}).Validate(); err != nil {
		t.Fatal(err)
	}
	for field, q := range map[string]OpenQuery{
		"at":      {},
		"limit":   {At: at, Limit: MaxOpenLimit + 1},
		"filters": {At: at, Filters: map[string][]string{DimSLAState: {"late"}}},
	} {
		var qe *QueryError
		if err := q.Validate(); !errors.As(err, &qe) || qe.Field != field {
			t.Errorf("%+v: %v, want a QueryError on %s", q, err, field)
		}
	}
	args := OpenFilterArgs(map[string][]string{"team": {"a", "b"}})
	if len(args) != 2*len(OpenFilterDimensions()) || args[0] != int64(1) || args[2] != int64(0) || !slices.Equal(args[3].([]string), []string{"a", "b"}) {
		t.Errorf("open filter args %v", args)
	}
}

// TestRunHotspotsAt: the source fragments get the instant (rounded down)
// and the window (rounded up) as whole numbers, To is cut at the instant,
// and bad instants are refused before any query.
func TestRunHotspotsAt(t *testing.T) {
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := from.Add(36*time.Hour + 500*time.Millisecond)
	frags := map[string]string{"hotspots": "SELECT {bucket} AS b, {keys}, 1 FROM {source} WHERE c >= ? AND c < ?{filters} LIMIT ?",
		"bucket-none": "0", "source-tickets": "tickets", "source-tags": "tags", "filter": "has(?, {col})", "filter-tags": "hasAny(tags, ?)",
		"source-at": "(SELECT * FROM ev WHERE at <= {at} AND c >= {from} AND c < {to})", "source-tags-at": "(SELECT * FROM {source-at})"}
	var got string
	run := func(ctx context.Context, query string, args ...any) (ResultRows, error) {
		got = query
		return nil, errors.New("stop")
	}
	_, err := RunHotspotsAt(context.Background(), run, frags, HotspotQuery{Dimensions: []string{"team"}, From: from, To: from.AddDate(0, 1, 0)}, at)
	if err == nil || !strings.Contains(got, "(SELECT * FROM ev WHERE at <= 1767355200 AND c >= 1767225600 AND c < 1767355201)") {
		t.Fatalf("query %q, %v", got, err)
	}
	_, _ = RunHotspotsAt(context.Background(), run, frags, HotspotQuery{Dimensions: []string{"tag"}, From: from, To: from.AddDate(0, 1, 0)}, at)
	if !strings.Contains(got, "(SELECT * FROM (SELECT * FROM ev WHERE at <= 1767355200") {
		t.Fatalf("tag query %q", got)
	}
	got = ""
	for _, a := range []time.Time{{}, from, from.Add(-time.Hour), time.Date(2106, 1, 1, 0, 0, 0, 0, time.UTC)} {
		var qe *QueryError
		_, err := RunHotspotsAt(context.Background(), run, frags, HotspotQuery{Dimensions: []string{"team"}, From: from, To: from.AddDate(0, 1, 0)}, a)
		if !errors.As(err, &qe) || qe.Field != "at" || got != "" {
			t.Errorf("at %v: %v, want a QueryError on at before any query", a, err)
		}
	}
}

package querybench

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/analytics/httpapi"
)

// loadedHarness loads a small history into s and serves it.
func loadedHarness(t *testing.T, s interface {
	analytics.Store
	httpapi.Store
}) *harness {
	t.Helper()
	if _, err := Load(context.Background(), s, LoadOptions{EventRows: 4000, Seed: 1, BatchSize: 2000, ticketsPerChunk: 300}); err != nil {
		t.Fatal(err)
	}
	h := newHarness(s, testWriter{t})
	t.Cleanup(h.close)
	return h
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

// The statements traced during a request, run directly, give the rows the
// endpoint answered: the replay measures the endpoint's own SQL.
func TestReplayGivesTheAnswerDuckDB(t *testing.T) {
	s := openDuck(t)
	h := loadedHarness(t, s)
	testReplay(t, h, func(st Statement) ([][2]any, error) {
		rows, err := s.DB().QueryContext(context.Background(), st.Query, st.Args...)
		return keyCounts(rows, err)
	})
}

// keyCounts reads the (key, count) rows of a replayed statement.
func keyCounts(rows analytics.ResultRows, err error) ([][2]any, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][2]any
	for rows.Next() {
		var k string
		var n int64
		if err := rows.Scan(&k, &n); err != nil {
			return nil, err
		}
		out = append(out, [2]any{k, n})
	}
	return out, rows.Err()
}

func TestReplayGivesTheAnswerClickHouse(t *testing.T) {
	s := openCH(t)
	h := loadedHarness(t, s)
	testReplay(t, h, func(st Statement) ([][2]any, error) {
		rows, err := s.Conn().Query(context.Background(), st.Query, st.Args...)
		return keyCounts(rows, err)
	})
}

func testReplay(t *testing.T, h *harness, run func(Statement) ([][2]any, error)) {
	c := Case{Name: "backlog", Path: "/backlog", Query: "at={at}&by=status"}
	u, err := c.Expand(2, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	stmts, _, err := h.get(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	if len(stmts) != 1 {
		t.Fatalf("backlog ran %d statements", len(stmts))
	}
	// The answer, read again through the API (tracing is per request).
	body := getJSON(t, h, u)
	var want [][2]any
	for _, r := range body.Rows {
		want = append(want, [2]any{r.Key, r.Count})
	}
	if len(want) == 0 {
		t.Fatal("the backlog is empty: the case measures nothing")
	}
	got, err := run(stmts[0])
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("replay gives %v, the endpoint %v", got, want)
	}
}

type backlogBody struct {
	Rows []struct {
		Key   string `json:"key"`
		Count int64  `json:"count"`
	} `json:"rows"`
}

func getJSON(t *testing.T, h *harness, u string) backlogBody {
	t.Helper()
	resp, err := h.client.Get(h.srv.URL + u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b backlogBody
	if err := json.NewDecoder(resp.Body).Decode(&b); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRunCaseDuckDB(t *testing.T) {
	s := openDuck(t)
	h := loadedHarness(t, s)
	ctx := context.Background()
	cr := runCase(ctx, h, duckDirect(s.DB()), Case{"perf", "/performance", 90 * day, "by=team&from={from}&to={to}"}, 5, 2, 0)
	if cr.Error != "" || cr.Requests != 5 || cr.Statements != 3 || len(cr.PerStatement) != 3 ||
		cr.P95Ms <= 0 || cr.DirectP95 <= 0 || cr.Ratio <= 0 || cr.MaxMs < cr.P95Ms || !strings.Contains(cr.Request, "by=team") {
		t.Fatalf("case result %+v", cr)
	}
	for _, st := range cr.PerStatement {
		if st.P50Ms <= 0 || !strings.HasPrefix(st.SQL, "WITH t AS") && !strings.HasPrefix(st.SQL, "SELECT") {
			t.Errorf("statement %+v", st)
		}
	}
	// A request the API refuses is the case's error, not a figure.
	bad := runCase(ctx, h, duckDirect(s.DB()), Case{"bad", "/hotspots", 0, "dimensions=nope"}, 2, 0, 0)
	if bad.Pass || !strings.Contains(bad.Error, "status 400") || bad.Requests != 0 {
		t.Fatalf("bad case %+v", bad)
	}
	// A case over its budget stops after MinRuns timed runs.
	movers := Case{"movers", "/movers", 30 * day, "dimensions=team&from={from}&to={to}"}
	cut := runCase(ctx, h, duckDirect(s.DB()), movers, 50, 1, time.Nanosecond)
	if cut.Error != "" || !cut.CutShort || cut.Requests != MinRuns {
		t.Fatalf("case over budget %+v", cut)
	}
	full := runCase(ctx, h, duckDirect(s.DB()), movers, 12, 1, time.Hour)
	if full.Error != "" || full.CutShort || full.Requests != 12 {
		t.Fatalf("case within budget %+v", full)
	}
}

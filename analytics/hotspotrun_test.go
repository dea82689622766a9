package analytics

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/deskmine/deskmine/analytics/internal/sqlfile"
)

type fakeResult struct {
	rows   [][]any
	i      int
	closed bool
	err    error
}

func (f *fakeResult) Next() bool   { f.i++; return f.i <= len(f.rows) }
func (f *fakeResult) Err() error   { return f.err }
func (f *fakeResult) Close() error { f.closed = true; return nil }
func (f *fakeResult) Scan(dest ...any) error {
	for k, d := range dest {
		switch d := d.(type) {
		case *string:
			*d = f.rows[f.i-1][k].(string)
		case *int64:
			*d = f.rows[f.i-1][k].(int64)
		}
	}
	return nil
}

func TestRunBacklogScansAndCloses(t *testing.T) {
	res := &fakeResult{rows: [][]any{{"open", int64(3)}, {"pending", int64(1)}}}
	var gotQuery string
	var gotArgs []any
	run := func(_ context.Context, q string, args ...any) (ResultRows, error) {
		gotQuery, gotArgs = q, args
		return res, nil
	}
	// DuckDB's fragments: the code checks their placeholders against its arguments.
	frags, err := sqlfile.Queries(os.DirFS("duckdb"), "queries_hotspots.sql")
	if err != nil {
		t.Fatal(err)
	}
	tt, err := sqlfile.Queries(os.DirFS("duckdb"), "queries_timetravel.sql")
	if err != nil {
		t.Fatal(err)
	}
	frags["backlog-sla"] = tt["backlog-sla"]
	rows, err := RunBacklog(context.Background(), run, frags, BacklogQuery{At: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), By: "status"})
	if err != nil {
		t.Fatalf("backlog: %v (query %q, args %v)", err, gotQuery, gotArgs)
	}
	if len(rows) != 2 || rows[0] != (BacklogRow{Key: "open", Count: 3}) || !res.closed {
		t.Fatalf("rows %+v, closed %v", rows, res.closed)
	}
	boom := errors.New("connection reset")
	_, err = RunBacklog(context.Background(), func(context.Context, string, ...any) (ResultRows, error) {
		return &fakeResult{err: boom}, nil
	}, frags, BacklogQuery{At: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), By: "status"})
	if !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "backlog:") {
		t.Fatalf("row error: %v", err)
	}
	if _, err := RunBacklog(context.Background(), run, frags, BacklogQuery{By: "status"}); err == nil {
		t.Fatal("a backlog without an instant passed")
	}
}

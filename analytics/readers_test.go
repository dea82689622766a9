package analytics

import (
	"context"
	"os"
	"strings"
	"testing"
	"testing/fstest"
)

// TestNewReaders: both stores' files give every query the readers run; a
// file without one of them is refused at start-up, naming the file.
func TestNewReaders(t *testing.T) {
	run := func(context.Context, string, ...any) (ResultRows, error) { return nil, nil }
	in := func(col string) string { return "has(?, " + col + ")" }
	for _, store := range []string{"duckdb", "clickhouse"} {
		r, err := NewReaders(run, os.DirFS(store), in)
		if err != nil {
			t.Fatalf("%s: %v", store, err)
		}
		if r.backlog["backlog-sla"] == "" || r.backlog["hotspots"] == "" {
			t.Errorf("%s: the backlog queries lack the time-travel or hotspot templates", store)
		}
	}
	files := fstest.MapFS{}
	for _, f := range ReaderFiles {
		raw, err := os.ReadFile("duckdb/" + f)
		if err != nil {
			t.Fatal(err)
		}
		files[f] = &fstest.MapFile{Data: raw}
	}
	files["queries_repeats.sql"] = &fstest.MapFile{Data: []byte("-- name: repeat-flags\nSELECT 1\n")}
	if _, err := NewReaders(run, files, in); err == nil || !strings.Contains(err.Error(), "queries_repeats.sql") {
		t.Fatalf("a repeat file without its queries: %v", err)
	}
}

package analytics

import (
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

func TestLoadNamedQueries(t *testing.T) {
	fsys := fstest.MapFS{"q.sql": {Data: []byte(`-- name: one
-- params: at, filters, open, limit
SELECT 1 FROM t WHERE x <= ? AND {{filters}} AND (? = 1 OR {{in:s}}) LIMIT ?

-- name: bare
SELECT 2
`)}}
	in := func(col string) string { return "has(?, " + col + ")" }
	q, err := LoadNamedQueries(fsys, "q.sql", in, "one")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(q["one"], "{{") || !strings.Contains(q["one"], "(? = 1 OR has(?, s))") || !strings.Contains(q["one"], PerfFilterClause(in)) {
		t.Fatalf("expanded: %s", q["one"])
	}
	args, err := BindNamed("one", q["one"], map[string][]any{"at": {int64(5)}, "filters": PerfFilterArgs(nil),
		"open": {int64(0), []string{"a"}}, "limit": {int64(9)}})
	if err != nil {
		t.Fatal(err)
	}
	if len(args) != 2*len(PerfFilterDimensions)+4 || args[0] != int64(5) || args[len(args)-1] != int64(9) || args[len(args)-3] != int64(0) {
		t.Errorf("args %v", args)
	}
	if _, err := BindNamed("one", q["one"], map[string][]any{"at": {1}, "filters": PerfFilterArgs(nil), "open": {1}, "limit": {1}}); err == nil {
		t.Error("too few values bound")
	}
	if _, err := BindNamed("one", q["one"], map[string][]any{"at": {1}}); err == nil || !strings.Contains(err.Error(), `"filters"`) {
		t.Errorf("a missing value: %v", err)
	}
	if _, err := LoadNamedQueries(fsys, "q.sql", in, "one", "bare"); err == nil || !strings.Contains(err.Error(), "params") {
		t.Errorf("a query without params line: %v", err)
	}
	if _, err := LoadNamedQueries(fsys, "q.sql", in, "two"); err == nil {
		t.Error("a missing query")
	}
	names, err := ParamNames("SELECT 1\n-- params: a, b ,c\n")
	if err != nil || !slices.Equal(names, []string{"a", "b", "c"}) {
		t.Errorf("ParamNames = %v, %v", names, err)
	}
}

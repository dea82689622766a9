package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deskmine/deskmine/cmd/deskmine/querybench"
	"github.com/deskmine/deskmine/internal/testch"
)

func TestBenchQueryExitCodes(t *testing.T) {
	cases := []struct {
		args []string
		msg  string
	}{
		{[]string{"--events", "0"}, "must be positive"},
		{[]string{"--runs", "-1"}, "must be positive"},
		{[]string{"--warmups", "-1"}, "must not be negative"},
		{[]string{"--case-budget", "-1s"}, "must not be negative"},
		{[]string{"--case-budget", "soon"}, "invalid value"},
		{[]string{"--batch-size", "0"}, "--batch-size must be between"},
		{[]string{"--batch-size", "100001"}, "--batch-size must be between"},
		{[]string{"--store", "sqlite"}, "--store must be duckdb, clickhouse or both"},
		{[]string{"--clickhouse", "http://127.0.0.1:8123/x"}, "must be a clickhouse:// URL"},
		{[]string{"--clickhouse", "clickhouse://127.0.0.1:9000/"}, "must name a database"},
		{[]string{"--store", "clickhouse", "--clickhouse", "clickhouse://127.0.0.1:9000/default"}, "must not name the default database"},
		{[]string{"--cases", "("}, "--cases"},
		{[]string{"--cases", "^nothing-like-this$"}, "matches no case"},
		{[]string{"--seed", "-3"}, "invalid value"},
		{[]string{"--turbo"}, "flag provided but not defined"},
		{[]string{"extra"}, "unexpected argument"},
	}
	for _, c := range cases {
		args := append([]string{"bench", "query"}, c.args...)
		code, out, stderr := runCmd(t, args...)
		if code != 2 || !strings.Contains(stderr, c.msg) || out != "" {
			t.Errorf("%v: exit %d (want 2), stderr %q", c.args, code, stderr)
		}
	}
	// The DuckDB store alone does not look at the ClickHouse DSN.
	code, _, stderr := runCmd(t, "bench", "query", "--store", "duckdb", "--clickhouse", "clickhouse://x/", "--events", "0")
	if code != 2 || !strings.Contains(stderr, "--events") {
		t.Errorf("exit %d: %s", code, stderr)
	}
	if code, _, _ := runCmd(t, "bench", "query", "--help"); code != 0 {
		t.Errorf("--help: exit %d", code)
	}
}

func TestBenchQueryDuckDB(t *testing.T) {
	path := filepath.Join(t.TempDir(), "q.duckdb")
	res := benchQuery(t, "--store", "duckdb", "--duckdb", path)
	if res.Stores[0].Load.Reused {
		t.Fatal("the first run reused an empty store")
	}
	// A second run finds the history in place.
	again := benchQuery(t, "--store", "duckdb", "--duckdb", path, "--reuse", "--cases", "^backlog-now$")
	if !again.Stores[0].Load.Reused || len(again.Stores[0].Cases) != 1 {
		t.Fatalf("second run %+v", again.Stores[0].Load)
	}
}

func TestBenchQueryClickHouse(t *testing.T) {
	benchQuery(t, "--store", "clickhouse", "--clickhouse", testch.DSN(t))
}

// benchQuery runs a small benchmark and checks its JSON line: every case
// answered, ran traced statements and was replayed directly.
func benchQuery(t *testing.T, args ...string) *querybench.Result {
	t.Helper()
	args = append([]string{"bench", "query", "--events", "20000", "--runs", "2", "--warmups", "1"}, args...)
	code, out, stderr := runCmd(t, args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var res querybench.Result
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		t.Fatalf("last line is not JSON: %v\n%s", err, out)
	}
	if res.Benchmark != "query" || res.Events != 20000 || res.Target.MaxP95Ms != 300 || len(res.Stores) != 1 || res.CPUs == 0 {
		t.Fatalf("result %s", lines[len(lines)-1])
	}
	s := res.Stores[0]
	if s.Load == nil || s.Load.EventRows != 20000 || s.Worst == nil || res.Worst[s.Store] == nil || *res.Worst[s.Store] != *s.Worst {
		t.Fatalf("store result %s", lines[len(lines)-1])
	}
	want := len(querybench.Cases)
	for _, a := range args {
		if a == "--cases" {
			want = 1
		}
	}
	if len(s.Cases) != want {
		t.Fatalf("%d cases, want %d", len(s.Cases), want)
	}
	pass := true
	for _, c := range s.Cases {
		if c.Error != "" || c.Statements == 0 || c.Requests != 2 || c.P95Ms <= 0 || c.DirectP95 <= 0 || c.Ratio <= 0 ||
			len(c.PerStatement) == 0 || c.Bytes == 0 {
			t.Errorf("case %+v", c)
		}
		pass = pass && c.Pass
		if c.P95Ms > s.Worst.P95Ms {
			t.Errorf("case %s p95 %.1f is above the worst %.1f", c.Name, c.P95Ms, s.Worst.P95Ms)
		}
	}
	if s.Pass != pass || res.Pass != pass {
		t.Errorf("verdicts: store %v, overall %v, cases %v", s.Pass, res.Pass, pass)
	}
	return &res
}

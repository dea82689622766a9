package pipeline_test

import (
	"bufio"
	"context"
	"encoding/json"
	"github.com/deskmine/deskmine/internal/testdata"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deskmine/deskmine/cmd/deskmine/pipeline"
	"github.com/deskmine/deskmine/internal/testch"
)

func TestBenchPercentile(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	var hundred []time.Duration
	for i := 1; i <= 100; i++ {
		hundred = append(hundred, ms(i))
	}
	var three []time.Duration
	for i := 1; i <= 300; i++ {
		three = append(three, ms(i))
	}
	cases := []struct {
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{nil, 0.99, 0},
		{[]time.Duration{ms(7)}, 0.5, ms(7)},
		{[]time.Duration{ms(7)}, 0.99, ms(7)},
		{hundred, 0.50, ms(50)},
		{hundred, 0.99, ms(99)},
		{hundred, 1, ms(100)},
		{hundred, 0.001, ms(1)},
		{three, 0.99, ms(297)}, // nearest rank: 297 of 300 samples are <= it
		{three, 0.50, ms(150)},
	}
	for _, c := range cases {
		if got := pipeline.Percentile(c.sorted, c.p); got != c.want {
			t.Errorf("Percentile(%d samples, %v) = %v, want %v", len(c.sorted), c.p, got, c.want)
		}
	}
	if m := pipeline.Median([]float64{3, 1, 2}); m != 2 {
		t.Errorf("median of 3 1 2 = %v", m)
	}
	if m := pipeline.Median([]float64{4, 1, 2, 3}); m != 2.5 {
		t.Errorf("median of 4 1 2 3 = %v", m)
	}
	if m := pipeline.Median(nil); m != 0 {
		t.Errorf("median of nothing = %v", m)
	}
}

func TestBenchAppendTSV(t *testing.T) {
	at := time.Date(2010, 3, 31, 16, 59, 42, 0, time.FixedZone("CEST", 2*3600))
	cases := []struct {
		v    any
		want string
	}{
		{nil, `\N`},
		{"plain", "plain"},
		{"tab\there\nnew\\slash 'quote' 中文", `tab\there\nnew\\slash 'quote' 中文`},
		{int64(-42), "-42"},
		{true, "1"},
		{false, "0"},
		{at, "2010-03-31 14:59:42"},
		{[]string{}, "[]"},
		{[]int64{}, "[]"},
		{[]int64{7, -1, 90}, "[7,-1,90]"},
		{[]string{"a", "it's", "x\ty"}, `['a','it\'s','x\ty']`},
	}
	for _, c := range cases {
		got, err := pipeline.AppendTSV(nil, c.v)
		if err != nil || string(got) != c.want {
			t.Errorf("AppendTSV(%#v) = %q, %v; want %q", c.v, got, err, c.want)
		}
	}
	if _, err := pipeline.AppendTSV(nil, 3.5); err == nil {
		t.Error("AppendTSV(float64) succeeded; want an error")
	}
}

// TestBenchPipelineSmall runs the whole benchmark on a slice of the real
// corpus (its first 3,000 changes), 20,000 events and a few freshness probes,
// against the test ClickHouse and in-process kfake, and checks the counts,
// not the speed.
func TestBenchPipelineSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: runs the pipeline benchmark on ClickHouse")
	}
	testch.DSN(t) // skips (or fails under CI) without a ClickHouse server
	if _, err := exec.LookPath("clickhouse-client"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("clickhouse-client missing under CI: %v", err)
		}
		t.Skipf("clickhouse-client not found: %v", err)
	}
	root := testdata.RepoRoot(t)
	full := filepath.Join(root, "..", "shared", "data", "bpi2013", "incidents.csv")
	if _, err := os.Stat(full); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("BPI 2013 corpus missing under CI: %v", err)
		}
		t.Skipf("BPI 2013 corpus not found: %v", err)
	}
	csv := headOf(t, full, 3001)

	var progress strings.Builder
	res, err := pipeline.RunBench(context.Background(), pipeline.BenchOptions{
		CorpusCSV: csv, Mapping: filepath.Join(root, "docs", "import", "bpi2013-mapping.json"),
		Events: 20000, Runs: 1, BatchSize: 5000, ClickHouse: testch.Base(),
		FreshnessSamples: 10, FreshnessRate: 50, Log: &progress,
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, progress.String())
	}
	tr, fr := res.Throughput, res.Freshness
	if tr == nil || fr == nil || fr.Embedded == nil || fr.KafkaClickHouse == nil {
		t.Fatalf("missing parts: %+v", res)
	}
	if res.Corpus.Records != 3000 || tr.Events != 20000 || tr.Copies != 7 {
		t.Fatalf("corpus %+v, stream of %d events in %d copies; want 3000 records, 20000 events in 7 copies",
			res.Corpus, tr.Events, tr.Copies)
	}
	if w := tr.RowsWritten; w["events"] != 20000 || w["tickets"] != int64(tr.Tickets) || w["intervals"] < w["events"] {
		t.Fatalf("rows written %v for %d tickets", w, tr.Tickets)
	}
	if len(tr.EventsPerSRuns) != 1 || tr.MedianEventsPerS <= 0 || len(tr.ClientRowsPerSRuns) != 1 ||
		tr.ClientRowsPerS <= 0 || tr.Ratio <= 0 || tr.ProduceEventsPerS <= 0 || tr.ClientBytes <= 0 {
		t.Fatalf("throughput figures missing: %+v", tr)
	}
	for _, f := range []*pipeline.Freshness{fr.Embedded, fr.KafkaClickHouse} {
		if f.Samples != 10 || f.Timeouts != 0 || f.P50Ms <= 0 || f.P99Ms < f.P50Ms || f.MaxMs < f.P99Ms || f.LoadAchieved <= 0 {
			t.Fatalf("freshness %+v", f)
		}
	}

	// The command prints the result as its last line: it must parse.
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"benchmark", "corpus", "throughput", "freshness", "target", "pass"} {
		if _, ok := back[k]; !ok {
			t.Errorf("JSON has no %q: %s", k, b)
		}
	}
	if strings.Contains(string(b), "\n") {
		t.Error("JSON result spans lines")
	}
}

// headOf copies the first n lines of a file (the header and n-1 rows of a
// CSV) into the test's temporary directory.
func headOf(t *testing.T, path string, n int) string {
	t.Helper()
	in, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out := filepath.Join(t.TempDir(), filepath.Base(path))
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(in)
	for i := 0; i < n && sc.Scan(); i++ {
		if _, err := f.WriteString(sc.Text() + "\n"); err != nil {
			t.Fatal(err)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

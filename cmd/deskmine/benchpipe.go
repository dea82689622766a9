package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"

	"github.com/deskmine/deskmine/cmd/deskmine/pipeline"
)

// cmdBenchPipeline measures the change stream: a real history replicated to
// a million events, replayed from Kafka into ClickHouse beside
// clickhouse-client inserting the same rows, then change-to-visible
// freshness embedded (event log -> DuckDB) and scaled out (relay -> Kafka ->
// ClickHouse). The last line of stdout is one JSON object.
func cmdBenchPipeline(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("deskmine bench pipeline", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := pipeline.BenchOptions{Log: stderr}
	fs.StringVar(&o.CorpusCSV, "bpi", "", "BPI Challenge 2013 incidents.csv (default <repo>/../shared/data/bpi2013/incidents.csv)")
	fs.StringVar(&o.Mapping, "mapping", "", "import mapping of the corpus (default <repo>/docs/import/bpi2013-mapping.json)")
	fs.IntVar(&o.Events, "events", 1_000_000, "events replayed into ClickHouse (the corpus replicated side by side, cut)")
	fs.IntVar(&o.Runs, "runs", 3, "throughput runs; the median is reported")
	fs.IntVar(&o.BatchSize, "batch-size", 50000, "loader batch size (stream.batch_size) in the throughput runs, 1..100000")
	fs.IntVar(&o.Partitions, "partitions", 12, "partitions of the benchmark topics")
	fs.StringVar(&o.ClickHouse, "clickhouse", "clickhouse://127.0.0.1:9000/", "ClickHouse server (databases deskmine_bench_* are created and dropped)")
	fs.StringVar(&o.ClientBin, "clickhouse-client", "clickhouse-client", "clickhouse-client binary of the baseline")
	brokers := fs.String("kafka-brokers", "", "comma-separated Kafka brokers; empty starts an in-process kfake broker")
	fs.IntVar(&o.FreshnessSamples, "freshness-samples", 300, "freshness probes per setup")
	fs.IntVar(&o.FreshnessRate, "freshness-rate", 100, "background ticket changes per second while probing")
	fs.BoolVar(&o.SkipThroughput, "skip-throughput", false, "skip the throughput part")
	fs.BoolVar(&o.SkipFreshness, "skip-freshness", false, "skip the freshness part")
	fs.BoolVar(&o.Keep, "keep", false, "keep the ClickHouse databases (and topics on a real broker)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole benchmark to this file")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return usagef("%v", err)
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if o.Events <= 0 || o.Runs <= 0 || o.Partitions <= 0 || o.FreshnessSamples <= 0 || o.FreshnessRate <= 0 {
		return usagef("--events, --runs, --partitions, --freshness-samples and --freshness-rate must be positive")
	}
	if o.BatchSize <= 0 || o.BatchSize > 100000 {
		return usagef("--batch-size must be between 1 and 100000, got %d", o.BatchSize)
	}
	if o.FreshnessRate > 10000 {
		return usagef("--freshness-rate must be at most 10000, got %d", o.FreshnessRate)
	}
	if o.SkipThroughput && o.SkipFreshness {
		return usagef("--skip-throughput and --skip-freshness leave nothing to measure")
	}
	if !strings.HasPrefix(o.ClickHouse, "clickhouse://") {
		return usagef("--clickhouse must be a clickhouse:// URL, got %q", o.ClickHouse)
	}
	for _, b := range strings.Split(*brokers, ",") {
		if b = strings.TrimSpace(b); b != "" {
			o.KafkaBrokers = append(o.KafkaBrokers, b)
		}
	}
	if o.CorpusCSV == "" || o.Mapping == "" {
		root, ok := repoRoot()
		if !ok {
			return usagef("--bpi and --mapping are required outside the deskmine repository")
		}
		if o.CorpusCSV == "" {
			o.CorpusCSV = filepath.Join(root, "..", "shared", "data", "bpi2013", "incidents.csv")
		}
		if o.Mapping == "" {
			o.Mapping = filepath.Join(root, "docs", "import", "bpi2013-mapping.json")
		}
	}
	for _, p := range []string{o.CorpusCSV, o.Mapping} {
		if _, err := os.Stat(p); err != nil {
			return usagef("%v", err)
		}
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}

	res, err := pipeline.RunBench(ctx, o)
	if err != nil {
		return err
	}
	if t := res.Throughput; t != nil {
		fmt.Fprintf(stdout, "throughput: %d events of %d tickets, Kafka (%s) -> loader -> ClickHouse: median %.0f events/s (runs %s), target %d: %s\n",
			t.Events, t.Tickets, t.Broker, t.MedianEventsPerS, joinFloats(t.EventsPerSRuns), pipeline.TargetEventsPerSecond, passWord(t.Pass))
		fmt.Fprintf(stdout, "baseline: clickhouse-client inserts the same event rows at %.0f rows/s (runs %s); ratio %.2f\n",
			t.ClientRowsPerS, joinFloats(t.ClientRowsPerSRuns), t.Ratio)
		fmt.Fprintf(stdout, "produce: %.0f events/s; the loader also wrote %d intervals, %d SLA outcomes and %d tickets per run\n",
			t.ProduceEventsPerS, t.RowsWritten["intervals"], t.RowsWritten["sla_outcomes"], t.RowsWritten["tickets"])
	}
	if f := res.Freshness; f != nil {
		for _, s := range []*pipeline.Freshness{f.Embedded, f.KafkaClickHouse} {
			if s != nil {
				fmt.Fprintf(stdout, "freshness %s: p50 %.1f ms, p99 %.1f ms, max %.1f ms (%d samples, %.0f changes/s): %s\n",
					s.Setup, s.P50Ms, s.P99Ms, s.MaxMs, s.Samples, s.LoadAchieved, passWord(s.Pass))
			}
		}
	}
	enc := json.NewEncoder(stdout) // one line, and "->" stays readable
	enc.SetEscapeHTML(false)
	return enc.Encode(res)
}

func joinFloats(xs []float64) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprintf("%.0f", x)
	}
	return strings.Join(s, " / ")
}

func passWord(ok bool) string {
	if ok {
		return "pass"
	}
	return "FAIL"
}

// repoRoot finds the repository from the working directory: the nearest
// directory up that holds docs/import/bpi2013-mapping.json.
func repoRoot() (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "docs", "import", "bpi2013-mapping.json")); err == nil {
			return dir, true
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", false
		}
		dir = up
	}
}

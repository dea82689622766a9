package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/deskmine/deskmine/ticketcore/bench"
)

const benchUsage = `usage: deskmine bench create [--seconds N] [--runs N] [--concurrency N] [--rate N] [--pg DSN]
       deskmine bench route  [--agents N] [--rules N] [--decisions N] [--sla-items N] [--sla-spread D] [--runs N]
       deskmine bench pipeline [--events N] [--runs N] [--clickhouse DSN] [--skip-throughput] [--skip-freshness]
       deskmine bench query [--events N] [--store duckdb|clickhouse|both] [--duckdb FILE] [--clickhouse DSN]
                            [--keep] [--reuse] [--runs N] [--warmups N] [--case-budget D] [--seed N] [--cases REGEXP]
       deskmine bench knowledge [--data-dir DIR] [--indexed N] [--queries N] [--json FILE]
       deskmine bench pages [--events N] [--duckdb FILE] [--reuse] [--data-dir DIR] [--runs N] [--warmups N] [--pages REGEXP]`

// cmdBench runs a benchmark and prints one JSON object as its last line.
func cmdBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usagef("%s", benchUsage)
	}
	switch args[0] {
	case "create":
		return benchCreate(ctx, args[1:], stdout, stderr)
	case "route":
		return benchRoute(ctx, args[1:], stdout, stderr)
	case "pipeline":
		return cmdBenchPipeline(ctx, args[1:], stdout, stderr)
	case "query":
		return cmdBenchQuery(ctx, args[1:], stdout, stderr)
	case "knowledge":
		return cmdBenchKnowledge(ctx, args[1:], stdout, stderr)
	case "pages":
		return cmdBenchPages(ctx, args[1:], stdout, stderr)
	}
	return usagef("unknown benchmark %q\n%s", args[0], benchUsage)
}

// benchRoute measures routing decisions (2,000 agents, 300 rules) and the
// SLA scheduler (1M open tickets) and prints their medians over --runs runs
// with pass flags.
func benchRoute(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("deskmine bench route", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := bench.RouteOptions{Log: stderr}
	fs.IntVar(&o.Agents, "agents", 2000, "agents in the generated desk")
	fs.IntVar(&o.Rules, "rules", 300, "routing rules")
	fs.IntVar(&o.Decisions, "decisions", 50000, "timed routing decisions per run")
	fs.IntVar(&o.SLAItems, "sla-items", 1_000_000, "open tickets' breach items in the SLA scheduler; 0 skips it")
	fs.DurationVar(&o.SLASpread, "sla-spread", 20*time.Second, "the breach items fall due over this span (each run takes about this long)")
	fs.IntVar(&o.Runs, "runs", 3, "runs of each part; medians are reported")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return usagef("%v", err)
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if o.Agents <= 0 || o.Rules <= 0 || o.Decisions <= 0 || o.Runs <= 0 {
		return usagef("--agents, --rules, --decisions and --runs must be positive")
	}
	if o.SLAItems < 0 || o.SLASpread < 0 {
		return usagef("--sla-items and --sla-spread must not be negative")
	}
	res, err := bench.RunRoute(ctx, o)
	if err != nil {
		return err
	}
	out := map[string]any{
		"benchmark": "route",
		"route":     res.Route,
		"sla":       res.SLA,
		"target":    map[string]any{"route_max_p99_us": bench.RouteMaxP99.Microseconds(), "sla_max_late_ms": bench.SLAMaxLate.Milliseconds()},
		"pass":      res.Pass,
	}
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, string(b))
	return nil
}

// benchCreate measures ticket creation over HTTP.
func benchCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("deskmine bench create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	seconds := fs.Float64("seconds", 5, "length of each measured phase")
	runs := fs.Int("runs", 3, "throughput runs; the median is reported")
	conc := fs.Int("concurrency", 32, "concurrent clients in the throughput phase")
	rate := fs.Int("rate", 500, "requests per second in the fixed-rate phase")
	pg := fs.String("pg", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable", "also measure PostgreSQL at this postgres:// URL (in a fresh schema); \"none\" to skip")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return usagef("%v", err)
	}
	if *seconds <= 0 || *runs <= 0 || *conc <= 0 || *rate <= 0 {
		return usagef("--seconds, --runs, --concurrency and --rate must be positive")
	}
	opts := bench.CreateOptions{Duration: time.Duration(*seconds * float64(time.Second)), Runs: *runs, Concurrency: *conc, Rate: *rate, Log: stderr}
	out := map[string]any{"benchmark": "create"}
	sq, err := bench.RunCreate(ctx, opts)
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	out["sqlite"] = sq
	out["target"] = map[string]any{"sqlite_min_tps": 2000, "sqlite_max_p99_ms_at_500": 20}
	out["pass"] = sq.MeetsThroughput2000 && sq.MeetsP99At500
	if *pg != "none" && *pg != "" {
		dsn, drop, err := bench.FreshPostgresSchema(ctx, *pg)
		if err != nil {
			return fmt.Errorf("postgres: %w", err)
		}
		opts.DSN = dsn
		pr, err := bench.RunCreate(ctx, opts)
		drop()
		if err != nil {
			out["postgres"] = map[string]string{"error": err.Error()}
		} else {
			out["postgres"] = pr
		}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, string(b))
	return nil
}

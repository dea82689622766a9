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

// cmdBench runs a benchmark and prints one JSON object as its last line.
func cmdBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return usagef("usage: deskmine bench create [--seconds N] [--runs N] [--concurrency N] [--rate N] [--pg DSN]")
	}
	fs := flag.NewFlagSet("deskmine bench create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	seconds := fs.Float64("seconds", 5, "length of each measured phase")
	runs := fs.Int("runs", 3, "throughput runs; the median is reported")
	conc := fs.Int("concurrency", 32, "concurrent clients in the throughput phase")
	rate := fs.Int("rate", 500, "requests per second in the fixed-rate phase")
	pg := fs.String("pg", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable", "also measure PostgreSQL at this postgres:// URL (in a fresh schema); \"none\" to skip")
	if err := fs.Parse(args[1:]); err != nil {
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

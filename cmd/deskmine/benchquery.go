package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"regexp"
	"time"

	"github.com/deskmine/deskmine/cmd/deskmine/querybench"
)

// cmdBenchQuery measures every analytics endpoint on a generated history
// (10M events by default) on DuckDB and ClickHouse, beside the same SQL run
// directly on the store. The last line of stdout is one JSON object.
func cmdBenchQuery(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("deskmine bench query", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := querybench.Options{Log: stderr}
	fs.IntVar(&o.Events, "events", 10_000_000, "event rows each store holds (generated, written through the store's Apply)")
	store := fs.String("store", "both", "store to measure: duckdb, clickhouse or both")
	fs.StringVar(&o.DuckDB, "duckdb", "", "DuckDB file of the store (default: a temporary directory); it is emptied unless reused")
	fs.StringVar(&o.ClickHouse, "clickhouse", querybench.DefaultClickHouse, "ClickHouse DSN with the benchmark's database (created when missing); it is emptied unless reused")
	fs.BoolVar(&o.Keep, "keep", false, "keep the temporary DuckDB file and a ClickHouse database the benchmark created")
	fs.BoolVar(&o.Reuse, "reuse", false, "skip the load when a store already holds --events event rows")
	fs.IntVar(&o.Runs, "runs", 50, "timed requests per case, each paired with a direct run of its SQL")
	fs.IntVar(&o.Warmups, "warmups", 3, "untimed requests per case before the timed ones")
	fs.DurationVar(&o.CaseBudget, "case-budget", 2*time.Minute,
		"end a case's timed runs once they took this long (after at least 10; a case within the target never does); 0 for no limit")
	fs.IntVar(&o.BatchSize, "batch-size", 50000, "events per Apply while loading, 1..100000")
	fs.Uint64Var(&o.Seed, "seed", 1, "seed of the generated history")
	cases := fs.String("cases", "", "regular expression: only the cases whose name matches")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return usagef("%v", err)
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if o.Events <= 0 || o.Runs <= 0 {
		return usagef("--events and --runs must be positive")
	}
	if o.Warmups < 0 || o.CaseBudget < 0 {
		return usagef("--warmups and --case-budget must not be negative")
	}
	if o.BatchSize <= 0 || o.BatchSize > 100000 {
		return usagef("--batch-size must be between 1 and 100000, got %d", o.BatchSize)
	}
	switch *store {
	case "both":
		o.Stores = []string{querybench.StoreDuckDB, querybench.StoreClickHouse}
	case querybench.StoreDuckDB, querybench.StoreClickHouse:
		o.Stores = []string{*store}
	default:
		return usagef("--store must be duckdb, clickhouse or both, got %q", *store)
	}
	if *store != querybench.StoreDuckDB {
		if _, err := querybench.ClickHouseDatabase(o.ClickHouse); err != nil {
			return usagef("--clickhouse %v", err)
		}
	}
	var re *regexp.Regexp
	if *cases != "" {
		var err error
		if re, err = regexp.Compile(*cases); err != nil {
			return usagef("--cases: %v", err)
		}
	}
	if o.Cases = querybench.Select(querybench.Cases, re); len(o.Cases) == 0 {
		return usagef("--cases %q matches no case", *cases)
	}

	res, err := querybench.Run(ctx, o)
	if err != nil {
		return err
	}
	for _, s := range res.Stores {
		l := s.Load
		if l.Reused {
			fmt.Fprintf(stdout, "%s: reused %d event rows of %d tickets\n", s.Store, l.EventRows, l.Tickets)
		} else {
			fmt.Fprintf(stdout, "%s: loaded %d event rows of %d tickets in %.1f s: %.0f events/s\n",
				s.Store, l.EventRows, l.Tickets, l.Seconds, l.EventsPerS)
		}
		for _, c := range s.Cases {
			if c.Error != "" {
				fmt.Fprintf(stdout, "  %-30s ERROR %s\n", c.Name, c.Error)
				continue
			}
			fmt.Fprintf(stdout, "  %-30s p50 %7.1f  p95 %7.1f  max %7.1f ms | direct p50 %7.1f  p95 %7.1f ms | ratio %5.2f | %d runs | %s\n",
				c.Name, c.P50Ms, c.P95Ms, c.MaxMs, c.DirectP50, c.DirectP95, c.Ratio, c.Requests, passWord(c.Pass))
		}
		if s.Worst != nil {
			fmt.Fprintf(stdout, "  worst: %s p95 %.1f ms (target %.0f ms): %s\n", s.Worst.Case, s.Worst.P95Ms, res.Target.MaxP95Ms, passWord(s.Pass))
		}
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	return enc.Encode(res)
}

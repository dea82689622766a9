package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/deskmine/deskmine/kb"
)

// cmdMine runs the KB miner: a stream consumer that keeps the case book and
// its index fed and mines article candidates every --mine-interval. With
// --once it catches up with the stream, mines once, prints the report and
// exits.
func cmdMine(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var once, asJSON bool
	var metricsAddr string
	cfg, _, err := parseConfig("mine", args, stderr, func(fs *flag.FlagSet) {
		fs.BoolVar(&once, "once", false, "catch up with the stream, mine once, print the report and exit")
		fs.BoolVar(&asJSON, "json", false, "with --once: print the report as JSON")
		fs.StringVar(&metricsAddr, "metrics-addr", "", "serve Prometheus metrics on this `address` (host:port); empty: none")
	})
	if err != nil {
		return err
	}
	if !once && cfg.KB.MineInterval <= 0 {
		return usagef("mine: --mine-interval must be positive without --once")
	}
	a, err := openApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	k, err := openKB(ctx, a)
	if err != nil {
		return err
	}
	defer k.close()
	reg := prometheus.NewRegistry()
	if !once {
		if metricsAddr != "" {
			go func() {
				if err := serveMetrics(ctx, metricsAddr, reg, a); err != nil {
					a.log.Error("metrics server stopped", "err", err)
				}
			}()
		}
		if err := k.start(ctx, a, reg, cfg.KB.MineInterval); err != nil {
			return err
		}
		<-ctx.Done()
		return nil
	}
	if err := k.catchUp(ctx, a); err != nil {
		return fmt.Errorf("mine: read the stream: %w", err)
	}
	rep, err := k.svc.Mine(ctx)
	if err != nil {
		return err
	}
	return printMineReport(stdout, rep, asJSON)
}

func printMineReport(w io.Writer, r *kb.MineReport, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	fmt.Fprintf(w, "mined %d resolved tickets in %d ms: %d groups, %d new candidates, %d update proposals, %d knowledge gaps\n",
		r.Tickets, r.TookMs, r.Groups, len(r.NewCandidates), len(r.Updates), len(r.Gaps))
	for i, g := range r.Gaps {
		if i == 10 {
			fmt.Fprintf(w, "  ... %d more gaps\n", len(r.Gaps)-10)
			break
		}
		fmt.Fprintf(w, "  gap (%s): %d tickets about %v, e.g. %v\n", g.Reason, g.Tickets, g.Terms, g.Examples)
	}
	return nil
}

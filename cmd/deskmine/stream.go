package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/cmd/deskmine/pipeline"
	"github.com/deskmine/deskmine/ingest"
)

// streamLoops are the relay and analytics loader running inside a process.
type streamLoops struct {
	an      analytics.Store
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	closers []io.Closer
}

// openAnalytics opens the analytics store the configuration names.
func openAnalytics(ctx context.Context, a *app) (analytics.Store, error) {
	an, err := pipeline.OpenAnalytics(ctx, a.cfg.AnalyticsDSN())
	if err != nil {
		return nil, fmt.Errorf("open analytics store: %w", err)
	}
	return an, nil
}

// startStream starts, in the background, the relay (when Kafka is
// configured) and the analytics loader into an (see openAnalytics),
// registering their metrics on reg. The loops own an from here: stop, or a
// failure to start, closes it.
func startStream(ctx context.Context, a *app, reg prometheus.Registerer, an analytics.Store) (*streamLoops, error) {
	cfg := a.cfg
	d := pipeline.Deps{Store: a.store, Registerer: reg, Logger: a.log}
	ctx, cancel := context.WithCancel(ctx)
	s := &streamLoops{an: an, cancel: cancel}
	fail := func(err error) (*streamLoops, error) {
		s.stop()
		return nil, err
	}
	if cfg.UsesKafka() {
		r, err := pipeline.NewRelay(ctx, cfg, d)
		if err != nil {
			return fail(err)
		}
		s.closers = append(s.closers, r)
		s.goRun("relay", a, r.Run, ctx)
	}
	src, err := pipeline.NewSource(cfg, d, pipeline.LoaderName)
	if err != nil {
		return fail(err)
	}
	s.closers = append(s.closers, src)
	loader, err := pipeline.NewLoader(cfg, d, src, an)
	if err != nil {
		return fail(err)
	}
	s.goRun("analytics loader", a, loader.Run, ctx)
	a.log.Info("change stream started", "transport", transportName(a), "analytics", analyticsName(cfg.AnalyticsDSN()))
	return s, nil
}

func (s *streamLoops) goRun(name string, a *app, run func(context.Context) error, ctx context.Context) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := run(ctx); err != nil && ctx.Err() == nil {
			a.log.Error(name+" stopped", "err", err)
		}
	}()
}

// stop ends the loops (each finishes and commits its batch in hand) and
// closes what they used; call it before the ticket store closes.
func (s *streamLoops) stop() {
	s.cancel()
	s.wg.Wait()
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i].Close()
	}
	s.an.Close()
}

func transportName(a *app) string {
	if a.cfg.UsesKafka() {
		return "kafka " + a.cfg.Stream.Topic
	}
	return "event log"
}

// analyticsName names an analytics DSN without its credentials.
func analyticsName(dsn string) string {
	if strings.HasPrefix(dsn, "clickhouse://") {
		if i := strings.LastIndex(dsn, "@"); i >= 0 {
			return "clickhouse://" + dsn[i+1:]
		}
		return dsn
	}
	return "duckdb " + dsn
}

// serveMetrics serves reg on addr until ctx ends; empty addr serves nothing.
func serveMetrics(ctx context.Context, addr string, reg *prometheus.Registry, a *app) error {
	if addr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("metrics listen on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	context.AfterFunc(ctx, func() { hs.Close() })
	a.log.Info("metrics", "addr", ln.Addr().String())
	return nil
}

// cmdRelay publishes the event log to Kafka until stopped.
func cmdRelay(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var metricsAddr string
	cfg, _, err := parseConfig("relay", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&metricsAddr, "metrics-addr", "", "serve Prometheus /metrics on this `address` (empty: off)")
	})
	if err != nil {
		return err
	}
	if !cfg.UsesKafka() {
		return usagef("relay: no Kafka brokers configured; set --kafka-brokers or DESKMINE_STREAM__KAFKA_BROKERS")
	}
	a, err := openApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	reg := prometheus.NewRegistry()
	if err := serveMetrics(ctx, metricsAddr, reg, a); err != nil {
		return err
	}
	r, err := pipeline.NewRelay(ctx, cfg, pipeline.Deps{Store: a.store, Registerer: reg, Logger: a.log})
	if err != nil {
		return err
	}
	defer r.Close()
	a.log.Info("relay running", "topic", cfg.Stream.Topic, "brokers", strings.Join(cfg.Stream.KafkaBrokers, ","), "holder", r.Holder())
	return r.Run(ctx)
}

// cmdIngest runs the analytics loader, or one of its maintenance actions.
func cmdIngest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var replay, listDead, replayDead, all, asJSON bool
	var limit int
	var metricsAddr string
	cfg, fs, err := parseConfig("ingest", args, stderr, func(fs *flag.FlagSet) {
		fs.BoolVar(&replay, "replay", false, "rebuild the analytics store from the start of the stream, then exit")
		fs.BoolVar(&listDead, "dead-letters", false, "list the loader's parked events, then exit")
		fs.BoolVar(&all, "all", false, "with --dead-letters: include replayed ones")
		fs.BoolVar(&asJSON, "json", false, "with --dead-letters: one JSON object per line")
		fs.IntVar(&limit, "limit", 100, "with --dead-letters: list at most `N`")
		fs.BoolVar(&replayDead, "replay-dead", false, "hand the parked events to the analytics store again, then exit")
		fs.StringVar(&metricsAddr, "metrics-addr", "", "serve Prometheus /metrics on this `address` (empty: off)")
	})
	if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("ingest: unexpected argument %q", fs.Arg(0))
	}
	n := 0
	for _, b := range []bool{replay, listDead, replayDead} {
		if b {
			n++
		}
	}
	if n > 1 {
		return usagef("ingest: --replay, --dead-letters and --replay-dead exclude each other")
	}
	if limit <= 0 {
		return usagef("ingest: --limit must be positive, got %d", limit)
	}
	a, err := openApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	if listDead {
		return printDeadLetters(ctx, a, all, asJSON, limit, stdout)
	}
	an, err := pipeline.OpenAnalytics(ctx, cfg.AnalyticsDSN())
	if err != nil {
		return fmt.Errorf("open analytics store: %w", err)
	}
	defer an.Close()
	reg := prometheus.NewRegistry()
	d := pipeline.Deps{Store: a.store, Registerer: reg, Logger: a.log}
	switch {
	case replay:
		start := time.Now()
		if err := pipeline.Replay(ctx, cfg, d, an); err != nil {
			return err
		}
		res, err := an.Check(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "replayed into %s in %s: %d events of %d tickets\n", analyticsName(cfg.AnalyticsDSN()),
			time.Since(start).Round(time.Millisecond), res.Events, res.Tickets)
		return nil
	case replayDead:
		// Replaying reads the parked letters, not the stream. The log source
		// only names the consumer: a Kafka source would join the running
		// loader's group and make it rebalance.
		src, err := ingest.NewLogSource(ingest.LogSourceConfig{Name: pipeline.LoaderName, Log: a.store, Cursors: a.store})
		if err != nil {
			return err
		}
		r, err := pipeline.NewLoader(cfg, d, src, an)
		if err != nil {
			return err
		}
		res, err := r.ReplayDead(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "dead letters replayed: %d, failed again: %d\n", res.Replayed, res.Failed)
		return nil
	}
	if err := serveMetrics(ctx, metricsAddr, reg, a); err != nil {
		return err
	}
	src, err := pipeline.NewSource(cfg, d, pipeline.LoaderName)
	if err != nil {
		return err
	}
	defer src.Close()
	r, err := pipeline.NewLoader(cfg, d, src, an)
	if err != nil {
		return err
	}
	a.log.Info("analytics loader running", "transport", transportName(a), "analytics", analyticsName(cfg.AnalyticsDSN()))
	return r.Run(ctx)
}

func printDeadLetters(ctx context.Context, a *app, all, asJSON bool, limit int, w io.Writer) error {
	list, err := a.store.DeadLetters(ctx, pipeline.LoaderName, all, limit)
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(w)
		for _, d := range list {
			if err := enc.Encode(d); err != nil {
				return err
			}
		}
		return nil
	}
	if len(list) == 0 {
		fmt.Fprintln(w, "no dead letters")
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tPARKED\tPARTITION\tOFFSET\tEVENT\tTICKET\tATTEMPTS\tREPLAYED\tERROR")
	for _, d := range list {
		replayed := "-"
		if d.ReplayedAt != nil {
			replayed = d.ReplayedAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%d\t%s\t%d\t%d\t%s\t%d\t%d\t%s\t%s\n", d.ID, d.ParkedAt.UTC().Format(time.RFC3339), d.Partition, d.Offset,
			orDash(d.EventID), d.TicketID, d.Attempts, replayed, oneLine(d.Error))
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// oneLine keeps a table row on one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

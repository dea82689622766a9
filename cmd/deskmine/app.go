package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/deskmine/deskmine/cmd/deskmine/pipeline"
	"github.com/deskmine/deskmine/internal/config"
	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/auth"
	"github.com/deskmine/deskmine/ticketcore/store"
)

// app is the opened ticket core: store and services.
type app struct {
	cfg   config.Config
	log   *slog.Logger
	store *store.Store
	svc   *ticketcore.Service
	auth  *auth.Service
}

// parseConfig parses the common flags plus the command's own (added by
// extra) and resolves the configuration. Bad flags or settings are usage errors.
func parseConfig(name string, args []string, stderr io.Writer, extra func(fs *flag.FlagSet)) (config.Config, *flag.FlagSet, error) {
	fs := flag.NewFlagSet("deskmine "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := config.Default()
	config.RegisterFlags(fs, &cfg)
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return cfg, fs, err
		}
		return cfg, fs, usagef("%v", err)
	}
	if err := config.Resolve(&cfg, fs, os.Environ()); err != nil {
		return cfg, fs, usagef("configuration: %v", err)
	}
	return cfg, fs, nil
}

func workflowFrom(w *config.WorkflowConfig) ticketcore.Workflow {
	if w == nil {
		return ticketcore.DefaultWorkflow()
	}
	out := ticketcore.Workflow{Initial: w.Initial}
	for _, s := range w.States {
		out.States = append(out.States, ticketcore.State{Name: s.Name, Kind: ticketcore.StateKind(s.Kind), PendingReasons: s.PendingReasons})
	}
	for _, t := range w.Transitions {
		out.Transitions = append(out.Transitions, ticketcore.Transition{From: t.From, To: t.To})
	}
	return out
}

func openApp(ctx context.Context, cfg config.Config, stderr io.Writer) (*app, error) {
	log := cfg.Logger(stderr)
	st, err := store.Open(ctx, cfg.StoreDSN())
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	opts := ticketcore.DefaultOptions()
	opts.Workflow = workflowFrom(cfg.Tickets.Workflow)
	opts.TicketTypes = cfg.Tickets.Types
	opts.CustomerTiers = cfg.Tickets.CustomerTiers
	opts.RequireCustomer = cfg.Tickets.RequireCustomer
	opts.Logger = log
	svc, err := ticketcore.NewService(st, opts)
	if err != nil {
		st.Close()
		return nil, usagef("configuration: %v", err)
	}
	svc.SetChecklists(st) // checklist templates and approval policies are settings of the store
	svc.SetApprovals(st)
	a := &app{cfg: cfg, log: log, store: st, svc: svc, auth: auth.NewService(st, cfg.HTTP.SessionTTL)}
	if err := setLoop(ctx, a); err != nil {
		st.Close()
		return nil, err
	}
	return a, nil
}

func (a *app) Close() error { return a.store.Close() }

// openFromArgs parses the common flags of a command that has none of its own
// and opens the app.
func openFromArgs(ctx context.Context, name string, args []string, stderr io.Writer) (*app, error) {
	cfg, _, err := parseConfig(name, args, stderr, nil)
	if err != nil {
		return nil, err
	}
	return openApp(ctx, cfg, stderr)
}

func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	a, err := openFromArgs(ctx, "migrate", args, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	v, err := a.store.SchemaVersion(ctx)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	fmt.Fprintf(stdout, "database %s is at schema version %d\n", a.store.Dialect(), v)
	an, err := pipeline.OpenAnalytics(ctx, a.cfg.AnalyticsDSN()) // opening migrates
	if err != nil {
		return fmt.Errorf("open analytics store: %w", err)
	}
	defer an.Close()
	fmt.Fprintf(stdout, "analytics store %s is migrated\n", analyticsName(a.cfg.AnalyticsDSN()))
	return nil
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"time"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/analytics/httpapi"
	"github.com/deskmine/deskmine/dashboards"
	"github.com/deskmine/deskmine/ticketcore/api"
	"github.com/deskmine/deskmine/ticketcore/attach"
	"github.com/deskmine/deskmine/ticketcore/auth"
	"github.com/deskmine/deskmine/ticketcore/desk"
)

// demoPassword is the password of the demo accounts; printed on start so that
// whoever runs the demo can log in. Only --demo creates these accounts.
const demoPassword = "deskmine-demo"

// analyticsRoutes are the analytics API's routes over an, for the ticket
// API to mount behind its login and role check.
func analyticsRoutes(an analytics.Store, log *slog.Logger) ([]api.ExtraRoute, error) {
	st, ok := an.(httpapi.Store)
	if !ok {
		return nil, fmt.Errorf("analytics store %T does not answer the analytics queries", an)
	}
	var out []api.ExtraRoute
	for _, r := range httpapi.Routes(httpapi.New(st, log)) {
		roles := make([]auth.Role, len(r.Roles))
		for i, name := range r.Roles {
			roles[i] = auth.Role(name)
			if !slices.Contains(auth.Roles, roles[i]) {
				return nil, fmt.Errorf("analytics route %s %s names unknown role %q", r.Method, r.Path, name)
			}
		}
		out = append(out, api.ExtraRoute{Method: r.Method, Path: r.Path, Roles: roles, Handler: r.Handler})
	}
	return out, nil
}

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	a, err := openFromArgs(ctx, "serve", args, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	cfg := a.cfg
	if cfg.Demo {
		if err := loadDemo(ctx, a, demoDefaults(), stderr); err != nil {
			return err
		}
		if err := ensureDemoAccounts(ctx, a, stdout); err != nil {
			return err
		}
	}
	notes, err := startNotifications(ctx, a)
	if err != nil {
		return err
	}
	defer notes.stop() // before the store closes
	d, err := desk.New(ctx, a.svc, a.store, desk.Options{Logger: a.log})
	if err != nil {
		return err
	}
	told := newNotifier(a, notes, d) // registers itself as a hook: assignments and mentions
	clocks, err := startSLA(ctx, a, d, told)
	if err != nil {
		return err
	}
	defer clocks.stop() // before the store closes
	if cfg.Demo {
		if err := ensureDemoDesk(ctx, a, d, clocks.clocks); err != nil {
			return err
		}
	}
	d.SetSLASource(clocks.remaining(a))
	go d.Run(ctx) // re-reads settings and re-counts loads until ctx ends
	// The analytics store opens before the API, which serves its queries;
	// the loops that fill it start after, on the API's metrics registry.
	an, err := openAnalytics(ctx, a)
	if err != nil {
		return err
	}
	extra, err := analyticsRoutes(an, a.log)
	if err != nil {
		an.Close()
		return err
	}
	know, err := openKB(ctx, a)
	if err != nil {
		an.Close()
		return err
	}
	defer know.close() // before the store closes
	kbExtra, err := kbRoutes(know, a)
	if err != nil {
		an.Close()
		return err
	}
	extra = append(extra, kbExtra...)
	files, err := attach.Open(filepath.Join(cfg.Data, "attachments"), attach.Limits{})
	if err != nil {
		an.Close()
		return fmt.Errorf("open attachment store: %w", err)
	}
	srv := api.New(a.svc, a.auth, notes.options(api.Options{Attachments: files, MaxBodyBytes: cfg.HTTP.MaxBodyBytes, SecureCookies: cfg.HTTP.SecureCookies,
		Logger: a.log, Ready: a.store.Ping, Desk: d, SLA: clocks.clocks, SLASettings: a.store, Extra: extra}))
	srv.Registry().MustRegister(notes.stats)
	ui, err := openDashboards(a, d, an, know)
	if err != nil {
		an.Close()
		return err
	}
	stream, err := startStream(ctx, a, srv.Registry(), an)
	if err != nil {
		return err
	}
	defer stream.stop() // before the store closes
	if err := know.start(ctx, a, srv.Registry(), cfg.KB.MineInterval); err != nil {
		return err
	}
	stopMail, err := startMailOut(ctx, a, srv.Registry())
	if err != nil {
		return err
	}
	if stopMail != nil {
		defer stopMail() // before the store closes
	}
	spikes, err := startSpikeWatch(ctx, a, an, notes.notifier)
	if err != nil {
		return err
	}
	defer spikes.stop() // before the stream closes the analytics store
	ln, err := net.Listen("tcp", cfg.HTTP.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.HTTP.Addr, err)
	}
	hs := &http.Server{Handler: webHandler(srv.Handler(), ui.Handler()), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: cfg.HTTP.ReadTimeout,
		WriteTimeout: cfg.HTTP.WriteTimeout, IdleTimeout: 2 * time.Minute}
	a.log.Info("serving", "addr", ln.Addr().String(), "store", a.store.Dialect(), "data", cfg.Data)
	fmt.Fprintf(stdout, "Deskmine API on http://%s/api/v1 (OpenAPI: /api/v1/openapi.json)\n", ln.Addr())
	fmt.Fprintf(stdout, "Deskmine dashboards on http://%s%s/\n", ln.Addr(), dashboards.Prefix)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	go maintain(ctx, a)
	go autoClose(ctx, a)
	startIMAP(ctx, a, files)
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	a.log.Info("shutting down", "grace", cfg.HTTP.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), cfg.HTTP.ShutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// ensureDemoAccounts creates one login per role and an admin API token, and
// prints how to use them.
func ensureDemoAccounts(ctx context.Context, a *app, stdout io.Writer) error {
	for _, r := range []auth.Role{auth.RoleAdmin, auth.RoleManager, auth.RoleAgent, auth.RoleReviewer} {
		login := "demo-" + string(r)
		if _, err := a.auth.Store().UserByLogin(ctx, login); err == nil {
			continue
		} else if !errors.Is(err, auth.ErrNotFound) {
			return err
		}
		if _, err := a.auth.CreateUser(ctx, auth.NewUser{Login: login, Name: "Demo " + string(r), Role: string(r), Password: demoPassword}); err != nil {
			return fmt.Errorf("create demo account: %w", err)
		}
	}
	admin, err := a.auth.Store().UserByLogin(ctx, "demo-admin")
	if err != nil {
		return err
	}
	secret, _, err := a.auth.CreateToken(ctx, admin.ID, "demo session")
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Demo logins: demo-admin, demo-manager, demo-agent, demo-reviewer (password %s)\n", demoPassword)
	fmt.Fprintf(stdout, "Demo admin token: %s\n", secret)
	return nil
}

// maintain runs housekeeping hourly until ctx ends.
func maintain(ctx context.Context, a *app) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if err := a.svc.Prune(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("housekeeping failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

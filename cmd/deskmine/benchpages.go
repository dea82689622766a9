package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/analytics/duckdb"
	"github.com/deskmine/deskmine/cmd/deskmine/querybench"
	"github.com/deskmine/deskmine/dashboards"
	"github.com/deskmine/deskmine/internal/config"
	"github.com/deskmine/deskmine/kb/articles"
	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/auth"
	"github.com/deskmine/deskmine/ticketcore/desk"
)

// pageTarget is the rendering target of every dashboard page, p95.
const pageTarget = 300 * time.Millisecond

// pageCase is one page the benchmark renders, as a user of role sees it.
type pageCase struct {
	Name string
	Role auth.Role
	Path string
	// Analytics marks the pages drawn from the analytics store (10M events);
	// the others read the ticket store and the knowledge base.
	Analytics bool
	// Variant marks a heavier view than the page opens with (a longer
	// range, a filter, a second dimension).
	Variant bool
}

// PageResult is one page's timings.
type PageResult struct {
	Name       string  `json:"name"`
	Path       string  `json:"path"`
	Runs       int     `json:"runs"`
	P50Ms      float64 `json:"p50_ms"`
	P95Ms      float64 `json:"p95_ms"`
	MaxMs      float64 `json:"max_ms"`
	Bytes      int     `json:"bytes"`
	Queries    int     `json:"queries"`             // analytics calls per render
	BaseP50Ms  float64 `json:"baseline_p50_ms"`     // those calls replayed one after another on the store
	Ratio      float64 `json:"ratio_p50,omitempty"` // P50Ms / BaseP50Ms
	FloorRatio float64 `json:"floor_ratio_p50"`     // P50Ms / the login page's p50 in the same run
	WithinGoal bool    `json:"within_target"`       // P95Ms <= 300
	Variant    bool    `json:"variant"`             // a heavier view than the page opens with
}

// PagesResult is the benchmark's JSON answer.
type PagesResult struct {
	Events int64 `json:"analytics_events"`
	// FloorP50Ms is the login page (a template and no data) rendered the
	// same way: the cost of any page here.
	FloorP50Ms float64      `json:"floor_p50_ms"`
	Tickets    int          `json:"ticket_store_tickets"`
	LoadS      float64      `json:"load_seconds,omitempty"`
	Pages      []PageResult `json:"pages"`
	AllWithin  bool         `json:"all_within_target"`
	// DefaultsWithin is whether every page as it opens (no variant) is.
	DefaultsWithin bool `json:"defaults_within_target"`
}

func cmdBenchPages(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("deskmine bench pages", flag.ContinueOnError)
	fs.SetOutput(stderr)
	events := fs.Int("events", 10_000_000, "event rows in the analytics store (generated as for bench query)")
	duckPath := fs.String("duckdb", "", "DuckDB file of the analytics store (default: in --data-dir)")
	reuse := fs.Bool("reuse", false, "skip the analytics load when the store already holds --events event rows")
	dataDir := fs.String("data-dir", "", "directory of the ticket store, knowledge base and analytics file (default: a temporary one, removed after)")
	runs := fs.Int("runs", 30, "timed renders per page")
	warmups := fs.Int("warmups", 3, "untimed renders per page first")
	seed := fs.Uint64("seed", 1, "seed of the generated analytics history")
	only := fs.String("pages", "", "regular expression: only the pages whose name matches")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usagef("%v", err)
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if *events <= 0 || *runs <= 0 || *warmups < 0 {
		return usagef("--events and --runs must be positive, --warmups not negative")
	}
	var sel *regexp.Regexp
	if *only != "" {
		var err error
		if sel, err = regexp.Compile(*only); err != nil {
			return usagef("--pages: %v", err)
		}
	}
	dir := *dataDir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "deskmine-bench-pages-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	if *duckPath == "" {
		*duckPath = filepath.Join(dir, "analytics.duckdb")
	}
	env, err := newPageEnv(ctx, dir, stderr)
	if err != nil {
		return err
	}
	defer env.close()
	res := &PagesResult{Events: int64(*events), Tickets: env.tickets}
	st, err := duckdb.Open(ctx, *duckPath)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, held, err := querybench.Holds(ctx, st, int64(*events)); err != nil {
		return err
	} else if !held || !*reuse {
		fmt.Fprintf(stderr, "loading %d generated events into %s\n", *events, *duckPath)
		lr, err := querybench.Load(ctx, st, querybench.LoadOptions{EventRows: *events, Seed: *seed, BatchSize: 50000, Log: stderr})
		if err != nil {
			return err
		}
		res.LoadS = lr.Seconds
	}
	rec := &recordingAnalytics{Analytics: st}
	// The manager pages look at the generated history, whose last day is
	// the end of its span; the ticket pages at the demo desk, which lives now.
	spanEnd := querybench.SpanStart.Add(querybench.Span)
	managerUI, err := env.ui(rec, func() time.Time { return spanEnd })
	if err != nil {
		return err
	}
	deskUI, err := env.ui(rec, time.Now)
	if err != nil {
		return err
	}
	floor, err := env.measure(ctx, deskUI, rec, pageCase{Name: "login-page", Path: "/ui/login"}, *runs, *warmups)
	if err != nil {
		return err
	}
	res.FloorP50Ms = floor.P50Ms
	fmt.Fprintf(stderr, "%-28s p50 %7.1f ms  p95 %7.1f ms  (the floor of every page)\n", floor.Name, floor.P50Ms, floor.P95Ms)
	res.AllWithin, res.DefaultsWithin = true, true
	for _, pc := range env.cases(spanEnd) {
		if sel != nil && !sel.MatchString(pc.Name) {
			continue
		}
		ui := deskUI
		if pc.Analytics {
			ui = managerUI
		}
		pr, err := env.measure(ctx, ui, rec, pc, *runs, *warmups)
		if err != nil {
			return fmt.Errorf("page %s: %w", pc.Name, err)
		}
		pr.Variant = pc.Variant
		res.AllWithin = res.AllWithin && pr.WithinGoal
		res.DefaultsWithin = res.DefaultsWithin && (pr.WithinGoal || pc.Variant)
		if floor.P50Ms > 0 {
			pr.FloorRatio = float64(int(pr.P50Ms/floor.P50Ms*10+0.5)) / 10
		}
		fmt.Fprintf(stderr, "%-28s p50 %7.1f ms  p95 %7.1f ms  queries %d  baseline p50 %7.1f ms  x%-6.1f floor  %s\n",
			pr.Name, pr.P50Ms, pr.P95Ms, pr.Queries, pr.BaseP50Ms, pr.FloorRatio, map[bool]string{true: "ok", false: "OVER 300 ms"}[pr.WithinGoal]+map[bool]string{true: " (variant)"}[pc.Variant])
		res.Pages = append(res.Pages, *pr)
	}
	b, err := json.Marshal(res)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, string(b))
	return nil
}

// pageEnv is the ticket side of the benchmark: the demo dataset in a
// SQLite store with its desk and knowledge base, and a session per role.
type pageEnv struct {
	a        *app
	desk     *desk.Desk
	know     *kbParts
	sessions map[auth.Role]string
	tickets  int
	ticketID int64
	candID   int64
	artID    int64
}

func newPageEnv(ctx context.Context, dir string, stderr io.Writer) (*pageEnv, error) {
	cfg := config.Default()
	cfg.Data, cfg.KB.MineInterval, cfg.Log.Level = dir, 0, "warn"
	a, err := openApp(ctx, cfg, stderr)
	if err != nil {
		return nil, err
	}
	env := &pageEnv{a: a, sessions: map[auth.Role]string{}}
	fail := func(err error) (*pageEnv, error) { env.close(); return nil, err }
	if err := loadDemo(ctx, a, demoDefaults(), io.Discard); err != nil {
		return fail(err)
	}
	if err := ensureDemoAccounts(ctx, a, io.Discard); err != nil {
		return fail(err)
	}
	if env.desk, err = desk.New(ctx, a.svc, a.store, desk.Options{Logger: a.log}); err != nil {
		return fail(err)
	}
	if err := ensureDemoDesk(ctx, a, env.desk, nil); err != nil {
		return fail(err)
	}
	if err := env.desk.Reload(ctx); err != nil {
		return fail(err)
	}
	if env.know, err = openKB(ctx, a); err != nil {
		return fail(err)
	}
	if err := env.know.catchUp(ctx, a); err != nil {
		return fail(err)
	}
	if _, err := env.know.svc.Mine(ctx); err != nil {
		return fail(err)
	}
	// The demo accounts: demo-agent has a queue on the demo desk.
	for _, r := range []auth.Role{auth.RoleManager, auth.RoleAgent, auth.RoleReviewer} {
		secret, _, err := a.auth.Login(ctx, "demo-"+string(r), demoPassword)
		if err != nil {
			return fail(err)
		}
		env.sessions[r] = secret
	}
	if err := env.pickIDs(ctx); err != nil {
		return fail(err)
	}
	return env, nil
}

// pickIDs chooses the ticket, candidate and article the detail pages show,
// publishing one candidate so that an article with a version exists.
func (e *pageEnv) pickIDs(ctx context.Context) error {
	for cursor := ""; ; {
		page, err := e.a.svc.List(ctx, ticketcore.ListQuery{Limit: 500, Cursor: cursor, Sort: "id"})
		if err != nil {
			return err
		}
		e.tickets += len(page.Tickets)
		for _, t := range page.Tickets {
			if e.ticketID == 0 && t.Status == "resolved" {
				e.ticketID = t.ID
			}
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	arts := e.know.svc.Articles()
	cands, err := arts.ListCandidates(ctx, articles.CandidateFilter{Status: articles.StatusCandidate, Limit: 2})
	if err != nil {
		return err
	}
	if len(cands) < 2 || e.ticketID == 0 {
		return fmt.Errorf("the demo data gave %d candidates and no resolved ticket %v", len(cands), e.ticketID == 0)
	}
	e.candID = cands[0].ID
	reviewer := articles.Actor{ID: 1, Login: "demo-reviewer", Role: articles.RoleReviewer}
	if _, err := arts.Submit(ctx, reviewer, cands[1].ID, reviewer.Login, "bench"); err != nil {
		return err
	}
	art, err := arts.Approve(ctx, reviewer, cands[1].ID, "bench")
	if err != nil {
		return err
	}
	e.artID = art.ID
	return e.know.svc.SyncArticles(ctx)
}

func (e *pageEnv) ui(an dashboards.Analytics, now func() time.Time) (*dashboards.Server, error) {
	return dashboards.New(dashboards.Options{Auth: e.a.auth, Tickets: e.a.svc, Desk: e.desk, Analytics: an, Knowledge: e.know.svc,
		Location: time.UTC, Logger: e.a.log, Now: now})
}

func (e *pageEnv) close() {
	if e.know != nil {
		e.know.close()
	}
	e.a.Close()
}

// cases are the dashboard pages with their heavy variants; at is a moment
// inside the generated history for time travel.
func (e *pageEnv) cases(spanEnd time.Time) []pageCase {
	at := spanEnd.Add(-45 * 24 * time.Hour).Format("2006-01-02T15:04")
	m, a, r := auth.RoleManager, auth.RoleAgent, auth.RoleReviewer
	id := func(n int64) string { return strconv.FormatInt(n, 10) }
	return []pageCase{
		{"overview-30d", m, "/ui/overview", true, false},
		{"overview-quarter-filter", m, "/ui/overview?range=90d&fdim=team&fval=team-1", true, true},
		{"overview-year-week", m, "/ui/overview?range=365d&bucket=week", true, true},
		{"hotspots-category-30d", m, "/ui/hotspots", true, false},
		{"hotspots-category-90d", m, "/ui/hotspots?dim=category&range=90d", true, true},
		{"hotspots-channel-by-day", m, "/ui/hotspots?dim=channel&by=day&range=90d", true, true},
		{"hotspots-team-x-priority", m, "/ui/hotspots?dim=team&dim2=priority&range=365d", true, true},
		{"spikes-category-30d", m, "/ui/spikes", true, false},
		{"rootcause-30d", m, "/ui/rootcause", true, false},
		{"rootcause-quarter", m, "/ui/rootcause?range=90d", true, true},
		{"bottlenecks-30d", m, "/ui/bottlenecks", true, false},
		{"bottlenecks-quarter", m, "/ui/bottlenecks?range=90d", true, true},
		{"performance-team-30d", m, "/ui/performance", true, false},
		{"performance-agent-30d", m, "/ui/performance?by=agent", true, true},
		{"performance-team-anon-year", m, "/ui/performance?by=team&range=365d&anonymous=on", true, true},
		{"timetravel", m, "/ui/timetravel?at=" + at, true, false},
		{"tickets-list", a, "/ui/tickets", false, false},
		{"tickets-drilldown", a, "/ui/tickets?category=connectivity&created_from=2020-01-01T00:00:00Z", false, true},
		{"ticket-page", a, "/ui/tickets/" + id(e.ticketID), false, false},
		{"queue", a, "/ui/queue", false, false},
		{"board", a, "/ui/board", false, false},
		{"skills", a, "/ui/skills", false, false},
		{"kb-queue", r, "/ui/kb", false, false},
		{"kb-candidate", r, "/ui/kb/candidates/" + id(e.candID), false, false},
		{"kb-articles", r, "/ui/kb/articles", false, false},
		{"kb-article", r, "/ui/kb/articles/" + id(e.artID), false, false},
	}
}

// measure renders a page runs times through the UI's handler, as a request
// from a logged-in browser, and replays the analytics calls of the last
// render directly on the store as the baseline.
func (e *pageEnv) measure(ctx context.Context, ui *dashboards.Server, rec *recordingAnalytics, pc pageCase, runs, warmups int) (*PageResult, error) {
	h := ui.Handler()
	render := func() (time.Duration, int, error) {
		req := httptest.NewRequest(http.MethodGet, pc.Path, nil).WithContext(ctx)
		if pc.Role != "" {
			req.AddCookie(&http.Cookie{Name: "deskmine_session", Value: e.sessions[pc.Role]})
		}
		w := httptest.NewRecorder()
		rec.start()
		t0 := time.Now()
		h.ServeHTTP(w, req)
		d := time.Since(t0)
		if w.Code != http.StatusOK {
			return 0, 0, fmt.Errorf("GET %s answered %d: %.300s", pc.Path, w.Code, w.Body.String())
		}
		return d, w.Body.Len(), nil
	}
	for i := 0; i < warmups; i++ {
		if _, _, err := render(); err != nil {
			return nil, err
		}
	}
	pr := &PageResult{Name: pc.Name, Path: pc.Path, Runs: runs}
	times := make([]time.Duration, 0, runs)
	var base []time.Duration
	for i := 0; i < runs; i++ {
		d, n, err := render()
		if err != nil {
			return nil, err
		}
		times = append(times, d)
		pr.Bytes = n
		calls := rec.stop()
		pr.Queries = len(calls)
		if len(calls) > 0 {
			t0 := time.Now()
			for _, call := range calls {
				if err := call(ctx); err != nil {
					return nil, fmt.Errorf("baseline: %w", err)
				}
			}
			base = append(base, time.Since(t0))
		}
	}
	pr.P50Ms, pr.P95Ms, pr.MaxMs = ms(quantile(times, 0.5)), ms(quantile(times, 0.95)), ms(quantile(times, 1))
	if len(base) > 0 {
		pr.BaseP50Ms = ms(median(base))
		if pr.BaseP50Ms > 0 {
			pr.Ratio = float64(int(pr.P50Ms/pr.BaseP50Ms*100+0.5)) / 100
		}
	}
	pr.WithinGoal = quantile(times, 0.95) <= pageTarget
	return pr, nil
}

// recordingAnalytics passes every call to the store and keeps, while
// recording, a replay of it for the baseline.
type recordingAnalytics struct {
	dashboards.Analytics
	mu    sync.Mutex
	on    bool
	calls []func(context.Context) error
}

func (r *recordingAnalytics) start() {
	r.mu.Lock()
	r.on, r.calls = true, nil
	r.mu.Unlock()
}

func (r *recordingAnalytics) stop() []func(context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.on = false
	return r.calls
}

func (r *recordingAnalytics) add(f func(context.Context) error) {
	r.mu.Lock()
	if r.on {
		r.calls = append(r.calls, f)
	}
	r.mu.Unlock()
}

// replay records a call of one query and makes it.
func replay[Q, A any](r *recordingAnalytics, ctx context.Context, q Q, f func(context.Context, Q) (A, error)) (A, error) {
	r.add(func(ctx context.Context) error { _, err := f(ctx, q); return err })
	return f(ctx, q)
}

func (r *recordingAnalytics) Hotspots(ctx context.Context, q analytics.HotspotQuery) ([]analytics.HotspotRow, error) {
	return replay(r, ctx, q, r.Analytics.Hotspots)
}

func (r *recordingAnalytics) Movers(ctx context.Context, q analytics.HotspotQuery) ([]analytics.Mover, error) {
	return replay(r, ctx, q, r.Analytics.Movers)
}

func (r *recordingAnalytics) Backlog(ctx context.Context, q analytics.BacklogQuery) ([]analytics.BacklogRow, error) {
	return replay(r, ctx, q, r.Analytics.Backlog)
}

func (r *recordingAnalytics) Trends(ctx context.Context, q analytics.TrendQuery) ([]analytics.TrendPoint, error) {
	return replay(r, ctx, q, r.Analytics.Trends)
}

func (r *recordingAnalytics) Performance(ctx context.Context, q analytics.PerformanceQuery) (*analytics.PerformanceResult, error) {
	return replay(r, ctx, q, r.Analytics.Performance)
}

func (r *recordingAnalytics) Bottlenecks(ctx context.Context, q analytics.BottleneckQuery) (*analytics.BottleneckResult, error) {
	return replay(r, ctx, q, r.Analytics.Bottlenecks)
}

func (r *recordingAnalytics) RootCause(ctx context.Context, q analytics.RootCauseQuery) (*analytics.RootCauseResult, error) {
	return replay(r, ctx, q, r.Analytics.RootCause)
}

func (r *recordingAnalytics) OpenAt(ctx context.Context, q analytics.OpenQuery) ([]analytics.OpenTicket, error) {
	return replay(r, ctx, q, r.Analytics.OpenAt)
}

func (r *recordingAnalytics) HotspotsAt(ctx context.Context, q analytics.HotspotQuery, at time.Time) ([]analytics.HotspotRow, error) {
	r.add(func(ctx context.Context) error { _, err := r.Analytics.HotspotsAt(ctx, q, at); return err })
	return r.Analytics.HotspotsAt(ctx, q, at)
}

// Package querybench is `deskmine bench query`: the latency of every
// analytics API endpoint on a generated history of millions of events, on
// DuckDB and on ClickHouse, each beside the same SQL run directly on the
// store.
//
// The history is made by analytics/storetest.Generate, chunk by chunk, and
// written through the store's own Apply (Load). The API's handlers
// (analytics/httpapi) are served by an in-process HTTP server; each request
// runs with an analytics query trace (analytics.WithQueryTrace) that
// records the statements the store ran, and those statements are then run
// again directly on the store's connection, draining every row. Endpoint
// and direct runs alternate (A/B, then B/A), so a noisy neighbour on a
// shared machine hits both alike; the ratio endpoint p95 / direct p95 is the
// cost of the API around the SQL.
package querybench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/analytics/httpapi"
)

// TargetP95 is the acceptance: every endpoint's p95 on 10M events.
const TargetP95 = 300 * time.Millisecond

// MinRuns is the fewest timed runs of a case cut short by Options.CaseBudget.
const MinRuns = 10

// Store names of Options.Stores.
const (
	StoreDuckDB     = "duckdb"
	StoreClickHouse = "clickhouse"
)

// Options configure the benchmark.
type Options struct {
	Events    int // event rows in each store
	Seed      uint64
	BatchSize int
	Runs      int // timed requests per case (and as many direct runs)
	Warmups   int // untimed requests per case first
	// CaseBudget ends a case's timed runs early once they took this long
	// (after at least MinRuns): a case far over the target would otherwise
	// run for many minutes. 0 runs all Runs.
	CaseBudget time.Duration
	Stores     []string
	// DuckDB is the store's file; "" makes one in a temporary directory.
	DuckDB string
	// ClickHouse is the DSN of the store's database (created when missing).
	ClickHouse string
	// Keep keeps what the benchmark created (the temporary DuckDB file, a
	// ClickHouse database that did not exist); a store given by the caller
	// that existed before is never removed.
	Keep bool
	// Reuse skips the load when the store already holds Events event rows;
	// otherwise the store is emptied and loaded.
	Reuse bool
	Cases []Case
	Log   io.Writer // progress; nil for none
}

// Result is the benchmark's answer: the last line of the command's stdout.
type Result struct {
	Benchmark string  `json:"benchmark"`
	StartedAt string  `json:"started_at"`
	CPUs      int     `json:"cpus"`
	LoadAvg1m float64 `json:"loadavg_1m_at_start"`
	Events    int     `json:"events"`
	Seed      uint64  `json:"seed"`
	Runs      int     `json:"runs"`
	Warmups   int     `json:"warmups"`
	BudgetS   float64 `json:"case_budget_s"`
	Variants  int     `json:"variants"`
	Target    Target  `json:"target"`
	// Stores in the order run; Worst names each store's slowest case.
	Stores []*StoreResult    `json:"stores"`
	Worst  map[string]*Worst `json:"worst"`
	// Pass: every case of every store answered within the target.
	Pass bool `json:"pass"`
}

// Target is what the pass flags compare with.
type Target struct {
	MaxP95Ms float64 `json:"max_p95_ms"`
}

// Worst is a store's case with the highest endpoint p95.
type Worst struct {
	Case  string  `json:"case"`
	P95Ms float64 `json:"p95_ms"`
	Ratio float64 `json:"ratio"`
}

// StoreResult is one store's load and cases.
type StoreResult struct {
	Store    string        `json:"store"`
	Location string        `json:"location"` // file or DSN
	Load     *LoadResult   `json:"load"`
	SettleS  float64       `json:"settle_s,omitempty"` // ClickHouse: waiting for background merges before timing
	Cases    []*CaseResult `json:"cases"`
	Worst    *Worst        `json:"worst"`
	Pass     bool          `json:"pass"`
}

// CaseResult is one case on one store. Latencies are nearest-rank
// percentiles over Runs requests; the direct ones over as many runs of the
// statements the requests ran.
type CaseResult struct {
	Name    string `json:"name"`
	Request string `json:"request"` // variant 0's URL; {now} as at the start
	// Requests is the timed requests: Options.Runs, fewer when the case
	// ran out of its budget (CutShort).
	Requests int  `json:"requests"`
	CutShort bool `json:"cut_short,omitempty"`
	// Statements is how many SQL statements one request ran (the most any did).
	Statements int     `json:"statements"`
	Bytes      int     `json:"response_bytes"` // of the last response
	P50Ms      float64 `json:"p50_ms"`
	P95Ms      float64 `json:"p95_ms"`
	MaxMs      float64 `json:"max_ms"`
	DirectP50  float64 `json:"direct_p50_ms"`
	DirectP95  float64 `json:"direct_p95_ms"`
	DirectMax  float64 `json:"direct_max_ms"`
	// Ratio is P95Ms / DirectP95: what the API adds around the SQL.
	Ratio float64 `json:"ratio"`
	// PerStatement is the direct p50 of each statement of a request, in
	// the order run: which one dominates.
	PerStatement []StatementTime `json:"per_statement,omitempty"`
	Pass         bool            `json:"pass"`
	Error        string          `json:"error,omitempty"`
}

// StatementTime is one statement's direct latency.
type StatementTime struct {
	SQL   string  `json:"sql"` // the start of the statement, whitespace collapsed
	P50Ms float64 `json:"p50_ms"`
}

// Statement is one traced read query with its arguments.
type Statement struct {
	Query string
	Args  []any
}

// directFunc runs a statement on the store's own connection, draining
// every row the way the store's code reads them.
type directFunc func(ctx context.Context, st Statement) error

// target is an opened store under test.
type target struct {
	name     string
	location string
	store    interface {
		analytics.Store
		httpapi.Store
	}
	direct directFunc
	settle func(ctx context.Context) (time.Duration, error) // nil: nothing to wait for
	close  func() error                                     // closes the store, removes what was created unless kept
}

// Run runs the benchmark on each store of o.Stores in turn.
func Run(ctx context.Context, o Options) (*Result, error) {
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.Events <= 0 || o.Runs <= 0 || o.Warmups < 0 || o.BatchSize <= 0 || len(o.Stores) == 0 || len(o.Cases) == 0 {
		return nil, errors.New("query bench: events, runs, batch size, stores and cases are required")
	}
	res := &Result{Benchmark: "query", StartedAt: time.Now().UTC().Format(time.RFC3339), CPUs: runtime.NumCPU(),
		LoadAvg1m: loadAvg(), Events: o.Events, Seed: o.Seed, Runs: o.Runs, Warmups: o.Warmups, BudgetS: o.CaseBudget.Seconds(), Variants: Variants,
		Target: Target{MaxP95Ms: ms(TargetP95)}, Worst: map[string]*Worst{}, Pass: true}
	for _, name := range o.Stores {
		sr, err := runStore(ctx, o, name)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		res.Stores = append(res.Stores, sr)
		res.Worst[name] = sr.Worst
		res.Pass = res.Pass && sr.Pass
	}
	return res, nil
}

func runStore(ctx context.Context, o Options, name string) (sr *StoreResult, err error) {
	var t *target
	switch name {
	case StoreDuckDB:
		t, err = openDuckDB(ctx, o.DuckDB, o.Keep, o.Log)
	case StoreClickHouse:
		t, err = openClickHouse(ctx, o.ClickHouse, o.Keep, o.Log)
	default:
		return nil, fmt.Errorf("unknown store %q", name)
	}
	if err != nil {
		return nil, err
	}
	defer func() {
		if cerr := t.close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	sr = &StoreResult{Store: name, Location: t.location, Pass: true}
	fmt.Fprintf(o.Log, "%s: %s\n", name, t.location)

	var load *LoadResult
	reuse := false
	if o.Reuse {
		if load, reuse, err = Holds(ctx, t.store, int64(o.Events)); err != nil {
			return nil, err
		}
		if reuse {
			fmt.Fprintf(o.Log, "%s: reusing the store: %d event rows of %d tickets (checked in %.1f s)\n",
				name, load.EventRows, load.Tickets, load.CheckSeconds)
		} else {
			fmt.Fprintf(o.Log, "%s: the store holds %d event rows, not %d: loading again\n", name, load.EventRows, o.Events)
		}
	}
	if !reuse {
		fmt.Fprintf(o.Log, "%s: loading %d event rows (batches of %d)\n", name, o.Events, o.BatchSize)
		load, err = Load(ctx, t.store, LoadOptions{EventRows: o.Events, Seed: o.Seed, BatchSize: o.BatchSize, Log: o.Log})
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(o.Log, "%s: loaded %d events (%d event rows, %d tickets) in %.1f s: %.0f events/s (Apply alone %.0f events/s)\n",
			name, load.Applied, load.EventRows, load.Tickets, load.Seconds, load.EventsPerS, load.ApplyPerS)
	}
	sr.Load = load
	if t.settle != nil {
		d, err := t.settle(ctx)
		if err != nil {
			return nil, err
		}
		sr.SettleS = round(d.Seconds())
	}

	h := newHarness(t.store, o.Log)
	defer h.close()
	for _, c := range o.Cases {
		cr := runCase(ctx, h, t.direct, c, o.Runs, o.Warmups, o.CaseBudget)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		sr.Cases = append(sr.Cases, cr)
		sr.Pass = sr.Pass && cr.Pass
		if cr.Error == "" && (sr.Worst == nil || cr.P95Ms > sr.Worst.P95Ms) {
			sr.Worst = &Worst{Case: cr.Name, P95Ms: cr.P95Ms, Ratio: cr.Ratio}
		}
		status := "pass"
		if !cr.Pass {
			status = "FAIL"
		}
		if cr.Error != "" {
			status = "ERROR " + cr.Error
		}
		fmt.Fprintf(o.Log, "%s %-30s p50 %8.1f p95 %8.1f max %8.1f ms | direct p50 %8.1f p95 %8.1f ms | ratio %5.2f | %d stmt | %d runs | %s\n",
			name, cr.Name, cr.P50Ms, cr.P95Ms, cr.MaxMs, cr.DirectP50, cr.DirectP95, cr.Ratio, cr.Statements, cr.Requests, status)
	}
	return sr, nil
}

// harness serves the analytics routes of a store in process, without
// authentication (the ticket API adds that when it mounts them), and
// records the statements of the request in flight.
type harness struct {
	srv    *httptest.Server
	client *http.Client

	mu       sync.Mutex
	captured []Statement
}

func newHarness(store httpapi.Store, logw io.Writer) *harness {
	h := &harness{}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			c.SetRequest(req.WithContext(analytics.WithQueryTrace(req.Context(), h.record)))
			return next(c)
		}
	})
	log := slog.New(slog.NewTextHandler(logw, &slog.HandlerOptions{Level: slog.LevelWarn}))
	for _, r := range httpapi.Routes(httpapi.New(store, log)) {
		e.Add(r.Method, r.Path, r.Handler)
	}
	h.srv = httptest.NewServer(e)
	h.client = &http.Client{Timeout: 5 * time.Minute}
	return h
}

func (h *harness) record(query string, args []any) {
	h.mu.Lock()
	h.captured = append(h.captured, Statement{Query: query, Args: slices.Clone(args)})
	h.mu.Unlock()
}

func (h *harness) close() { h.srv.Close() }

// get requests path and reads the whole answer; it returns the statements
// the request ran and the body's size.
func (h *harness) get(ctx context.Context, path string) ([]Statement, int, error) {
	h.mu.Lock()
	h.captured = nil
	h.mu.Unlock()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.srv.URL+path, nil)
	if err != nil {
		return nil, 0, err
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return nil, 0, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, 0, fmt.Errorf("GET %s: status %d: %s", path, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.captured, len(body), nil
}

// runCase times c: warm-ups, then runs requests, each paired with a direct
// run of the statements of a request of the same variant. Even runs time
// the request first and replay what it just ran; odd runs replay the
// variant's previous request first, so that neither side always finds
// what the other just read in the caches. Once the timed runs took budget
// (if not 0) and MinRuns are done, the case ends.
func runCase(ctx context.Context, h *harness, direct directFunc, c Case, runs, warmups int, budget time.Duration) *CaseResult {
	now := time.Now()
	cr := &CaseResult{Name: c.Name}
	if u, err := c.Expand(0, now); err == nil {
		cr.Request = u
	}
	last := map[int][]Statement{}
	var endpoint, replay []time.Duration
	var perStmt [][]time.Duration
	fail := func(err error) *CaseResult {
		cr.Error = err.Error()
		return cr
	}
	timeDirect := func(stmts []Statement, timed bool) error {
		t0 := time.Now()
		for i, st := range stmts {
			ts := time.Now()
			if err := direct(ctx, st); err != nil {
				return fmt.Errorf("direct statement %d: %w", i+1, err)
			}
			if timed && len(perStmt) == len(stmts) {
				perStmt[i] = append(perStmt[i], time.Since(ts))
			}
		}
		if timed {
			replay = append(replay, time.Since(t0))
		}
		return nil
	}
	timeRequest := func(v int, timed bool) error {
		u, err := c.Expand(v, time.Now())
		if err != nil {
			return err
		}
		t0 := time.Now()
		stmts, n, err := h.get(ctx, u)
		d := time.Since(t0)
		if err != nil {
			return err
		}
		if len(stmts) == 0 {
			return fmt.Errorf("GET %s ran no traced statement", u)
		}
		if perStmt == nil {
			perStmt = make([][]time.Duration, len(stmts))
			for _, st := range stmts {
				cr.PerStatement = append(cr.PerStatement, StatementTime{SQL: sqlHead(st.Query)})
			}
		}
		cr.Statements, cr.Bytes = max(cr.Statements, len(stmts)), n
		last[v] = stmts
		if timed {
			endpoint = append(endpoint, d)
			cr.Requests++
		}
		return nil
	}
	var started time.Time
	for i := range warmups + runs {
		v, timed := i%Variants, i >= warmups
		if i == warmups {
			started = time.Now()
		}
		if timed && budget > 0 && cr.Requests >= MinRuns && cr.Requests%2 == 0 && time.Since(started) > budget {
			cr.CutShort = true
			break
		}
		if prev, ok := last[v]; ok && timed && (i-warmups)%2 == 1 {
			if err := timeDirect(prev, true); err != nil {
				return fail(err)
			}
			if err := timeRequest(v, true); err != nil {
				return fail(err)
			}
			continue
		}
		if err := timeRequest(v, timed); err != nil {
			return fail(err)
		}
		if err := timeDirect(last[v], timed); err != nil {
			return fail(err)
		}
	}
	p95, d95 := percentile(endpoint, 95), percentile(replay, 95)
	cr.P50Ms, cr.P95Ms, cr.MaxMs = ms(percentile(endpoint, 50)), ms(p95), ms(percentile(endpoint, 100))
	cr.DirectP50, cr.DirectP95, cr.DirectMax = ms(percentile(replay, 50)), ms(d95), ms(percentile(replay, 100))
	if d95 > 0 {
		cr.Ratio = round(float64(p95) / float64(d95))
	}
	for i := range cr.PerStatement {
		cr.PerStatement[i].P50Ms = ms(percentile(perStmt[i], 50))
	}
	cr.Pass = p95 <= TargetP95
	return cr
}

// sqlHead is the start of a statement on one line without its comments,
// to name it in results.
func sqlHead(q string) string {
	var b strings.Builder
	for line := range strings.Lines(q) {
		line, _, _ = strings.Cut(line, "--")
		b.WriteString(line)
		b.WriteByte(' ')
	}
	q = strings.Join(strings.Fields(b.String()), " ")
	if len(q) > 100 {
		q = q[:100] + "..."
	}
	return q
}

// loadAvg reads the one-minute load average (Linux); 0 when unknown.
func loadAvg() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f, _, _ := strings.Cut(string(b), " ")
	v, _ := strconv.ParseFloat(f, 64)
	return v
}

// Package bench measures the ticket core end to end: real HTTP requests to
// an in-process server on a loopback port, backed by a real store.
//
// Figures are medians over several runs, each reported beside a baseline
// measured in the same process (GET /healthz, which touches the database but
// writes nothing), because shared machines are noisy and only ratios carry
// from one run to another.
package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/api"
	"github.com/deskmine/deskmine/ticketcore/auth"
	"github.com/deskmine/deskmine/ticketcore/store"
)

// CreateOptions configure the ticket-creation benchmark.
type CreateOptions struct {
	DSN         string        // empty: a fresh SQLite file in a temporary directory
	Duration    time.Duration // per run and phase
	Runs        int           // throughput runs; the median is reported
	Concurrency int           // closed-loop clients in the throughput phase
	Rate        int           // requests per second in the fixed-rate phase
	Log         io.Writer     // progress lines; nil for none
}

// Latency summarises request latencies in milliseconds.
type Latency struct {
	Count int     `json:"count"`
	P50   float64 `json:"p50_ms"`
	P90   float64 `json:"p90_ms"`
	P99   float64 `json:"p99_ms"`
	Max   float64 `json:"max_ms"`
}

// CreateResult is what one backend measured.
type CreateResult struct {
	Backend             string    `json:"backend"`
	Concurrency         int       `json:"concurrency"`
	ThroughputRuns      []float64 `json:"throughput_runs_tps"`
	ThroughputMedian    float64   `json:"throughput_median_tps"`
	ThroughputLatency   Latency   `json:"throughput_latency"`
	BaselineRuns        []float64 `json:"baseline_healthz_runs_rps"`
	BaselineMedian      float64   `json:"baseline_healthz_median_rps"`
	RatioToBaseline     float64   `json:"create_to_healthz_ratio"`
	FixedRate           int       `json:"fixed_rate_rps"`
	FixedRateAchieved   float64   `json:"fixed_rate_achieved_rps"`
	FixedRateLatency    Latency   `json:"fixed_rate_latency"`
	FixedRateErrors     int       `json:"fixed_rate_errors"`
	TicketsCreated      int64     `json:"tickets_created"`
	TicketsInStore      int64     `json:"tickets_in_store"`
	EventsInStore       int64     `json:"events_in_store"`
	Errors              int64     `json:"errors"`
	MeetsThroughput2000 bool      `json:"meets_2000_tps"`
	MeetsP99At500       bool      `json:"meets_p99_20ms_at_500"`
}

func (o *CreateOptions) defaults() {
	if o.Duration <= 0 {
		o.Duration = 5 * time.Second
	}
	if o.Runs <= 0 {
		o.Runs = 3
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 32
	}
	if o.Rate <= 0 {
		o.Rate = 500
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
}

// RunCreate runs the ticket-creation benchmark on one backend.
func RunCreate(ctx context.Context, opts CreateOptions) (*CreateResult, error) {
	opts.defaults()
	dsn := opts.DSN
	if dsn == "" {
		dir, err := os.MkdirTemp("", "deskmine-bench-")
		if err != nil {
			return nil, fmt.Errorf("temp dir: %w", err)
		}
		defer os.RemoveAll(dir)
		dsn = filepath.Join(dir, "deskmine.db")
	}
	st, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	defer st.Close()
	svc, err := ticketcore.NewService(st, ticketcore.DefaultOptions())
	if err != nil {
		return nil, err
	}
	as := auth.NewService(st, 0)
	u, err := as.CreateUser(ctx, auth.NewUser{Login: fmt.Sprintf("bench-%d", time.Now().UnixNano()), Role: string(auth.RoleAgent)})
	if err != nil {
		return nil, fmt.Errorf("create bench user: %w", err)
	}
	token, _, err := as.CreateToken(ctx, u.ID, "bench")
	if err != nil {
		return nil, err
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := api.New(svc, as, api.Options{Logger: quiet, Ready: st.Ping})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln) //nolint:errcheck // ends with Shutdown below
	defer hs.Shutdown(context.Background())
	base := "http://" + ln.Addr().String()
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024, IdleConnTimeout: time.Minute},
		Timeout: 30 * time.Second}

	res := &CreateResult{Backend: st.Dialect(), Concurrency: opts.Concurrency, FixedRate: opts.Rate}
	gen := newBodies(1)
	var created, failed atomic.Int64
	create := func() error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/tickets", bytes.NewReader(gen.next()))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body)
		if resp.StatusCode != http.StatusCreated {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		created.Add(1)
		return nil
	}
	health := func() error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/healthz", nil)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body)
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	}

	// Warm up connections, caches and the SQLite page cache.
	if _, _, err := closedLoop(ctx, opts.Concurrency, time.Second, create, &failed); err != nil {
		return nil, err
	}
	var allLat []time.Duration
	for run := 0; run < opts.Runs; run++ {
		bRate, _, err := closedLoop(ctx, opts.Concurrency, opts.Duration, health, &failed)
		if err != nil {
			return nil, err
		}
		cRate, lat, err := closedLoop(ctx, opts.Concurrency, opts.Duration, create, &failed)
		if err != nil {
			return nil, err
		}
		res.BaselineRuns = append(res.BaselineRuns, round(bRate))
		res.ThroughputRuns = append(res.ThroughputRuns, round(cRate))
		allLat = append(allLat, lat...)
		fmt.Fprintf(opts.Log, "%s run %d: create %.0f tickets/s, healthz %.0f req/s\n", res.Backend, run+1, cRate, bRate)
	}
	res.ThroughputMedian = median(res.ThroughputRuns)
	res.BaselineMedian = median(res.BaselineRuns)
	if res.BaselineMedian > 0 {
		res.RatioToBaseline = round(res.ThroughputMedian / res.BaselineMedian)
	}
	res.ThroughputLatency = summarise(allLat)

	achieved, lat, errs, err := fixedRate(ctx, opts.Rate, opts.Duration, create)
	if err != nil {
		return nil, err
	}
	res.FixedRateAchieved, res.FixedRateLatency, res.FixedRateErrors = round(achieved), summarise(lat), errs
	fmt.Fprintf(opts.Log, "%s at %d/s: p99 %.2f ms\n", res.Backend, opts.Rate, res.FixedRateLatency.P99)

	res.TicketsCreated = created.Load()
	res.Errors = failed.Load() + int64(errs)
	if err := st.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM tickets").Scan(&res.TicketsInStore); err != nil {
		return nil, fmt.Errorf("count tickets: %w", err)
	}
	if err := st.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM events").Scan(&res.EventsInStore); err != nil {
		return nil, fmt.Errorf("count events: %w", err)
	}
	res.MeetsThroughput2000 = res.ThroughputMedian >= 2000
	res.MeetsP99At500 = res.FixedRateLatency.P99 <= 20 && res.FixedRateErrors == 0
	return res, nil
}

// closedLoop runs n clients back to back for d and returns the completion
// rate and the latencies. Failures are counted, and abort the phase if they
// are more than 1% of requests (a broken server must not look fast).
func closedLoop(ctx context.Context, n int, d time.Duration, do func() error, failed *atomic.Int64) (float64, []time.Duration, error) {
	deadline := time.Now().Add(d)
	var mu sync.Mutex
	var lats []time.Duration
	var ok, bad atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, 4096)
			for time.Now().Before(deadline) && ctx.Err() == nil {
				t0 := time.Now()
				if err := do(); err != nil {
					bad.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				local = append(local, time.Since(t0))
				ok.Add(1)
			}
			mu.Lock()
			lats = append(lats, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	failed.Add(bad.Load())
	if err := ctx.Err(); err != nil {
		return 0, nil, err
	}
	if total := ok.Load() + bad.Load(); total == 0 || bad.Load()*100 > total {
		return 0, nil, fmt.Errorf("%d of %d requests failed, first: %v", bad.Load(), total, firstErr.Load())
	}
	return float64(ok.Load()) / elapsed.Seconds(), lats, nil
}

// fixedRate sends requests on a fixed schedule (open loop). Latency is
// measured from the moment a request was due, not from when it was sent, so
// a stalled server cannot hide queueing (coordinated omission).
func fixedRate(ctx context.Context, rate int, d time.Duration, do func() error) (float64, []time.Duration, int, error) {
	total := int(float64(rate) * d.Seconds())
	interval := time.Second / time.Duration(rate)
	lats := make([]time.Duration, total)
	okFlags := make([]bool, total)
	sem := make(chan struct{}, 512)
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < total; i++ {
		due := start.Add(time.Duration(i) * interval)
		if wait := time.Until(due); wait > 0 {
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				wg.Wait()
				return 0, nil, 0, ctx.Err()
			}
		}
		sem <- struct{}{}
		wg.Add(1)
		go func(i int, due time.Time) {
			defer wg.Done()
			defer func() { <-sem }()
			if err := do(); err == nil {
				okFlags[i] = true
			}
			lats[i] = time.Since(due)
		}(i, due)
	}
	wg.Wait()
	elapsed := time.Since(start)
	var good []time.Duration
	errs := 0
	for i, ok := range okFlags {
		if ok {
			good = append(good, lats[i])
		} else {
			errs++
		}
	}
	if errs*100 > total {
		return 0, nil, errs, errors.New("more than 1% of fixed-rate requests failed")
	}
	return float64(len(good)) / elapsed.Seconds(), good, errs, nil
}

func summarise(lats []time.Duration) Latency {
	if len(lats) == 0 {
		return Latency{}
	}
	s := slices.Clone(lats)
	slices.Sort(s)
	q := func(p float64) float64 {
		idx := int(p*float64(len(s)-1) + 0.5)
		return round(float64(s[idx].Microseconds()) / 1000)
	}
	return Latency{Count: len(s), P50: q(0.50), P90: q(0.90), P99: q(0.99), Max: round(float64(s[len(s)-1].Microseconds()) / 1000)}
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return round((s[len(s)/2-1] + s[len(s)/2]) / 2)
}

func round(f float64) float64 { return float64(int64(f*100+0.5)) / 100 }

// bodies makes varied, realistic ticket bodies: a mix of languages, channels
// and a customer base where most customers come back, so the customer lookup
// and link path is exercised as in production.
type bodies struct {
	mu  sync.Mutex
	rng *rand.Rand
	n   int
}

func newBodies(seed uint64) *bodies {
	return &bodies{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

var (
	subjects = []string{"Cannot log in after password reset", "无法登录：重置密码后提示错误", "Invoice shows double charge",
		"发票金额重复扣款", "Router drops Wi-Fi every hour", "路由器每小时断网一次", "App crashes on startup (iOS 18)",
		"手机应用启动闪退", "Refund not received after 14 days", "退款14天仍未到账", "VPN disconnects when switching networks"}
	channels = []string{"email", "chat", "phone", "web", "api", "social"}
	urgency  = []string{"low", "medium", "medium", "high", "critical"}
	tiers    = []string{"standard", "standard", "premium", "vip", "enterprise"}
	regions  = []string{"cn-north", "cn-south", "emea", "na", "apac"}
)

func (b *bodies) next() []byte {
	b.mu.Lock()
	b.n++
	n := b.n
	subj := subjects[b.rng.IntN(len(subjects))]
	ch := channels[b.rng.IntN(len(channels))]
	urg := urgency[b.rng.IntN(len(urgency))]
	cust := b.rng.IntN(5000)
	tier := tiers[cust%len(tiers)]
	region := regions[cust%len(regions)]
	b.mu.Unlock()
	body := map[string]any{
		"subject": fmt.Sprintf("%s #%d", subj, n), "description": subj + " — details reported by the customer, steps tried: restart, reinstall.",
		"channel": ch, "urgency": urg, "product": "Aurora Router AX3000", "category": "connectivity", "tags": []string{"bench"},
		"customer": map[string]any{"email": fmt.Sprintf("customer%d@example.com", cust), "tier": tier, "region": region},
	}
	raw, _ := json.Marshal(body)
	return raw
}

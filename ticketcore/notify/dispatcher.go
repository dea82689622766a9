package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/deskmine/deskmine/ticketcore"
)

// Config tunes a Dispatcher. Start from DefaultConfig: a zero field means
// zero, and Validate refuses the ones where zero makes no sense.
type Config struct {
	// Timeout bounds one attempt: connecting, sending, and reading the
	// answer's status and headers.
	Timeout time.Duration `yaml:"timeout"`
	// MaxAttempts is how many attempts a delivery gets before it is failed
	// with the last error.
	MaxAttempts int `yaml:"max_attempts"`
	// BaseBackoff is the delay after the first failed attempt; it doubles
	// after each further one, up to MaxBackoff.
	BaseBackoff time.Duration `yaml:"base_backoff"`
	// MaxBackoff caps the delay between attempts, before jitter, and caps a
	// receiver's Retry-After.
	MaxBackoff time.Duration `yaml:"max_backoff"`
	// Jitter spreads each delay uniformly over ±Jitter of itself (0.2:
	// ±20%), so that deliveries failed together are not retried together.
	Jitter float64 `yaml:"jitter"`
	// Lease is how long a claimed delivery stays reserved for the dispatcher
	// that claimed it. It must exceed Timeout: when a lease runs out while
	// its attempt is still under way, another dispatcher may send the same
	// delivery again.
	Lease time.Duration `yaml:"lease"`
	// Workers is how many deliveries one dispatcher sends at a time.
	Workers int `yaml:"workers"`
	// PollInterval is how long an idle dispatcher waits before looking for
	// due deliveries again (Kick wakes it earlier).
	PollInterval time.Duration `yaml:"poll_interval"`
	// ShutdownGrace is how long attempts under way when Run's context ends
	// may still finish; the ones still running after it are cancelled and
	// their deliveries released, unchanged, for later.
	ShutdownGrace time.Duration `yaml:"shutdown_grace"`
}

// DefaultConfig returns the default dispatcher settings: 8 attempts spread
// over about an hour (30s, 1m, 2m, 4m, 8m, 16m, 32m apart, ±20%).
func DefaultConfig() Config {
	return Config{
		Timeout:       10 * time.Second,
		MaxAttempts:   8,
		BaseBackoff:   30 * time.Second,
		MaxBackoff:    time.Hour,
		Jitter:        0.2,
		Lease:         2 * time.Minute,
		Workers:       8,
		PollInterval:  time.Second,
		ShutdownGrace: 10 * time.Second,
	}
}

// Validate reports every setting that is out of range.
func (c Config) Validate() error {
	var errs []error
	check := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	check(c.Timeout > 0, "timeout must be positive")
	check(c.MaxAttempts >= 1, "max_attempts must be at least 1")
	check(c.BaseBackoff > 0, "base_backoff must be positive")
	check(c.MaxBackoff >= c.BaseBackoff, "max_backoff must be at least base_backoff")
	check(c.Jitter >= 0 && c.Jitter < 1, "jitter must be in [0, 1)")
	check(c.Lease > c.Timeout, "lease (%s) must exceed timeout (%s)", c.Lease, c.Timeout)
	check(c.Workers >= 1, "workers must be at least 1")
	check(c.PollInterval > 0, "poll_interval must be positive")
	check(c.ShutdownGrace >= 0, "shutdown_grace must not be negative")
	return errors.Join(errs...)
}

// DispatcherOptions are the collaborators of a Dispatcher; each has a default.
type DispatcherOptions struct {
	// Client sends the requests; default a plain http.Client. Its Timeout,
	// if any, applies on top of Config.Timeout. Redirects are never
	// followed, whatever its CheckRedirect says: a 3xx answer fails the
	// delivery.
	Client *http.Client
	// Now is the clock; default time.Now. Due times, leases, backoff and
	// signature timestamps all use it; waiting between polls does not.
	Now func() time.Time
	// Rand returns a uniform number in [0, 1) for jitter; default math/rand/v2.
	Rand func() float64
	// Logger receives one record per outcome, with key/value pairs; default slog.Default().
	Logger *slog.Logger
}

// Stats counts what a dispatcher did since it was made. The counters only
// grow, so they map onto Prometheus counters; InFlight is a gauge.
type Stats struct {
	Claimed     uint64 // deliveries claimed
	Attempts    uint64 // HTTP requests sent, whatever came of them
	Delivered   uint64 // deliveries answered 2xx
	Retried     uint64 // failed attempts scheduled to be tried again
	Failed      uint64 // deliveries given up: refused, out of attempts, or endpoint gone
	Released    uint64 // deliveries given back unchanged on shutdown
	LeaseLost   uint64 // outcomes not recorded because the lease had been lost
	StoreErrors uint64 // store calls that failed
	InFlight    int64  // deliveries being processed now
}

type counters struct {
	claimed, attempts, delivered, retried, failed, released, leaseLost, storeErrors atomic.Uint64
	inFlight                                                                        atomic.Int64
}

// Dispatcher sends due webhook deliveries. Any number of dispatchers, in one
// process or several, may share a DeliveryStore.
type Dispatcher struct {
	endpoints  EndpointStore
	deliveries DeliveryStore
	cfg        Config
	client     *http.Client
	now        func() time.Time
	rand       func() float64
	log        *slog.Logger
	kick       chan struct{}
	running    atomic.Bool
	stats      counters
}

// recordTimeout bounds the store call that records an outcome; it runs even
// when Run's context has ended, so that a finished attempt is not lost.
const recordTimeout = 10 * time.Second

// NewDispatcher returns a dispatcher on the given stores.
func NewDispatcher(endpoints EndpointStore, deliveries DeliveryStore, cfg Config, o DispatcherOptions) (*Dispatcher, error) {
	if endpoints == nil || deliveries == nil {
		return nil, errors.New("notify: dispatcher needs an endpoint store and a delivery store")
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("notify: dispatcher config: %w", err)
	}
	d := &Dispatcher{endpoints: endpoints, deliveries: deliveries, cfg: cfg, now: o.Now, rand: o.Rand, log: o.Logger, kick: make(chan struct{}, 1)}
	client := http.Client{}
	if o.Client != nil {
		client = *o.Client
	}
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	d.client = &client
	if d.now == nil {
		d.now = time.Now
	}
	if d.rand == nil {
		d.rand = rand.Float64
	}
	if d.log == nil {
		d.log = slog.Default()
	}
	return d, nil
}

// Stats returns a snapshot of the dispatcher's counters.
func (d *Dispatcher) Stats() Stats {
	return Stats{
		Claimed: d.stats.claimed.Load(), Attempts: d.stats.attempts.Load(), Delivered: d.stats.delivered.Load(),
		Retried: d.stats.retried.Load(), Failed: d.stats.failed.Load(), Released: d.stats.released.Load(),
		LeaseLost: d.stats.leaseLost.Load(), StoreErrors: d.stats.storeErrors.Load(), InFlight: d.stats.inFlight.Load(),
	}
}

// Kick wakes a waiting Run to look for due deliveries now; it never blocks.
func (d *Dispatcher) Kick() {
	select {
	case d.kick <- struct{}{}:
	default:
	}
}

// Run sends due deliveries until ctx ends, then stops claiming, gives the
// attempts under way Config.ShutdownGrace to finish, releases the
// deliveries of those it had to cancel, and returns nil. Store errors are
// logged and counted, never fatal. Run may not be called again while it runs.
func (d *Dispatcher) Run(ctx context.Context) error {
	if !d.running.CompareAndSwap(false, true) {
		return errors.New("notify: dispatcher is already running")
	}
	defer d.running.Store(false)

	// Attempts outlive ctx by up to the grace period.
	sendCtx, stopSends := context.WithCancel(context.WithoutCancel(ctx))
	defer stopSends()
	var wg sync.WaitGroup
	slots := make(chan struct{}, d.cfg.Workers) // one token per delivery being processed
	freed := make(chan struct{}, 1)
	d.log.Info("webhook dispatcher started", "workers", d.cfg.Workers, "max_attempts", d.cfg.MaxAttempts)

	for ctx.Err() == nil {
		free := cap(slots) - len(slots) // only this loop adds tokens, so free cannot shrink meanwhile
		saturated := false
		if free > 0 {
			ds, err := d.deliveries.ClaimDeliveries(ctx, d.now(), d.cfg.Lease, free)
			if err != nil && ctx.Err() != nil {
				break
			}
			if err != nil {
				d.stats.storeErrors.Add(1)
				d.log.Error("claim webhook deliveries", "error", err)
			}
			d.stats.claimed.Add(uint64(len(ds)))
			for _, dl := range ds {
				slots <- struct{}{}
				wg.Add(1)
				go func() {
					defer wg.Done()
					d.process(ctx, sendCtx, dl)
					<-slots
					select {
					case freed <- struct{}{}:
					default:
					}
				}()
			}
			if err == nil && len(ds) == free {
				continue // there may be more due: claim again as soon as a worker is free
			}
		} else {
			saturated = true
		}
		var wake <-chan struct{}
		if saturated {
			wake = freed
		}
		t := time.NewTimer(d.cfg.PollInterval)
		select {
		case <-ctx.Done():
		case <-d.kick:
		case <-wake:
		case <-t.C:
		}
		t.Stop()
	}

	d.log.Info("webhook dispatcher stopping", "in_flight", len(slots), "grace", d.cfg.ShutdownGrace)
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	grace := time.NewTimer(d.cfg.ShutdownGrace)
	defer grace.Stop()
	select {
	case <-done:
	case <-grace.C:
		stopSends()
		<-done
	}
	d.log.Info("webhook dispatcher stopped")
	return nil
}

// RunOnce claims the deliveries due now (at most Config.Workers), processes
// them concurrently, waits for them and returns how many it claimed. It is
// Run's loop body without the waiting, for tests and for one-shot commands.
func (d *Dispatcher) RunOnce(ctx context.Context) (int, error) {
	ds, err := d.deliveries.ClaimDeliveries(ctx, d.now(), d.cfg.Lease, d.cfg.Workers)
	if err != nil {
		d.stats.storeErrors.Add(1)
		return 0, fmt.Errorf("claim webhook deliveries: %w", err)
	}
	d.stats.claimed.Add(uint64(len(ds)))
	var wg sync.WaitGroup
	for _, dl := range ds {
		wg.Go(func() { d.process(ctx, ctx, dl) })
	}
	wg.Wait()
	return len(ds), nil
}

// outcome is what became of one attempt.
type outcome int

const (
	delivered   outcome = iota
	retryable           // 429, 5xx, network error or timeout
	permanent           // any other answer, or an endpoint that cannot be sent to
	interrupted         // cancelled by shutdown: no verdict
)

type result struct {
	outcome    outcome
	status     int           // HTTP status, 0 without an answer
	err        string        // why it failed, for LastError and the log
	retryAfter time.Duration // from a Retry-After header, capped at MaxBackoff
	hasRA      bool
}

// process sends one claimed delivery and records the outcome. runCtx is
// Run's context, sendCtx the one that outlives it by the grace period.
func (d *Dispatcher) process(runCtx, sendCtx context.Context, dl Delivery) {
	d.stats.inFlight.Add(1)
	defer d.stats.inFlight.Add(-1)
	log := d.log.With("delivery_id", dl.ID, "endpoint_id", dl.EndpointID, "kind", string(dl.Kind), "attempt", dl.Attempts+1)

	var r result
	ep, err := d.endpoints.Endpoint(sendCtx, dl.EndpointID)
	switch {
	case errors.Is(err, ticketcore.ErrNotFound):
		r = result{outcome: permanent, err: "endpoint deleted"}
	case err != nil && sendCtx.Err() != nil:
		r = result{outcome: interrupted}
	case err != nil:
		// Leave the delivery leased: it is claimed again when the lease
		// runs out, which spaces out retries of a store that is down.
		d.stats.storeErrors.Add(1)
		log.Error("load webhook endpoint", "error", err)
		return
	case !ep.Active:
		r = result{outcome: permanent, err: "endpoint inactive"}
	default:
		if err := ValidateURL(ep.URL); err != nil {
			r = result{outcome: permanent, err: "endpoint url " + err.Error()}
		} else {
			r = d.attempt(sendCtx, ep, dl)
		}
	}

	rec, cancel := context.WithTimeout(context.WithoutCancel(runCtx), recordTimeout)
	defer cancel()
	now := d.now()
	attempt := dl.Attempts + 1
	var what string
	switch {
	case r.outcome == interrupted:
		err = d.deliveries.ReleaseDelivery(rec, dl.ID, dl.Lease)
		if err == nil {
			d.stats.released.Add(1)
			log.Info("webhook delivery released on shutdown")
		}
		what = "release"
	case r.outcome == delivered:
		err = d.deliveries.MarkDelivered(rec, dl.ID, dl.Lease, now)
		if err == nil {
			d.stats.delivered.Add(1)
			log.Info("webhook delivered", "status", r.status)
		}
		what = "mark delivered"
	case r.outcome == retryable && attempt < d.cfg.MaxAttempts:
		next := now.Add(d.delay(attempt, r))
		err = d.deliveries.MarkRetry(rec, dl.ID, dl.Lease, now, next, r.err)
		if err == nil {
			d.stats.retried.Add(1)
			log.Warn("webhook attempt failed; will retry", "status", r.status, "error", r.err, "next_attempt_at", next)
		}
		what = "mark retry"
	default:
		msg := "webhook refused; giving up"
		if r.outcome == retryable {
			msg = "webhook attempts exhausted; giving up"
		}
		err = d.deliveries.MarkFailed(rec, dl.ID, dl.Lease, now, r.err)
		if err == nil {
			d.stats.failed.Add(1)
			log.Warn(msg, "status", r.status, "error", r.err)
		}
		what = "mark failed"
	}
	switch {
	case errors.Is(err, ErrLeaseLost):
		d.stats.leaseLost.Add(1)
		log.Warn("webhook delivery lease lost; outcome not recorded", "step", what)
	case err != nil:
		d.stats.storeErrors.Add(1)
		log.Error("record webhook outcome", "step", what, "error", err)
	}
}

// attempt makes one signed POST of dl to ep.
func (d *Dispatcher) attempt(sendCtx context.Context, ep Endpoint, dl Delivery) result {
	ctx, cancel := context.WithTimeout(sendCtx, d.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.URL, bytes.NewReader(dl.Payload))
	if err != nil {
		return result{outcome: permanent, err: "build request: " + unwrapURLError(err)}
	}
	secrets := []string{ep.Secret}
	if ep.PreviousSecret != "" {
		secrets = append(secrets, ep.PreviousSecret)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Deskmine-Webhooks/1")
	req.Header.Set(HeaderEvent, string(dl.Kind))
	req.Header.Set(HeaderDelivery, dl.ID)
	req.Header.Set(HeaderSignature, signHeader(d.now(), dl.Payload, secrets...))

	d.stats.attempts.Add(1)
	resp, err := d.client.Do(req)
	if err != nil {
		switch {
		case sendCtx.Err() != nil:
			return result{outcome: interrupted}
		case ctx.Err() != nil:
			return result{outcome: retryable, err: fmt.Sprintf("no answer within %s", d.cfg.Timeout)}
		default:
			return result{outcome: retryable, err: unwrapURLError(err)}
		}
	}
	defer resp.Body.Close()
	head, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused

	r := result{status: resp.StatusCode}
	switch c := resp.StatusCode; {
	case c >= 200 && c < 300:
		r.outcome = delivered
		return r
	case c == http.StatusTooManyRequests || c >= 500:
		r.outcome = retryable
		r.retryAfter, r.hasRA = parseRetryAfter(resp.Header.Get("Retry-After"), d.now(), d.cfg.MaxBackoff)
	default:
		r.outcome = permanent
	}
	r.err = "HTTP " + strconv.Itoa(resp.StatusCode)
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		r.err += " (redirects are not followed)"
	}
	if s := snippet(head); s != "" {
		r.err += ": " + s
	}
	return r
}

// delay is the wait after failed attempt number attempt (1-based):
// BaseBackoff doubled per earlier failure, capped at MaxBackoff, spread by
// ±Jitter; and never shorter than a Retry-After.
func (d *Dispatcher) delay(attempt int, r result) time.Duration {
	b := d.cfg.BaseBackoff
	for i := 1; i < attempt && b < d.cfg.MaxBackoff; i++ {
		b *= 2
	}
	b = min(b, d.cfg.MaxBackoff)
	b = time.Duration(float64(b) * (1 + d.cfg.Jitter*(2*d.rand()-1)))
	if r.hasRA && r.retryAfter > b {
		b = r.retryAfter
	}
	return b
}

// parseRetryAfter reads a Retry-After value, in seconds or as an HTTP date,
// as a delay from now capped at limit.
func parseRetryAfter(v string, now time.Time, limit time.Duration) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(limit/time.Second) {
			return limit, true
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return min(max(0, t.Sub(now)), limit), true
}

// unwrapURLError drops the "Post "https://...": " prefix of a client error:
// URLs may carry tokens, and LastError and logs are not the place for them.
func unwrapURLError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return err.Error()
}

// snippet makes the start of a response body safe and short enough for
// LastError: valid UTF-8, one line, at most 200 characters.
func snippet(b []byte) string {
	s := strings.ToValidUTF8(string(b), "?")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.IsSpace(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "…"
	}
	return s
}

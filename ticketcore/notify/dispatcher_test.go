package notify_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deskmine/deskmine/ticketcore/notify"
)

func TestDeliverSignedRequest(t *testing.T) {
	e := newEnv(t, nil)
	d := e.dispatcher(t)
	payload := `{"kind":"assignment","ticket_id":42}`
	e.enqueue(t, "d-1", notify.KindAssignment, payload)

	if n := runOnce(t, d); n != 1 {
		t.Fatalf("claimed %d, want 1", n)
	}
	reqs := e.rc.requests()
	if len(reqs) != 1 {
		t.Fatalf("receiver got %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Delivery != "d-1" || r.Event != "assignment" || r.ContentType != "application/json" || string(r.Body) != payload {
		t.Errorf("request: %+v", r)
	}
	if err := notify.Verify(testSecret, r.Signature, r.Body, e.clock.Now(), 0); err != nil {
		t.Errorf("receiver cannot verify %q: %v", r.Signature, err)
	}
	if want := fmt.Sprintf("t=%d,", e.clock.Now().Unix()); !strings.HasPrefix(r.Signature, want) {
		t.Errorf("signature %q not stamped with the dispatcher's clock %s", r.Signature, want)
	}
	got := e.delivery(t, "d-1")
	if got.Status != notify.StatusDelivered || got.Attempts != 1 || got.LastError != "" || !got.LastAttemptAt.Equal(e.clock.Now()) {
		t.Errorf("delivery after success: %+v", got)
	}
	if s := d.Stats(); s.Claimed != 1 || s.Attempts != 1 || s.Delivered != 1 || s.Retried+s.Failed+s.Released+s.LeaseLost+s.StoreErrors != 0 || s.InFlight != 0 {
		t.Errorf("stats: %+v", s)
	}
	if n := runOnce(t, d); n != 0 {
		t.Errorf("a delivered delivery was claimed again")
	}
	if logs := e.logs.String(); !strings.Contains(logs, "webhook delivered") || !strings.Contains(logs, "delivery_id=d-1") {
		t.Errorf("logs lack the delivery record:\n%s", logs)
	}
}

// retryUntil runs attempts, advancing the fake clock to each next attempt,
// until the delivery is no longer pending; it returns the delays between
// attempts.
func retryUntil(t *testing.T, e *env, d *notify.Dispatcher, id string) []time.Duration {
	t.Helper()
	var delays []time.Duration
	for range 50 {
		if n := runOnce(t, d); n != 1 {
			t.Fatalf("claimed %d, want 1\n%s", n, e.store)
		}
		got := e.delivery(t, id)
		if got.Status != notify.StatusPending {
			return delays
		}
		delay := got.NextAttemptAt.Sub(e.clock.Now())
		delays = append(delays, delay)
		if delay > time.Second {
			e.clock.Advance(delay - time.Second)
			if n := runOnce(t, d); n != 0 {
				t.Fatalf("claimed a delivery a second before its next attempt")
			}
			e.clock.Advance(time.Second)
		} else {
			e.clock.Advance(delay)
		}
	}
	t.Fatalf("delivery %s still pending after 50 attempts", id)
	return nil
}

func TestRetryOn500ThenSuccess(t *testing.T) {
	e := newEnv(t, func(w http.ResponseWriter, _ *http.Request, n int) {
		if n <= 3 {
			http.Error(w, "database\tis down\n", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	d := e.dispatcher(t)
	start := e.clock.Now()
	e.enqueue(t, "d-1", notify.KindSLAWarning, `{}`)

	// The first failed attempt records its error and schedules the next.
	runOnce(t, d)
	got := e.delivery(t, "d-1")
	if got.Status != notify.StatusPending || got.Attempts != 1 || got.LastError != "HTTP 500: database is down" || !got.NextAttemptAt.Equal(start.Add(30*time.Second)) {
		t.Fatalf("after the first 500: %+v", got)
	}
	e.clock.Advance(30 * time.Second)

	delays := retryUntil(t, e, d, "d-1")
	if want := []time.Duration{time.Minute, 2 * time.Minute}; fmt.Sprint(delays) != fmt.Sprint(want) {
		t.Errorf("delays after the 2nd and 3rd attempt: %v, want %v", delays, want)
	}
	got = e.delivery(t, "d-1")
	if got.Status != notify.StatusDelivered || got.Attempts != 4 || got.LastError != "" {
		t.Errorf("final delivery: %+v", got)
	}
	reqs := e.rc.requests()
	if len(reqs) != 4 {
		t.Fatalf("receiver got %d requests, want 4", len(reqs))
	}
	wantAt := []time.Time{start, start.Add(30 * time.Second), start.Add(90 * time.Second), start.Add(210 * time.Second)}
	for i, r := range reqs {
		if r.Delivery != "d-1" {
			t.Errorf("request %d has delivery id %q; retries must keep it", i+1, r.Delivery)
		}
		if !r.At.Equal(wantAt[i]) {
			t.Errorf("request %d at +%s, want +%s", i+1, r.At.Sub(start), wantAt[i].Sub(start))
		}
		// Each retry is signed afresh, so a late retry is not refused as stale.
		if err := notify.Verify(testSecret, r.Signature, r.Body, r.At, time.Second); err != nil {
			t.Errorf("request %d: %v", i+1, err)
		}
	}
	if s := d.Stats(); s.Attempts != 4 || s.Retried != 3 || s.Delivered != 1 || s.Failed != 0 {
		t.Errorf("stats: %+v", s)
	}
}

func TestBackoffScheduleJitterAndCap(t *testing.T) {
	for _, tc := range []struct {
		name string
		rand float64
		want []time.Duration
	}{
		{"no jitter", 0.5, []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 5 * time.Minute, 5 * time.Minute}},
		{"lowest jitter", 0, []time.Duration{24 * time.Second, 48 * time.Second, 96 * time.Second, 192 * time.Second, 4 * time.Minute, 4 * time.Minute}},
		{"highest jitter", 0.75, []time.Duration{33 * time.Second, 66 * time.Second, 132 * time.Second, 264 * time.Second, 330 * time.Second, 330 * time.Second}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, status(http.StatusBadGateway))
			e.cfg.MaxAttempts = 7
			e.cfg.MaxBackoff = 5 * time.Minute
			e.opts.Rand = func() float64 { return tc.rand }
			d := e.dispatcher(t)
			e.enqueue(t, "d-1", notify.KindMention, `{}`)
			delays := retryUntil(t, e, d, "d-1")
			if fmt.Sprint(delays) != fmt.Sprint(tc.want) {
				t.Errorf("delays %v, want %v", delays, tc.want)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	var e *env
	answers := []func(w http.ResponseWriter){
		func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "120")
			w.WriteHeader(http.StatusServiceUnavailable)
		},
		func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", e.clock.Now().Add(10*time.Minute).Format(http.TimeFormat))
			w.WriteHeader(http.StatusTooManyRequests)
		},
		func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "5")
			w.WriteHeader(http.StatusTooManyRequests)
		}, // shorter than the backoff
		func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "99999999")
			w.WriteHeader(http.StatusTooManyRequests)
		}, // capped
		func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "tomorrow")
			w.WriteHeader(http.StatusServiceUnavailable)
		}, // ignored
		func(w http.ResponseWriter) { w.WriteHeader(http.StatusAccepted) },
	}
	e = newEnv(t, func(w http.ResponseWriter, _ *http.Request, n int) { answers[n-1](w) })
	e.cfg.MaxBackoff = time.Hour
	d := e.dispatcher(t)
	e.enqueue(t, "d-1", notify.KindSLABreach, `{}`)
	delays := retryUntil(t, e, d, "d-1")
	want := []time.Duration{
		2 * time.Minute,  // Retry-After 120 beats the 30s backoff
		10 * time.Minute, // an HTTP date
		2 * time.Minute,  // the 4th backoff (2m) beats Retry-After 5
		time.Hour,        // Retry-After capped at MaxBackoff
		8 * time.Minute,  // unparsable: plain backoff
	}
	if fmt.Sprint(delays) != fmt.Sprint(want) {
		t.Errorf("delays %v, want %v", delays, want)
	}
	if got := e.delivery(t, "d-1"); got.Status != notify.StatusDelivered || got.Attempts != 6 {
		t.Errorf("final: %+v", got)
	}
}

func TestPermanentFailures(t *testing.T) {
	for _, tc := range []struct {
		name    string
		respond func(http.ResponseWriter, *http.Request, int)
		wantErr string
	}{
		{"400", func(w http.ResponseWriter, _ *http.Request, _ int) {
			http.Error(w, "bad payload:\n  field \"kind\" unknown", http.StatusBadRequest)
		}, `HTTP 400: bad payload: field "kind" unknown`},
		{"401", status(http.StatusUnauthorized), "HTTP 401"},
		{"404", status(http.StatusNotFound), "HTTP 404"},
		{"410", status(http.StatusGone), "HTTP 410"},
		{"long body", func(w http.ResponseWriter, _ *http.Request, _ int) {
			http.Error(w, strings.Repeat("x", 5000), http.StatusUnprocessableEntity)
		}, "HTTP 422: " + strings.Repeat("x", 200) + "…"},
		{"redirect", func(w http.ResponseWriter, r *http.Request, _ int) {
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
		}, "HTTP 302 (redirects are not followed)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.respond)
			d := e.dispatcher(t)
			e.enqueue(t, "d-1", notify.KindAssignment, `{}`)
			runOnce(t, d)
			got := e.delivery(t, "d-1")
			if got.Status != notify.StatusFailed || got.Attempts != 1 || got.LastError != tc.wantErr {
				t.Errorf("delivery: status %s, attempts %d, error %q; want failed, 1, %q", got.Status, got.Attempts, got.LastError, tc.wantErr)
			}
			e.clock.Advance(24 * time.Hour)
			if n := runOnce(t, d); n != 0 {
				t.Errorf("a failed delivery was claimed again")
			}
			if n := len(e.rc.requests()); n != 1 {
				t.Errorf("receiver got %d requests, want 1 (a redirect is not followed)", n)
			}
			if s := d.Stats(); s.Failed != 1 || s.Retried != 0 {
				t.Errorf("stats: %+v", s)
			}
		})
	}
}

func TestGiveUpAfterMaxAttempts(t *testing.T) {
	e := newEnv(t, func(w http.ResponseWriter, _ *http.Request, n int) {
		http.Error(w, fmt.Sprintf("boom %d", n), http.StatusInternalServerError)
	})
	d := e.dispatcher(t) // the default 8 attempts
	e.enqueue(t, "d-1", notify.KindEscalation, `{}`)
	delays := retryUntil(t, e, d, "d-1")
	if len(delays) != 7 {
		t.Errorf("%d retries scheduled, want 7", len(delays))
	}
	var total time.Duration
	for _, x := range delays {
		total += x
	}
	if total != 30*time.Second*(1<<7-1) {
		t.Errorf("attempts spread over %s, want 63m30s", total)
	}
	got := e.delivery(t, "d-1")
	if got.Status != notify.StatusFailed || got.Attempts != 8 || got.LastError != "HTTP 500: boom 8" {
		t.Errorf("after giving up: %+v", got)
	}
	if n := len(e.rc.requests()); n != 8 {
		t.Errorf("receiver got %d requests, want 8", n)
	}
	if s := d.Stats(); s.Attempts != 8 || s.Retried != 7 || s.Failed != 1 {
		t.Errorf("stats: %+v", s)
	}
	if !strings.Contains(e.logs.String(), "webhook attempts exhausted") {
		t.Errorf("no give-up record in the logs:\n%s", e.logs)
	}
}

func TestNetworkErrorsAreRetried(t *testing.T) {
	t.Run("connection refused", func(t *testing.T) {
		e := newEnv(t, nil)
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		e.cfg.MaxAttempts = 2
		e.store.PutEndpoint(notify.Endpoint{ID: e.ep.ID, URL: "http://" + addr + "/hook?token=s3cr3t", Secret: testSecret, Active: true})
		d := e.dispatcher(t)
		e.enqueue(t, "d-1", notify.KindMention, `{}`)
		retryUntil(t, e, d, "d-1")
		got := e.delivery(t, "d-1")
		if got.Status != notify.StatusFailed || got.Attempts != 2 || !strings.Contains(got.LastError, "refused") {
			t.Errorf("delivery: %+v", got)
		}
		if strings.Contains(got.LastError, "s3cr3t") || strings.Contains(e.logs.String(), "s3cr3t") {
			t.Errorf("the endpoint URL's token leaked into the error or the logs: %q", got.LastError)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		release := make(chan struct{})
		e := newEnv(t, func(w http.ResponseWriter, r *http.Request, n int) {
			if n == 1 {
				select {
				case <-release:
				case <-r.Context().Done():
				}
			}
			w.WriteHeader(http.StatusOK)
		})
		defer close(release)
		e.cfg.Timeout = 50 * time.Millisecond
		d := e.dispatcher(t)
		e.enqueue(t, "d-1", notify.KindMention, `{}`)
		delays := retryUntil(t, e, d, "d-1")
		got := e.delivery(t, "d-1")
		if len(delays) != 1 || got.Status != notify.StatusDelivered || got.Attempts != 2 {
			t.Errorf("delays %v, delivery %+v; want one retry then delivered", delays, got)
		}
		if !strings.Contains(e.logs.String(), "no answer within 50ms") {
			t.Errorf("logs lack the timeout:\n%s", e.logs)
		}
	})
}

func TestEndpointGoneOrInactive(t *testing.T) {
	e := newEnv(t, nil)
	inactive := e.store.PutEndpoint(notify.Endpoint{URL: e.rc.srv.URL, Secret: testSecret, Active: false})
	badURL := e.store.PutEndpoint(notify.Endpoint{URL: "ftp://" + e.rc.srv.Listener.Addr().String(), Secret: testSecret, Active: true})
	gone := e.store.PutEndpoint(notify.Endpoint{URL: e.rc.srv.URL, Secret: testSecret, Active: true})
	e.store.DeleteEndpoint(gone.ID)
	now := e.clock.Now()
	var ds []notify.Delivery
	for id, ep := range map[string]int64{"inactive": inactive.ID, "bad-url": badURL.ID, "gone": gone.ID} {
		ds = append(ds, notify.Delivery{ID: id, EndpointID: ep, Kind: notify.KindMention, Payload: []byte(`{}`), Status: notify.StatusPending, NextAttemptAt: now, CreatedAt: now})
	}
	if err := e.store.EnqueueDeliveries(context.Background(), ds); err != nil {
		t.Fatal(err)
	}
	runOnce(t, e.dispatcher(t))
	for id, want := range map[string]string{"inactive": "endpoint inactive", "bad-url": "endpoint url scheme must be http or https", "gone": "endpoint deleted"} {
		if got := e.delivery(t, id); got.Status != notify.StatusFailed || got.LastError != want {
			t.Errorf("%s: %s %q, want failed %q", id, got.Status, got.LastError, want)
		}
	}
	if n := len(e.rc.requests()); n != 0 {
		t.Errorf("receiver got %d requests", n)
	}
}

// While a secret is rotated, receivers holding the old or the new one both
// accept the delivery.
func TestRotatedSecretEndToEnd(t *testing.T) {
	e := newEnv(t, nil)
	const newSecret = "whsec_brand_new_secret_0123456"
	e.store.PutEndpoint(notify.Endpoint{ID: e.ep.ID, URL: e.ep.URL, Secret: newSecret, PreviousSecret: testSecret, Active: true})
	e.enqueue(t, "d-1", notify.KindMention, `{"a":1}`)
	runOnce(t, e.dispatcher(t))
	r := e.rc.requests()[0]
	if strings.Count(r.Signature, "v1=") != 2 {
		t.Fatalf("signature %q should carry two v1 values", r.Signature)
	}
	for _, s := range []string{testSecret, newSecret} {
		if err := notify.Verify(s, r.Signature, r.Body, e.clock.Now(), 0); err != nil {
			t.Errorf("verify with %s: %v", s, err)
		}
	}
}

// Two dispatchers on one store: every delivery reaches the receiver exactly
// once, though both are busy at the same time.
func TestTwoDispatchersNeverSendTwice(t *testing.T) {
	var mu sync.Mutex
	perID := map[string]int{}
	e := newEnv(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		mu.Lock()
		perID[r.Header.Get(notify.HeaderDelivery)]++
		mu.Unlock()
		time.Sleep(time.Millisecond)
		w.WriteHeader(http.StatusOK)
	})
	e.cfg.Workers = 4
	const n = 200
	for i := range n {
		e.enqueue(t, fmt.Sprintf("d-%03d", i), notify.KindMention, fmt.Sprintf(`{"n":%d}`, i))
	}
	a, b := e.dispatcher(t), e.dispatcher(t)
	stopA, stopB := start(t, a), start(t, b)
	eventually(t, "every delivery delivered", func() bool {
		for _, d := range e.store.Deliveries() {
			if d.Status != notify.StatusDelivered {
				return false
			}
		}
		return true
	})
	stopA(5 * time.Second)
	stopB(5 * time.Second)

	mu.Lock()
	defer mu.Unlock()
	if len(perID) != n {
		t.Errorf("receiver saw %d distinct deliveries, want %d", len(perID), n)
	}
	for id, c := range perID {
		if c != 1 {
			t.Errorf("%s received %d times", id, c)
		}
	}
	sa, sb := a.Stats(), b.Stats()
	if sa.Delivered+sb.Delivered != n || sa.Claimed+sb.Claimed != n {
		t.Errorf("stats a %+v, b %+v; want %d claimed and delivered in all", sa, sb, n)
	}
	if sa.Delivered == 0 || sb.Delivered == 0 {
		t.Errorf("one dispatcher did all the work (a %d, b %d); the test shows nothing", sa.Delivered, sb.Delivered)
	}
	for _, d := range e.store.Deliveries() {
		if d.Attempts != 1 {
			t.Errorf("%s: %d attempts", d.ID, d.Attempts)
		}
	}
}

// A dispatcher whose attempt outlives its lease loses the delivery to
// another one; its late outcome is not recorded over the other's. The
// receiver sees the same delivery id twice and deduplicates on it.
func TestLeaseLostMidAttempt(t *testing.T) {
	arrived := make(chan struct{})
	release := make(chan struct{})
	e := newEnv(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			close(arrived)
			select {
			case <-release:
			case <-r.Context().Done():
			}
			http.Error(w, "late", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	slow, fast := e.dispatcher(t), e.dispatcher(t)
	e.enqueue(t, "d-1", notify.KindMention, `{}`)

	done := make(chan struct{})
	go func() { defer close(done); runOnce(t, slow) }()
	<-arrived
	if n := runOnce(t, fast); n != 0 {
		t.Fatalf("a leased delivery was claimed by another dispatcher")
	}
	e.clock.Advance(e.cfg.Lease)
	if n := runOnce(t, fast); n != 1 {
		t.Fatalf("after the lease ran out, claimed %d, want 1", n)
	}
	close(release)
	<-done

	got := e.delivery(t, "d-1")
	if got.Status != notify.StatusDelivered || got.Attempts != 1 {
		t.Errorf("delivery %+v; the late 500 must not overwrite the success", got)
	}
	if s := slow.Stats(); s.LeaseLost != 1 || s.Retried != 0 {
		t.Errorf("slow stats %+v, want one lost lease", s)
	}
	reqs := e.rc.requests()
	if len(reqs) != 2 || reqs[0].Delivery != reqs[1].Delivery {
		t.Errorf("receiver got %+v; want the same delivery id twice", reqs)
	}
}

// Shutdown while a request is under way and the grace period runs out: the
// attempt is cancelled, not counted, and the delivery released for later.
func TestShutdownMidFlightLeavesDeliveryPending(t *testing.T) {
	arrived := make(chan struct{}, 1)
	var block atomic.Bool
	block.Store(true)
	e := newEnv(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		if block.Load() {
			arrived <- struct{}{}
			<-r.Context().Done() // never answers; the client gives up on shutdown
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	e.cfg.ShutdownGrace = 50 * time.Millisecond
	d := e.dispatcher(t)
	e.enqueue(t, "d-1", notify.KindSLABreach, `{}`)
	stop := start(t, d)
	<-arrived
	began := time.Now()
	stop(5 * time.Second)
	if took := time.Since(began); took < e.cfg.ShutdownGrace {
		t.Errorf("Run returned after %s, before the grace period of %s", took, e.cfg.ShutdownGrace)
	}

	got := e.delivery(t, "d-1")
	if got.Status != notify.StatusPending || got.Attempts != 0 || got.Lease != "" || got.LastError != "" {
		t.Fatalf("after shutdown: %+v; want pending, untouched, unleased", got)
	}
	if s := d.Stats(); s.Released != 1 || s.InFlight != 0 || s.Retried+s.Failed+s.Delivered != 0 {
		t.Errorf("stats %+v", s)
	}

	// The next dispatcher (same clock: no lease to wait out) delivers it.
	block.Store(false)
	if n := runOnce(t, e.dispatcher(t)); n != 1 {
		t.Fatalf("claimed %d after restart, want 1", n)
	}
	if got := e.delivery(t, "d-1"); got.Status != notify.StatusDelivered || got.Attempts != 1 {
		t.Errorf("after restart: %+v", got)
	}
}

// Shutdown waits for an attempt that finishes within the grace period and
// records its outcome.
func TestShutdownLetsInFlightAttemptFinish(t *testing.T) {
	arrived := make(chan struct{})
	e := newEnv(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		close(arrived)
		time.Sleep(100 * time.Millisecond)
		w.WriteHeader(http.StatusOK)
	})
	d := e.dispatcher(t)
	e.enqueue(t, "d-1", notify.KindMention, `{}`)
	stop := start(t, d)
	<-arrived
	stop(5 * time.Second)
	if got := e.delivery(t, "d-1"); got.Status != notify.StatusDelivered || got.Attempts != 1 {
		t.Errorf("after a graceful stop: %+v", got)
	}
}

func TestKickWakesAnIdleDispatcher(t *testing.T) {
	e := newEnv(t, nil)
	e.cfg.PollInterval = time.Hour
	d := e.dispatcher(t)
	stop := start(t, d)
	time.Sleep(20 * time.Millisecond) // let Run go idle
	e.enqueue(t, "d-1", notify.KindMention, `{}`)
	d.Kick()
	eventually(t, "delivery after a kick", func() bool { return e.delivery(t, "d-1").Status == notify.StatusDelivered })
	stop(5 * time.Second)
}

func TestRunTwiceIsRefused(t *testing.T) {
	e := newEnv(t, nil)
	d := e.dispatcher(t)
	stop := start(t, d)
	time.Sleep(10 * time.Millisecond)
	if err := d.Run(context.Background()); err == nil {
		t.Errorf("a second concurrent Run was accepted")
	}
	stop(5 * time.Second)
}

// storeDown is a delivery store whose claims fail, to show that Run keeps
// going through store errors.
type storeDown struct {
	notify.DeliveryStore
	calls atomic.Int64
}

func (s *storeDown) ClaimDeliveries(context.Context, time.Time, time.Duration, int) ([]notify.Delivery, error) {
	s.calls.Add(1)
	return nil, errors.New("connection reset")
}

func TestRunSurvivesStoreErrors(t *testing.T) {
	e := newEnv(t, nil)
	s := &storeDown{DeliveryStore: e.store}
	d, err := notify.NewDispatcher(e.store, s, e.cfg, e.opts)
	if err != nil {
		t.Fatal(err)
	}
	stop := start(t, d)
	eventually(t, "several failed claims", func() bool { return s.calls.Load() >= 3 })
	stop(5 * time.Second)
	if d.Stats().StoreErrors < 3 || !strings.Contains(e.logs.String(), "connection reset") {
		t.Errorf("stats %+v; logs:\n%s", d.Stats(), e.logs)
	}
}

func TestConfigValidate(t *testing.T) {
	if err := notify.DefaultConfig().Validate(); err != nil {
		t.Fatalf("default config: %v", err)
	}
	for name, mod := range map[string]func(*notify.Config){
		"lease not above timeout": func(c *notify.Config) { c.Lease = c.Timeout },
		"no attempts":             func(c *notify.Config) { c.MaxAttempts = 0 },
		"no workers":              func(c *notify.Config) { c.Workers = 0 },
		"jitter 1":                func(c *notify.Config) { c.Jitter = 1 },
		"max below base":          func(c *notify.Config) { c.MaxBackoff = c.BaseBackoff / 2 },
		"no poll interval":        func(c *notify.Config) { c.PollInterval = 0 },
		"negative grace":          func(c *notify.Config) { c.ShutdownGrace = -time.Second },
		"no timeout":              func(c *notify.Config) { c.Timeout = 0 },
	} {
		c := notify.DefaultConfig()
		mod(&c)
		if c.Validate() == nil {
			t.Errorf("%s: accepted", name)
		}
		if _, err := notify.NewDispatcher(notifytestStore(), notifytestStore(), c, notify.DispatcherOptions{}); err == nil {
			t.Errorf("%s: NewDispatcher accepted it", name)
		}
	}
}

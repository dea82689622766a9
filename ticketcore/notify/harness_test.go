package notify_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskmine/deskmine/ticketcore/notify"
	"github.com/deskmine/deskmine/ticketcore/notify/notifytest"
)

// fakeClock is a clock that moves only when told to.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// received is one request as the receiver saw it.
type received struct {
	Delivery, Event, Signature, ContentType string
	Body                                    []byte
	At                                      time.Time // the fake clock when it arrived
}

// receiver is a webhook receiver on loopback. respond decides each answer;
// the n-th request (from 1) of the test is passed in.
type receiver struct {
	srv     *httptest.Server
	mu      sync.Mutex
	got     []received
	respond func(w http.ResponseWriter, r *http.Request, n int)
}

func newReceiver(t *testing.T, clock *fakeClock, respond func(w http.ResponseWriter, r *http.Request, n int)) *receiver {
	rc := &receiver{respond: respond}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got = append(rc.got, received{
			Delivery: r.Header.Get(notify.HeaderDelivery), Event: r.Header.Get(notify.HeaderEvent),
			Signature: r.Header.Get(notify.HeaderSignature), ContentType: r.Header.Get("Content-Type"), Body: body, At: clock.Now(),
		})
		n := len(rc.got)
		rc.mu.Unlock()
		if r.Method != http.MethodPost {
			http.Error(w, "want POST", http.StatusMethodNotAllowed)
			return
		}
		if rc.respond == nil {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		rc.respond(w, r, n)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) requests() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

// status answers every request with code.
func status(code int) func(http.ResponseWriter, *http.Request, int) {
	return func(w http.ResponseWriter, _ *http.Request, _ int) { w.WriteHeader(code) }
}

// env is a dispatcher on a MemStore with one endpoint, driven by a fake clock.
type env struct {
	store *notifytest.MemStore
	clock *fakeClock
	rc    *receiver
	ep    notify.Endpoint
	cfg   notify.Config
	opts  notify.DispatcherOptions
	logs  *logBuffer
}

// testConfig is DefaultConfig with fast polling and a short timeout.
func testConfig() notify.Config {
	cfg := notify.DefaultConfig()
	cfg.Timeout = 2 * time.Second
	cfg.PollInterval = 5 * time.Millisecond
	cfg.ShutdownGrace = 2 * time.Second
	return cfg
}

func newEnv(t *testing.T, respond func(w http.ResponseWriter, r *http.Request, n int)) *env {
	e := &env{store: notifytest.NewMemStore(), clock: newFakeClock(), cfg: testConfig(), logs: &logBuffer{}}
	e.rc = newReceiver(t, e.clock, respond)
	e.ep = e.store.PutEndpoint(notify.Endpoint{URL: e.rc.srv.URL + "/hook?token=s3cr3t", Secret: testSecret, Active: true})
	client := e.rc.srv.Client()
	t.Cleanup(client.CloseIdleConnections)
	e.opts = notify.DispatcherOptions{
		Client: client,
		Now:    e.clock.Now,
		Rand:   func() float64 { return 0.5 }, // no jitter
		Logger: slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	return e
}

func (e *env) dispatcher(t *testing.T) *notify.Dispatcher {
	t.Helper()
	d, err := notify.NewDispatcher(e.store, e.store, e.cfg, e.opts)
	if err != nil {
		t.Fatalf("new dispatcher: %v", err)
	}
	return d
}

// enqueue adds one delivery to the test endpoint, due now.
func (e *env) enqueue(t *testing.T, id string, kind notify.Kind, payload string) {
	t.Helper()
	now := e.clock.Now()
	err := e.store.EnqueueDeliveries(context.Background(), []notify.Delivery{{
		ID: id, EndpointID: e.ep.ID, Kind: kind, Payload: []byte(payload), Status: notify.StatusPending, NextAttemptAt: now, CreatedAt: now,
	}})
	if err != nil {
		t.Fatalf("enqueue: %v", err)
	}
}

func (e *env) delivery(t *testing.T, id string) notify.Delivery {
	t.Helper()
	d, err := e.store.Delivery(context.Background(), id)
	if err != nil {
		t.Fatalf("delivery %s: %v", id, err)
	}
	return d
}

func runOnce(t *testing.T, d *notify.Dispatcher) int {
	t.Helper()
	n, err := d.RunOnce(context.Background())
	if err != nil {
		t.Fatalf("run once: %v", err)
	}
	return n
}

// start runs d.Run in the background; the returned stop cancels it and
// waits for Run to return, failing the test if that takes longer than max.
func start(t *testing.T, d *notify.Dispatcher) (stop func(max time.Duration)) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	stopped := false
	stop = func(max time.Duration) {
		t.Helper()
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run returned %v", err)
			}
		case <-time.After(max):
			t.Fatalf("Run did not return within %s of cancel", max)
		}
	}
	t.Cleanup(func() { stop(10 * time.Second) })
	return stop
}

// eventually polls cond until it holds or 10s pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// logBuffer collects log output for assertions.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func notifytestStore() *notifytest.MemStore { return notifytest.NewMemStore() }

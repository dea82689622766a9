package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/deskmine/deskmine/ticketcore/notify"
)

// metricValues gathers reg into "name{label="value"}" -> value.
func metricValues(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			key := mf.GetName()
			for _, l := range m.GetLabel() {
				key += "{" + l.GetName() + "=\"" + l.GetValue() + "\"}"
			}
			switch {
			case m.GetCounter() != nil:
				out[key] = m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				out[key] = m.GetGauge().GetValue()
			}
		}
	}
	return out
}

// TestNotificationsDeliverAndCount runs the server's notification wiring on
// a real store: a notification reaches a webhook receiver, signed, and the
// dispatcher's counters show it.
func TestNotificationsDeliverAndCount(t *testing.T) {
	ctx := context.Background()
	cfg, _, err := parseConfig("serve", []string{"--data", t.TempDir()}, io.Discard, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := openApp(ctx, cfg, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()

	var mu sync.Mutex
	var bodies, signatures []string
	got := make(chan struct{}, 10)
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies, signatures = append(bodies, string(b)), append(signatures, r.Header.Get(notify.HeaderSignature))
		mu.Unlock()
		got <- struct{}{}
	}))
	defer rc.Close()

	notes, err := startNotifications(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	defer func() {
		if !stopped {
			notes.stop()
		}
	}()
	reg := prometheus.NewRegistry()
	reg.MustRegister(notes.stats)
	if m := metricValues(t, reg); m["deskmine_webhook_deliveries_claimed_total"] != 0 || m[`deskmine_webhook_processed_total{outcome="delivered"}`] != 0 {
		t.Fatalf("metrics before any delivery: %v", m)
	}

	ep := notify.Endpoint{URL: rc.URL + "/hook", Secret: notify.NewSecret(), Active: true}
	if err := notes.webhooks.SaveEndpoint(ctx, &ep, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := notes.notifier.Notify(ctx, notify.Message{Kind: notify.KindSLABreach, TicketID: 7, Title: "First reply overdue", UserIDs: []int64{1}}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-got:
	case <-time.After(10 * time.Second):
		t.Fatal("no delivery within 10s")
	}
	mu.Lock()
	if err := notify.Verify(ep.Secret, signatures[0], []byte(bodies[0]), time.Now(), 0); err != nil || !strings.Contains(bodies[0], `"kind":"sla_breach"`) {
		t.Errorf("delivery %s (%s): %v", bodies[0], signatures[0], err)
	}
	mu.Unlock()

	want := map[string]float64{
		"deskmine_webhook_deliveries_claimed_total":              1,
		"deskmine_webhook_attempts_total":                        1,
		`deskmine_webhook_processed_total{outcome="delivered"}`:  1,
		`deskmine_webhook_processed_total{outcome="retried"}`:    0,
		`deskmine_webhook_processed_total{outcome="failed"}`:     0,
		`deskmine_webhook_processed_total{outcome="released"}`:   0,
		`deskmine_webhook_processed_total{outcome="lease_lost"}`: 0,
		"deskmine_webhook_store_errors_total":                    0,
		"deskmine_webhook_deliveries_in_flight":                  0,
	}
	var m map[string]float64
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if m = metricValues(t, reg); m[`deskmine_webhook_processed_total{outcome="delivered"}`] == 1 {
			break
		}
	}
	for k, v := range want {
		if got, ok := m[k]; !ok || got != v {
			t.Errorf("%s = %v (present %v), want %v", k, got, ok, v)
		}
	}

	start := time.Now()
	notes.stop()
	stopped = true
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("an idle dispatcher took %s to stop", d)
	}
}

// TestServeWiresNotifications checks that `deskmine serve` serves the
// notification and webhook routes and exports the dispatcher's metrics.
func TestServeWiresNotifications(t *testing.T) {
	data := t.TempDir()
	code, out, stderr := runCmd(t, "token", "create", "--data", data, "--role", "admin", "--name", "Ops")
	if code != 0 {
		t.Fatalf("token create: %d %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	token := lines[len(lines)-1]
	addr, stop := serve(t, data)
	defer stop()

	call := func(method, path, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, "http://"+addr+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if st, body := call("POST", "/api/v1/webhooks", `{"url": "https://hooks.example.com/in", "kinds": ["mention"]}`); st != 201 || !strings.Contains(body, `"secret":"whsec_`) {
		t.Fatalf("create webhook: %d %s", st, body)
	}
	if st, body := call("GET", "/api/v1/notifications", ""); st != 200 || !strings.Contains(body, `"unread":0`) {
		t.Fatalf("notifications: %d %s", st, body)
	}
	st, body := call("GET", "/metrics", "")
	for _, want := range []string{"deskmine_webhook_deliveries_claimed_total 0", `deskmine_webhook_processed_total{outcome="delivered"} 0`,
		"deskmine_webhook_deliveries_in_flight 0"} {
		if st != 200 || !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

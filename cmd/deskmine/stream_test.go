package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/deskmine/deskmine/internal/testch"
	"github.com/deskmine/deskmine/internal/testkafka"
	"github.com/deskmine/deskmine/ticketcore/events"
	"github.com/deskmine/deskmine/ticketcore/store"
)

func TestStreamCommandsRefuseBadInput(t *testing.T) {
	data := t.TempDir()
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"relay", "--data", data}, "no Kafka brokers configured"},
		{[]string{"relay", "--data", data, "--kafka-brokers", "nohost"}, "stream.kafka_brokers"},
		{[]string{"ingest", "--data", data, "--replay", "--dead-letters"}, "exclude each other"},
		{[]string{"ingest", "--data", data, "--dead-letters", "--limit", "0"}, "--limit must be positive"},
		{[]string{"ingest", "--data", data, "extra"}, "unexpected argument"},
		{[]string{"ingest", "--data", data, "--analytics-dsn", "http://x:8123"}, "analytics.dsn"},
	} {
		code, _, stderr := runCmd(t, c.args...)
		if code != 2 || !strings.Contains(stderr, c.msg) {
			t.Errorf("%v: exit %d, stderr %q (want 2 and %q)", c.args, code, stderr, c.msg)
		}
	}
}

// createTickets creates n tickets through the API with an admin token and
// returns how many events the log then holds.
func createTickets(t *testing.T, addr, token string, n int) int {
	t.Helper()
	for i := 0; i < n; i++ {
		body := fmt.Sprintf(`{"subject":"打印机故障 printer %d","channel":"email","customer":{"email":"c%d@example.com"}}`, i, i)
		req, _ := http.NewRequest("POST", "http://"+addr+"/api/v1/tickets", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil || res.StatusCode != 201 {
			t.Fatalf("create: %v %v", err, res)
		}
		res.Body.Close()
	}
	req, _ := http.NewRequest("GET", "http://"+addr+"/api/v1/events?limit=1000", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("events: %v %v", err, res)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return strings.Count(string(b), `"schema_version":`)
}

// metric reads one sample from /metrics; -1 when it is absent.
func metric(t *testing.T, addr, name, labels string) float64 {
	t.Helper()
	res, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatalf("metrics: %v", err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name+"{"+labels+"}") + ` (\S+)$`).FindStringSubmatch(string(b))
	if m == nil {
		return -1
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	return v
}

func waitMetric(t *testing.T, addr, name, labels string, want float64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var got float64
	for time.Now().Before(deadline) {
		if got = metric(t, addr, name, labels); got == want {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s{%s} = %v, want %v", name, labels, got, want)
}

func adminToken(t *testing.T, args ...string) string {
	t.Helper()
	code, out, stderr := runCmd(t, append([]string{"token", "create", "--role", "admin", "--name", "Stream Test"}, args...)...)
	if code != 0 {
		t.Fatalf("token: %d %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	return lines[len(lines)-1]
}

// TestServeFeedsEmbeddedAnalytics: the all-in-one server loads every change
// into DuckDB from its own event log; after it stops, a replay rebuilds the
// same answers, and nothing was parked.
func TestServeFeedsEmbeddedAnalytics(t *testing.T) {
	data := t.TempDir()
	token := adminToken(t, "--data", data)
	addr, stop := serve(t, data)
	n := createTickets(t, addr, token, 6)
	const loader = `consumer="analytics-loader"`
	waitMetric(t, addr, "deskmine_ingest_handled_total", loader, float64(n))
	stop()

	code, out, stderr := runCmd(t, "ingest", "--data", data, "--replay")
	if code != 0 || !strings.Contains(out, fmt.Sprintf(": %d events of 6 tickets", n)) {
		t.Fatalf("replay: exit %d, out %q, stderr %s", code, out, stderr)
	}
	if code, out, _ := runCmd(t, "ingest", "--data", data, "--dead-letters"); code != 0 || strings.TrimSpace(out) != "no dead letters" {
		t.Fatalf("dead letters: exit %d, %q", code, out)
	}
	if code, out, _ := runCmd(t, "migrate", "--data", data); code != 0 || !strings.Contains(out, "analytics store duckdb") {
		t.Fatalf("migrate: exit %d, %q", code, out)
	}
}

// TestServeWithKafkaAndClickHouse: with brokers configured, serve relays the
// log to Kafka and loads ClickHouse from the topic; `ingest --replay`
// rebuilds ClickHouse from the topic.
func TestServeWithKafkaAndClickHouse(t *testing.T) {
	brokers, _ := testkafka.Start(t)
	dsn := testch.DSN(t)
	data := t.TempDir()
	token := adminToken(t, "--data", data)
	stream := []string{"--kafka-brokers", strings.Join(brokers, ","), "--analytics-dsn", dsn}
	addr, stop := serve(t, data, stream...)
	n := createTickets(t, addr, token, 5)
	waitMetric(t, addr, "deskmine_relay_published_total", `relay="relay"`, float64(n))
	waitMetric(t, addr, "deskmine_ingest_handled_total", `consumer="analytics-loader"`, float64(n))
	stop()

	code, out, stderr := runCmd(t, append([]string{"ingest", "--data", data, "--replay"}, stream...)...)
	if code != 0 || !strings.Contains(out, fmt.Sprintf(": %d events of 5 tickets", n)) {
		t.Fatalf("replay: exit %d, out %q, stderr %s", code, out, stderr)
	}
}

// TestIngestListsDeadLetters: parked events are listed as a table and as
// JSON lines, replayed ones only with --all.
func TestIngestListsDeadLetters(t *testing.T) {
	data := t.TempDir()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(data, "deskmine.db"))
	if err != nil {
		t.Fatal(err)
	}
	for i, msg := range []string{"unmarshal event: unexpected end of JSON input", "event e-2 at 1900-01-01:\nout of range"} {
		d := &events.DeadLetter{Consumer: "analytics-loader", Offset: int64(10 + i), EventID: fmt.Sprintf("e-%d", i+1),
			TicketID: 7, Payload: []byte(`{"id":`), Error: msg, Attempts: 1, ParkedAt: time.Now().UTC()}
		if err := st.ParkDeadLetter(ctx, d); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			if err := st.MarkDeadLetterReplayed(ctx, d.ID, time.Now().UTC()); err != nil {
				t.Fatal(err)
			}
		}
	}
	st.Close()

	code, out, stderr := runCmd(t, "ingest", "--data", data, "--dead-letters")
	if code != 0 || strings.Count(out, "\n") != 2 || !strings.Contains(out, "e-2") || strings.Contains(out, "e-1") ||
		!strings.Contains(out, "out of range") {
		t.Fatalf("table: exit %d, %q %s", code, out, stderr)
	}
	code, out, _ = runCmd(t, "ingest", "--data", data, "--dead-letters", "--all", "--json")
	var lines []events.DeadLetter
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var d events.DeadLetter
		if err := json.Unmarshal([]byte(l), &d); err != nil {
			t.Fatalf("json line %q: %v", l, err)
		}
		lines = append(lines, d)
	}
	if code != 0 || len(lines) != 2 {
		t.Fatalf("json: exit %d, %q", code, out)
	}
}

// TestServeAnalyticsAPI: the all-in-one server answers the analytics API
// from the store its loader fills, to admins and managers only.
func TestServeAnalyticsAPI(t *testing.T) {
	data := t.TempDir()
	token := adminToken(t, "--data", data)
	code, out, stderr := runCmd(t, "token", "create", "--data", data, "--role", "agent", "--name", "Agent Test")
	if code != 0 {
		t.Fatalf("token: %d %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	agentToken := lines[len(lines)-1]
	addr, stop := serve(t, data)
	defer stop()
	from := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	n := createTickets(t, addr, token, 4) // all by email
	waitMetric(t, addr, "deskmine_ingest_handled_total", `consumer="analytics-loader"`, float64(n))
	to := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)

	get := func(tok, query string) (int, string, []byte) {
		req, _ := http.NewRequest("GET", "http://"+addr+"/api/v1/analytics/hotspots?"+query, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, res.Header.Get("Content-Type"), b
	}
	query := "dimensions=channel&from=" + from + "&to=" + to
	status, _, body := get(token, query)
	if status != http.StatusOK {
		t.Fatalf("admin: %d %s", status, body)
	}
	var res struct {
		Rows []struct {
			Keys  []string `json:"keys"`
			Count int64    `json:"count"`
		} `json:"rows"`
	}
	if err := json.Unmarshal(body, &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 1 || len(res.Rows[0].Keys) != 1 || res.Rows[0].Keys[0] != "email" || res.Rows[0].Count != 4 {
		t.Errorf("hotspots by channel: %s, want email 4", body)
	}
	if status, ctype, body := get(token, query+"&format=csv"); status != http.StatusOK || !strings.HasPrefix(ctype, "text/csv") ||
		string(body) != "channel,count\nemail,4\n" {
		t.Errorf("csv: %d %s %q", status, ctype, body)
	}
	if status, _, body := get(token, "dimensions=channel&from=yesterday&to="+to); status != http.StatusBadRequest ||
		!strings.Contains(string(body), `"from":`) {
		t.Errorf("bad from: %d %s", status, body)
	}
	if status, _, body := get(agentToken, query); status != http.StatusForbidden || !strings.Contains(string(body), `"forbidden"`) {
		t.Errorf("agent: %d %s, want 403", status, body)
	}
	if status, _, _ := get("dm_forged", query); status != http.StatusUnauthorized {
		t.Errorf("forged token: %d, want 401", status)
	}
}

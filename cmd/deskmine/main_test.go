package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/deskmine/deskmine/internal/syncbuf"
)

func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestExitCodes(t *testing.T) {
	data := t.TempDir()
	cases := []struct {
		args []string
		code int
		msg  string
	}{
		{nil, 2, "Usage"},
		{[]string{"frobnicate"}, 2, "unknown command"},
		{[]string{"token", "create", "--data", data, "--role", "boss", "--name", "x"}, 2, "unknown role"},
		{[]string{"token", "create", "--data", data, "--role", "agent"}, 2, "--name is required"},
		{[]string{"migrate", "--data", data, "--log-level", "loud"}, 2, "log.level"},
		{[]string{"import", "--data", data}, 2, "usage"},
		{[]string{"import", "--data", data, "--format", "csv", "x.csv"}, 2, "needs --mapping"},
		{[]string{"import", "--data", data, "--format", "xml", "x.csv"}, 2, "jsonl or csv"},
		{[]string{"import", "--data", data, filepath.Join(data, "missing.jsonl")}, 2, "cannot read"},
		{[]string{"demo", "--data", data, "--tickets", "5"}, 2, "--tickets"},
		{[]string{"bench", "create", "--seconds", "-1"}, 2, "must be positive"},
		{[]string{"bench", "pipeline", "--runs", "0"}, 2, "must be positive"},
		{[]string{"bench", "pipeline", "--batch-size", "200000"}, 2, "--batch-size must be between"},
		{[]string{"bench", "pipeline", "--skip-throughput", "--skip-freshness"}, 2, "nothing to measure"},
		{[]string{"bench", "pipeline", "--clickhouse", "http://x"}, 2, "must be a clickhouse:// URL"},
		{[]string{"bench", "pipeline", "--frobnicate"}, 2, "frobnicate"},
		{[]string{"bench", "pipeline", "extra"}, 2, "unexpected argument"},
		{[]string{"bench", "pipeline", "--bpi", filepath.Join(data, "missing.csv")}, 2, "missing.csv"},
		{[]string{"help"}, 0, ""},
	}
	for _, c := range cases {
		code, _, stderr := runCmd(t, c.args...)
		if code != c.code || !strings.Contains(stderr+usage, c.msg) || (c.code == 2 && !strings.Contains(stderr, c.msg)) {
			t.Errorf("%v: exit %d (want %d), stderr %q", c.args, code, c.code, stderr)
		}
	}
}

func TestUnknownEnvironmentVariableIsRefused(t *testing.T) {
	t.Setenv("DESKMINE_HTTP_ADR", "x")
	code, _, stderr := runCmd(t, "migrate", "--data", t.TempDir())
	if code != 2 || !strings.Contains(stderr, "DESKMINE_HTTP_ADR") {
		t.Fatalf("exit %d, %q", code, stderr)
	}
}

func TestTokenCreatePrintsUsableToken(t *testing.T) {
	data := t.TempDir()
	code, out, stderr := runCmd(t, "token", "create", "--data", data, "--role", "admin", "--name", "Ops Robot")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	token := lines[len(lines)-1]
	if !strings.HasPrefix(token, "dm_") {
		t.Fatalf("last line is not a token: %q", out)
	}
	// a second token for the same account, but not with another role
	if code, _, _ := runCmd(t, "token", "create", "--data", data, "--role", "admin", "--name", "Ops Robot"); code != 0 {
		t.Fatal("second token refused")
	}
	if code, _, stderr := runCmd(t, "token", "create", "--data", data, "--role", "agent", "--name", "Ops Robot"); code != 2 || !strings.Contains(stderr, "exists with role admin") {
		t.Fatalf("role clash: %d %s", code, stderr)
	}

	addr, stop := serve(t, data)
	defer stop()
	req, _ := http.NewRequest("GET", "http://"+addr+"/api/v1/users", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("token not accepted: %v %v", err, res)
	}
	res.Body.Close()
}

// syncBuffer is a log sink the server's goroutines may share.
type syncBuffer = syncbuf.Buffer

var listenRE = regexp.MustCompile(`http://([0-9.:]+)/api/v1`)

// serve starts `deskmine serve` on a free port and returns its address and a
// function that stops it (as SIGTERM would) and checks it exited cleanly.
func serve(t *testing.T, data string, extra ...string) (string, func()) {
	t.Helper()
	addr, _, stop := startServe(t, time.Minute, append([]string{"serve", "--data", data, "--addr", "127.0.0.1:0"}, extra...)...)
	return addr, stop
}

// startServe runs the command args (a serve) until it prints its address,
// and returns the address, its output so far and the stop function.
func startServe(t *testing.T, wait time.Duration, args ...string) (string, *syncBuffer, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, args, &out, &errb) }()
	for deadline := time.Now().Add(wait); time.Now().Before(deadline); {
		if m := listenRE.FindStringSubmatch(out.String()); m != nil {
			return m[1], &out, func() {
				cancel()
				select {
				case code := <-done:
					if code != 0 {
						t.Errorf("serve exited %d: %s", code, errb.String())
					}
				case <-time.After(30 * time.Second):
					t.Error("serve did not shut down")
				}
			}
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited %d: %s", code, errb.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	cancel()
	t.Fatalf("serve did not start: %s", errb.String())
	return "", nil, nil
}

func TestServeDemoServesDemoData(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the demo dataset")
	}
	data := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--data", data, "--addr", "127.0.0.1:0", "--demo"}, &out, &errb)
	}()
	var addr, token string
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline) && addr == ""; time.Sleep(50 * time.Millisecond) {
		if m := listenRE.FindStringSubmatch(out.String()); m != nil {
			addr = m[1]
		}
	}
	if addr == "" {
		cancel()
		t.Fatalf("no server: %s", errb.String())
	}
	if m := regexp.MustCompile(`admin token: (dm_\S+)`).FindStringSubmatch(out.String()); m != nil {
		token = m[1]
	}
	req, _ := http.NewRequest("GET", "http://"+addr+"/api/v1/tickets?limit=500", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("list with demo token: %v %v", err, res)
	}
	var body bytes.Buffer
	body.ReadFrom(res.Body)
	res.Body.Close()
	if n := strings.Count(body.String(), `"external_id":"DEMO-`); n != 500 {
		t.Fatalf("want a full page of demo tickets, got %d", n)
	}
	// the demo desk routes a new ticket to the service desk and assigns it
	req, _ = http.NewRequest("POST", "http://"+addr+"/api/v1/tickets", strings.NewReader(
		`{"subject":"路由器断网 router offline","channel":"chat","customer":{"email":"new.demo@example.com"}}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err = http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 201 {
		t.Fatalf("create in demo: %v %v", err, res)
	}
	body.Reset()
	body.ReadFrom(res.Body)
	res.Body.Close()
	if !strings.Contains(body.String(), `"team":"L1 Service Desk"`) || !strings.Contains(body.String(), `"assignee":"demo-`) {
		t.Fatalf("new demo ticket not routed and assigned: %s", body.String())
	}
	req, _ = http.NewRequest("GET", "http://"+addr+"/api/v1/queue?agent=demo-agent", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err = http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("demo agent queue: %v %v", err, res)
	}
	res.Body.Close()
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve exited %d", code)
	}
	if _, err := os.Stat(filepath.Join(data, "deskmine.db")); err != nil {
		t.Fatal("no database under --data")
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/events"
	"github.com/deskmine/deskmine/ticketcore/slaclock"
	"github.com/deskmine/deskmine/ticketcore/store"
)

// restartPolicy, in real time: P1 answers in 1s and resolves in 3s, P2 in
// 3s and 7s; warnings at half of each.
const restartPolicy = `{"warn_at": 0.5, "targets": [
  {"priority": "P1", "first_response": 1000000000, "resolution": 3000000000},
  {"priority": "P2", "first_response": 3000000000, "resolution": 7000000000}]}`

// TestSLATimersSurviveRestart is the acceptance test of the SLA timers: real
// servers on one database, stopped while deadlines are still to come and
// started again after some of them passed. Every warning and breach is
// written exactly once: those due while the first server ran, those that
// fell due while no server ran (by the second, as soon as it starts), and
// those due after the restart; a third start writes nothing more.
func TestSLATimersSurviveRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("runs servers for about ten seconds")
	}
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			data := t.TempDir()
			dsn, extra := filepath.Join(data, "deskmine.db"), []string{}
			if b.Name == "postgres" {
				dsn = b.DSN(t)
				extra = []string{"--dsn", dsn}
			}
			code, out, stderr := runCmd(t, append([]string{"token", "create", "--data", data, "--role", "admin", "--name", "sla-test"}, extra...)...)
			if code != 0 {
				t.Fatalf("token: %s", stderr)
			}
			token := strings.TrimSpace(out[strings.LastIndex(strings.TrimSpace(out), "\n")+1:])
			st, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			body, err := slaclock.ValidatePolicy(ctx, st, "default", json.RawMessage(restartPolicy))
			if err != nil {
				t.Fatal(err)
			}
			if err := st.PutSetting(ctx, &ticketcore.Setting{Kind: slaclock.KindPolicy, Name: "default", Body: body, UpdatedAt: time.Now(), UpdatedBy: "test"}, 0); err != nil {
				t.Fatal(err)
			}
			st.Close()
			c := &apiClient{t: t, token: token}

			// Server 1: two tickets; stop it once the first breach is written.
			addr, stop := serve(t, data, extra...)
			c.addr = addr
			t0 := time.Now()
			p1, p2 := c.create("P1"), c.create("P2")
			c.waitFor("the first breach", func(count map[int64]map[events.Type]int) bool {
				return count[p1][events.TicketSLABreached] == 1
			})
			stop()
			stopped := time.Now()
			if stopped.Sub(t0) > 2500*time.Millisecond {
				t.Skipf("the machine is too slow for this test's seconds: server 1 ran %s", stopped.Sub(t0))
			}

			// Down until 5s: P1's resolution (3s) and P2's first response
			// (3s) deadlines pass with no server running.
			time.Sleep(time.Until(t0.Add(5 * time.Second)))
			restarting := time.Now()
			addr, stop = serve(t, data, extra...)
			c.addr = addr
			started := time.Now()
			late := c.create("P1") // due after the restart, like P2's resolution (7s)
			c.waitFor("every breach", func(count map[int64]map[events.Type]int) bool {
				return count[p1][events.TicketSLABreached] == 2 && count[p2][events.TicketSLABreached] == 2 &&
					count[late][events.TicketSLABreached] == 2
			})
			stop()

			// Server 3: nothing is written again.
			addr, stop = serve(t, data, extra...)
			c.addr = addr
			time.Sleep(500 * time.Millisecond)
			evs := c.events()
			stop()

			count := countEvents(evs)
			for _, id := range []int64{p1, p2, late} {
				if w, br := count[id][events.TicketSLAWarning], count[id][events.TicketSLABreached]; w != 2 || br != 2 {
					t.Errorf("ticket %d: %d warnings and %d breaches, want 2 and 2", id, w, br)
				}
			}
			// Each breach was written by the server that was up when it
			// fell due, or by the next one at its start.
			deadlineRE := regexp.MustCompile(`deadline (\S+)$`)
			var before, down, after int
			for _, e := range evs {
				if e.Type != events.TicketSLABreached {
					continue
				}
				m := deadlineRE.FindStringSubmatch(e.Reason)
				if m == nil {
					t.Fatalf("breach without a deadline: %q", e.Reason)
				}
				deadline, err := time.Parse(time.RFC3339, m[1])
				if err != nil {
					t.Fatal(err)
				}
				switch {
				case deadline.Before(stopped):
					before++
					if !e.RecordedAt.Before(stopped) {
						t.Errorf("a breach due at %s while server 1 ran was written at %s", deadline, e.RecordedAt)
					}
				case deadline.Before(restarting):
					down++
					if e.RecordedAt.Before(restarting) || e.RecordedAt.After(started.Add(2*time.Second)) {
						t.Errorf("a breach due at %s while no server ran was written at %s, not as server 2 started (%s to %s)",
							deadline, e.RecordedAt, restarting, started)
					}
				default:
					after++
					if e.RecordedAt.Before(deadline) {
						t.Errorf("a breach due at %s was written early, at %s", deadline, e.RecordedAt)
					}
				}
			}
			if before == 0 || down == 0 || after == 0 {
				t.Errorf("breaches due before the stop %d, while down %d, after the restart %d: want some of each", before, down, after)
			}
			t.Logf("%d breaches: %d due while server 1 ran, %d while no server ran, %d after the restart", before+down+after, before, down, after)
		})
	}
}

type apiClient struct {
	t     *testing.T
	addr  string
	token string
}

func (c *apiClient) do(method, path string, body any, out any) {
	c.t.Helper()
	var rd bytes.Buffer
	if body != nil {
		if err := json.NewEncoder(&rd).Encode(body); err != nil {
			c.t.Fatal(err)
		}
	}
	req, _ := http.NewRequest(method, "http://"+c.addr+path, &rd)
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode/100 != 2 {
		var b bytes.Buffer
		b.ReadFrom(res.Body)
		c.t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, b.String())
	}
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		c.t.Fatal(err)
	}
}

func (c *apiClient) create(priority string) int64 {
	c.t.Helper()
	var tk ticketcore.Ticket
	c.do(http.MethodPost, "/api/v1/tickets", map[string]any{"subject": "payment declined " + priority, "priority": priority,
		"customer": map[string]string{"email": fmt.Sprintf("c%d@example.cn", time.Now().UnixNano())}}, &tk)
	return tk.ID
}

func (c *apiClient) events() []events.Event {
	c.t.Helper()
	var all []events.Event
	after := int64(0)
	for {
		var page struct {
			Events    []events.Event `json:"events"`
			NextAfter int64          `json:"next_after"`
		}
		c.do(http.MethodGet, fmt.Sprintf("/api/v1/events?after=%d&limit=1000", after), nil, &page)
		all = append(all, page.Events...)
		if len(page.Events) < 1000 {
			return all
		}
		after = page.NextAfter
	}
}

func countEvents(evs []events.Event) map[int64]map[events.Type]int {
	out := map[int64]map[events.Type]int{}
	for _, e := range evs {
		if out[e.TicketID] == nil {
			out[e.TicketID] = map[events.Type]int{}
		}
		out[e.TicketID][e.Type]++
	}
	return out
}

func (c *apiClient) waitFor(what string, cond func(map[int64]map[events.Type]int) bool) {
	c.t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(countEvents(c.events())); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			c.t.Fatalf("timed out waiting for %s", what)
		}
	}
}

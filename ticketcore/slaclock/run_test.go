package slaclock_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/events"
	"github.com/deskmine/deskmine/ticketcore/slaclock"
)

// running is Clocks.Run in the background.
type running struct {
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
}

func start(t *testing.T, c *slaclock.Clocks) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- c.Run(ctx) }()
	select {
	case <-c.Loaded():
	case <-time.After(10 * time.Second):
		t.Fatal("clocks not loaded")
	}
	t.Cleanup(r.stop)
	return r
}

func (r *running) stop() {
	r.once.Do(func() {
		r.cancel()
		<-r.done
	})
}

// settle waits for cond, moving the fake clock on by a second now and
// then: a scheduler that read the clock just before the test moved it
// sleeps on a timer counted from the new time, as it would on a real clock
// that jumped.
func (e *env) settle(what string, cond func() bool) {
	e.t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			e.t.Fatalf("timed out waiting for %s; logs:\n%s", what, e.logs)
		}
		time.Sleep(5 * time.Millisecond)
		e.at(e.clk.Now().Add(time.Second))
	}
}

// counts returns, per ticket, how many events of each SLA type it has.
func (e *env) counts(ids []int64) map[int64]map[events.Type]int {
	out := map[int64]map[events.Type]int{}
	for _, id := range ids {
		out[id] = map[events.Type]int{}
		for _, ev := range e.events(id) {
			out[id][ev.Type]++
		}
	}
	return out
}

// TestRunSurvivesRestart runs the scheduler on a fake clock, stops it (as
// a crash would) with warnings and breaches still to come, lets deadlines
// pass while nothing runs, and starts fresh clocks on a fresh service over
// the same database: every warning and breach is written exactly once.
func TestRunSurvivesRestart(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t0 := time.Date(2026, 3, 9, 8, 0, 0, 0, time.UTC)
			e := newEnv(t, b, t0)
			// 24x7: first response 10m, resolution 30m, warnings at half.
			e.put(slaclock.KindPolicy, "default", `{"warn_at": 0.5, "targets": [{"first_response": 600000000000, "resolution": 1800000000000}]}`)
			r := start(t, e.clocks)

			var ids []int64
			for i := range 6 { // created at +0, +2m, ..., +10m
				e.at(t0.Add(time.Duration(2*i) * time.Minute))
				ids = append(ids, e.create("P3", "").ID)
			}
			// Ticket 0's first response warning (+5m) and breach (+10m) and
			// ticket 1's warning (+7m) fire while the server runs.
			e.at(t0.Add(11 * time.Minute))
			e.settle("the first breach", func() bool {
				c := e.counts(ids[:2])
				return c[ids[0]][events.TicketSLABreached] == 1 && c[ids[1]][events.TicketSLAWarning] == 1
			})
			r.stop()

			// Down for an hour: every other deadline passes meanwhile.
			e.at(t0.Add(75 * time.Minute))
			opts := ticketcore.DefaultOptions()
			opts.Now = e.clk.Now
			svc2, err := ticketcore.NewService(e.st, opts)
			if err != nil {
				t.Fatal(err)
			}
			e.svc, e.clocks = svc2, e.newClocks(svc2)
			start(t, e.clocks)
			e.settle("every breach", func() bool {
				for _, c := range e.counts(ids) {
					if c[events.TicketSLABreached] != 2 {
						return false
					}
				}
				return true
			})
			// A ticket created after the restart is fired by the new runner.
			late := e.create("P3", "").ID
			e.at(t0.Add(120 * time.Minute))
			e.settle("the new ticket's breaches", func() bool { return e.counts([]int64{late})[late][events.TicketSLABreached] == 2 })

			// Let the runner idle a little, then count: nothing twice.
			time.Sleep(50 * time.Millisecond)
			for id, c := range e.counts(append(ids, late)) {
				if c[events.TicketSLAWarning] != 2 || c[events.TicketSLABreached] != 2 {
					t.Errorf("ticket %d: %d warnings, %d breaches; want 2 and 2", id, c[events.TicketSLAWarning], c[events.TicketSLABreached])
				}
			}
			if page, _ := e.st.DueSLAStates(e.ctx, 0, farFuture, 100); len(page) != 0 {
				t.Errorf("still due: %s", fmt.Sprint(page))
			}
		})
	}
}

// TestSweepFindsChangesOfOtherServers: with two servers on one database,
// each schedules only its own changes; the sweep of the one still running
// fires what the other one scheduled before it stopped.
func TestSweepFindsChangesOfOtherServers(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t0 := time.Date(2026, 3, 9, 8, 0, 0, 0, time.UTC)
			e := newEnv(t, b, t0)
			e.put(slaclock.KindPolicy, "default", `{"targets": [{"first_response": 600000000000}]}`)
			e.sweep = 20 * time.Millisecond
			opts := ticketcore.DefaultOptions()
			opts.Now = e.clk.Now
			other, err := ticketcore.NewService(e.st, opts)
			if err != nil {
				t.Fatal(err)
			}
			e.newClocks(other) // the other server's clocks, which never run
			running := e.newClocks(e.svc)
			start(t, running)
			res, err := other.Create(e.ctx, client, ticketcore.CreateInput{Subject: "via the other server",
				Customer: ticketcore.CustomerInput{Email: "o@example.cn"}}, "")
			if err != nil {
				t.Fatal(err)
			}
			e.at(t0.Add(time.Hour))
			e.settle("the sweep", func() bool { return e.counts([]int64{res.Ticket.ID})[res.Ticket.ID][events.TicketSLABreached] == 1 })
		})
	}
}

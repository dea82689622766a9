package desk_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/desk"
	"github.com/deskmine/deskmine/ticketcore/routing"
)

// TestConcurrentCreatesKeepCapacity creates tickets from many goroutines,
// closes some and reloads meanwhile: no agent goes over capacity, and the
// live loads end equal to the database's.
func TestConcurrentCreatesKeepCapacity(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			f := newFixture(t, b, "ann", "bo")
			f.team("support", "", "")
			f.agent(desk.Agent{Login: "ann", Teams: []string{"support"}, Capacity: 6})
			f.agent(desk.Agent{Login: "bo", Teams: []string{"support"}, Capacity: 6})
			const workers, each = 6, 6
			var wg sync.WaitGroup
			errs := make(chan error, workers*each+10)
			stop := make(chan struct{})
			reloads := sync.WaitGroup{}
			reloads.Add(1)
			go func() {
				defer reloads.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					if err := f.desk.Reload(ctx); err != nil {
						errs <- err
						return
					}
				}
			}()
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range each {
						in := ticketcore.CreateInput{Subject: fmt.Sprintf("t%d-%d", w, i), Channel: "web", Team: "support", Assignee: "auto",
							Customer: ticketcore.CustomerInput{Email: fmt.Sprintf("c%d@example.com", w)}}
						res, err := f.svc.Create(ctx, admin, in, "")
						if err != nil {
							errs <- err
							return
						}
						if i%3 == 0 && res.Ticket.Assignee != "" {
							if _, err := f.svc.Transition(ctx, admin, res.Ticket.ID, 0, ticketcore.TransitionInput{To: "resolved"}); err != nil {
								errs <- err
								return
							}
						}
					}
				}()
			}
			wg.Wait()
			close(stop)
			reloads.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			db := f.dbLoads()
			for _, l := range []string{"ann", "bo"} {
				if db[l] > 6 {
					t.Fatalf("%s holds %d, over capacity 6", l, db[l])
				}
				if f.load(l) != db[l] {
					t.Fatalf("%s: live load %d, database %d", l, f.load(l), db[l])
				}
			}
			if db["ann"]+db["bo"] != 12 {
				t.Fatalf("capacity left unused: %v", db)
			}
		})
	}
}

// TestRunReloadsUntilCancelled runs the periodic reload and stops it.
func TestRunReloadsUntilCancelled(t *testing.T) {
	f := newFixture(t, testdb.Backends()[0], "ann")
	f.team("support", "", "")
	f.agent(desk.Agent{Login: "ann", Teams: []string{"support"}})
	d, err := desk.New(ctx, f.svc, f.st, desk.Options{Now: f.clk.Now, Logger: quietLogger(), ReloadInterval: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	// another replica's change: the desk sees it after a reload
	if _, err := f.desk.SetAgentStatus(ctx, admin, "ann", routing.StatusAway); err != nil {
		t.Fatal(err)
	}
	c, cancel := context.WithCancel(ctx)
	done := make(chan error)
	go func() { done <- d.Run(c) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		q, err := d.Explain(ctx, admin, desk.ExplainRequest{Ticket: &ticketcore.CreateInput{Subject: "x", Team: "support",
			Customer: ticketcore.CustomerInput{Email: "c@example.com"}}, Rules: []byte(`{"rules": [{"id": "a", "actions": [{"type": "assign", "agent": "auto"}]}]}`)})
		if err != nil {
			t.Fatal(err)
		}
		if q.Assignment != nil && q.Assignment.Agent == "" {
			break // ann is away for this desk too
		}
		if time.Now().After(deadline) {
			t.Fatal("the desk never reloaded")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

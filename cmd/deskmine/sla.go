package main

import (
	"context"
	"fmt"
	"time"

	"github.com/deskmine/deskmine/ticketcore/slaclock"
)

// slaClocks is the running SLA clocks of the server.
type slaClocks struct {
	clocks *slaclock.Clocks
	stop   func()
}

// startSLA registers the SLA clocks on the app's service (so start it
// before serving) and runs them until ctx ends or stop is called; stop then
// waits for them to finish, so call it before the store is closed. The
// escalator picks who takes escalated tickets and the notifier delivers
// notify steps; either may be nil.
func startSLA(ctx context.Context, a *app, esc slaclock.Escalator, n slaclock.Notifier) (*slaClocks, error) {
	c, err := slaclock.New(ctx, a.svc, a.store, slaclock.Options{Logger: a.log, Escalator: esc, Notifier: n})
	if err != nil {
		return nil, fmt.Errorf("sla clocks: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := c.Run(ctx); err != nil {
			a.log.Error("sla clocks", "err", err)
		}
	}()
	return &slaClocks{clocks: c, stop: func() {
		cancel()
		<-done
	}}, nil
}

// remaining returns the clocks as the desk's source of SLA time remaining.
func (s *slaClocks) remaining(a *app) slaRemaining {
	return slaRemaining{clocks: s.clocks, now: time.Now, log: a.log}
}

package slaclock

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/calendar"
	"github.com/deskmine/deskmine/ticketcore/sla"
)

// compiled is a stored policy bound to its calendar.
type compiled struct {
	Policy
	eng *sla.Engine
}

// snapshot is every usable policy, as read at one time.
type snapshot struct {
	policies map[string]*compiled
	read     time.Time
}

// Reload reads the policies and calendars from the settings now; call it
// after saving or deleting one. Without it they are read again every
// Options.PolicyTTL. A stored policy that does not compile (its calendar
// was deleted) is logged and left out, as if it did not exist.
func (c *Clocks) Reload(ctx context.Context) error {
	s, err := c.read(ctx)
	if err != nil {
		return err
	}
	c.snapMu.Lock()
	if c.snap == nil || !s.read.Before(c.snap.read) {
		c.snap = s
	}
	c.snapMu.Unlock()
	return nil
}

func (c *Clocks) read(ctx context.Context) (*snapshot, error) {
	at := time.Now()
	cals, err := c.settings.Settings(ctx, KindCalendar)
	if err != nil {
		return nil, fmt.Errorf("read calendars: %w", err)
	}
	pols, err := c.settings.Settings(ctx, KindPolicy)
	if err != nil {
		return nil, fmt.Errorf("read sla policies: %w", err)
	}
	compiledCals := map[string]*calendar.Compiled{}
	for i := range cals {
		cal, err := compileCalendar(&cals[i])
		if err != nil {
			c.log.Error("calendar unusable", "calendar", cals[i].Name, "err", err)
			continue
		}
		compiledCals[cals[i].Name] = cal
	}
	s := &snapshot{policies: map[string]*compiled{}, read: at}
	for _, st := range pols {
		p, err := compilePolicy(st, compiledCals)
		if err != nil {
			c.log.Error("sla policy unusable", "policy", st.Name, "err", err)
			continue
		}
		s.policies[st.Name] = p
	}
	return s, nil
}

func compilePolicy(s ticketcore.Setting, cals map[string]*calendar.Compiled) (*compiled, error) {
	var p Policy
	if err := json.Unmarshal(s.Body, &p); err != nil {
		return nil, err
	}
	if p.ID == "" {
		p.ID = s.Name
	}
	if p.ID != s.Name {
		return nil, fmt.Errorf("has id %q", p.ID)
	}
	var cal *calendar.Compiled
	if p.Calendar != "" {
		if cal = cals[p.Calendar]; cal == nil {
			return nil, fmt.Errorf("no usable calendar %q", p.Calendar)
		}
	}
	eng, err := sla.NewEngine(p.Policy, cal)
	if err != nil {
		return nil, err
	}
	return &compiled{Policy: p, eng: eng}, nil
}

// policy returns the usable policy named name, nil when there is none. It
// never reads the database, because it runs inside ticket transactions: on
// PostgreSQL a second connection per transaction could exhaust the pool.
// Run reads them again every PolicyTTL.
func (c *Clocks) policy(name string) *compiled {
	c.snapMu.Lock()
	defer c.snapMu.Unlock()
	return c.snap.policies[name]
}

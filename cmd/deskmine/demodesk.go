package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/demo"
	"github.com/deskmine/deskmine/ticketcore/desk"
	"github.com/deskmine/deskmine/ticketcore/routing"
	"github.com/deskmine/deskmine/ticketcore/slaclock"
)

// ensureDemoDesk sets up what a demo user needs to see routing and SLAs at
// work: the demo's teams, profiles for the demo agent and manager, a rule that
// sends new tickets to the service desk and assigns them, and a default SLA
// policy. Whatever exists already is left alone.
func ensureDemoDesk(ctx context.Context, a *app, d *desk.Desk, clocks *slaclock.Clocks) error {
	actor := ticketcore.Actor{Name: "demo", Role: "admin"}
	teams := demo.Teams()
	for i, t := range teams {
		if _, err := d.Team(ctx, t.Name); err == nil {
			continue
		}
		team := desk.Team{Name: t.Name, Strategy: routing.StrategyLeastLoaded}
		if i > 0 {
			team.BackupTeam = demo.TeamL1 // specialists overflow to the service desk
		}
		if _, err := d.PutTeam(ctx, actor, team, 0); err != nil {
			return fmt.Errorf("demo team %s: %w", t.Name, err)
		}
	}
	for _, p := range []desk.Agent{
		{Login: "demo-agent", Name: "Demo agent", Teams: []string{demo.TeamL1, demo.TeamNetwork}, Languages: []string{"zh", "en"},
			Capacity: 40, Level: 1, Status: routing.StatusOnline},
		{Login: "demo-manager", Name: "Demo manager", Teams: []string{demo.TeamL1}, Languages: []string{"zh", "en"},
			Capacity: 10, Level: 2, Status: routing.StatusOnline},
	} {
		if _, err := d.Agent(ctx, p.Login); err == nil {
			continue
		}
		if _, err := d.PutAgent(ctx, actor, p, 0); err != nil {
			return fmt.Errorf("demo agent %s: %w", p.Login, err)
		}
	}
	if r, err := d.Rules(ctx); err == nil && r.Version == 0 {
		rules := `{"version": 1, "rules": [{"id": "intake", "name": "New tickets go to the service desk, assigned by load",
			"stop": true, "conditions": {}, "actions": [{"type": "set_team", "team": "` + demo.TeamL1 + `"}, {"type": "assign", "agent": "auto"}]}]}`
		if _, err := d.PutRules(ctx, actor, []byte(rules), 0); err != nil {
			return fmt.Errorf("demo rules: %w", err)
		}
	}
	if _, err := a.store.Setting(ctx, "sla_policy", "default"); errors.Is(err, ticketcore.ErrNotFound) {
		h := func(n int) time.Duration { return time.Duration(n) * time.Hour }
		policy := map[string]any{"id": "default", "name": "Standard support", "warn_at": 0.8, "targets": []map[string]any{
			{"priority": "P1", "first_response": h(1), "next_response": h(2), "resolution": h(8)},
			{"priority": "P2", "first_response": h(4), "next_response": h(8), "resolution": h(24)},
			{"first_response": h(8), "next_response": h(24), "resolution": h(72)},
		}, "escalation": []map[string]any{{"on": "warning", "action": "notify", "role": "lead"},
			{"on": "breach", "action": "reassign", "level": 2}}}
		raw, _ := json.Marshal(policy)
		body, err := slaclock.ValidatePolicy(ctx, a.store, "default", raw)
		if err != nil {
			return fmt.Errorf("demo sla policy: %w", err)
		}
		if err := a.store.PutSetting(ctx, &ticketcore.Setting{Kind: "sla_policy", Name: "default", Body: body,
			UpdatedAt: time.Now().UTC(), UpdatedBy: "demo"}, 0); err != nil {
			return fmt.Errorf("demo sla policy: %w", err)
		}
		// Without running clocks (a benchmark) there is nothing to reload.
		if clocks != nil {
			if err := clocks.Reload(ctx); err != nil {
				return fmt.Errorf("reload sla policies: %w", err)
			}
		}
	} else if err != nil {
		return err
	}
	return nil
}

package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/deskmine/deskmine/ticketcore/auth"
	"github.com/deskmine/deskmine/ticketcore/desk"
)

// TestDeskRoutes walks the routing desk routes through success and error
// paths, checking each exchange against the OpenAPI document too.
func TestDeskRoutes(t *testing.T) {
	e, raw := servedOpenAPI(t)
	c := &conformance{t: t, e: e, doc: loadOpenAPI(t, raw)}
	const (
		admin, manager, agent, reviewer = auth.RoleAdmin, auth.RoleManager, auth.RoleAgent, auth.RoleReviewer
		get, post, put, del             = http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete
	)
	me := e.users[agent].Login

	teams, team := "/api/v1/teams", "/api/v1/teams/{name}"
	c.call(201, manager, post, teams, teams, map[string]any{"name": "support", "strategy": "least_loaded"})
	c.call(201, admin, post, teams, teams, map[string]any{"name": "billing", "strategy": "round_robin", "backup_team": "support"})
	c.call(409, admin, post, teams, teams, map[string]any{"name": "support"})
	_, fields := c.call(422, admin, post, teams, teams, map[string]any{"name": "sales", "strategy": "coin_toss", "backup_team": "nowhere"}).apiErr(t)
	if fields["strategy"] == "" || fields["backup_team"] == "" {
		t.Errorf("422 fields: want strategy and backup_team, got %v", fields)
	}
	c.call(403, agent, post, teams, teams, map[string]any{"name": "sales"})
	c.call(200, reviewer, get, teams, teams, nil)
	c.call(200, agent, get, team, teams+"/support", nil)
	c.call(404, agent, get, team, teams+"/nowhere", nil)
	c.call(428, manager, put, team, teams+"/support", map[string]any{"strategy": "sticky"})
	c.call(200, manager, put, team, teams+"/support", map[string]any{"strategy": "sticky"}, "If-Match", `"1"`)
	c.call(409, manager, put, team, teams+"/support", map[string]any{"strategy": "round_robin"}, "If-Match", `"1"`)
	c.call(400, manager, put, team, teams+"/support", map[string]any{"name": "other"}, "If-Match", `"2"`)
	c.call(200, agent, get, "/api/v1/teams/{name}/history", teams+"/support/history", nil)
	c.call(404, agent, get, "/api/v1/teams/{name}/history", teams+"/nowhere/history", nil)

	agents, ag := "/api/v1/agents", "/api/v1/agents/{login}"
	c.call(201, manager, post, agents, agents, map[string]any{"login": me, "teams": []string{"support"}, "capacity": 10, "status": "online"})
	c.call(201, manager, post, agents, agents, map[string]any{"login": e.users[manager].Login, "teams": []string{"support"}, "capacity": 10, "status": "online"})
	c.call(409, manager, post, agents, agents, map[string]any{"login": me, "teams": []string{"support"}, "capacity": 10})
	_, fields = c.call(422, manager, post, agents, agents, map[string]any{"login": "ghost", "teams": []string{"nowhere"}, "capacity": -1}).apiErr(t)
	if fields["capacity"] == "" || len(fields) < 2 {
		t.Errorf("422 fields: want capacity and more, got %v", fields)
	}
	c.call(200, reviewer, get, agents, agents, nil)
	c.call(200, agent, get, ag, agents+"/"+me, nil)
	c.call(404, agent, get, ag, agents+"/ghost", nil)
	c.call(200, admin, put, ag, agents+"/"+me, map[string]any{"teams": []string{"support", "billing"}, "capacity": 12}, "If-Match", "1")
	c.call(409, admin, put, ag, agents+"/"+me, map[string]any{"teams": []string{"support"}, "capacity": 12}, "If-Match", "1")
	c.call(422, admin, put, ag, agents+"/"+me, map[string]any{"teams": []string{"support"}, "capacity": 12, "status": "offline"}, "If-Match", "2")
	c.call(200, agent, get, "/api/v1/agents/{login}/history", agents+"/"+me+"/history", nil)

	// The rules: a save, validation errors by path, then explain.
	rules := "/api/v1/routing/rules"
	c.call(200, reviewer, get, rules, rules, nil)
	good := map[string]any{"rules": []any{map[string]any{"id": "vip", "conditions": map[string]any{"field": "customer.tier", "op": "eq", "value": "vip"},
		"actions": []any{map[string]any{"type": "set_team", "team": "support"}}}}}
	c.call(428, admin, put, rules, rules, good)
	c.call(200, admin, put, rules, rules, good, "If-Match", "0")
	c.call(409, admin, put, rules, rules, good, "If-Match", "0")
	bad := map[string]any{"rules": []any{map[string]any{"id": "x", "conditions": map[string]any{"field": "custom_fields.colour", "op": "eq", "value": "red"},
		"actions": []any{map[string]any{"type": "set_team", "team": "nowhere"}}}}}
	_, fields = c.call(422, admin, put, rules, rules, bad, "If-Match", "1").apiErr(t)
	if !anyKeyHasPrefix(fields, "rules[0]") {
		t.Errorf("422 fields: want rules[0]... paths, got %v", fields)
	}
	c.call(400, admin, put, rules, rules, `{"rules": [`, "If-Match", "1")
	c.call(403, agent, put, rules, rules, good, "If-Match", "1")
	c.call(200, reviewer, get, "/api/v1/routing/rules/history", rules+"/history", nil)

	explain := "/api/v1/routing/explain"
	r := c.call(200, manager, post, explain, explain, map[string]any{"ticket": ticketBody()})
	if !strings.Contains(string(r.Body), "vip") || !strings.Contains(string(r.Body), "support") {
		t.Errorf("explain does not name the vip rule and its team: %s", r.Body)
	}
	c.call(422, manager, post, explain, explain, map[string]any{})
	c.call(403, agent, post, explain, explain, map[string]any{"ticket_id": 1})

	// The queue: P1 before P3, the caller's own by default.
	queue := "/api/v1/queue"
	low, high := ticketBody(), ticketBody()
	low["assignee"], low["priority"], low["urgency"] = me, "P4", "low"
	high["assignee"], high["priority"], high["urgency"] = me, "P1", "critical"
	for _, b := range []map[string]any{low, high} {
		c.call(201, agent, post, "/api/v1/tickets", "/api/v1/tickets", b)
	}
	var page struct {
		Agent string            `json:"agent"`
		Queue []desk.QueueEntry `json:"queue"`
	}
	c.call(200, agent, get, queue, queue+"?limit=10&unassigned=true", nil).json(t, &page)
	if page.Agent != me || len(page.Queue) != 2 || page.Queue[0].Ticket.Priority != "P1" {
		t.Errorf("queue: want 2 entries for %s, P1 first, got %+v", me, page)
	}
	c.call(200, manager, get, queue, queue+"?agent="+me, nil)
	c.call(403, agent, get, queue, queue+"?agent="+e.users[manager].Login, nil)
	c.call(400, agent, get, queue, queue+"?limit=ten", nil)
	c.call(422, agent, get, queue, queue+"?limit=500", nil)
	c.call(403, reviewer, get, queue, queue, nil)

	// Going offline re-routes the agent's tickets to the other member.
	status := "/api/v1/agents/{login}/status"
	c.call(403, agent, post, status, agents+"/"+e.users[manager].Login+"/status", map[string]any{"status": "away"})
	c.call(422, agent, post, status, agents+"/"+me+"/status", map[string]any{"status": "asleep"})
	var change desk.StatusChange
	c.call(200, agent, post, status, agents+"/"+me+"/status", map[string]any{"status": "offline"}).json(t, &change)
	if len(change.Rerouted) != 2 {
		t.Fatalf("offline: want 2 tickets re-routed, got %+v", change.Rerouted)
	}
	for _, rr := range change.Rerouted {
		if rr.From != me || rr.To != e.users[manager].Login {
			t.Errorf("re-routed %+v, want from %s to %s", rr, me, e.users[manager].Login)
		}
	}
	c.call(200, manager, post, status, agents+"/"+me+"/status", map[string]any{"status": "online"})

	// PATCH with assignee auto re-routes through the desk.
	var tk struct {
		ID      int64 `json:"id"`
		Version int64 `json:"version"`
	}
	body := ticketBody()
	body["assignee"] = me
	body["team"] = "support"
	c.call(201, agent, post, "/api/v1/tickets", "/api/v1/tickets", body).json(t, &tk)
	var patched struct {
		Assignee string `json:"assignee"`
	}
	c.call(200, agent, http.MethodPatch, "/api/v1/tickets/{id}", fmt.Sprintf("/api/v1/tickets/%d", tk.ID),
		map[string]any{"assignee": "auto"}, "If-Match", fmt.Sprint(tk.Version)).json(t, &patched)
	if patched.Assignee != e.users[manager].Login {
		t.Errorf("assignee auto: got %q, want %s", patched.Assignee, e.users[manager].Login)
	}

	// Deletions: stale version, then in order.
	c.call(409, manager, del, ag, agents+"/"+e.users[manager].Login, nil, "If-Match", "7")
	c.call(428, manager, del, team, teams+"/billing", nil)
	c.call(422, manager, del, team, teams+"/billing", nil, "If-Match", "1") // u-agent is a member
	var gone struct {
		Rerouted []desk.Reroute `json:"rerouted"`
	}
	c.call(200, admin, del, ag, agents+"/"+e.users[manager].Login, nil, "If-Match", "1").json(t, &gone)
}

func anyKeyHasPrefix(m map[string]string, prefix string) bool {
	for k := range m {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}

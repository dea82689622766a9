package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/ticketcore/auth"
	"github.com/deskmine/deskmine/ticketcore/slaclock"
)

func officeCalendar(name string) map[string]any {
	return map[string]any{"name": name, "time_zone": "Asia/Shanghai",
		"week": map[string]any{"mon": []any{map[string]any{"start": "09:00", "end": "18:00"}}}}
}

// TestSLARoutes walks the SLA routes through success and error paths,
// checking each exchange against the OpenAPI document too.
func TestSLARoutes(t *testing.T) {
	e, raw := servedOpenAPI(t)
	c := &conformance{t: t, e: e, doc: loadOpenAPI(t, raw)}
	const (
		admin, manager, agent, reviewer = auth.RoleAdmin, auth.RoleManager, auth.RoleAgent, auth.RoleReviewer
		get, post, put, del             = http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete
	)

	cals, cal := "/api/v1/calendars", "/api/v1/calendars/{name}"
	c.call(201, manager, post, cals, cals, officeCalendar("cn-office"))
	c.call(409, admin, post, cals, cals, officeCalendar("cn-office"))
	_, fields := c.call(422, admin, post, cals, cals, map[string]any{"name": "bad", "time_zone": "Mars/Olympus",
		"week": map[string]any{"mon": []any{map[string]any{"start": "25:00", "end": "18:00"}}}}).apiErr(t)
	if fields["time_zone"] == "" || !anyKeyHasPrefix(fields, "week.mon[0]") {
		t.Errorf("422 fields: want time_zone and week.mon[0]..., got %v", fields)
	}
	c.call(422, admin, post, cals, cals, map[string]any{"time_zone": "UTC"}) // no name
	c.call(403, agent, post, cals, cals, officeCalendar("x"))
	c.call(200, reviewer, get, cals, cals, nil)
	c.call(200, agent, get, cal, cals+"/cn-office", nil)
	c.call(404, agent, get, cal, cals+"/nowhere", nil)
	c.call(428, manager, put, cal, cals+"/cn-office", officeCalendar("cn-office"))
	upd := officeCalendar("")
	delete(upd, "name")
	upd["holidays"] = []string{"2026-10-01"}
	r := c.call(200, manager, put, cal, cals+"/cn-office", upd, "If-Match", `"1"`)
	if r.Header.Get("ETag") != `"2"` {
		t.Errorf("PUT calendar: ETag %q, want \"2\"", r.Header.Get("ETag"))
	}
	c.call(409, manager, put, cal, cals+"/cn-office", upd, "If-Match", `"1"`)
	c.call(400, manager, put, cal, cals+"/cn-office", officeCalendar("other"), "If-Match", `"2"`)
	c.call(200, agent, get, "/api/v1/calendars/{name}/history", cals+"/cn-office/history", nil)
	c.call(404, agent, get, "/api/v1/calendars/{name}/history", cals+"/nowhere/history", nil)

	pols, pol := "/api/v1/sla-policies", "/api/v1/sla-policies/{id}"
	gold := map[string]any{"id": "gold", "calendar": "cn-office",
		"targets":    []any{map[string]any{"first_response": int64(30 * time.Minute), "resolution": int64(4 * time.Hour)}},
		"escalation": []any{map[string]any{"on": "breach", "action": "reassign", "level": 2}}}
	c.call(201, manager, post, pols, pols, gold)
	c.call(409, manager, post, pols, pols, gold)
	_, fields = c.call(422, admin, post, pols, pols, map[string]any{"id": "silver", "calendar": "nowhere",
		"targets": []any{}, "escalation": []any{map[string]any{"on": "breach", "action": "reassign", "level": 42}}}).apiErr(t)
	if fields["calendar"] == "" || fields["targets"] == "" || !anyKeyHasPrefix(fields, "escalation[0]") {
		t.Errorf("422 fields: want calendar, targets and escalation[0]..., got %v", fields)
	}
	c.call(403, reviewer, post, pols, pols, gold)
	c.call(200, agent, get, pols, pols, nil)
	c.call(200, reviewer, get, pol, pols+"/gold", nil)
	c.call(404, reviewer, get, pol, pols+"/nowhere", nil)
	gold["warn_at"] = 0.5
	c.call(200, admin, put, pol, pols+"/gold", gold, "If-Match", "1")
	c.call(409, admin, put, pol, pols+"/gold", gold, "If-Match", "1")
	c.call(428, admin, put, pol, pols+"/gold", gold)
	c.call(403, agent, put, pol, pols+"/gold", gold, "If-Match", "2")
	c.call(200, reviewer, get, "/api/v1/sla-policies/{id}/history", pols+"/gold/history", nil)
	c.call(404, reviewer, get, "/api/v1/sla-policies/{id}/history", pols+"/nowhere/history", nil)

	// The calendar is in use: refused until the policy is gone.
	_, fields = c.call(422, manager, del, cal, cals+"/cn-office", nil, "If-Match", "2").apiErr(t)
	if !strings.Contains(fields["name"], "gold") {
		t.Errorf("delete a calendar in use: want the policy named, got %v", fields)
	}

	// A ticket under gold: its clocks, then a manual escalation.
	var created struct {
		ID      int64 `json:"id"`
		Version int64 `json:"version"`
	}
	c.call(201, agent, post, "/api/v1/tickets", "/api/v1/tickets", ticketBody()).json(t, &created)
	c.call(200, agent, http.MethodPatch, "/api/v1/tickets/{id}", fmt.Sprintf("/api/v1/tickets/%d", created.ID),
		map[string]any{"sla_policy": "gold"}, "If-Match", fmt.Sprint(created.Version))
	sla := "/api/v1/tickets/{id}/sla"
	var status slaclock.Status
	c.call(200, reviewer, get, sla, fmt.Sprintf("/api/v1/tickets/%d/sla", created.ID), nil).json(t, &status)
	if status.Policy != "gold" || len(status.Clocks) == 0 {
		t.Fatalf("sla status: want clocks under gold, got %+v", status)
	}
	for _, k := range status.Clocks {
		if k.Metric == "first_response" && (k.Deadline == nil || k.Target != (30*time.Minute).Seconds()) {
			t.Errorf("first_response clock: want a 30m target with a deadline, got %+v", k)
		}
	}
	c.call(404, reviewer, get, sla, "/api/v1/tickets/999999/sla", nil)
	c.call(403, auth.RoleClient, get, sla, fmt.Sprintf("/api/v1/tickets/%d/sla", created.ID), nil)

	esc := "/api/v1/tickets/{id}/escalations"
	escPath := fmt.Sprintf("/api/v1/tickets/%d/escalations", created.ID)
	r = c.call(200, agent, post, esc, escPath, map[string]any{"level": 3, "reason": "hospital down"})
	if r.Header.Get("ETag") == "" {
		t.Error("escalation: no ETag")
	}
	c.call(422, agent, post, esc, escPath, map[string]any{"level": 2})
	c.call(404, agent, post, esc, "/api/v1/tickets/999999/escalations", map[string]any{"level": 2})
	c.call(400, agent, post, esc, escPath, map[string]any{"level": "high"})
	c.call(403, reviewer, post, esc, escPath, map[string]any{"level": 4})
	c.call(200, reviewer, get, sla, fmt.Sprintf("/api/v1/tickets/%d/sla", created.ID), nil).json(t, &status)
	if status.Level != 3 {
		t.Errorf("after escalation: level %d, want 3", status.Level)
	}
	h := e.do(reviewer, get, fmt.Sprintf("/api/v1/tickets/%d/history", created.ID), nil)
	if !strings.Contains(string(h.Body), `"ticket.escalated"`) || !strings.Contains(string(h.Body), "hospital down") {
		t.Errorf("history lacks the manual escalation: %.800s", h.Body)
	}

	// Deletions: stale, then the policy, then its calendar.
	c.call(409, manager, del, pol, pols+"/gold", nil, "If-Match", "1")
	c.call(428, manager, del, pol, pols+"/gold", nil)
	c.call(204, manager, del, pol, pols+"/gold", nil, "If-Match", "2")
	c.call(404, manager, del, pol, pols+"/gold", nil, "If-Match", "2")
	c.call(204, admin, del, cal, cals+"/cn-office", nil, "If-Match", "2")
	c.call(403, agent, del, cal, cals+"/cn-office", nil, "If-Match", "2")
}

// TestSLARoutesDisabled: without the SLA clocks the routes answer 404.
func TestSLARoutesDisabled(t *testing.T) {
	off := newEnvWithout(t)
	for _, path := range []string{"/api/v1/calendars", "/api/v1/sla-policies/x", "/api/v1/tickets/1/sla"} {
		if r := off.do(auth.RoleAdmin, http.MethodGet, path, nil); r.Status != http.StatusNotFound {
			t.Errorf("GET %s without SLA: want 404, got %d", path, r.Status)
		}
	}
}

// TestSLAPolicyFires: a policy with a short target makes a new ticket warn
// and breach on time, and its breach step escalates it.
func TestSLAPolicyFires(t *testing.T) {
	e := newEnv(t, testdb.Backends()[0])
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = e.clocks.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	policy := map[string]any{"id": "default", "warn_at": 0.5,
		"targets":    []any{map[string]any{"first_response": int64(1500 * time.Millisecond)}},
		"escalation": []any{map[string]any{"on": "breach", "action": "reassign", "level": 2}}}
	if r := e.do(auth.RoleManager, http.MethodPost, "/api/v1/sla-policies", policy); r.Status != http.StatusCreated {
		t.Fatalf("create policy: %d %s", r.Status, r.Body)
	}
	tk := e.createTicket(auth.RoleAgent)
	var status slaclock.Status
	e.do(auth.RoleAgent, http.MethodGet, fmt.Sprintf("/api/v1/tickets/%d/sla", tk.ID), nil).json(t, &status)
	if status.Policy != "default" || len(status.Clocks) == 0 {
		t.Fatalf("sla status: want clocks under default, got %+v", status)
	}
	deadline := time.Now().Add(15 * time.Second)
	var history string
	for time.Now().Before(deadline) {
		history = string(e.do(auth.RoleAgent, http.MethodGet, fmt.Sprintf("/api/v1/tickets/%d/history", tk.ID), nil).Body)
		if strings.Contains(history, `"ticket.sla_breached"`) && strings.Contains(history, `"ticket.escalated"`) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, want := range []string{`"ticket.sla_warning"`, `"ticket.sla_breached"`, `"ticket.escalated"`} {
		if !strings.Contains(history, want) {
			t.Errorf("history lacks %s: %.1500s", want, history)
		}
	}
	e.do(auth.RoleAgent, http.MethodGet, fmt.Sprintf("/api/v1/tickets/%d/sla", tk.ID), nil).json(t, &status)
	breached := false
	for _, k := range status.Clocks {
		breached = breached || (k.Metric == "first_response" && k.Warned && k.Breached)
	}
	if !breached || status.Level != 2 {
		t.Errorf("sla status after the breach: want first_response warned and breached at level 2, got %+v", status)
	}
}

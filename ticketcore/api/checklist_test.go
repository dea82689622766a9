package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/auth"
)

// TestChecklistOverHTTP: managers keep templates, a new ticket of the type
// carries the steps, resolving waits for the required ones.
func TestChecklistOverHTTP(t *testing.T) {
	e := newEnv(t, testdb.Backends()[0])
	e.svc.SetChecklists(e.store)
	tmpl := map[string]any{"type": "question", "items": []map[string]any{
		{"id": "identity_checked", "title": "核实客户身份", "required": true},
		{"id": "survey", "title": "Offer the survey"}}}
	if r := e.do(auth.RoleAgent, "POST", "/api/v1/checklists", tmpl); r.Status != http.StatusForbidden {
		t.Fatalf("agent creates a template: %d", r.Status)
	}
	if r := e.do(auth.RoleManager, "POST", "/api/v1/checklists", map[string]any{"type": "question", "items": []any{}}); r.Status != 422 {
		t.Fatalf("empty template: %d %s", r.Status, r.Body)
	}
	if r := e.do(auth.RoleManager, "POST", "/api/v1/checklists", tmpl); r.Status != http.StatusCreated {
		t.Fatalf("create template: %d %s", r.Status, r.Body)
	}
	if r := e.do(auth.RoleReviewer, "GET", "/api/v1/checklists/question/history", nil); r.Status != 200 {
		t.Fatalf("history: %d", r.Status)
	}

	tk := e.createTicket(auth.RoleAgent)
	if len(tk.Checklist) != 2 || tk.Checklist[0].ID != "identity_checked" {
		t.Fatalf("new ticket's checklist: %+v", tk.Checklist)
	}
	resolve := map[string]any{"to": "resolved", "resolution": "done"}
	r := e.do(auth.RoleAgent, "POST", fmt.Sprintf("/api/v1/tickets/%d/transitions", tk.ID), resolve)
	if code, fields := r.apiErr(t); r.Status != 422 || code != string(ticketcore.CodeChecklistIncomplete) || fields["checklist"] == "" {
		t.Fatalf("resolve with an open step: %d %s", r.Status, r.Body)
	}
	check := fmt.Sprintf("/api/v1/tickets/%d/checklist/identity_checked", tk.ID)
	if r := e.do(auth.RoleReviewer, "POST", check, map[string]any{"done": true}); r.Status != http.StatusForbidden {
		t.Fatalf("reviewer ticks: %d", r.Status)
	}
	if r := e.do(auth.RoleAgent, "POST", check, map[string]any{}); r.Status != 422 {
		t.Fatalf("tick without done: %d %s", r.Status, r.Body)
	}
	if r := e.do(auth.RoleAgent, "POST", fmt.Sprintf("/api/v1/tickets/%d/checklist/nope", tk.ID), map[string]any{"done": true}); r.Status != 404 {
		t.Fatalf("unknown step: %d", r.Status)
	}
	if r := e.do(auth.RoleAgent, "POST", check, map[string]any{"done": true}); r.Status != 200 || r.Header.Get("ETag") == "" {
		t.Fatalf("tick: %d %s", r.Status, r.Body)
	}
	if r := e.do(auth.RoleAgent, "POST", fmt.Sprintf("/api/v1/tickets/%d/transitions", tk.ID), resolve); r.Status != 200 {
		t.Fatalf("resolve with the required step done: %d %s", r.Status, r.Body)
	}
}

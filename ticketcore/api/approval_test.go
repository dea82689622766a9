package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/ticketcore/auth"
	"github.com/deskmine/deskmine/ticketcore/events"
)

// TestApprovalOverHTTP: a held change answers 202 with the approval; only a
// named approver decides; approval applies the change.
func TestApprovalOverHTTP(t *testing.T) {
	e := newEnv(t, testdb.Backends()[0])
	e.svc.SetApprovals(e.store)
	policy := map[string]any{"name": "refund", "field": "category", "values": []string{"refund"}, "approver_roles": []string{"manager"}}
	if r := e.do(auth.RoleAgent, "POST", "/api/v1/approval-policies", policy); r.Status != http.StatusForbidden {
		t.Fatalf("agent creates a policy: %d", r.Status)
	}
	if r := e.do(auth.RoleManager, "POST", "/api/v1/approval-policies", map[string]any{"name": "x", "field": ""}); r.Status != 422 {
		t.Fatalf("bad policy: %d %s", r.Status, r.Body)
	}
	if r := e.do(auth.RoleManager, "POST", "/api/v1/approval-policies", policy); r.Status != http.StatusCreated {
		t.Fatalf("create policy: %d %s", r.Status, r.Body)
	}
	tk := e.createTicket(auth.RoleAgent)
	r := e.do(auth.RoleAgent, "PATCH", fmt.Sprintf("/api/v1/tickets/%d", tk.ID), map[string]any{"category": "refund"},
		"If-Match", fmt.Sprintf(`"%d"`, tk.Version))
	if r.Status != http.StatusAccepted {
		t.Fatalf("held patch: %d %s", r.Status, r.Body)
	}
	var held struct {
		Approval events.Approval `json:"approval"`
		Ticket   events.Ticket   `json:"ticket"`
	}
	r.json(t, &held)
	if held.Ticket.Category == "refund" || held.Approval.Status != "pending" {
		t.Fatalf("held: %+v", held)
	}
	decide := fmt.Sprintf("/api/v1/tickets/%d/approvals/%s", tk.ID, held.Approval.ID)
	if r := e.do(auth.RoleReviewer, "POST", decide, map[string]any{"approve": true}); r.Status != http.StatusForbidden {
		t.Fatalf("reviewer approves: %d %s", r.Status, r.Body)
	}
	if r := e.do(auth.RoleManager, "POST", decide, map[string]any{"approve": false}); r.Status != 422 {
		t.Fatalf("reject without a comment: %d %s", r.Status, r.Body)
	}
	r = e.do(auth.RoleManager, "POST", decide, map[string]any{"approve": true, "comment": "ok"})
	var done events.Ticket
	r.json(t, &done)
	if r.Status != 200 || done.Category != "refund" || done.Approvals[0].Status != "approved" {
		t.Fatalf("approve: %d %s", r.Status, r.Body)
	}
	if r := e.do(auth.RoleManager, "POST", decide, map[string]any{"approve": true}); r.Status != http.StatusConflict {
		t.Fatalf("decide again: %d", r.Status)
	}
}

package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/auth"
)

// TestInternalNotesNeverReachClients: a client integration reads, through
// every GET route it may call, a ticket that carries an internal note;
// neither the note nor the agent's name appears in any answer, while the
// public reply does where replies are shown.
func TestInternalNotesNeverReachClients(t *testing.T) {
	e := newEnv(t, testdb.Backends()[0])
	ctx := context.Background()
	tk := e.createTicket(auth.RoleClient)
	const note = "INTERNAL-7f3a: customer is on the fraud watch list"
	agent := ticketcore.Actor{UserID: e.users[auth.RoleAgent].ID, Name: "u-agent", Role: "agent"}
	if _, err := e.svc.Comment(ctx, agent, tk.ID, note, false); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Comment(ctx, agent, tk.ID, "We are looking into it.", true); err != nil {
		t.Fatal(err)
	}
	// A client cannot write internal notes either.
	if r := e.do(auth.RoleClient, "POST", fmt.Sprintf("/api/v1/tickets/%d/comments", tk.ID),
		map[string]any{"body": "x", "public": false}); r.Status != http.StatusForbidden {
		t.Fatalf("client writes an internal note: %d", r.Status)
	}
	checked := 0
	for _, r := range e.api.Routes() {
		if r.Method != http.MethodGet || (!r.Public && !containsRole(r.Roles, auth.RoleClient)) {
			continue
		}
		path := strings.NewReplacer(":id", fmt.Sprint(tk.ID), ":name", "x", ":login", "x", ":token_id", "1").Replace(r.Path)
		res := e.do(auth.RoleClient, http.MethodGet, path, nil)
		if strings.Contains(string(res.Body), "INTERNAL-7f3a") || strings.Contains(string(res.Body), "fraud watch") {
			t.Errorf("GET %s shows a client the internal note: %s", path, res.Body)
		}
		checked++
	}
	if checked < 3 {
		t.Fatalf("only %d client routes checked; the walk is broken", checked)
	}
	// Clients see the public reply; staff see both.
	comments := fmt.Sprintf("/api/v1/tickets/%d/comments", tk.ID)
	if r := e.do(auth.RoleClient, "GET", comments, nil); r.Status != 200 || !strings.Contains(string(r.Body), "We are looking into it.") {
		t.Fatalf("the client does not see the public reply: %d %s", r.Status, r.Body)
	}
	if r := e.do(auth.RoleReviewer, "GET", comments, nil); !strings.Contains(string(r.Body), "INTERNAL-7f3a") || !strings.Contains(string(r.Body), `"public":false`) {
		t.Fatalf("staff do not see the note: %s", r.Body)
	}
	// Another client's ticket is not theirs to read at all.
	other := e.createTicket(auth.RoleAdmin)
	if r := e.do(auth.RoleClient, "GET", fmt.Sprintf("/api/v1/tickets/%d/comments", other.ID), nil); r.Status != http.StatusNotFound {
		t.Fatalf("a client reads another ticket's comments: %d", r.Status)
	}
}

func containsRole(rs []auth.Role, r auth.Role) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

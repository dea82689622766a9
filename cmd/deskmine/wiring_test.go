package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/notify"
	"github.com/deskmine/deskmine/ticketcore/slaclock"
	"github.com/deskmine/deskmine/ticketcore/store"
)

// wiringPolicy answers P2 tickets in 2s, warning at 1s: the team lead (and
// always the assignee) hears of the warning, the managers of the breach.
const wiringPolicy = `{"warn_at": 0.5, "targets": [{"priority": "P2", "first_response": 2000000000, "resolution": 600000000000}],
  "escalation": [{"on": "warning", "action": "notify", "role": "lead"}, {"on": "breach", "action": "notify", "role": "manager"}]}`

// TestServeWiresDeskSLAAndNotifications: a ticket routed by a rule to
// "auto" notifies its assignee, the SLA notices reach the assignee and the
// manager, and an @mention in a comment notifies the user mentioned.
func TestServeWiresDeskSLAAndNotifications(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for SLA deadlines of seconds")
	}
	ctx := context.Background()
	data := t.TempDir()
	code, out, stderr := runCmd(t, "token", "create", "--data", data, "--role", "admin", "--name", "Ops")
	if code != 0 {
		t.Fatalf("token create: %d %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	adminToken := lines[len(lines)-1]
	st, err := store.Open(ctx, filepath.Join(data, "deskmine.db"))
	if err != nil {
		t.Fatal(err)
	}
	body, err := slaclock.ValidatePolicy(ctx, st, "default", json.RawMessage(wiringPolicy))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutSetting(ctx, &ticketcore.Setting{Kind: slaclock.KindPolicy, Name: "default", Body: body, UpdatedAt: time.Now(), UpdatedBy: "test"}, 0); err != nil {
		t.Fatal(err)
	}
	st.Close()
	addr, stop := serve(t, data)
	defer stop()

	call := func(token, method, path, body string, hdr ...string) string {
		t.Helper()
		req, _ := http.NewRequest(method, "http://"+addr+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode/100 != 2 {
			t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, b)
		}
		return string(b)
	}
	tokens := map[string]string{}
	for _, u := range [][2]string{{"ann", "agent"}, {"bo", "agent"}, {"mia", "manager"}} {
		var user struct{ ID int64 }
		json.Unmarshal([]byte(call(adminToken, "POST", "/api/v1/users", fmt.Sprintf(`{"login": %q, "name": %q, "role": %q, "password": "pw-%s-123456"}`, u[0], u[0], u[1], u[0]))), &user)
		var tok struct{ Token string }
		json.Unmarshal([]byte(call(adminToken, "POST", fmt.Sprintf("/api/v1/users/%d/tokens", user.ID), `{"name": "test"}`)), &tok)
		tokens[u[0]] = tok.Token
	}
	call(adminToken, "POST", "/api/v1/teams", `{"name": "support"}`)
	call(adminToken, "POST", "/api/v1/agents", `{"login": "ann", "teams": ["support"], "capacity": 5, "status": "online"}`)
	call(adminToken, "POST", "/api/v1/agents", `{"login": "bo", "teams": ["support"], "capacity": 5, "status": "away"}`)
	call(adminToken, "POST", "/api/v1/agents", `{"login": "mia", "teams": ["support"], "capacity": 5, "status": "away", "level": 2}`)
	call(adminToken, "PUT", "/api/v1/routing/rules", `{"rules": [{"id": "all", "actions": [{"type": "set_team", "team": "support"}, {"type": "assign", "agent": "auto"}]}]}`,
		"If-Match", `"0"`)

	var tk ticketcore.Ticket
	json.Unmarshal([]byte(call(adminToken, "POST", "/api/v1/tickets", `{"subject": "Printer on fire", "priority": "P2", "customer": {"email": "c@example.com"}}`)), &tk)
	if tk.Assignee != "ann" || tk.Team != "support" {
		t.Fatalf("ticket routed to %q in %q", tk.Assignee, tk.Team)
	}
	notes := func(login string) []notify.Notification {
		var page notify.Page
		json.Unmarshal([]byte(call(tokens[login], "GET", "/api/v1/notifications?limit=100", "")), &page)
		return page.Notifications
	}
	waitFor := func(login string, kind notify.Kind) notify.Notification {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			for _, n := range notes(login) {
				if n.Kind == kind && n.TicketID == tk.ID {
					return n
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s got no %s notification: %+v", login, kind, notes(login))
			}
		}
	}
	if n := waitFor("ann", notify.KindAssignment); !strings.Contains(n.Title, fmt.Sprintf("#%d", tk.ID)) || !strings.Contains(n.Title, "Printer on fire") {
		t.Errorf("assignment title %q", n.Title)
	}
	if n := waitFor("ann", notify.KindSLAWarning); !strings.Contains(n.Title, "Printer on fire") {
		t.Errorf("warning title %q", n.Title)
	}
	waitFor("mia", notify.KindSLAWarning) // the only manager in the team: its lead
	if n := waitFor("mia", notify.KindSLABreach); !strings.Contains(n.Title, "SLA breached") {
		t.Errorf("breach title %q", n.Title)
	}
	for _, n := range notes("bo") {
		if n.TicketID == tk.ID {
			t.Errorf("bo was told %+v", n)
		}
	}

	call(tokens["ann"], "POST", fmt.Sprintf("/api/v1/tickets/%d/comments", tk.ID), `{"body": "@bo please look, and @nobody too; @ann.", "public": false}`)
	if n := waitFor("bo", notify.KindMention); !strings.Contains(n.Title, "ann mentioned you") || !strings.Contains(n.Title, "Printer on fire") {
		t.Errorf("mention title %q", n.Title)
	}
	for _, n := range notes("ann") {
		if n.Kind == notify.KindMention {
			t.Errorf("the author was told of her own mention: %+v", n)
		}
	}
	// A team's name mentions its agents, the author excepted.
	call(tokens["bo"], "POST", fmt.Sprintf("/api/v1/tickets/%d/comments", tk.ID), `{"body": "@support 需要大家看一下", "public": false}`)
	if n := waitFor("mia", notify.KindMention); !strings.Contains(n.Title, "bo mentioned you") {
		t.Errorf("team mention title %q", n.Title)
	}
	waitFor("ann", notify.KindMention)
	for _, n := range notes("bo") {
		if n.Kind == notify.KindMention && strings.Contains(n.Title, "bo mentioned") {
			t.Errorf("bo was told of his own team mention: %+v", n)
		}
	}
}

func TestMentions(t *testing.T) {
	got := mentions("@ann please look; cc @li.na, mail x@bo.com, again @ann. (@cy-1)")
	want := []string{"ann", "li.na", "cy-1"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("mentions %q, want %q", got, want)
	}
}

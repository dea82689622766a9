package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/auth"
	"github.com/deskmine/deskmine/ticketcore/events"
)

// wantError checks a response's status, error code and refused field.
func wantError(t *testing.T, r resp, status int, code, field, reason string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("want %d, got %d %s", status, r.Status, r.Body)
	}
	gotCode, fields := r.apiErr(t)
	if gotCode != code {
		t.Fatalf("want code %s, got %s (%s)", code, gotCode, r.Body)
	}
	if field != "" && !strings.Contains(fields[field], reason) {
		t.Fatalf("want %s refused with %q, got %v", field, reason, fields)
	}
}

// lastEvent returns the newest event of the log.
func (e *env) lastEvent() events.Event {
	e.t.Helper()
	var last events.Event
	var after int64
	for {
		evs, err := e.svc.Events(context.Background(), after, 1000)
		if err != nil {
			e.t.Fatal(err)
		}
		if len(evs) == 0 {
			return last
		}
		last = evs[len(evs)-1]
		after = last.Seq
	}
}

func TestLinksAPI(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b)
			parent := e.createTicket(auth.RoleAgent)
			child := e.createTicket(auth.RoleAgent)
			path := fmt.Sprintf("/api/v1/tickets/%d/links", child.ID)

			r := e.do(auth.RoleAgent, "POST", path, map[string]any{"type": "duplicate_of", "ticket_id": parent.ID}, "If-Match", `"1"`)
			if r.Status != http.StatusCreated || r.Header.Get("ETag") != `"2"` {
				t.Fatalf("link: %d %s etag %s", r.Status, r.Body, r.Header.Get("ETag"))
			}
			var tk ticketcore.Ticket
			r.json(t, &tk)
			if len(tk.Links) != 1 || tk.Links[0] != (events.Link{Type: "duplicate_of", TicketID: parent.ID}) {
				t.Fatalf("linked ticket %+v", tk.Links)
			}
			ev := e.lastEvent()
			if ev.Type != events.TicketUpdated || ev.TicketID != child.ID || ev.Actor.Name != "u-agent" || ev.Actor.Role != "agent" ||
				len(ev.Changes) != 1 || ev.Changes[0].Field != "links" || string(ev.Changes[0].Old) != "null" ||
				string(ev.Changes[0].New) != fmt.Sprintf(`[{"type":"duplicate_of","ticket_id":%d}]`, parent.ID) {
				t.Fatalf("event %+v", ev)
			}

			// Stale version, bad input, unknown tickets.
			wantError(t, e.do(auth.RoleAgent, "POST", path, map[string]any{"type": "related_to", "ticket_id": parent.ID}, "If-Match", `"1"`),
				409, "version_conflict", "", "")
			wantError(t, e.do(auth.RoleAgent, "POST", path, `{"type": "related_to", "ticket_id": }`), 400, "bad_request", "body", "not valid JSON")
			wantError(t, e.do(auth.RoleAgent, "POST", path, `{"type": "related_to", "ticket_id": "x"}`), 400, "bad_request", "ticket_id", "number")
			wantError(t, e.do(auth.RoleAgent, "POST", path, map[string]any{"type": "blocks", "ticket_id": parent.ID}), 422, "invalid", "type", "not a link type")
			wantError(t, e.do(auth.RoleAgent, "POST", path, map[string]any{"type": "related_to"}), 422, "invalid", "ticket_id", "positive")
			wantError(t, e.do(auth.RoleAgent, "POST", path, map[string]any{"type": "related_to", "ticket_id": 999999}), 422, "invalid", "ticket_id", "does not exist")
			wantError(t, e.do(auth.RoleAgent, "POST", path, map[string]any{"type": "caused_by", "ticket_id": parent.ID}), 422, "invalid", "type", "already has a parent")
			wantError(t, e.do(auth.RoleAgent, "POST", fmt.Sprintf("/api/v1/tickets/%d/links", parent.ID),
				map[string]any{"type": "follow_up_of", "ticket_id": child.ID}), 422, "invalid", "ticket_id", "cycle")
			wantError(t, e.do(auth.RoleAgent, "POST", "/api/v1/tickets/999999/links", map[string]any{"type": "related_to", "ticket_id": parent.ID}),
				404, "not_found", "", "")
			wantError(t, e.do(auth.RoleReviewer, "POST", path, map[string]any{"type": "related_to", "ticket_id": parent.ID}), 403, "forbidden", "", "")
			wantError(t, e.do(auth.RoleClient, "POST", path, map[string]any{"type": "related_to", "ticket_id": parent.ID}), 403, "forbidden", "", "")

			// Managers edit tickets here, so they link too.
			if r := e.do(auth.RoleManager, "POST", path, map[string]any{"type": "related_to", "ticket_id": parent.ID}); r.Status != 201 {
				t.Fatalf("manager link: %d %s", r.Status, r.Body)
			}

			// Unlink.
			del := fmt.Sprintf("%s?type=duplicate_of&ticket_id=%d", path, parent.ID)
			wantError(t, e.do(auth.RoleAgent, "DELETE", del, nil, "If-Match", `"2"`), 409, "version_conflict", "", "")
			wantError(t, e.do(auth.RoleClient, "DELETE", del, nil), 403, "forbidden", "", "")
			r = e.do(auth.RoleAgent, "DELETE", del, nil, "If-Match", `"3"`)
			if r.Status != 200 || r.Header.Get("ETag") != `"4"` {
				t.Fatalf("unlink: %d %s", r.Status, r.Body)
			}
			r.json(t, &tk)
			if len(tk.Links) != 1 || tk.Links[0].Type != "related_to" {
				t.Fatalf("after unlink %+v", tk.Links)
			}
			ev = e.lastEvent()
			if ch, ok := ev.ChangeOf("links"); !ok || !strings.Contains(string(ch.Old), "duplicate_of") || strings.Contains(string(ch.New), "duplicate_of") {
				t.Fatalf("unlink event %+v", ev.Changes)
			}
			wantError(t, e.do(auth.RoleAgent, "DELETE", del, nil), 404, "not_found", "", "")
			wantError(t, e.do(auth.RoleAgent, "DELETE", path+"?type=related_to&ticket_id=abc", nil), 400, "bad_request", "ticket_id", "positive integer")
			wantError(t, e.do(auth.RoleAgent, "DELETE", path+"?type=related_to", nil), 422, "invalid", "ticket_id", "positive")
			wantError(t, e.do(auth.RoleAgent, "DELETE", fmt.Sprintf("%s?ticket_id=%d", path, parent.ID), nil), 422, "invalid", "type", "is required")
			wantError(t, e.do(auth.RoleAgent, "DELETE", fmt.Sprintf("/api/v1/tickets/999999/links?type=related_to&ticket_id=%d", parent.ID), nil),
				404, "not_found", "", "")
		})
	}
}

func TestCreateWithLinksAPI(t *testing.T) {
	e := newEnv(t, testdb.Backends()[0])
	theirs := e.createTicket(auth.RoleAgent)
	mine := e.createTicket(auth.RoleClient)

	body := ticketBody()
	body["links"] = []map[string]any{{"type": "follow_up_of", "ticket_id": theirs.ID}}
	r := e.do(auth.RoleAgent, "POST", "/api/v1/tickets", body)
	if r.Status != 201 {
		t.Fatalf("agent creates a follow-up: %d %s", r.Status, r.Body)
	}
	var tk ticketcore.Ticket
	r.json(t, &tk)
	if len(tk.Links) != 1 || tk.Links[0].TicketID != theirs.ID {
		t.Fatalf("created %+v", tk.Links)
	}

	body["links"] = []map[string]any{{"type": "related_to", "ticket_id": theirs.ID}, {"type": "duplicate_of", "ticket_id": 999999}}
	wantError(t, e.do(auth.RoleAgent, "POST", "/api/v1/tickets", body), 422, "invalid", "links[1].ticket_id", "ticket 999999 does not exist")
	body["links"] = []map[string]any{{"type": "duplicate_of", "ticket_id": theirs.ID}, {"type": "caused_by", "ticket_id": mine.ID}}
	wantError(t, e.do(auth.RoleAgent, "POST", "/api/v1/tickets", body), 422, "invalid", "links[1].type", "at most one")
	body["links"] = []map[string]any{{"type": "related_to", "ticket_id": "x"}}
	wantError(t, e.do(auth.RoleAgent, "POST", "/api/v1/tickets", body), 400, "bad_request", "links.ticket_id", "number")

	// A client links its own tickets; another's ticket gets the very answer
	// an unknown one gets, so ids cannot be probed.
	body["links"] = []map[string]any{{"type": "follow_up_of", "ticket_id": mine.ID}}
	if r := e.do(auth.RoleClient, "POST", "/api/v1/tickets", body); r.Status != 201 {
		t.Fatalf("client follow-up of its own ticket: %d %s", r.Status, r.Body)
	}
	body["links"] = []map[string]any{{"type": "follow_up_of", "ticket_id": theirs.ID}}
	other := e.do(auth.RoleClient, "POST", "/api/v1/tickets", body)
	body["links"] = []map[string]any{{"type": "follow_up_of", "ticket_id": 999999}}
	unknown := e.do(auth.RoleClient, "POST", "/api/v1/tickets", body)
	if other.Status != 422 || unknown.Status != 422 {
		t.Fatalf("client links to others' or unknown tickets: %d %d", other.Status, unknown.Status)
	}
	_, of := other.apiErr(t)
	_, uf := unknown.apiErr(t)
	if !strings.Contains(of["links[0].ticket_id"], fmt.Sprintf("ticket %d does not exist", theirs.ID)) || strings.Replace(uf["links[0].ticket_id"], "999999", fmt.Sprint(theirs.ID), 1) != of["links[0].ticket_id"] {
		t.Fatalf("another's ticket %v and an unknown one %v are told apart", of, uf)
	}
}

func TestCSATAPI(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b)
			tk := e.createTicket(auth.RoleAgent)
			path := fmt.Sprintf("/api/v1/tickets/%d", tk.ID)

			wantError(t, e.do(auth.RoleAgent, "PUT", path+"/csat", map[string]any{"score": 5}), 422, "invalid", "status", "resolved or closed")
			if r := e.do(auth.RoleAgent, "POST", path+"/transitions", map[string]any{"to": "resolved"}); r.Status != 200 {
				t.Fatalf("resolve: %d %s", r.Status, r.Body)
			}
			r := e.do(auth.RoleAgent, "PUT", path+"/csat", map[string]any{"score": 4, "comment": "Took two calls"}, "If-Match", `"2"`)
			if r.Status != 200 || r.Header.Get("ETag") != `"3"` {
				t.Fatalf("rate: %d %s", r.Status, r.Body)
			}
			var got ticketcore.Ticket
			r.json(t, &got)
			if got.CSAT == nil || got.CSAT.Score != 4 || got.CSAT.Comment != "Took two calls" || got.CSAT.At.IsZero() {
				t.Fatalf("rated %+v", got.CSAT)
			}
			ev := e.lastEvent()
			ch, ok := ev.ChangeOf("csat")
			var newCSAT events.CSAT
			if !ok || ev.Type != events.TicketUpdated || len(ev.Changes) != 1 || string(ch.Old) != "null" || json.Unmarshal(ch.New, &newCSAT) != nil ||
				newCSAT.Score != 4 || ev.Actor.Role != "agent" {
				t.Fatalf("rating event %+v", ev)
			}

			wantError(t, e.do(auth.RoleAgent, "PUT", path+"/csat", map[string]any{"score": 3}, "If-Match", `"2"`), 409, "version_conflict", "", "")
			wantError(t, e.do(auth.RoleAgent, "PUT", path+"/csat", `{"score": 3`), 400, "bad_request", "body", "")
			wantError(t, e.do(auth.RoleAgent, "PUT", path+"/csat", map[string]any{"score": 3.5}), 400, "bad_request", "score", "number")
			wantError(t, e.do(auth.RoleAgent, "PUT", path+"/csat", map[string]any{"score": 3, "at": "2026-13-01"}), 400, "bad_request", "at", "RFC 3339")
			wantError(t, e.do(auth.RoleAgent, "PUT", path+"/csat", map[string]any{"score": 0}), 422, "invalid", "score", "1 to 5")
			wantError(t, e.do(auth.RoleAgent, "PUT", path+"/csat", map[string]any{"score": 3, "comment": strings.Repeat("x", 2001)}), 422, "invalid", "comment", "2000")
			wantError(t, e.do(auth.RoleAgent, "PUT", path+"/csat", map[string]any{"score": 3, "at": "2999-01-01T00:00:00Z"}), 422, "invalid", "at", "future")
			wantError(t, e.do(auth.RoleAgent, "PUT", "/api/v1/tickets/999999/csat", map[string]any{"score": 3}), 404, "not_found", "", "")
			wantError(t, e.do(auth.RoleReviewer, "PUT", path+"/csat", map[string]any{"score": 3}), 403, "forbidden", "", "")

			// A client rates its own tickets only; another's is 404, like reading it.
			wantError(t, e.do(auth.RoleClient, "PUT", path+"/csat", map[string]any{"score": 1}), 404, "not_found", "", "")
			mine := e.createTicket(auth.RoleClient)
			minePath := fmt.Sprintf("/api/v1/tickets/%d", mine.ID)
			wantError(t, e.do(auth.RoleClient, "PUT", minePath+"/csat", map[string]any{"score": 1}), 422, "invalid", "status", "resolved or closed")
			if r := e.do(auth.RoleAgent, "POST", minePath+"/transitions", map[string]any{"to": "closed"}); r.Status != 200 {
				t.Fatal(r.Status)
			}
			if r := e.do(auth.RoleClient, "PUT", minePath+"/csat", map[string]any{"score": 2, "comment": "太慢了"}); r.Status != 200 {
				t.Fatalf("client rates its own closed ticket: %d %s", r.Status, r.Body)
			}
			if ev := e.lastEvent(); ev.Actor.Role != "client" || ev.TicketID != mine.ID {
				t.Fatalf("client rating event %+v", ev.Actor)
			}
			if r := e.do(auth.RoleManager, "PUT", path+"/csat", map[string]any{"score": 5}); r.Status != 200 {
				t.Fatalf("manager records a rating: %d %s", r.Status, r.Body)
			}
			if after := e.do(auth.RoleAgent, "GET", path, nil); !strings.Contains(string(after.Body), `"csat":{"score":5,`) {
				t.Fatalf("a later rating did not replace the earlier one: %s", after.Body)
			}
		})
	}
}

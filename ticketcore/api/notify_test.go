package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/ticketcore/auth"
	"github.com/deskmine/deskmine/ticketcore/notify"
)

// notifyUsers sends one message through the real Notifier and returns it.
func (e *env) notifyUsers(kind notify.Kind, ticketID int64, title string, roles ...auth.Role) notify.Message {
	e.t.Helper()
	m := notify.Message{Kind: kind, TicketID: ticketID, Title: title}
	for _, r := range roles {
		m.UserIDs = append(m.UserIDs, e.users[r].ID)
	}
	sent, err := e.notes.Notify(context.Background(), m)
	if err != nil {
		e.t.Fatalf("notify: %v", err)
	}
	return sent
}

func (e *env) notifications(role auth.Role, query string) notify.Page {
	e.t.Helper()
	r := e.do(role, http.MethodGet, "/api/v1/notifications"+query, nil)
	if r.Status != http.StatusOK {
		e.t.Fatalf("list notifications as %s%s: %d %s", role, query, r.Status, r.Body)
	}
	var p notify.Page
	r.json(e.t, &p)
	return p
}

func titles(p notify.Page) []string {
	var out []string
	for _, n := range p.Notifications {
		out = append(out, n.Title)
	}
	return out
}

func TestNotificationsListReadAndReadAll(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b)
			tk := e.createTicket(auth.RoleAgent)
			e.notifyUsers(notify.KindAssignment, tk.ID, "assigned to you", auth.RoleAgent, auth.RoleManager)
			e.notifyUsers(notify.KindMention, tk.ID, "mentioned you", auth.RoleAgent)
			e.notifyUsers(notify.KindSLAWarning, tk.ID, "first reply due soon", auth.RoleAgent)

			// each user sees their own, newest first, with their unread count
			p := e.notifications(auth.RoleAgent, "")
			if got := titles(p); !slices.Equal(got, []string{"first reply due soon", "mentioned you", "assigned to you"}) || p.Unread != 3 || p.NextCursor != "" {
				t.Fatalf("agent's notifications: %v unread %d cursor %q", got, p.Unread, p.NextCursor)
			}
			for _, n := range p.Notifications {
				if n.UserID != e.users[auth.RoleAgent].ID || n.TicketID != tk.ID || n.ReadAt != nil {
					t.Fatalf("agent sees %+v", n)
				}
			}
			mp := e.notifications(auth.RoleManager, "")
			if got := titles(mp); !slices.Equal(got, []string{"assigned to you"}) || mp.Unread != 1 {
				t.Fatalf("manager's notifications: %v unread %d", got, mp.Unread)
			}
			if r := e.do(auth.RoleReviewer, http.MethodGet, "/api/v1/notifications", nil); r.Status != 200 ||
				!bytes.Contains(r.Body, []byte(`"notifications":[]`)) || !bytes.Contains(r.Body, []byte(`"unread":0`)) {
				t.Fatalf("reviewer without notifications: %d %s", r.Status, r.Body)
			}
			if r := e.do(auth.RoleClient, http.MethodGet, "/api/v1/notifications", nil); r.Status != http.StatusForbidden {
				t.Fatalf("client: want 403, got %d", r.Status)
			}

			// paging: the cursor walks the list without repeats
			first := e.notifications(auth.RoleAgent, "?limit=2")
			if len(first.Notifications) != 2 || first.NextCursor == "" || first.Unread != 3 {
				t.Fatalf("first page: %+v", first)
			}
			second := e.notifications(auth.RoleAgent, "?limit=2&cursor="+first.NextCursor)
			if got := titles(second); !slices.Equal(got, []string{"assigned to you"}) || second.NextCursor != "" {
				t.Fatalf("second page: %v cursor %q", got, second.NextCursor)
			}

			// another user's notification is not found, and stays unread
			mine, theirs := p.Notifications[1], mp.Notifications[0]
			if r := e.do(auth.RoleAgent, http.MethodPost, fmt.Sprintf("/api/v1/notifications/%d/read", theirs.ID), nil); r.Status != http.StatusNotFound {
				t.Fatalf("marking another user's notification: want 404, got %d %s", r.Status, r.Body)
			}
			if e.notifications(auth.RoleManager, "").Unread != 1 {
				t.Fatal("another user's notification was marked read")
			}
			path := fmt.Sprintf("/api/v1/notifications/%d/read", mine.ID)
			if r := e.do(auth.RoleAgent, http.MethodPost, path, nil); r.Status != http.StatusNoContent || len(r.Body) != 0 {
				t.Fatalf("mark read: %d %s", r.Status, r.Body)
			}
			after := e.notifications(auth.RoleAgent, "")
			readAt := after.Notifications[1].ReadAt
			if after.Unread != 2 || readAt == nil || after.Notifications[0].ReadAt != nil {
				t.Fatalf("after mark read: %+v", after)
			}
			if r := e.do(auth.RoleAgent, http.MethodPost, path, nil); r.Status != http.StatusNoContent {
				t.Fatalf("marking a read notification again: %d", r.Status)
			}
			if again := e.notifications(auth.RoleAgent, ""); !again.Notifications[1].ReadAt.Equal(*readAt) {
				t.Fatalf("read_at moved from %v to %v", readAt, again.Notifications[1].ReadAt)
			}
			if got := titles(e.notifications(auth.RoleAgent, "?unread=true")); !slices.Equal(got, []string{"first reply due soon", "assigned to you"}) {
				t.Fatalf("unread only: %v", got)
			}

			// read-all up to an id leaves newer ones unread
			e.notifyUsers(notify.KindEscalation, tk.ID, "escalated", auth.RoleAgent)
			upTo := p.Notifications[0].ID // the newest the client had shown
			r := e.do(auth.RoleAgent, http.MethodPost, "/api/v1/notifications/read-all", map[string]any{"up_to_id": upTo})
			var marked struct {
				Marked int64 `json:"marked"`
			}
			r.json(t, &marked)
			if r.Status != 200 || marked.Marked != 2 {
				t.Fatalf("read-all up to %d: %d %s", upTo, r.Status, r.Body)
			}
			if got := titles(e.notifications(auth.RoleAgent, "?unread=true")); !slices.Equal(got, []string{"escalated"}) {
				t.Fatalf("unread after read-all up to %d: %v", upTo, got)
			}
			r = e.do(auth.RoleAgent, http.MethodPost, "/api/v1/notifications/read-all", map[string]any{})
			r.json(t, &marked)
			if r.Status != 200 || marked.Marked != 1 {
				t.Fatalf("read-all: %d %s", r.Status, r.Body)
			}
			if p := e.notifications(auth.RoleAgent, ""); p.Unread != 0 || len(p.Notifications) != 4 {
				t.Fatalf("after read-all: %+v", p)
			}
			if e.notifications(auth.RoleManager, "").Unread != 1 {
				t.Fatal("read-all marked another user's notifications")
			}

			// refused requests
			for _, c := range []struct {
				method, path string
				body         any
				status       int
				field        string
			}{
				{"GET", "/api/v1/notifications?unread=maybe", nil, 400, "unread"},
				{"GET", "/api/v1/notifications?limit=ten", nil, 400, "limit"},
				{"GET", "/api/v1/notifications?limit=0", nil, 422, "limit"},
				{"GET", "/api/v1/notifications?limit=201", nil, 422, "limit"},
				{"GET", "/api/v1/notifications?cursor=garbage", nil, 422, "cursor"},
				{"POST", "/api/v1/notifications/abc/read", nil, 400, "id"},
				{"POST", "/api/v1/notifications/read-all", map[string]any{"up_to_id": -1}, 422, "up_to_id"},
				{"POST", "/api/v1/notifications/read-all", map[string]any{"up_to": 3}, 400, "up_to"},
				{"POST", "/api/v1/notifications/read-all", map[string]any{"up_to_id": "3"}, 400, "up_to_id"},
			} {
				r := e.do(auth.RoleAgent, c.method, c.path, c.body)
				if r.Status != c.status {
					t.Errorf("%s %s: want %d, got %d %s", c.method, c.path, c.status, r.Status, r.Body)
					continue
				}
				if _, fields := r.apiErr(t); fields[c.field] == "" {
					t.Errorf("%s %s: no reason for %s: %v", c.method, c.path, c.field, fields)
				}
			}
		})
	}
}

type endpointCreated struct {
	Endpoint notify.Endpoint `json:"endpoint"`
	Secret   string          `json:"secret"`
}

func (e *env) createWebhook(body map[string]any) endpointCreated {
	e.t.Helper()
	r := e.do(auth.RoleAdmin, http.MethodPost, "/api/v1/webhooks", body)
	if r.Status != http.StatusCreated {
		e.t.Fatalf("create webhook %v: %d %s", body, r.Status, r.Body)
	}
	var out endpointCreated
	r.json(e.t, &out)
	return out
}

func (e *env) storedEndpoint(id int64) notify.Endpoint {
	e.t.Helper()
	ep, err := e.store.Endpoint(context.Background(), id)
	if err != nil {
		e.t.Fatalf("endpoint %d: %v", id, err)
	}
	return ep
}

func TestWebhookEndpointsCRUDAndRotation(t *testing.T) {
	e := newEnv(t, testdb.Backends()[0])
	created := e.createWebhook(map[string]any{"url": "https://hooks.example.com/deskmine?token=abc", "kinds": []string{"assignment", "sla_breach", "assignment"}})
	ep := created.Endpoint
	if ep.ID == 0 || ep.URL != "https://hooks.example.com/deskmine?token=abc" || !ep.Active ||
		!slices.Equal(ep.Kinds, []notify.Kind{notify.KindAssignment, notify.KindSLABreach}) {
		t.Fatalf("created %+v", ep)
	}
	if !strings.HasPrefix(created.Secret, "whsec_") || len(created.Secret) < notify.MinSecretLen {
		t.Fatalf("secret %q", created.Secret)
	}
	if st := e.storedEndpoint(ep.ID); st.Secret != created.Secret || st.PreviousSecret != "" {
		t.Fatalf("stored secret %q, shown %q", st.Secret, created.Secret)
	}
	all := e.createWebhook(map[string]any{"url": "http://10.0.0.7:8080/in", "active": false})
	if all.Endpoint.Active || all.Endpoint.Kinds == nil || len(all.Endpoint.Kinds) != 0 || all.Secret == created.Secret {
		t.Fatalf("second endpoint: %+v", all)
	}

	// listing never shows a secret
	r := e.do(auth.RoleAdmin, http.MethodGet, "/api/v1/webhooks", nil)
	var list struct {
		Endpoints []notify.Endpoint `json:"endpoints"`
	}
	r.json(t, &list)
	if r.Status != 200 || len(list.Endpoints) != 2 || list.Endpoints[0].ID != ep.ID || !bytes.Contains(r.Body, []byte(`"kinds":[]`)) {
		t.Fatalf("list: %d %s", r.Status, r.Body)
	}
	if bytes.Contains(r.Body, []byte("secret")) || bytes.Contains(r.Body, []byte("whsec_")) {
		t.Fatalf("the list shows a secret: %s", r.Body)
	}

	// update changes url, kinds and active, never the secret
	path := fmt.Sprintf("/api/v1/webhooks/%d", ep.ID)
	r = e.do(auth.RoleAdmin, http.MethodPut, path, map[string]any{"url": "https://hooks.example.com/v2", "kinds": []string{"mention"}, "active": false})
	var updated notify.Endpoint
	r.json(t, &updated)
	if r.Status != 200 || updated.URL != "https://hooks.example.com/v2" || updated.Active || !slices.Equal(updated.Kinds, []notify.Kind{notify.KindMention}) ||
		bytes.Contains(r.Body, []byte("whsec_")) {
		t.Fatalf("update: %d %s", r.Status, r.Body)
	}
	if st := e.storedEndpoint(ep.ID); st.Secret != created.Secret || st.URL != updated.URL || st.Active {
		t.Fatalf("stored after update: %+v", st)
	}
	r = e.do(auth.RoleAdmin, http.MethodPut, path, map[string]any{"url": "https://hooks.example.com/v2"})
	r.json(t, &updated)
	if r.Status != 200 || !updated.Active || len(updated.Kinds) != 0 {
		t.Fatalf("update with defaults: %d %s", r.Status, r.Body)
	}

	// rotation shows the new secret once and keeps the old one as previous
	r = e.do(auth.RoleAdmin, http.MethodPost, path+"/rotate-secret", nil)
	var rotated endpointCreated
	r.json(t, &rotated)
	if r.Status != 200 || rotated.Endpoint.ID != ep.ID || !strings.HasPrefix(rotated.Secret, "whsec_") || rotated.Secret == created.Secret {
		t.Fatalf("rotate: %d %s", r.Status, r.Body)
	}
	if st := e.storedEndpoint(ep.ID); st.Secret != rotated.Secret || st.PreviousSecret != created.Secret || st.URL != updated.URL {
		t.Fatalf("stored after rotation: secret %q previous %q", st.Secret, st.PreviousSecret)
	}
	r = e.do(auth.RoleAdmin, http.MethodPut, path, map[string]any{"url": "https://hooks.example.com/v3", "kinds": []string{}})
	if st := e.storedEndpoint(ep.ID); r.Status != 200 || st.Secret != rotated.Secret || st.PreviousSecret != created.Secret {
		t.Fatalf("an update after rotation changed the secrets: %d %+v", r.Status, st)
	}
	r = e.do(auth.RoleAdmin, http.MethodPost, path+"/rotate-secret", nil)
	var again endpointCreated
	r.json(t, &again)
	if st := e.storedEndpoint(ep.ID); st.Secret != again.Secret || st.PreviousSecret != rotated.Secret {
		t.Fatalf("second rotation: secret %q previous %q", st.Secret, st.PreviousSecret)
	}

	// validation names the fields
	for _, c := range []struct {
		method, path string
		body         any
		status       int
		fields       []string
	}{
		{"POST", "/api/v1/webhooks", map[string]any{"kinds": []string{"assignment"}}, 422, []string{"url"}},
		{"POST", "/api/v1/webhooks", map[string]any{"url": "ftp://example.com/x"}, 422, []string{"url"}},
		{"POST", "/api/v1/webhooks", map[string]any{"url": "https://user:pw@example.com/x"}, 422, []string{"url"}},
		{"POST", "/api/v1/webhooks", map[string]any{"url": "https://example.com/x", "kinds": []string{"birthday"}}, 422, []string{"kinds"}},
		{"POST", "/api/v1/webhooks", map[string]any{"url": "/relative", "kinds": []string{"birthday"}}, 422, []string{"url", "kinds"}},
		{"POST", "/api/v1/webhooks", map[string]any{"url": "https://example.com/x", "secret": "mine-mine-mine-mine"}, 400, []string{"secret"}},
		{"POST", "/api/v1/webhooks", map[string]any{"url": "https://example.com/x", "kinds": "assignment"}, 400, []string{"kinds"}},
		{"PUT", path, map[string]any{"url": "https://example.com/x", "kinds": []string{"birthday"}}, 422, []string{"kinds"}},
		{"PUT", path, map[string]any{"url": ""}, 422, []string{"url"}},
		{"PUT", "/api/v1/webhooks/999999", map[string]any{"url": "https://example.com/x"}, 404, nil},
		{"PUT", "/api/v1/webhooks/abc", map[string]any{"url": "https://example.com/x"}, 400, []string{"id"}},
		{"POST", "/api/v1/webhooks/999999/rotate-secret", nil, 404, nil},
		{"DELETE", "/api/v1/webhooks/999999", nil, 404, nil},
	} {
		r := e.do(auth.RoleAdmin, c.method, c.path, c.body)
		if r.Status != c.status {
			t.Errorf("%s %s %v: want %d, got %d %s", c.method, c.path, c.body, c.status, r.Status, r.Body)
			continue
		}
		_, fields := r.apiErr(t)
		for _, f := range c.fields {
			if fields[f] == "" {
				t.Errorf("%s %s %v: no reason for %s: %v", c.method, c.path, c.body, f, fields)
			}
		}
	}
	if st := e.storedEndpoint(ep.ID); st.URL != "https://hooks.example.com/v3" {
		t.Fatalf("a refused update changed the endpoint: %+v", st)
	}
	for _, role := range []auth.Role{auth.RoleManager, auth.RoleAgent} {
		if r := e.do(role, http.MethodPost, path+"/rotate-secret", nil); r.Status != http.StatusForbidden {
			t.Errorf("rotate as %s: %d", role, r.Status)
		}
	}

	// delete
	if r := e.do(auth.RoleAdmin, http.MethodDelete, path, nil); r.Status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	for _, c := range []struct{ method, path string }{{"DELETE", path}, {"PUT", path}, {"POST", path + "/rotate-secret"}} {
		var body any
		if c.method == "PUT" {
			body = map[string]any{"url": "https://example.com/x"}
		}
		if r := e.do(auth.RoleAdmin, c.method, c.path, body); r.Status != http.StatusNotFound {
			t.Errorf("%s deleted endpoint: want 404, got %d", c.method, r.Status)
		}
	}
	r = e.do(auth.RoleAdmin, http.MethodGet, "/api/v1/webhooks", nil)
	r.json(t, &list)
	if len(list.Endpoints) != 1 || list.Endpoints[0].ID != all.Endpoint.ID {
		t.Fatalf("list after delete: %s", r.Body)
	}
}

// receiver is a webhook receiver on loopback that records what it gets.
type receiver struct {
	srv  *httptest.Server
	mu   sync.Mutex
	got  []received
	seen chan struct{}
}

type received struct {
	path, delivery, event, signature string
	body                             []byte
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{seen: make(chan struct{}, 100)}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got = append(rc.got, received{path: r.URL.Path, delivery: r.Header.Get(notify.HeaderDelivery),
			event: r.Header.Get(notify.HeaderEvent), signature: r.Header.Get(notify.HeaderSignature), body: b})
		rc.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
		rc.seen <- struct{}{}
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) requests() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.got)
}

// TestWebhookDeliveredEndToEnd registers endpoints through the API, notifies
// through the real Notifier, runs a real Dispatcher on the SQL store and
// checks in the receiver that the signed delivery arrives exactly once, and
// that after a rotation it verifies with the new and the previous secret.
func TestWebhookDeliveredEndToEnd(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b)
			rc := newReceiver(t)
			hook := e.createWebhook(map[string]any{"url": rc.srv.URL + "/wanted", "kinds": []string{"assignment"}})
			e.createWebhook(map[string]any{"url": rc.srv.URL + "/other-kind", "kinds": []string{"sla_breach"}})
			e.createWebhook(map[string]any{"url": rc.srv.URL + "/inactive", "active": false})

			cfg := notify.DefaultConfig()
			cfg.PollInterval, cfg.ShutdownGrace, cfg.Timeout, cfg.Lease = 20*time.Millisecond, time.Second, 5*time.Second, 30*time.Second
			d, err := notify.NewDispatcher(e.store, e.store, cfg, notify.DispatcherOptions{Client: rc.srv.Client()})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			stopped := make(chan error, 1)
			go func() { stopped <- d.Run(ctx) }()
			stop := sync.OnceFunc(func() {
				cancel()
				if err := <-stopped; err != nil {
					t.Errorf("run: %v", err)
				}
			})
			defer stop()

			tk := e.createTicket(auth.RoleAgent)
			sent := e.notifyUsers(notify.KindAssignment, tk.ID, "assigned to you", auth.RoleAgent)
			select {
			case <-rc.seen:
			case <-time.After(15 * time.Second):
				t.Fatal("no delivery within 15s")
			}
			for deadline := time.Now().Add(10 * time.Second); d.Stats().Delivered == 0 && time.Now().Before(deadline); {
				time.Sleep(10 * time.Millisecond)
			}
			stop()
			if n, err := d.RunOnce(context.Background()); err != nil || n != 0 {
				t.Fatalf("a delivered delivery was claimed again: %d %v", n, err)
			}

			got := rc.requests()
			if len(got) != 1 {
				t.Fatalf("receiver got %d requests, want exactly 1: %+v", len(got), got)
			}
			r := got[0]
			if r.path != "/wanted" || r.event != "assignment" || r.delivery == "" {
				t.Fatalf("request: %+v", r)
			}
			if err := notify.Verify(hook.Secret, r.signature, r.body, time.Now(), 0); err != nil {
				t.Fatalf("signature %q does not verify with the secret shown on creation: %v", r.signature, err)
			}
			var m notify.Message
			if err := json.Unmarshal(r.body, &m); err != nil {
				t.Fatal(err)
			}
			if m.ID != sent.ID || m.Kind != notify.KindAssignment || m.TicketID != tk.ID || m.SchemaVersion != notify.PayloadVersion ||
				!slices.Equal(m.UserIDs, []int64{e.users[auth.RoleAgent].ID}) {
				t.Fatalf("payload %s, sent %+v", r.body, sent)
			}
			dl, err := e.store.Delivery(context.Background(), r.delivery)
			if err != nil || dl.Status != notify.StatusDelivered || dl.Attempts != 1 || dl.EndpointID != hook.Endpoint.ID {
				t.Fatalf("stored delivery: %+v %v", dl, err)
			}
			if s := d.Stats(); s.Claimed != 1 || s.Attempts != 1 || s.Delivered != 1 || s.Retried+s.Failed+s.LeaseLost+s.StoreErrors != 0 {
				t.Fatalf("stats: %+v", s)
			}
			if p := e.notifications(auth.RoleAgent, ""); len(p.Notifications) != 1 || p.Notifications[0].Title != "assigned to you" {
				t.Fatalf("in-app notification: %+v", p)
			}

			// after a rotation a delivery carries a signature for each secret
			rr := e.do(auth.RoleAdmin, http.MethodPost, fmt.Sprintf("/api/v1/webhooks/%d/rotate-secret", hook.Endpoint.ID), nil)
			var rotated endpointCreated
			rr.json(t, &rotated)
			e.notifyUsers(notify.KindAssignment, tk.ID, "assigned again", auth.RoleAgent)
			if n, err := d.RunOnce(context.Background()); err != nil || n != 1 {
				t.Fatalf("after rotation: claimed %d, %v", n, err)
			}
			got = rc.requests()
			if len(got) != 2 || got[1].path != "/wanted" || got[1].delivery == r.delivery {
				t.Fatalf("after rotation the receiver got %+v", got)
			}
			for name, secret := range map[string]string{"new": rotated.Secret, "previous": hook.Secret} {
				if err := notify.Verify(secret, got[1].signature, got[1].body, time.Now(), 0); err != nil {
					t.Errorf("does not verify with the %s secret: %v", name, err)
				}
			}
		})
	}
}

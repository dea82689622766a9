package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/deskmine/deskmine/ticketcore/attach"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/api"
	"github.com/deskmine/deskmine/ticketcore/auth"
	"github.com/deskmine/deskmine/ticketcore/desk"
	"github.com/deskmine/deskmine/ticketcore/notify"
	"github.com/deskmine/deskmine/ticketcore/slaclock"
	"github.com/deskmine/deskmine/ticketcore/store"
	"github.com/deskmine/deskmine/ticketcore/storetest"
)

var _ api.WebhookStore = (*store.Store)(nil)

type env struct {
	t      *testing.T
	srv    *httptest.Server
	api    *api.Server
	svc    *ticketcore.Service
	store  *store.Store
	desk   *desk.Desk
	notes  *notify.Notifier // on store, webhooks included
	clocks *slaclock.Clocks // not running: start Run where firing matters
	tokens map[auth.Role]string
	users  map[auth.Role]*auth.User
}

func newEnv(t *testing.T, b testdb.Backend) *env {
	t.Helper()
	return newEnvOpts(t, b, true)
}

// newEnvWithout is an env whose server runs without the SLA clocks.
func newEnvWithout(t *testing.T) *env {
	t.Helper()
	return newEnvOpts(t, testdb.Backends()[0], false)
}

func newEnvOpts(t *testing.T, b testdb.Backend, withSLA bool) *env {
	t.Helper()
	ctx := context.Background()
	svc, st := storetest.NewService(t, b, nil)
	as := auth.NewService(st, 0)
	notes, err := notify.NewNotifier(st, st, st, notify.NotifierOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d, err := desk.New(ctx, svc, st, desk.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	clocks, err := slaclock.New(ctx, svc, st, slaclock.Options{})
	if err != nil {
		t.Fatal(err)
	}
	files, err := attach.Open(t.TempDir(), attach.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	opts := api.Options{Ready: st.Ping, Notifier: notes, Webhooks: st, Desk: d, SLA: clocks, SLASettings: st, Extra: fakeAnalytics(),
		Attachments: files}
	if !withSLA {
		opts.SLA, opts.SLASettings = nil, nil
	}
	a := api.New(svc, as, opts)
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	e := &env{t: t, srv: srv, api: a, svc: svc, store: st, desk: d, notes: notes, clocks: clocks, tokens: map[auth.Role]string{}, users: map[auth.Role]*auth.User{}}
	for _, r := range auth.Roles {
		u, err := as.CreateUser(ctx, auth.NewUser{Login: "u-" + string(r), Role: string(r), Password: "correct horse"})
		if err != nil {
			t.Fatal(err)
		}
		tok, _, err := as.CreateToken(ctx, u.ID, "test")
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[r], e.users[r] = tok, u
	}
	return e
}

type resp struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r resp) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

func (r resp) apiErr(t *testing.T) (code string, fields map[string]string) {
	t.Helper()
	var body struct {
		Error struct {
			Code    string            `json:"code"`
			Message string            `json:"message"`
			Fields  map[string]string `json:"fields"`
		} `json:"error"`
	}
	r.json(t, &body)
	if body.Error.Code == "" || body.Error.Message == "" {
		t.Fatalf("error body lacks code or message: %s", r.Body)
	}
	return body.Error.Code, body.Error.Fields
}

func (e *env) do(role auth.Role, method, path string, body any, headers ...string) resp {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, _ := json.Marshal(b)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if role != "" {
		req.Header.Set("Authorization", "Bearer "+e.tokens[role])
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{Status: res.StatusCode, Header: res.Header, Body: b}
}

func ticketBody() map[string]any {
	return map[string]any{"subject": "VPN 连接失败 / VPN drops", "description": "Since this morning", "channel": "chat",
		"urgency": "high", "customer": map[string]any{"email": "li.wei@example.cn", "tier": "vip", "region": "cn-north"}}
}

func (e *env) createTicket(role auth.Role) ticketcore.Ticket {
	e.t.Helper()
	r := e.do(role, "POST", "/api/v1/tickets", ticketBody())
	if r.Status != http.StatusCreated {
		e.t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	var t ticketcore.Ticket
	r.json(e.t, &t)
	return t
}

func TestCreateGetPatchTransition(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b)
			tk := e.createTicket(auth.RoleAgent)
			if tk.ID == 0 || tk.Version != 1 || tk.Priority != "P2" || tk.Status != "new" {
				t.Fatalf("created %+v", tk)
			}
			r := e.do(auth.RoleAgent, "GET", fmt.Sprintf("/api/v1/tickets/%d", tk.ID), nil)
			if r.Status != 200 || r.Header.Get("ETag") != `"1"` {
				t.Fatalf("get: %d %s etag=%s", r.Status, r.Body, r.Header.Get("ETag"))
			}
			path := fmt.Sprintf("/api/v1/tickets/%d", tk.ID)
			if r := e.do(auth.RoleAgent, "PATCH", path, map[string]any{"team": "network"}); r.Status != http.StatusPreconditionRequired {
				t.Fatalf("patch without If-Match: %d", r.Status)
			}
			r = e.do(auth.RoleAgent, "PATCH", path, map[string]any{"team": "network"}, "If-Match", `"1"`)
			if r.Status != 200 {
				t.Fatalf("patch: %d %s", r.Status, r.Body)
			}
			r = e.do(auth.RoleAgent, "PATCH", path, map[string]any{"team": "billing"}, "If-Match", `"1"`)
			if r.Status != http.StatusConflict {
				t.Fatalf("stale patch: want 409, got %d %s", r.Status, r.Body)
			}
			if code, _ := r.apiErr(t); code != "version_conflict" {
				t.Fatalf("code %s", code)
			}
			r = e.do(auth.RoleAgent, "POST", path+"/transitions", map[string]any{"to": "resolved", "resolution": "reset token"})
			if r.Status != 200 {
				t.Fatalf("transition: %d %s", r.Status, r.Body)
			}
			r = e.do(auth.RoleAgent, "POST", path+"/transitions", map[string]any{"to": "pending"})
			if r.Status != 422 {
				t.Fatalf("illegal transition: want 422, got %d", r.Status)
			}
			if code, fields := r.apiErr(t); code != "illegal_transition" || !strings.Contains(fields["status"], "resolved -> pending") {
				t.Fatalf("illegal transition error: %s %v", code, fields)
			}
			r = e.do(auth.RoleAgent, "GET", path+"/history", nil)
			var h struct {
				History []ticketcore.HistoryEntry `json:"history"`
			}
			r.json(t, &h)
			if len(h.History) != 3 || h.History[1].Changes[0].Field != "team" || string(h.History[1].Changes[0].New) != `"network"` {
				t.Fatalf("history: %s", r.Body)
			}
			r = e.do(auth.RoleManager, "GET", "/api/v1/events?after=0&limit=2", nil)
			var ev struct {
				Events    []json.RawMessage `json:"events"`
				NextAfter int64             `json:"next_after"`
			}
			r.json(t, &ev)
			if len(ev.Events) != 2 || ev.NextAfter == 0 {
				t.Fatalf("events page: %s", r.Body)
			}
			r = e.do(auth.RoleManager, fmt.Sprint("GET"), fmt.Sprintf("/api/v1/events?after=%d", ev.NextAfter), nil)
			r.json(t, &ev)
			if len(ev.Events) != 1 {
				t.Fatalf("second events page: %s", r.Body)
			}
			r = e.do(auth.RoleAgent, "GET", fmt.Sprintf("/api/v1/customers/%d", tk.Customer.ID), nil)
			if r.Status != 200 || !bytes.Contains(r.Body, []byte(`"recent_tickets"`)) {
				t.Fatalf("customer: %d %s", r.Status, r.Body)
			}
		})
	}
}

func TestIdempotentCreate(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b)
			r1 := e.do(auth.RoleClient, "POST", "/api/v1/tickets", ticketBody(), "Idempotency-Key", "order-77")
			r2 := e.do(auth.RoleClient, "POST", "/api/v1/tickets", ticketBody(), "Idempotency-Key", "order-77")
			if r1.Status != 201 || r2.Status != 201 || r2.Header.Get("Idempotent-Replayed") != "true" {
				t.Fatalf("statuses %d %d %q", r1.Status, r2.Status, r2.Header.Get("Idempotent-Replayed"))
			}
			var t1, t2 ticketcore.Ticket
			r1.json(t, &t1)
			r2.json(t, &t2)
			if t1.ID != t2.ID {
				t.Fatalf("replay made a second ticket: %d %d", t1.ID, t2.ID)
			}
			other := ticketBody()
			other["subject"] = "something else"
			r3 := e.do(auth.RoleClient, "POST", "/api/v1/tickets", other, "Idempotency-Key", "order-77")
			if r3.Status != 422 {
				t.Fatalf("reused key with other body: %d %s", r3.Status, r3.Body)
			}
			// the same key from another user is a different key
			r4 := e.do(auth.RoleAgent, "POST", "/api/v1/tickets", ticketBody(), "Idempotency-Key", "order-77")
			var t4 ticketcore.Ticket
			r4.json(t, &t4)
			if r4.Status != 201 || t4.ID == t1.ID {
				t.Fatalf("key leaked across users")
			}
			// concurrent retries of one request create exactly one ticket
			var wg sync.WaitGroup
			ids := make([]int64, 8)
			for i := range ids {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					r := e.do(auth.RoleManager, "POST", "/api/v1/tickets", ticketBody(), "Idempotency-Key", "burst")
					var tk ticketcore.Ticket
					if r.Status == 201 {
						_ = json.Unmarshal(r.Body, &tk)
						ids[i] = tk.ID
					} else if r.Status != 409 {
						t.Errorf("concurrent create: %d %s", r.Status, r.Body)
					}
				}(i)
			}
			wg.Wait()
			seen := map[int64]bool{}
			for _, id := range ids {
				if id != 0 {
					seen[id] = true
				}
			}
			if len(seen) != 1 {
				t.Fatalf("concurrent idempotent creates made %d tickets", len(seen))
			}
			page := e.do(auth.RoleAdmin, "GET", "/api/v1/tickets?limit=100", nil)
			var p ticketcore.ListPage
			page.json(t, &p)
			if len(p.Tickets) != 3 {
				t.Fatalf("want 3 tickets in all, got %d", len(p.Tickets))
			}
		})
	}
}

func TestValidationErrors(t *testing.T) {
	e := newEnv(t, testdb.Backends()[0])
	ctx := context.Background()
	min, max := 0.0, 10000.0
	defs := []ticketcore.FieldDef{
		{Name: "os_version", Kind: ticketcore.FieldText, MaxLength: 10},
		{Name: "refund", Kind: ticketcore.FieldNumber, Min: &min, Max: &max, RequiredFor: []string{"complaint"}},
		{Name: "purchase_date", Kind: ticketcore.FieldDate},
		{Name: "device", Kind: ticketcore.FieldEnum, Options: []string{"router", "camera"}},
		{Name: "features", Kind: ticketcore.FieldMultiEnum, Options: []string{"wifi", "vpn", "app"}},
	}
	for _, d := range defs {
		r := e.do(auth.RoleAdmin, "PUT", "/api/v1/fields/"+d.Name, d)
		if r.Status != 200 {
			t.Fatalf("put field %s: %d %s", d.Name, r.Status, r.Body)
		}
	}
	_ = ctx
	cases := []struct {
		name   string
		mutate func(m map[string]any)
		status int
		field  string
	}{
		{"missing subject", func(m map[string]any) { delete(m, "subject") }, 422, "subject"},
		{"long subject", func(m map[string]any) { m["subject"] = strings.Repeat("长", 251) }, 422, "subject"},
		{"bad channel", func(m map[string]any) { m["channel"] = "pigeon" }, 422, "channel"},
		{"bad priority", func(m map[string]any) { m["priority"] = "P9" }, 422, "priority"},
		{"bad urgency", func(m map[string]any) { m["urgency"] = "meh" }, 422, "urgency"},
		{"bad type", func(m map[string]any) { m["type"] = "rant" }, 422, "type"},
		{"no customer", func(m map[string]any) { m["customer"] = map[string]any{"name": "x"} }, 422, "customer"},
		{"bad email", func(m map[string]any) { m["customer"] = map[string]any{"email": "not-an-email"} }, 422, "customer.email"},
		{"bad phone", func(m map[string]any) { m["customer"] = map[string]any{"phone": "call me"} }, 422, "customer.phone"},
		{"bad tier", func(m map[string]any) { m["customer"] = map[string]any{"email": "a@b.co", "tier": "gold"} }, 422, "customer.tier"},
		{"bad tag", func(m map[string]any) { m["tags"] = []string{"no spaces allowed"} }, 422, "tags"},
		{"subject wrong type", func(m map[string]any) { m["subject"] = 42 }, 400, "subject"},
		{"unknown field", func(m map[string]any) { m["colour"] = "red" }, 400, "colour"},
		{"text too long", func(m map[string]any) { m["custom_fields"] = map[string]any{"os_version": "12345678901"} }, 422, "custom_fields.os_version"},
		{"text not text", func(m map[string]any) { m["custom_fields"] = map[string]any{"os_version": 5} }, 422, "custom_fields.os_version"},
		{"number not number", func(m map[string]any) { m["custom_fields"] = map[string]any{"refund": "ten"} }, 422, "custom_fields.refund"},
		{"number out of range", func(m map[string]any) { m["custom_fields"] = map[string]any{"refund": 10001} }, 422, "custom_fields.refund"},
		{"number required for type", func(m map[string]any) { m["type"] = "complaint" }, 422, "custom_fields.refund"},
		{"bad date", func(m map[string]any) { m["custom_fields"] = map[string]any{"purchase_date": "31/12/2024"} }, 422, "custom_fields.purchase_date"},
		{"bad enum", func(m map[string]any) { m["custom_fields"] = map[string]any{"device": "toaster"} }, 422, "custom_fields.device"},
		{"bad multi enum", func(m map[string]any) { m["custom_fields"] = map[string]any{"features": []string{"wifi", "fax"}} }, 422, "custom_fields.features"},
		{"multi enum not list", func(m map[string]any) { m["custom_fields"] = map[string]any{"features": "wifi"} }, 422, "custom_fields.features"},
		{"undefined custom field", func(m map[string]any) { m["custom_fields"] = map[string]any{"mood": "bad"} }, 422, "custom_fields.mood"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := ticketBody()
			c.mutate(body)
			r := e.do(auth.RoleAgent, "POST", "/api/v1/tickets", body)
			if r.Status != c.status {
				t.Fatalf("want %d, got %d %s", c.status, r.Status, r.Body)
			}
			if _, fields := r.apiErr(t); fields[c.field] == "" {
				t.Fatalf("want a reason for %s, got %v", c.field, fields)
			}
		})
	}
	good := ticketBody()
	good["type"] = "complaint"
	good["custom_fields"] = map[string]any{"os_version": "14.2", "refund": 99.5, "purchase_date": "2026-01-31",
		"device": "router", "features": []string{"vpn", "wifi", "vpn"}}
	r := e.do(auth.RoleAgent, "POST", "/api/v1/tickets", good)
	if r.Status != 201 {
		t.Fatalf("valid custom fields refused: %d %s", r.Status, r.Body)
	}
	var tk ticketcore.Ticket
	r.json(t, &tk)
	if f, ok := tk.CustomFields["features"].([]any); !ok || len(f) != 2 {
		t.Fatalf("multi enum not normalised: %v", tk.CustomFields["features"])
	}
	for _, bad := range []struct{ body, field string }{{"{", "body"}, {"", "body"}, {`{"subject": "a"} {}`, "body"}} {
		r := e.do(auth.RoleAgent, "POST", "/api/v1/tickets", bad.body)
		if r.Status != 400 {
			t.Fatalf("body %q: want 400, got %d", bad.body, r.Status)
		}
	}
	if r := e.do(auth.RoleAgent, "GET", "/api/v1/tickets/abc", nil); r.Status != 400 {
		t.Fatalf("bad id: %d", r.Status)
	}
	if r := e.do(auth.RoleAgent, "GET", "/api/v1/tickets?sort=colour", nil); r.Status != 422 {
		t.Fatalf("bad sort: %d", r.Status)
	}
	if r := e.do(auth.RoleAgent, "GET", "/api/v1/tickets?status=limbo", nil); r.Status != 422 {
		t.Fatalf("bad status filter: %d", r.Status)
	}
	if r := e.do(auth.RoleAdmin, "PUT", "/api/v1/fields/x", map[string]any{"kind": "colour"}); r.Status != 422 {
		t.Fatalf("bad field def: %d", r.Status)
	}
}

func TestListFiltersAndCursor(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b)
			for i := 0; i < 25; i++ {
				body := ticketBody()
				body["subject"] = fmt.Sprintf("ticket %02d 打印机", i)
				if i%2 == 0 {
					body["team"] = "network"
				}
				if r := e.do(auth.RoleAgent, "POST", "/api/v1/tickets", body); r.Status != 201 {
					t.Fatal(r.Status)
				}
			}
			var all []ticketcore.Ticket
			cursor := ""
			for pages := 0; pages < 10; pages++ {
				r := e.do(auth.RoleAgent, "GET", "/api/v1/tickets?team=network&sort=-created_at&limit=5&cursor="+cursor, nil)
				var p ticketcore.ListPage
				r.json(t, &p)
				all = append(all, p.Tickets...)
				if p.NextCursor == "" {
					break
				}
				cursor = p.NextCursor
			}
			if len(all) != 13 {
				t.Fatalf("paged %d network tickets, want 13", len(all))
			}
			for i := 1; i < len(all); i++ {
				if all[i].ID >= all[i-1].ID {
					t.Fatalf("not newest first")
				}
			}
			r := e.do(auth.RoleAgent, "GET", "/api/v1/tickets?q=%E6%89%93%E5%8D%B0%E6%9C%BA&limit=100", nil)
			var p ticketcore.ListPage
			r.json(t, &p)
			if len(p.Tickets) != 25 {
				t.Fatalf("q search found %d", len(p.Tickets))
			}
			r = e.do(auth.RoleAgent, "GET", "/api/v1/tickets?q=ticket%2007", nil)
			r.json(t, &p)
			if len(p.Tickets) != 1 {
				t.Fatalf("q search found %d", len(p.Tickets))
			}
			if r := e.do(auth.RoleAgent, "GET", "/api/v1/tickets?cursor=garbage", nil); r.Status != 422 {
				t.Fatalf("bad cursor: %d", r.Status)
			}
		})
	}
}

func TestClientSeesOnlyOwnTickets(t *testing.T) {
	e := newEnv(t, testdb.Backends()[0])
	mine := e.createTicket(auth.RoleClient)
	theirs := e.createTicket(auth.RoleAgent)
	if r := e.do(auth.RoleClient, "GET", fmt.Sprintf("/api/v1/tickets/%d", mine.ID), nil); r.Status != 200 {
		t.Fatalf("own ticket: %d", r.Status)
	}
	if r := e.do(auth.RoleClient, "GET", fmt.Sprintf("/api/v1/tickets/%d", theirs.ID), nil); r.Status != 404 {
		t.Fatalf("other's ticket: %d", r.Status)
	}
	r := e.do(auth.RoleClient, "GET", "/api/v1/tickets", nil)
	var p ticketcore.ListPage
	r.json(t, &p)
	if len(p.Tickets) != 1 || p.Tickets[0].ID != mine.ID {
		t.Fatalf("client list: %s", r.Body)
	}
	if r := e.do(auth.RoleClient, "POST", fmt.Sprintf("/api/v1/tickets/%d/comments", theirs.ID), map[string]any{"body": "hi"}); r.Status != 404 {
		t.Fatalf("comment on other's ticket: %d", r.Status)
	}
	if r := e.do(auth.RoleClient, "POST", fmt.Sprintf("/api/v1/tickets/%d/comments", mine.ID), map[string]any{"body": "hi", "public": false}); r.Status != 403 {
		t.Fatalf("client internal note: %d", r.Status)
	}
}

func TestLoginSession(t *testing.T) {
	e := newEnv(t, testdb.Backends()[0])
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	post := func(path, body string) *http.Response {
		req, _ := http.NewRequest("POST", e.srv.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	if res := post("/api/v1/auth/login", `{"login":"u-agent","password":"wrong password"}`); res.StatusCode != 401 {
		t.Fatalf("bad password: %d", res.StatusCode)
	}
	if res := post("/api/v1/auth/login", `{"login":"u-agent","password":"correct horse"}`); res.StatusCode != 200 {
		t.Fatalf("login: %d", res.StatusCode)
	}
	res, err := client.Get(e.srv.URL + "/api/v1/auth/me")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("me with session: %v %d", err, res.StatusCode)
	}
	res.Body.Close()
	if res := post("/api/v1/auth/logout", `{}`); res.StatusCode != 204 {
		t.Fatalf("logout: %d", res.StatusCode)
	}
	res, _ = client.Get(e.srv.URL + "/api/v1/auth/me")
	res.Body.Close()
	if res.StatusCode != 401 {
		t.Fatalf("me after logout: %d", res.StatusCode)
	}
}

func TestHealthMetricsOpenAPI(t *testing.T) {
	e := newEnv(t, testdb.Backends()[0])
	if r := e.do("", "GET", "/healthz", nil); r.Status != 200 {
		t.Fatalf("healthz %d", r.Status)
	}
	e.createTicket(auth.RoleAgent)
	r := e.do("", "GET", "/metrics", nil)
	if r.Status != 200 || !bytes.Contains(r.Body, []byte(`deskmine_http_requests_total{code="201",method="POST",route="/api/v1/tickets"} 1`)) ||
		!bytes.Contains(r.Body, []byte("deskmine_tickets_created_total 1")) {
		t.Fatalf("metrics: %d %s", r.Status, r.Body)
	}
	r = e.do("", "GET", "/api/v1/openapi.json", nil)
	if r.Status != 200 {
		t.Fatalf("openapi %d", r.Status)
	}
}

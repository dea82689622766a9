package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"

	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/kb"
	"github.com/deskmine/deskmine/kb/articles"
	"github.com/deskmine/deskmine/kb/casebook"
	"github.com/deskmine/deskmine/kb/httpapi"
	"github.com/deskmine/deskmine/ticketcore/events"
)

// The callers of the tests. The handlers learn who calls from Identify,
// which here reads test headers; no header is no caller.
var (
	admin     = articles.Actor{ID: 1, Login: "root", Role: articles.RoleAdmin}
	manager   = articles.Actor{ID: 2, Login: "zhao.min", Role: articles.RoleManager}
	agent     = articles.Actor{ID: 3, Login: "li.na", Role: articles.RoleAgent}
	reviewer  = articles.Actor{ID: 7, Login: "qa.lin", Role: articles.RoleReviewer}
	reviewer2 = articles.Actor{ID: 8, Login: "qa.wu", Role: articles.RoleReviewer}
	client    = articles.Actor{ID: 9, Login: "shop-bot", Role: articles.RoleClient}
	anonymous = articles.Actor{}
)

func identify(c echo.Context) (articles.Actor, bool) {
	h := c.Request().Header
	login := h.Get("X-Test-Login")
	if login == "" {
		return articles.Actor{}, false
	}
	id, _ := strconv.ParseInt(h.Get("X-Test-Id"), 10, 64)
	return articles.Actor{ID: id, Login: login, Role: h.Get("X-Test-Role")}, true
}

var t0 = time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)

// problems are the planted kinds of resolved tickets; tickets 1-8 are
// printer jams, 9-16 VPN failures, 17-24 full mailboxes and 25-32 printer
// jams in Chinese.
var problems = []struct {
	subjects, descriptions []string
	resolution             string
	category, priority     string
}{
	{[]string{"printer paper jam", "printer keeps jamming", "paper stuck in printer tray"},
		[]string{"the office printer jams on every page", "printer on floor two shows a paper jam error", "paper jam in the laser printer tray two"},
		"Opened the rear panel. Removed the torn paper. Cleaned the rollers.", "Hardware", "low"},
	{[]string{"vpn cannot connect", "vpn connection fails", "unable to connect to vpn"},
		[]string{"vpn client says authentication failed from home", "cannot reach the vpn gateway since the update", "vpn disconnects and will not reconnect"},
		"Reset the VPN token. Reinstalled the VPN client. Verified the connection.", "Access", "high"},
	{[]string{"outlook mailbox full", "mailbox quota exceeded", "cannot send email mailbox full"},
		[]string{"outlook says the mailbox is full and mail bounces", "mailbox over quota, cannot send or receive", "email quota warning, inbox full"},
		"Archived old mail. Increased the mailbox quota. Confirmed mail flows.", "Storage", "normal"},
	{[]string{"打印机卡纸", "打印机一直卡纸", "打印机纸盒卡住"},
		[]string{"三楼的打印机每打印一页就卡纸", "打印机显示卡纸错误无法打印", "激光打印机纸盒二卡纸"},
		"打开后盖。取出卡住的纸张。清洁滚轮。", "Hardware", "low"},
}

// ticketsPer is how many resolved tickets each planted problem has.
const ticketsPer = 8

// history is the events of the planted tickets, each created and then
// resolved.
func history() []events.Event {
	var out []events.Event
	id := int64(1)
	for p, pr := range problems {
		for i := range ticketsPer {
			t := events.Ticket{ID: id, Version: 1, Subject: pr.subjects[i%len(pr.subjects)],
				Description: pr.descriptions[(i+p)%len(pr.descriptions)], Category: pr.category, Priority: pr.priority,
				Status: "open", CreatedAt: t0, UpdatedAt: t0}
			out = append(out, events.Event{ID: fmt.Sprintf("c%d", id), TicketID: id, TicketVersion: 1, Type: events.TicketCreated, At: t0, Ticket: t})
			at := t0.Add(time.Hour)
			r := t
			r.Version, r.Status, r.Resolution, r.ResolvedAt, r.UpdatedAt = 2, "resolved", pr.resolution, &at, at
			out = append(out, events.Event{ID: fmt.Sprintf("r%d", id), TicketID: id, TicketVersion: 2, Type: events.TicketStatusChanged,
				At: at, Ticket: r, Changes: []events.Change{{Field: "resolved_at", Old: json.RawMessage("null"), New: json.RawMessage(`"x"`)}}})
			id++
		}
	}
	return out
}

// env serves the routes of one knowledge-base service, on a SQLite file and
// an index of its own, and checks every exchange against the OpenAPI
// document.
type env struct {
	t   *testing.T
	svc *kb.Service
	e   *echo.Echo
	doc *openapi3.T
}

// newEnv builds the service; with tickets, it has taken in the planted
// resolved tickets and trained its models.
func newEnv(t *testing.T, tickets bool) *env {
	t.Helper()
	ctx := context.Background()
	dir, dsn := t.TempDir(), testdb.SQLiteDSN(t)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	book, err := casebook.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { book.Close() })
	arts, err := articles.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { arts.Close() })
	svc, err := kb.New(ctx, kb.Options{Book: book, Articles: arts, IndexDir: filepath.Join(dir, "index"),
		ModelDir: filepath.Join(dir, "models"), MinGroup: 5, RetrainEvery: 1000, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	if tickets {
		if err := svc.Handle(ctx, history()); err != nil {
			t.Fatal(err)
		}
		// Handle trains the first models in the background; train here too
		// so that they exist now.
		if err := svc.Retrain(ctx); err != nil {
			t.Fatal(err)
		}
		// Cleanup runs last-in first-out: this waits for a background
		// retrain before the stores close under it.
		t.Cleanup(func() { _ = svc.Retrain(ctx) })
	}
	e := echo.New()
	for _, r := range httpapi.Routes(httpapi.New(svc, identify, quiet)) {
		e.Add(r.Method, r.Path, r.Handler)
	}
	return &env{t: t, svc: svc, e: e, doc: loadDoc(t)}
}

// loadDoc parses the ticket API's OpenAPI document, which describes these
// routes too.
func loadDoc(t *testing.T) *openapi3.T {
	t.Helper()
	raw, err := os.ReadFile("../../ticketcore/api/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into v.
func (r resp) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %T: %v\n%s", v, err, r.body)
	}
}

// apiError is the error shape of every failure.
type apiError struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

// fail checks that the answer is an error with this code naming field (none
// when field is empty).
func (r resp) fail(t *testing.T, code, field string) {
	t.Helper()
	var e apiError
	r.json(t, &e)
	if e.Error.Code != code || e.Error.Message == "" {
		t.Errorf("error %+v, want code %s", e.Error, code)
	}
	if _, ok := e.Error.Fields[field]; field != "" && !ok {
		t.Errorf("error %+v does not name %q", e.Error, field)
	}
}

// call sends a request as a caller and checks that it got the wanted
// status, that the status is documented for the route, that a JSON body
// validates against the documented schema, that each query parameter is
// documented and, when the server took a JSON body, that the document's
// request schema takes it too. body is nil (none), a string (sent as it
// is) or a value sent as JSON; headers are name, value pairs.
func (e *env) call(want int, as articles.Actor, method, route, path string, body any, headers ...string) resp {
	e.t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			e.t.Fatal(err)
		}
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != nil {
		req.Header.Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	if as.Login != "" {
		req.Header.Set("X-Test-Login", as.Login)
		req.Header.Set("X-Test-Role", as.Role)
		req.Header.Set("X-Test-Id", strconv.FormatInt(as.ID, 10))
	}
	rec := httptest.NewRecorder()
	e.e.ServeHTTP(rec, req)
	r := resp{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	at := fmt.Sprintf("%s %s as %q", method, path, as.Login)
	if r.status != want {
		e.t.Errorf("%s: want %d, got %d %.400s", at, want, r.status, r.body)
	}
	item := e.doc.Paths.Value(route)
	if item == nil || item.GetOperation(method) == nil {
		e.t.Fatalf("%s: %s %s is not documented", at, method, route)
	}
	op := item.GetOperation(method)
	e.checkQuery(at, item, op, path)
	ref := op.Responses.Status(r.status)
	if ref == nil {
		e.t.Errorf("%s: status %d is not documented", at, r.status)
		return r
	}
	mt, _, err := mime.ParseMediaType(r.header.Get(echo.HeaderContentType))
	media := ref.Value.Content.Get(mt)
	if err != nil || mt != echo.MIMEApplicationJSON || media == nil {
		e.t.Errorf("%s: %d answered as %q, not documented", at, r.status, r.header.Get(echo.HeaderContentType))
		return r
	}
	var v any
	if err := json.Unmarshal(r.body, &v); err != nil {
		e.t.Errorf("%s: %v", at, err)
		return r
	}
	if err := media.Schema.Value.VisitJSON(v, openapi3.VisitAsResponse(), openapi3.MultiErrors()); err != nil {
		e.t.Errorf("%s: %d body does not match the document: %v\n%.600s", at, r.status, err, r.body)
	}
	if _, isRaw := body.(string); body != nil && !isRaw && r.status < 300 {
		if op.RequestBody == nil {
			e.t.Errorf("%s: the server took a body the document does not describe", at)
		} else {
			var in any
			_ = json.Unmarshal(raw, &in)
			schema := op.RequestBody.Value.Content.Get(echo.MIMEApplicationJSON).Schema.Value
			if err := schema.VisitJSON(in, openapi3.VisitAsRequest(), openapi3.MultiErrors()); err != nil {
				e.t.Errorf("%s: the server took a body the document refuses: %v\n%s", at, err, raw)
			}
		}
	}
	return r
}

// checkQuery reports query parameters the operation does not document.
func (e *env) checkQuery(at string, item *openapi3.PathItem, op *openapi3.Operation, path string) {
	e.t.Helper()
	u, err := url.Parse(path)
	if err != nil {
		e.t.Fatal(err)
	}
	params := append(slices.Clone(item.Parameters), op.Parameters...)
	for name := range u.Query() {
		if params.GetByInAndName(openapi3.ParameterInQuery, name) == nil {
			e.t.Errorf("%s: query parameter %q is not documented", at, name)
		}
	}
}

func TestRoutes(t *testing.T) {
	routes := httpapi.Routes(httpapi.New(nil, identify, nil))
	known := []string{articles.RoleAdmin, articles.RoleManager, articles.RoleAgent, articles.RoleReviewer, articles.RoleClient}
	seen := map[string]bool{}
	for _, r := range routes {
		key := r.Method + " " + r.Path
		if seen[key] {
			t.Errorf("%s is listed twice", key)
		}
		seen[key] = true
		if !strings.HasPrefix(r.Path, httpapi.Prefix+"/") {
			t.Errorf("%s is not under %s", key, httpapi.Prefix)
		}
		if len(r.Roles) == 0 {
			t.Errorf("%s allows no role", key)
		}
		for _, role := range r.Roles {
			if !slices.Contains(known, role) {
				t.Errorf("%s names unknown role %q", key, role)
			}
		}
		if r.Handler == nil {
			t.Errorf("%s has no handler", key)
		}
	}
	// Review decisions and mining are the quality team's; reading published
	// articles is everyone's; clients never see cases.
	for key, want := range map[string][]string{
		"POST /api/v1/kb/candidates/:id/approve": {"admin", "reviewer"},
		"POST /api/v1/kb/mine":                   {"admin", "reviewer"},
		"GET /api/v1/kb/articles/:id":            known,
		"GET /api/v1/kb/similar":                 {"admin", "manager", "agent", "reviewer"},
	} {
		i := slices.IndexFunc(routes, func(r httpapi.Route) bool { return r.Method+" "+r.Path == key })
		if i < 0 {
			t.Errorf("no route %s", key)
		} else if !slices.Equal(routes[i].Roles, want) {
			t.Errorf("%s: roles %v, want %v", key, routes[i].Roles, want)
		}
	}
}

// TestRoutesDocumented holds the OpenAPI document to the route table: the
// ticket API's own document tests cannot see these routes, which only
// deskmine serve mounts.
func TestRoutesDocumented(t *testing.T) {
	doc := loadDoc(t)
	routes := httpapi.Routes(httpapi.New(nil, identify, nil))
	served := map[string]bool{}
	for _, r := range routes {
		path := openAPIPath(r.Path)
		key := r.Method + " " + path
		served[key] = true
		item := doc.Paths.Value(path)
		if item == nil || item.GetOperation(r.Method) == nil {
			t.Errorf("%s is not documented", key)
			continue
		}
		op := item.GetOperation(r.Method)
		if !slices.Contains(op.Tags, "kb") {
			t.Errorf("%s: tags %v, want kb", key, op.Tags)
		}
		var xroles []string
		if raw, ok := op.Extensions["x-roles"]; ok {
			b, _ := json.Marshal(raw)
			_ = json.Unmarshal(b, &xroles)
		}
		if !slices.Equal(xroles, r.Roles) {
			t.Errorf("%s: x-roles %v, route allows %v", key, xroles, r.Roles)
		}
		if s := "Allowed roles: " + strings.Join(r.Roles, ", ") + "."; !strings.Contains(op.Description, s) {
			t.Errorf("%s: description lacks %q", key, s)
		}
		if op.Security != nil && len(*op.Security) == 0 {
			t.Errorf("%s needs a login but is documented as public", key)
		}
		codes := []int{401, 500}
		if len(r.Roles) < 5 {
			codes = append(codes, 403)
		}
		if op.RequestBody != nil {
			codes = append(codes, 400, 413, 415)
		}
		if strings.Contains(path, "{") {
			codes = append(codes, 400, 404)
		}
		for _, code := range codes {
			if op.Responses.Status(code) == nil {
				t.Errorf("%s does not document %d", key, code)
			}
		}
	}
	for path, item := range doc.Paths.Map() {
		if !strings.HasPrefix(path, httpapi.Prefix+"/") {
			continue
		}
		for method := range item.Operations() {
			if !served[method+" "+path] {
				t.Errorf("documented %s %s is not a route", method, path)
			}
		}
	}
}

// openAPIPath turns echo's :name into {name}.
func openAPIPath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if name, ok := strings.CutPrefix(s, ":"); ok {
			parts[i] = "{" + name + "}"
		}
	}
	return strings.Join(parts, "/")
}

// TestErrorShape: every failure is the ticket API's error object, 401
// included, and a caller Identify does not know is refused before anything
// is read or written.
func TestErrorShape(t *testing.T) {
	e := newEnv(t, false)
	r := e.call(401, anonymous, http.MethodPost, "/api/v1/kb/feedback", "/api/v1/kb/feedback",
		map[string]any{"ticket_id": 1, "case_ticket_id": 2, "kind": "helpful"})
	r.fail(t, "unauthorized", "")
	if r.header.Get("WWW-Authenticate") == "" {
		t.Error("401 without WWW-Authenticate")
	}
	var top map[string]json.RawMessage
	r.json(t, &top)
	if len(top) != 1 || top["error"] == nil {
		t.Errorf("error body %s is not {\"error\": {...}}", r.body)
	}
	e.call(400, agent, http.MethodGet, "/api/v1/kb/similar", "/api/v1/kb/similar?k=ten", nil).fail(t, "invalid_parameter", "k")
}

// TestGuideRoleTable holds the role table of docs/api.md's knowledge-base
// section to the route table. Its rows put the method in a column of its
// own, so that the ticket API's matrix check, which cannot see these
// routes, does not read them.
func TestGuideRoleTable(t *testing.T) {
	raw, err := os.ReadFile("../../docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("^\\| ([A-Z]+) \\| `(/api/v1/kb/[^`]*)` \\|(.*)\\|$")
	columns := []string{articles.RoleAdmin, articles.RoleManager, articles.RoleAgent, articles.RoleReviewer, articles.RoleClient}
	documented := map[string][]string{}
	for _, line := range strings.Split(string(raw), "\n") {
		m := row.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		key := m[1] + " " + m[2]
		if _, dup := documented[key]; dup {
			t.Errorf("docs/api.md lists %s twice", key)
		}
		cells := strings.Split(m[3], "|")
		if len(cells) != len(columns) {
			t.Errorf("docs/api.md: %s has %d role cells, want %d", key, len(cells), len(columns))
			continue
		}
		allowed := []string{}
		for i, c := range cells {
			switch c = strings.TrimSpace(c); {
			case strings.HasPrefix(c, "✓"):
				allowed = append(allowed, columns[i])
			case c != "—":
				t.Errorf("docs/api.md: %s: cell %q is neither ✓ nor —", key, c)
			}
		}
		documented[key] = allowed
	}
	routes := httpapi.Routes(httpapi.New(nil, identify, nil))
	for _, r := range routes {
		key := r.Method + " " + openAPIPath(r.Path)
		got, ok := documented[key]
		if !ok {
			t.Errorf("docs/api.md: the knowledge-base table lacks %s", key)
		} else if !slices.Equal(got, r.Roles) {
			t.Errorf("docs/api.md: %s allows %v, the route %v", key, got, r.Roles)
		}
		delete(documented, key)
	}
	for key := range documented {
		t.Errorf("docs/api.md: %s is not a route", key)
	}
}

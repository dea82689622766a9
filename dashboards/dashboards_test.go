package dashboards

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskmine/deskmine/analytics/duckdb"
	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/internal/testleak"
	"github.com/deskmine/deskmine/kb"
	"github.com/deskmine/deskmine/kb/articles"
	"github.com/deskmine/deskmine/kb/classify"
	"github.com/deskmine/deskmine/kb/index"
	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/auth"
	"github.com/deskmine/deskmine/ticketcore/desk"
	"github.com/deskmine/deskmine/ticketcore/events"
	"github.com/deskmine/deskmine/ticketcore/storetest"
)

// fixNow is the pages' clock: the default 30-day range is 2025-02-19 up to
// and including 2025-03-20, the period before it 2025-01-20 to 2025-02-18.
var fixNow = time.Date(2025, 3, 20, 12, 0, 0, 0, time.UTC)

// day is a time on a day of March 2025 (UTC).
func day(d, h, m int) time.Time { return time.Date(2025, 3, d, h, m, 0, 0, time.UTC) }

// fakeSessions knows one user per role; a user's session secret is
// "secret-<role>" and the password of every user is "pw-<login>".
type fakeSessions struct {
	mu       sync.Mutex
	users    map[string]*auth.User // by secret
	loggedIn []string              // secrets handed out by Login
	out      []string              // secrets logged out
}

var fixUsers = []*auth.User{
	{ID: 1, Login: "root", Role: auth.RoleAdmin, Active: true},
	{ID: 2, Login: "mia", Role: auth.RoleManager, Active: true},
	{ID: 3, Login: "ann", Role: auth.RoleAgent, Active: true},
	{ID: 4, Login: "rita", Role: auth.RoleReviewer, Active: true},
	{ID: 5, Login: "api", Role: auth.RoleClient, Active: true},
}

func secretOf(role auth.Role) string { return "secret-" + string(role) }

func newFakeSessions() *fakeSessions {
	f := &fakeSessions{users: map[string]*auth.User{}}
	for _, u := range fixUsers {
		f.users[secretOf(u.Role)] = u
	}
	return f
}

func (f *fakeSessions) Login(_ context.Context, login, password string) (string, *auth.User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for secret, u := range f.users {
		if u.Login == login && password == "pw-"+login {
			f.loggedIn = append(f.loggedIn, secret)
			return secret, u, nil
		}
	}
	return "", nil, auth.ErrUnauthorized
}

func (f *fakeSessions) AuthenticateSession(_ context.Context, secret string) (*auth.User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if u, ok := f.users[secret]; ok {
		return u, nil
	}
	return nil, auth.ErrUnauthorized
}

func (f *fakeSessions) Logout(_ context.Context, secret string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.out = append(f.out, secret)
	return nil
}

func (f *fakeSessions) SessionTTL() time.Duration { return 8 * time.Hour }

func (f *fakeSessions) loggedOut() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.out...)
}

// fakeDesk serves a fixed roster and queue.
type fakeDesk struct {
	agents  []desk.Agent
	teams   []desk.Team
	queue   []desk.QueueEntry
	mu      sync.Mutex
	queries []desk.QueueQuery
}

func (f *fakeDesk) Queue(_ context.Context, q desk.QueueQuery) ([]desk.QueueEntry, error) {
	f.mu.Lock()
	f.queries = append(f.queries, q)
	f.mu.Unlock()
	if q.Agent == "ghost" {
		return nil, ticketcore.NotFound("agent", q.Agent)
	}
	return f.queue, nil
}

func (f *fakeDesk) Agents(context.Context) ([]desk.Agent, error) {
	return append([]desk.Agent(nil), f.agents...), nil
}

func (f *fakeDesk) Teams(context.Context) ([]desk.Team, error) { return f.teams, nil }

// fakeKnowledge answers every similar-cases request with the same cases,
// the first of which is the ticket asked about when TicketID is set.
type fakeKnowledge struct {
	mu       sync.Mutex
	reqs     []kb.SimilarRequest
	feedback []articles.Feedback
	fail     error
	// unknown: the knowledge base has not seen any ticket yet.
	unknown bool
}

func (f *fakeKnowledge) Similar(_ context.Context, r kb.SimilarRequest) (*kb.Similar, error) {
	f.mu.Lock()
	f.reqs = append(f.reqs, r)
	f.mu.Unlock()
	if f.fail != nil {
		return nil, f.fail
	}
	if f.unknown && r.TicketID != 0 {
		return nil, fmt.Errorf("%w: %d", kb.ErrUnknownTicket, r.TicketID)
	}
	cases := []index.CaseHit{
		{TicketID: 901, Score: 2.5, Subject: "Refund never arrived", Resolution: "Re-issued the refund", Category: "billing"},
		{TicketID: 902, Score: 1.25, Subject: "Charged twice", Category: "billing"},
	}
	if r.TicketID != 0 {
		cases = append([]index.CaseHit{{TicketID: r.TicketID, Score: 9, Subject: "itself", Category: "billing"}}, cases...)
	}
	return &kb.Similar{
		Cases:      cases,
		Articles:   []index.ArticleHit{{ID: 77, Version: 3, Title: "How refunds work", Score: 1.5}},
		Prediction: &classify.Prediction{Label: "billing", Confidence: 0.875},
	}, nil
}

func (f *fakeKnowledge) requests() []kb.SimilarRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]kb.SimilarRequest(nil), f.reqs...)
}

func (f *fakeKnowledge) RecordFeedback(_ context.Context, actor articles.Actor, fb articles.Feedback) (articles.Feedback, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fb.Actor = actor.Login
	f.feedback = append(f.feedback, fb)
	return fb, nil
}

func (f *fakeKnowledge) Articles() articles.Store           { return nil }
func (f *fakeKnowledge) SyncArticles(context.Context) error { return nil }

// clock is the ticket service's clock, moved by the fixture as it writes
// the tickets' history.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// fixture is a server on a real ticket service (SQLite) and a real DuckDB
// analytics store fed with the service's events.
type fixture struct {
	srv   *Server
	svc   *ticketcore.Service
	clk   *clock
	sess  *fakeSessions
	desk  *fakeDesk
	know  *fakeKnowledge
	ids   map[string]int64 // fixture tickets by name
	store *duckdb.Store
}

var (
	actAnn = ticketcore.Actor{UserID: 3, Name: "ann", Role: "agent"}
	actMia = ticketcore.Actor{UserID: 2, Name: "mia", Role: "manager"}
)

// The fixture's tickets, all but "old" created in the default range:
//
//	name    created        category product channel team assignee tags        history
//	old     02-10 10:00    billing  app     email   t1   ann      -           resolved 02-11 10:00
//	refund  03-10 09:00    billing  app     email   t1   ann      refund      resolved 03-10 15:00
//	twice   03-10 10:00    billing  app     chat    t1   bob      refund,vip  open; team t1->t2->t1; reply + note
//	login   03-12 11:00    login    web     email   t2   -        -           pending 03-15 08:00
//	reset   03-12 12:00    login    app     phone   t2   ann      -           resolved 03-13 09:00
//	nocat   03-15 14:00    -        web     web     -    -        -           new
//	again   03-18 09:30    billing  web     email   t1   bob      -           open; follow-up of refund
//
// Created in range: 6 (03-10: 2, 03-12: 2, 03-15: 1, 03-18: 1); resolved
// in range: 2; backlog at the end: twice, login, nocat, again = 4. The
// period before: 1 created, 1 resolved, backlog 0.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	clk := &clock{t: fixNow}
	opts := ticketcore.DefaultOptions()
	opts.Now = clk.now
	svc, _ := storetest.NewService(t, testdb.Backend{Name: "sqlite", DSN: testdb.SQLiteDSN}, &opts)
	f := &fixture{svc: svc, clk: clk, sess: newFakeSessions(), know: &fakeKnowledge{}, ids: map[string]int64{}}

	create := func(name string, at time.Time, in ticketcore.CreateInput) int64 {
		t.Helper()
		clk.set(at)
		in.Subject = "Ticket " + name
		in.Description = "About " + name
		in.Customer = ticketcore.CustomerInput{Email: name + "@customer.test", Name: "Customer " + name}
		res, err := svc.Create(ctx, actAnn, in, "")
		if err != nil {
			t.Fatalf("create %s: %v", name, err)
		}
		f.ids[name] = res.Ticket.ID
		return res.Ticket.ID
	}
	move := func(name string, at time.Time, in ticketcore.TransitionInput) {
		t.Helper()
		clk.set(at)
		if _, err := svc.Transition(ctx, actAnn, f.ids[name], 0, in); err != nil {
			t.Fatalf("transition %s to %s: %v", name, in.To, err)
		}
	}
	patch := func(name string, at time.Time, p ticketcore.Patch) {
		t.Helper()
		clk.set(at)
		cur, err := svc.Get(ctx, f.ids[name])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Update(ctx, actMia, cur.ID, cur.Version, p); err != nil {
			t.Fatalf("update %s: %v", name, err)
		}
	}
	comment := func(name string, at time.Time, body string, public bool) {
		t.Helper()
		clk.set(at)
		if _, err := svc.Comment(ctx, actAnn, f.ids[name], body, public); err != nil {
			t.Fatalf("comment on %s: %v", name, err)
		}
	}
	team := func(s string) *string { return &s }

	create("old", time.Date(2025, 2, 10, 10, 0, 0, 0, time.UTC), ticketcore.CreateInput{Category: "billing", Product: "app",
		Channel: "email", Team: "t1", Assignee: "ann"})
	move("old", time.Date(2025, 2, 11, 10, 0, 0, 0, time.UTC), ticketcore.TransitionInput{To: "resolved", Resolution: "done"})

	create("refund", day(10, 9, 0), ticketcore.CreateInput{Category: "billing", Product: "app", Channel: "email", Team: "t1",
		Assignee: "ann", Tags: []string{"refund"}, Priority: "P2"})
	create("twice", day(10, 10, 0), ticketcore.CreateInput{Category: "billing", Product: "app", Channel: "chat", Team: "t1",
		Assignee: "bob", Tags: []string{"refund", "vip"}})
	move("refund", day(10, 15, 0), ticketcore.TransitionInput{To: "resolved", Resolution: "Refunded"})
	move("twice", day(11, 9, 0), ticketcore.TransitionInput{To: "open"})
	comment("twice", day(11, 9, 30), "Hi, @bob. will check; write to ann@example.com", true)
	comment("twice", day(11, 9, 45), "internal: looks like a double charge", false)
	patch("twice", day(11, 10, 0), ticketcore.Patch{Team: team("t2")})
	patch("twice", day(11, 12, 0), ticketcore.Patch{Team: team("t1")})

	create("login", day(12, 11, 0), ticketcore.CreateInput{Category: "login", Product: "web", Channel: "email", Team: "t2"})
	create("reset", day(12, 12, 0), ticketcore.CreateInput{Category: "login", Product: "app", Channel: "phone", Team: "t2", Assignee: "ann"})
	move("reset", day(13, 9, 0), ticketcore.TransitionInput{To: "resolved", Resolution: "Reset the password"})
	move("login", day(15, 8, 0), ticketcore.TransitionInput{To: "pending", PendingReason: "waiting_on_customer"})

	create("nocat", day(15, 14, 0), ticketcore.CreateInput{Product: "web", Channel: "web"})
	create("again", day(18, 9, 30), ticketcore.CreateInput{Category: "billing", Product: "web", Channel: "email", Team: "t1",
		Assignee: "bob", Links: []events.Link{{Type: events.LinkFollowUpOf, TicketID: f.ids["refund"]}}})
	move("again", day(18, 10, 0), ticketcore.TransitionInput{To: "open"})
	clk.set(fixNow)

	st, err := duckdb.Open(ctx, filepath.Join(t.TempDir(), "a.duckdb"))
	if err != nil {
		t.Fatalf("open duckdb: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	evs, err := svc.Events(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Apply(ctx, evs); err != nil {
		t.Fatalf("apply events: %v", err)
	}
	f.store = st

	slaLeft := 5400.0
	mustGet := func(name string) ticketcore.Ticket {
		tk, err := svc.Get(ctx, f.ids[name])
		if err != nil {
			t.Fatal(err)
		}
		return *tk
	}
	f.desk = &fakeDesk{
		agents: []desk.Agent{
			{Login: "bob", Name: "Bob B", Teams: []string{"t1"}, Skills: map[string]int{"billing": 4}, Capacity: 8, Status: "online"},
			{Login: "ann", Name: "Ann A", Teams: []string{"t1", "t2"}, Skills: map[string]int{"billing": 2, "login": 5},
				Languages: []string{"en", "zh"}, Capacity: 10, Status: "away"},
		},
		teams: []desk.Team{{Name: "t1", Skills: []string{"billing"}}, {Name: "t2", BackupTeam: "t1", Skills: []string{"login"}}},
		// Deliberately not in id or score order: the page keeps the desk's order.
		queue: []desk.QueueEntry{
			{Ticket: mustGet("again"), Score: 7.5, Assigned: true, SLARemainingSeconds: &slaLeft},
			{Ticket: mustGet("login"), Score: 3.25},
			{Ticket: mustGet("twice"), Score: 1.5, Assigned: true},
		},
	}
	f.srv, err = New(Options{Auth: f.sess, Tickets: svc, Desk: f.desk, Analytics: st, Knowledge: f.know,
		Now: func() time.Time { return fixNow }, Location: time.UTC})
	if err != nil {
		t.Fatalf("new server: %v", err)
	}
	return f
}

// do sends a request as role ("" for no session).
func (f *fixture) do(t *testing.T, method, path string, role auth.Role, form url.Values, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	var req *http.Request
	if form != nil {
		req = httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, path, nil)
	}
	if role != "" {
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: secretOf(role)})
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i] == "Cookie" {
			name, value, _ := strings.Cut(header[i+1], "=")
			req.AddCookie(&http.Cookie{Name: name, Value: value})
			continue
		}
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	f.srv.Handler().ServeHTTP(rec, req)
	return rec
}

func (f *fixture) get(t *testing.T, role auth.Role, path string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	return f.do(t, http.MethodGet, path, role, nil, header...)
}

// post sends a form with the CSRF token of role's session.
func (f *fixture) post(t *testing.T, role auth.Role, path string, form url.Values) *httptest.ResponseRecorder {
	t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if role != "" && !form.Has(csrfField) {
		form.Set(csrfField, csrfToken(secretOf(role)))
	}
	return f.do(t, http.MethodPost, path, role, form)
}

// page GETs path as role and fails unless it answers 200.
func (f *fixture) page(t *testing.T, role auth.Role, path string) string {
	t.Helper()
	rec := f.get(t, role, path)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s as %s: %d\n%s", path, role, rec.Code, short(rec.Body.String()))
	}
	return rec.Body.String()
}

func (f *fixture) id(name string) string { return strconv.FormatInt(f.ids[name], 10) }

// want fails unless rec has the status and every fragment in its body.
func want(t *testing.T, rec *httptest.ResponseRecorder, code int, contains ...string) string {
	t.Helper()
	body := rec.Body.String()
	if rec.Code != code {
		t.Fatalf("status %d, want %d\n%s", rec.Code, code, short(body))
	}
	for _, c := range contains {
		if !strings.Contains(body, c) {
			t.Errorf("body lacks %q\n%s", c, short(body))
		}
	}
	return body
}

func short(s string) string {
	if i := strings.Index(s, "<main>"); i >= 0 {
		s = s[i:]
	}
	if len(s) > 3000 {
		return s[:3000] + "…"
	}
	return s
}

var (
	dataOptionRE = regexp.MustCompile(`id="([^"]+)" data-option="([^"]*)"(?: data-links="([^"]*)")?`)
	countRE      = regexp.MustCompile(`id="ticket-count" data-count="(\d+)"`)
	rowIDRE      = regexp.MustCompile(`<tr><td class="num">(\d+)</td><td><a href="/ui/tickets/`)
)

// pageChart is a chart as a page embeds it: its option and links decoded.
type pageChart struct {
	ID     string
	Option map[string]any
	Links  map[string]string
}

// chartsIn reads the charts out of a page's data attributes.
func chartsIn(t *testing.T, body string) map[string]pageChart {
	t.Helper()
	out := map[string]pageChart{}
	for _, m := range dataOptionRE.FindAllStringSubmatch(body, -1) {
		c := pageChart{ID: m[1]}
		if err := json.Unmarshal([]byte(html.UnescapeString(m[2])), &c.Option); err != nil {
			t.Fatalf("chart %s option: %v", m[1], err)
		}
		if m[3] != "" {
			if err := json.Unmarshal([]byte(html.UnescapeString(m[3])), &c.Links); err != nil {
				t.Fatalf("chart %s links: %v", m[1], err)
			}
		}
		out[c.ID] = c
	}
	return out
}

// seriesData is series i's data values of a chart option.
func seriesData(t *testing.T, opt map[string]any, i int) []any {
	t.Helper()
	ss, _ := opt["series"].([]any)
	if i >= len(ss) {
		t.Fatalf("no series %d in %v", i, opt["series"])
	}
	data, _ := ss[i].(map[string]any)["data"].([]any)
	out := make([]any, len(data))
	for j, d := range data {
		if m, ok := d.(map[string]any); ok {
			out[j] = m["value"]
		} else {
			out[j] = d
		}
	}
	return out
}

// listed opens a ticket-list URL and returns the count it shows and the
// ids of its rows.
func (f *fixture) listed(t *testing.T, link string) (int, []string) {
	t.Helper()
	body := f.page(t, auth.RoleManager, link)
	m := countRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("%s: no ticket count", link)
	}
	n, _ := strconv.Atoi(m[1])
	var ids []string
	for _, r := range rowIDRE.FindAllStringSubmatch(body, -1) {
		ids = append(ids, r[1])
	}
	if len(ids) != n {
		t.Fatalf("%s: count %d but %d rows", link, n, len(ids))
	}
	return n, ids
}

// TestMain quiets the stores' start-up logs and checks that no page left a
// goroutine running.
func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	testleak.Main(m, "deskmine/dashboards.")
}

func TestNewNeedsAuthAndTickets(t *testing.T) {
	if _, err := New(Options{}); err == nil || !strings.Contains(err.Error(), "Auth and Tickets are required") {
		t.Fatalf("New without parts: %v", err)
	}
}

// TestRoutesAnonymous: every page sends a visitor without a session to the
// login page (GET, with the page to come back to) or refuses with 401 (POST).
func TestRoutesAnonymous(t *testing.T) {
	f := newFixture(t)
	for _, p := range f.srv.pages() {
		path := Prefix + strings.NewReplacer(":id", "1", ":action", "approve").Replace(p.path)
		rec := f.do(t, p.method, path, "", url.Values{})
		switch p.method {
		case http.MethodGet:
			if rec.Code != http.StatusFound {
				t.Errorf("GET %s: %d, want 302", path, rec.Code)
				continue
			}
			wantLoc := Prefix + "/login?next=" + url.QueryEscape(path)
			if got := rec.Header().Get("Location"); got != wantLoc {
				t.Errorf("GET %s: Location %q, want %q", path, got, wantLoc)
			}
		default:
			want(t, rec, http.StatusUnauthorized, "Your session has ended")
		}
	}
	// A session the auth service does not know is the same as none.
	rec := f.get(t, "", Prefix+"/tickets", "Cookie", sessionCookie+"=stale")
	if rec.Code != http.StatusFound {
		t.Fatalf("stale session: %d", rec.Code)
	}
}

func TestRoutesRoles(t *testing.T) {
	f := newFixture(t)
	managerPages := []string{"/overview", "/hotspots", "/spikes", "/rootcause", "/bottlenecks", "/performance", "/timetravel"}
	for _, p := range managerPages {
		f.page(t, auth.RoleManager, Prefix+p)
		f.page(t, auth.RoleAdmin, Prefix+p)
		want(t, f.get(t, auth.RoleAgent, Prefix+p), http.StatusForbidden, "Your role may not do this.")
		want(t, f.get(t, auth.RoleReviewer, Prefix+p), http.StatusForbidden)
	}
	workerPages := []string{"/tickets", "/tickets/" + f.id("twice"), "/queue", "/board", "/skills", "/similar?text=refund"}
	for _, p := range workerPages {
		for _, r := range []auth.Role{auth.RoleManager, auth.RoleAdmin, auth.RoleAgent} {
			f.page(t, r, Prefix+p)
		}
		want(t, f.get(t, auth.RoleReviewer, Prefix+p), http.StatusForbidden)
	}
	want(t, f.post(t, auth.RoleReviewer, Prefix+"/tickets/"+f.id("twice")+"/comment",
		url.Values{"body": {"x"}, "visibility": {"public"}}), http.StatusForbidden)
	want(t, f.get(t, auth.RoleAgent, Prefix+"/kb"), http.StatusForbidden)

	// Home sends each role to its start page.
	for role, to := range map[auth.Role]string{auth.RoleManager: "/overview", auth.RoleAdmin: "/overview",
		auth.RoleAgent: "/queue", auth.RoleReviewer: "/kb"} {
		rec := f.get(t, role, Prefix+"/")
		if rec.Code != http.StatusFound || rec.Header().Get("Location") != Prefix+to {
			t.Errorf("home of %s: %d %q, want %s", role, rec.Code, rec.Header().Get("Location"), Prefix+to)
		}
	}
	for _, p := range []string{"/", Prefix} {
		rec := f.get(t, "", p)
		if rec.Code != http.StatusFound || rec.Header().Get("Location") != Prefix+"/" {
			t.Errorf("GET %s: %d %q", p, rec.Code, rec.Header().Get("Location"))
		}
	}
	rec := f.get(t, auth.RoleManager, Prefix+"/nope")
	want(t, rec, http.StatusNotFound, "Not found.")
}

// TestRoutesWithoutParts: pages whose part is not wired answer 404, and an
// agent's home falls back to the ticket list without a desk.
func TestRoutesWithoutParts(t *testing.T) {
	f := newFixture(t)
	srv, err := New(Options{Auth: f.sess, Tickets: f.svc, Now: func() time.Time { return fixNow }})
	if err != nil {
		t.Fatal(err)
	}
	f.srv = srv
	for _, p := range []string{"/overview", "/hotspots", "/queue", "/skills", "/similar?text=abc", "/kb"} {
		role := auth.RoleManager
		want(t, f.get(t, role, Prefix+p), http.StatusNotFound)
	}
	f.page(t, auth.RoleAgent, Prefix+"/board")
	f.page(t, auth.RoleAgent, Prefix+"/tickets/"+f.id("twice"))
	rec := f.get(t, auth.RoleAgent, Prefix+"/")
	if loc := rec.Header().Get("Location"); loc != Prefix+"/tickets" {
		t.Fatalf("agent home without desk: %q", loc)
	}
}

func TestRoutesList(t *testing.T) {
	f := newFixture(t)
	got := f.srv.Routes()
	if len(got) != len(f.srv.pages()) {
		t.Fatalf("Routes: %d, pages: %d", len(got), len(f.srv.pages()))
	}
	for _, r := range []string{"GET /ui/overview", "POST /ui/tickets/:id/comment", "GET /ui/kb/articles/:id"} {
		found := false
		for _, g := range got {
			found = found || g == r
		}
		if !found {
			t.Errorf("Routes lacks %q: %v", r, got)
		}
	}
}

func TestSecureHeaders(t *testing.T) {
	f := newFixture(t)
	rec := f.get(t, auth.RoleManager, Prefix+"/tickets")
	h := rec.Header()
	if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP %q", csp)
	}
	if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Cache-Control") != "no-store" {
		t.Errorf("headers %v", h)
	}
}

func TestFixtureSanity(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	page, err := f.svc.List(ctx, ticketcore.ListQuery{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Tickets) != 7 {
		t.Fatalf("fixture tickets: %d", len(page.Tickets))
	}
	tk, err := f.svc.Get(ctx, f.ids["refund"])
	if err != nil {
		t.Fatal(err)
	}
	if !tk.CreatedAt.Equal(day(10, 9, 0)) || tk.ResolvedAt == nil || !tk.ResolvedAt.Equal(day(10, 15, 0)) {
		t.Fatalf("refund times: %v %v", tk.CreatedAt, tk.ResolvedAt)
	}
	_, err = f.svc.Get(ctx, 999999)
	if te, ok := ticketcore.AsError(err); !ok || te.Code != ticketcore.CodeNotFound {
		t.Fatalf("missing ticket: %v", err)
	}
}

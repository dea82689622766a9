package dashboards

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/internal/syncbuf"
	"github.com/deskmine/deskmine/kb"
	"github.com/deskmine/deskmine/kb/articles"
	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/auth"
)

// TestBadInputPages: input a page refuses comes back as a page naming the
// field and why, with the status that fits.
func TestBadInputPages(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		role          auth.Role
		path          string
		code          int
		field, reason string
	}{
		{auth.RoleManager, "/ui/hotspots?dim=nope", 400, "dim", `unknown dimension &#34;nope&#34;`},
		{auth.RoleManager, "/ui/hotspots?dim2=cf.Bad", 400, "dim2", "custom field dimension"},
		{auth.RoleManager, "/ui/hotspots?dim=team&dim2=team", 400, "dim2", "a dimension other than dim"},
		{auth.RoleManager, "/ui/hotspots?by=year", 400, "by", "one of none, day, week, month"},
		{auth.RoleManager, "/ui/hotspots?limit=0", 400, "limit", "a whole number from 1 to 50"},
		{auth.RoleManager, "/ui/hotspots?f=nope:x", 400, "f", `unknown dimension &#34;nope&#34;`},
		{auth.RoleManager, "/ui/overview?range=9d", 400, "range", "one of 7d, 30d, 90d, 365d"},
		{auth.RoleManager, "/ui/overview?from=2025-03-01", 400, "from", "give both from and to"},
		{auth.RoleManager, "/ui/overview?from=2025-03-05&to=2025-03-01", 400, "to", "on or after from"},
		{auth.RoleManager, "/ui/overview?bucket=year", 400, "bucket", "one of day, week, month"},
		{auth.RoleManager, "/ui/overview?fdim=team", 400, "fdim", "one fval for every fdim"},
		{auth.RoleManager, "/ui/spikes?by=week", 400, "by", "one of day, hour"},
		{auth.RoleManager, "/ui/spikes?by=hour&range=90d", 400, "range", "hourly spikes look at most 31 days"},
		{auth.RoleManager, "/ui/performance?by=region", 400, "by", "one of team, agent"},
		{auth.RoleManager, "/ui/performance?anonymous=maybe", 400, "anonymous", "on or off"},
		{auth.RoleManager, "/ui/timetravel?at=yesterday", 400, "at", "YYYY-MM-DDTHH:MM"},
		{auth.RoleManager, "/ui/tickets?created_from=x", 400, "created_from", "RFC 3339"},
		{auth.RoleManager, "/ui/tickets?sort=subject", 400, "sort", "one of created_at"},
		{auth.RoleManager, "/ui/tickets?tag=", 400, "tag", "must not be empty"},
		{auth.RoleAgent, "/ui/tickets/abc", 400, "id", "a ticket number"},
		{auth.RoleAgent, "/ui/tickets/-3", 400, "id", "a ticket number"},
		{auth.RoleAgent, "/ui/board?mine=maybe", 400, "mine", "on or off"},
		{auth.RoleAgent, "/ui/similar?text=", 400, "text", "required"},
	}
	for _, c := range cases {
		rec := f.get(t, c.role, c.path)
		body := rec.Body.String()
		if rec.Code != c.code {
			t.Errorf("%s: %d, want %d\n%s", c.path, rec.Code, c.code, short(body))
			continue
		}
		if !strings.Contains(body, "<strong>"+c.field+"</strong>: ") || !strings.Contains(body, c.reason) {
			t.Errorf("%s: page does not name %s (%s)\n%s", c.path, c.field, c.reason, short(body))
		}
		if !strings.Contains(body, `role="alert"`) || !strings.Contains(body, "<h1>"+fmt.Sprint(c.code)+"</h1>") {
			t.Errorf("%s: not the error page", c.path)
		}
	}
	want(t, f.get(t, auth.RoleAgent, "/ui/tickets/999999"), http.StatusNotFound, "Not found.", "<h1>404</h1>")
}

// failingAnalytics is the real store with Trends failing, and a ticket
// service that panics on one ticket.
type failingAnalytics struct {
	Analytics
}

func (failingAnalytics) Trends(context.Context, analytics.TrendQuery) ([]analytics.TrendPoint, error) {
	return nil, errors.New("duckdb: secret-table-xyz is corrupt")
}

type panickyTickets struct{ Tickets }

func (p panickyTickets) Get(ctx context.Context, id int64) (*ticketcore.Ticket, error) {
	if id == 4242 {
		panic("secret-panic-xyz")
	}
	return p.Tickets.Get(ctx, id)
}

// syncBuffer is a log sink the server's goroutines may share.
type syncBuffer = syncbuf.Buffer

// TestInternalErrorsDoNotLeak: a failure of a part, or a panic, is a 500
// page without its cause; the cause goes to the log.
func TestInternalErrorsDoNotLeak(t *testing.T) {
	f := newFixture(t)
	var logs syncBuffer
	srv, err := New(Options{Auth: f.sess, Tickets: panickyTickets{f.svc}, Analytics: failingAnalytics{f.store},
		Now: func() time.Time { return fixNow }, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	f.srv = srv
	for _, path := range []string{"/ui/overview", "/ui/tickets/4242"} {
		rec := f.get(t, auth.RoleManager, path)
		body := want(t, rec, http.StatusInternalServerError, "Something went wrong on the server")
		if strings.Contains(body, "secret-") {
			t.Errorf("%s leaks the cause:\n%s", path, short(body))
		}
	}
	if l := logs.String(); !strings.Contains(l, "secret-table-xyz") || !strings.Contains(l, "secret-panic-xyz") {
		t.Errorf("the causes are not logged:\n%s", l)
	}
	// Pages that do not need the failing part still work.
	f.page(t, auth.RoleManager, "/ui/hotspots")
}

func TestClassify(t *testing.T) {
	s := &Server{}
	cases := []struct {
		err           error
		status        int
		key           string
		field, reason string
	}{
		{badField("x", "why"), 400, "error.field", "x", "why"},
		{echo.ErrNotFound, 404, "error.notfound", "", ""},
		{echo.NewHTTPError(http.StatusMethodNotAllowed), 405, "error.status", "", ""},
		{fmt.Errorf("update: %w", ticketcore.ErrConflict), 409, "error.conflict", "", ""},
		{ticketcore.NotFound("ticket", 3), 404, "error.notfound", "", ""},
		{&ticketcore.Error{Code: ticketcore.CodeConflict, Message: "stale"}, 409, "error.conflict", "", "stale"},
		{&ticketcore.Error{Code: ticketcore.CodeForbidden, Message: "no"}, 403, "error.forbidden", "", "no"},
		{&ticketcore.Error{Code: ticketcore.CodeIllegalTransition, Message: "cannot go from new to new"}, 422, "error.invalid", "", "cannot go from new to new"},
		{&ticketcore.Error{Code: ticketcore.CodeInvalid, Message: "validation failed", Fields: map[string]string{"b": "too long", "a": "required"}},
			422, "error.invalid", "a, b", "a: required; b: too long"},
		{&ticketcore.Error{Code: ticketcore.CodeBadRequest, Message: "bad", Fields: map[string]string{"created_to": "x"}}, 400, "error.invalid", "created_to", "created_to: x"},
		{fmt.Errorf("q: %w", &analytics.QueryError{Field: "dim", Reason: "unknown"}), 400, "error.field", "dim", "unknown"},
		{&kb.InputError{Field: "text", Reason: "too long"}, 422, "error.invalid", "text", "too long"},
		{&articles.FieldError{Field: "title", Reason: "required"}, 422, "error.invalid", "title", "required"},
		{fmt.Errorf("get: %w", ticketcore.ErrNotFound), 404, "error.notfound", "", ""},
		{fmt.Errorf("%w: 9", kb.ErrUnknownTicket), 404, "error.notfound", "", ""},
		{errors.New("disk on fire"), 500, "error.internal", "", ""},
	}
	for _, c := range cases {
		pe := s.classify(c.err)
		if pe.status != c.status || pe.msgKey != c.key || pe.field != c.field || (c.reason != "" && pe.reason != c.reason) {
			t.Errorf("classify(%v) = %+v, want %d %s %q %q", c.err, *pe, c.status, c.key, c.field, c.reason)
		}
		if c.status == 500 && pe.reason != "" {
			t.Errorf("an internal error shows %q", pe.reason)
		}
	}
	if got := badField("f", "r").Error(); got != "f: r" {
		t.Errorf("pageError text %q", got)
	}
}

func TestHumanDuration(t *testing.T) {
	cases := map[time.Duration]string{
		0:                                   "0s",
		45 * time.Second:                    "45s",
		5*time.Minute + 10*time.Second:      "5m 10s",
		3*time.Hour + 4*time.Minute + 5e9:   "3h 4m",
		(3*24+4)*time.Hour + 59*time.Minute: "3d 4h",
		24 * time.Hour:                      "1d",
		-90 * time.Minute:                   "-1h 30m",
	}
	for d, w := range cases {
		if got := humanDuration(d); got != w {
			t.Errorf("humanDuration(%v) = %q, want %q", d, got, w)
		}
	}
}

func TestViewHelpers(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*3600)
	v := &view{Path: "/ui/hotspots", Query: url.Values{"dim": {"team"}, "range": {"7d"}}, Loc: shanghai,
		User: &auth.User{Role: auth.RoleAgent}}
	at := time.Date(2025, 3, 20, 23, 30, 0, 0, time.UTC)
	if got := v.Time(at); got != "2025-03-21 07:30" {
		t.Errorf("Time in the display zone: %q", got)
	}
	if v.Time(time.Time{}) != "—" || v.TimeP(nil) != "—" || v.TimeP(&at) != "2025-03-21 07:30" {
		t.Error("Time of zero or nil")
	}
	if !v.Role("manager", "agent") || v.Role("manager") || (&view{}).Role("agent") {
		t.Error("Role")
	}
	funcs := templateFuncs(&assets{files: map[string]asset{}})
	pct := funcs["pct"].(func(float64) string)
	if pct(math.NaN()) != "—" || pct(12.345) != "12.3%" {
		t.Errorf("pct: %q %q", pct(math.NaN()), pct(12.345))
	}
	if got := funcs["ratio"].(func(float64) string)(0.875); got != "87.5%" {
		t.Errorf("ratio: %q", got)
	}
	if got := funcs["durms"].(func(int64) string)(90 * 60 * 1000); got != "1h 30m" {
		t.Errorf("durms: %q", got)
	}
	pad := funcs["pad"].(func([]filter, int) []filter)
	if got := pad([]filter{{"team", "t1"}}, 3); len(got) != 3 || got[0].Dim != "team" || got[2] != (filter{}) {
		t.Errorf("pad: %v", got)
	}
	slapct := funcs["slapct"].(func(analytics.TrendPoint) string)
	if slapct(analytics.TrendPoint{SLAMet: 1, Resolved: 4}) != "25.0" || slapct(analytics.TrendPoint{}) != "—" {
		t.Error("slapct")
	}
	csat := funcs["csat"].(func(analytics.TrendPoint) string)
	if csat(analytics.TrendPoint{CSATSum: 9, CSATRated: 2}) != "4.50" {
		t.Error("csat")
	}
}

func TestRenderUnknownTemplate(t *testing.T) {
	f := newFixture(t)
	e := echo.New()
	req, _ := http.NewRequest(http.MethodGet, "/", nil)
	c := e.NewContext(req, nil)
	if err := f.srv.render(c, 200, "nope", nil); err == nil || !strings.Contains(err.Error(), `no template "nope"`) {
		t.Fatalf("render of an unknown page: %v", err)
	}
}

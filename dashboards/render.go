package dashboards

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"maps"
	"math"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/internal/fieldmsg"
	"github.com/deskmine/deskmine/kb"
	"github.com/deskmine/deskmine/kb/articles"
	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/auth"
)

//go:embed templates/*.html
var templateFiles embed.FS

// views holds one parsed template set per page, each with the layout.
type views struct {
	pages map[string]*template.Template
	cat   catalogs
}

func loadViews(files fs.FS, as *assets) (*views, error) {
	cat, err := loadCatalogs()
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		return nil, errFS("templates", err)
	}
	funcs := templateFuncs(as)
	v := &views{pages: map[string]*template.Template{}, cat: cat}
	for _, n := range names {
		base := strings.TrimSuffix(path.Base(n), ".html")
		if base == "layout" || strings.HasPrefix(base, "_") {
			continue
		}
		partials, err := fs.Glob(files, "templates/_*.html")
		if err != nil {
			return nil, errFS("templates", err)
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(files, append([]string{"templates/layout.html", n}, partials...)...)
		if err != nil {
			return nil, fmt.Errorf("dashboards: template %s: %w", base, err)
		}
		v.pages[base] = t
	}
	return v, nil
}

// view is what every template renders: the page's data plus who is
// looking, in which language, and the form token.
type view struct {
	Page  string
	Lang  string
	User  *auth.User
	CSRF  string
	Data  any
	Path  string
	Query url.Values
	Loc   *time.Location
	cat   catalogs
}

// chartRef is what the "chart" template draws: a chart and its view.
type chartRef struct {
	V    *view
	C    chart
	Tall bool
}

// simRef is what the similar-cases panel draws.
type simRef struct {
	V *view
	P similarPanel
}

// T is a message in the view's language.
func (v *view) T(key string, args ...any) string { return v.cat.text(v.Lang, key, args...) }

// Role reports whether the viewer has one of the roles.
func (v *view) Role(roles ...string) bool {
	if v.User == nil {
		return false
	}
	for _, r := range roles {
		if string(v.User.Role) == r {
			return true
		}
	}
	return false
}

// Time formats t in the server's display zone.
func (v *view) Time(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(v.Loc).Format("2006-01-02 15:04")
}

// TimeP formats an optional time.
func (v *view) TimeP(t *time.Time) string {
	if t == nil {
		return "—"
	}
	return v.Time(*t)
}

func (s *Server) render(c echo.Context, status int, name string, data any) error {
	t, ok := s.views.pages[name]
	if !ok {
		return fmt.Errorf("dashboards: no template %q", name)
	}
	v := &view{Page: name, Lang: langOf(c), User: currentUser(c), Data: data, Path: c.Request().URL.Path,
		Query: c.QueryParams(), Loc: s.opts.Location, cat: s.views.cat}
	if sess, _ := c.Get(sessionKey).(string); sess != "" {
		v.CSRF = csrfToken(sess)
	}
	var buf bytes.Buffer
	if f := t.Lookup("fragment"); f != nil {
		t = f // a piece of a page that a script inserts: no layout
	}
	if err := t.Execute(&buf, v); err != nil {
		return fmt.Errorf("dashboards: render %s: %w", name, err)
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.HTMLBlob(status, buf.Bytes())
}

func templateFuncs(as *assets) template.FuncMap {
	return template.FuncMap{
		"asset": as.url,
		"dur":   humanDuration,
		"durms": func(ms int64) string { return humanDuration(time.Duration(ms) * time.Millisecond) },
		"pct": func(x float64) string {
			if math.IsNaN(x) {
				return "—"
			}
			return strconv.FormatFloat(x, 'f', 1, 64) + "%"
		},
		"ratio": func(x float64) string { return strconv.FormatFloat(x*100, 'f', 1, 64) + "%" },
		"f1":    func(x float64) string { return strconv.FormatFloat(x, 'f', 1, 64) },
		"f2":    func(x float64) string { return strconv.FormatFloat(x, 'f', 2, 64) },
		"add":   func(a, b int) int { return a + b },
		"join":  strings.Join,
		"query": url.QueryEscape,
		"ms":    func(d time.Duration) int64 { return d.Milliseconds() },
		"list":  func(xs ...string) []string { return xs },
		"pad": func(fs []filter, n int) []filter {
			out := append([]filter(nil), fs...)
			for len(out) < n {
				out = append(out, filter{})
			}
			return out
		},
		"chartOf":   func(v *view, c chart) chartRef { return chartRef{V: v, C: c} },
		"tallChart": func(v *view, c chart) chartRef { return chartRef{V: v, C: c, Tall: true} },
		"label":     func(v *view, key string) string { return keyLabel(v, key) },
		"age":       ageText,
		"mover":     moverText,
		"mentions":  mentionSegments,
		// partURL is the page's own address with another tab.
		"partURL": func(v *view, part string) string {
			q := url.Values{}
			for k, vs := range v.Query {
				q[k] = vs
			}
			q.Set("part", part)
			return v.Path + "?" + q.Encode()
		},
		"reopenTables": func(r analytics.ReopenReport) map[string][]analytics.ReopenRate {
			return map[string][]analytics.ReopenRate{"team": r.ByTeam, "category": r.ByCategory, "product": r.ByProduct}
		},
		"handoffTables": func(r *analytics.RootCauseResult) map[string][]analytics.HandoffGroup {
			return map[string][]analytics.HandoffGroup{"product": r.HandoffsByProduct, "category": r.HandoffsByCategory}
		},
		"has":     slices.Contains[[]string],
		"slaleft": func(sec float64) string { return humanDuration(time.Duration(sec * float64(time.Second))) },
		"simOf":   func(v *view, p similarPanel) simRef { return simRef{V: v, P: p} },
		"slapct":  func(p analytics.TrendPoint) string { return numText(nanRatio(p.SLAMet, p.Resolved)*100, 1) },
		"hours":   func(ms, n int64) string { return numText(hoursOrGap(ms, n), 1) },
		"csat":    func(p analytics.TrendPoint) string { return numText(nanRatio(p.CSATSum, p.CSATRated), 2) },
	}
}

// humanDuration writes d as the two largest units ("3d 4h", "5m 10s").
func humanDuration(d time.Duration) string {
	neg := d < 0
	if neg {
		d = -d
	}
	parts := []struct {
		n    time.Duration
		unit string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}}
	var out []string
	for _, p := range parts {
		if d >= p.n || (len(out) == 0 && p.unit == "s") {
			out = append(out, strconv.FormatInt(int64(d/p.n), 10)+p.unit)
			d %= p.n
		}
		if len(out) == 2 {
			break
		}
	}
	s := strings.Join(out, " ")
	if neg {
		return "-" + s
	}
	return s
}

// pageError is a request the page refuses, shown on the error page with its
// status; field and reason name what was wrong with the input.
type pageError struct {
	status        int
	msgKey        string
	field, reason string
}

func (e *pageError) Error() string {
	if e.field != "" {
		return e.field + ": " + e.reason
	}
	return e.msgKey
}

func badField(field, reason string) *pageError {
	return &pageError{status: http.StatusBadRequest, msgKey: "error.field", field: field, reason: reason}
}

func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	pe := s.classify(err)
	if pe.status >= 500 {
		s.log.Error("page failed", "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
	}
	data := map[string]any{"Status": pe.status, "Key": pe.msgKey, "Field": pe.field, "Reason": pe.reason}
	if rerr := s.render(c, pe.status, "error", data); rerr != nil {
		s.log.Error("render error page", "err", rerr)
		_ = c.String(pe.status, http.StatusText(pe.status))
	}
}

// classify turns any error into what the error page shows; causes of
// internal errors are logged, never shown.
func (s *Server) classify(err error) *pageError {
	var pe *pageError
	if errors.As(err, &pe) {
		return pe
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		key := "error.status"
		if he.Code == http.StatusNotFound {
			key = "error.notfound"
		}
		return &pageError{status: he.Code, msgKey: key}
	}
	if errors.Is(err, ticketcore.ErrConflict) {
		return &pageError{status: http.StatusConflict, msgKey: "error.conflict"}
	}
	if te, ok := ticketcore.AsError(err); ok {
		out := &pageError{status: http.StatusUnprocessableEntity, msgKey: "error.invalid"}
		switch te.Code {
		case ticketcore.CodeNotFound:
			out.status, out.msgKey = http.StatusNotFound, "error.notfound"
		case ticketcore.CodeConflict:
			out.status, out.msgKey = http.StatusConflict, "error.conflict"
		case ticketcore.CodeForbidden:
			out.status, out.msgKey = http.StatusForbidden, "error.forbidden"
		case ticketcore.CodeBadRequest:
			out.status = http.StatusBadRequest
		}
		if len(te.Fields) > 0 {
			keys := slices.Sorted(maps.Keys(te.Fields))
			out.field, out.reason = strings.Join(keys, ", "), fieldmsg.Join(te.Fields)
		} else if out.status != http.StatusNotFound {
			out.reason = te.Message
		}
		return out
	}
	var qe *analytics.QueryError
	if errors.As(err, &qe) {
		return badField(qe.Field, qe.Reason)
	}
	var ke *kb.InputError
	if errors.As(err, &ke) {
		return &pageError{status: http.StatusUnprocessableEntity, msgKey: "error.invalid", field: ke.Field, reason: ke.Reason}
	}
	var ae *articles.FieldError
	if errors.As(err, &ae) {
		return &pageError{status: http.StatusUnprocessableEntity, msgKey: "error.invalid", field: ae.Field, reason: ae.Reason}
	}
	switch {
	case errors.Is(err, ticketcore.ErrNotFound), errors.Is(err, articles.ErrNotFound), errors.Is(err, kb.ErrUnknownTicket):
		return &pageError{status: http.StatusNotFound, msgKey: "error.notfound"}
	case errors.Is(err, articles.ErrForbidden):
		return &pageError{status: http.StatusForbidden, msgKey: "error.forbidden", reason: err.Error()}
	case errors.Is(err, articles.ErrConflict):
		return &pageError{status: http.StatusConflict, msgKey: "error.conflict", reason: err.Error()}
	}
	return &pageError{status: http.StatusInternalServerError, msgKey: "error.internal"}
}

// viewer is a view with only the request's language, for handlers that
// put translated text into charts.
func (s *Server) viewer(c echo.Context) *view {
	return &view{Lang: langOf(c), cat: s.views.cat, Loc: s.opts.Location}
}

func fmtf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// Package httpapi is the analytics JSON API under /api/v1/analytics/: the
// hotspot, mover, backlog, performance and bottleneck queries, as JSON or,
// with format=csv, as the CSV of each answer's main table.
//
// The package knows nothing of logins: Routes lists each endpoint with the
// names of the roles that may call it, and whoever mounts the handlers
// (the ticket API) authenticates and checks those roles. Errors are
// written in the ticket API's error shape,
// {"error": {"code": "...", "message": "...", "fields": {"name": "reason"}}}.
package httpapi

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/deskmine/deskmine/analytics"
)

// Store answers every analytics query; the DuckDB and ClickHouse stores
// implement it.
type Store interface {
	analytics.Hotspotter
	analytics.Performer
	analytics.BottleneckFinder
	analytics.RootCauser
	analytics.TimeTraveler
	analytics.Repeater
	analytics.PainPointer
	analytics.Trender
}

// Handlers serve the analytics API from one store.
type Handlers struct {
	store Store
	log   *slog.Logger
}

// New returns the handlers of store; a nil logger logs to slog.Default().
func New(store Store, log *slog.Logger) *Handlers {
	if log == nil {
		log = slog.Default()
	}
	return &Handlers{store: store, log: log}
}

// Route is one endpoint of the API and the names of the roles allowed to
// call it ("admin", "manager", ...), for the mounting server to enforce.
type Route struct {
	Method  string
	Path    string
	Handler echo.HandlerFunc
	Roles   []string
}

// Roles allowed on every analytics route.
var analystRoles = []string{"admin", "manager"}

// Prefix is the path under which the routes live.
const Prefix = "/api/v1/analytics"

// Routes lists the endpoints of h.
func Routes(h *Handlers) []Route {
	r := func(path string, fn echo.HandlerFunc) Route {
		return Route{Method: http.MethodGet, Path: Prefix + path, Handler: fn, Roles: slices.Clone(analystRoles)}
	}
	return []Route{
		r("/hotspots", h.Hotspots),
		r("/movers", h.Movers),
		r("/backlog", h.Backlog),
		r("/performance", h.Performance),
		r("/bottlenecks", h.Bottlenecks),
		r("/rootcause", h.RootCause),
		r("/open", h.Open),
		r("/spikes", h.Spikes),
		r("/repeats", h.Repeats),
		r("/painpoints", h.PainPoints),
		r("/trends", h.Trends),
	}
}

// errorBody is the API's one error shape.
type errorBody struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// paramError is a request the handler refuses with 400.
type paramError struct {
	fields map[string]string
}

func (e *paramError) Error() string {
	names := make([]string, 0, len(e.fields))
	for k := range e.fields {
		names = append(names, k)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, k := range names {
		parts[i] = k + ": " + e.fields[k]
	}
	return "bad " + strings.Join(parts, "; ")
}

func badParam(name, reason string) *paramError {
	return &paramError{fields: map[string]string{name: reason}}
}

// fail writes err as the API's error response: parameter and query errors
// are 400 naming the field; anything else is a 500 whose cause is logged,
// never shown.
func (h *Handlers) fail(c echo.Context, err error) error {
	var pe *paramError
	var qe *analytics.QueryError
	switch {
	case errors.As(err, &pe):
		return c.JSON(http.StatusBadRequest, map[string]any{"error": errorBody{Code: "bad_request", Message: pe.Error(), Fields: pe.fields}})
	case errors.As(err, &qe):
		return c.JSON(http.StatusBadRequest, map[string]any{"error": errorBody{Code: "bad_request", Message: qe.Error(),
			Fields: map[string]string{qe.Field: qe.Reason}}})
	}
	h.log.Error("analytics query failed", "method", c.Request().Method, "path", c.Request().URL.Path,
		"request_id", c.Response().Header().Get(echo.HeaderXRequestID), "err", err)
	return c.JSON(http.StatusInternalServerError, map[string]any{"error": errorBody{Code: "internal", Message: "internal error"}})
}

// params reads a query string strictly: only the named parameters and
// filter.<dimension> are accepted, each at most once.
type params struct {
	vals    map[string]string
	filters map[string][]string
}

const filterPrefix = "filter."

func parseParams(c echo.Context, allowed ...string) (*params, error) {
	allowed = append(allowed, "format")
	p := &params{vals: map[string]string{}}
	bad := map[string]string{}
	for name, vs := range c.QueryParams() {
		switch {
		case strings.HasPrefix(name, filterPrefix) && slices.Contains(allowed, "filter"):
			dim := strings.TrimPrefix(name, filterPrefix)
			// Every item counts, the empty one too: filter.region= keeps
			// the tickets without a region.
			var values []string
			for _, v := range vs {
				for x := range strings.SplitSeq(v, ",") {
					values = append(values, strings.TrimSpace(x))
				}
			}
			if dim == "" {
				bad[name] = "names no dimension"
				continue
			}
			if p.filters == nil {
				p.filters = map[string][]string{}
			}
			p.filters[dim] = values
		case slices.Contains(allowed, name):
			if len(vs) > 1 {
				bad[name] = "is given more than once"
				continue
			}
			p.vals[name] = vs[0]
		default:
			bad[name] = "is not a known parameter; allowed: " + strings.Join(allowedNames(allowed), ", ")
		}
	}
	if len(bad) > 0 {
		return nil, &paramError{fields: bad}
	}
	switch f := p.vals["format"]; f {
	case "", "json", "csv":
	default:
		return nil, badParam("format", fmt.Sprintf("unknown format %q; allowed: json, csv", f))
	}
	return p, nil
}

func allowedNames(allowed []string) []string {
	out := make([]string, len(allowed))
	for i, a := range allowed {
		if a == "filter" {
			a = "filter.<dimension>"
		}
		out[i] = a
	}
	return out
}

func (p *params) csv() bool { return p.vals["format"] == "csv" }

// time reads an RFC 3339 time; absent is the zero time (the query's
// validation says whether it is required).
func (p *params) time(name string) (time.Time, error) {
	v, ok := p.vals[name]
	if !ok || v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, badParam(name, fmt.Sprintf("must be an RFC 3339 time like 2025-01-31T00:00:00Z, got %q", v))
	}
	return t, nil
}

func (p *params) int(name string) (int, error) {
	v, ok := p.vals[name]
	if !ok || v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, badParam(name, fmt.Sprintf("must be a whole number, got %q", v))
	}
	return n, nil
}

func (p *params) bool(name string) (bool, error) {
	switch v := p.vals[name]; v {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	default:
		return false, badParam(name, fmt.Sprintf("must be true or false, got %q", v))
	}
}

func (p *params) list(name string) []string {
	var out []string
	for x := range strings.SplitSeq(p.vals[name], ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func (p *params) fromTo() (from, to time.Time, err error) {
	if from, err = p.time("from"); err != nil {
		return
	}
	to, err = p.time("to")
	return
}

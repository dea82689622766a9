package api_test

import (
	"net/http"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/deskmine/deskmine/ticketcore/api"
	"github.com/deskmine/deskmine/ticketcore/auth"
)

// fakeAnalytics stands in for the analytics API (analytics/httpapi, which
// the ticket core may not import) at the Options.Extra seam: each route
// answers a fixed body of the documented shape, or 400 for format=xml.
// The real handlers are tested in analytics/httpapi and cmd/deskmine.
func fakeAnalytics() []api.ExtraRoute {
	const period = `"from": "2026-01-01T00:00:00Z", "to": "2026-02-01T00:00:00Z"`
	bodies := map[string]string{
		"/api/v1/analytics/hotspots": `{"dimensions": ["channel"], "bucket": "day", "tz": "UTC", ` + period +
			`, "rows": [{"bucket": "2026-01-02T00:00:00Z", "keys": ["email"], "count": 3}]}`,
		"/api/v1/analytics/movers": `{"dimension": "channel", "prev_from": "2025-12-01T00:00:00Z", ` + period +
			`, "rows": [{"key": "email", "current": 3, "previous": 0, "delta": 3, "ratio": null}]}`,
		"/api/v1/analytics/backlog": `{"at": "2026-01-01T00:00:00Z", "by": "", "rows": [{"key": "", "count": 7}]}`,
		"/api/v1/analytics/performance": `{"by": "team", ` + period + `, "prev_from": "2025-12-01T00:00:00Z", "prev_to": "2026-01-01T00:00:00Z", ` +
			`"rows": [{"key": "Team 1", "handled": 2, "first_responses": 2, "first_response_p50_ms": 10, "first_response_p90_ms": 20, ` +
			`"resolve_p50_ms": 30, "resolve_p90_ms": 40, "sla_met": 1, "sla_percent": 50, "reopened": 0, "reopen_rate": 0, "handoffs": 1, "backlog": 4}], "previous": []}`,
		"/api/v1/analytics/bottlenecks": `{` + period + `, "tickets_with_handoff": 1, "handoffs": 2, ` +
			`"status_times": [{"team": "tech", "status": "open", "total_ms": 100, "intervals": 2, "p50_ms": 50}], ` +
			`"team_times": [{"team": "tech", "waiting_ms": 0, "working_ms": 100}], ` +
			`"handoffs_by_product": [{"key": "router", "tickets": 1, "handoffs": 2}], "handoffs_by_category": [], ` +
			`"ping_pong": [{"team_a": "billing", "team_b": "tech", "tickets": 1, "bounces": 1}], ` +
			`"ping_pong_tickets": [{"ticket_id": 9, "product": "router", "category": "", "handoffs": 2, "bounces": [{"team_a": "billing", "team_b": "tech"}]}]}`,
	}
	var out []api.ExtraRoute
	for _, name := range []string{"hotspots", "movers", "backlog", "performance", "bottlenecks"} {
		path := "/api/v1/analytics/" + name
		body := bodies[path]
		out = append(out, api.ExtraRoute{Method: http.MethodGet, Path: path, Roles: []auth.Role{auth.RoleAdmin, auth.RoleManager},
			Handler: func(c echo.Context) error {
				switch c.QueryParam("format") {
				case "xml":
					return c.JSON(http.StatusBadRequest, map[string]any{"error": map[string]any{"code": "bad_request",
						"message": "bad format: unknown format", "fields": map[string]string{"format": "unknown format"}}})
				case "csv":
					return c.Blob(http.StatusOK, "text/csv; charset=utf-8", []byte("key,count\r\n,7\r\n"))
				}
				return c.JSONBlob(http.StatusOK, []byte(body))
			}})
	}
	return out
}

// TestExtraRoutesConform: extra routes are guarded like the API's own and
// their documented responses match what a handler of that shape answers.
func TestExtraRoutesConform(t *testing.T) {
	e, raw := servedOpenAPI(t)
	c := &conformance{t: t, e: e, doc: loadOpenAPI(t, raw)}
	for _, r := range fakeAnalytics() {
		c.call(200, auth.RoleAdmin, r.Method, r.Path, r.Path, nil)
		c.call(200, auth.RoleManager, r.Method, r.Path, r.Path+"?format=csv", nil)
		c.call(400, auth.RoleManager, r.Method, r.Path, r.Path+"?format=xml", nil)
		c.call(403, auth.RoleAgent, r.Method, r.Path, r.Path, nil)
		c.call(403, auth.RoleClient, r.Method, r.Path, r.Path, nil)
		c.call(401, "", r.Method, r.Path, r.Path, nil)
	}
}

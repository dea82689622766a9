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
			`"resolve_p50_ms": 30, "resolve_p90_ms": 40, "sla_met": 1, "sla_percent": 50, "reopened": 0, "reopen_rate": 0, "handoffs": 1, "backlog": 4, ` +
			`"csat_ratings": 1, "csat_average": 4, "csat_response_rate": 0.5}], "previous": []}`,
		"/api/v1/analytics/bottlenecks": `{` + period + `, "tickets_with_handoff": 1, "tickets_ping_pong": 1, "handoffs": 2, ` +
			`"status_times": [{"team": "tech", "status": "open", "total_ms": 100, "intervals": 2, "p50_ms": 50}], ` +
			`"team_times": [{"team": "tech", "waiting_ms": 0, "working_ms": 100}], ` +
			`"handoffs_by_product": [{"key": "router", "tickets": 1, "handoffs": 2}], "handoffs_by_category": [], ` +
			`"ping_pong": [{"team_a": "billing", "team_b": "tech", "tickets": 1, "bounces": 1}], ` +
			`"ping_pong_tickets": [{"ticket_id": 9, "product": "router", "category": "", "handoffs": 2, "bounces": [{"team_a": "billing", "team_b": "tech"}]}]}`,
		"/api/v1/analytics/spikes": `{"dimension": "category", "bucket": "day", "tz": "UTC", ` + period + `, "baseline": 28, "season": 7, "min_count": 10, "threshold": 4, ` +
			`"spikes": [{"dimension": "category", "value": "vpn", "bucket": "2026-01-20T00:00:00Z", "count": 86, "baseline": 9, "z": 12.5, ` +
			`"explanation": [{"dimension": "product", "value": "router", "count": 70, "share": 0.81, "baseline_share": 0.2, "lift": 4, "support": 0.81, ` +
			`"text": "product \"router\" is 81% of the spike vs 20% usually (lift 4.0)"}]}]}`,
		"/api/v1/analytics/repeats": `{` + period + `, "window_days": 7, "by": "category", "dimension": "channel", ` +
			`"totals": {"key": "", "tickets": 10, "with_customer": 8, "repeats": 2, "repeat_rate": 0.25}, ` +
			`"rows": [{"key": "email", "tickets": 6, "with_customer": 5, "repeats": 2, "repeat_rate": 0.4}], ` +
			`"pairs": [{"customer": "id:12", "key": "vpn", "tickets": 3, "repeats": 2}]}`,
		"/api/v1/analytics/painpoints": `{"segment": "customer_tier", "by": "category", ` + period + `, "min_tickets": 5, "tickets": 100, ` +
			`"segments": [{"value": "premium", "tickets": 40, "share": 0.4, "pain_points": [{"value": "vpn", "tickets": 12, "share": 0.3, ` +
			`"overall_tickets": 15, "overall_share": 0.15, "lift": 2, "score": 24, "reopened": 3, "reopen_rate": 0.25, "sla_breached": 6, ` +
			`"sla_breach_rate": 0.5, "resolved": 10, "resolve_p50_ms": 3600000, "csat_ratings": 4, "csat_average": 3.5, "csat_response_rate": 0.3333, ` +
			`"finding": "premium: vpn is 2.0x as frequent as overall (12 tickets, 25% reopened, 50% SLA breached, CSAT 3.5 from 4 ratings)"}]}]}`,
		"/api/v1/analytics/trends": `{` + period + `, "bucket": "week", "tz": "Europe/Berlin", "points": [` +
			`{"bucket": "2025-12-29T00:00:00+01:00", "end": "2026-01-04T23:00:00Z", "created": 52, "resolved": 40, "backlog": 77, ` +
			`"sla_met": 31, "sla_percent": 77.5, "first_response_p50_ms": 2950000, "resolve_p50_ms": 86400000, ` +
			`"csat_ratings": 12, "csat_sum": 47, "csat_average": 3.9167}, ` +
			`{"bucket": "2026-01-26T00:00:00+01:00", "end": "2026-02-01T00:00:00Z", "created": 0, "resolved": 0, "backlog": 80, ` +
			`"sla_met": 0, "sla_percent": 0, "first_response_p50_ms": 0, "resolve_p50_ms": 0, ` +
			`"csat_ratings": 0, "csat_sum": 0, "csat_average": 0}]}`,
		"/api/v1/analytics/rootcause": `{` + period + `, "chains": {"chains": 2, "tickets": 5, "longest": 3, "dangling_links": 1, ` +
			`"by_kind": [{"kind": "duplicate", "chains": 1, "tickets": 3}, {"kind": "reopened", "chains": 1, "tickets": 2}], ` +
			`"top": [{"root_id": 4, "root_subject": "VPN down", "root_category": "vpn", "root_product": "router", ` +
			`"root_created_at": "2026-01-02T08:00:00Z", "length": 3, "kinds": ["duplicate"], "members": [4, 7, 9]}], ` +
			`"by_root_category": [{"key": "vpn", "chains": 1, "follow_ons": 2, "reopens": 0}], "by_root_product": []}, ` +
			`"reopens": {"resolved": 4, "reopened": 1, "rate": 0.25, "by_team": [{"key": "tech", "resolved": 4, "reopened": 1, "rate": 0.25}], ` +
			`"by_category": [], "by_product": []}, ` +
			`"handoffs_by_product": [{"key": "router", "tickets": 3, "tickets_with_handoff": 1, "handoffs": 2, "handoffs_per_ticket": 0.6667, ` +
			`"ping_pong_tickets": 1, "bounces": 1}], "handoffs_by_category": [], ` +
			`"bottlenecks": {` + period + `, "tickets_with_handoff": 0, "tickets_ping_pong": 0, "handoffs": 0, "status_times": [], "team_times": [], ` +
			`"handoffs_by_product": [], "handoffs_by_category": [], "ping_pong": [], "ping_pong_tickets": []}}`,
		"/api/v1/analytics/open": `{"at": "2026-01-15T00:00:00Z", "rows": [{"ticket_id": 7, "status": "pending", "team": "tech", ` +
			`"assignee": "li.na", "priority": "P2", "category": "vpn", "product": "router", "opened_at": "2026-01-10T09:00:00Z", ` +
			`"age_ms": 442800000, "sla_state": "at_risk"}]}`,
	}
	var out []api.ExtraRoute
	for _, name := range []string{"rootcause", "open", "hotspots", "movers", "backlog", "performance", "bottlenecks", "spikes", "repeats", "painpoints", "trends"} {
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

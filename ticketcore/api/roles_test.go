package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/ticketcore/auth"
)

// expectedRoles is the documented role matrix (docs/api.md). A route whose
// roles change must change here too, on purpose.
var expectedRoles = map[string]string{
	"GET /healthz":                                 "public",
	"GET /metrics":                                 "public",
	"GET /api/v1/openapi.json":                     "public",
	"POST /api/v1/auth/login":                      "public",
	"POST /api/v1/public/confirm":                  "public",
	"POST /api/v1/intake/hook/:source":             "public",
	"POST /api/v1/intake/email":                    "admin client",
	"GET /api/v1/intake-sources":                   "admin",
	"POST /api/v1/intake-sources":                  "admin",
	"GET /api/v1/intake-sources/:name":             "admin",
	"PUT /api/v1/intake-sources/:name":             "admin",
	"DELETE /api/v1/intake-sources/:name":          "admin",
	"POST /api/v1/public/csat":                     "public",
	"GET /api/v1/tickets/:id/customer-links":       "admin manager agent",
	"POST /api/v1/auth/logout":                     "admin manager agent reviewer client",
	"GET /api/v1/auth/me":                          "admin manager agent reviewer client",
	"POST /api/v1/tickets":                         "admin manager agent client",
	"GET /api/v1/tickets":                          "admin manager agent reviewer client",
	"GET /api/v1/tickets/:id":                      "admin manager agent reviewer client",
	"PATCH /api/v1/tickets/:id":                    "admin manager agent",
	"POST /api/v1/tickets/:id/transitions":         "admin manager agent",
	"POST /api/v1/tickets/:id/comments":            "admin manager agent client",
	"POST /api/v1/tickets/:id/links":               "admin manager agent",
	"DELETE /api/v1/tickets/:id/links":             "admin manager agent",
	"PUT /api/v1/tickets/:id/csat":                 "admin manager agent client",
	"GET /api/v1/tickets/:id/history":              "admin manager agent reviewer",
	"GET /api/v1/tickets/:id/comments":             "admin manager agent reviewer client",
	"POST /api/v1/tickets/:id/attachments":         "admin manager agent client",
	"GET /api/v1/tickets/:id/attachments":          "admin manager agent reviewer client",
	"GET /api/v1/tickets/:id/attachments/:sha":     "admin manager agent reviewer client",
	"POST /api/v1/tickets/:id/subtickets":          "admin manager agent",
	"POST /api/v1/tickets/:id/handoff":             "admin manager agent",
	"POST /api/v1/tickets/:id/merge":               "admin manager agent",
	"GET /api/v1/events":                           "admin manager",
	"GET /api/v1/customers/:id":                    "admin manager agent",
	"GET /api/v1/workflow":                         "admin manager agent reviewer client",
	"GET /api/v1/fields":                           "admin manager agent reviewer client",
	"PUT /api/v1/fields/:name":                     "admin",
	"DELETE /api/v1/fields/:name":                  "admin",
	"GET /api/v1/users":                            "admin",
	"POST /api/v1/users":                           "admin",
	"GET /api/v1/users/:id/tokens":                 "admin",
	"POST /api/v1/users/:id/tokens":                "admin",
	"DELETE /api/v1/users/:id/tokens/:token_id":    "admin",
	"GET /api/v1/notifications":                    "admin manager agent reviewer",
	"POST /api/v1/notifications/:id/read":          "admin manager agent reviewer",
	"POST /api/v1/notifications/read-all":          "admin manager agent reviewer",
	"GET /api/v1/webhooks":                         "admin",
	"POST /api/v1/webhooks":                        "admin",
	"PUT /api/v1/webhooks/:id":                     "admin",
	"DELETE /api/v1/webhooks/:id":                  "admin",
	"POST /api/v1/webhooks/:id/rotate-secret":      "admin",
	"GET /api/v1/teams":                            "admin manager agent reviewer",
	"POST /api/v1/teams":                           "admin manager",
	"GET /api/v1/teams/:name":                      "admin manager agent reviewer",
	"PUT /api/v1/teams/:name":                      "admin manager",
	"DELETE /api/v1/teams/:name":                   "admin manager",
	"GET /api/v1/teams/:name/history":              "admin manager agent reviewer",
	"GET /api/v1/agents":                           "admin manager agent reviewer",
	"POST /api/v1/agents":                          "admin manager",
	"GET /api/v1/agents/:login":                    "admin manager agent reviewer",
	"PUT /api/v1/agents/:login":                    "admin manager",
	"DELETE /api/v1/agents/:login":                 "admin manager",
	"GET /api/v1/agents/:login/history":            "admin manager agent reviewer",
	"POST /api/v1/agents/:login/status":            "admin manager agent",
	"GET /api/v1/routing/rules":                    "admin manager agent reviewer",
	"PUT /api/v1/routing/rules":                    "admin manager",
	"GET /api/v1/routing/rules/history":            "admin manager agent reviewer",
	"POST /api/v1/routing/explain":                 "admin manager",
	"GET /api/v1/queue":                            "admin manager agent",
	"GET /api/v1/approval-policies":                "admin manager agent reviewer",
	"POST /api/v1/approval-policies":               "admin manager",
	"GET /api/v1/approval-policies/:name":          "admin manager agent reviewer",
	"PUT /api/v1/approval-policies/:name":          "admin manager",
	"DELETE /api/v1/approval-policies/:name":       "admin manager",
	"GET /api/v1/approval-policies/:name/history":  "admin manager agent reviewer",
	"POST /api/v1/tickets/:id/approvals/:approval": "admin manager agent reviewer",
	"GET /api/v1/checklists":                       "admin manager agent reviewer",
	"POST /api/v1/checklists":                      "admin manager",
	"GET /api/v1/checklists/:type":                 "admin manager agent reviewer",
	"PUT /api/v1/checklists/:type":                 "admin manager",
	"DELETE /api/v1/checklists/:type":              "admin manager",
	"GET /api/v1/checklists/:type/history":         "admin manager agent reviewer",
	"POST /api/v1/tickets/:id/checklist/:item":     "admin manager agent",
	"GET /api/v1/calendars":                        "admin manager agent reviewer",
	"POST /api/v1/calendars":                       "admin manager",
	"GET /api/v1/calendars/:name":                  "admin manager agent reviewer",
	"PUT /api/v1/calendars/:name":                  "admin manager",
	"DELETE /api/v1/calendars/:name":               "admin manager",
	"GET /api/v1/calendars/:name/history":          "admin manager agent reviewer",
	"GET /api/v1/sla-policies":                     "admin manager agent reviewer",
	"POST /api/v1/sla-policies":                    "admin manager",
	"GET /api/v1/sla-policies/:id":                 "admin manager agent reviewer",
	"PUT /api/v1/sla-policies/:id":                 "admin manager",
	"DELETE /api/v1/sla-policies/:id":              "admin manager",
	"GET /api/v1/sla-policies/:id/history":         "admin manager agent reviewer",
	"POST /api/v1/tickets/:id/escalations":         "admin manager agent",
	"GET /api/v1/tickets/:id/sla":                  "admin manager agent reviewer",
	// Extra routes: the analytics API, here served by fakeAnalytics.
	"GET /api/v1/analytics/hotspots":    "admin manager",
	"GET /api/v1/analytics/movers":      "admin manager",
	"GET /api/v1/analytics/backlog":     "admin manager",
	"GET /api/v1/analytics/performance": "admin manager",
	"GET /api/v1/analytics/bottlenecks": "admin manager",
	"GET /api/v1/analytics/rootcause":   "admin manager",
	"GET /api/v1/analytics/open":        "admin manager",
	"GET /api/v1/analytics/spikes":      "admin manager",
	"GET /api/v1/analytics/repeats":     "admin manager",
	"GET /api/v1/analytics/painpoints":  "admin manager",
	"GET /api/v1/analytics/trends":      "admin manager",
}

// TestRoleMatrix calls every route as every role (and anonymously) and checks
// that exactly the listed roles get past authorisation.
func TestRoleMatrix(t *testing.T) {
	e := newEnv(t, testdb.Backends()[0])
	routes := e.api.Routes()
	if len(routes) != len(expectedRoles) {
		t.Errorf("server has %d routes, matrix lists %d", len(routes), len(expectedRoles))
	}
	for _, r := range routes {
		key := r.Method + " " + r.Path
		want, ok := expectedRoles[key]
		if !ok {
			t.Errorf("route %s is missing from the role matrix", key)
			continue
		}
		// Each role acts on a ticket of its own, so "client reads own ticket"
		// is what is checked, not the ownership rule (tested elsewhere).
		for _, role := range auth.Roles {
			tk := e.createTicket(auth.RoleClient)
			if role != auth.RoleClient {
				tk = e.createTicket(auth.RoleAdmin)
			}
			path := strings.NewReplacer(":id/tokens", fmt.Sprintf("%d/tokens", e.users[auth.RoleAgent].ID),
				":token_id", "999999", ":id", fmt.Sprint(tk.ID), ":name", "colour",
				":login", e.users[role].Login).Replace(r.Path)
			var body any
			if r.Method == http.MethodPost || r.Method == http.MethodPut || r.Method == http.MethodPatch {
				body = map[string]any{}
			}
			if key == "POST /api/v1/auth/logout" {
				continue // would end nothing for a token, but keep the token usable for later routes
			}
			res := e.do(role, r.Method, path, body, "If-Match", fmt.Sprint(tk.Version))
			allowed := want == "public" || slices.Contains(strings.Fields(want), string(role))
			if allowed && key != "POST /api/v1/auth/login" && (res.Status == http.StatusForbidden || res.Status == http.StatusUnauthorized) {
				t.Errorf("%s as %s: want allowed, got %d %s", key, role, res.Status, res.Body)
			}
			if !allowed && res.Status != http.StatusForbidden {
				t.Errorf("%s as %s: want 403, got %d", key, role, res.Status)
			}
		}
		if want != "public" {
			path := strings.NewReplacer(":token_id", "1", ":id", "1", ":name", "x", ":login", "x").Replace(r.Path)
			if res := e.do("", r.Method, path, nil); res.Status != http.StatusUnauthorized {
				t.Errorf("%s anonymous: want 401, got %d", key, res.Status)
			}
			res := e.do("", r.Method, path, nil, "Authorization", "Bearer dm_forged")
			if res.Status != http.StatusUnauthorized {
				t.Errorf("%s forged token: want 401, got %d", key, res.Status)
			}
		}
	}
}

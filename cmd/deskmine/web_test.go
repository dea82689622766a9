package main

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/deskmine/deskmine/analytics/clickhouse"
	"github.com/deskmine/deskmine/analytics/duckdb"
	"github.com/deskmine/deskmine/dashboards"
)

// Both analytics stores answer every query the dashboards make.
var (
	_ dashboards.Analytics = (*duckdb.Store)(nil)
	_ dashboards.Analytics = (*clickhouse.Store)(nil)
)

func TestWebHandlerRoutes(t *testing.T) {
	named := func(name string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Header().Set("X-Part", name) })
	}
	h := webHandler(named("api"), named("ui"))
	for path, want := range map[string]string{
		"/":                 "ui",
		"/ui":               "ui",
		"/ui/":              "ui",
		"/ui/overview":      "ui",
		"/ui/assets/app.js": "ui",
		"/api/v1/tickets":   "api",
		"/metrics":          "api",
		"/healthz":          "api",
		"/uix":              "api",
		"/public/confirm":   "api",
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if got := rec.Header().Get("X-Part"); got != want {
			t.Errorf("%s went to %q, want %q", path, got, want)
		}
	}
}

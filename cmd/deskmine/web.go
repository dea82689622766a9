package main

import (
	"fmt"
	"net/http"
	"time"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/dashboards"
	"github.com/deskmine/deskmine/ticketcore/desk"
)

// openDashboards builds the web UI over the parts serve runs.
func openDashboards(a *app, d *desk.Desk, an analytics.Store, know *kbParts) (*dashboards.Server, error) {
	st, ok := an.(dashboards.Analytics)
	if !ok {
		return nil, fmt.Errorf("analytics store %T does not answer the dashboards' queries", an)
	}
	loc, err := time.LoadLocation(a.cfg.UI.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("ui.time_zone: %w", err)
	}
	return dashboards.New(dashboards.Options{Auth: a.auth, Tickets: a.svc, Desk: d, Analytics: st, Knowledge: know.svc,
		Location: loc, SecureCookies: a.cfg.HTTP.SecureCookies, Logger: a.log})
}

// webHandler serves the dashboards under /ui (and / as their start) and
// everything else through the API.
func webHandler(apiH, ui http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(dashboards.Prefix+"/", ui)
	mux.Handle(dashboards.Prefix, ui)
	mux.Handle("/{$}", ui)
	mux.Handle("/", apiH)
	return mux
}

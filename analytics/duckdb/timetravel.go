package duckdb

import (
	"context"
	"maps"
	"time"

	"github.com/deskmine/deskmine/analytics"
)

var timeTravelQ = mustNamedQueries("queries_timetravel.sql", analytics.TimeTravelQueryNames())

var _ analytics.TimeTraveler = (*Store)(nil)

// OpenAt implements analytics.TimeTraveler.
func (s *Store) OpenAt(ctx context.Context, q analytics.OpenQuery) ([]analytics.OpenTicket, error) {
	return analytics.RunOpen(ctx, s.query, timeTravelQ, q)
}

// backlogQueries are the hotspot fragments with the time-travel
// templates: a backlog by (or filtered by) SLA state fills "backlog-sla",
// and hotspots at an instant "source-at", with the hotspot file's
// fragments.
func backlogQueries() (map[string]string, error) {
	h, err := hotspotQueries()
	if err != nil {
		return nil, err
	}
	out := maps.Clone(h)
	maps.Copy(out, timeTravelQ)
	return out, nil
}

// HotspotsAt implements analytics.TimeTraveler.
func (s *Store) HotspotsAt(ctx context.Context, q analytics.HotspotQuery, at time.Time) ([]analytics.HotspotRow, error) {
	frags, err := backlogQueries()
	if err != nil {
		return nil, err
	}
	return analytics.RunHotspotsAt(ctx, s.query, frags, q, at)
}

package clickhouse

import (
	"context"
	"embed"
	"sync"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/analytics/internal/sqlfile"
)

//go:embed queries_hotspots.sql
var hotspotFiles embed.FS

var _ analytics.Hotspotter = (*Store)(nil)

// hotspotQueries parses the embedded hotspot queries once; a missing one
// is a build mistake that the tests (and the first query) report.
var hotspotQueries = sync.OnceValues(func() (map[string]string, error) {
	q, err := sqlfile.Queries(hotspotFiles, "queries_hotspots.sql")
	if err != nil {
		return nil, err
	}
	return q, sqlfile.Need(q, analytics.HotspotQueryNames()...)
})

// query runs one query for the shared hotspot code.
func (s *Store) query(ctx context.Context, query string, args ...any) (analytics.ResultRows, error) {
	return s.conn.Query(ctx, query, args...)
}

// Hotspots implements analytics.Hotspotter.
func (s *Store) Hotspots(ctx context.Context, q analytics.HotspotQuery) ([]analytics.HotspotRow, error) {
	frags, err := hotspotQueries()
	if err != nil {
		return nil, err
	}
	return analytics.RunHotspots(ctx, s.query, frags, q)
}

// Movers implements analytics.Hotspotter.
func (s *Store) Movers(ctx context.Context, q analytics.HotspotQuery) ([]analytics.Mover, error) {
	frags, err := hotspotQueries()
	if err != nil {
		return nil, err
	}
	return analytics.RunMovers(ctx, s.query, frags, q)
}

// Backlog implements analytics.Hotspotter.
func (s *Store) Backlog(ctx context.Context, q analytics.BacklogQuery) ([]analytics.BacklogRow, error) {
	frags, err := hotspotQueries()
	if err != nil {
		return nil, err
	}
	return analytics.RunBacklog(ctx, s.query, frags, q)
}

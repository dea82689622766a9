package clickhouse

import (
	"context"
	"embed"
	"sync"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

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

// query runs one read query of the analytics answers (hotspots,
// performance, bottlenecks), handing it to the context's trace first.
func (s *Store) query(ctx context.Context, query string, args ...any) (analytics.ResultRows, error) {
	query, args = filterClause.Simplify(query, args)
	analytics.TraceQuery(ctx, query, args)
	return s.conn.Query(ctx, query, args...)
}

// filterClause rewrites the constant filter condition of the performance,
// bottleneck and root-cause queries to the filters each request sets.
var filterClause = analytics.NewFilterClause(inList, "ticket_id IN (SELECT ticket_id FROM "+tableTickets+" FINAL WHERE ")

// Conn is the connection the read queries run on, for running a traced
// statement directly beside the API (`deskmine bench query`).
func (s *Store) Conn() driver.Conn { return s.conn }

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
	frags, err := backlogQueries() // timetravel.go
	if err != nil {
		return nil, err
	}
	return analytics.RunBacklog(ctx, s.query, frags, q)
}

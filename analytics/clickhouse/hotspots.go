package clickhouse

import (
	"context"
	"embed"
	"fmt"
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

// Hotspots implements analytics.Hotspotter.
func (s *Store) Hotspots(ctx context.Context, q analytics.HotspotQuery) ([]analytics.HotspotRow, error) {
	p, err := analytics.PlanHotspots(q)
	if err != nil {
		return nil, err
	}
	frags, err := hotspotQueries()
	if err != nil {
		return nil, err
	}
	query, args, err := p.HotspotSQL(frags, "hotspots")
	if err != nil {
		return nil, err
	}
	rows, err := s.conn.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("hotspots: %w", err)
	}
	defer rows.Close()
	out := []analytics.HotspotRow{}
	for rows.Next() {
		var b int64
		r := analytics.HotspotRow{Keys: make([]string, len(p.Columns))}
		dest := []any{&b}
		for i := range r.Keys {
			dest = append(dest, &r.Keys[i])
		}
		if err := rows.Scan(append(dest, &r.Count)...); err != nil {
			return nil, fmt.Errorf("hotspots: %w", err)
		}
		r.Bucket = p.BucketTime(b)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("hotspots: %w", err)
	}
	return out, nil
}

// Movers implements analytics.Hotspotter.
func (s *Store) Movers(ctx context.Context, q analytics.HotspotQuery) ([]analytics.Mover, error) {
	p, err := analytics.PlanMovers(q)
	if err != nil {
		return nil, err
	}
	frags, err := hotspotQueries()
	if err != nil {
		return nil, err
	}
	query, args, err := p.HotspotSQL(frags, "movers")
	if err != nil {
		return nil, err
	}
	rows, err := s.conn.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("movers: %w", err)
	}
	defer rows.Close()
	out := []analytics.Mover{}
	for rows.Next() {
		var k string
		var cur, prev int64
		if err := rows.Scan(&k, &cur, &prev); err != nil {
			return nil, fmt.Errorf("movers: %w", err)
		}
		out = append(out, analytics.MoverOf(k, cur, prev))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("movers: %w", err)
	}
	return out, nil
}

// Backlog implements analytics.Hotspotter.
func (s *Store) Backlog(ctx context.Context, q analytics.BacklogQuery) ([]analytics.BacklogRow, error) {
	p, err := analytics.PlanBacklog(q)
	if err != nil {
		return nil, err
	}
	frags, err := hotspotQueries()
	if err != nil {
		return nil, err
	}
	query, args, err := p.BacklogSQL(frags)
	if err != nil {
		return nil, err
	}
	rows, err := s.conn.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("backlog: %w", err)
	}
	defer rows.Close()
	out := []analytics.BacklogRow{}
	for rows.Next() {
		var r analytics.BacklogRow
		if err := rows.Scan(&r.Key, &r.Count); err != nil {
			return nil, fmt.Errorf("backlog: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("backlog: %w", err)
	}
	return out, nil
}

package analytics

import (
	"context"
	"fmt"
)

// ResultRows is a query result as both stores' drivers return it.
type ResultRows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close() error
}

// QueryFunc runs one query with positional arguments on a store.
type QueryFunc func(ctx context.Context, query string, args ...any) (ResultRows, error)

// ScanAll runs query through run and hands each row to scan, naming what
// in errors; both stores read their query results through it.
func ScanAll(ctx context.Context, run QueryFunc, what, query string, args []any, scan func(ResultRows) error) error {
	rows, err := run(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// RunHotspots answers a hotspot query with a store's own SQL fragments
// (frags, the blocks named by HotspotQueryNames) through run.
func RunHotspots(ctx context.Context, run QueryFunc, frags map[string]string, q HotspotQuery) ([]HotspotRow, error) {
	p, err := PlanHotspots(q)
	if err != nil {
		return nil, err
	}
	query, args, err := p.HotspotSQL(frags, "hotspots")
	if err != nil {
		return nil, err
	}
	out := []HotspotRow{}
	err = ScanAll(ctx, run, "hotspots", query, args, func(rows ResultRows) error {
		var b int64
		r := HotspotRow{Keys: make([]string, len(p.Columns))}
		dest := []any{&b}
		for i := range r.Keys {
			dest = append(dest, &r.Keys[i])
		}
		if err := rows.Scan(append(dest, &r.Count)...); err != nil {
			return err
		}
		r.Bucket = p.BucketTime(b)
		out = append(out, r)
		return nil
	})
	return out, err
}

// RunMovers answers a movers query like RunHotspots.
func RunMovers(ctx context.Context, run QueryFunc, frags map[string]string, q HotspotQuery) ([]Mover, error) {
	p, err := PlanMovers(q)
	if err != nil {
		return nil, err
	}
	query, args, err := p.HotspotSQL(frags, "movers")
	if err != nil {
		return nil, err
	}
	out := []Mover{}
	err = ScanAll(ctx, run, "movers", query, args, func(rows ResultRows) error {
		var k string
		var cur, prev int64
		if err := rows.Scan(&k, &cur, &prev); err != nil {
			return err
		}
		out = append(out, MoverOf(k, cur, prev))
		return nil
	})
	return out, err
}

// RunBacklog answers a backlog query like RunHotspots.
func RunBacklog(ctx context.Context, run QueryFunc, frags map[string]string, q BacklogQuery) ([]BacklogRow, error) {
	p, err := PlanBacklog(q)
	if err != nil {
		return nil, err
	}
	query, args, err := p.BacklogSQL(frags)
	if err != nil {
		return nil, err
	}
	out := []BacklogRow{}
	err = ScanAll(ctx, run, "backlog", query, args, func(rows ResultRows) error {
		var r BacklogRow
		if err := rows.Scan(&r.Key, &r.Count); err != nil {
			return err
		}
		out = append(out, r)
		return nil
	})
	return out, err
}

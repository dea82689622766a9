package duckdb

import (
	"context"
	"database/sql"
	"embed"
	"fmt"

	"github.com/deskmine/deskmine/analytics"
)

//go:embed queries_hotspots.sql queries_repeats.sql queries_painpoints.sql queries_timetravel.sql queries_rootcause.sql
var readFiles embed.FS

// newReaders sets up the read queries the package shares with the other
// store (analytics.Readers) on this store's SQL.
func (s *Store) newReaders() error {
	r, err := analytics.NewReaders(s.query, readFiles, inList)
	if err != nil {
		return fmt.Errorf("%s queries: %w", storeName, err)
	}
	s.Readers = r
	return nil
}

// query runs one read query of the analytics answers (hotspots,
// performance, bottlenecks), handing it to the context's trace first.
func (s *Store) query(ctx context.Context, query string, args ...any) (analytics.ResultRows, error) {
	query, args = filterClause.Simplify(query, args)
	analytics.TraceQuery(ctx, query, args)
	return s.db.QueryContext(ctx, query, args...)
}

// filterClause rewrites the constant filter condition of the performance,
// bottleneck and root-cause queries to the filters each request sets.
var filterClause = analytics.NewFilterClause(inList, "ticket_id IN (SELECT ticket_id FROM tickets WHERE ")

// inList tests a column's membership in a bound list of values.
func inList(col string) string { return "list_contains(CAST(? AS VARCHAR[]), " + col + ")" }

// DB is the pool the read queries run on, for running a traced statement
// directly beside the API (`deskmine bench query`); DuckDB lets a process
// open a file only once.
func (s *Store) DB() *sql.DB { return s.db }

const storeName = "duckdb"

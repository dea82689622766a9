package clickhouse

import (
	"context"
	"embed"
	"fmt"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/analytics/internal/sqlfile"
)

//go:embed queries_hotspots.sql queries_repeats.sql queries_painpoints.sql queries_timetravel.sql queries_rootcause.sql
var readFiles embed.FS

// newReaders sets up the read queries the package shares with the other
// store (analytics.Readers) on this store's SQL.
func (s *Store) newReaders() error {
	r, err := analytics.NewReaders(s.query, sqlfile.Expand(readFiles, macros), inList)
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
	// clickhouse-go writes bound values into the query text, and a chain
	// hop binds up to 20,000 ids of up to 20 digits: more than the
	// server's default limit of the text it parses (256 KiB).
	ctx = ch.Context(ctx, ch.WithSettings(ch.Settings{"max_query_size": readQuerySize}))
	return s.conn.Query(ctx, query, args...)
}

// readQuerySize is the max_query_size of the read queries.
const readQuerySize = 16 << 20

// liveTickets selects the live rows of ticket_state: each ticket's latest
// version, without FINAL (see migration 6). The cancel rows not merged
// away yet are few, so the set NOT IN builds is small.
const liveTickets = "sign = 1 AND (ticket_id, version) NOT IN (SELECT ticket_id, version FROM " + tableState + " WHERE sign = -1)"

// macros are expanded in the store's query files: {{live}} is liveTickets.
var macros = map[string]string{"live": liveTickets}

// filterClause rewrites the constant filter condition of the performance,
// bottleneck and root-cause queries to the filters each request sets.
var filterClause = analytics.NewFilterClause(inList, "ticket_id IN (SELECT ticket_id FROM "+tableState+" WHERE "+liveTickets+" AND ")

// inList tests a column's membership in a bound list of values.
func inList(col string) string { return "has(?, " + col + ")" }

// Conn is the connection the read queries run on, for running a traced
// statement directly beside the API (`deskmine bench query`).
func (s *Store) Conn() driver.Conn { return s.conn }

const storeName = "clickhouse"

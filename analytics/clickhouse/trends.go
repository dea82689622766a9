package clickhouse

import (
	"context"
	"embed"
	"fmt"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/analytics/internal/sqlfile"
)

//go:embed queries_trends.sql
var trendFiles embed.FS

// trendQ are the trend queries, read when the package initialises so that
// a missing or broken file stops the program at start.
var trendQ = mustTrendQueries()

func mustTrendQueries() map[string]string {
	q, err := analytics.LoadTrendQueries(sqlfile.Expand(trendFiles, macros), "queries_trends.sql", inList)
	if err != nil {
		panic(fmt.Sprintf("clickhouse trend queries: %v", err))
	}
	return q
}

var _ analytics.Trender = (*Store)(nil)

// Trends implements analytics.Trender.
func (s *Store) Trends(ctx context.Context, q analytics.TrendQuery) ([]analytics.TrendPoint, error) {
	return analytics.RunTrends(ctx, s.query, trendQ, q)
}

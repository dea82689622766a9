package duckdb

import (
	"context"
	"embed"
	"sync"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/analytics/internal/sqlfile"
)

//go:embed queries_repeats.sql
var repeatFiles embed.FS

var _ analytics.Repeater = (*Store)(nil)

// repeatQueries parses the embedded repeat queries once; a missing one is
// a build mistake that the tests (and the first query) report.
var repeatQueries = sync.OnceValues(func() (map[string]string, error) {
	q, err := sqlfile.Queries(repeatFiles, "queries_repeats.sql")
	if err != nil {
		return nil, err
	}
	return q, sqlfile.Need(q, analytics.RepeatQueryNames()...)
})

// Repeats implements analytics.Repeater.
func (s *Store) Repeats(ctx context.Context, q analytics.RepeatQuery) (*analytics.RepeatResult, error) {
	hot, err := hotspotQueries()
	if err != nil {
		return nil, err
	}
	rep, err := repeatQueries()
	if err != nil {
		return nil, err
	}
	return analytics.RunRepeats(ctx, s.query, hot, rep, q)
}

package duckdb

import (
	"context"
	"embed"
	"sync"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/analytics/internal/sqlfile"
)

//go:embed queries_painpoints.sql
var painFiles embed.FS

var _ analytics.PainPointer = (*Store)(nil)

// painQueries parses the embedded pain-point queries once; a missing one
// is a build mistake that the tests (and the first query) report.
var painQueries = sync.OnceValues(func() (map[string]string, error) {
	q, err := sqlfile.Queries(painFiles, "queries_painpoints.sql")
	if err != nil {
		return nil, err
	}
	return q, sqlfile.Need(q, analytics.PainQueryNames()...)
})

// PainPoints implements analytics.PainPointer.
func (s *Store) PainPoints(ctx context.Context, q analytics.PainQuery) (*analytics.PainResult, error) {
	hot, err := hotspotQueries()
	if err != nil {
		return nil, err
	}
	pain, err := painQueries()
	if err != nil {
		return nil, err
	}
	return analytics.RunPainPoints(ctx, s.query, hot, pain, q)
}

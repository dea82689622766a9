package clickhouse

import (
	"context"
	"embed"
	"fmt"

	"github.com/deskmine/deskmine/analytics"
)

//go:embed queries_rootcause.sql queries_timetravel.sql
var namedFiles embed.FS

// inList tests a column's membership in a bound list of strings: has(),
// not IN, which does not take a bound list (an array literal) on 18.16.
func inList(col string) string { return "has(?, " + col + ")" }

// mustNamedQueries reads a file of named-parameter queries when the
// package initialises, so that a missing or broken file stops the program
// at start.
func mustNamedQueries(file string, need []string) map[string]string {
	q, err := analytics.LoadNamedQueries(namedFiles, file, inList, need...)
	if err != nil {
		panic(fmt.Sprintf("clickhouse %s: %v", file, err))
	}
	return q
}

var rootCauseQ = mustNamedQueries("queries_rootcause.sql", analytics.RootCauseQueryNames())

var _ analytics.RootCauser = (*Store)(nil)

// RootCause implements analytics.RootCauser.
func (s *Store) RootCause(ctx context.Context, q analytics.RootCauseQuery) (*analytics.RootCauseResult, error) {
	return analytics.RunRootCause(ctx, s.query, rootCauseQ, q)
}

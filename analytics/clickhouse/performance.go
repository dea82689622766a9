package clickhouse

import (
	"context"
	"embed"
	"fmt"
	"slices"
	"time"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/analytics/internal/sqlfile"
)

//go:embed queries_performance.sql
var perfFiles embed.FS

// perfQ are the performance queries, read when the package initialises so
// that a missing or broken file stops the program at start.
var perfQ = mustPerfQueries()

func mustPerfQueries() map[string]string {
	// has(), not IN: a bound list is an array literal, which IN does not
	// take on 18.16.
	q, err := analytics.PerfQueries(sqlfile.Expand(perfFiles, macros), "queries_performance.sql", inList)
	if err != nil {
		panic(fmt.Sprintf("clickhouse performance queries: %v", err))
	}
	return q
}

var (
	_ analytics.Performer        = (*Store)(nil)
	_ analytics.BottleneckFinder = (*Store)(nil)
)

// Performance implements analytics.Performer.
func (s *Store) Performance(ctx context.Context, q analytics.PerformanceQuery) (*analytics.PerformanceResult, error) {
	fargs := analytics.PerfFilterArgs(q.Filters)
	period := func(from, to time.Time) ([]analytics.PerformanceRow, error) {
		from, to = analytics.CeilSecond(from), analytics.CeilSecond(to)
		args := append([]any{q.By, from, to, from, to}, fargs...)
		var out []analytics.PerformanceRow
		err := s.perfEach(ctx, "perf-period", args, func(rows analytics.ResultRows) error {
			var r analytics.PerformanceRow
			var fr, rs []int64 // the p50 and p90 the percentile columns repeat
			if err := rows.Scan(&r.Key, &r.Handled, &r.FirstResponses, &fr, &rs, &r.FirstResponseP50Ms, &r.FirstResponseP90Ms,
				&r.ResolveP50Ms, &r.ResolveP90Ms, &r.SLAMet, &r.Reopened, &r.Handoffs, &r.CSATRated, &r.CSATSum); err != nil {
				return err
			}
			out = append(out, r)
			return nil
		})
		return out, err
	}
	backlog := func() (map[string]int64, error) {
		out := map[string]int64{}
		err := s.perfEach(ctx, "perf-backlog", append([]any{q.By}, fargs...), func(rows analytics.ResultRows) error {
			var k string
			var n int64
			if err := rows.Scan(&k, &n); err != nil {
				return err
			}
			out[k] = n
			return nil
		})
		return out, err
	}
	return analytics.RunPerformance(q, period, backlog)
}

// Bottlenecks implements analytics.BottleneckFinder.
func (s *Store) Bottlenecks(ctx context.Context, q analytics.BottleneckQuery) (*analytics.BottleneckResult, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	fargs := analytics.PerfFilterArgs(q.Filters)
	// The period, then again for its days (the intervals' sorting key).
	span := []any{analytics.CeilSecond(q.From), analytics.CeilSecond(q.To), analytics.CeilSecond(q.From), analytics.CeilSecond(q.To)}
	return analytics.RunBottlenecks(ctx, s.query, perfQ, analytics.BottleneckArgs{
		StatusTimes: append(slices.Clone(span), fargs...),
		Handoffs:    append(slices.Clone(span), fargs...),
		Top:         append(append(append(append(slices.Clone(span), fargs...), int64(analytics.MaxPingPongTickets)), span...), span...),
	})
}

// perfEach runs a performance query and calls fn on every row.
func (s *Store) perfEach(ctx context.Context, name string, args []any, fn func(analytics.ResultRows) error) error {
	return analytics.ScanAll(ctx, s.query, name, perfQ[name], args, fn)
}

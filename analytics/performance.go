package analytics

import (
	"cmp"
	"context"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/deskmine/deskmine/analytics/internal/sqlfile"
)

// Performer answers agent and team performance queries; both stores
// implement it with the same answers for the same history.
type Performer interface {
	Performance(ctx context.Context, q PerformanceQuery) (*PerformanceResult, error)
}

// PerformanceQuery asks for the performance of each agent or team over the
// tickets resolved in [From, To), by their latest state: a ticket counts
// for the assignee and team it has now, and a reopened ticket counts with
// its latest resolution only (none while it is open again).
type PerformanceQuery struct {
	By        string              // "agent" (the assignee) or "team"
	From, To  time.Time           // required, To after From, at most two years apart
	Filters   map[string][]string // dimension (see PerfFilterDimensions) -> accepted values
	Anonymous bool                // replace names by "Agent N" / "Team N", ranked by handled
}

// Group-by values of PerformanceQuery.By.
const (
	ByAgent = "agent"
	ByTeam  = "team"
)

// MaxPerfRangeYears is the longest [From, To) a query may span.
const MaxPerfRangeYears = 2 // years

// MaxPerfFilterValues bounds the values of one filter dimension.
const MaxPerfFilterValues = 1000

// PerfFilterDimensions are the dimensions a query may filter on, in the order
// of PerfFilterClause's parameters, with their column in the tickets table.
// Filters apply to the ticket's latest state.
var PerfFilterDimensions = []struct{ Name, Column string }{
	{"product", "product"}, {"category", "category"}, {"channel", "channel"}, {"region", "region"},
	{"customer_tier", "customer_tier"}, {"priority", "priority"}, {"team", "team"},
	{"assignee", "assignee"}, {"type", "ticket_type"},
}

// PerfFilterClause is the constant WHERE condition that applies the filters to
// a table with the tickets' dimension columns: per dimension, in the order
// of PerfFilterDimensions, "(? = 1 OR <contains>)" where contains(column)
// tests membership of the column in the bound list of values. Its
// parameters come from PerfFilterArgs; no user text enters the SQL.
func PerfFilterClause(contains func(column string) string) string {
	parts := make([]string, len(PerfFilterDimensions))
	for i, d := range PerfFilterDimensions {
		parts[i] = "(? = 1 OR " + contains(d.Column) + ")"
	}
	return "(" + strings.Join(parts, " AND ") + ")"
}

// PerfFilterArgs are the parameters of PerfFilterClause: per dimension, 1 and a
// placeholder list when it is not filtered, else 0 and its values.
func PerfFilterArgs(f map[string][]string) []any {
	out := make([]any, 0, 2*len(PerfFilterDimensions))
	for _, d := range PerfFilterDimensions {
		if vs, ok := f[d.Name]; ok {
			out = append(out, int64(0), slices.Clone(vs))
		} else {
			out = append(out, int64(1), []string{""})
		}
	}
	return out
}

func validatePerfFilters(f map[string][]string) error {
	for name, vs := range f {
		if !slices.ContainsFunc(PerfFilterDimensions, func(d struct{ Name, Column string }) bool { return d.Name == name }) {
			return &QueryError{Field: "filters", Reason: fmt.Sprintf("unknown dimension %q", name)}
		}
		if len(vs) == 0 {
			return &QueryError{Field: "filters", Reason: fmt.Sprintf("dimension %q has no values", name)}
		}
		if len(vs) > MaxPerfFilterValues {
			return &QueryError{Field: "filters", Reason: fmt.Sprintf("dimension %q has more than %d values", name, MaxPerfFilterValues)}
		}
	}
	return nil
}

func validatePerfRange(from, to time.Time) error {
	switch {
	case from.IsZero():
		return &QueryError{Field: "from", Reason: "is required"}
	case to.IsZero():
		return &QueryError{Field: "to", Reason: "is required"}
	case !to.After(from):
		return &QueryError{Field: "to", Reason: "must be after from"}
	case to.After(from.AddDate(MaxPerfRangeYears, 0, 0)):
		return &QueryError{Field: "to", Reason: fmt.Sprintf("range is longer than %d years", MaxPerfRangeYears)}
	case from.Before(MinTime) || to.After(MaxTime):
		return &QueryError{Field: "from", Reason: fmt.Sprintf("range is outside %d..%d", MinTime.Year(), MaxTime.Year()-1)}
	}
	return nil
}

// Validate checks the query; errors are *QueryError.
func (q *PerformanceQuery) Validate() error {
	if q.By != ByAgent && q.By != ByTeam {
		return &QueryError{Field: "by", Reason: `must be "agent" or "team"`}
	}
	if err := validatePerfRange(q.From, q.To); err != nil {
		return err
	}
	return validatePerfFilters(q.Filters)
}

// PerformanceRow is one agent's or team's figures for a period. Tickets
// without an assignee (or team) have no row. Percentiles follow
// Percentile's rule over the handled tickets that have the value, and are 0
// when none has.
type PerformanceRow struct {
	Key                string // assignee or team name, or "Agent N" / "Team N" when anonymous
	Handled            int64  // tickets resolved in the period
	FirstResponses     int64  // of them, tickets with a first response
	FirstResponseP50Ms int64
	FirstResponseP90Ms int64
	ResolveP50Ms       int64 // created -> resolved
	ResolveP90Ms       int64
	SLAMet             int64 // handled tickets never SLA-breached
	Reopened           int64 // handled tickets reopened at least once
	Handoffs           int64 // team changes over the handled tickets' whole lives
	Backlog            int64 // tickets open now (not resolved or closed) assigned to the key; current period only
	CSATRated          int64 // handled tickets with a customer rating (their latest)
	CSATSum            int64 // sum of those ratings' scores (1..5 each)
}

// CSATAverage is the mean score of the rated handled tickets, 0 when none is rated.
func (r PerformanceRow) CSATAverage() float64 { return perfRatio(r.CSATSum, r.CSATRated) }

// CSATResponseRate is the share of handled tickets that were rated, 0..1.
func (r PerformanceRow) CSATResponseRate() float64 { return perfRatio(r.CSATRated, r.Handled) }

// SLAPercent is the share of handled tickets resolved without an SLA breach, 0..100.
func (r PerformanceRow) SLAPercent() float64 { return perfRatio(r.SLAMet, r.Handled) * 100 }

// ReopenRate is the share of handled tickets reopened at least once, 0..1.
func (r PerformanceRow) ReopenRate() float64 { return perfRatio(r.Reopened, r.Handled) }

func perfRatio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Percentile is the exact percentile rule both stores use: the element of
// 1-based rank floor(n*p/100)+1 of the n values in ascending order (the
// rule of ClickHouse's quantileExact, in integer arithmetic), 0 for no
// values. p is 50 or 90.
func Percentile(sorted []int64, p int) int64 {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[len(sorted)*p/100]
}

// PerformanceResult is the answer to a PerformanceQuery: rows of the
// period and of the previous period of the same length, each ordered by
// handled (descending), then key.
type PerformanceResult struct {
	From, To         time.Time
	Rows             []PerformanceRow
	PrevFrom, PrevTo time.Time
	Previous         []PerformanceRow
}

// RunPerformance answers q through a store's two queries: period returns
// the rows of a period (without backlog), in any order; backlog returns the
// current backlog per key.
func RunPerformance(q PerformanceQuery,
	period func(from, to time.Time) ([]PerformanceRow, error),
	backlog func() (map[string]int64, error),
) (*PerformanceResult, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	res := &PerformanceResult{From: q.From, To: q.To, PrevTo: q.From, PrevFrom: q.From.Add(-q.To.Sub(q.From))}
	// The three statements are independent; side by side they take the
	// time of the slowest (ClickHouse 18.16 reads a FINAL table in one
	// thread per statement).
	var bl map[string]int64
	errs := make([]error, 3)
	var wg sync.WaitGroup
	wg.Go(func() { res.Rows, errs[0] = period(q.From, q.To) })
	wg.Go(func() { res.Previous, errs[1] = period(res.PrevFrom, res.PrevTo) })
	wg.Go(func() { bl, errs[2] = backlog() })
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	for i := range res.Rows {
		if n, ok := bl[res.Rows[i].Key]; ok {
			res.Rows[i].Backlog = n
			delete(bl, res.Rows[i].Key)
		}
	}
	for k, n := range bl {
		res.Rows = append(res.Rows, PerformanceRow{Key: k, Backlog: n})
	}
	SortPerformance(res.Rows)
	SortPerformance(res.Previous)
	if q.Anonymous {
		Anonymize(q.By, res.Rows, res.Previous)
	}
	return res, nil
}

// SortPerformance orders rows by handled (descending), then key.
func SortPerformance(rows []PerformanceRow) {
	slices.SortFunc(rows, func(a, b PerformanceRow) int {
		return cmp.Or(cmp.Compare(b.Handled, a.Handled), cmp.Compare(a.Key, b.Key))
	})
}

// Anonymize replaces the keys by "Agent N" (or "Team N") ranked by the
// current rows' order (handled, then name), continuing with keys seen only
// in the previous period in its order, so a key keeps its label in both.
// The labels are stable for equal data: they depend only on the ranking.
func Anonymize(by string, cur, prev []PerformanceRow) {
	prefix := "Agent "
	if by == ByTeam {
		prefix = "Team "
	}
	label := map[string]string{}
	for _, rows := range [][]PerformanceRow{cur, prev} {
		for i := range rows {
			l, ok := label[rows[i].Key]
			if !ok {
				l = fmt.Sprintf("%s%d", prefix, len(label)+1)
				label[rows[i].Key] = l
			}
			rows[i].Key = l
		}
	}
}

// PerfQueries reads a store's performance and bottleneck queries from fsys
// and puts the store's filter test (in, given a column) in place of
// {{filters}}; every query the shared code runs must be there.
func PerfQueries(fsys fs.FS, name string, in func(col string) string) (map[string]string, error) {
	q, err := sqlfile.Queries(fsys, name)
	if err != nil {
		return nil, err
	}
	if err := sqlfile.Need(q, "perf-period", "perf-backlog", "bottleneck-status-times",
		"bottleneck-handoffs", "bottleneck-top"); err != nil {
		return nil, err
	}
	clause := PerfFilterClause(in)
	for k, v := range q {
		q[k] = strings.ReplaceAll(v, "{{filters}}", clause)
	}
	return q, nil
}

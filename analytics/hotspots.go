package analytics

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Hotspot queries: where tickets pile up (counts of tickets created per
// dimension values and time bucket), what moved since the previous period,
// and the backlog as it stood at an instant ("time travel").
//
// No user text is ever written into SQL: dimensions resolve through a fixed
// whitelist to column names, buckets to fixed expressions, and every value
// (times, time zone, filter values, limits) is a bound parameter.

// Hotspotter answers the hotspot queries; both stores implement it and give
// identical answers for the same history (analytics/storetest.RunHotspots).
type Hotspotter interface {
	// Hotspots counts tickets created in [From, To) per bucket and values
	// of the dimensions: the top Limit keys of each bucket, ordered by
	// bucket, count descending, then keys.
	Hotspots(ctx context.Context, q HotspotQuery) ([]HotspotRow, error)
	// Movers compares, for one dimension, the tickets created in [From, To)
	// with those created in the period of the same length before From: the
	// Limit keys with the largest absolute change, then by key.
	Movers(ctx context.Context, q HotspotQuery) ([]Mover, error)
	// Backlog counts the tickets open at the instant At per value of By.
	Backlog(ctx context.Context, q BacklogQuery) ([]BacklogRow, error)
}

// Bucket sizes of HotspotQuery.Bucket.
const (
	BucketNone  = ""
	BucketHour  = "hour"
	BucketDay   = "day"
	BucketWeek  = "week" // weeks start on Monday
	BucketMonth = "month"
)

// Hotspot query limits.
const (
	DefaultHotspotLimit = 20
	MaxHotspotLimit     = 1000
	MaxHotspotRange     = 2 // years
)

// DimTag is the dimension of a ticket's tags: a ticket counts once per tag
// (tickets without tags do not appear when it is a dimension).
const DimTag = "tag"

// DimensionColumn resolves a dimension name to its column of the
// latest-ticket table. This switch is the whitelist: nothing else ever
// reaches SQL. "agent" is another name of "assignee"; the tag dimension's
// column is the exploded tag ("tag"), one row per ticket and tag.
func DimensionColumn(name string) (string, bool) {
	switch name {
	case "product", "category", "channel", "region", "customer_tier", "priority", "team", "assignee", "status":
		return name, true
	case "agent":
		return "assignee", true
	case "type":
		return "ticket_type", true
	case DimTag:
		return "tag", true
	}
	return "", false
}

// Dimensions lists the dimension names DimensionColumn accepts.
func Dimensions() []string {
	return []string{"agent", "assignee", "category", "channel", "customer_tier", "priority", "product",
		"region", "status", "tag", "team", "type"}
}

// BacklogDimensions are the dimensions the intervals table holds: the ones
// a BacklogQuery can group or filter by.
func BacklogDimensions() []string {
	return []string{"agent", "assignee", "category", "channel", "customer_tier", "priority", "status", "team", "type"}
}

// DoneStatuses lists the statuses in which a ticket is not in the backlog;
// the stores' backlog queries name the same two.
func DoneStatuses() []string { return []string{"resolved", "closed"} }

// HotspotQuery asks for ticket counts by dimensions and time bucket.
type HotspotQuery struct {
	Dimensions []string            // 1 or 2 of Dimensions(); exactly 1 for Movers
	Bucket     string              // "", hour, day, week or month; "" for Movers
	TZ         string              // IANA zone of the buckets; default UTC
	From, To   time.Time           // tickets created in [From, To); at most 2 years
	Filters    map[string][]string // dimension -> allowed values
	Limit      int                 // keys per bucket (Movers: rows); default 20, at most 1000
}

// HotspotRow is one group of a Hotspots answer.
type HotspotRow struct {
	Bucket time.Time // start of the bucket in the query's zone; zero without buckets
	Keys   []string  // values of the dimensions, in the query's order
	Count  int64
}

// Mover is one key of a Movers answer.
type Mover struct {
	Key      string
	Current  int64    // tickets created in [From, To)
	Previous int64    // tickets created in [From-(To-From), From)
	Delta    int64    // Current - Previous
	Ratio    *float64 // Current / Previous; nil when Previous is 0
}

// BacklogQuery asks for the tickets open at an instant.
type BacklogQuery struct {
	At      time.Time
	By      string              // "", status, team, priority or assignee (agent)
	Filters map[string][]string // dimension (of BacklogDimensions) -> allowed values of the state at At
}

// BacklogRow is one key of a Backlog answer; Key is "" when By is "".
type BacklogRow struct {
	Key   string
	Count int64
}

// QueryError is a query the stores refuse: Field names the offending field
// of the request (the API answers 400 with it).
type QueryError struct {
	Field  string
	Reason string
}

func (e *QueryError) Error() string { return "invalid " + e.Field + ": " + e.Reason }

func hotspotErr(field, format string, args ...any) *QueryError {
	return &QueryError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// HotspotFilter is one validated filter: the column and the allowed values.
type HotspotFilter struct {
	Dim    string // dimension name as given
	Column string
	Values []string
}

// HotspotPlan is a validated HotspotQuery, what the stores turn into SQL.
type HotspotPlan struct {
	Columns  []string // columns of the dimensions, in order
	Exploded bool     // the tag dimension is among them: one row per ticket and tag
	Bucket   string
	TZ       string
	Loc      *time.Location
	From, To int64           // unix seconds, rounded up: created_at >= From AND created_at < To
	Filters  []HotspotFilter // sorted by column
	Limit    int
}

// PlanHotspots validates q for Hotspots.
func PlanHotspots(q HotspotQuery) (*HotspotPlan, error) { return planHotspot(q, false) }

// PlanMovers validates q for Movers: one dimension, no bucket; the
// previous period must lie after 1970.
func PlanMovers(q HotspotQuery) (*HotspotPlan, error) { return planHotspot(q, true) }

func planHotspot(q HotspotQuery, movers bool) (*HotspotPlan, error) {
	p := &HotspotPlan{Bucket: q.Bucket, TZ: q.TZ, Limit: q.Limit}
	allowed := strings.Join(Dimensions(), ", ")
	switch n := len(q.Dimensions); {
	case movers && n != 1:
		return nil, hotspotErr("dimensions", "movers takes exactly one dimension, got %d", n)
	case n < 1 || n > 2:
		return nil, hotspotErr("dimensions", "give one or two dimensions, got %d", n)
	}
	for _, d := range q.Dimensions {
		col, ok := DimensionColumn(d)
		if !ok {
			return nil, hotspotErr("dimensions", "unknown dimension %q; allowed: %s", d, allowed)
		}
		if slices.Contains(p.Columns, col) {
			return nil, hotspotErr("dimensions", "dimension %q given twice", d)
		}
		p.Columns = append(p.Columns, col)
		p.Exploded = p.Exploded || col == "tag"
	}
	switch q.Bucket {
	case BucketNone, BucketHour, BucketDay, BucketWeek, BucketMonth:
	default:
		return nil, hotspotErr("bucket", "unknown bucket %q; allowed: hour, day, week, month or none", q.Bucket)
	}
	if movers && q.Bucket != BucketNone {
		return nil, hotspotErr("bucket", "movers takes no bucket")
	}
	if p.TZ == "" {
		p.TZ = "UTC"
	}
	loc, err := time.LoadLocation(p.TZ)
	if err != nil || p.TZ == "Local" {
		return nil, hotspotErr("tz", "unknown time zone %q", q.TZ)
	}
	p.Loc = loc
	if q.From.IsZero() {
		return nil, hotspotErr("from", "required")
	}
	if q.To.IsZero() {
		return nil, hotspotErr("to", "required")
	}
	if !q.From.Before(q.To) {
		return nil, hotspotErr("to", "must be after from")
	}
	if q.To.After(q.From.AddDate(MaxHotspotRange, 0, 0)) {
		return nil, hotspotErr("to", "the range is longer than %d years", MaxHotspotRange)
	}
	earliest := q.From
	if movers {
		earliest = q.From.Add(-q.To.Sub(q.From))
	}
	if earliest.Before(MinTime) {
		return nil, hotspotErr("from", "before %s", MinTime.Format(time.RFC3339))
	}
	if q.To.After(MaxTime) {
		return nil, hotspotErr("to", "after %s", MaxTime.Format(time.RFC3339))
	}
	p.From, p.To = ceilUnix(q.From), ceilUnix(q.To)
	if p.Limit, err = hotspotLimit(q.Limit); err != nil {
		return nil, err
	}
	if p.Filters, err = hotspotFilters(q.Filters, Dimensions()); err != nil {
		return nil, err
	}
	return p, nil
}

// ceilUnix rounds t up to a whole second: stored times are whole seconds,
// so created_at >= t exactly when created_at >= ceilUnix(t).
func ceilUnix(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}

func hotspotLimit(n int) (int, error) {
	switch {
	case n == 0:
		return DefaultHotspotLimit, nil
	case n < 0 || n > MaxHotspotLimit:
		return 0, hotspotErr("limit", "must be between 1 and %d, got %d", MaxHotspotLimit, n)
	}
	return n, nil
}

func hotspotFilters(m map[string][]string, dims []string) ([]HotspotFilter, error) {
	var out []HotspotFilter
	for d, vals := range m {
		col, ok := DimensionColumn(d)
		if !ok || !slices.Contains(dims, d) {
			return nil, hotspotErr("filters", "unknown dimension %q; allowed: %s", d, strings.Join(dims, ", "))
		}
		if len(vals) == 0 {
			return nil, hotspotErr("filters", "dimension %q has no values", d)
		}
		for _, f := range out {
			if f.Column == col {
				return nil, hotspotErr("filters", "dimension %q given twice", d)
			}
		}
		out = append(out, HotspotFilter{Dim: d, Column: col, Values: slices.Clone(vals)})
	}
	slices.SortFunc(out, func(a, b HotspotFilter) int { return strings.Compare(a.Column, b.Column) })
	return out, nil
}

// BacklogPlan is a validated BacklogQuery.
type BacklogPlan struct {
	At      int64  // unix seconds, rounded down: intervals with start_at <= At
	Column  string // column of By; "" for one total
	Filters []HotspotFilter
}

// PlanBacklog validates q.
func PlanBacklog(q BacklogQuery) (*BacklogPlan, error) {
	if q.At.IsZero() {
		return nil, hotspotErr("at", "required")
	}
	if q.At.Before(MinTime) || !q.At.Before(MaxTime) {
		return nil, hotspotErr("at", "outside %d..%d", MinTime.Year(), MaxTime.Year()-1)
	}
	p := &BacklogPlan{At: q.At.Unix()}
	switch q.By {
	case "":
	case "status", "team", "priority", "assignee", "agent":
		p.Column, _ = DimensionColumn(q.By)
	default:
		return nil, hotspotErr("by", "unknown dimension %q; allowed: status, team, priority, assignee (agent) or none", q.By)
	}
	var err error
	if p.Filters, err = hotspotFilters(q.Filters, BacklogDimensions()); err != nil {
		return nil, err
	}
	return p, nil
}

// BucketTime turns a store's bucket value into the bucket's start: for
// hours the unix second of the bucket's start, for days, weeks and months
// the local date of its first day as days since 1970-01-01, whose midnight
// in loc is the start.
func (p *HotspotPlan) BucketTime(v int64) time.Time {
	switch p.Bucket {
	case BucketNone:
		return time.Time{}
	case BucketHour:
		return time.Unix(v, 0).In(p.Loc)
	}
	return time.Date(1970, 1, 1+int(v), 0, 0, 0, 0, p.Loc)
}

// MoverOf completes a mover from its two counts.
func MoverOf(key string, cur, prev int64) Mover {
	m := Mover{Key: key, Current: cur, Previous: prev, Delta: cur - prev}
	if prev != 0 {
		r := float64(cur) / float64(prev)
		if !math.IsInf(r, 0) {
			m.Ratio = &r
		}
	}
	return m
}

// Query templates. Each store keeps, in its queries_hotspots.sql, the
// queries "hotspots", "movers" and "backlog" with placeholders that
// HotspotSQL and BacklogSQL fill with other fragments of the same file and
// whitelisted column names only:
//
//   - {bucket}: fragment "bucket-none|hour|day|week|month", whose every ?
//     is the time zone;
//   - {source}: fragment "source-tickets", or "source-tags" (a ticket per
//     tag, the column tag) when the tag dimension is asked for;
//   - {keys}: "col AS k0[, col AS k1]"; {keyrefs}: "k0[, k1]"; {key}: the
//     backlog key expression (a "last_"+column or fragment "backlog-all");
//   - {filters}: " AND " + fragment "filter" per filter with {col} its
//     column ("filter-tags" for tags not exploded), one ? each: the values.
//
// The parameters follow in a fixed order, documented in the files.

// HotspotSQL expands the template name ("hotspots" or "movers") for the plan
// and returns the query with its arguments.
func (p *HotspotPlan) HotspotSQL(frags map[string]string, name string) (string, []any, error) {
	var args []any
	bucket := frags["bucket-"+cmp.Or(p.Bucket, "none")]
	for range strings.Count(bucket, "?") {
		args = append(args, p.TZ)
	}
	source := frags["source-tickets"]
	if p.Exploded {
		source = frags["source-tags"]
	}
	var keys, refs []string
	for i, c := range p.Columns {
		keys = append(keys, fmt.Sprintf("%s AS k%d", c, i))
		refs = append(refs, fmt.Sprintf("k%d", i))
	}
	switch name {
	case "hotspots":
		args = append(args, p.From, p.To)
	case "movers":
		args = append(args, p.From, p.From, p.From-(p.To-p.From), p.To)
	default:
		return "", nil, fmt.Errorf("no hotspot query %q", name)
	}
	where, fargs := filterSQL(frags, p.Filters, "", !p.Exploded)
	args = append(append(args, fargs...), p.Limit)
	q := strings.NewReplacer("{bucket}", bucket, "{source}", source, "{keys}", strings.Join(keys, ", "),
		"{keyrefs}", strings.Join(refs, ", "), "{filters}", where).Replace(frags[name])
	return q, args, checkArgs(name, q, args)
}

// BacklogSQL expands the template "backlog" for the plan: parameters At,
// then the filters' values.
func (p *BacklogPlan) BacklogSQL(frags map[string]string) (string, []any, error) {
	key := frags["backlog-all"]
	if p.Column != "" {
		key = "last_" + p.Column
	}
	where, fargs := filterSQL(frags, p.Filters, "last_", false)
	args := append([]any{p.At}, fargs...)
	q := strings.NewReplacer("{key}", key, "{filters}", where).Replace(frags["backlog"])
	return q, args, checkArgs("backlog", q, args)
}

func filterSQL(frags map[string]string, fs []HotspotFilter, prefix string, tagsAsArray bool) (string, []any) {
	var b strings.Builder
	var args []any
	for _, f := range fs {
		frag := strings.ReplaceAll(frags["filter"], "{col}", prefix+f.Column)
		if f.Column == "tag" && tagsAsArray {
			frag = frags["filter-tags"]
		}
		b.WriteString(" AND ")
		b.WriteString(frag)
		args = append(args, f.Values)
	}
	return b.String(), args
}

func checkArgs(name, q string, args []any) error {
	if n := strings.Count(q, "?"); n != len(args) || q == "" {
		return fmt.Errorf("hotspot query %s has %d parameters, the code binds %d", name, n, len(args))
	}
	return nil
}

// HotspotQueryNames are the names every store's queries_hotspots.sql defines.
func HotspotQueryNames() []string {
	return []string{"hotspots", "movers", "backlog", "backlog-all", "bucket-none", "bucket-hour",
		"bucket-day", "bucket-week", "bucket-month", "source-tickets", "source-tags", "filter", "filter-tags"}
}

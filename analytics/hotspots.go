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
// (times, time zone, filter values, limits, custom field names) is a bound
// parameter.

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

// DimCustomField starts a custom-field dimension: "cf.os" counts tickets by
// the text of their custom field os (CustomFieldText, as stored in
// cf_keys/cf_values); a ticket without the field counts under "", and the
// filter value "" keeps the tickets without it. The name is a lower-case
// letter followed by lower-case letters, digits or _, at most
// MaxCustomFieldName characters in all, and reaches SQL only as a bound
// parameter.
const DimCustomField = "cf."

// MaxCustomFieldName is the longest custom field name a dimension takes.
const MaxCustomFieldName = 64

// CustomField returns the field name of a custom-field dimension ("cf.os"
// gives "os") and whether dim is one with a valid name.
func CustomField(dim string) (string, bool) {
	name, ok := strings.CutPrefix(dim, DimCustomField)
	if !ok || name == "" || len(name) > MaxCustomFieldName || name[0] < 'a' || name[0] > 'z' {
		return "", false
	}
	for _, c := range []byte(name) {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return "", false
		}
	}
	return name, true
}

// DimensionColumn resolves a dimension name to its column of the
// latest-ticket table. This switch is the whitelist: nothing else ever
// reaches SQL. "agent" is another name of "assignee"; the tag dimension's
// column is the exploded tag ("tag"), one row per ticket and tag. A
// custom-field dimension's column is the dimension itself ("cf.os"), which
// the SQL builders replace by the store's fragment dim-cf with the name
// bound; it never reaches SQL as text.
func DimensionColumn(name string) (string, bool) {
	if _, ok := CustomField(name); ok {
		return name, true
	}
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

// ResolveDimension is DimensionColumn for a request: an unknown dimension
// is a QueryError on field that lists the allowed ones, custom fields
// included.
func ResolveDimension(field, dim string) (string, error) {
	if col, ok := DimensionColumn(dim); ok {
		return col, nil
	}
	return "", dimensionErr(field, dim, Dimensions(), true)
}

// dimensionErr refuses dimension d, naming the allowed ones (and the form
// of a custom-field dimension when cf).
func dimensionErr(field, d string, allowed []string, cf bool) *QueryError {
	if strings.HasPrefix(d, DimCustomField) && cf {
		return hotspotErr(field, "custom field dimension %q: the name after %q must be a lower-case letter followed by "+
			"lower-case letters, digits or _, at most %d characters", d, DimCustomField, MaxCustomFieldName)
	}
	list := strings.Join(allowed, ", ")
	if cf {
		list += ", or " + DimCustomField + "<name> for the custom field <name>"
	}
	return hotspotErr(field, "unknown dimension %q; allowed: %s", d, list)
}

// Dimensions lists the dimension names DimensionColumn accepts, besides
// the custom-field dimensions (DimCustomField).
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
	Dimensions []string            // 1 or 2 of Dimensions() or cf.<name>; exactly 1 for Movers
	Bucket     string              // "", hour, day, week or month; "" for Movers
	TZ         string              // IANA zone of the buckets; default UTC
	From, To   time.Time           // tickets created in [From, To); at most 2 years
	Filters    map[string][]string // dimension (cf.<name> too) -> allowed values
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
	Columns  []string // columns of the dimensions, in order (see DimensionColumn for custom fields)
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
	switch n := len(q.Dimensions); {
	case movers && n != 1:
		return nil, hotspotErr("dimensions", "movers takes exactly one dimension, got %d", n)
	case n < 1 || n > 2:
		return nil, hotspotErr("dimensions", "give one or two dimensions, got %d", n)
	}
	for _, d := range q.Dimensions {
		col, err := ResolveDimension("dimensions", d)
		if err != nil {
			return nil, err
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
	if p.Filters, err = hotspotFilters(q.Filters, Dimensions(), true); err != nil {
		return nil, err
	}
	return p, nil
}

// CeilSecond is t rounded up to a whole second, in UTC: bound instead of t
// where a driver would truncate a fraction (clickhouse-go sends DateTime
// parameters as whole seconds), it selects the same stored rows as t.
func CeilSecond(t time.Time) time.Time { return time.Unix(ceilUnix(t), 0).UTC() }

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

// hotspotFilters validates filters on dims and, when cf, custom-field
// dimensions.
func hotspotFilters(m map[string][]string, dims []string, cf bool) ([]HotspotFilter, error) {
	var out []HotspotFilter
	for d, vals := range m {
		col, ok := DimensionColumn(d)
		_, isCF := CustomField(d)
		if !ok || !(slices.Contains(dims, d) || isCF && cf) {
			return nil, dimensionErr("filters", d, dims, cf)
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
	if usesSLAState(q) {
		return planSLABacklog(q) // timetravel.go
	}
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
		return nil, hotspotErr("by", "unknown dimension %q; allowed: status, team, priority, assignee (agent), sla_state or none", q.By)
	}
	var err error
	if p.Filters, err = hotspotFilters(q.Filters, BacklogDimensions(), false); err != nil {
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
// HotspotSQL and BacklogSQL fill (fillSQL) with other fragments of the same
// file and whitelisted column names only:
//
//   - {bucket}: fragment "bucket-none|hour|day|week|month", whose every ?
//     is the time zone;
//   - {source}: fragment "source-tickets", or "source-tags" (a ticket per
//     tag, the column tag) when the tag dimension is asked for;
//   - {keys}: "col AS k0[, col AS k1]", a custom field's col being the
//     fragment "dim-cf" whose one ? is the field's name; {keyrefs}:
//     "k0[, k1]"; {key}: the backlog key expression (a "last_"+column or
//     fragment "backlog-all");
//   - {filters}: " AND " + fragment "filter" per filter, whose ? is the
//     list of values and {col} the column (or dim-cf); "filter-tags" for
//     tags not exploded.
//
// The template's own parameters are documented in the files; the pieces'
// parameters join where the pieces land.

// HotspotSQL expands the template name ("hotspots" or "movers") for the plan
// and returns the query with its arguments.
func (p *HotspotPlan) HotspotSQL(frags map[string]string, name string) (string, []any, error) {
	bucketFrag := frags["bucket-"+cmp.Or(p.Bucket, "none")]
	var tzs []any
	for range strings.Count(bucketFrag, "?") {
		tzs = append(tzs, p.TZ)
	}
	bucket, bargs, err := fillSQL("bucket", bucketFrag, tzs, nil)
	if err != nil {
		return "", nil, err
	}
	source, live := sourceSQL(frags, p.Exploded)
	keys, err := keysSQL(frags, p.Columns)
	if err != nil {
		return "", nil, err
	}
	var own []any
	switch name {
	case "hotspots":
		own = []any{p.From, p.To, p.Limit}
	case "movers":
		own = []any{p.From, p.From, p.From - (p.To - p.From), p.To, p.Limit}
	default:
		return "", nil, fmt.Errorf("no hotspot query %q", name)
	}
	filters, err := filterSQL(frags, p.Filters, "", !p.Exploded)
	if err != nil {
		return "", nil, err
	}
	return fillSQL(name, frags[name], own, map[string]sqlPiece{
		"bucket": piece(bucket, bargs...), "source": piece(source), "keys": keys,
		"keyrefs": piece(keyRefs(len(p.Columns))), "filters": live.and(filters),
	})
}

// sourceSQL is the {source} of a query over the tickets (fragment
// source-tickets, or source-tags with a row per tag) and the condition its
// rows must meet to be the tickets' latest state: the optional fragment
// source-live, for a store whose table keeps replaced rows until merges drop
// them. Queries put it in front of their filters, in their own WHERE, where
// the store can use it with the table's sorting key (a condition inside the
// source would be a subquery the store reads whole).
func sourceSQL(frags map[string]string, exploded bool) (string, sqlCond) {
	source := frags["source-tickets"]
	if exploded {
		source = frags["source-tags"]
	}
	return source, sqlCond(frags["source-live"])
}

// sqlCond is a condition without parameters; "" is none.
type sqlCond string

// and is filters with the condition in front, joined by AND.
func (c sqlCond) and(filters sqlPiece) sqlPiece {
	if c == "" {
		return filters
	}
	return piece(" AND ("+string(c)+")"+filters.text, filters.args...)
}

// keysSQL is the select list "expr AS k0, expr AS k1" of the columns.
func keysSQL(frags map[string]string, cols []string) (sqlPiece, error) {
	var parts []string
	var args []any
	for i, c := range cols {
		e, err := dimExpr(frags, c, "")
		if err != nil {
			return sqlPiece{}, err
		}
		parts = append(parts, fmt.Sprintf("%s AS k%d", e.text, i))
		args = append(args, e.args...)
	}
	return piece(strings.Join(parts, ", "), args...), nil
}

func keyRefs(n int) string {
	refs := make([]string, n)
	for i := range refs {
		refs[i] = fmt.Sprintf("k%d", i)
	}
	return strings.Join(refs, ", ")
}

// dimExpr is the SQL of a column of DimensionColumn: the column (after
// prefix), or for a custom field the store's fragment dim-cf with the
// field's name as its parameter.
func dimExpr(frags map[string]string, col, prefix string) (sqlPiece, error) {
	name, ok := CustomField(col)
	if !ok {
		return piece(prefix + col), nil
	}
	text, args, err := fillSQL("dim-cf", frags["dim-cf"], []any{name}, nil)
	return piece(text, args...), err
}

// BacklogSQL expands the template "backlog-sla" (timetravel.go), which
// states each ticket's SLA state beside its other columns, for the plan:
// parameters At four times, then the filters' values.
func (p *BacklogPlan) BacklogSQL(frags map[string]string) (string, []any, error) {
	return p.slaBacklogSQL(frags)
}

// filterSQL is the conditions of the filters, each " AND " + fragment
// "filter" (or "filter-tags" for the tag array when tagsAsArray).
func filterSQL(frags map[string]string, fs []HotspotFilter, prefix string, tagsAsArray bool) (sqlPiece, error) {
	var b strings.Builder
	var args []any
	for _, f := range fs {
		var text string
		var fargs []any
		var err error
		if f.Column == "tag" && tagsAsArray {
			text, fargs, err = fillSQL("filter-tags", frags["filter-tags"], []any{f.Values}, nil)
		} else {
			var col sqlPiece
			if col, err = dimExpr(frags, f.Column, prefix); err != nil {
				return sqlPiece{}, err
			}
			text, fargs, err = fillSQL("filter", frags["filter"], []any{f.Values}, map[string]sqlPiece{"col": col})
		}
		if err != nil {
			return sqlPiece{}, err
		}
		b.WriteString(" AND ")
		b.WriteString(text)
		args = append(args, fargs...)
	}
	return piece(b.String(), args...), nil
}

// HotspotQueryNames are the names every store's queries_hotspots.sql defines.
func HotspotQueryNames() []string {
	return []string{"hotspots", "movers", "backlog-all", "bucket-none", "bucket-hour",
		"bucket-day", "bucket-week", "bucket-month", "source-tickets", "source-tags", "filter", "filter-tags", "dim-cf"}
}

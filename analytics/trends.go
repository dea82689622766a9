package analytics

import (
	"context"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"sync"
	"time"
)

// Trends: per time bucket of [From, To), the tickets created, the tickets
// resolved with their SLA, first-response, resolution and CSAT figures (as
// PerformanceRow counts them, by each ticket's latest resolution), and the
// backlog at the bucket's end, for the manager overview's time series.
//
// The backlog of a bucket is BacklogQuery's count at the bucket's end (the
// next bucket's start, or To for the last, partial bucket; whole seconds,
// rounded down like Backlog's At). It is read in one scan rather than one
// backlog query per bucket: every version of a ticket covers a span of
// time [covers_from, covers_to) (the latest one, no end), the spans of one
// ticket never overlap, so the backlog at T is the number of open spans
// holding T. The store groups the open spans that touch the buckets' ends
// by (bucket of covers_from - 1s, bucket of covers_to - 1s): such a span
// holds the end T_i of bucket i exactly when its first bucket's index is at
// most i and its last's is above i (times are whole seconds). A running sum
// over those pairs gives every bucket's backlog.
//
// Filters (PerfFilterDimensions) apply to the ticket's latest state, as in
// PerformanceQuery, for all series alike, the backlog included: without
// filters a point's backlog equals Backlog(At: its end); with them it
// counts the tickets open then whose latest state passes them (Backlog's
// own filters test the state at the instant, and know neither product nor
// region).

// Trender answers trend queries; both stores implement it with the same
// answers for the same history (analytics/storetest.RunTrends).
type Trender interface {
	// Trends returns one point per bucket of [From, To), every bucket
	// present (zero-filled), ordered by bucket.
	Trends(ctx context.Context, q TrendQuery) ([]TrendPoint, error)
}

// TrendQuery asks for the time series of [From, To) in buckets.
type TrendQuery struct {
	From, To time.Time           // required, To after From, at most MaxPerfRangeYears apart
	Bucket   string              // day, week (starting Monday) or month
	TZ       string              // IANA zone of the buckets; default UTC
	Filters  map[string][]string // dimension (see PerfFilterDimensions) -> accepted values
}

// MaxTrendBuckets bounds the points of one answer.
const MaxTrendBuckets = 400

// TrendPoint is one bucket of a Trends answer. The figures of resolved
// tickets follow PerformanceRow: SLAMet, CSATRated and CSATSum count over
// the tickets resolved in the bucket, the percentiles follow Percentile
// over those that have the value (0 when none has).
type TrendPoint struct {
	Bucket             time.Time // start of the bucket in the query's zone (the first may start before From)
	End                time.Time // the instant of Backlog: the bucket's end, at most To
	Created            int64     // tickets created in the bucket, within [From, To)
	Resolved           int64     // tickets whose latest resolution fell in the bucket, within [From, To)
	Backlog            int64     // tickets open (not resolved or closed) at End
	SLAMet             int64     // resolved tickets never SLA-breached
	FirstResponseP50Ms int64     // over the resolved tickets with a first response
	ResolveP50Ms       int64     // created -> resolved, over the resolved tickets
	CSATRated          int64     // resolved tickets with a customer rating (their latest)
	CSATSum            int64     // sum of those ratings' scores
}

// TrendPlan is a validated TrendQuery: its buckets and the bound values the
// stores' queries take.
type TrendPlan struct {
	Bucket   string
	TZ       string
	Loc      *time.Location
	From, To int64       // unix seconds, rounded up: created_at/resolved_at >= From AND < To
	Starts   []time.Time // each bucket's start in Loc
	Ends     []time.Time // each bucket's backlog instant: the next start, the last one To
	Values   []int64     // each bucket's store value: its local first day as days since 1970
	Filters  map[string][]string
	index    map[int64]int // Values -> position
	// EdgeStep and EdgeOffset (seconds) cut time into the steps that
	// "trend-open" counts span edges by: no bucket after the first starts
	// inside a step. See TrendEdge.
	EdgeStep, EdgeOffset int64
}

// PlanTrends validates q and lays out its buckets; errors are *QueryError.
func PlanTrends(q TrendQuery) (*TrendPlan, error) {
	if err := validatePerfRange(q.From, q.To); err != nil {
		return nil, err
	}
	switch q.Bucket {
	case BucketDay, BucketWeek, BucketMonth:
	case "":
		return nil, &QueryError{Field: "bucket", Reason: "required: day, week or month"}
	default:
		return nil, &QueryError{Field: "bucket", Reason: fmt.Sprintf("unknown bucket %q; allowed: day, week, month", q.Bucket)}
	}
	p := &TrendPlan{Bucket: q.Bucket, TZ: q.TZ, Filters: q.Filters, index: map[int64]int{}}
	if p.TZ == "" {
		p.TZ = "UTC"
	}
	loc, err := time.LoadLocation(p.TZ)
	if err != nil || p.TZ == "Local" {
		return nil, &QueryError{Field: "tz", Reason: fmt.Sprintf("unknown time zone %q", q.TZ)}
	}
	p.Loc = loc
	if err := validatePerfFilters(q.Filters); err != nil {
		return nil, err
	}
	p.From, p.To = ceilUnix(q.From), ceilUnix(q.To)
	start := bucketStart(q.From.In(loc), q.Bucket)
	for start.Before(q.To) {
		if len(p.Starts) == MaxTrendBuckets {
			return nil, &QueryError{Field: "bucket", Reason: fmt.Sprintf("the range holds more than %d %s buckets; "+
				"choose a larger bucket or a shorter range", MaxTrendBuckets, q.Bucket)}
		}
		next := nextBucket(start, q.Bucket)
		end := next
		if end.After(q.To) {
			end = q.To
		}
		y, m, d := start.Date()
		v := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
		p.index[v] = len(p.Starts)
		p.Starts = append(p.Starts, start)
		p.Ends = append(p.Ends, end)
		p.Values = append(p.Values, v)
		start = next
	}
	if !p.chooseEdgeStep() {
		return nil, &QueryError{Field: "tz", Reason: fmt.Sprintf("%s starts a day off the quarter hour", p.TZ)}
	}
	return p, nil
}

// chooseEdgeStep picks the longest of edgeSteps on whose boundaries every
// bucket after the first starts, and reports whether one fits.
func (p *TrendPlan) chooseEdgeStep() bool {
	for _, step := range edgeSteps {
		off := ((p.Starts[0].Unix() % step) + step) % step
		if len(p.Starts) > 1 {
			off = ((p.Starts[1].Unix() % step) + step) % step
		}
		fits := true
		for _, st := range p.Starts[1:] {
			fits = fits && ((st.Unix()-off)%step+step)%step == 0
		}
		if fits {
			p.EdgeStep, p.EdgeOffset = step, off
			return true
		}
	}
	return false
}

// bucketStart is the start of the bucket holding t, in t's zone.
func bucketStart(t time.Time, bucket string) time.Time {
	y, m, d := t.Date()
	switch bucket {
	case BucketWeek:
		d -= (int(t.Weekday()) + 6) % 7 // back to Monday
	case BucketMonth:
		d = 1
	}
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

// nextBucket is the start of the bucket after the one starting at start;
// by calendar date, so a day across a DST change has 23 or 25 hours.
func nextBucket(start time.Time, bucket string) time.Time {
	y, m, d := start.Date()
	switch bucket {
	case BucketWeek:
		d += 7
	case BucketMonth:
		m++
	default:
		d++
	}
	return time.Date(y, m, d, 0, 0, 0, 0, start.Location())
}

// EndUnix is the backlog instant of bucket i in unix seconds, rounded down
// as Backlog rounds At.
func (p *TrendPlan) EndUnix(i int) int64 { return p.Ends[i].Unix() }

// Index is the position of a store's bucket value, and whether it is one
// of the plan's buckets.
func (p *TrendPlan) Index(v int64) (int, bool) {
	i, ok := p.index[v]
	return i, ok
}

// TrendEdge is one group of the store's "trend-open" query: the open spans
// (ticket versions holding a bucket's end) by the step of an edge. Side
// TrendSpanStart counts the spans whose first instant (covers_from minus
// one second) falls in step Key, side TrendSpanEnd those whose end's last
// instant (covers_to minus one second) does, or Key TrendOpenEnd for a span
// lasting past the last bucket's end. Step k is the instants [k*Step +
// Offset, (k+1)*Step + Offset) of the plan (TrendPlan.EdgeStep), chosen so
// that no bucket starts inside a step: counting by step spares the stores a
// time-zone conversion per span, and a long step few groups.
type TrendEdge struct {
	Side int64
	Key  int64
	N    int64
}

// Sides of a TrendEdge.
const (
	TrendSpanStart = 0
	TrendSpanEnd   = 1
)

// TrendOpenEnd is the key "trend-open" gives the end of a span that lasts
// past the last bucket's end (or has no end): after every bucket.
const TrendOpenEnd = int64(1) << 40

// edgeSteps are the steps a plan may count span edges by, longest first:
// a week, a day, an hour, half an hour, a quarter hour (every zone's day
// starts on a quarter hour).
var edgeSteps = []int64{7 * 86400, 86400, 3600, 1800, 900}

// Backlogs turns the open-span edges into the backlog at each bucket's
// end: a span counts at the ends of the buckets from its first one (or the
// first of the plan, when it began before) to the one before its last; a
// span that starts and ends within one bucket adds and takes away at the
// same bucket, so it counts nowhere.
func (p *TrendPlan) Backlogs(edges []TrendEdge) []int64 {
	n := len(p.Starts)
	pos := func(key int64) int {
		if key == TrendOpenEnd {
			return n
		}
		t := key*p.EdgeStep + p.EdgeOffset
		i := sort.Search(n, func(i int) bool { return p.Starts[i].Unix() > t }) - 1
		return max(i, 0)
	}
	diff := make([]int64, n+1)
	for _, e := range edges {
		if e.Side == TrendSpanStart {
			diff[pos(e.Key)] += e.N
		} else {
			diff[pos(e.Key)] -= e.N
		}
	}
	out := make([]int64, n)
	var run int64
	for i := range out {
		run += diff[i]
		out[i] = run
	}
	return out
}

// TrendQueryNames are the queries every store's queries_trends.sql
// defines: "trend-created", "trend-resolved" and "trend-open" (named
// parameters; see the files), and the bucket fragments "trend-bucket-day",
// "-week" and "-month", whose {t} is a time expression and whose one ? the
// zone. A query names a bucket as {{bucket:EXPR}}, EXPR written in the file.
func TrendQueryNames() []string { return []string{"trend-created", "trend-resolved", "trend-open"} }

// LoadTrendQueries reads a store's trend queries (see TrendQueryNames); in
// is the store's membership test (LoadNamedQueries).
func LoadTrendQueries(fsys fs.FS, file string, in func(col string) string) (map[string]string, error) {
	q, err := LoadNamedQueries(fsys, file, in, TrendQueryNames()...)
	if err != nil {
		return nil, err
	}
	for _, b := range []string{BucketDay, BucketWeek, BucketMonth} {
		frag := q["trend-bucket-"+b]
		if frag == "" || !strings.Contains(frag, "{t}") || strings.Count(frag, "?") != 1 {
			return nil, fmt.Errorf("%s: fragment trend-bucket-%s is missing, or lacks {t} or its one ?", file, b)
		}
	}
	return q, nil
}

// trendSQL puts the plan's bucket fragment in place of each {{bucket:EXPR}}.
func trendSQL(qs map[string]string, name, bucket string) (string, error) {
	text, frag := qs[name], qs["trend-bucket-"+bucket]
	var b strings.Builder
	for {
		i := strings.Index(text, "{{bucket:")
		if i < 0 {
			break
		}
		j := strings.Index(text[i:], "}}")
		if j < 0 {
			return "", fmt.Errorf("query %s: unclosed {{bucket:", name)
		}
		b.WriteString(text[:i])
		b.WriteString(strings.ReplaceAll(frag, "{t}", "("+text[i+len("{{bucket:"):i+j]+")"))
		text = text[i+j+2:]
	}
	b.WriteString(text)
	return b.String(), nil
}

// RunTrends answers q with a store's trend queries through run. The
// queries bind the named parameters tz, from, to (unix seconds of the
// window), first and last (unix seconds of the first and last bucket's
// end) and filters (PerfFilterArgs).
func RunTrends(ctx context.Context, run QueryFunc, qs map[string]string, q TrendQuery) ([]TrendPoint, error) {
	p, err := PlanTrends(q)
	if err != nil {
		return nil, err
	}
	n := len(p.Starts)
	vals := map[string][]any{"tz": {p.TZ}, "from": {p.From}, "to": {p.To},
		"first": {p.EndUnix(0)}, "last": {p.EndUnix(n - 1)}, "filters": PerfFilterArgs(q.Filters),
		"step": {p.EdgeStep}, "offset": {p.EdgeOffset}}
	out := make([]TrendPoint, n)
	for i := range out {
		out[i].Bucket, out[i].End = p.Starts[i], p.Ends[i]
	}
	bucketOf := func(name string, v int64) (*TrendPoint, error) {
		i, ok := p.Index(v)
		if !ok {
			return nil, fmt.Errorf("%s: bucket %d is not one of the query's", name, v)
		}
		return &out[i], nil
	}
	each := func(name string, scan func(ResultRows) error) error {
		text, err := trendSQL(qs, name, p.Bucket)
		if err != nil {
			return err
		}
		args, err := BindNamed(name, text, vals)
		if err != nil {
			return err
		}
		return ScanAll(ctx, run, name, text, args, scan)
	}
	var edges []TrendEdge
	// The statements are independent; side by side they take the time of
	// the slowest (see RunPerformance).
	errs := make([]error, 3)
	var mu sync.Mutex // out's points are written by two statements
	var wg sync.WaitGroup
	wg.Go(func() {
		errs[0] = each("trend-created", func(rows ResultRows) error {
			var v, c int64
			if err := rows.Scan(&v, &c); err != nil {
				return err
			}
			pt, err := bucketOf("trend-created", v)
			if err != nil {
				return err
			}
			mu.Lock()
			pt.Created = c
			mu.Unlock()
			return nil
		})
	})
	wg.Go(func() {
		errs[1] = each("trend-resolved", func(rows ResultRows) error {
			var v int64
			var r TrendPoint
			if err := rows.Scan(&v, &r.Resolved, &r.SLAMet, &r.FirstResponseP50Ms, &r.ResolveP50Ms,
				&r.CSATRated, &r.CSATSum); err != nil {
				return err
			}
			pt, err := bucketOf("trend-resolved", v)
			if err != nil {
				return err
			}
			mu.Lock()
			pt.Resolved, pt.SLAMet, pt.FirstResponseP50Ms, pt.ResolveP50Ms = r.Resolved, r.SLAMet, r.FirstResponseP50Ms, r.ResolveP50Ms
			pt.CSATRated, pt.CSATSum = r.CSATRated, r.CSATSum
			mu.Unlock()
			return nil
		})
	})
	wg.Go(func() {
		errs[2] = each("trend-open", func(rows ResultRows) error {
			var e TrendEdge
			if err := rows.Scan(&e.Side, &e.Key, &e.N); err != nil {
				return err
			}
			edges = append(edges, e)
			return nil
		})
	})
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	for i, b := range p.Backlogs(edges) {
		out[i].Backlog = b
	}
	return out, nil
}

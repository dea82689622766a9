package analytics

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"
)

// Spike detection: buckets in which one value of a dimension got far more
// tickets than usual, with what set those tickets apart. Everything is
// computed here from the counts Hotspots answers, so both stores give the
// same spikes for the same history.
//
// A bucket's count is compared with the buckets of the same season (same
// weekday, same hour of the day) among the Baseline buckets before it: the
// robust z is (count - median) / scale, where scale is the median absolute
// deviation times 1.4826, floored at max(1, sqrt(median)) so that a flat or
// near-empty baseline does not turn every ripple into a spike.

// SpikeQuery asks for the spikes of one dimension.
type SpikeQuery struct {
	Dimension string              // one of Dimensions()
	Bucket    string              // hour or day
	TZ        string              // IANA zone of the buckets; default UTC
	From, To  time.Time           // buckets starting in [From, To) are examined; From is rounded down to its bucket
	Baseline  int                 // buckets before each examined one it is compared with; default 28 (day), 168 (hour)
	Season    int                 // period in buckets: 1 none, 7 weekdays, 24 hours of a day; default 7 (day), 24 (hour)
	MinCount  int                 // least count of a spike; default 10
	Threshold float64             // least robust z of a spike; default 4
	Filters   map[string][]string // as HotspotQuery.Filters; apply to counts and explanations
}

// Spike is a bucket in which Value of Dimension got far more tickets than
// usual.
type Spike struct {
	Dimension   string
	Value       string
	Bucket      time.Time // start of the bucket in the query's zone
	Count       int64
	Baseline    float64 // median count of the same-season baseline buckets
	Z           float64 // robust z of Count against the baseline
	Explanation []Finding
}

// Finding is a value of another dimension that is over-represented among
// the spike's tickets compared with the value's tickets in the baseline
// window.
type Finding struct {
	Dimension     string
	Value         string
	Count         int64   // spike tickets with Value
	Share         float64 // Count / spike count
	BaselineShare float64 // the same share in the baseline window
	Lift          float64 // Share / BaselineShare, both add-one smoothed
	Support       float64 // Count / spike count
	Text          string
}

// Spike detection defaults and limits.
const (
	DefaultSpikeMinCount  = 10
	DefaultSpikeThreshold = 4.0
	MaxSpikeBaseline      = 1000 // buckets
	MinSpikeSeasonPoints  = 3    // same-season buckets the baseline must hold at least
	MaxSpikeFindings      = 5
	MinFindingSupport     = 0.2
	madScale              = 1.4826
)

// ExplainDimensions are the dimensions a spike's explanation looks at (all
// but the spiking one).
func ExplainDimensions() []string {
	return []string{"product", "category", "channel", "region", "customer_tier", "priority", "team", "type", DimTag}
}

// spikePlan is a validated SpikeQuery with defaults filled in and its
// buckets: starts[0:Baseline] form the baseline of the first examined
// bucket starts[Baseline]; the last element is the end of the last bucket.
type spikePlan struct {
	q      SpikeQuery
	loc    *time.Location
	starts []time.Time
}

func planSpikes(q SpikeQuery) (*spikePlan, error) {
	if _, err := ResolveDimension("dimension", q.Dimension); err != nil {
		return nil, err
	}
	var baseline, season int
	switch q.Bucket {
	case BucketDay:
		baseline, season = 28, 7
	case BucketHour:
		baseline, season = 168, 24
	default:
		return nil, hotspotErr("bucket", "unknown bucket %q; allowed: hour or day", q.Bucket)
	}
	q.Baseline = cmp.Or(q.Baseline, baseline)
	q.Season = cmp.Or(q.Season, season)
	switch {
	case q.Season < 1:
		return nil, hotspotErr("season", "must be at least 1, got %d", q.Season)
	case q.Baseline < MinSpikeSeasonPoints*q.Season:
		return nil, hotspotErr("baseline", "must hold at least %d buckets of each season (%d), got %d",
			MinSpikeSeasonPoints, MinSpikeSeasonPoints*q.Season, q.Baseline)
	case q.Baseline > MaxSpikeBaseline:
		return nil, hotspotErr("baseline", "at most %d buckets, got %d", MaxSpikeBaseline, q.Baseline)
	case q.MinCount < 0:
		return nil, hotspotErr("min_count", "must not be negative, got %d", q.MinCount)
	case math.IsNaN(q.Threshold) || math.IsInf(q.Threshold, 0) || q.Threshold < 0:
		return nil, hotspotErr("threshold", "must be a positive number, got %v", q.Threshold)
	}
	q.MinCount = cmp.Or(q.MinCount, DefaultSpikeMinCount)
	q.Threshold = cmp.Or(q.Threshold, DefaultSpikeThreshold)
	q.TZ = cmp.Or(q.TZ, "UTC")
	loc, err := time.LoadLocation(q.TZ)
	if err != nil || q.TZ == "Local" {
		return nil, hotspotErr("tz", "unknown time zone %q", q.TZ)
	}
	switch {
	case q.From.IsZero():
		return nil, hotspotErr("from", "required")
	case q.To.IsZero():
		return nil, hotspotErr("to", "required")
	case !q.From.Before(q.To):
		return nil, hotspotErr("to", "must be after from")
	case q.From.Before(MinTime):
		return nil, hotspotErr("from", "before %s", MinTime.Format(time.RFC3339))
	case q.To.After(MaxTime):
		return nil, hotspotErr("to", "after %s", MaxTime.Format(time.RFC3339))
	case q.To.After(q.From.AddDate(MaxHotspotRange, 0, 0)):
		return nil, hotspotErr("to", "the range is longer than %d years", MaxHotspotRange)
	}
	p := &spikePlan{q: q, loc: loc}
	first := p.floor(q.From)
	var back []time.Time
	for b := first; len(back) < q.Baseline; {
		b = p.prev(b)
		back = append(back, b)
	}
	slices.Reverse(back)
	p.starts = back
	for b := first; b.Before(q.To); b = p.next(b) {
		p.starts = append(p.starts, b)
	}
	p.starts = append(p.starts, p.next(p.starts[len(p.starts)-1]))
	// The whole fetch must be a valid Hotspots range; its errors are
	// QueryErrors too, but name the fetch rather than the request.
	if p.starts[0].Before(MinTime) {
		return nil, hotspotErr("from", "the baseline starts before %s", MinTime.Format(time.RFC3339))
	}
	if p.end().After(p.starts[0].AddDate(MaxHotspotRange, 0, 0)) {
		return nil, hotspotErr("to", "the range with its baseline is longer than %d years", MaxHotspotRange)
	}
	return p, nil
}

// end is the end of the last examined bucket.
func (p *spikePlan) end() time.Time { return p.starts[len(p.starts)-1] }

// floor is the start of the bucket holding t.
func (p *spikePlan) floor(t time.Time) time.Time {
	t = t.In(p.loc)
	if p.q.Bucket == BucketDay {
		y, m, d := t.Date()
		return time.Date(y, m, d, 0, 0, 0, 0, p.loc)
	}
	_, off := t.Zone()
	s := t.Unix()
	r := (s + int64(off)) % 3600
	if r < 0 {
		r += 3600
	}
	return time.Unix(s-r, 0).In(p.loc)
}

func (p *spikePlan) next(b time.Time) time.Time {
	if p.q.Bucket == BucketDay {
		y, m, d := b.Date()
		return time.Date(y, m, d+1, 0, 0, 0, 0, p.loc)
	}
	n := p.floor(b.Add(time.Hour))
	if !n.After(b) {
		n = b.Add(time.Hour)
	}
	return n
}

func (p *spikePlan) prev(b time.Time) time.Time {
	if p.q.Bucket == BucketDay {
		y, m, d := b.Date()
		return time.Date(y, m, d-1, 0, 0, 0, 0, p.loc)
	}
	n := p.floor(b.Add(-time.Hour))
	if !n.Before(b) {
		n = b.Add(-time.Hour)
	}
	return n
}

// DetectSpikes finds the buckets of [q.From, q.To) in which a value of
// q.Dimension got far more tickets than in the same-season buckets before
// it, and explains each with the values of the other dimensions that are
// over-represented among its tickets. Spikes are ordered by bucket, then z
// descending, then value. Invalid queries give a *QueryError.
//
// Counts come from Hotspots with the largest limit: in a bucket with more
// than MaxHotspotLimit values, those beyond it count as zero.
func DetectSpikes(ctx context.Context, h Hotspotter, q SpikeQuery) ([]Spike, error) {
	p, err := planSpikes(q)
	if err != nil {
		return nil, err
	}
	q = p.q
	rows, err := h.Hotspots(ctx, HotspotQuery{Dimensions: []string{q.Dimension}, Bucket: q.Bucket, TZ: q.TZ,
		From: p.starts[0], To: p.end(), Filters: q.Filters, Limit: MaxHotspotLimit})
	if err != nil {
		return nil, fmt.Errorf("spike counts: %w", err)
	}
	n := len(p.starts) - 1
	index := make(map[int64]int, n)
	for i, b := range p.starts[:n] {
		index[b.Unix()] = i
	}
	series := map[string][]int64{}
	for _, r := range rows {
		i, ok := index[r.Bucket.Unix()]
		if !ok || len(r.Keys) != 1 {
			continue // a bucket the plan does not know (a zone's odd transition)
		}
		s := series[r.Keys[0]]
		if s == nil {
			s = make([]int64, n)
			series[r.Keys[0]] = s
		}
		s[i] += r.Count
	}
	spikes := []Spike{}
	for _, v := range slices.Sorted(maps.Keys(series)) {
		s := series[v]
		for i := q.Baseline; i < n; i++ {
			if s[i] < int64(q.MinCount) {
				continue
			}
			var base []float64
			for j := i - q.Season; j >= i-q.Baseline; j -= q.Season {
				base = append(base, float64(s[j]))
			}
			med, scale := robustScale(base)
			z := (float64(s[i]) - med) / scale
			if z >= q.Threshold {
				spikes = append(spikes, Spike{Dimension: q.Dimension, Value: v, Bucket: p.starts[i],
					Count: s[i], Baseline: med, Z: z, Explanation: []Finding{}})
			}
		}
	}
	slices.SortStableFunc(spikes, func(a, b Spike) int {
		return cmp.Or(a.Bucket.Compare(b.Bucket), cmp.Compare(b.Z, a.Z), strings.Compare(a.Value, b.Value))
	})
	for k := range spikes {
		sp := &spikes[k]
		i := index[sp.Bucket.Unix()]
		var total int64 // the value's tickets in the baseline window
		for _, c := range series[sp.Value][i-q.Baseline : i] {
			total += c
		}
		if sp.Explanation, err = p.explain(ctx, h, sp, i, total); err != nil {
			return nil, err
		}
	}
	return spikes, nil
}

// robustScale returns the median of xs and the scale of the robust z:
// the scaled MAD, floored at max(1, sqrt(median)).
func robustScale(xs []float64) (med, scale float64) {
	med = median(xs)
	dev := make([]float64, len(xs))
	for i, x := range xs {
		dev[i] = math.Abs(x - med)
	}
	return med, max(madScale*median(dev), 1, math.Sqrt(med))
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	} else {
		return (s[n/2-1] + s[n/2]) / 2
	}
}

// explain ranks the values of the other dimensions by lift*support among
// the spike's tickets (bucket i) against the value's tickets in the
// baseline window (total of them), keeping the top MaxSpikeFindings with
// support >= MinFindingSupport and lift > 1.
func (p *spikePlan) explain(ctx context.Context, h Hotspotter, sp *Spike, i int, total int64) ([]Finding, error) {
	q := p.q
	filters := maps.Clone(q.Filters)
	if filters == nil {
		filters = map[string][]string{}
	}
	dcol, _ := DimensionColumn(q.Dimension)
	for d := range filters {
		if c, _ := DimensionColumn(d); c == dcol {
			delete(filters, d) // "agent" and "assignee" name the same column
		}
	}
	filters[q.Dimension] = []string{sp.Value}
	// One query per dimension counts the spike's bucket and its baseline
	// together: bucketed like the spike, a row from the spike's bucket on
	// is the spike's, an earlier one the baseline's.
	count := func(dim string) (cur, prev map[string]int64, err error) {
		rows, err := h.Hotspots(ctx, HotspotQuery{Dimensions: []string{dim}, Bucket: q.Bucket, TZ: q.TZ,
			From: p.starts[i-q.Baseline], To: p.starts[i+1], Filters: filters, Limit: MaxHotspotLimit})
		if err != nil {
			return nil, nil, fmt.Errorf("spike explanation by %s: %w", dim, err)
		}
		cur, prev = map[string]int64{}, map[string]int64{}
		for _, r := range rows {
			if len(r.Keys) != 1 {
				continue
			}
			if r.Bucket.Before(p.starts[i]) {
				prev[r.Keys[0]] += r.Count
			} else {
				cur[r.Keys[0]] += r.Count
			}
		}
		return cur, prev, nil
	}
	out := []Finding{}
	for _, d := range ExplainDimensions() {
		if c, _ := DimensionColumn(d); c == dcol {
			continue
		}
		cur, prev, err := count(d)
		if err != nil {
			return nil, err
		}
		k := len(cur)
		for v := range prev {
			if _, ok := cur[v]; !ok {
				k++
			}
		}
		for _, v := range slices.Sorted(maps.Keys(cur)) {
			c, b := cur[v], prev[v]
			f := Finding{Dimension: d, Value: v, Count: c, Share: ratio(c, sp.Count), BaselineShare: ratio(b, total),
				Lift: (float64(c+1) / float64(sp.Count+int64(k))) / (float64(b+1) / float64(total+int64(k)))}
			f.Support = f.Share
			if f.Support < MinFindingSupport || f.Lift <= 1 {
				continue
			}
			f.Text = fmt.Sprintf("%s %q is %.0f%% of the spike vs %.0f%% usually (lift %.1f)",
				d, v, 100*f.Share, 100*f.BaselineShare, f.Lift)
			out = append(out, f)
		}
	}
	slices.SortStableFunc(out, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(b.Lift*b.Support, a.Lift*a.Support),
			strings.Compare(a.Dimension, b.Dimension), strings.Compare(a.Value, b.Value))
	})
	return out[:min(len(out), MaxSpikeFindings)], nil
}

func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

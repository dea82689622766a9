package dashboards

import (
	"math"
	"strconv"

	"github.com/labstack/echo/v4"
	"golang.org/x/sync/errgroup"

	"github.com/deskmine/deskmine/analytics"
)

type tile struct {
	Label, Value, Delta string
	Link                string
}

type overviewData struct {
	P       period
	Filters []filter
	Dims    []string
	Tiles   []tile
	Charts  []chart
	Labels  []string
	Points  []analytics.TrendPoint
}

// overview: volume, backlog, SLA attainment, response and resolution times
// and CSAT over the period, against the period before it.
func (s *Server) overview(c echo.Context) error {
	p, filters, flist, err := s.periodAndFilters(c, "30d", perfDims())
	if err != nil {
		return err
	}
	v := s.viewer(c)
	q := analytics.TrendQuery{From: p.From, To: p.To, Bucket: p.Bucket, TZ: s.opts.Location.String(), Filters: filters}
	prevQ := q
	prevQ.From, prevQ.To = p.From.Add(-p.To.Sub(p.From)), p.From
	var cur, prev []analytics.TrendPoint
	g, ctx := errgroup.WithContext(c.Request().Context())
	g.Go(func() (err error) { cur, err = s.opts.Analytics.Trends(ctx, q); return })
	g.Go(func() (err error) { prev, err = s.opts.Analytics.Trends(ctx, prevQ); return })
	if err := g.Wait(); err != nil {
		return err
	}
	d := overviewData{P: p, Filters: flist, Dims: perfDims(), Points: cur}
	labels := make([]string, len(cur))
	created, resolved := make([]float64, len(cur)), make([]float64, len(cur))
	backlog, sla := make([]float64, len(cur)), make([]float64, len(cur))
	frt, res, csat := make([]float64, len(cur)), make([]float64, len(cur)), make([]float64, len(cur))
	createdLinks, backlogLinks := make([]string, len(cur)), make([]string, len(cur))
	for i, pt := range cur {
		labels[i] = bucketLabel(pt.Bucket.In(s.opts.Location), p.Bucket)
		created[i], resolved[i], backlog[i] = float64(pt.Created), float64(pt.Resolved), float64(pt.Backlog)
		sla[i], csat[i] = nanRatio(pt.SLAMet, pt.Resolved)*100, nanRatio(pt.CSATSum, pt.CSATRated)
		frt[i], res[i] = hoursOrGap(pt.FirstResponseP50Ms, pt.Resolved), hoursOrGap(pt.ResolveP50Ms, pt.Resolved)
		from := maxTime(pt.Bucket, p.From)
		createdLinks[i] = ticketsURL(from, minTime(bucketEnd(pt.Bucket, p.Bucket), p.To), filters)
		backlogLinks[i] = Prefix + "/timetravel?at=" + pt.End.In(s.opts.Location).Format(atLayout)
	}
	d.Labels = labels
	x := v.T("axis.period")
	specs := []xy{
		{Title: v.T("chart.volume"), XName: x, YName: v.T("unit.tickets"), X: labels, Series: []series{
			{Name: v.T("series.created"), Values: created, Links: createdLinks},
			{Name: v.T("series.resolved"), Values: resolved}}},
		{Title: v.T("chart.backlog"), Subtitle: v.T("chart.backlog.sub"), XName: x, YName: v.T("unit.tickets"), X: labels, Line: true,
			Series: []series{{Name: v.T("series.backlog"), Values: backlog, Links: backlogLinks}}},
		{Title: v.T("chart.sla"), XName: x, YName: "%", X: labels, Line: true, YMin: 0, YMax: 100, Decimals: 1,
			Series: []series{{Name: v.T("series.sla"), Values: sla}}},
		{Title: v.T("chart.times"), Subtitle: v.T("chart.times.sub"), XName: x, YName: v.T("unit.hours"), X: labels, Line: true, Decimals: 1,
			Series: []series{{Name: v.T("series.frt"), Values: frt}, {Name: v.T("series.resolve"), Values: res}}},
		{Title: v.T("chart.csat"), XName: x, YName: v.T("unit.score"), X: labels, Line: true, YMin: 1, YMax: 5, Decimals: 2,
			Series: []series{{Name: v.T("series.csat"), Values: csat}}},
	}
	for i, sp := range specs {
		ch, err := xyChart("ov"+strconv.Itoa(i), sp)
		if err != nil {
			return err
		}
		d.Charts = append(d.Charts, ch)
	}
	c1, p1 := totals(cur), totals(prev)
	d.Tiles = []tile{
		{Label: v.T("tile.created"), Value: strconv.FormatInt(c1.created, 10), Delta: delta(float64(c1.created), float64(p1.created), "%.0f"),
			Link: ticketsURL(p.From, p.To, filters)},
		{Label: v.T("tile.resolved"), Value: strconv.FormatInt(c1.resolved, 10), Delta: delta(float64(c1.resolved), float64(p1.resolved), "%.0f")},
		{Label: v.T("tile.backlog"), Value: strconv.FormatInt(c1.backlog, 10), Delta: delta(float64(c1.backlog), float64(p1.backlog), "%.0f")},
		{Label: v.T("tile.sla"), Value: pctText(nanRatio(c1.slaMet, c1.resolved) * 100), Delta: delta(nanRatio(c1.slaMet, c1.resolved)*100, nanRatio(p1.slaMet, p1.resolved)*100, "%.1f pt")},
		{Label: v.T("tile.csat"), Value: numText(nanRatio(c1.csatSum, c1.csatRated), 2), Delta: delta(nanRatio(c1.csatSum, c1.csatRated), nanRatio(p1.csatSum, p1.csatRated), "%.2f")},
	}
	return s.render(c, 200, "overview", d)
}

type trendTotals struct{ created, resolved, backlog, slaMet, csatSum, csatRated int64 }

func totals(pts []analytics.TrendPoint) trendTotals {
	var t trendTotals
	for _, p := range pts {
		t.created += p.Created
		t.resolved += p.Resolved
		t.slaMet += p.SLAMet
		t.csatSum += p.CSATSum
		t.csatRated += p.CSATRated
	}
	if len(pts) > 0 {
		t.backlog = pts[len(pts)-1].Backlog
	}
	return t
}

func nanRatio(a, b int64) float64 {
	if b == 0 {
		return math.NaN()
	}
	return float64(a) / float64(b)
}

// hoursOrGap is ms in hours, or a gap where no ticket was resolved.
func hoursOrGap(ms, n int64) float64 {
	if n == 0 {
		return math.NaN()
	}
	return float64(ms) / 3.6e6
}

func pctText(x float64) string {
	if math.IsNaN(x) {
		return "—"
	}
	return strconv.FormatFloat(x, 'f', 1, 64) + "%"
}

func numText(x float64, decimals int) string {
	if math.IsNaN(x) {
		return "—"
	}
	return strconv.FormatFloat(x, 'f', decimals, 64)
}

// delta is the change against the previous period, signed.
func delta(cur, prev float64, format string) string {
	if math.IsNaN(cur) || math.IsNaN(prev) {
		return ""
	}
	d := cur - prev
	sign := "+"
	if d < 0 {
		sign = "−"
		d = -d
	}
	return sign + fmtf(format, d)
}

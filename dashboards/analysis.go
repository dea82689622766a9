package dashboards

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/sync/errgroup"

	"github.com/deskmine/deskmine/analytics"
)

// atLayout is the format of a datetime-local input.
const atLayout = "2006-01-02T15:04"

type spikeView struct {
	analytics.Spike
	Label string
	Link  string
}

type spikesData struct {
	P      period
	Dim    string
	By     string
	Dims   []string
	Spikes []spikeView
	Chart  chart
}

// spikes: buckets in which one value got far more tickets than usual, each
// with the other dimensions' values that explain it.
func (s *Server) spikes(c echo.Context) error {
	p, err := s.parsePeriod(c, "30d")
	if err != nil {
		return err
	}
	d := spikesData{P: p, Dim: c.QueryParam("dim"), By: c.QueryParam("by"), Dims: analytics.Dimensions()}
	if d.Dim == "" {
		d.Dim = "category"
	}
	if d.By == "" {
		d.By = analytics.BucketDay
	}
	if d.By != analytics.BucketDay && d.By != analytics.BucketHour {
		return badField("by", "one of day, hour")
	}
	if d.By == analytics.BucketHour && p.To.Sub(p.From) > 31*24*time.Hour {
		return badField("range", "hourly spikes look at most 31 days")
	}
	sp, err := analytics.DetectSpikes(c.Request().Context(), s.opts.Analytics, analytics.SpikeQuery{Dimension: d.Dim, Bucket: d.By,
		TZ: s.opts.Location.String(), From: p.From, To: p.To})
	if err != nil {
		return err
	}
	v := s.viewer(c)
	xs := make([]string, len(sp))
	counts, base := make([]float64, len(sp)), make([]float64, len(sp))
	links := make([]string, len(sp))
	for i, x := range sp {
		label := bucketLabel(x.Bucket.In(s.opts.Location), d.By)
		link := ticketsURL(x.Bucket, bucketEnd(x.Bucket, d.By), map[string][]string{d.Dim: {x.Value}})
		d.Spikes = append(d.Spikes, spikeView{Spike: x, Label: label, Link: link})
		xs[i] = keyLabel(v, x.Value) + " " + label
		counts[i], base[i], links[i] = float64(x.Count), x.Baseline, link
	}
	d.Chart, err = xyChart("spikes", xy{Title: v.T("chart.spikes", v.T("dim."+d.Dim)), Subtitle: p.FromDay + " – " + p.ToDay,
		XName: v.T("axis.spike"), YName: v.T("unit.tickets"), X: xs, Decimals: 1,
		Series: []series{{Name: v.T("series.count"), Values: counts, Links: links}, {Name: v.T("series.baseline"), Values: base}}})
	if err != nil {
		return err
	}
	return s.render(c, 200, "spikes", d)
}

type rootCauseData struct {
	P       period
	Dims    []string
	Filters []filter
	Part    string
	Parts   []string
	R       *analytics.RootCauseResult
	Chart   chart
}

// rootCauseParts are the tabs of the root-cause page; each asks the store
// for its part only (RootCauseQuery.Only), so a tab costs what it shows.
var rootCauseParts = []string{analytics.RootCauseChains, analytics.RootCauseReopens, analytics.RootCauseHandoffs}

// rootCause: chains of follow-up and duplicate tickets with their roots,
// reopen rates, and hand-offs by product and category, one tab each.
func (s *Server) rootCause(c echo.Context) error {
	p, filters, flist, err := s.periodAndFilters(c, "30d", perfDims())
	if err != nil {
		return err
	}
	part := c.QueryParam("part")
	if part == "" {
		part = analytics.RootCauseChains
	}
	if !slices.Contains(rootCauseParts, part) {
		return badField("part", "one of "+strings.Join(rootCauseParts, ", "))
	}
	r, err := s.opts.Analytics.RootCause(c.Request().Context(), analytics.RootCauseQuery{From: p.From, To: p.To, Filters: filters, Limit: 15, Only: part})
	if err != nil {
		return err
	}
	v := s.viewer(c)
	d := rootCauseData{P: p, Dims: perfDims(), Filters: flist, Part: part, Parts: rootCauseParts, R: r}
	if part != analytics.RootCauseChains {
		return s.render(c, 200, "rootcause", d)
	}
	xs := make([]string, len(r.Chains.ByRootCategory))
	chains, follow, reopens := make([]float64, len(xs)), make([]float64, len(xs)), make([]float64, len(xs))
	links := make([]string, len(xs))
	for i, rc := range r.Chains.ByRootCategory {
		xs[i] = keyLabel(v, rc.Key)
		chains[i], follow[i], reopens[i] = float64(rc.Chains), float64(rc.FollowOns), float64(rc.Reopens)
		links[i] = ticketsURL(p.From, p.To, withFilter(filters, "category", rc.Key))
	}
	d.Chart, err = xyChart("roots", xy{Title: v.T("chart.roots"), Subtitle: p.FromDay + " – " + p.ToDay, XName: v.T("dim.category"),
		YName: v.T("unit.tickets"), X: xs, Horizontal: true, Stacked: true,
		Series: []series{{Name: v.T("series.chains"), Values: chains, Links: links}, {Name: v.T("series.followons"), Values: follow, Links: links},
			{Name: v.T("series.reopens"), Values: reopens, Links: links}}})
	if err != nil {
		return err
	}
	return s.render(c, 200, "rootcause", d)
}

type bottleneckData struct {
	P       period
	Dims    []string
	Filters []filter
	B       *analytics.BottleneckResult
	Charts  []chart
}

// bottlenecks: where tickets wait, by team and status, and which pairs of
// teams pass tickets back and forth.
func (s *Server) bottlenecks(c echo.Context) error {
	p, filters, flist, err := s.periodAndFilters(c, "30d", perfDims())
	if err != nil {
		return err
	}
	b, err := s.opts.Analytics.Bottlenecks(c.Request().Context(), analytics.BottleneckQuery{From: p.From, To: p.To, Filters: filters})
	if err != nil {
		return err
	}
	v := s.viewer(c)
	d := bottleneckData{P: p, Dims: perfDims(), Filters: flist, B: b}
	xs := make([]string, len(b.TeamTimes))
	wait, work := make([]float64, len(xs)), make([]float64, len(xs))
	links := make([]string, len(xs))
	for i, t := range b.TeamTimes {
		xs[i] = keyLabel(v, t.Team)
		wait[i], work[i] = float64(t.WaitingMs)/3.6e6, float64(t.WorkingMs)/3.6e6
		links[i] = ticketsURL(p.From, p.To, withFilter(filters, "team", t.Team))
	}
	ch, err := xyChart("teamtime", xy{Title: v.T("chart.teamtime"), Subtitle: p.FromDay + " – " + p.ToDay, XName: v.T("dim.team"),
		YName: v.T("unit.hours"), X: xs, Horizontal: true, Stacked: true, Decimals: 1,
		Series: []series{{Name: v.T("series.waiting"), Values: wait, Links: links}, {Name: v.T("series.working"), Values: work, Links: links}}})
	if err != nil {
		return err
	}
	d.Charts = append(d.Charts, ch)
	px := make([]string, len(b.PingPong))
	bounces := make([]float64, len(px))
	for i, pp := range b.PingPong {
		px[i] = keyLabel(v, pp.Pair.A) + " ⇄ " + keyLabel(v, pp.Pair.B)
		bounces[i] = float64(pp.Bounces)
	}
	ch, err = xyChart("pingpong", xy{Title: v.T("chart.pingpong"), XName: v.T("axis.pair"), YName: v.T("unit.bounces"), X: px, Horizontal: true,
		Series: []series{{Name: v.T("series.bounces"), Values: bounces}}})
	if err != nil {
		return err
	}
	d.Charts = append(d.Charts, ch)
	return s.render(c, 200, "bottlenecks", d)
}

type perfData struct {
	P         period
	By        string
	Anonymous bool
	Dims      []string
	Filters   []filter
	R         *analytics.PerformanceResult
	Prev      map[string]analytics.PerformanceRow
	Links     map[string]string
	Charts    []chart
}

// performance: leaderboards of agents or teams over the tickets they
// resolved, against the period before; anonymous mode hides names.
func (s *Server) performance(c echo.Context) error {
	p, filters, flist, err := s.periodAndFilters(c, "30d", perfDims())
	if err != nil {
		return err
	}
	d := perfData{P: p, By: c.QueryParam("by"), Dims: perfDims(), Filters: flist}
	if d.By == "" {
		d.By = analytics.ByTeam
	}
	if d.By != analytics.ByTeam && d.By != analytics.ByAgent {
		return badField("by", "one of team, agent")
	}
	switch c.QueryParam("anonymous") {
	case "", "0", "false":
	case "1", "true", "on":
		d.Anonymous = true
	default:
		return badField("anonymous", "on or off")
	}
	d.R, err = s.opts.Analytics.Performance(c.Request().Context(), analytics.PerformanceQuery{By: d.By, From: p.From, To: p.To,
		Filters: filters, Anonymous: d.Anonymous})
	if err != nil {
		return err
	}
	d.Prev = map[string]analytics.PerformanceRow{}
	for _, r := range d.R.Previous {
		d.Prev[r.Key] = r
	}
	dim := "team"
	if d.By == analytics.ByAgent {
		dim = "assignee"
	}
	d.Links = map[string]string{}
	v := s.viewer(c)
	rows := d.R.Rows
	if len(rows) > 20 {
		rows = rows[:20]
	}
	xs := make([]string, len(rows))
	handled, sla, res := make([]float64, len(rows)), make([]float64, len(rows)), make([]float64, len(rows))
	links := make([]string, len(rows))
	for i, r := range rows {
		xs[i] = keyLabel(v, r.Key)
		handled[i], sla[i], res[i] = float64(r.Handled), r.SLAPercent(), float64(r.ResolveP50Ms)/3.6e6
		if !d.Anonymous {
			links[i] = ticketsURL(time.Time{}, time.Time{}, withFilter(filters, dim, r.Key))
		}
	}
	if !d.Anonymous {
		for _, r := range d.R.Rows {
			d.Links[r.Key] = ticketsURL(time.Time{}, time.Time{}, withFilter(filters, dim, r.Key))
		}
	}
	name := v.T("dim." + dim)
	specs := []xy{
		{Title: v.T("chart.handled"), Subtitle: p.FromDay + " – " + p.ToDay, XName: name, YName: v.T("unit.tickets"), X: xs, Horizontal: true,
			Series: []series{{Name: v.T("series.handled"), Values: handled, Links: links}}},
		{Title: v.T("chart.slaby"), XName: name, YName: "%", X: xs, Horizontal: true, YMin: 0, YMax: 100, Decimals: 1,
			Series: []series{{Name: v.T("series.sla"), Values: sla}}},
		{Title: v.T("chart.resolveby"), XName: name, YName: v.T("unit.hours"), X: xs, Horizontal: true, Decimals: 1,
			Series: []series{{Name: v.T("series.resolve"), Values: res}}},
	}
	for i, sp := range specs {
		ch, err := xyChart("perf"+strconv.Itoa(i), sp)
		if err != nil {
			return err
		}
		d.Charts = append(d.Charts, ch)
	}
	return s.render(c, 200, "performance", d)
}

type timeTravelData struct {
	At       string
	AtTime   time.Time
	Charts   []chart
	Open     []analytics.OpenTicket
	Total    int64
	Statuses []analytics.BacklogRow
}

// timeTravel: the backlog as it stood at a chosen instant, by status, team
// and SLA state, with the oldest tickets open then.
func (s *Server) timeTravel(c echo.Context) error {
	at := s.opts.Now().In(s.opts.Location).Truncate(time.Minute)
	if raw := c.QueryParam("at"); raw != "" {
		t, err := time.ParseInLocation(atLayout, raw, s.opts.Location)
		if err != nil {
			return badField("at", "a date and time as YYYY-MM-DDTHH:MM")
		}
		at = t
	}
	d := timeTravelData{At: at.Format(atLayout), AtTime: at}
	bys := []string{"status", "team", analytics.DimSLAState}
	res := make([][]analytics.BacklogRow, len(bys))
	g, ctx := errgroup.WithContext(c.Request().Context())
	for i, by := range bys {
		g.Go(func() (err error) {
			res[i], err = s.opts.Analytics.Backlog(ctx, analytics.BacklogQuery{At: at, By: by})
			return
		})
	}
	g.Go(func() (err error) {
		d.Open, err = s.opts.Analytics.OpenAt(ctx, analytics.OpenQuery{At: at, Limit: 50})
		return
	})
	if err := g.Wait(); err != nil {
		return err
	}
	v := s.viewer(c)
	for i, by := range bys {
		xs := make([]string, len(res[i]))
		vals := make([]float64, len(res[i]))
		for j, r := range res[i] {
			xs[j], vals[j] = keyLabel(v, r.Key), float64(r.Count)
			if i == 0 {
				d.Total += r.Count
			}
		}
		title := v.T("chart.backlogby", v.T("dim."+by))
		ch, err := xyChart("tt"+strconv.Itoa(i), xy{Title: title, Subtitle: v.T("chart.at", at.Format("2006-01-02 15:04")),
			XName: v.T("dim." + by), YName: v.T("unit.tickets"), X: xs, Horizontal: true,
			Series: []series{{Name: v.T("series.backlog"), Values: vals}}})
		if err != nil {
			return err
		}
		d.Charts = append(d.Charts, ch)
	}
	d.Statuses = res[0]
	return s.render(c, 200, "timetravel", d)
}

// ageText is an open ticket's age in days, for the tables.
func ageText(ms int64) string {
	return strconv.FormatFloat(math.Round(float64(ms)/8.64e6)/10, 'f', 1, 64)
}

package dashboards

import (
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/sync/errgroup"

	"github.com/deskmine/deskmine/analytics"
)

type hotspotRow struct {
	Bucket string
	Keys   []string
	Count  int64
	Link   string
}

type hotspotData struct {
	P          period
	Dim, Dim2  string
	By         string
	Limit      int
	Dims       []string
	Filters    []filter
	Chart      chart
	Rows       []hotspotRow
	Movers     []analytics.Mover
	MoverLinks map[string]string
	Total      int64
}

// hotspots: ticket counts by one or two dimensions, optionally over time,
// every bar and cell a link to the tickets behind it.
func (s *Server) hotspots(c echo.Context) error {
	p, filters, flist, err := s.periodAndFilters(c, "30d", hotspotDims())
	if err != nil {
		return err
	}
	d := hotspotData{P: p, Dim: c.QueryParam("dim"), Dim2: c.QueryParam("dim2"), By: c.QueryParam("by"), Dims: analytics.Dimensions(), Filters: flist}
	if d.Dim == "" {
		d.Dim = "category"
	}
	for field, dim := range map[string]string{"dim": d.Dim, "dim2": d.Dim2} {
		if dim == "" {
			continue
		}
		if _, err := analytics.ResolveDimension(field, dim); err != nil {
			return err
		}
	}
	if d.Dim2 == d.Dim {
		return badField("dim2", "a dimension other than dim")
	}
	switch d.By {
	case "", "none":
		d.By = ""
	case analytics.BucketDay, analytics.BucketWeek, analytics.BucketMonth:
		if d.Dim2 != "" {
			return badField("dim2", "a second dimension shows the whole period: leave by empty")
		}
	default:
		return badField("by", "one of none, day, week, month")
	}
	if d.Limit, err = parseIntParam(c, "limit", 10, 1, 50); err != nil {
		return err
	}
	dims := []string{d.Dim}
	if d.Dim2 != "" {
		dims = append(dims, d.Dim2)
	}
	tz := s.opts.Location.String()
	hq := analytics.HotspotQuery{Dimensions: dims, Bucket: d.By, TZ: tz, From: p.From, To: p.To, Filters: filters, Limit: d.Limit}
	if d.Dim2 != "" {
		hq.Limit = d.Limit * d.Limit // pairs: room for every key of both axes
	}
	var rows []analytics.HotspotRow
	g, ctx := errgroup.WithContext(c.Request().Context())
	g.Go(func() (err error) { rows, err = s.opts.Analytics.Hotspots(ctx, hq); return })
	g.Go(func() (err error) {
		d.Movers, err = s.opts.Analytics.Movers(ctx, analytics.HotspotQuery{Dimensions: []string{d.Dim}, TZ: tz, From: p.From, To: p.To, Filters: filters, Limit: d.Limit})
		return
	})
	if err := g.Wait(); err != nil {
		return err
	}
	v := s.viewer(c)
	d.MoverLinks = map[string]string{}
	for _, m := range d.Movers {
		d.MoverLinks[m.Key] = ticketsURL(p.From, p.To, withFilter(filters, d.Dim, m.Key))
	}
	for _, r := range rows {
		from, to := p.From, p.To
		label := ""
		if d.By != "" {
			from, to = maxTime(r.Bucket, p.From), minTime(bucketEnd(r.Bucket, d.By), p.To)
			label = bucketLabel(r.Bucket.In(s.opts.Location), d.By)
		}
		kv := []string{d.Dim, r.Keys[0]}
		if d.Dim2 != "" {
			kv = append(kv, d.Dim2, r.Keys[1])
		}
		d.Rows = append(d.Rows, hotspotRow{Bucket: label, Keys: r.Keys, Count: r.Count, Link: ticketsURL(from, to, withFilter(filters, kv...))})
		d.Total += r.Count
	}
	title := v.T("chart.hotspots", v.T("dim."+d.Dim))
	sub := p.FromDay + " – " + p.ToDay
	switch {
	case d.Dim2 != "":
		d.Chart, err = s.hotspotHeatmap(v, title+" × "+v.T("dim."+d.Dim2), sub, d)
	case d.By != "":
		d.Chart, err = s.hotspotStack(v, title, sub, d, rows, filters)
	default:
		xs := make([]string, len(d.Rows))
		vals := make([]float64, len(d.Rows))
		links := make([]string, len(d.Rows))
		for i, r := range d.Rows {
			xs[i], vals[i], links[i] = keyLabel(v, r.Keys[0]), float64(r.Count), r.Link
		}
		d.Chart, err = xyChart("hot", xy{Title: title, Subtitle: sub, XName: v.T("dim." + d.Dim), YName: v.T("unit.tickets"),
			X: xs, Horizontal: true, Series: []series{{Name: v.T("series.created"), Values: vals, Links: links}}})
	}
	if err != nil {
		return err
	}
	return s.render(c, 200, "hotspots", d)
}

func keyLabel(v *view, key string) string {
	if key == "" {
		return v.T("value.none")
	}
	return key
}

// hotspotStack draws buckets as stacked bars, one series per key; keys
// beyond the eight largest are summed as "other", which has no drill-down.
func (s *Server) hotspotStack(v *view, title, sub string, d hotspotData, rows []analytics.HotspotRow, filters map[string][]string) (chart, error) {
	var buckets []time.Time
	totals := map[string]int64{}
	for _, r := range rows {
		if len(buckets) == 0 || !buckets[len(buckets)-1].Equal(r.Bucket) {
			buckets = append(buckets, r.Bucket)
		}
		totals[r.Keys[0]] += r.Count
	}
	keys := make([]string, 0, len(totals))
	for k := range totals {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if totals[keys[i]] != totals[keys[j]] {
			return totals[keys[i]] > totals[keys[j]]
		}
		return keys[i] < keys[j]
	})
	const maxSeries = 8
	shown := keys
	if len(shown) > maxSeries {
		shown = keys[:maxSeries]
	}
	idx := map[time.Time]int{}
	xs := make([]string, len(buckets))
	for i, b := range buckets {
		idx[b] = i
		xs[i] = bucketLabel(b.In(s.opts.Location), d.By)
	}
	ser := make([]series, 0, len(shown)+1)
	pos := map[string]int{}
	for _, k := range shown {
		pos[k] = len(ser)
		sr := series{Name: keyLabel(v, k), Values: make([]float64, len(buckets)), Links: make([]string, len(buckets))}
		for i, b := range buckets {
			sr.Links[i] = ticketsURL(maxTime(b, d.P.From), minTime(bucketEnd(b, d.By), d.P.To), withFilter(filters, d.Dim, k))
		}
		ser = append(ser, sr)
	}
	other := series{Name: v.T("value.other"), Values: make([]float64, len(buckets))}
	hasOther := false
	for _, r := range rows {
		if i, ok := pos[r.Keys[0]]; ok {
			ser[i].Values[idx[r.Bucket]] += float64(r.Count)
		} else {
			other.Values[idx[r.Bucket]] += float64(r.Count)
			hasOther = true
		}
	}
	if hasOther {
		ser = append(ser, other)
	}
	return xyChart("hot", xy{Title: title, Subtitle: sub, XName: v.T("axis.period"), YName: v.T("unit.tickets"), X: xs, Stacked: true, Series: ser})
}

// hotspotHeatmap draws dim by dim2, the keys ordered by their totals.
func (s *Server) hotspotHeatmap(v *view, title, sub string, d hotspotData) (chart, error) {
	order := func(k int) []string {
		tot := map[string]int64{}
		for _, r := range d.Rows {
			tot[r.Keys[k]] += r.Count
		}
		keys := make([]string, 0, len(tot))
		for key := range tot {
			keys = append(keys, key)
		}
		sort.Slice(keys, func(i, j int) bool {
			if tot[keys[i]] != tot[keys[j]] {
				return tot[keys[i]] > tot[keys[j]]
			}
			return keys[i] < keys[j]
		})
		if len(keys) > d.Limit {
			keys = keys[:d.Limit]
		}
		return keys
	}
	xk, yk := order(0), order(1)
	label := func(keys []string) []string {
		out := make([]string, len(keys))
		for i, k := range keys {
			out[i] = keyLabel(v, k)
		}
		return out
	}
	var cells []cell
	for _, r := range d.Rows {
		xi, yi := slices.Index(xk, r.Keys[0]), slices.Index(yk, r.Keys[1])
		if xi < 0 || yi < 0 {
			continue
		}
		cells = append(cells, cell{X: xi, Y: yi, Value: float64(r.Count), Link: r.Link})
	}
	return heatmap("hot", title, sub, v.T("dim."+d.Dim), v.T("dim."+d.Dim2), label(xk), label(yk), cells)
}

// moverText is a mover's change as a signed count and ratio.
func moverText(m analytics.Mover) string {
	if m.Ratio == nil {
		return fmt.Sprintf("%+d", m.Delta)
	}
	return fmt.Sprintf("%+d (×%.2f)", m.Delta, *m.Ratio)
}

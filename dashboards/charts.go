package dashboards

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
)

// chart is one chart on a page: its option object, built with go-echarts
// and handed to the embedded echarts by static/app.js, and where a click on
// each data point leads (drill-down).
type chart struct {
	ID     string
	Title  string
	Option string // the echarts option, JSON
	Links  string // JSON object "seriesIndex:dataIndex" -> URL; "" without drill-down
	Empty  bool   // no data: the page says so instead of drawing axes
}

// series is one named row of values over the categories of an xy chart.
// A NaN value is a gap.
type series struct {
	Name   string
	Values []float64
	Links  []string // per value; "" means no drill-down for that point
}

// xy describes a bar or line chart over categories.
type xy struct {
	Title, Subtitle string
	XName, YName    string // axis names, with their units
	X               []string
	Series          []series
	Line            bool // lines instead of bars
	Stacked         bool
	Horizontal      bool // bars grow to the right; X is then the vertical axis
	YMin, YMax      any  // fixed value-axis bounds; nil lets echarts choose
	Decimals        int  // digits after the point in values
}

func chartValue(v float64, decimals int) any {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "-" // echarts' empty value
	}
	if decimals == 0 {
		return int64(math.Round(v))
	}
	f, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'f', decimals, 64), 64)
	return f
}

func globalOpts(title, sub string) []charts.GlobalOpts {
	return []charts.GlobalOpts{
		charts.WithTitleOpts(opts.Title{Title: title, Subtitle: sub}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "bottom", Type: "scroll"}),
		charts.WithAnimation(false),
		charts.WithGridOpts(opts.Grid{Left: "3%", Right: "4%", Top: "75", Bottom: "60", ContainLabel: opts.Bool(true)}),
	}
}

// xyChart builds a bar or line chart.
func xyChart(id string, spec xy) (chart, error) {
	valueAxis := opts.YAxis{Name: spec.YName, Type: "value", Min: spec.YMin, Max: spec.YMax}
	// Axis names sit in the middle under the axis, where a long name fits.
	catAxis := opts.XAxis{Name: spec.XName, Type: "category", Data: spec.X, NameLocation: "middle", NameGap: 28}
	g := append(globalOpts(spec.Title, spec.Subtitle),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}))
	links := map[string]string{}
	empty := true
	for si, s := range spec.Series {
		for di, l := range s.Links {
			if l != "" {
				links[fmt.Sprintf("%d:%d", si, di)] = l
			}
		}
		for _, v := range s.Values {
			empty = empty && (math.IsNaN(v) || v == 0)
		}
	}
	var obj map[string]any
	if spec.Line {
		c := charts.NewLine()
		c.SetGlobalOptions(append(g, charts.WithXAxisOpts(catAxis), charts.WithYAxisOpts(valueAxis))...)
		c.SetXAxis(spec.X)
		var so []charts.SeriesOpts
		if spec.Stacked {
			so = append(so, charts.WithLineChartOpts(opts.LineChart{Stack: "total"}))
		}
		for i, data := range seriesItems(spec, func(v any) opts.LineData { return opts.LineData{Value: v} }) {
			c.AddSeries(spec.Series[i].Name, data, so...)
		}
		c.Validate()
		obj = c.JSON()
	} else {
		c := charts.NewBar()
		if spec.Horizontal {
			// The categories go on the vertical axis, read top to bottom.
			c.SetGlobalOptions(append(g,
				charts.WithXAxisOpts(opts.XAxis{Name: spec.YName, Type: "value", Min: spec.YMin, Max: spec.YMax, NameLocation: "middle", NameGap: 28}),
				// Every label shown (a bar without its name means nothing);
				// inverse puts the axis name's "start" at the top.
				charts.WithYAxisOpts(opts.YAxis{Name: spec.XName, Type: "category", Data: spec.X, Inverse: opts.Bool(true),
					NameLocation: "start", AxisLabel: &opts.AxisLabel{Interval: "0"}}))...)
		} else {
			c.SetGlobalOptions(append(g, charts.WithXAxisOpts(catAxis), charts.WithYAxisOpts(valueAxis))...)
			c.SetXAxis(spec.X)
		}
		var so []charts.SeriesOpts
		if spec.Stacked {
			so = append(so, charts.WithBarChartOpts(opts.BarChart{Stack: "total"}))
		}
		for i, data := range seriesItems(spec, func(v any) opts.BarData { return opts.BarData{Value: v} }) {
			c.AddSeries(spec.Series[i].Name, data, so...)
		}
		c.Validate()
		obj = c.JSON()
		if spec.Horizontal {
			// go-echarts puts SetXAxis data on the x axis; horizontal bars
			// carry their categories on y, set above.
			if xs, ok := obj["xAxis"].([]opts.XAxis); ok && len(xs) > 0 {
				xs[0].Data = nil
			}
		}
	}
	return finish(id, spec.Title, obj, links, empty)
}

// seriesItems turns each series of spec into the data items of one chart
// kind, values rounded as spec says and gaps as echarts' empty value.
func seriesItems[D any](spec xy, item func(v any) D) [][]D {
	out := make([][]D, len(spec.Series))
	for i, s := range spec.Series {
		out[i] = make([]D, len(s.Values))
		for j, v := range s.Values {
			out[i][j] = item(chartValue(v, spec.Decimals))
		}
	}
	return out
}

// cell is one value of a heatmap.
type cell struct {
	X, Y  int
	Value float64
	Link  string
}

// heatmap builds a matrix chart of xs by ys.
func heatmap(id, title, sub, xName, yName string, xs, ys []string, cells []cell) (chart, error) {
	c := charts.NewHeatMap()
	maxV := 0.0
	data := make([]opts.HeatMapData, len(cells))
	links := map[string]string{}
	for i, cl := range cells {
		maxV = math.Max(maxV, cl.Value)
		data[i] = opts.HeatMapData{Value: [3]any{cl.X, cl.Y, chartValue(cl.Value, 0)}}
		if cl.Link != "" {
			links[fmt.Sprintf("0:%d", i)] = cl.Link
		}
	}
	c.SetGlobalOptions(append(globalOpts(title, sub),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		charts.WithXAxisOpts(opts.XAxis{Name: xName, Type: "category", Data: xs, NameLocation: "middle", NameGap: 28, SplitArea: &opts.SplitArea{Show: opts.Bool(true)}}),
		charts.WithYAxisOpts(opts.YAxis{Name: yName, Type: "category", Data: ys, SplitArea: &opts.SplitArea{Show: opts.Bool(true)}}),
		charts.WithVisualMapOpts(opts.VisualMap{Calculable: opts.Bool(true), Min: 0, Max: float32(math.Max(maxV, 1)),
			Orient: "horizontal", Left: "center", Bottom: "0",
			InRange: &opts.VisualMapInRange{Color: []string{"#f1f5f9", "#fb923c", "#b91c1c"}}}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
	)...)
	c.SetXAxis(xs)
	c.AddSeries(title, data, charts.WithLabelOpts(opts.Label{Show: opts.Bool(true)}))
	c.Validate()
	return finish(id, title, c.JSON(), links, len(cells) == 0)
}

func finish(id, title string, obj map[string]any, links map[string]string, empty bool) (chart, error) {
	b, err := json.Marshal(obj)
	if err != nil {
		return chart{}, fmt.Errorf("chart %s: %w", id, err)
	}
	out := chart{ID: id, Title: title, Option: string(b), Empty: empty}
	if len(links) > 0 {
		lb, err := json.Marshal(links)
		if err != nil {
			return chart{}, fmt.Errorf("chart %s links: %w", id, err)
		}
		out.Links = string(lb)
	}
	return out, nil
}

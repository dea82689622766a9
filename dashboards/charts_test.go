package dashboards

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
)

func decodeOption(t *testing.T, c chart) map[string]any {
	t.Helper()
	var opt map[string]any
	if err := json.Unmarshal([]byte(c.Option), &opt); err != nil {
		t.Fatalf("option is not JSON: %v\n%s", err, c.Option)
	}
	return opt
}

// axis is the first axis of kind ("xAxis" or "yAxis").
func axis(t *testing.T, opt map[string]any, kind string) map[string]any {
	t.Helper()
	switch a := opt[kind].(type) {
	case []any:
		if len(a) == 0 {
			t.Fatalf("no %s", kind)
		}
		return a[0].(map[string]any)
	case map[string]any:
		return a
	}
	t.Fatalf("%s is %T", kind, opt[kind])
	return nil
}

func titleOf(opt map[string]any) any {
	switch tt := opt["title"].(type) {
	case map[string]any:
		return tt["text"]
	case []any:
		return tt[0].(map[string]any)["text"]
	}
	return nil
}

func TestXYChartBars(t *testing.T) {
	c, err := xyChart("v", xy{Title: "Volume", Subtitle: "March", XName: "Day", YName: "Tickets", X: []string{"a", "b", "c"},
		Series: []series{
			{Name: "Created", Values: []float64{3, 0, math.NaN()}, Links: []string{"/ui/tickets?x=a", "", "/ui/tickets?x=c"}},
			{Name: "Resolved", Values: []float64{1.6, 2, 0}},
		}})
	if err != nil {
		t.Fatal(err)
	}
	if c.ID != "v" || c.Title != "Volume" || c.Empty {
		t.Fatalf("chart %+v", c)
	}
	opt := decodeOption(t, c)
	if titleOf(opt) != "Volume" {
		t.Errorf("title %v", opt["title"])
	}
	x, y := axis(t, opt, "xAxis"), axis(t, opt, "yAxis")
	if x["name"] != "Day" || x["type"] != "category" || !reflect.DeepEqual(x["data"], []any{"a", "b", "c"}) {
		t.Errorf("x axis %v", x)
	}
	if y["name"] != "Tickets" || y["type"] != "value" {
		t.Errorf("y axis %v", y)
	}
	if tip, _ := opt["tooltip"].(map[string]any); tip["trigger"] != "axis" {
		t.Errorf("tooltip %v", opt["tooltip"])
	}
	// Counts are whole numbers; NaN is echarts' empty value.
	if got := seriesData(t, opt, 0); !reflect.DeepEqual(got, []any{3.0, 0.0, "-"}) {
		t.Errorf("series 0 data %v", got)
	}
	if got := seriesData(t, opt, 1); !reflect.DeepEqual(got, []any{2.0, 2.0, 0.0}) {
		t.Errorf("series 1 data %v (rounded)", got)
	}
	ss := opt["series"].([]any)
	if ss[0].(map[string]any)["type"] != "bar" || ss[0].(map[string]any)["name"] != "Created" {
		t.Errorf("series 0 %v", ss[0])
	}
	var links map[string]string
	if err := json.Unmarshal([]byte(c.Links), &links); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(links, map[string]string{"0:0": "/ui/tickets?x=a", "0:2": "/ui/tickets?x=c"}) {
		t.Errorf("links %v", links)
	}
}

func TestXYChartLineDecimalsAndStack(t *testing.T) {
	c, err := xyChart("l", xy{Title: "SLA", XName: "Day", YName: "%", X: []string{"a", "b"}, Line: true, Stacked: true,
		Decimals: 1, YMin: 0, YMax: 100, Series: []series{{Name: "met", Values: []float64{66.666, math.Inf(1)}}}})
	if err != nil {
		t.Fatal(err)
	}
	opt := decodeOption(t, c)
	if got := seriesData(t, opt, 0); !reflect.DeepEqual(got, []any{66.7, "-"}) {
		t.Errorf("data %v", got)
	}
	s0 := opt["series"].([]any)[0].(map[string]any)
	if s0["type"] != "line" || s0["stack"] != "total" {
		t.Errorf("series %v", s0)
	}
	if y := axis(t, opt, "yAxis"); y["min"] != 0.0 || y["max"] != 100.0 {
		t.Errorf("y bounds %v", y)
	}
	if c.Links != "" {
		t.Errorf("links without drill-down: %q", c.Links)
	}
}

func TestXYChartHorizontal(t *testing.T) {
	c, err := xyChart("h", xy{Title: "By team", XName: "Team", YName: "Tickets", X: []string{"t1", "t2"}, Horizontal: true,
		Series: []series{{Name: "n", Values: []float64{4, 2}}}})
	if err != nil {
		t.Fatal(err)
	}
	opt := decodeOption(t, c)
	x, y := axis(t, opt, "xAxis"), axis(t, opt, "yAxis")
	if x["type"] != "value" || x["name"] != "Tickets" || x["data"] != nil {
		t.Errorf("value axis %v", x)
	}
	if y["type"] != "category" || y["name"] != "Team" || !reflect.DeepEqual(y["data"], []any{"t1", "t2"}) || y["inverse"] != true {
		t.Errorf("category axis %v", y)
	}
}

func TestXYChartEmpty(t *testing.T) {
	for name, vals := range map[string][]float64{"zeros": {0, 0}, "gaps": {math.NaN(), 0}, "none": nil} {
		c, err := xyChart("e", xy{Title: "t", X: []string{"a", "b"}, Series: []series{{Name: "s", Values: vals}}})
		if err != nil {
			t.Fatal(err)
		}
		if !c.Empty {
			t.Errorf("%s: not Empty", name)
		}
	}
	c, _ := xyChart("e", xy{Title: "t", X: []string{"a", "b"}, Series: []series{{Name: "s", Values: []float64{0, 1}}}})
	if c.Empty {
		t.Error("a chart with a value is Empty")
	}
}

func TestHeatmap(t *testing.T) {
	c, err := heatmap("hm", "Category × Team", "March", "Category", "Team", []string{"billing", "login"}, []string{"t1", "t2"},
		[]cell{{X: 0, Y: 0, Value: 3, Link: "/ui/tickets?a"}, {X: 1, Y: 1, Value: 2}, {X: 0, Y: 1, Value: 1, Link: "/ui/tickets?c"}})
	if err != nil {
		t.Fatal(err)
	}
	opt := decodeOption(t, c)
	if titleOf(opt) != "Category × Team" || c.Empty {
		t.Errorf("title %v empty %v", opt["title"], c.Empty)
	}
	x, y := axis(t, opt, "xAxis"), axis(t, opt, "yAxis")
	if x["name"] != "Category" || !reflect.DeepEqual(x["data"], []any{"billing", "login"}) ||
		y["name"] != "Team" || !reflect.DeepEqual(y["data"], []any{"t1", "t2"}) {
		t.Errorf("axes %v %v", x, y)
	}
	if tip, _ := opt["tooltip"].(map[string]any); tip["trigger"] != "item" {
		t.Errorf("tooltip %v", opt["tooltip"])
	}
	want := []any{[]any{0.0, 0.0, 3.0}, []any{1.0, 1.0, 2.0}, []any{0.0, 1.0, 1.0}}
	if got := seriesData(t, opt, 0); !reflect.DeepEqual(got, want) {
		t.Errorf("cells %v", got)
	}
	vm := opt["visualMap"]
	if l, ok := vm.([]any); ok {
		vm = l[0]
	}
	if m, _ := vm.(map[string]any); m["max"] != 3.0 {
		t.Errorf("visual map %v", vm)
	}
	var links map[string]string
	if err := json.Unmarshal([]byte(c.Links), &links); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(links, map[string]string{"0:0": "/ui/tickets?a", "0:2": "/ui/tickets?c"}) {
		t.Errorf("links %v", links)
	}
	e, err := heatmap("hm", "t", "", "x", "y", nil, nil, nil)
	if err != nil || !e.Empty {
		t.Errorf("empty heatmap: %v %v", e.Empty, err)
	}
}

func TestChartValue(t *testing.T) {
	if chartValue(math.NaN(), 0) != "-" || chartValue(math.Inf(-1), 2) != "-" {
		t.Error("NaN and Inf are gaps")
	}
	if chartValue(2.5, 0) != int64(3) || chartValue(1.2345, 2) != 1.23 {
		t.Errorf("rounding: %v %v", chartValue(2.5, 0), chartValue(1.2345, 2))
	}
}

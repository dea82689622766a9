package dashboards

import (
	"net/http"
	"reflect"
	"regexp"
	"testing"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/ticketcore/auth"
)

var hotRowRE = regexp.MustCompile(`<tr>((?:<td>[^<]*</td>)+)<td class="num"><a href="[^"]+">(\d+)</a></td></tr>`)
var tdRE = regexp.MustCompile(`<td>([^<]*)</td>`)

// hotRows reads the hotspot table: the key cells joined by "|" -> count.
func hotRows(body string) map[string]string {
	out := map[string]string{}
	for _, m := range hotRowRE.FindAllStringSubmatch(body, -1) {
		key := ""
		for i, c := range tdRE.FindAllStringSubmatch(m[1], -1) {
			if i > 0 {
				key += "|"
			}
			key += c[1]
		}
		out[key] = m[2]
	}
	return out
}

func TestHotspotsOneDim(t *testing.T) {
	f := newFixture(t)
	body := f.page(t, auth.RoleManager, Prefix+"/hotspots")
	if got := hotRows(body); !reflect.DeepEqual(got, map[string]string{"billing": "3", "login": "2", "(none)": "1"}) {
		t.Errorf("table %v", got)
	}
	ch := chartsIn(t, body)["hot"]
	if got := axis(t, ch.Option, "yAxis")["data"]; !reflect.DeepEqual(got, []any{"billing", "login", "(none)"}) {
		t.Errorf("categories %v", got)
	}
	if got := seriesData(t, ch.Option, 0); !reflect.DeepEqual(got, []any{3.0, 2.0, 1.0}) {
		t.Errorf("bars %v", got)
	}
	if titleOf(ch.Option) != "Tickets by Category" {
		t.Errorf("title %v", titleOf(ch.Option))
	}
	// Movers against 01-20..02-18, when one billing ticket came in.
	if !regexp.MustCompile(`>billing</a></td><td class="num">3</td><td class="num">1</td><td class="num" data-sort="2">&#43;2 \(×3.00\)</td>`).MatchString(body) {
		t.Errorf("billing mover missing\n%s", short(body))
	}
	if got := hotRows(f.page(t, auth.RoleManager, Prefix+"/hotspots?dim=team&limit=1")); !reflect.DeepEqual(got, map[string]string{"t1": "3"}) {
		t.Errorf("team top 1: %v", got)
	}
	if got := hotRows(f.page(t, auth.RoleManager, Prefix+"/hotspots?dim=tag")); !reflect.DeepEqual(got, map[string]string{"refund": "2", "vip": "1"}) {
		t.Errorf("tags: %v", got)
	}
	if got := hotRows(f.page(t, auth.RoleManager, Prefix+"/hotspots?dim=channel&f=category:billing")); !reflect.DeepEqual(got,
		map[string]string{"email": "2", "chat": "1"}) {
		t.Errorf("billing by channel: %v", got)
	}
}

func TestHotspotsByDay(t *testing.T) {
	f := newFixture(t)
	body := f.page(t, auth.RoleManager, Prefix+"/hotspots?dim=category&by=day")
	want := map[string]string{"2025-03-10|billing": "2", "2025-03-12|login": "2", "2025-03-15|(none)": "1", "2025-03-18|billing": "1"}
	if got := hotRows(body); !reflect.DeepEqual(got, want) {
		t.Errorf("table %v", got)
	}
	ch := chartsIn(t, body)["hot"]
	x := axis(t, ch.Option, "xAxis")["data"]
	if !reflect.DeepEqual(x, []any{"2025-03-10", "2025-03-12", "2025-03-15", "2025-03-18"}) {
		t.Fatalf("buckets %v", x)
	}
	ss := ch.Option["series"].([]any)
	var names []any
	for _, s := range ss {
		m := s.(map[string]any)
		names = append(names, m["name"])
		if m["stack"] != "total" {
			t.Errorf("series %v is not stacked", m["name"])
		}
	}
	if !reflect.DeepEqual(names, []any{"billing", "login", "(none)"}) {
		t.Fatalf("series %v", names)
	}
	if got := seriesData(t, ch.Option, 0); !reflect.DeepEqual(got, []any{2.0, 0.0, 0.0, 1.0}) {
		t.Errorf("billing per day %v", got)
	}
	if got := seriesData(t, ch.Option, 2); !reflect.DeepEqual(got, []any{0.0, 0.0, 1.0, 0.0}) {
		t.Errorf("(none) per day %v", got)
	}
	// Every point of every series links, zero ones included.
	if len(ch.Links) != 12 {
		t.Errorf("%d links, want 12", len(ch.Links))
	}
	if n, _ := f.listed(t, ch.Links["0:3"]); n != 1 {
		t.Errorf("billing on 03-18 lists %d", n)
	}
	if n, _ := f.listed(t, ch.Links["1:0"]); n != 0 {
		t.Errorf("login on 03-10 lists %d", n)
	}
}

func TestHotspotsTwoDims(t *testing.T) {
	f := newFixture(t)
	body := f.page(t, auth.RoleManager, Prefix+"/hotspots?dim=category&dim2=product")
	want := map[string]string{"billing|app": "2", "billing|web": "1", "login|web": "1", "login|app": "1", "(none)|web": "1"}
	if got := hotRows(body); !reflect.DeepEqual(got, want) {
		t.Errorf("table %v", got)
	}
	ch := chartsIn(t, body)["hot"]
	xs, ys := axis(t, ch.Option, "xAxis")["data"], axis(t, ch.Option, "yAxis")["data"]
	if !reflect.DeepEqual(xs, []any{"billing", "login", "(none)"}) || !reflect.DeepEqual(ys, []any{"app", "web"}) {
		t.Fatalf("axes %v × %v", xs, ys)
	}
	cells := map[[2]int]int{}
	for _, c := range seriesData(t, ch.Option, 0) {
		v := c.([]any)
		cells[[2]int{int(v[0].(float64)), int(v[1].(float64))}] = int(v[2].(float64))
	}
	// x: billing 0, login 1, (none) 2; y: app 0, web 1 (3 each: by name).
	wantCells := map[[2]int]int{{0, 0}: 2, {0, 1}: 1, {1, 1}: 1, {1, 0}: 1, {2, 1}: 1}
	if !reflect.DeepEqual(cells, wantCells) {
		t.Errorf("cells %v", cells)
	}
	if titleOf(ch.Option) != "Tickets by Category × Product" {
		t.Errorf("title %v", titleOf(ch.Option))
	}
	want422 := f.get(t, auth.RoleManager, Prefix+"/hotspots?dim=category&dim2=product&by=day")
	wantBody(t, want422.Code, want422.Body.String(), http.StatusBadRequest, "<strong>dim2</strong>: a second dimension shows the whole period")
}

func wantBody(t *testing.T, code int, body string, wantCode int, contains string) {
	t.Helper()
	if code != wantCode || !regexp.MustCompile(regexp.QuoteMeta(contains)).MatchString(body) {
		t.Errorf("status %d, want %d with %q\n%s", code, wantCode, contains, short(body))
	}
}

func TestMoverText(t *testing.T) {
	r := 1.5
	if got := moverText(analytics.Mover{Delta: 3, Ratio: &r}); got != "+3 (×1.50)" {
		t.Errorf("%q", got)
	}
	if got := moverText(analytics.Mover{Delta: -2}); got != "-2" {
		t.Errorf("%q", got)
	}
}

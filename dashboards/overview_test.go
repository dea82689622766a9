package dashboards

import (
	"html"
	"math"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/ticketcore/auth"
)

var tileRE = regexp.MustCompile(`<div class="label">([^<]+)</div>\s*<div class="value">(?:<a href="([^"]*)">)?([^<]*)(?:</a>)?</div>\s*<div class="delta">([^<]*)`)

type tileSeen struct{ link, value, delta string }

func tilesIn(body string) map[string]tileSeen {
	out := map[string]tileSeen{}
	for _, m := range tileRE.FindAllStringSubmatch(body, -1) {
		out[m[1]] = tileSeen{link: htmlUnescape(m[2]), value: m[3], delta: strings.TrimSpace(htmlUnescape(m[4]))}
	}
	return out
}

func htmlUnescape(s string) string { return html.UnescapeString(s) }

func TestOverviewTiles(t *testing.T) {
	f := newFixture(t)
	tiles := tilesIn(f.page(t, auth.RoleManager, Prefix+"/overview"))
	wantTiles := map[string]tileSeen{
		"Created":     {value: "6", delta: "+5 vs previous period"},
		"Resolved":    {value: "2", delta: "+1 vs previous period"},
		"Backlog now": {value: "4", delta: "+4 vs previous period"},
	}
	for label, w := range wantTiles {
		got, ok := tiles[label]
		if !ok || got.value != w.value || got.delta != w.delta {
			t.Errorf("tile %s: %+v, want %+v (all: %v)", label, got, w, tiles)
		}
	}
	// The created tile opens the period's tickets.
	if n, _ := f.listed(t, tiles["Created"].link); n != 6 {
		t.Errorf("created tile links to %d tickets", n)
	}

	// Last 7 days (03-14..03-20) against 03-07..03-13: fewer created and
	// resolved, more open.
	tiles = tilesIn(f.page(t, auth.RoleManager, Prefix+"/overview?range=7d"))
	for label, w := range map[string]tileSeen{
		"Created":     {value: "2", delta: "−2 vs previous period"},
		"Resolved":    {value: "0", delta: "−2 vs previous period"},
		"Backlog now": {value: "4", delta: "+2 vs previous period"},
	} {
		if got := tiles[label]; got.value != w.value || got.delta != w.delta {
			t.Errorf("7d tile %s: %+v, want %+v", label, got, w)
		}
	}

	// A filter narrows every figure and the tile's drill-down.
	tiles = tilesIn(f.page(t, auth.RoleManager, Prefix+"/overview?f=team:t2"))
	if got := tiles["Created"]; got.value != "2" || !strings.Contains(got.link, "team=t2") {
		t.Errorf("team t2 created tile %+v", got)
	}
	if got := tiles["Resolved"]; got.value != "1" {
		t.Errorf("team t2 resolved tile %+v", got)
	}
}

var trendRowRE = regexp.MustCompile(`<tr><td>(\d{4}-\d\d-\d\d)</td><td class="num">(\d+)</td><td class="num">(\d+)</td><td class="num">(\d+)</td>`)

func TestOverviewTrendTable(t *testing.T) {
	f := newFixture(t)
	body := f.page(t, auth.RoleManager, Prefix+"/overview")
	rows := map[string][3]string{}
	for _, m := range trendRowRE.FindAllStringSubmatch(body, -1) {
		rows[m[1]] = [3]string{m[2], m[3], m[4]}
	}
	if len(rows) != 30 {
		t.Fatalf("%d daily rows, want 30", len(rows))
	}
	wantRows := map[string][3]string{ // created, resolved, backlog at the day's end
		"2025-02-19": {"0", "0", "0"},
		"2025-03-09": {"0", "0", "0"},
		"2025-03-10": {"2", "1", "1"},
		"2025-03-11": {"0", "0", "1"},
		"2025-03-12": {"2", "0", "3"},
		"2025-03-13": {"0", "1", "2"},
		"2025-03-15": {"1", "0", "3"},
		"2025-03-18": {"1", "0", "4"},
		"2025-03-20": {"0", "0", "4"},
	}
	for d, w := range wantRows {
		if rows[d] != w {
			t.Errorf("%s: created/resolved/backlog %v, want %v", d, rows[d], w)
		}
	}

	charts := chartsIn(t, body)
	vol, ok := charts["ov0"]
	if !ok {
		t.Fatalf("no volume chart among %v", keysOf(charts))
	}
	x := axis(t, vol.Option, "xAxis")["data"].([]any)
	i10 := -1
	for i, l := range x {
		if l == "2025-03-10" {
			i10 = i
		}
	}
	if i10 < 0 || seriesData(t, vol.Option, 0)[i10] != 2.0 || seriesData(t, vol.Option, 1)[i10] != 1.0 {
		t.Fatalf("volume chart on 03-10: index %d", i10)
	}
	link := vol.Links[keyOf(0, i10)]
	u, _ := url.Parse(link)
	if u.Query().Get("created_from") != "2025-03-10T00:00:00Z" || u.Query().Get("created_to") != "2025-03-11T00:00:00Z" {
		t.Errorf("created bar link %q", link)
	}
	if _, ids := f.listed(t, link); len(ids) != 2 || !sameSet(ids, []string{f.id("refund"), f.id("twice")}) {
		t.Errorf("03-10 drill-down lists %v", ids)
	}
	if _, ok := vol.Links[keyOf(1, i10)]; ok {
		t.Error("resolved bars have no drill-down yet they link")
	}
	// Backlog points open time travel at the bucket's end.
	if got := charts["ov1"].Links[keyOf(0, i10)]; got != Prefix+"/timetravel?at=2025-03-11T00:00" {
		t.Errorf("backlog link %q", got)
	}
	// Nothing resolved with a CSAT rating: the CSAT chart says so.
	if !strings.Contains(body, "Customer satisfaction</h3><p class=\"empty\">No data in this period.") {
		t.Error("the CSAT chart without ratings is not shown as empty")
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, x := range a {
		seen[x]++
	}
	for _, x := range b {
		seen[x]--
	}
	for _, n := range seen {
		if n != 0 {
			return false
		}
	}
	return true
}

func TestOverviewHelpers(t *testing.T) {
	if d := delta(5, 7, "%.0f"); d != "−2" {
		t.Errorf("delta %q", d)
	}
	if d := delta(7.5, 7, "%.1f pt"); d != "+0.5 pt" {
		t.Errorf("delta %q", d)
	}
	if delta(math.NaN(), 1, "%.0f") != "" || delta(1, math.NaN(), "%.0f") != "" {
		t.Error("delta of a gap is shown")
	}
	if !math.IsNaN(nanRatio(1, 0)) || nanRatio(1, 4) != 0.25 {
		t.Error("nanRatio")
	}
	if !math.IsNaN(hoursOrGap(5, 0)) || hoursOrGap(5_400_000, 2) != 1.5 {
		t.Error("hoursOrGap")
	}
	tt := totals([]analytics.TrendPoint{{Created: 2, Resolved: 1, Backlog: 5, SLAMet: 1}, {Created: 3, Backlog: 4, CSATSum: 9, CSATRated: 2}})
	if tt != (trendTotals{created: 5, resolved: 1, backlog: 4, slaMet: 1, csatSum: 9, csatRated: 2}) {
		t.Errorf("totals %+v", tt)
	}
	if pctText(math.NaN()) != "—" || numText(math.NaN(), 2) != "—" || numText(4.5, 2) != "4.50" {
		t.Error("pctText/numText")
	}
}

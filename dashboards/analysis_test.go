package dashboards

import (
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/deskmine/deskmine/ticketcore/auth"
)

// plainTiles reads tiles without drill-down or delta: label -> value.
var plainTileRE = regexp.MustCompile(`<div class="label">([^<]+)</div><div class="value"(?: id="[^"]+")?>([^<]*)</div>`)

func plainTiles(body string) map[string]string {
	out := map[string]string{}
	for _, m := range plainTileRE.FindAllStringSubmatch(body, -1) {
		out[m[1]] = m[2]
	}
	return out
}

func mainOf(body string) string {
	if i := strings.Index(body, "<main>"); i >= 0 {
		return body[i:]
	}
	return body
}

func TestSpikesPage(t *testing.T) {
	f := newFixture(t)
	// Seven tickets over a month have no day far above its usual level.
	want(t, f.get(t, auth.RoleManager, Prefix+"/spikes"), 200, "No spikes in this period.", `<option value="day" selected>`)
	want(t, f.get(t, auth.RoleManager, Prefix+"/spikes?by=hour&range=7d&dim=team"), 200, `<option value="hour" selected>`,
		`<option value="team" selected>`)
}

func TestRootCausePage(t *testing.T) {
	f := newFixture(t)
	body := f.page(t, auth.RoleManager, Prefix+"/rootcause?range=90d")
	wantTiles := map[string]string{"Chains": "1", "Tickets in chains": "2", "Longest chain": "2"}
	if got := plainTiles(body); !subset(wantTiles, got) {
		t.Errorf("tiles %v", got)
	}
	// refund was followed up by again; three tickets were resolved in the
	// 90 days (old, refund, reset) and none reopened.
	chain := `<tr><td><a href="/ui/tickets/` + f.id("refund") + `">#` + f.id("refund") + `</a> Ticket refund</td><td>billing</td><td>app</td><td class="num">2</td>`
	members := `<a href="/ui/tickets/` + f.id("refund") + `">#` + f.id("refund") + `</a> <a href="/ui/tickets/` + f.id("again") + `">#` + f.id("again") + `</a>`
	for _, w := range []string{chain, members} {
		if !strings.Contains(body, w) {
			t.Errorf("root causes lack %q", w)
		}
	}
	// The reopens tab asks for its part only: no chains, the reopen tables.
	reopens := f.page(t, auth.RoleManager, Prefix+"/rootcause?range=90d&part=reopens")
	for _, w := range []string{`<div class="delta">0 / 3</div>`, `<tr><td>billing</td><td class="num">2</td><td class="num">0</td>`,
		`<tr><td>login</td><td class="num">1</td><td class="num">0</td>`, `class="active" aria-current="page">Reopens</a>`} {
		if !strings.Contains(reopens, w) {
			t.Errorf("reopens tab lacks %q", w)
		}
	}
	if strings.Contains(reopens, "chain-table") {
		t.Error("the reopens tab shows the chains")
	}
	handoffs := f.page(t, auth.RoleManager, Prefix+"/rootcause?range=90d&part=handoffs")
	if !strings.Contains(handoffs, `id="handoff-product"`) || !strings.Contains(handoffs, `id="handoff-category"`) {
		t.Error("the hand-offs tab lacks its tables")
	}
	want(t, f.get(t, auth.RoleManager, Prefix+"/rootcause?part=everything"), 400, "part")
	ch := chartsIn(t, body)["roots"]
	if got := axis(t, ch.Option, "yAxis")["data"]; !reflect.DeepEqual(got, []any{"billing"}) {
		t.Errorf("root categories %v", got)
	}
	if got := seriesData(t, ch.Option, 0); !reflect.DeepEqual(got, []any{1.0}) {
		t.Errorf("chains %v", got)
	}
	// The bar lists the root category's tickets of the 90 days.
	if _, ids := f.listed(t, ch.Links["0:0"]); !sameSet(ids, []string{f.id("old"), f.id("refund"), f.id("twice"), f.id("again")}) {
		t.Errorf("billing drill-down %v", ids)
	}
}

func TestBottlenecksPage(t *testing.T) {
	f := newFixture(t)
	body := f.page(t, auth.RoleManager, Prefix+"/bottlenecks")
	wantTiles := map[string]string{"Tickets handed off": "1", "Hand-offs": "2", "Tickets bouncing between teams": "1"}
	if got := plainTiles(body); !subset(wantTiles, got) {
		t.Errorf("tiles %v", got)
	}
	pp := `<td><a href="/ui/tickets/` + f.id("twice") + `">#` + f.id("twice") + `</a></td><td>app</td><td>billing</td><td class="num">2</td><td>t1 ⇄ t2</td>`
	if !strings.Contains(body, pp) {
		t.Errorf("ping-pong table lacks twice\n%s", short(body))
	}
	charts := chartsIn(t, body)
	ping := charts["pingpong"]
	if got := axis(t, ping.Option, "yAxis")["data"]; !reflect.DeepEqual(got, []any{"t1 ⇄ t2"}) {
		t.Errorf("pairs %v", got)
	}
	if got := seriesData(t, ping.Option, 0); !reflect.DeepEqual(got, []any{1.0}) {
		t.Errorf("bounces %v", got)
	}
	tt := charts["teamtime"]
	if got := axis(t, tt.Option, "yAxis")["data"]; !reflect.DeepEqual(got, []any{"t1", "t2"}) {
		t.Errorf("teams %v", got)
	}
	u, _ := url.Parse(tt.Links["0:1"])
	if u.Query().Get("team") != "t2" {
		t.Errorf("team bar link %q", tt.Links["0:1"])
	}
}

var perfRowRE = regexp.MustCompile(`<tr><td class="num">(\d+)</td><td>(?:<a href="([^"]*)">)?([^<]+)(?:</a>)?</td>\s*<td class="num">(\d+)</td><td class="num">([^<]+)</td>`)

type perfSeen struct{ rank, link, handled, before string }

func perfRows(body string) map[string]perfSeen {
	out := map[string]perfSeen{}
	for _, m := range perfRowRE.FindAllStringSubmatch(body, -1) {
		out[m[3]] = perfSeen{rank: m[1], link: htmlUnescape(m[2]), handled: m[4], before: m[5]}
	}
	return out
}

func TestPerformancePage(t *testing.T) {
	f := newFixture(t)
	body := f.page(t, auth.RoleManager, Prefix+"/performance?by=agent")
	// ann resolved refund and reset in the period and old before it.
	want := map[string]perfSeen{
		"ann": {rank: "1", link: "/ui/tickets?assignee=ann", handled: "2", before: "1"},
		"bob": {rank: "2", link: "/ui/tickets?assignee=bob", handled: "0", before: "0"},
	}
	if got := perfRows(body); !reflect.DeepEqual(got, want) {
		t.Errorf("agents %v", got)
	}
	ch := chartsIn(t, body)["perf0"]
	if got := seriesData(t, ch.Option, 0); !reflect.DeepEqual(got, []any{2.0, 0.0}) {
		t.Errorf("handled bars %v", got)
	}
	// The bar lists all of ann's tickets: old, refund and reset.
	if _, ids := f.listed(t, ch.Links["0:0"]); !sameSet(ids, []string{f.id("old"), f.id("refund"), f.id("reset")}) {
		t.Errorf("ann's tickets: %v", ids)
	}

	teams := perfRows(f.page(t, auth.RoleManager, Prefix+"/performance"))
	if teams["t1"].handled != "1" || teams["t2"].handled != "1" || teams["t1"].before != "1" {
		t.Errorf("teams %v", teams)
	}
	if !strings.Contains(teams["t2"].link, "team=t2") {
		t.Errorf("team link %q", teams["t2"].link)
	}
}

func TestPerformanceAnonymous(t *testing.T) {
	f := newFixture(t)
	body := mainOf(f.page(t, auth.RoleManager, Prefix+"/performance?by=agent&anonymous=on"))
	rows := perfRows(body)
	if len(rows) != 2 || rows["Agent 1"].handled != "2" || rows["Agent 2"].handled != "0" {
		t.Errorf("anonymous rows %v", rows)
	}
	for _, r := range rows {
		if r.link != "" {
			t.Errorf("anonymous row links to %q", r.link)
		}
	}
	for _, name := range []string{">ann<", ">bob<", "=ann", "=bob", "assignee=", "&#34;ann&#34;"} {
		if strings.Contains(body, name) {
			t.Errorf("anonymous page shows %q", name)
		}
	}
	if ch := chartsIn(t, body)["perf0"]; ch.Links != nil {
		t.Errorf("anonymous chart links %v", ch.Links)
	}
	if !strings.Contains(body, `name="anonymous" value="on" checked`) {
		t.Error("the anonymous box is not kept checked")
	}
}

var openRowRE = regexp.MustCompile(`<tr><td><a href="/ui/tickets/(\d+)">#\d+</a></td><td>([a-z]+)</td>`)

func TestTimeTravelPage(t *testing.T) {
	f := newFixture(t)
	body := f.page(t, auth.RoleManager, Prefix+"/timetravel?at=2025-03-12T11:30")
	if got := plainTiles(body)["Open tickets then"]; got != "2" {
		t.Errorf("open at 03-12 11:30: %q", got)
	}
	open := map[string]string{}
	for _, m := range openRowRE.FindAllStringSubmatch(body, -1) {
		open[m[1]] = m[2]
	}
	// twice was open (since 03-10), login new (created 11:00); refund was
	// resolved and reset not yet created.
	if !reflect.DeepEqual(open, map[string]string{f.id("twice"): "open", f.id("login"): "new"}) {
		t.Errorf("open tickets %v", open)
	}
	charts := chartsIn(t, body)
	st := charts["tt0"]
	if got := axis(t, st.Option, "yAxis")["data"]; !sameSet(anyStrings(got), []string{"new", "open"}) {
		t.Errorf("statuses %v", got)
	}
	if !strings.Contains(st.Option["title"].(map[string]any)["subtext"].(string), "2025-03-12 11:30") {
		t.Errorf("subtitle %v", st.Option["title"])
	}
	if !strings.Contains(body, `name="at" value="2025-03-12T11:30"`) {
		t.Error("the instant is not kept in the form")
	}

	// Default: now, when four are open, login pending since 03-15.
	body = f.page(t, auth.RoleManager, Prefix+"/timetravel")
	if got := plainTiles(body)["Open tickets then"]; got != "4" {
		t.Errorf("open now: %q", got)
	}
	if !strings.Contains(body, `name="at" value="2025-03-20T12:00"`) {
		t.Error("default instant is not now")
	}
	open = map[string]string{}
	for _, m := range openRowRE.FindAllStringSubmatch(body, -1) {
		open[m[1]] = m[2]
	}
	if open[f.id("login")] != "pending" || len(open) != 4 {
		t.Errorf("open now %v", open)
	}
	if got := ageText(36 * 3600 * 1000); got != "1.5" {
		t.Errorf("ageText %q", got)
	}
}

func anyStrings(v any) []string {
	var out []string
	l, _ := v.([]any)
	for _, x := range l {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

func subset(want, got map[string]string) bool {
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

package dashboards

import (
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/deskmine/deskmine/ticketcore/auth"
	"github.com/deskmine/deskmine/ticketcore/desk"
)

var queueRowRE = regexp.MustCompile(`(?s)<tr><td class="num">(\d+)</td><td class="num">(\d+)</td>.*?<td data-sort="[^"]*">([^<]*)</td><td class="num">([\d.]+)</td><td>([^<]+)</td>`)

func TestQueue(t *testing.T) {
	f := newFixture(t)
	body := f.page(t, auth.RoleAgent, Prefix+"/queue")
	var got [][]string
	for _, m := range queueRowRE.FindAllStringSubmatch(body, -1) {
		got = append(got, m[1:])
	}
	wantRows := [][]string{
		{"1", f.id("again"), "1h 30m", "7.50", "Mine"},
		{"2", f.id("login"), "—", "3.25", "Team, unassigned"},
		{"3", f.id("twice"), "—", "1.50", "Mine"},
	}
	if !reflect.DeepEqual(got, wantRows) {
		t.Errorf("queue rows %v, want %v", got, wantRows)
	}
	if !strings.Contains(body, "<h1>My queue · ann</h1>") || strings.Contains(body, `name="agent"`) {
		t.Error("an agent's queue names them and offers no other agents")
	}
	if q := f.desk.queries[len(f.desk.queries)-1]; q != (desk.QueueQuery{Agent: "ann", Limit: 100, Unassigned: true}) {
		t.Errorf("desk asked %+v", q)
	}

	want403 := f.get(t, auth.RoleAgent, Prefix+"/queue?agent=bob")
	if want403.Code != http.StatusForbidden {
		t.Errorf("agent looking at bob's queue: %d", want403.Code)
	}
	f.page(t, auth.RoleAgent, Prefix+"/queue?agent=ann")

	body = f.page(t, auth.RoleManager, Prefix+"/queue?agent=bob")
	if !strings.Contains(body, "<h1>My queue · bob</h1>") || !strings.Contains(body, `<option value="bob" selected>bob</option>`) ||
		!strings.Contains(body, `<option value="ann" >ann</option>`) {
		t.Errorf("manager's view of bob's queue\n%s", short(body))
	}
	if q := f.desk.queries[len(f.desk.queries)-1]; q.Agent != "bob" {
		t.Errorf("desk asked for %q", q.Agent)
	}
	want(t, f.get(t, auth.RoleManager, Prefix+"/queue?agent=ghost"), http.StatusOK, "You are not on the routing roster")
	want(t, f.get(t, auth.RoleManager, Prefix+"/queue"), http.StatusOK, "<h1>My queue · mia</h1>")
}

var columnRE = regexp.MustCompile(`(?s)<section class="column" data-status="([a-z]+)">\s*<h2><span>[a-z]+</span><span class="badge">(\d+)\+?</span></h2>(.*?)</section>`)
var cardRE = regexp.MustCompile(`(?s)<div class="kcard"><a href="/ui/tickets/(\d+)">.*?<div class="since( long)?" title="([^"]*)">([^<]*)</div>`)

type cardSeen struct{ id, since, text string }

func boardOf(t *testing.T, body string) (order []string, cards map[string][]cardSeen) {
	t.Helper()
	cards = map[string][]cardSeen{}
	for _, m := range columnRE.FindAllStringSubmatch(body, -1) {
		order = append(order, m[1])
		var cs []cardSeen
		for _, c := range cardRE.FindAllStringSubmatch(m[3], -1) {
			cs = append(cs, cardSeen{id: c[1], since: c[3], text: c[4] + c[2]})
		}
		if m[2] != strconv.Itoa(len(cs)) {
			t.Errorf("column %s badge %s, %d cards", m[1], m[2], len(cs))
		}
		cards[m[1]] = cs
	}
	return order, cards
}

func TestBoard(t *testing.T) {
	f := newFixture(t)
	body := f.page(t, auth.RoleAgent, Prefix+"/board")
	order, cards := boardOf(t, body)
	if !reflect.DeepEqual(order, []string{"new", "open", "pending", "resolved"}) {
		t.Fatalf("columns %v", order)
	}
	// login went to pending on 03-15 08:00; now is 03-20 12:00.
	if want := []cardSeen{{f.id("login"), "2025-03-15 08:00", "in this state for 5d 4h long"}}; !reflect.DeepEqual(cards["pending"], want) {
		t.Errorf("pending %v, want %v", cards["pending"], want)
	}
	// Oldest in their state first: twice opened 03-11, again 03-18 10:00.
	if want := []cardSeen{
		{f.id("twice"), "2025-03-11 09:00", "in this state for 9d 3h long"},
		{f.id("again"), "2025-03-18 10:00", "in this state for 2d 2h"},
	}; !reflect.DeepEqual(cards["open"], want) {
		t.Errorf("open %v, want %v", cards["open"], want)
	}
	// Never moved: in its state since creation.
	if want := []cardSeen{{f.id("nocat"), "2025-03-15 14:00", "in this state for 4d 22h long"}}; !reflect.DeepEqual(cards["new"], want) {
		t.Errorf("new %v", cards["new"])
	}
	if len(cards["resolved"]) != 3 || cards["resolved"][0].id != f.id("old") {
		t.Errorf("resolved %v", cards["resolved"])
	}
	if !strings.Contains(body, `<option value="t2" >t2</option>`) {
		t.Error("no team picker from the desk")
	}

	// Only mine: ann has only resolved tickets.
	_, cards = boardOf(t, f.page(t, auth.RoleAgent, Prefix+"/board?mine=on"))
	if len(cards["new"])+len(cards["open"])+len(cards["pending"]) != 0 || len(cards["resolved"]) != 3 {
		t.Errorf("ann's board %v", cards)
	}
	body = f.page(t, auth.RoleAgent, Prefix+"/board?mine=on")
	if !strings.Contains(body, `name="mine" value="on" checked`) || !strings.Contains(body, "No tickets.") {
		t.Error("the mine box is not kept checked, or empty columns say nothing")
	}
	_, cards = boardOf(t, f.page(t, auth.RoleAgent, Prefix+"/board?team=t2"))
	if len(cards["pending"]) != 1 || len(cards["resolved"]) != 1 || len(cards["open"]) != 0 || cards["resolved"][0].id != f.id("reset") {
		t.Errorf("t2's board %v", cards)
	}
}

func TestSkills(t *testing.T) {
	f := newFixture(t)
	body := f.page(t, auth.RoleAgent, Prefix+"/skills")
	if !strings.Contains(body, `<th class="skill">billing</th><th class="skill">login</th></tr>`) {
		t.Errorf("skill columns\n%s", short(body))
	}
	rowRE := regexp.MustCompile(`(?s)<tr><td>([a-z]+) <span class="muted">[^<]*</span></td>(.*?)</tr>`)
	cellRE := regexp.MustCompile(`<td class="skill( l\d)?" data-sort="(\d)">(\d?)</td>`)
	rows := map[string][]string{}
	var order []string
	for _, m := range rowRE.FindAllStringSubmatch(body, -1) {
		order = append(order, m[1])
		for _, c := range cellRE.FindAllStringSubmatch(m[2], -1) {
			rows[m[1]] = append(rows[m[1]], c[1]+"|"+c[2]+"|"+c[3])
		}
	}
	if !reflect.DeepEqual(order, []string{"ann", "bob"}) {
		t.Errorf("agents %v", order)
	}
	want := map[string][]string{"ann": {" l2|2|2", " l5|5|5"}, "bob": {" l4|4|4", "|0|"}}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("levels %v, want %v", rows, want)
	}
	for _, w := range []string{"<td>t1, t2</td><td>away</td><td class=\"num\">10</td><td>en, zh</td>", "<tr><td>t2</td><td></td><td>t1</td><td>login</td></tr>"} {
		if !strings.Contains(body, w) {
			t.Errorf("skills page lacks %q", w)
		}
	}
}

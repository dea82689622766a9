package dashboards

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/deskmine/deskmine/kb"
	"github.com/deskmine/deskmine/kb/articles"
	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/auth"
	"github.com/deskmine/deskmine/ticketcore/events"
)

var chipRE = regexp.MustCompile(`<a class="badge" href="([^"]+)" title="Remove this filter">([^<]+) ✕</a>`)

// chips reads the filter chips: shown text -> the link that drops it.
func chips(body string) map[string]string {
	out := map[string]string{}
	for _, m := range chipRE.FindAllStringSubmatch(body, -1) {
		out[htmlUnescape(m[2])] = htmlUnescape(m[1])
	}
	return out
}

func TestTicketListChips(t *testing.T) {
	f := newFixture(t)
	body := f.page(t, auth.RoleAgent, Prefix+"/tickets?category=billing&team=t1&team=t2&q=")
	n, ids := countAndIDs(t, body)
	if n != 4 || !sameSet(ids, []string{f.id("old"), f.id("refund"), f.id("twice"), f.id("again")}) {
		t.Fatalf("billing of t1 or t2: %v", ids)
	}
	got := chips(body)
	want := map[string]string{
		"Category = billing": "/ui/tickets?q=&team=t1&team=t2",
		"Team = t1":          "/ui/tickets?category=billing&q=&team=t2",
		"Team = t2":          "/ui/tickets?category=billing&q=&team=t1",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("chips %v", got)
	}
	// Dropping the category keeps the teams: every t1 and t2 ticket.
	if n, _ := f.listed(t, want["Category = billing"]); n != 6 {
		t.Errorf("after dropping the category: %d", n)
	}
	// Times show in the display zone; status and search are controls, not chips.
	body = f.page(t, auth.RoleAgent, Prefix+"/tickets?created_from=2025-03-12T00:00:00Z&status=open,new&q=Ticket")
	got = chips(body)
	if len(got) != 1 || got["Created from = 2025-03-12 00:00"] != "/ui/tickets?q=Ticket&status=open%2Cnew" {
		t.Errorf("chips %v", got)
	}
	if _, ids := countAndIDs(t, body); !sameSet(ids, []string{f.id("nocat"), f.id("again")}) {
		t.Errorf("open or new since 03-12: %v", ids)
	}
	if !strings.Contains(body, `<option value="open" selected>`) || !strings.Contains(body, `name="q" value="Ticket"`) {
		t.Error("the controls do not keep the query")
	}
	// The "(none)" bar of a hotspot: tickets without a team.
	if _, ids := f.listed(t, Prefix+"/tickets?team="); !reflect.DeepEqual(ids, []string{f.id("nocat")}) {
		t.Errorf("without a team: %v", ids)
	}
	// Sorted oldest first.
	if _, ids := f.listed(t, Prefix+"/tickets?sort=created_at&product=web"); !reflect.DeepEqual(ids, []string{f.id("login"), f.id("nocat"), f.id("again")}) {
		t.Errorf("web, oldest first: %v", ids)
	}
}

func countAndIDs(t *testing.T, body string) (int, []string) {
	t.Helper()
	m := countRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no ticket count")
	}
	n, _ := strconv.Atoi(m[1])
	var ids []string
	for _, r := range rowIDRE.FindAllStringSubmatch(body, -1) {
		ids = append(ids, r[1])
	}
	return n, ids
}

// smallPages is the ticket service with pages of three tickets.
type smallPages struct{ Tickets }

func (s smallPages) List(ctx context.Context, q ticketcore.ListQuery) (ticketcore.ListPage, error) {
	q.Limit = 3
	return s.Tickets.List(ctx, q)
}

var nextRE = regexp.MustCompile(`<p><a href="([^"]+)">Next page</a></p>`)

func TestTicketListPaging(t *testing.T) {
	f := newFixture(t)
	srv, err := New(Options{Auth: f.sess, Tickets: smallPages{f.svc}, Now: f.srv.opts.Now})
	if err != nil {
		t.Fatal(err)
	}
	f.srv = srv
	var seen []string
	link := Prefix + "/tickets?sort=id&product=app&product=web"
	for pages := 0; link != ""; pages++ {
		if pages > 3 {
			t.Fatal("paging does not end")
		}
		body := f.page(t, auth.RoleAgent, link)
		_, ids := countAndIDs(t, body)
		seen = append(seen, ids...)
		link = ""
		if m := nextRE.FindStringSubmatch(body); m != nil {
			link = htmlUnescape(m[1])
			u, _ := url.Parse(link)
			if !reflect.DeepEqual(u.Query()["product"], []string{"app", "web"}) || u.Query().Get("sort") != "id" || u.Query().Get("cursor") == "" {
				t.Errorf("next link %q loses the query", link)
			}
			if !strings.Contains(body, `data-count="3">3 tickets+`) {
				t.Error("a page with more does not say so")
			}
		}
	}
	want := []string{f.id("old"), f.id("refund"), f.id("twice"), f.id("login"), f.id("reset"), f.id("nocat"), f.id("again")}
	if !reflect.DeepEqual(seen, want) {
		t.Errorf("pages gave %v, want %v", seen, want)
	}
}

var timelineRE = regexp.MustCompile(`(?s)<li class="(created|reply|note|change)"><div class="meta">([^<]*)</div>(.*?)</li>`)

func TestTicketPage(t *testing.T) {
	f := newFixture(t)
	body := f.page(t, auth.RoleAgent, Prefix+"/tickets/"+f.id("twice"))
	var kinds []string
	var reply, note string
	for _, m := range timelineRE.FindAllStringSubmatch(body, -1) {
		kinds = append(kinds, m[1])
		switch m[1] {
		case "reply":
			reply = m[2] + m[3]
		case "note":
			note = m[2] + m[3]
		}
	}
	// Created, opened, the reply, the note, two team changes, in time order.
	if want := []string{"created", "change", "reply", "note", "change", "change"}; !reflect.DeepEqual(kinds, want) {
		t.Errorf("timeline %v, want %v", kinds, want)
	}
	if !strings.Contains(reply, "2025-03-11 09:30 · ann · public reply") ||
		!strings.Contains(reply, `Hi, <strong class="mention">@bob</strong>. will check; write to ann@example.com`) {
		t.Errorf("reply %q", reply)
	}
	if !strings.Contains(note, "internal note") || !strings.Contains(note, "internal: looks like a double charge") {
		t.Errorf("note %q", note)
	}
	if !strings.Contains(body, `<div class="change">team: <del>t1</del> → <ins>t2</ins></div>`) {
		t.Error("team change not shown")
	}
	// Similar cases without the ticket itself, the prediction, the article.
	for _, w := range []string{`data-predicted>billing</strong> <span class="muted">(87.5%)`, `href="/ui/tickets/901">#901 Refund never arrived</a>`,
		`href="/ui/tickets/902">#902 Charged twice</a>`, `<div class="muted">Re-issued the refund</div>`, `href="/ui/kb/articles/77">How refunds work</a>`} {
		if !strings.Contains(body, w) {
			t.Errorf("ticket page lacks %q", w)
		}
	}
	if strings.Contains(body, ">#"+f.id("twice")+" itself<") {
		t.Error("the ticket is among its own similar cases")
	}
	if reqs := f.know.requests(); len(reqs) != 1 || reqs[0].TicketID != f.ids["twice"] {
		t.Errorf("similar requests %+v", reqs)
	}
	// The status form offers the workflow's next states and the version.
	for _, w := range []string{`<input type="hidden" name="version" value="`, `<option value="pending">pending</option>`,
		`<option value="waiting_on_customer">waiting_on_customer</option>`} {
		if !strings.Contains(body, w) {
			t.Errorf("status form lacks %q", w)
		}
	}
	if strings.Contains(body, `<option value="new">new</option>`) {
		t.Error("open offers new")
	}
}

func TestTicketPageSimilarFallbacks(t *testing.T) {
	f := newFixture(t)
	f.know.unknown = true
	body := f.page(t, auth.RoleAgent, Prefix+"/tickets/"+f.id("refund"))
	reqs := f.know.requests()
	if len(reqs) != 2 || reqs[1].Text != "Ticket refund\nAbout refund" || reqs[1].TicketID != 0 {
		t.Errorf("fallback requests %+v", reqs)
	}
	if !strings.Contains(body, "#901 Refund never arrived") {
		t.Error("the text fallback's cases are not shown")
	}
	f.know.fail = errors.New("index down")
	body = f.page(t, auth.RoleAgent, Prefix+"/tickets/"+f.id("refund"))
	if !strings.Contains(body, "Similar cases are not available right now.") {
		t.Error("a failing knowledge base breaks the page")
	}
}

func TestSimilarFragment(t *testing.T) {
	f := newFixture(t)
	body := f.page(t, auth.RoleAgent, Prefix+"/similar?text=refund+missing")
	if strings.Contains(body, "<html") || !strings.Contains(body, "#901 Refund never arrived") {
		t.Errorf("fragment %q", short(body))
	}
	if reqs := f.know.requests(); reqs[len(reqs)-1].Text != "refund missing" {
		t.Errorf("request %+v", reqs[len(reqs)-1])
	}
	rec := f.get(t, auth.RoleAgent, Prefix+"/similar?text="+strings.Repeat("x", kb.MaxTextRunes+1))
	want(t, rec, http.StatusBadRequest, "<strong>text</strong>: at most")
}

func TestPostComment(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	path := Prefix + "/tickets/" + f.id("login") + "/comment"
	for vis, public := range map[string]bool{"public": true, "internal": false} {
		rec := f.post(t, auth.RoleAgent, path, url.Values{"body": {"  posted " + vis + "  "}, "visibility": {vis}})
		done := map[bool]string{true: "reply", false: "note"}[public]
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != Prefix+"/tickets/"+f.id("login")+"?done="+done {
			t.Fatalf("%s: %d %q", vis, rec.Code, rec.Header().Get("Location"))
		}
	}
	cs, err := f.svc.Comments(ctx, f.ids["login"], false)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, c := range cs {
		got[c.Body] = c.Public
		if c.Author.Name != "ann" || c.Author.ID != 3 {
			t.Errorf("author %+v", c.Author)
		}
		if !c.At.Equal(fixNow) {
			t.Errorf("comment at %v", c.At)
		}
	}
	if !reflect.DeepEqual(got, map[string]bool{"posted public": true, "posted internal": false}) {
		t.Errorf("comments %v", got)
	}
	want(t, f.get(t, auth.RoleAgent, Prefix+"/tickets/"+f.id("login")+"?done=reply"), http.StatusOK,
		`<p class="flash" role="status" data-done="reply">Reply sent.</p>`)

	want(t, f.post(t, auth.RoleAgent, path, url.Values{"body": {"   "}, "visibility": {"public"}}), http.StatusUnprocessableEntity,
		"<strong>body</strong>: required")
	want(t, f.post(t, auth.RoleAgent, path, url.Values{"body": {"x"}, "visibility": {"shout"}}), http.StatusBadRequest,
		"<strong>visibility</strong>: public or internal")
	want(t, f.post(t, auth.RoleAgent, Prefix+"/tickets/999999/comment", url.Values{"body": {"x"}, "visibility": {"public"}}), http.StatusNotFound)
	if cs2, _ := f.svc.Comments(ctx, f.ids["login"], false); len(cs2) != 2 {
		t.Errorf("refused posts wrote comments: %d", len(cs2))
	}
}

func TestPostTransition(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	id := f.ids["twice"]
	path := Prefix + "/tickets/" + f.id("twice") + "/transition"
	cur, err := f.svc.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	v := strconv.FormatInt(cur.Version, 10)
	stale := strconv.FormatInt(cur.Version-1, 10)

	want(t, f.post(t, auth.RoleAgent, path, url.Values{"version": {stale}, "to": {"resolved"}}), http.StatusConflict,
		"Someone changed this meanwhile")
	want(t, f.post(t, auth.RoleAgent, path, url.Values{"version": {v}, "to": {"new"}}), http.StatusUnprocessableEntity,
		"The change was refused.")
	want(t, f.post(t, auth.RoleAgent, path, url.Values{"version": {v}, "to": {"pending"}, "pending_reason": {"bored"}}),
		http.StatusUnprocessableEntity, "pending_reason")
	want(t, f.post(t, auth.RoleAgent, path, url.Values{"version": {v}}), http.StatusUnprocessableEntity, "<strong>to</strong>: required")
	want(t, f.post(t, auth.RoleAgent, path, url.Values{"version": {"x"}, "to": {"open"}}), http.StatusBadRequest, "<strong>version</strong>")
	if after, _ := f.svc.Get(ctx, id); after.Version != cur.Version || after.Status != "open" {
		t.Fatalf("refused transitions changed the ticket: v%d %s", after.Version, after.Status)
	}

	rec := f.post(t, auth.RoleAgent, path, url.Values{"version": {v}, "to": {"resolved"}, "resolution": {" Refunded twice "}, "comment": {"customer confirmed"}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != Prefix+"/tickets/"+f.id("twice")+"?done=status" {
		t.Fatalf("transition: %d %q\n%s", rec.Code, rec.Header().Get("Location"), short(rec.Body.String()))
	}
	after, _ := f.svc.Get(ctx, id)
	if after.Status != "resolved" || after.Resolution != "Refunded twice" || after.Version != cur.Version+1 {
		t.Errorf("after: %s %q v%d", after.Status, after.Resolution, after.Version)
	}
	hist, _ := f.svc.History(ctx, id)
	last := hist[len(hist)-1]
	if last.Actor.Name != "ann" || last.Reason != "customer confirmed" || last.Type != events.TicketStatusChanged {
		t.Errorf("history %+v", last)
	}
	body := f.page(t, auth.RoleAgent, Prefix+"/tickets/"+f.id("twice")+"?done=status")
	if !strings.Contains(body, "Status changed.") || !strings.Contains(body, "customer confirmed") {
		t.Error("the page does not show the change")
	}
}

func TestMentionSegments(t *testing.T) {
	type seg = segment
	cases := map[string][]seg{
		"":                     nil,
		"no mentions":          {{Text: "no mentions"}},
		"@ann please":          {{Text: "@ann", Mention: true}, {Text: " please"}},
		"ask @ann.":            {{Text: "ask "}, {Text: "@ann", Mention: true}, {Text: "."}},
		"mail ann@example.com": {{Text: "mail ann@example.com"}},
		"@a.b-c, @team_1!":     {{Text: "@a.b-c", Mention: true}, {Text: ", "}, {Text: "@team_1", Mention: true}, {Text: "!"}},
		"(@bob)":               {{Text: "("}, {Text: "@bob", Mention: true}, {Text: ")"}},
		"just @ alone, @.":     {{Text: "just @ alone, @."}},
		"@ann-- ok":            {{Text: "@ann", Mention: true}, {Text: "-- ok"}},
	}
	for in, want := range cases {
		got := mentionSegments(in)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("mentionSegments(%q) = %+v, want %+v", in, got, want)
		}
		var joined string
		for _, s := range got {
			joined += s.Text
		}
		if joined != in {
			t.Errorf("%q: segments join to %q", in, joined)
		}
	}
}

func TestRawText(t *testing.T) {
	cases := map[string]string{`"t1"`: "t1", "null": "", "": "", "3": "3", `["a","b"]`: `["a","b"]`, `"say \"hi\""`: `say "hi"`}
	for in, want := range cases {
		if got := rawText([]byte(in)); got != want {
			t.Errorf("rawText(%s) = %q, want %q", in, got, want)
		}
	}
	if got := rawText([]byte("[" + strings.Repeat("1,", 150) + "1]")); len([]rune(got)) != 201 || !strings.HasSuffix(got, "…") {
		t.Errorf("long value %q", got)
	}
}

func TestPostFeedback(t *testing.T) {
	f := newFixture(t)
	id := f.id("login")
	path := Prefix + "/tickets/" + id + "/feedback"
	// The ticket page offers the buttons, naming the ticket being worked.
	page := f.page(t, auth.RoleAgent, Prefix+"/tickets/"+id)
	for _, w := range []string{`action="/ui/tickets/` + id + `/feedback"`, `name="case" value="901"`, `name="article" value="77"`,
		`data-feedback="duplicate"`, `data-feedback="used"`, `data-similar-url="/ui/similar?ticket=` + id + `"`} {
		if !strings.Contains(page, w) {
			t.Errorf("ticket page lacks %q", w)
		}
	}
	rec := f.post(t, auth.RoleAgent, path, url.Values{"case": {"901"}, "kind": {"duplicate"}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != Prefix+"/tickets/"+id+"?done=feedback" {
		t.Fatalf("case feedback: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	if rec := f.post(t, auth.RoleAgent, path, url.Values{"article": {"77"}, "kind": {"used"}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("article feedback: %d", rec.Code)
	}
	want(t, f.get(t, auth.RoleAgent, Prefix+"/tickets/"+id+"?done=feedback"), http.StatusOK, "your feedback reranks")
	for _, c := range []struct {
		form  url.Values
		field string
	}{
		{url.Values{"case": {"901"}, "kind": {"love"}}, "kind"},
		{url.Values{"case": {"901"}, "article": {"77"}, "kind": {"helpful"}}, "case"},
		{url.Values{"kind": {"helpful"}}, "case"},
		{url.Values{"case": {"x"}, "kind": {"helpful"}}, "case"},
		{url.Values{"article": {"-3"}, "kind": {"helpful"}}, "article"},
	} {
		want(t, f.post(t, auth.RoleAgent, path, c.form), http.StatusBadRequest, "<strong>"+c.field+"</strong>")
	}
	want(t, f.post(t, auth.RoleAgent, path, url.Values{"case": {"901"}, "kind": {"helpful"}, csrfField: {"forged"}}), http.StatusForbidden)
	f.know.mu.Lock()
	got := append([]articles.Feedback(nil), f.know.feedback...)
	f.know.mu.Unlock()
	wantFB := []articles.Feedback{
		{TicketID: f.ids["login"], CaseTicketID: 901, Kind: articles.FeedbackDuplicate, Actor: "ann"},
		{TicketID: f.ids["login"], ArticleID: 77, Kind: articles.FeedbackUsed, Actor: "ann"},
	}
	if !reflect.DeepEqual(got, wantFB) {
		t.Errorf("feedback %+v, want %+v", got, wantFB)
	}
	// The panel typed into names the ticket too; a bad ticket is refused.
	frag := f.page(t, auth.RoleAgent, Prefix+"/similar?ticket="+id+"&text=refund+missing")
	if !strings.Contains(frag, `action="/ui/tickets/`+id+`/feedback"`) {
		t.Error("the as-you-type panel has no feedback buttons")
	}
	want(t, f.get(t, auth.RoleAgent, Prefix+"/similar?ticket=abc&text=refund"), http.StatusBadRequest, "<strong>ticket</strong>")
}

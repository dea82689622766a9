package httpapi_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deskmine/deskmine/kb/articles"
	"github.com/deskmine/deskmine/kb/httpapi"
)

const (
	get  = http.MethodGet
	post = http.MethodPost
	put  = http.MethodPut
)

func caseIDs(s httpapi.SimilarResponse) []int64 {
	var out []int64
	for _, c := range s.Cases {
		out = append(out, c.TicketID)
	}
	return out
}

func TestSimilarAndClassify(t *testing.T) {
	e := newEnv(t, true)
	const similar = "/api/v1/kb/similar"

	var s httpapi.SimilarResponse
	e.call(200, agent, get, similar, similar+"?k=5&text="+url.QueryEscape("my vpn will not connect after the update"), nil).json(t, &s)
	if len(s.Cases) == 0 || len(s.Cases) > 5 || s.Cases[0].Category != "Access" || s.Cases[0].Resolution == "" {
		t.Errorf("vpn text: %+v", s.Cases)
	}
	if s.Category == nil || s.Category.Label != "Access" || s.Category.Confidence <= 0 || s.Category.Confidence > 1 {
		t.Errorf("vpn text: predicted category %+v", s.Category)
	}
	for _, c := range s.Cases {
		if c.TicketID < 9 || c.TicketID > 16 {
			t.Errorf("vpn text found ticket %d, not one of the VPN tickets 9-16: %v", c.TicketID, caseIDs(s))
			break
		}
	}

	// Chinese text finds the Chinese printer tickets (25-32).
	s = httpapi.SimilarResponse{}
	e.call(200, reviewer, get, similar, similar+"?k=3&text="+url.QueryEscape("打印机卡纸了"), nil).json(t, &s)
	if len(s.Cases) == 0 || s.Cases[0].TicketID < 25 {
		t.Errorf("Chinese text: %v", caseIDs(s))
	}

	// Like a ticket: that ticket is left out; its text finds its kind.
	s = httpapi.SimilarResponse{}
	e.call(200, manager, get, similar, similar+"?ticket=9&k=7", nil).json(t, &s)
	if len(s.Cases) == 0 || len(s.Cases) > 7 || slices.Contains(caseIDs(s), 9) || s.Cases[0].Category != "Access" {
		t.Errorf("like ticket 9: %v %+v", caseIDs(s), s.Cases)
	}

	e.call(404, agent, get, similar, similar+"?ticket=424242", nil).fail(t, "not_found", "")
	for _, q := range []struct{ query, field string }{
		{"", "text"},
		{"?text=+++", "text"},
		{"?text=vpn&k=-1", "k"},
		{"?text=vpn&k=51", "k"},
		{"?text=vpn&k=many", "k"},
		{"?ticket=abc", "ticket"},
		{"?ticket=-4", "ticket"},
		{"?ticket=9&text=vpn", "ticket"},
		{"?text=" + strings.Repeat("a", 20001), "text"},
	} {
		e.call(400, agent, get, similar, similar+q.query, nil).fail(t, "invalid_parameter", q.field)
	}

	const classify = "/api/v1/kb/classify"
	var cl httpapi.ClassifyResponse
	e.call(200, agent, post, classify, classify, map[string]any{"text": "mailbox is full, email bounces"}).json(t, &cl)
	if cl.Category != "Storage" || cl.Confidence <= 0 || cl.Priority == nil || cl.Priority.Label != "normal" {
		t.Errorf("classify mailbox: %+v priority %+v", cl, cl.Priority)
	}
	if len(cl.Alternatives) == 0 || slices.ContainsFunc(cl.Alternatives, func(a httpapi.Scored) bool { return a.Label == "Storage" }) {
		t.Errorf("alternatives should be the other categories: %+v", cl.Alternatives)
	}
	cl = httpapi.ClassifyResponse{}
	e.call(200, admin, post, classify, classify, map[string]any{"text": "打印机又卡纸"}).json(t, &cl)
	if cl.Category != "Hardware" {
		t.Errorf("classify Chinese printer text: %+v", cl)
	}
	e.call(400, agent, post, classify, classify, map[string]any{"text": "  "}).fail(t, "invalid_parameter", "text")
	e.call(400, agent, post, classify, classify, map[string]any{"text": "x", "apply": true}).fail(t, "invalid_parameter", "apply")
	e.call(400, agent, post, classify, classify, map[string]any{"text": 42}).fail(t, "invalid_parameter", "text")
	e.call(400, agent, post, classify, classify, `{"text": "vpn"} {"text": "mail"}`).fail(t, "invalid_parameter", "body")
	e.call(400, agent, post, classify, classify, `{"text": `).fail(t, "invalid_parameter", "body")
	e.call(400, agent, post, classify, classify, ``).fail(t, "invalid_parameter", "body")
	e.call(415, agent, post, classify, classify, `text=vpn`, "Content-Type", "application/x-www-form-urlencoded").
		fail(t, "unsupported_media_type", "Content-Type")
	e.call(413, agent, post, classify, classify, `{"text": "`+strings.Repeat("a", 1<<20)+`"}`).fail(t, "too_large", "")
}

func TestNoModelYet(t *testing.T) {
	e := newEnv(t, false)
	e.call(409, agent, post, "/api/v1/kb/classify", "/api/v1/kb/classify", map[string]any{"text": "vpn down"}).fail(t, "no_model", "")
	var s httpapi.SimilarResponse
	e.call(200, agent, get, "/api/v1/kb/similar", "/api/v1/kb/similar?text=vpn", nil).json(t, &s)
	if len(s.Cases) != 0 || s.Category != nil {
		t.Errorf("an empty knowledge base found %+v", s)
	}
	var g httpapi.GapsResponse
	e.call(200, manager, get, "/api/v1/kb/gaps", "/api/v1/kb/gaps", nil).json(t, &g)
	if g.MinedAt != nil || g.Gaps == nil || len(g.Gaps) != 0 {
		t.Errorf("gaps before any mining: %+v", g)
	}
}

func TestFeedback(t *testing.T) {
	e := newEnv(t, true)
	const feedback, similar = "/api/v1/kb/feedback", "/api/v1/kb/similar"
	q := similar + "?k=8&text=" + url.QueryEscape("printer paper jam")
	var before httpapi.SimilarResponse
	e.call(200, agent, get, similar, q, nil).json(t, &before)
	if len(before.Cases) != 8 {
		t.Fatalf("printer cases: %v", caseIDs(before))
	}
	last := before.Cases[len(before.Cases)-1].TicketID
	for range 3 {
		var fb articles.Feedback
		e.call(201, agent, post, feedback, feedback, map[string]any{"ticket_id": 900, "case_ticket_id": last, "kind": "used",
			"query": "printer paper jam"}).json(t, &fb)
		if fb.Seq <= 0 || fb.Actor != agent.Login || fb.CaseTicketID != last || fb.Kind != articles.FeedbackUsed || time.Since(fb.At) > time.Minute {
			t.Errorf("recorded feedback: %+v", fb)
		}
	}
	// The next ranking reads it: the case the agents used comes first.
	var after httpapi.SimilarResponse
	e.call(200, agent, get, similar, q, nil).json(t, &after)
	if after.Cases[0].TicketID != last {
		t.Errorf("case %d was last (%v) and used 3 times, now %v", last, caseIDs(before), caseIDs(after))
	}

	e.call(422, agent, post, feedback, feedback, map[string]any{"ticket_id": 900, "case_ticket_id": 3, "article_id": 1, "kind": "used"}).
		fail(t, "invalid_field", "case_ticket_id")
	e.call(422, agent, post, feedback, feedback, map[string]any{"ticket_id": 900, "case_ticket_id": 3, "kind": "meh"}).
		fail(t, "invalid_field", "kind")
	e.call(422, agent, post, feedback, feedback, map[string]any{"ticket_id": 900, "article_id": 77, "kind": "helpful"}).
		fail(t, "invalid_field", "article_id")
	e.call(422, agent, post, feedback, feedback, map[string]any{"case_ticket_id": 3, "kind": "helpful"}).
		fail(t, "invalid_field", "ticket_id")
	// Who and when are the server's to say.
	e.call(400, agent, post, feedback, feedback, map[string]any{"ticket_id": 900, "case_ticket_id": 3, "kind": "helpful", "actor": "boss"}).
		fail(t, "invalid_parameter", "actor")
	e.call(400, agent, post, feedback, feedback, map[string]any{"ticket_id": "900", "case_ticket_id": 3, "kind": "helpful"}).
		fail(t, "invalid_parameter", "ticket_id")
	e.call(415, agent, post, feedback, feedback, `{"ticket_id": 900, "case_ticket_id": 3, "kind": "used"}`, "Content-Type", "text/plain").
		fail(t, "unsupported_media_type", "Content-Type")
	// A client reaching the handler (the server's role check stops it
	// first) is refused by the store.
	e.call(403, client, post, feedback, feedback, map[string]any{"ticket_id": 900, "case_ticket_id": 3, "kind": "helpful"}).
		fail(t, "forbidden", "")
}

// highlighted returns the fragments of a hit that mark a term.
func highlighted(h httpapi.SearchHit) []string {
	var out []string
	for _, frags := range h.Highlights {
		for _, f := range frags {
			if strings.Contains(f, "<mark>") {
				out = append(out, f)
			}
		}
	}
	return out
}

func TestSearch(t *testing.T) {
	e := newEnv(t, true)
	const search = "/api/v1/kb/search"

	// Cases, English: every hit is a VPN ticket with the term marked.
	var res httpapi.SearchResponse
	e.call(200, agent, get, search, search+"?kind=case&q=vpn&size=20", nil).json(t, &res)
	if res.Total != ticketsPer || len(res.Hits) != ticketsPer {
		t.Fatalf("vpn cases: total %d, %d hits", res.Total, len(res.Hits))
	}
	for _, h := range res.Hits {
		marks := highlighted(h)
		if h.Kind != "case" || h.ID < 9 || h.ID > 16 || len(marks) == 0 || !strings.Contains(strings.ToLower(strings.Join(marks, " ")), "vpn</mark>") {
			t.Errorf("vpn hit %+v", h)
		}
	}
	// Paging: the second page of 3 follows the first.
	var p1, p2 httpapi.SearchResponse
	e.call(200, agent, get, search, search+"?kind=case&q=vpn&size=3", nil).json(t, &p1)
	e.call(200, agent, get, search, search+"?kind=case&q=vpn&size=3&from=3", nil).json(t, &p2)
	if len(p1.Hits) != 3 || len(p2.Hits) != 3 || p1.Hits[0].ID != res.Hits[0].ID || p2.Hits[0].ID != res.Hits[3].ID {
		t.Errorf("pages %+v / %+v of %+v", p1.Hits, p2.Hits, res.Hits)
	}

	// Cases, Chinese: the segmenter finds 卡纸 inside 打印机卡纸.
	res = httpapi.SearchResponse{}
	e.call(200, reviewer, get, search, search+"?kind=case&q="+url.QueryEscape("卡纸"), nil).json(t, &res)
	if len(res.Hits) == 0 {
		t.Fatal("no Chinese case found")
	}
	for _, h := range res.Hits {
		if h.ID < 25 || !strings.Contains(strings.Join(highlighted(h), " "), "卡纸</mark>") {
			t.Errorf("Chinese hit %+v", h)
		}
	}

	// Articles: only published ones, in both languages.
	en := publish(t, e, content("Reset an expired VPN token", "The VPN client rejects the token after it expires.",
		[]string{"Open the token portal.", "Reset the VPN token.", "Reconnect the VPN client."}, "en"))
	zh := publish(t, e, content("打印机卡纸的处理方法", "打印机频繁卡纸，无法打印。",
		[]string{"打开后盖。", "取出卡住的纸张。", "清洁滚轮。"}, "zh"))
	res = httpapi.SearchResponse{}
	e.call(200, client, get, search, search+"?q="+url.QueryEscape("vpn token"), nil).json(t, &res)
	if res.Total != 1 || res.Hits[0].Kind != "article" || res.Hits[0].ID != en.ID || res.Hits[0].Version != 1 ||
		res.Hits[0].Title != en.Content.Title || len(res.Hits[0].Highlights["title"]) == 0 {
		t.Errorf("English article search: %+v", res)
	}
	res = httpapi.SearchResponse{}
	e.call(200, agent, get, search, search+"?kind=article&lang=zh&q="+url.QueryEscape("卡纸"), nil).json(t, &res)
	if res.Total != 1 || res.Hits[0].ID != zh.ID || !strings.Contains(strings.Join(res.Hits[0].Highlights["title"], ""), "<mark>") {
		t.Errorf("Chinese article search: %+v", res)
	}
	res = httpapi.SearchResponse{}
	e.call(200, agent, get, search, search+"?kind=article&lang=en&q="+url.QueryEscape("卡纸"), nil).json(t, &res)
	if res.Total != 0 {
		t.Errorf("lang=en found the Chinese article: %+v", res)
	}

	// Clients search articles only.
	e.call(403, client, get, search, search+"?kind=case&q=vpn", nil).fail(t, "forbidden", "")
	for _, q := range []struct{ query, field string }{
		{"", "q"},
		{"?q=vpn&kind=ticket", "kind"},
		{"?q=vpn&lang=fr", "lang"},
		{"?q=vpn&size=101", "size"},
		{"?q=vpn&size=ten", "size"},
		{"?q=vpn&from=-1", "from"},
	} {
		e.call(400, agent, get, search, search+q.query, nil).fail(t, "invalid_parameter", q.field)
	}
}

func TestMineAndGaps(t *testing.T) {
	e := newEnv(t, true)
	const mine, gaps, feedback = "/api/v1/kb/mine", "/api/v1/kb/gaps", "/api/v1/kb/feedback"
	var rep httpapi.MineResponse
	e.call(200, reviewer, post, mine, mine, nil).json(t, &rep)
	// Each planted problem is a group of its own kind of tickets (how many
	// of them join is the miner's business), proposed once, and a gap while
	// no article covers it.
	if rep.Tickets != len(problems)*ticketsPer || rep.Groups < 1 || len(rep.NewCandidates) != rep.Groups || len(rep.Updates) != 0 {
		t.Fatalf("mined %+v", rep)
	}
	var first articles.Candidate
	for i, id := range rep.NewCandidates {
		var c articles.Candidate
		e.call(200, agent, get, "/api/v1/kb/candidates/{id}", fmt.Sprintf("/api/v1/kb/candidates/%d", id), nil).json(t, &c)
		if c.Author != "deskmine-miner" || c.Status != articles.StatusCandidate || len(c.Sources) < 5 || c.MinerKey == "" {
			t.Errorf("mined candidate %+v", c)
			continue
		}
		problem := (c.Sources[0] - 1) / ticketsPer
		for _, src := range c.Sources {
			if (src-1)/ticketsPer != problem {
				t.Errorf("candidate %d mixes planted problems: %v", id, c.Sources)
				break
			}
		}
		if i == 0 {
			first = c
		}
	}
	for _, g := range rep.Gaps {
		if g.Reason != "no_article" || g.Tickets < 5 || len(g.Terms) == 0 || len(g.Examples) == 0 || len(g.Examples) > 5 {
			t.Errorf("gap %+v", g)
		}
	}
	if len(rep.Gaps) != rep.Groups {
		t.Errorf("%d gaps for %d groups without an article", len(rep.Gaps), rep.Groups)
	}
	if first.ID == 0 {
		t.Fatal("no mined candidate to go on with")
	}

	// Agents found no suggestion helpful on two tickets of one group: the
	// next run reports them as a gap of their own and proposes nothing twice.
	lost := first.Sources[:2]
	for _, id := range lost {
		e.call(201, agent, post, feedback, feedback, map[string]any{"ticket_id": id, "case_ticket_id": first.Sources[2], "kind": "not_helpful"})
	}
	var again httpapi.MineResponse
	e.call(200, admin, post, mine, mine, nil).json(t, &again)
	if len(again.NewCandidates) != 0 || len(again.Updates) != 0 || again.At.Before(rep.At) {
		t.Errorf("second run: %+v", again)
	}
	unhelped := 0
	for _, g := range again.Gaps {
		if g.Reason != "unhelped" {
			continue
		}
		unhelped++
		if g.Tickets != 2 || !slices.Equal(sorted(g.Examples), sorted(lost)) {
			t.Errorf("unhelped gap %+v, want tickets %v", g, lost)
		}
	}
	if unhelped != 1 {
		t.Errorf("%d unhelped gaps in %+v", unhelped, again.Gaps)
	}

	var g httpapi.GapsResponse
	e.call(200, manager, get, gaps, gaps, nil).json(t, &g)
	if g.MinedAt == nil || !g.MinedAt.Equal(again.At) || len(g.Gaps) != len(again.Gaps) {
		t.Errorf("gaps %+v after the run of %v", g, again.At)
	}
	var list struct {
		Candidates []articles.Candidate `json:"candidates"`
	}
	e.call(200, reviewer, get, "/api/v1/kb/candidates", "/api/v1/kb/candidates?author=deskmine-miner&status=candidate&kind=new", nil).json(t, &list)
	if len(list.Candidates) != len(rep.NewCandidates) {
		t.Errorf("%d mined candidates listed, want %d", len(list.Candidates), len(rep.NewCandidates))
	}
}

func sorted(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

// TestUnknownCaller: handlers that act for someone, or show what depends on
// who asks, refuse a request Identify cannot place.
func TestUnknownCaller(t *testing.T) {
	e := newEnv(t, false)
	step := map[string]any{"note": "x"}
	for _, c := range []struct {
		method, route, path string
		body                any
	}{
		{post, "/api/v1/kb/feedback", "/api/v1/kb/feedback", map[string]any{"ticket_id": 1, "case_ticket_id": 2, "kind": "used"}},
		{get, "/api/v1/kb/search", "/api/v1/kb/search?q=vpn", nil},
		{get, "/api/v1/kb/articles", "/api/v1/kb/articles", nil},
		{get, "/api/v1/kb/articles/{id}", "/api/v1/kb/articles/1", nil},
		{post, "/api/v1/kb/candidates", "/api/v1/kb/candidates", map[string]any{"content": map[string]any{}}},
		{put, "/api/v1/kb/candidates/{id}", "/api/v1/kb/candidates/1", map[string]any{"revision": 1}},
		{post, "/api/v1/kb/candidates/{id}/assign", "/api/v1/kb/candidates/1/assign", step},
		{post, "/api/v1/kb/candidates/{id}/submit", "/api/v1/kb/candidates/1/submit", step},
		{post, "/api/v1/kb/candidates/{id}/approve", "/api/v1/kb/candidates/1/approve", step},
		{post, "/api/v1/kb/candidates/{id}/reject", "/api/v1/kb/candidates/1/reject", step},
		{post, "/api/v1/kb/candidates/{id}/request-changes", "/api/v1/kb/candidates/1/request-changes", step},
		{post, "/api/v1/kb/candidates/{id}/comments", "/api/v1/kb/candidates/1/comments", map[string]any{"body": "x"}},
		{post, "/api/v1/kb/articles/{id}/comments", "/api/v1/kb/articles/1/comments", map[string]any{"body": "x"}},
		{post, "/api/v1/kb/articles/{id}/rollback", "/api/v1/kb/articles/1/rollback", map[string]any{"version": 1}},
		{post, "/api/v1/kb/articles/{id}/archive", "/api/v1/kb/articles/1/archive", step},
		{post, "/api/v1/kb/articles/{id}/unarchive", "/api/v1/kb/articles/1/unarchive", step},
		{post, "/api/v1/kb/articles/{id}/best-practice", "/api/v1/kb/articles/1/best-practice", map[string]any{"on": true}},
	} {
		e.call(401, anonymous, c.method, c.route, c.path, c.body).fail(t, "unauthorized", "")
	}
}

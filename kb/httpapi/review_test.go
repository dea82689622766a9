package httpapi_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/deskmine/deskmine/kb/articles"
	"github.com/deskmine/deskmine/kb/httpapi"
)

// Route templates of the review workflow.
const (
	candidatesR    = "/api/v1/kb/candidates"
	candidateR     = "/api/v1/kb/candidates/{id}"
	candHistoryR   = "/api/v1/kb/candidates/{id}/history"
	assignR        = "/api/v1/kb/candidates/{id}/assign"
	submitR        = "/api/v1/kb/candidates/{id}/submit"
	approveR       = "/api/v1/kb/candidates/{id}/approve"
	rejectR        = "/api/v1/kb/candidates/{id}/reject"
	changesR       = "/api/v1/kb/candidates/{id}/request-changes"
	candCommentsR  = "/api/v1/kb/candidates/{id}/comments"
	articlesR      = "/api/v1/kb/articles"
	articleR       = "/api/v1/kb/articles/{id}"
	versionsR      = "/api/v1/kb/articles/{id}/versions"
	versionR       = "/api/v1/kb/articles/{id}/versions/{n}"
	diffR          = "/api/v1/kb/articles/{id}/diff"
	artHistoryR    = "/api/v1/kb/articles/{id}/history"
	rollbackR      = "/api/v1/kb/articles/{id}/rollback"
	archiveR       = "/api/v1/kb/articles/{id}/archive"
	unarchiveR     = "/api/v1/kb/articles/{id}/unarchive"
	bestPracticeR  = "/api/v1/kb/articles/{id}/best-practice"
	artCommentsR   = "/api/v1/kb/articles/{id}/comments"
	candidatesPath = "/api/v1/kb/candidates"
)

func cpath(id int64, tail string) string { return fmt.Sprintf("/api/v1/kb/candidates/%d%s", id, tail) }
func apath(id int64, tail string) string { return fmt.Sprintf("/api/v1/kb/articles/%d%s", id, tail) }

func content(title, problem string, steps []string, lang string) map[string]any {
	return map[string]any{"title": title, "problem": problem, "steps": steps, "lang": lang,
		"symptoms": []string{"the connection drops"}, "tags": []string{"vpn"}, "categories": []string{"Access"}}
}

// publish drafts a candidate as the agent, submits it to the reviewer and
// has the reviewer approve it.
func publish(t *testing.T, e *env, c map[string]any) articles.Article {
	t.Helper()
	var cand articles.Candidate
	e.call(201, agent, post, candidatesR, candidatesPath, map[string]any{"content": c}).json(t, &cand)
	e.call(200, agent, post, submitR, cpath(cand.ID, "/submit"), map[string]any{"reviewer": reviewer.Login})
	var art articles.Article
	e.call(200, reviewer, post, approveR, cpath(cand.ID, "/approve"), nil).json(t, &art)
	return art
}

func actions(h []articles.Transition) []string {
	var out []string
	for _, x := range h {
		out = append(out, string(x.Action))
	}
	return out
}

func TestReviewWorkflow(t *testing.T) {
	e := newEnv(t, false)
	vpn := content("Reset an expired VPN token", "The VPN client rejects the token after it expires.",
		[]string{"Open the token portal.", "Reset the VPN token.", "Reconnect the VPN client."}, "en")

	// Draft, then submit naming a reviewer.
	var c articles.Candidate
	e.call(201, agent, post, candidatesR, candidatesPath, map[string]any{"content": vpn, "sources": []int64{9, 10, 9}, "evidence": 2,
		"consistency": 0.8}).json(t, &c)
	if c.ID <= 0 || c.Status != articles.StatusCandidate || c.Author != agent.Login || c.Kind != articles.KindNew ||
		!slices.Equal(c.Sources, []int64{9, 10}) || c.Revision <= 0 {
		t.Fatalf("created %+v", c)
	}
	e.call(200, agent, post, submitR, cpath(c.ID, "/submit"), map[string]any{"reviewer": reviewer.Login, "note": "please check"}).json(t, &c)
	if c.Status != articles.StatusInReview || c.Reviewer != reviewer.Login {
		t.Fatalf("submitted %+v", c)
	}

	// The reviewer asks for changes: a reason is required.
	e.call(422, reviewer, post, changesR, cpath(c.ID, "/request-changes"), map[string]any{}).fail(t, "invalid_field", "note")
	e.call(200, reviewer, post, changesR, cpath(c.ID, "/request-changes"), map[string]any{"note": "add how to reconnect"}).json(t, &c)
	if c.Status != articles.StatusChangesRequested {
		t.Fatalf("changes requested: %+v", c)
	}

	// The author edits at the revision read; a stale one is refused.
	stale := c.Revision - 1
	vpn["steps"] = []string{"Open the token portal.", "Reset the VPN token.", "Restart the VPN client and reconnect."}
	e.call(409, agent, put, candidateR, cpath(c.ID, ""), map[string]any{"content": vpn, "revision": stale}).fail(t, "conflict", "")
	rev := c.Revision
	e.call(200, agent, put, candidateR, cpath(c.ID, ""), map[string]any{"content": vpn, "revision": rev}).json(t, &c)
	if c.Revision <= rev || c.Content.Steps[2] != "Restart the VPN client and reconnect." || c.Status != articles.StatusChangesRequested {
		t.Fatalf("edited %+v", c)
	}
	// An old revision stays stale after the edit too.
	e.call(409, agent, put, candidateR, cpath(c.ID, ""), map[string]any{"content": vpn, "revision": rev}).fail(t, "conflict", "")
	e.call(422, agent, put, candidateR, cpath(c.ID, ""), map[string]any{"content": map[string]any{"title": "VPN", "problem": "x",
		"steps": []string{"a", " "}, "lang": "en"}, "revision": c.Revision}).fail(t, "invalid_field", "content.steps[1]")

	// Resubmit (no body: the reviewer stays), approve: article v1.
	e.call(200, agent, post, submitR, cpath(c.ID, "/submit"), nil).json(t, &c)
	if c.Status != articles.StatusInReview || c.Reviewer != reviewer.Login {
		t.Fatalf("resubmitted %+v", c)
	}
	var art articles.Article
	e.call(200, reviewer, post, approveR, cpath(c.ID, "/approve"), map[string]any{"note": "clear and tested"}).json(t, &art)
	if art.ID <= 0 || art.CurrentVersion != 1 || art.Status != articles.ArticlePublished || art.Content.Title != "Reset an expired VPN token" {
		t.Fatalf("approved: %+v", art)
	}
	e.call(200, agent, get, candidateR, cpath(c.ID, ""), nil).json(t, &c)
	if c.Status != articles.StatusApproved || c.ArticleID != art.ID {
		t.Errorf("approved candidate %+v", c)
	}
	e.call(409, agent, put, candidateR, cpath(c.ID, ""), map[string]any{"content": vpn, "revision": c.Revision}).fail(t, "conflict", "")
	e.call(409, agent, post, candCommentsR, cpath(c.ID, "/comments"), map[string]any{"body": "late"}).fail(t, "conflict", "")
	e.call(409, reviewer, post, approveR, cpath(c.ID, "/approve"), nil).fail(t, "conflict", "")

	var hist struct {
		History []articles.Transition `json:"history"`
	}
	e.call(200, manager, get, candHistoryR, cpath(c.ID, "/history"), nil).json(t, &hist)
	want := []string{"create", "assign", "submit", "request_changes", "edit", "submit", "approve"}
	if !slices.Equal(actions(hist.History), want) {
		t.Errorf("candidate history %v, want %v", actions(hist.History), want)
	}
	if h := hist.History[3]; h.Actor != reviewer.Login || h.Note != "add how to reconnect" || h.From != "in_review" || h.To != "changes_requested" {
		t.Errorf("request-changes step %+v", h)
	}

	// An update candidate: assigned by a reviewer, then approved: v2.
	upd := content("Reset an expired VPN token", "The VPN client rejects the token after it expires.",
		[]string{"Open the token portal.", "Reset the VPN token.", "Restart the VPN client and reconnect.", "Check the connection log."}, "en")
	var u articles.Candidate
	e.call(201, manager, post, candidatesR, candidatesPath, map[string]any{"kind": "update", "target_article_id": art.ID, "content": upd}).json(t, &u)
	e.call(200, reviewer, post, assignR, cpath(u.ID, "/assign"), map[string]any{"reviewer": reviewer2.Login}).json(t, &u)
	if u.Reviewer != reviewer2.Login || u.Kind != articles.KindUpdate || u.TargetArticleID != art.ID {
		t.Fatalf("update candidate %+v", u)
	}
	e.call(200, manager, post, submitR, cpath(u.ID, "/submit"), nil)
	e.call(200, reviewer2, post, approveR, cpath(u.ID, "/approve"), nil).json(t, &art)
	if art.CurrentVersion != 2 || len(art.Content.Steps) != 4 {
		t.Fatalf("after the update: %+v", art)
	}

	var vs struct {
		Versions []articles.Version `json:"versions"`
	}
	e.call(200, agent, get, versionsR, apath(art.ID, "/versions"), nil).json(t, &vs)
	if len(vs.Versions) != 2 || vs.Versions[0].Number != 1 || vs.Versions[1].ApprovedBy != reviewer2.Login || vs.Versions[1].SourceCandidateID != u.ID {
		t.Errorf("versions %+v", vs.Versions)
	}
	var v1 articles.Version
	e.call(200, reviewer, get, versionR, apath(art.ID, "/versions/1"), nil).json(t, &v1)
	if v1.Number != 1 || len(v1.Content.Steps) != 3 || v1.Author != agent.Login || v1.ApprovedBy != reviewer.Login {
		t.Errorf("version 1: %+v", v1)
	}

	// The diff shows the added step, as a hunk and in the unified text.
	var d articles.Diff
	e.call(200, agent, get, diffR, apath(art.ID, "/diff?from=1&to=2"), nil).json(t, &d)
	var inserted []string
	for _, h := range d.Hunks {
		if h.Op == articles.OpInsert {
			inserted = append(inserted, h.Text)
		}
		if h.Op == articles.OpDelete {
			t.Errorf("nothing was deleted from v1 to v2: %+v", h)
		}
	}
	if d.From != 1 || d.To != 2 || strings.Join(inserted, "") != "4. Check the connection log.\n" ||
		!strings.Contains(d.Unified, "+4. Check the connection log.") {
		t.Errorf("diff %+v", d)
	}

	// Roll back to v1: a new v3, a copy of v1.
	e.call(200, reviewer, post, rollbackR, apath(art.ID, "/rollback"), map[string]any{"version": 1, "note": "the log step confused people"}).json(t, &art)
	if art.CurrentVersion != 3 || len(art.Content.Steps) != 3 {
		t.Fatalf("after the rollback: %+v", art)
	}
	var v3 articles.Version
	e.call(200, reviewer, get, versionR, apath(art.ID, "/versions/3"), nil).json(t, &v3)
	if v3.RollbackOf != 1 || v3.Author != reviewer.Login || !slices.Equal(v3.Content.Steps, v1.Content.Steps) {
		t.Errorf("version 3: %+v", v3)
	}
	e.call(409, reviewer, post, rollbackR, apath(art.ID, "/rollback"), map[string]any{"version": 3}).fail(t, "conflict", "")
	e.call(404, reviewer, post, rollbackR, apath(art.ID, "/rollback"), map[string]any{"version": 9}).fail(t, "not_found", "")
	e.call(200, agent, get, diffR, apath(art.ID, "/diff?from=1&to=3"), nil).json(t, &d)
	if d.Unified != "" || slices.ContainsFunc(d.Hunks, func(h articles.Hunk) bool { return h.Op != articles.OpEqual }) {
		t.Errorf("v3 is a copy of v1, but the diff is %+v", d)
	}

	// Comments on the article: staff see them, clients do not.
	var cm articles.Comment
	e.call(201, agent, post, artCommentsR, apath(art.ID, "/comments"), map[string]any{"body": "customers ask about step 2"}).json(t, &cm)
	if cm.ID <= 0 || cm.Entity != "article" || cm.EntityID != art.ID || cm.Author != agent.Login {
		t.Errorf("comment %+v", cm)
	}
	e.call(422, agent, post, artCommentsR, apath(art.ID, "/comments"), map[string]any{"body": " "}).fail(t, "invalid_field", "body")
	var got articles.Article
	e.call(200, manager, get, articleR, apath(art.ID, ""), nil).json(t, &got)
	if len(got.Comments) != 1 || got.Comments[0].Body != "customers ask about step 2" {
		t.Errorf("staff read comments %+v", got.Comments)
	}
	got = articles.Article{}
	e.call(200, client, get, articleR, apath(art.ID, ""), nil).json(t, &got)
	if got.ID != art.ID || len(got.Comments) != 0 {
		t.Errorf("a client read %+v", got)
	}

	// Best practice, then archive and unarchive.
	e.call(200, reviewer, post, bestPracticeR, apath(art.ID, "/best-practice"), map[string]any{"on": true}).json(t, &art)
	if !art.BestPractice {
		t.Error("best practice not set")
	}
	e.call(400, reviewer, post, bestPracticeR, apath(art.ID, "/best-practice"), map[string]any{}).fail(t, "invalid_parameter", "on")
	var list struct {
		Articles []articles.Article `json:"articles"`
	}
	e.call(200, agent, get, articlesR, articlesR+"?best_practice=true&tag=VPN&category=access", nil).json(t, &list)
	if len(list.Articles) != 1 || list.Articles[0].ID != art.ID {
		t.Errorf("best-practice VPN articles: %+v", list.Articles)
	}
	list.Articles = nil
	e.call(200, agent, get, articlesR, articlesR+"?best_practice=false", nil).json(t, &list)
	if len(list.Articles) != 0 {
		t.Errorf("not best practice: %+v", list.Articles)
	}

	e.call(200, reviewer, post, archiveR, apath(art.ID, "/archive"), map[string]any{"note": "replaced by the new portal"}).json(t, &art)
	if art.Status != articles.ArticleArchived {
		t.Fatalf("archived %+v", art)
	}
	var res httpapi.SearchResponse
	e.call(200, agent, get, "/api/v1/kb/search", "/api/v1/kb/search?q=token", nil).json(t, &res)
	if res.Total != 0 {
		t.Errorf("an archived article is still found: %+v", res)
	}
	e.call(404, client, get, articleR, apath(art.ID, ""), nil).fail(t, "not_found", "")
	e.call(200, agent, get, articleR, apath(art.ID, ""), nil)
	list.Articles = nil
	e.call(200, client, get, articlesR, articlesR, nil).json(t, &list)
	if len(list.Articles) != 0 {
		t.Errorf("a client lists an archived article: %+v", list.Articles)
	}
	e.call(403, client, get, articlesR, articlesR+"?status=archived", nil).fail(t, "forbidden", "")
	list.Articles = nil
	e.call(200, manager, get, articlesR, articlesR+"?status=archived", nil).json(t, &list)
	if len(list.Articles) != 1 {
		t.Errorf("archived articles: %+v", list.Articles)
	}
	e.call(409, reviewer, post, archiveR, apath(art.ID, "/archive"), nil).fail(t, "conflict", "")
	e.call(409, reviewer, post, rollbackR, apath(art.ID, "/rollback"), map[string]any{"version": 2}).fail(t, "conflict", "")
	e.call(200, admin, post, unarchiveR, apath(art.ID, "/unarchive"), nil).json(t, &art)
	if art.Status != articles.ArticlePublished {
		t.Fatalf("unarchived %+v", art)
	}
	res = httpapi.SearchResponse{}
	e.call(200, client, get, "/api/v1/kb/search", "/api/v1/kb/search?q=token", nil).json(t, &res)
	if res.Total != 1 || res.Hits[0].Version != 3 {
		t.Errorf("an unarchived article is not found at v3: %+v", res)
	}
	e.call(409, admin, post, unarchiveR, apath(art.ID, "/unarchive"), nil).fail(t, "conflict", "")

	var ah struct {
		History []articles.Transition `json:"history"`
	}
	e.call(200, agent, get, artHistoryR, apath(art.ID, "/history"), nil).json(t, &ah)
	want = []string{"publish", "add_version", "rollback", "best_practice", "archive", "unarchive"}
	if !slices.Equal(actions(ah.History), want) {
		t.Errorf("article history %v, want %v", actions(ah.History), want)
	}

	// A candidate's comments come with it; a rejected one is final.
	var r articles.Candidate
	e.call(201, agent, post, candidatesR, candidatesPath, map[string]any{"content": content("Printer offline after the update",
		"The printer shows offline.", []string{"Reinstall the driver."}, "en")}).json(t, &r)
	e.call(201, reviewer, post, candCommentsR, cpath(r.ID, "/comments"), map[string]any{"body": "is this the same as #12?"}).json(t, &cm)
	e.call(200, agent, get, candidateR, cpath(r.ID, ""), nil).json(t, &r)
	if len(r.Comments) != 1 || r.Comments[0].Author != reviewer.Login || r.Comments[0].Entity != "candidate" {
		t.Errorf("candidate comments %+v", r.Comments)
	}
	e.call(200, agent, post, submitR, cpath(r.ID, "/submit"), map[string]any{"reviewer": reviewer.Login})
	e.call(422, reviewer, post, rejectR, cpath(r.ID, "/reject"), nil).fail(t, "invalid_field", "note")
	e.call(200, reviewer, post, rejectR, cpath(r.ID, "/reject"), map[string]any{"note": "duplicate of the driver article"}).json(t, &r)
	if r.Status != articles.StatusRejected {
		t.Errorf("rejected %+v", r)
	}
	e.call(409, agent, post, submitR, cpath(r.ID, "/submit"), nil).fail(t, "conflict", "")

	var cl struct {
		Candidates []articles.Candidate `json:"candidates"`
	}
	e.call(200, agent, get, candidatesR, candidatesR+"?status=rejected", nil).json(t, &cl)
	if len(cl.Candidates) != 1 || cl.Candidates[0].ID != r.ID {
		t.Errorf("rejected candidates %+v", cl.Candidates)
	}
	cl.Candidates = nil
	e.call(200, agent, get, candidatesR, candidatesR+"?limit=2&offset=1", nil).json(t, &cl)
	if len(cl.Candidates) != 2 || cl.Candidates[0].ID != u.ID {
		t.Errorf("second page of candidates %+v (want from %d)", cl.Candidates, u.ID)
	}
}

func TestReviewPermissions(t *testing.T) {
	e := newEnv(t, false)
	var c articles.Candidate
	e.call(201, agent, post, candidatesR, candidatesPath, map[string]any{"content": content("Printer offline after the update",
		"The printer shows offline.", []string{"Reinstall the driver."}, "en")}).json(t, &c)
	// Submitting needs a reviewer.
	e.call(422, agent, post, submitR, cpath(c.ID, "/submit"), nil).fail(t, "invalid_field", "reviewer")
	e.call(200, agent, post, submitR, cpath(c.ID, "/submit"), map[string]any{"reviewer": reviewer.Login})

	// Only the assigned reviewer (or an admin) decides; the route's roles
	// are the server's to check, the assignment the store's.
	e.call(403, agent, post, approveR, cpath(c.ID, "/approve"), nil).fail(t, "forbidden", "")
	e.call(403, reviewer2, post, approveR, cpath(c.ID, "/approve"), nil).fail(t, "forbidden", "")
	e.call(403, reviewer2, post, rejectR, cpath(c.ID, "/reject"), map[string]any{"note": "no"}).fail(t, "forbidden", "")
	e.call(403, agent, post, assignR, cpath(c.ID, "/assign"), map[string]any{"reviewer": agent.Login}).fail(t, "forbidden", "")
	var art articles.Article
	e.call(200, admin, post, approveR, cpath(c.ID, "/approve"), nil).json(t, &art)
	var v articles.Version
	e.call(200, agent, get, versionR, apath(art.ID, "/versions/1"), nil).json(t, &v)
	if v.ApprovedBy != admin.Login {
		t.Errorf("an admin approving in the reviewer's place: %+v", v)
	}
	e.call(403, agent, post, archiveR, apath(art.ID, "/archive"), nil).fail(t, "forbidden", "")
	e.call(403, manager, post, bestPracticeR, apath(art.ID, "/best-practice"), map[string]any{"on": true}).fail(t, "forbidden", "")
	e.call(403, client, post, candidatesR, candidatesPath, map[string]any{"content": content("Printer offline", "x", []string{"y"}, "en")}).
		fail(t, "forbidden", "")

	// Bad ids and unknown ids.
	for _, p := range []struct{ route, path, field string }{
		{candidateR, "/api/v1/kb/candidates/abc", "id"},
		{candidateR, "/api/v1/kb/candidates/0", "id"},
		{candHistoryR, "/api/v1/kb/candidates/-3/history", "id"},
		{articleR, "/api/v1/kb/articles/1e3", "id"},
		{versionsR, "/api/v1/kb/articles/x/versions", "id"},
		{versionR, apath(art.ID, "/versions/first"), "n"},
		{versionR, apath(art.ID, "/versions/0"), "n"},
		{diffR, apath(art.ID, "/diff?from=1"), "to"},
		{diffR, apath(art.ID, "/diff?from=one&to=1"), "from"},
		{articlesR, articlesR + "?limit=501", "limit"},
		{articlesR, articlesR + "?offset=-1", "offset"},
		{articlesR, articlesR + "?best_practice=maybe", "best_practice"},
		{candidatesR, candidatesR + "?limit=ten", "limit"},
	} {
		e.call(400, agent, get, p.route, p.path, nil).fail(t, "invalid_parameter", p.field)
	}
	for _, p := range []struct{ route, path string }{
		{candidateR, cpath(999999, "")},
		{candHistoryR, cpath(999999, "/history")},
		{articleR, apath(999999, "")},
		{versionsR, apath(999999, "/versions")},
		{versionR, apath(art.ID, "/versions/7")},
		{diffR, apath(art.ID, "/diff?from=1&to=7")},
		{artHistoryR, apath(999999, "/history")},
	} {
		e.call(404, agent, get, p.route, p.path, nil).fail(t, "not_found", "")
	}
	e.call(404, reviewer, post, approveR, cpath(999999, "/approve"), nil).fail(t, "not_found", "")
	e.call(404, agent, post, candCommentsR, cpath(999999, "/comments"), map[string]any{"body": "x"}).fail(t, "not_found", "")
	e.call(404, agent, put, candidateR, cpath(999999, ""), map[string]any{"content": content("Printer offline", "x", []string{"y"}, "en"),
		"revision": 1}).fail(t, "not_found", "")
	e.call(404, reviewer, post, archiveR, apath(999999, "/archive"), nil).fail(t, "not_found", "")
	e.call(400, reviewer, post, approveR, "/api/v1/kb/candidates/zero/approve", nil).fail(t, "invalid_parameter", "id")

	// Steps that do not apply, or lack what they need.
	var d articles.Candidate
	e.call(201, agent, post, candidatesR, candidatesPath, map[string]any{"content": content("VPN slow at night",
		"The VPN is slow after 20:00.", []string{"Switch to the second gateway."}, "en")}).json(t, &d)
	e.call(422, reviewer, post, assignR, cpath(d.ID, "/assign"), nil).fail(t, "invalid_field", "reviewer")
	e.call(409, reviewer, post, rejectR, cpath(d.ID, "/reject"), map[string]any{"note": "not in review"}).fail(t, "conflict", "")
	e.call(409, reviewer, post, changesR, cpath(d.ID, "/request-changes"), map[string]any{"note": "not in review"}).fail(t, "conflict", "")
	e.call(200, reviewer, post, assignR, cpath(d.ID, "/assign"), map[string]any{"reviewer": reviewer.Login})
	// Replacing the assigned reviewer is an assignment: not an agent's.
	e.call(403, agent, post, submitR, cpath(d.ID, "/submit"), map[string]any{"reviewer": reviewer2.Login}).fail(t, "forbidden", "")
	e.call(422, agent, post, candCommentsR, cpath(d.ID, "/comments"), map[string]any{"body": ""}).fail(t, "invalid_field", "body")
	e.call(409, reviewer, post, assignR, cpath(c.ID, "/assign"), map[string]any{"reviewer": reviewer2.Login}).fail(t, "conflict", "")
	e.call(404, reviewer, post, assignR, cpath(999999, "/assign"), map[string]any{"reviewer": reviewer2.Login}).fail(t, "not_found", "")
	e.call(404, reviewer, post, rejectR, cpath(999999, "/reject"), map[string]any{"note": "x"}).fail(t, "not_found", "")
	e.call(404, reviewer, post, unarchiveR, apath(999999, "/unarchive"), nil).fail(t, "not_found", "")
	e.call(404, reviewer, post, bestPracticeR, apath(999999, "/best-practice"), map[string]any{"on": false}).fail(t, "not_found", "")
	e.call(404, agent, post, artCommentsR, apath(999999, "/comments"), map[string]any{"body": "x"}).fail(t, "not_found", "")
	e.call(422, reviewer, post, archiveR, apath(art.ID, "/archive"), map[string]any{"note": strings.Repeat("n", 2001)}).
		fail(t, "invalid_field", "note")
	e.call(422, reviewer, post, rollbackR, apath(art.ID, "/rollback"), map[string]any{"version": 1, "note": strings.Repeat("n", 2001)}).
		fail(t, "invalid_field", "note")
	e.call(400, agent, get, artHistoryR, "/api/v1/kb/articles/abc/history", nil).fail(t, "invalid_parameter", "id")
	e.call(400, agent, post, submitR, "/api/v1/kb/candidates/1.5/submit", nil).fail(t, "invalid_parameter", "id")

	// Bad bodies: the field named, whatever the route.
	e.call(400, agent, post, candidatesR, candidatesPath, map[string]any{"content": content("Printer offline", "x", []string{"y"}, "en"),
		"miner_key": "forged"}).fail(t, "invalid_parameter", "miner_key")
	e.call(400, agent, post, candidatesR, candidatesPath, map[string]any{"content": content("Printer offline", "x", []string{"y"}, "en"),
		"priority": "high"}).fail(t, "invalid_parameter", "priority")
	e.call(400, agent, post, candidatesR, candidatesPath, map[string]any{"content": map[string]any{"title": 7}}).
		fail(t, "invalid_parameter", "content.title")
	e.call(422, agent, post, candidatesR, candidatesPath, map[string]any{"content": content("ab", "x", []string{"y"}, "en")}).
		fail(t, "invalid_field", "content.title")
	e.call(422, agent, post, candidatesR, candidatesPath, map[string]any{"kind": "update", "target_article_id": 999999,
		"content": content("Printer offline", "x", []string{"y"}, "en")}).fail(t, "invalid_field", "target_article_id")
	e.call(400, agent, put, candidateR, cpath(c.ID, ""), map[string]any{"content": content("Printer offline", "x", []string{"y"}, "en")}).
		fail(t, "invalid_parameter", "revision")
	e.call(400, agent, put, candidateR, cpath(c.ID, ""), map[string]any{"content": content("Printer offline", "x", []string{"y"}, "en"),
		"revision": "3"}).fail(t, "invalid_parameter", "revision")
	e.call(400, reviewer, post, assignR, cpath(c.ID, "/assign"), map[string]any{"reviewers": []string{"qa.wu"}}).fail(t, "invalid_parameter", "reviewers")
	e.call(400, reviewer, post, rollbackR, apath(art.ID, "/rollback"), map[string]any{"note": "no version"}).fail(t, "invalid_parameter", "version")
	e.call(400, reviewer, post, bestPracticeR, apath(art.ID, "/best-practice"), map[string]any{"on": "yes"}).fail(t, "invalid_parameter", "on")
	// A form post cannot act with a session cookie, not even without fields.
	e.call(415, reviewer, post, archiveR, apath(art.ID, "/archive"), "", "Content-Type", "application/x-www-form-urlencoded").
		fail(t, "unsupported_media_type", "Content-Type")
	e.call(200, agent, get, articleR, apath(art.ID, ""), nil).json(t, &art)
	if art.Status != articles.ArticlePublished {
		t.Errorf("a refused form post archived the article: %+v", art)
	}
}

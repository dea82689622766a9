package dashboards

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deskmine/deskmine/kb"
	"github.com/deskmine/deskmine/kb/articles"
	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/auth"
)

// kbFakeSessions accepts a fixed session secret per user.
type kbFakeSessions struct{ users map[string]*auth.User }

func (f *kbFakeSessions) Login(context.Context, string, string) (string, *auth.User, error) {
	return "", nil, auth.ErrUnauthorized
}

func (f *kbFakeSessions) AuthenticateSession(_ context.Context, secret string) (*auth.User, error) {
	if u, ok := f.users[secret]; ok {
		return u, nil
	}
	return nil, auth.ErrUnauthorized
}

func (f *kbFakeSessions) Logout(context.Context, string) error { return nil }
func (f *kbFakeSessions) SessionTTL() time.Duration            { return time.Hour }

var errKBUnused = errors.New("not used by the knowledge-base screens")

// kbFakeTickets serves the source tickets by id.
type kbFakeTickets struct {
	tickets map[int64]*ticketcore.Ticket
	gets    atomic.Int32
}

func (f *kbFakeTickets) Get(_ context.Context, id int64) (*ticketcore.Ticket, error) {
	f.gets.Add(1)
	t, ok := f.tickets[id]
	if !ok {
		return nil, ticketcore.NotFound("ticket", id)
	}
	cp := *t
	return &cp, nil
}

func (f *kbFakeTickets) List(context.Context, ticketcore.ListQuery) (ticketcore.ListPage, error) {
	return ticketcore.ListPage{}, errKBUnused
}

func (f *kbFakeTickets) Comments(context.Context, int64, bool) ([]ticketcore.TicketComment, error) {
	return nil, errKBUnused
}

func (f *kbFakeTickets) History(context.Context, int64) ([]ticketcore.HistoryEntry, error) {
	return nil, errKBUnused
}

func (f *kbFakeTickets) Comment(context.Context, ticketcore.Actor, int64, string, bool) (*ticketcore.Ticket, error) {
	return nil, errKBUnused
}

func (f *kbFakeTickets) Transition(context.Context, ticketcore.Actor, int64, int64, ticketcore.TransitionInput) (*ticketcore.Ticket, error) {
	return nil, errKBUnused
}

func (f *kbFakeTickets) Workflow() ticketcore.Workflow { return ticketcore.Workflow{} }

// kbFakeKnowledge wraps a real article store and counts index syncs.
type kbFakeKnowledge struct {
	store articles.Store
	syncs atomic.Int32
}

func (f *kbFakeKnowledge) Similar(context.Context, kb.SimilarRequest) (*kb.Similar, error) {
	return nil, errKBUnused
}

func (f *kbFakeKnowledge) RecordFeedback(ctx context.Context, actor articles.Actor, fb articles.Feedback) (articles.Feedback, error) {
	return f.store.RecordFeedback(ctx, actor, fb)
}

func (f *kbFakeKnowledge) Articles() articles.Store { return f.store }

func (f *kbFakeKnowledge) SyncArticles(context.Context) error {
	f.syncs.Add(1)
	return nil
}

// Session secrets of the cast.
const (
	kbRita  = "secret-rita"  // reviewer
	kbRob   = "secret-rob"   // reviewer
	kbMax   = "secret-max"   // manager
	kbAlice = "secret-alice" // agent
	kbAda   = "secret-ada"   // admin
)

type kbEnv struct {
	t       *testing.T
	ctx     context.Context
	srv     *Server
	store   articles.Store
	kn      *kbFakeKnowledge
	tickets *kbFakeTickets
	alice   articles.Actor
	ada     articles.Actor
}

func kbSetup(t *testing.T) *kbEnv {
	t.Helper()
	ctx := context.Background()
	store, err := articles.Open(ctx, filepath.Join(t.TempDir(), "kb.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	users := map[string]*auth.User{
		kbRita:  {ID: 3, Login: "rita", Role: auth.RoleReviewer},
		kbRob:   {ID: 4, Login: "rob", Role: auth.RoleReviewer},
		kbMax:   {ID: 2, Login: "max", Role: auth.RoleManager},
		kbAlice: {ID: 1, Login: "alice", Role: auth.RoleAgent},
		kbAda:   {ID: 5, Login: "ada", Role: auth.RoleAdmin},
	}
	tickets := &kbFakeTickets{tickets: map[int64]*ticketcore.Ticket{}}
	for id := int64(101); id <= 130; id++ {
		tickets.tickets[id] = &ticketcore.Ticket{ID: id, Subject: fmt.Sprintf("Printer jams on tray %d", id),
			Category: "hardware", Product: "LaserJet", Status: "closed", Resolution: fmt.Sprintf("Cleaned roller %d", id)}
	}
	tickets.tickets[140] = &ticketcore.Ticket{ID: 140, Subject: "<script>alert(1)</script>", Status: "closed"}
	kn := &kbFakeKnowledge{store: store}
	srv, err := New(Options{Auth: &kbFakeSessions{users: users}, Tickets: tickets, Knowledge: kn})
	if err != nil {
		t.Fatalf("new server: %v", err)
	}
	return &kbEnv{t: t, ctx: ctx, srv: srv, store: store, kn: kn, tickets: tickets,
		alice: articles.Actor{ID: 1, Login: "alice", Role: articles.RoleAgent},
		ada:   articles.Actor{ID: 5, Login: "ada", Role: articles.RoleAdmin}}
}

func kbContent(title string, steps ...string) articles.Content {
	if len(steps) == 0 {
		steps = []string{"Open the tray", "Remove the jammed paper"}
	}
	return articles.Content{Title: title, Problem: "Paper jams when printing.", Symptoms: []string{"Blinking light"},
		Steps: steps, Tags: []string{"printer"}, Products: []string{"LaserJet"}, Categories: []string{"hardware"}, Lang: "en"}
}

// candidate creates a candidate drafted by alice.
func (e *kbEnv) candidate(in articles.CandidateInput) articles.Candidate {
	e.t.Helper()
	if in.Evidence == 0 {
		in.Evidence = len(in.Sources)
	}
	c, _, err := e.store.CreateCandidate(e.ctx, e.alice, in)
	if err != nil {
		e.t.Fatalf("create candidate: %v", err)
	}
	return c
}

func (e *kbEnv) get(path, secret string, header ...string) *httptest.ResponseRecorder {
	e.t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: secret})
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(rec, req)
	return rec
}

// post sends a form with the session's own CSRF token.
func (e *kbEnv) post(path, secret string, form url.Values) *httptest.ResponseRecorder {
	e.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form[csrfField]; !ok {
		form.Set(csrfField, csrfToken(secret))
	}
	return e.postRaw(path, secret, form)
}

func (e *kbEnv) postRaw(path, secret string, form url.Values) *httptest.ResponseRecorder {
	e.t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: secret})
	rec := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(rec, req)
	return rec
}

func (e *kbEnv) status(id int64) articles.Candidate {
	e.t.Helper()
	c, err := e.store.GetCandidate(e.ctx, id)
	if err != nil {
		e.t.Fatalf("get candidate %d: %v", id, err)
	}
	return c
}

func kbCandLink(id int64) string { return fmt.Sprintf(`href="/ui/kb/candidates/%d"`, id) }

// review walks a candidate to in_review with rita as its reviewer.
func (e *kbEnv) toReview(id int64) {
	e.t.Helper()
	want(e.t, e.post(fmt.Sprintf("/ui/kb/candidates/%d/assign", id), kbRita, nil), http.StatusSeeOther)
	want(e.t, e.post(fmt.Sprintf("/ui/kb/candidates/%d/submit", id), kbRita, nil), http.StatusSeeOther)
	if got := e.status(id); got.Status != articles.StatusInReview || got.Reviewer != "rita" {
		e.t.Fatalf("candidate %d is %s with reviewer %q, want in_review with rita", id, got.Status, got.Reviewer)
	}
}

func TestKBQueueFilters(t *testing.T) {
	e := kbSetup(t)
	open := e.candidate(articles.CandidateInput{Content: kbContent("Printer jams"), Sources: []int64{101, 102}, Consistency: 0.8})
	mine := e.candidate(articles.CandidateInput{Content: kbContent("Toner smears")})
	gone := e.candidate(articles.CandidateInput{Content: kbContent("Wi-Fi drops")})
	e.toReview(mine.ID)
	e.toReview(gone.ID)
	want(t, e.post(fmt.Sprintf("/ui/kb/candidates/%d/reject", gone.ID), kbRita, url.Values{"note": {"duplicate"}}), http.StatusSeeOther)

	body := want(t, e.get("/ui/kb", kbRita), http.StatusOK, kbCandLink(open.ID), kbCandLink(mine.ID), "Printer jams", "80.0%",
		`data-export="kb-queue"`, `class="sortable"`)
	if strings.Contains(body, kbCandLink(gone.ID)) {
		t.Errorf("default queue shows the rejected candidate")
	}
	body = want(t, e.get("/ui/kb?status=rejected", kbRita), http.StatusOK, kbCandLink(gone.ID))
	if strings.Contains(body, kbCandLink(open.ID)) || strings.Contains(body, kbCandLink(mine.ID)) {
		t.Errorf("status=rejected shows open candidates")
	}
	want(t, e.get("/ui/kb?status=all", kbRita), http.StatusOK, kbCandLink(open.ID), kbCandLink(mine.ID), kbCandLink(gone.ID))
	body = want(t, e.get("/ui/kb?mine=1", kbRita), http.StatusOK, kbCandLink(mine.ID))
	if strings.Contains(body, kbCandLink(open.ID)) {
		t.Errorf("mine=1 shows a candidate without reviewer")
	}
	body = want(t, e.get("/ui/kb?mine=1", kbRob), http.StatusOK, "No candidate matches")
	if strings.Contains(body, kbCandLink(mine.ID)) {
		t.Errorf("mine=1 for rob shows rita's candidate")
	}
	want(t, e.get("/ui/kb?kind=update", kbRita), http.StatusOK, "No candidate matches")
	want(t, e.get("/ui/kb?status=in_review&kind=new", kbRita), http.StatusOK, kbCandLink(mine.ID))
	want(t, e.get("/ui/kb?limit=1&status=all", kbRita), http.StatusOK, kbCandLink(open.ID), "Only the first 1 rows")

	want(t, e.get("/ui/kb?status=done", kbRita), http.StatusBadRequest, "<strong>status</strong>")
	want(t, e.get("/ui/kb?kind=old", kbRita), http.StatusBadRequest, "<strong>kind</strong>")
	want(t, e.get("/ui/kb?mine=yes", kbRita), http.StatusBadRequest, "<strong>mine</strong>")
	want(t, e.get("/ui/kb?limit=0", kbRita), http.StatusBadRequest, "<strong>limit</strong>")

	// The same screen in Chinese.
	want(t, e.get("/ui/kb", kbRita, "Accept-Language", "zh-CN,zh;q=0.9"), http.StatusOK, "审核队列", "待处理")
}

func TestKBCandidatePageShowsSources(t *testing.T) {
	e := kbSetup(t)
	c := e.candidate(articles.CandidateInput{Content: kbContent("Printer jams"), Sources: []int64{101, 102, 140, 999}})
	body := want(t, e.get(fmt.Sprintf("/ui/kb/candidates/%d", c.ID), kbRita), http.StatusOK,
		"Printer jams on tray 101", "Printer jams on tray 102", `href="/ui/tickets/101"`, "Cleaned roller 102",
		"This ticket no longer exists.", "Remove the jammed paper", "Blinking light",
		"&lt;script&gt;alert(1)&lt;/script&gt;", fmt.Sprintf(`action="/ui/kb/candidates/%d/assign"`, c.ID),
		`name="_csrf" value="`+csrfToken(kbRita)+`"`)
	if strings.Contains(body, "<script>alert(1)") {
		t.Errorf("a ticket subject reached the page unescaped")
	}
	// A candidate in state candidate cannot be decided yet.
	if strings.Contains(body, fmt.Sprintf("/ui/kb/candidates/%d/approve", c.ID)) {
		t.Errorf("the approve button shows for a candidate not in review")
	}

	many := make([]int64, 25)
	for i := range many {
		many[i] = int64(101 + i)
	}
	big := e.candidate(articles.CandidateInput{Content: kbContent("Big cluster"), Sources: many})
	before := e.tickets.gets.Load()
	body = want(t, e.get(fmt.Sprintf("/ui/kb/candidates/%d", big.ID), kbRita), http.StatusOK,
		"Printer jams on tray 120", "5 more source tickets are not shown.", "Source tickets (25)")
	if strings.Contains(body, "Printer jams on tray 121") {
		t.Errorf("more than %d source tickets shown", kbMaxSources)
	}
	if got := e.tickets.gets.Load() - before; got != kbMaxSources {
		t.Errorf("read %d tickets, want %d", got, kbMaxSources)
	}
	want(t, e.get(fmt.Sprintf("/ui/kb/candidates/%d", big.ID), kbRita, "Accept-Language", "zh-CN"), http.StatusOK, "另有 5 个来源工单未显示")

	want(t, e.get("/ui/kb/candidates/9999", kbRita), http.StatusNotFound)
	want(t, e.get("/ui/kb/candidates/abc", kbRita), http.StatusBadRequest, "<strong>id</strong>")
}

func TestKBApprovePublishes(t *testing.T) {
	e := kbSetup(t)
	c := e.candidate(articles.CandidateInput{Content: kbContent("Printer jams"), Sources: []int64{101}})
	base := fmt.Sprintf("/ui/kb/candidates/%d", c.ID)

	rec := e.post(base+"/assign", kbRita, nil)
	want(t, rec, http.StatusSeeOther)
	if loc := rec.Header().Get("Location"); loc != base+"?done=assign" {
		t.Errorf("assign redirects to %q", loc)
	}
	if got := e.status(c.ID); got.Reviewer != "rita" || got.Status != articles.StatusCandidate {
		t.Fatalf("after assign: %s, reviewer %q", got.Status, got.Reviewer)
	}
	want(t, e.get(base+"?done=assign", kbRita), http.StatusOK, "The candidate is assigned to you.", base+"/submit")

	want(t, e.post(base+"/submit", kbRita, url.Values{"note": {"ready"}}), http.StatusSeeOther)
	if got := e.status(c.ID); got.Status != articles.StatusInReview {
		t.Fatalf("after submit: %s", got.Status)
	}
	body := want(t, e.get(base, kbRita), http.StatusOK, base+"/approve", base+"/reject", base+"/request-changes", "Submitted")
	if strings.Contains(body, base+"/assign") {
		t.Errorf("assign offered to the reviewer already assigned")
	}
	// Another reviewer sees why the decision is not theirs.
	body = want(t, e.get(base, kbRob), http.StatusOK, "Assigned to rita", base+"/assign")
	if strings.Contains(body, base+"/approve") {
		t.Errorf("approve offered to a reviewer who is not assigned")
	}

	rec = e.post(base+"/approve", kbRita, url.Values{"note": {"looks right"}})
	want(t, rec, http.StatusSeeOther)
	list, err := e.store.ListArticles(e.ctx, articles.ArticleFilter{Status: articles.ArticlePublished})
	if err != nil || len(list) != 1 || list[0].Content.Title != "Printer jams" {
		t.Fatalf("published articles: %+v, %v", list, err)
	}
	if loc, want := rec.Header().Get("Location"), fmt.Sprintf("/ui/kb/articles/%d?done=approve", list[0].ID); loc != want {
		t.Errorf("approve redirects to %q, want %q", loc, want)
	}
	if n := e.kn.syncs.Load(); n != 1 {
		t.Errorf("SyncArticles called %d times, want 1", n)
	}
	if got := e.status(c.ID); got.Status != articles.StatusApproved || got.ArticleID != list[0].ID {
		t.Errorf("after approve: %s, article %d", got.Status, got.ArticleID)
	}
	want(t, e.get(rec.Header().Get("Location"), kbRita), http.StatusOK, "Approved: the article is published", "Printer jams")
	body = want(t, e.get(base, kbRita), http.StatusOK, "This candidate is closed", fmt.Sprintf(`href="/ui/kb/articles/%d"`, list[0].ID))
	if strings.Contains(body, base+"/comment") {
		t.Errorf("comment form offered on an approved candidate")
	}
	// Approving twice is a conflict, not a second article.
	want(t, e.post(base+"/approve", kbRita, nil), http.StatusConflict)
}

func TestKBRejectAndRequestChanges(t *testing.T) {
	e := kbSetup(t)
	c := e.candidate(articles.CandidateInput{Content: kbContent("Printer jams")})
	base := fmt.Sprintf("/ui/kb/candidates/%d", c.ID)
	e.toReview(c.ID)

	want(t, e.post(base+"/request-changes", kbRita, url.Values{"note": {"  "}}), http.StatusUnprocessableEntity, "<strong>note</strong>")
	if got := e.status(c.ID); got.Status != articles.StatusInReview {
		t.Fatalf("a refused request moved the candidate to %s", got.Status)
	}
	want(t, e.post(base+"/request-changes", kbRita, url.Values{"note": {"add the model number"}}), http.StatusSeeOther)
	if got := e.status(c.ID); got.Status != articles.StatusChangesRequested {
		t.Fatalf("after request-changes: %s", got.Status)
	}
	want(t, e.get(base, kbRita), http.StatusOK, "add the model number", "Changes requested", base+"/submit")

	want(t, e.post(base+"/submit", kbRita, nil), http.StatusSeeOther)
	want(t, e.post(base+"/reject", kbRita, nil), http.StatusUnprocessableEntity, "<strong>note</strong>")
	want(t, e.post(base+"/reject", kbRita, url.Values{"note": {"not reproducible"}}), http.StatusSeeOther)
	if got := e.status(c.ID); got.Status != articles.StatusRejected {
		t.Fatalf("after reject: %s", got.Status)
	}
	hist, err := e.store.History(e.ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	var acts []articles.Action
	for _, h := range hist {
		acts = append(acts, h.Action)
	}
	want := []articles.Action{articles.ActCreate, articles.ActAssign, articles.ActSubmit, articles.ActRequestChanges, articles.ActSubmit, articles.ActReject}
	if !slices.Equal(acts, want) {
		t.Errorf("history %v, want %v", acts, want)
	}
	if n := e.kn.syncs.Load(); n != 0 {
		t.Errorf("SyncArticles called %d times without an approval", n)
	}
}

func TestKBComment(t *testing.T) {
	e := kbSetup(t)
	c := e.candidate(articles.CandidateInput{Content: kbContent("Printer jams")})
	base := fmt.Sprintf("/ui/kb/candidates/%d", c.ID)
	want(t, e.post(base+"/comment", kbRita, url.Values{"body": {" "}}), http.StatusUnprocessableEntity, "<strong>body</strong>")
	want(t, e.post(base+"/comment", kbMax, url.Values{"body": {"Which tray <b>exactly</b>?"}}), http.StatusSeeOther)
	got := e.status(c.ID)
	if len(got.Comments) != 1 || got.Comments[0].Author != "max" {
		t.Fatalf("comments: %+v", got.Comments)
	}
	want(t, e.get(base+"?done=comment", kbRita), http.StatusOK, "Which tray &lt;b&gt;exactly&lt;/b&gt;?", "Your comment was added.")
}

func TestKBPermissions(t *testing.T) {
	e := kbSetup(t)
	c := e.candidate(articles.CandidateInput{Content: kbContent("Printer jams")})
	base := fmt.Sprintf("/ui/kb/candidates/%d", c.ID)
	for _, p := range []string{"/ui/kb", base, "/ui/kb/articles"} {
		want(t, e.get(p, kbAlice), http.StatusForbidden)
	}
	want(t, e.post(base+"/comment", kbAlice, url.Values{"body": {"hi"}}), http.StatusForbidden)

	// A manager reads the queue but reviewing is the quality team's: the
	// store refuses the assignment and the approval.
	want(t, e.get("/ui/kb", kbMax), http.StatusOK, kbCandLink(c.ID))
	body := want(t, e.get(base, kbMax), http.StatusOK)
	if strings.Contains(body, base+"/assign") {
		t.Errorf("assign offered to a manager")
	}
	want(t, e.post(base+"/assign", kbMax, nil), http.StatusForbidden)
	e.toReview(c.ID)
	want(t, e.post(base+"/approve", kbMax, nil), http.StatusForbidden)
	// A reviewer who is not assigned is refused too; an admin may take over.
	want(t, e.post(base+"/approve", kbRob, nil), http.StatusForbidden)
	if got := e.status(c.ID); got.Status != articles.StatusInReview {
		t.Fatalf("a refused approval moved the candidate to %s", got.Status)
	}
	if n := e.kn.syncs.Load(); n != 0 {
		t.Errorf("SyncArticles called %d times after refused approvals", n)
	}
	want(t, e.get(base, kbAda), http.StatusOK, base+"/approve")
	want(t, e.post(base+"/approve", kbAda, nil), http.StatusSeeOther)
}

func TestKBCSRF(t *testing.T) {
	e := kbSetup(t)
	c := e.candidate(articles.CandidateInput{Content: kbContent("Printer jams")})
	path := fmt.Sprintf("/ui/kb/candidates/%d/assign", c.ID)
	want(t, e.postRaw(path, kbRita, url.Values{}), http.StatusForbidden)
	want(t, e.postRaw(path, kbRita, url.Values{csrfField: {"forged"}}), http.StatusForbidden)
	// A token is bound to its session: rob's token does not serve rita.
	want(t, e.postRaw(path, kbRita, url.Values{csrfField: {csrfToken(kbRob)}}), http.StatusForbidden)
	if got := e.status(c.ID); got.Reviewer != "" {
		t.Fatalf("a forged post assigned %q", got.Reviewer)
	}
	hist, err := e.store.History(e.ctx, c.ID)
	if err != nil || len(hist) != 1 {
		t.Fatalf("history after forged posts: %v, %v", hist, err)
	}
}

func TestKBBadAction(t *testing.T) {
	e := kbSetup(t)
	c := e.candidate(articles.CandidateInput{Content: kbContent("Printer jams")})
	want(t, e.post(fmt.Sprintf("/ui/kb/candidates/%d/publish", c.ID), kbRita, nil), http.StatusBadRequest, "<strong>action</strong>")
	want(t, e.post("/ui/kb/candidates/0/assign", kbRita, nil), http.StatusBadRequest, "<strong>id</strong>")
	want(t, e.post("/ui/kb/candidates/9999/assign", kbRita, nil), http.StatusNotFound)
	// Deciding a candidate that is not in review is a conflict.
	want(t, e.post(fmt.Sprintf("/ui/kb/candidates/%d/approve", c.ID), kbRita, nil), http.StatusConflict)
}

// kbPublish publishes content as a new article through the store.
func (e *kbEnv) publish(content articles.Content) articles.Article {
	e.t.Helper()
	c := e.candidate(articles.CandidateInput{Content: content})
	if _, err := e.store.Submit(e.ctx, e.ada, c.ID, "ada", ""); err != nil {
		e.t.Fatal(err)
	}
	art, err := e.store.Approve(e.ctx, e.ada, c.ID, "")
	if err != nil {
		e.t.Fatal(err)
	}
	return art
}

func TestKBUpdateCandidateAndVersionDiff(t *testing.T) {
	e := kbSetup(t)
	art := e.publish(kbContent("Printer jams", "Open the tray", "Remove the jammed paper"))
	want(t, e.get(fmt.Sprintf("/ui/kb/articles/%d", art.ID), kbRita), http.StatusOK, "This article has only one version.")

	next := kbContent("Printer jams", "Open the rear tray", "Remove the jammed paper", "Print a test page")
	c := e.candidate(articles.CandidateInput{Kind: articles.KindUpdate, TargetArticleID: art.ID, Content: next, Sources: []int64{103}})
	base := fmt.Sprintf("/ui/kb/candidates/%d", c.ID)
	body := want(t, e.get(base, kbRita), http.StatusOK, "Proposed changes", "<ins>rear </ins>", "<ins>\nPrint a test page</ins>",
		fmt.Sprintf("Compared with article #%d, version 1", art.ID))
	if strings.Contains(body, "<del>") {
		t.Errorf("the comparison deletes text the proposal keeps:\n%s", short(body))
	}

	e.toReview(c.ID)
	rec := e.post(base+"/approve", kbRita, nil)
	want(t, rec, http.StatusSeeOther)
	if loc, want := rec.Header().Get("Location"), fmt.Sprintf("/ui/kb/articles/%d?done=approve", art.ID); loc != want {
		t.Errorf("approve of an update redirects to %q, want %q", loc, want)
	}
	page := fmt.Sprintf("/ui/kb/articles/%d", art.ID)
	body = want(t, e.get(page, kbRita), http.StatusOK, "Versions", "Changes from version 1 to version 2.",
		"<del>1. Open the tray\n</del>", "<ins>1. Open the rear tray\n</ins>", "3. Print a test page",
		fmt.Sprintf(`href="/ui/kb/candidates/%d"`, c.ID), `<option value="1" selected>`, `<option value="2" selected>`)
	if !regexp.MustCompile(`<td class="num">2 <span class="badge good">current</span>`).MatchString(body) {
		t.Errorf("version 2 is not marked current")
	}
	// The approved candidate links to the diff its approval made.
	want(t, e.get(base, kbRita), http.StatusOK, fmt.Sprintf(`href="/ui/kb/articles/%d?from=1&amp;to=2"`, art.ID))

	want(t, e.get(page+"?from=2&to=2", kbRita), http.StatusOK, "No differences.")
	body = want(t, e.get(page+"?from=2&to=1", kbRita), http.StatusOK, "<ins>1. Open the tray\n</ins>")
	if strings.Contains(body, "<ins>1. Open the rear tray") {
		t.Errorf("from=2&to=1 is not reversed")
	}
	want(t, e.get(page+"?from=abc", kbRita), http.StatusBadRequest, "<strong>from</strong>", "a version number from 1 to 2")
	want(t, e.get(page+"?from=3", kbRita), http.StatusBadRequest, "<strong>from</strong>")
	want(t, e.get(page+"?to=0", kbRita), http.StatusBadRequest, "<strong>to</strong>")
	want(t, e.get("/ui/kb/articles/9999", kbRita), http.StatusNotFound)
}

func TestKBArticlesList(t *testing.T) {
	e := kbSetup(t)
	printer := e.publish(kbContent("Printer jams"))
	wifi := kbContent("Wi-Fi drops")
	wifi.Tags, wifi.Products, wifi.Categories = []string{"wireless"}, []string{"Router X"}, []string{"network"}
	router := e.publish(wifi)
	old := e.publish(kbContent("Old driver"))
	if _, err := e.store.Archive(e.ctx, e.ada, old.ID, "superseded"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.SetBestPractice(e.ctx, e.ada, router.ID, true); err != nil {
		t.Fatal(err)
	}
	link := func(id int64) string { return fmt.Sprintf(`href="/ui/kb/articles/%d"`, id) }

	want(t, e.get("/ui/kb/articles", kbRita), http.StatusOK, link(printer.ID), link(router.ID), link(old.ID), `data-export="kb-articles"`)
	body := want(t, e.get("/ui/kb/articles?status=published&category=Network", kbRita), http.StatusOK, link(router.ID))
	if strings.Contains(body, link(printer.ID)) {
		t.Errorf("category filter shows a hardware article")
	}
	body = want(t, e.get("/ui/kb/articles?status=archived", kbRita), http.StatusOK, link(old.ID), "Archived")
	if strings.Contains(body, link(printer.ID)) {
		t.Errorf("archived filter shows a published article")
	}
	body = want(t, e.get("/ui/kb/articles?best=yes", kbRita), http.StatusOK, link(router.ID))
	if strings.Contains(body, link(printer.ID)) {
		t.Errorf("best-practice filter shows an ordinary article")
	}
	body = want(t, e.get("/ui/kb/articles?tag=printer&product=laserjet", kbRita), http.StatusOK, link(printer.ID))
	if strings.Contains(body, link(router.ID)) {
		t.Errorf("tag filter shows a router article")
	}
	want(t, e.get("/ui/kb/articles?status=draft", kbRita), http.StatusBadRequest, "<strong>status</strong>")
	want(t, e.get("/ui/kb/articles?best=maybe", kbRita), http.StatusBadRequest, "<strong>best</strong>")
	want(t, e.get("/ui/kb/articles?tag="+strings.Repeat("x", 101), kbRita), http.StatusBadRequest, "<strong>tag</strong>")
	want(t, e.get(fmt.Sprintf("/ui/kb/articles/%d", router.ID), kbRita), http.StatusOK, "Best practice", "Router X", "wireless")
}

func TestKBCompareFields(t *testing.T) {
	from := kbContent("Printer jams", "Open the tray")
	to := from
	to.Title = "Printer jams often"
	to.Tags = nil
	fields := kbCompare(from, to)
	byName := map[string]kbFieldDiff{}
	for _, f := range fields {
		byName[f.Field] = f
	}
	if f := byName["title"]; !f.Changed || !slices.Contains(f.Segs, kbSeg{Op: "insert", Text: " often"}) {
		t.Errorf("title diff %+v", f)
	}
	if f := byName["tags"]; !f.Changed || !slices.Equal(f.Segs, []kbSeg{{Op: "delete", Text: "printer"}}) {
		t.Errorf("tags diff %+v", f)
	}
	if f := byName["steps"]; f.Changed || !slices.Equal(f.Segs, []kbSeg{{Op: "equal", Text: "Open the tray"}}) {
		t.Errorf("steps diff %+v", f)
	}
	if _, ok := byName["product_versions"]; ok {
		t.Errorf("a field empty on both sides is listed")
	}
}

// TestKBCatalogs keeps the two catalogs of these screens complete: the
// same keys in both, every key the templates name, and every key they
// build from a state, kind, action or field.
func TestKBCatalogs(t *testing.T) {
	load := func(name string) map[string]string {
		b, err := catalogFiles.ReadFile("i18n/" + name)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return m
	}
	en, zh := load("en.kb.json"), load("zh-CN.kb.json")
	for k := range en {
		if _, ok := zh[k]; !ok {
			t.Errorf("zh-CN.kb.json lacks %q", k)
		}
		if !strings.HasPrefix(k, "kb.") {
			t.Errorf("key %q is not under kb.", k)
		}
	}
	for k, v := range zh {
		if _, ok := en[k]; !ok {
			t.Errorf("en.kb.json lacks %q", k)
		}
		if strings.Count(v, "%") != strings.Count(en[k], "%") {
			t.Errorf("%q: the translations take different arguments: %q, %q", k, en[k], v)
		}
	}
	keyRe := regexp.MustCompile(`\.T "([^"]+)"`)
	pages := []string{"kbqueue", "kbcandidate", "kbarticles", "kbarticle", "_kb"}
	for _, p := range pages {
		b, err := fs.ReadFile(templateFiles, "templates/"+p+".html")
		if err != nil {
			t.Fatal(err)
		}
		found := keyRe.FindAllStringSubmatch(string(b), -1)
		if len(found) == 0 {
			t.Errorf("%s: no translated text found", p)
		}
		for _, m := range found {
			if _, ok := en[m[1]]; !ok {
				t.Errorf("%s uses %q, missing from en.kb.json", p, m[1])
			}
		}
		if strings.Contains(string(b), "style=") || strings.Contains(string(b), "<script") {
			t.Errorf("%s has an inline style or script", p)
		}
	}
	var dynamic []string
	for _, s := range kbStatuses {
		dynamic = append(dynamic, "kb.status."+string(s))
	}
	for _, s := range []articles.ArticleStatus{articles.ArticlePublished, articles.ArticleArchived} {
		dynamic = append(dynamic, "kb.status."+string(s))
	}
	for _, k := range []articles.Kind{articles.KindNew, articles.KindUpdate} {
		dynamic = append(dynamic, "kb.kind."+string(k))
	}
	for _, a := range []articles.Action{articles.ActCreate, articles.ActEdit, articles.ActComment, articles.ActAssign,
		articles.ActSubmit, articles.ActApprove, articles.ActReject, articles.ActRequestChanges, articles.ActPublish,
		articles.ActAddVersion, articles.ActRollback, articles.ActArchive, articles.ActUnarchive, articles.ActBestPractice,
		articles.ActFeedback} {
		dynamic = append(dynamic, "kb.action."+string(a))
	}
	for _, d := range kbDecisions {
		dynamic = append(dynamic, "kb.done."+d, "kb.do."+d)
	}
	for _, f := range kbFieldNames {
		dynamic = append(dynamic, "kb.field."+f)
	}
	for _, k := range dynamic {
		if _, ok := en[k]; !ok {
			t.Errorf("en.kb.json lacks %q", k)
		}
	}
}

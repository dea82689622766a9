// Package articlestest is the conformance suite every articles.Store engine
// must pass. Each subtest opens its own store on a fresh, empty database, so
// that counts of events and rows are exact.
package articlestest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskmine/deskmine/kb/articles"
)

// Run runs the suite. open must return a store on a fresh, empty database;
// the suite closes it.
func Run(t *testing.T, open func(t testing.TB) articles.Store) {
	tests := []struct {
		name string
		fn   func(f *fixture)
	}{
		{"Validation", testValidation},
		{"MinerKey", testMinerKey},
		{"Transitions", testTransitions},
		{"ReviewRoundTrip", testReviewRoundTrip},
		{"Permissions", testPermissions},
		{"NotFound", testNotFound},
		{"OptimisticLock", testOptimisticLock},
		{"Approve", testApprove},
		{"DiffAndRollback", testDiffAndRollback},
		{"Archive", testArchive},
		{"BestPracticeAndFilters", testBestPracticeAndFilters},
		{"Comments", testComments},
		{"Feedback", testFeedback},
		{"Events", testEvents},
		{"ConcurrentApprove", testConcurrentApprove},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("close: %v", err)
				}
			})
			tc.fn(newFixture(t, s))
		})
	}
}

// fixture holds the store and the cast of a test.
type fixture struct {
	t   *testing.T
	s   articles.Store
	ctx context.Context
	// agent and manager draft; rita and rob review; ada is admin; cleo is a client.
	agent, manager, rita, rob, admin, client articles.Actor
}

func newFixture(t *testing.T, s articles.Store) *fixture {
	return &fixture{t: t, s: s, ctx: context.Background(),
		agent:   articles.Actor{ID: 1, Login: "alice", Role: articles.RoleAgent},
		manager: articles.Actor{ID: 2, Login: "max", Role: articles.RoleManager},
		rita:    articles.Actor{ID: 3, Login: "rita", Role: articles.RoleReviewer},
		rob:     articles.Actor{ID: 4, Login: "rob", Role: articles.RoleReviewer},
		admin:   articles.Actor{ID: 5, Login: "ada", Role: articles.RoleAdmin},
		client:  articles.Actor{ID: 6, Login: "cleo", Role: articles.RoleClient},
	}
}

func content(title string) articles.Content {
	return articles.Content{
		Title:      title,
		Problem:    "Users report: " + title,
		Symptoms:   []string{"error dialog on start"},
		Steps:      []string{"Open the client settings", "Clear the cached profile", "Sign in again"},
		Tags:       []string{"vpn"},
		Products:   []string{"VPN Client"},
		Categories: []string{"Network"},
		Lang:       "en",
	}
}

func (f *fixture) create(actor articles.Actor, in articles.CandidateInput) articles.Candidate {
	f.t.Helper()
	c, created, err := f.s.CreateCandidate(f.ctx, actor, in)
	if err != nil {
		f.t.Fatalf("create candidate: %v", err)
	}
	if !created {
		f.t.Fatalf("create candidate %q: returned existing candidate %d", in.Content.Title, c.ID)
	}
	return c
}

// draft creates a new-article candidate written by the agent.
func (f *fixture) draft(title string) articles.Candidate {
	f.t.Helper()
	return f.create(f.agent, articles.CandidateInput{Content: content(title), Sources: []int64{11, 12}, Evidence: 2, Consistency: 0.8})
}

// inReview submits a candidate for review by rita.
func (f *fixture) inReview(c articles.Candidate) articles.Candidate {
	f.t.Helper()
	c, err := f.s.Submit(f.ctx, f.agent, c.ID, f.rita.Login, "")
	if err != nil {
		f.t.Fatalf("submit candidate %d: %v", c.ID, err)
	}
	return c
}

// published drafts, submits and approves a new article.
func (f *fixture) published(c articles.Content) articles.Article {
	f.t.Helper()
	cand := f.create(f.agent, articles.CandidateInput{Content: c})
	cand = f.inReview(cand)
	art, err := f.s.Approve(f.ctx, f.rita, cand.ID, "")
	if err != nil {
		f.t.Fatalf("approve candidate %d: %v", cand.ID, err)
	}
	return art
}

// updateInReview proposes new content for an article and submits it.
func (f *fixture) updateInReview(articleID int64, c articles.Content) articles.Candidate {
	f.t.Helper()
	cand := f.create(f.agent, articles.CandidateInput{Kind: articles.KindUpdate, TargetArticleID: articleID, Content: c})
	return f.inReview(cand)
}

// events reads the whole log, a small page at a time.
func (f *fixture) events() []articles.Event {
	f.t.Helper()
	var out []articles.Event
	var after int64
	for {
		page, err := f.s.EventsAfter(f.ctx, after, 7)
		if err != nil {
			f.t.Fatalf("events after %d: %v", after, err)
		}
		if len(page) == 0 {
			return out
		}
		out = append(out, page...)
		after = page[len(page)-1].Seq
	}
}

func (f *fixture) eventCount() int { f.t.Helper(); return len(f.events()) }

func types(evs []articles.Event) []articles.EventType {
	out := make([]articles.EventType, len(evs))
	for i, e := range evs {
		out[i] = e.Type
	}
	return out
}

func wantIs(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: got error %v, want %v", what, err, target)
	}
}

func wantField(t *testing.T, what string, err error, field string) {
	t.Helper()
	var fe *articles.FieldError
	if !errors.As(err, &fe) {
		t.Errorf("%s: got error %v, want a *FieldError on %s", what, err, field)
		return
	}
	if fe.Field != field {
		t.Errorf("%s: field error on %q (%s), want %q", what, fe.Field, fe.Reason, field)
	}
}

func testValidation(f *fixture) {
	t := f.t
	target := f.published(content("Existing article for updates"))
	before := f.eventCount()
	long := strings.Repeat("x", 201)
	many := make([]string, 31)
	for i := range many {
		many[i] = fmt.Sprintf("tag%d", i)
	}
	cases := []struct {
		name  string
		edit  func(in *articles.CandidateInput)
		field string
	}{
		{"short title", func(in *articles.CandidateInput) { in.Content.Title = " ab " }, "content.title"},
		{"long title", func(in *articles.CandidateInput) { in.Content.Title = long }, "content.title"},
		{"blank problem", func(in *articles.CandidateInput) { in.Content.Problem = "  \n " }, "content.problem"},
		{"no steps", func(in *articles.CandidateInput) { in.Content.Steps = nil }, "content.steps"},
		{"blank step", func(in *articles.CandidateInput) { in.Content.Steps = []string{"ok", "  "} }, "content.steps[1]"},
		{"blank symptom", func(in *articles.CandidateInput) { in.Content.Symptoms = []string{""} }, "content.symptoms[0]"},
		{"too many tags", func(in *articles.CandidateInput) { in.Content.Tags = many }, "content.tags"},
		{"long product", func(in *articles.CandidateInput) { in.Content.Products = []string{long} }, "content.products[0]"},
		{"bad lang", func(in *articles.CandidateInput) { in.Content.Lang = "fr" }, "content.lang"},
		{"no lang", func(in *articles.CandidateInput) { in.Content.Lang = "" }, "content.lang"},
		{"bad kind", func(in *articles.CandidateInput) { in.Kind = "merge" }, "kind"},
		{"update without target", func(in *articles.CandidateInput) { in.Kind = articles.KindUpdate }, "target_article_id"},
		{"update of unknown article", func(in *articles.CandidateInput) {
			in.Kind, in.TargetArticleID = articles.KindUpdate, target.ID+1000
		}, "target_article_id"},
		{"new with target", func(in *articles.CandidateInput) { in.TargetArticleID = target.ID }, "target_article_id"},
		{"zero source", func(in *articles.CandidateInput) { in.Sources = []int64{3, 0} }, "sources[1]"},
		{"negative evidence", func(in *articles.CandidateInput) { in.Evidence = -1 }, "evidence"},
		{"consistency above 1", func(in *articles.CandidateInput) { in.Consistency = 1.5 }, "consistency"},
		{"consistency NaN", func(in *articles.CandidateInput) { in.Consistency = math.NaN() }, "consistency"},
		{"long miner key", func(in *articles.CandidateInput) { in.MinerKey = strings.Repeat("k", 201) }, "miner_key"},
	}
	for _, tc := range cases {
		in := articles.CandidateInput{Content: content("A valid title")}
		tc.edit(&in)
		_, _, err := f.s.CreateCandidate(f.ctx, f.agent, in)
		wantField(t, tc.name, err, tc.field)
	}
	if n := f.eventCount(); n != before {
		t.Errorf("invalid input wrote %d events", n-before)
	}
	if cs, err := f.s.ListCandidates(f.ctx, articles.CandidateFilter{Status: articles.StatusCandidate}); err != nil || len(cs) != 0 {
		t.Errorf("invalid input left candidates %v (err %v)", cs, err)
	}

	// Normalisation: trimmed items, repeated labels dropped, language lower-cased.
	in := articles.CandidateInput{Content: content("  Printer queue stuck  "), Sources: []int64{5, 5, 6}, MinerKey: "  mk  "}
	in.Content.Tags = []string{" Printer ", "printer", "spool"}
	in.Content.Steps = []string{"  Restart the spooler  "}
	in.Content.Lang = " EN "
	in.Content.Problem = "\n  Jobs stay queued for ever  \n"
	c := f.create(f.agent, in)
	want := content("Printer queue stuck")
	want.Tags, want.Steps = []string{"Printer", "spool"}, []string{"Restart the spooler"}
	want.Problem = "Jobs stay queued for ever"
	if !reflect.DeepEqual(c.Content, want) {
		t.Errorf("normalised content = %+v, want %+v", c.Content, want)
	}
	if !reflect.DeepEqual(c.Sources, []int64{5, 6}) || c.MinerKey != "mk" || c.Kind != articles.KindNew ||
		c.Status != articles.StatusCandidate || c.Author != f.agent.Login || c.Revision != 1 {
		t.Errorf("created candidate = %+v", c)
	}
	got, err := f.s.GetCandidate(f.ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, c) {
		t.Errorf("read back %+v, want %+v", got, c)
	}

	bad := want
	bad.Steps = []string{"   "}
	_, err = f.s.UpdateCandidate(f.ctx, f.agent, c.ID, bad, c.Revision)
	wantField(t, "update with blank step", err, "content.steps[0]")
	_, err = f.s.Assign(f.ctx, f.rita, c.ID, "  ")
	wantField(t, "assign nobody", err, "reviewer")
	_, err = f.s.Assign(f.ctx, f.rita, c.ID, "two words")
	wantField(t, "assign a login with a space", err, "reviewer")
	_, err = f.s.CommentCandidate(f.ctx, f.agent, c.ID, " \n ")
	wantField(t, "empty comment", err, "body")
	rev := f.inReview(c)
	_, err = f.s.Reject(f.ctx, f.rita, rev.ID, "  ")
	wantField(t, "reject without a reason", err, "note")
	_, err = f.s.RequestChanges(f.ctx, f.rita, rev.ID, "")
	wantField(t, "request changes without a reason", err, "note")
	_, err = f.s.Rollback(f.ctx, f.rita, target.ID, 0, "")
	wantField(t, "rollback to version 0", err, "version")
	_, err = f.s.Diff(f.ctx, target.ID, 0, 1)
	wantField(t, "diff from version 0", err, "from")
	_, err = f.s.ListCandidates(f.ctx, articles.CandidateFilter{Limit: -1})
	wantField(t, "negative limit", err, "limit")
	_, err = f.s.ListArticles(f.ctx, articles.ArticleFilter{Offset: -1})
	wantField(t, "negative offset", err, "offset")
	_, err = f.s.EventsAfter(f.ctx, 0, 0)
	wantField(t, "events page of 0", err, "limit")
}

func testMinerKey(f *fixture) {
	t := f.t
	in := articles.CandidateInput{Content: content("Outlook keeps asking for password"), MinerKey: "cluster-17", Evidence: 5}
	first := f.create(f.agent, in)
	events := f.eventCount()

	again := in
	again.Content.Title = "Outlook password prompt loop"
	again.Evidence = 9
	got, created, err := f.s.CreateCandidate(f.ctx, f.agent, again)
	if err != nil {
		t.Fatal(err)
	}
	if created || got.ID != first.ID || got.Content.Title != first.Content.Title || got.Evidence != 5 {
		t.Errorf("re-mining returned created=%v %+v, want the existing candidate %d unchanged", created, got, first.ID)
	}
	if n := f.eventCount(); n != events {
		t.Errorf("re-mining wrote %d events", n-events)
	}
	// Without a key every call creates.
	a := f.create(f.agent, articles.CandidateInput{Content: content("No key one")})
	b := f.create(f.agent, articles.CandidateInput{Content: content("No key one")})
	if a.ID == b.ID {
		t.Error("two candidates without a miner key share an id")
	}
	// Once rejected, the key may be mined again.
	f.inReview(first)
	if _, err := f.s.Reject(f.ctx, f.rita, first.ID, "duplicate of an existing article"); err != nil {
		t.Fatal(err)
	}
	fresh, created, err := f.s.CreateCandidate(f.ctx, f.agent, again)
	if err != nil || !created || fresh.ID == first.ID {
		t.Fatalf("after rejection: created=%v id=%d err=%v, want a new candidate", created, fresh.ID, err)
	}
	// And a live candidate keeps it through review states.
	f.inReview(fresh)
	if got, created, err := f.s.CreateCandidate(f.ctx, f.agent, in); err != nil || created || got.ID != fresh.ID {
		t.Errorf("in review: created=%v id=%d err=%v, want existing %d", created, got.ID, err, fresh.ID)
	}

	// Concurrent re-mining creates one candidate.
	const n = 8
	ids := make([]int64, n)
	createdFlags := make([]bool, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			c, created, err := f.s.CreateCandidate(f.ctx, f.agent, articles.CandidateInput{
				Content: content(fmt.Sprintf("Concurrent miner %d", i)), MinerKey: "cluster-race"})
			ids[i], createdFlags[i], errs[i] = c.ID, created, err
		})
	}
	wg.Wait()
	var creators int
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("concurrent create %d: %v", i, errs[i])
		}
		if ids[i] != ids[0] {
			t.Errorf("concurrent create %d returned candidate %d, another returned %d", i, ids[i], ids[0])
		}
		if createdFlags[i] {
			creators++
		}
	}
	if creators != 1 {
		t.Errorf("%d concurrent creates reported created, want 1", creators)
	}
}

// reach builds a candidate in the given state.
func (f *fixture) reach(state articles.Status, title string) articles.Candidate {
	f.t.Helper()
	c := f.draft(title)
	if state == articles.StatusCandidate {
		return c
	}
	c = f.inReview(c)
	var err error
	switch state {
	case articles.StatusChangesRequested:
		c, err = f.s.RequestChanges(f.ctx, f.rita, c.ID, "add the error code")
	case articles.StatusApproved:
		_, err = f.s.Approve(f.ctx, f.rita, c.ID, "")
	case articles.StatusRejected:
		c, err = f.s.Reject(f.ctx, f.rita, c.ID, "not reproducible")
	}
	if err != nil {
		f.t.Fatalf("reach %s: %v", state, err)
	}
	c, err = f.s.GetCandidate(f.ctx, c.ID)
	if err != nil || c.Status != state {
		f.t.Fatalf("reach %s: got %s, %v", state, c.Status, err)
	}
	return c
}

func testTransitions(f *fixture) {
	t := f.t
	states := []articles.Status{articles.StatusCandidate, articles.StatusInReview, articles.StatusChangesRequested,
		articles.StatusApproved, articles.StatusRejected}
	open := []articles.Status{articles.StatusCandidate, articles.StatusInReview, articles.StatusChangesRequested}
	editable := []articles.Status{articles.StatusCandidate, articles.StatusChangesRequested}
	inReview := []articles.Status{articles.StatusInReview}
	same := articles.Status("")
	actions := []struct {
		act   articles.Action
		legal []articles.Status
		to    articles.Status // same: the state does not move
		do    func(c articles.Candidate) error
	}{
		{articles.ActEdit, editable, same, func(c articles.Candidate) error {
			_, err := f.s.UpdateCandidate(f.ctx, f.admin, c.ID, content(c.Content.Title+" (edited)"), c.Revision)
			return err
		}},
		{articles.ActSubmit, editable, articles.StatusInReview, func(c articles.Candidate) error {
			_, err := f.s.Submit(f.ctx, f.admin, c.ID, f.rita.Login, "ready")
			return err
		}},
		{articles.ActAssign, open, same, func(c articles.Candidate) error {
			_, err := f.s.Assign(f.ctx, f.admin, c.ID, f.rob.Login)
			return err
		}},
		{articles.ActComment, open, same, func(c articles.Candidate) error {
			_, err := f.s.CommentCandidate(f.ctx, f.admin, c.ID, "looks fine")
			return err
		}},
		{articles.ActApprove, inReview, articles.StatusApproved, func(c articles.Candidate) error {
			_, err := f.s.Approve(f.ctx, f.admin, c.ID, "ok")
			return err
		}},
		{articles.ActReject, inReview, articles.StatusRejected, func(c articles.Candidate) error {
			_, err := f.s.Reject(f.ctx, f.admin, c.ID, "no")
			return err
		}},
		{articles.ActRequestChanges, inReview, articles.StatusChangesRequested, func(c articles.Candidate) error {
			_, err := f.s.RequestChanges(f.ctx, f.admin, c.ID, "more detail")
			return err
		}},
	}
	for _, a := range actions {
		for _, st := range states {
			name := fmt.Sprintf("%s from %s", a.act, st)
			c := f.reach(st, "Transition "+name)
			before, err := f.s.History(f.ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			events := f.eventCount()
			err = a.do(c)
			after, gerr := f.s.GetCandidate(f.ctx, c.ID)
			if gerr != nil {
				t.Fatal(gerr)
			}
			hist, herr := f.s.History(f.ctx, c.ID)
			if herr != nil {
				t.Fatal(herr)
			}
			if !slices.Contains(a.legal, st) {
				wantIs(t, name, err, articles.ErrConflict)
				if err != nil && !strings.Contains(err.Error(), string(st)) {
					t.Errorf("%s: error %q does not name the current state", name, err)
				}
				if after.Status != st || after.Revision != c.Revision || len(hist) != len(before) || f.eventCount() != events {
					t.Errorf("%s: illegal step changed something: %s rev %d, %d history rows", name, after.Status, after.Revision, len(hist))
				}
				continue
			}
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			want := a.to
			if want == same {
				want = st
			}
			if after.Status != want {
				t.Errorf("%s: status %s, want %s", name, after.Status, want)
			}
			if a.act == articles.ActComment {
				if len(after.Comments) != 1 || len(hist) != len(before) {
					t.Errorf("%s: %d comments, %d new history rows", name, len(after.Comments), len(hist)-len(before))
				}
				continue
			}
			// Submitting with a reviewer for a candidate that has none
			// assigns first: two steps.
			steps := 1
			if a.act == articles.ActSubmit && c.Reviewer == "" {
				steps = 2
			}
			if len(hist) != len(before)+steps {
				t.Errorf("%s: %d new history rows, want %d", name, len(hist)-len(before), steps)
				continue
			}
			last := hist[len(hist)-1]
			if last.Action != a.act || last.From != string(st) || last.To != string(want) || last.Actor != f.admin.Login ||
				last.ActorRole != articles.RoleAdmin || last.At.IsZero() {
				t.Errorf("%s: recorded %+v", name, last)
			}
			if after.Revision != c.Revision+int64(steps) {
				t.Errorf("%s: revision %d, want %d", name, after.Revision, c.Revision+int64(steps))
			}
		}
	}
}

func testReviewRoundTrip(f *fixture) {
	t := f.t
	c := f.draft("Teams camera black screen")
	if _, err := f.s.Submit(f.ctx, f.agent, c.ID, "", ""); err == nil {
		t.Fatal("submit without any reviewer succeeded")
	} else {
		wantField(t, "submit without reviewer", err, "reviewer")
	}
	c, err := f.s.Assign(f.ctx, f.rita, c.ID, f.rob.Login)
	if err != nil || c.Reviewer != f.rob.Login {
		t.Fatalf("assign: %+v %v", c, err)
	}
	if c, err = f.s.Submit(f.ctx, f.agent, c.ID, "", "please review"); err != nil || c.Status != articles.StatusInReview {
		t.Fatalf("submit: %+v %v", c, err)
	}
	if c, err = f.s.RequestChanges(f.ctx, f.rob, c.ID, "name the driver version"); err != nil {
		t.Fatal(err)
	}
	edited := content("Teams camera black screen after driver 31.0")
	if c, err = f.s.UpdateCandidate(f.ctx, f.agent, c.ID, edited, c.Revision); err != nil {
		t.Fatal(err)
	}
	if c.Status != articles.StatusChangesRequested {
		t.Errorf("editing moved the candidate to %s", c.Status)
	}
	if c, err = f.s.Submit(f.ctx, f.agent, c.ID, "", "resubmitted"); err != nil || c.Status != articles.StatusInReview {
		t.Fatalf("resubmit: %+v %v", c, err)
	}
	art, err := f.s.Approve(f.ctx, f.rob, c.ID, "good")
	if err != nil {
		t.Fatal(err)
	}
	if art.Content.Title != edited.Title {
		t.Errorf("published title %q, want the edited one", art.Content.Title)
	}
	hist, err := f.s.History(f.ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	type step struct {
		act      articles.Action
		from, to articles.Status
		actor    string
		note     string
	}
	want := []step{
		{articles.ActCreate, "", articles.StatusCandidate, "alice", ""},
		{articles.ActAssign, articles.StatusCandidate, articles.StatusCandidate, "rita", "assigned to rob"},
		{articles.ActSubmit, articles.StatusCandidate, articles.StatusInReview, "alice", "please review"},
		{articles.ActRequestChanges, articles.StatusInReview, articles.StatusChangesRequested, "rob", "name the driver version"},
		{articles.ActEdit, articles.StatusChangesRequested, articles.StatusChangesRequested, "alice", ""},
		{articles.ActSubmit, articles.StatusChangesRequested, articles.StatusInReview, "alice", "resubmitted"},
		{articles.ActApprove, articles.StatusInReview, articles.StatusApproved, "rob", "good"},
	}
	if len(hist) != len(want) {
		t.Fatalf("history has %d steps, want %d: %+v", len(hist), len(want), hist)
	}
	for i, w := range want {
		h := hist[i]
		if h.Action != w.act || h.From != string(w.from) || h.To != string(w.to) || h.Actor != w.actor || h.Note != w.note ||
			h.Entity != articles.EntityCandidate || h.EntityID != c.ID {
			t.Errorf("history[%d] = %+v, want %+v", i, h, w)
		}
		if i > 0 && (h.At.Before(hist[i-1].At) || h.ID <= hist[i-1].ID) {
			t.Errorf("history[%d] is out of order", i)
		}
	}
}

func testPermissions(f *fixture) {
	t := f.t
	c := f.inReview(f.draft("Permission check candidate"))
	events := f.eventCount()
	for _, who := range []articles.Actor{f.agent, f.manager, f.client} {
		_, err := f.s.Approve(f.ctx, who, c.ID, "")
		wantIs(t, who.Role+" approves", err, articles.ErrForbidden)
		_, err = f.s.Reject(f.ctx, who, c.ID, "no")
		wantIs(t, who.Role+" rejects", err, articles.ErrForbidden)
		_, err = f.s.RequestChanges(f.ctx, who, c.ID, "no")
		wantIs(t, who.Role+" requests changes", err, articles.ErrForbidden)
		_, err = f.s.Assign(f.ctx, who, c.ID, f.rob.Login)
		wantIs(t, who.Role+" assigns", err, articles.ErrForbidden)
	}
	// rob is a reviewer, but rita is assigned.
	_, err := f.s.Approve(f.ctx, f.rob, c.ID, "")
	wantIs(t, "unassigned reviewer approves", err, articles.ErrForbidden)
	_, err = f.s.Reject(f.ctx, f.rob, c.ID, "no")
	wantIs(t, "unassigned reviewer rejects", err, articles.ErrForbidden)
	_, err = f.s.RequestChanges(f.ctx, f.rob, c.ID, "no")
	wantIs(t, "unassigned reviewer requests changes", err, articles.ErrForbidden)
	_, err = f.s.Approve(f.ctx, articles.Actor{ID: 9, Role: articles.RoleAdmin}, c.ID, "")
	wantIs(t, "actor without login approves", err, articles.ErrForbidden)
	_, err = f.s.Approve(f.ctx, articles.Actor{ID: 9, Login: "eve", Role: "superuser"}, c.ID, "")
	wantIs(t, "unknown role approves", err, articles.ErrForbidden)

	// A client may do nothing.
	_, _, err = f.s.CreateCandidate(f.ctx, f.client, articles.CandidateInput{Content: content("Client draft")})
	wantIs(t, "client creates", err, articles.ErrForbidden)
	draft := f.draft("Draft for client checks")
	_, err = f.s.UpdateCandidate(f.ctx, f.client, draft.ID, content("Client edit"), draft.Revision)
	wantIs(t, "client edits", err, articles.ErrForbidden)
	_, err = f.s.Submit(f.ctx, f.client, draft.ID, f.rita.Login, "")
	wantIs(t, "client submits", err, articles.ErrForbidden)
	_, err = f.s.CommentCandidate(f.ctx, f.client, draft.ID, "hi")
	wantIs(t, "client comments", err, articles.ErrForbidden)
	_, err = f.s.RecordFeedback(f.ctx, f.client, articles.Feedback{TicketID: 1, CaseTicketID: 2, Kind: articles.FeedbackHelpful})
	wantIs(t, "client records feedback", err, articles.ErrForbidden)
	if n := f.eventCount(); n != events+1 { // the draft above
		t.Errorf("refused operations wrote %d events", n-events-1)
	}

	// The assigned reviewer approves; an admin may approve another's.
	if _, err := f.s.Approve(f.ctx, f.rita, c.ID, ""); err != nil {
		t.Errorf("assigned reviewer approves: %v", err)
	}
	other := f.inReview(f.draft("Admin approves rita's candidate"))
	art, err := f.s.Approve(f.ctx, f.admin, other.ID, "rita is away")
	if err != nil {
		t.Fatalf("admin approves: %v", err)
	}
	vs, err := f.s.Versions(f.ctx, art.ID)
	if err != nil || len(vs) != 1 || vs[0].ApprovedBy != f.admin.Login {
		t.Errorf("admin approval recorded %+v (%v)", vs, err)
	}

	// Nominating on submit: allowed when no reviewer is assigned; replacing
	// an assigned reviewer is an assignment.
	d := f.draft("Nomination rules")
	if d, err = f.s.Submit(f.ctx, f.manager, d.ID, f.rita.Login, ""); err != nil || d.Reviewer != f.rita.Login {
		t.Fatalf("manager nominates on submit: %+v %v", d, err)
	}
	if d, err = f.s.RequestChanges(f.ctx, f.rita, d.ID, "more"); err != nil {
		t.Fatal(err)
	}
	_, err = f.s.Submit(f.ctx, f.agent, d.ID, f.rob.Login, "")
	wantIs(t, "agent replaces the reviewer on resubmit", err, articles.ErrForbidden)
	if d, err = f.s.Submit(f.ctx, f.rob, d.ID, f.rob.Login, ""); err != nil || d.Reviewer != f.rob.Login {
		t.Errorf("reviewer takes over on resubmit: %+v %v", d, err)
	}

	// Article operations are for reviewers and admins; comments for drafters.
	for _, who := range []articles.Actor{f.agent, f.manager, f.client} {
		_, err = f.s.Archive(f.ctx, who, art.ID, "")
		wantIs(t, who.Role+" archives", err, articles.ErrForbidden)
		_, err = f.s.Unarchive(f.ctx, who, art.ID, "")
		wantIs(t, who.Role+" unarchives", err, articles.ErrForbidden)
		_, err = f.s.Rollback(f.ctx, who, art.ID, 1, "")
		wantIs(t, who.Role+" rolls back", err, articles.ErrForbidden)
		_, err = f.s.SetBestPractice(f.ctx, who, art.ID, true)
		wantIs(t, who.Role+" marks best practice", err, articles.ErrForbidden)
	}
	_, err = f.s.CommentArticle(f.ctx, f.client, art.ID, "thanks")
	wantIs(t, "client comments an article", err, articles.ErrForbidden)
	if _, err := f.s.CommentArticle(f.ctx, f.agent, art.ID, "step 2 needs admin rights"); err != nil {
		t.Errorf("agent comments an article: %v", err)
	}
	if _, err := f.s.SetBestPractice(f.ctx, f.rob, art.ID, true); err != nil {
		t.Errorf("any reviewer marks best practice: %v", err)
	}
}

func testNotFound(f *fixture) {
	t := f.t
	art := f.published(content("Only article"))
	const missing = 987654
	checks := map[string]func() error{
		"get candidate": func() error { _, err := f.s.GetCandidate(f.ctx, missing); return err },
		"history":       func() error { _, err := f.s.History(f.ctx, missing); return err },
		"update": func() error {
			_, err := f.s.UpdateCandidate(f.ctx, f.agent, missing, content("Missing one"), 1)
			return err
		},
		"assign":          func() error { _, err := f.s.Assign(f.ctx, f.rita, missing, "rob"); return err },
		"submit":          func() error { _, err := f.s.Submit(f.ctx, f.agent, missing, "rita", ""); return err },
		"approve":         func() error { _, err := f.s.Approve(f.ctx, f.rita, missing, ""); return err },
		"reject":          func() error { _, err := f.s.Reject(f.ctx, f.rita, missing, "x"); return err },
		"request changes": func() error { _, err := f.s.RequestChanges(f.ctx, f.rita, missing, "x"); return err },
		"comment":         func() error { _, err := f.s.CommentCandidate(f.ctx, f.agent, missing, "x"); return err },
		"get article":     func() error { _, err := f.s.GetArticle(f.ctx, missing); return err },
		"article history": func() error { _, err := f.s.ArticleHistory(f.ctx, missing); return err },
		"versions":        func() error { _, err := f.s.Versions(f.ctx, missing); return err },
		"version":         func() error { _, err := f.s.Version(f.ctx, art.ID, 2); return err },
		"diff":            func() error { _, err := f.s.Diff(f.ctx, art.ID, 1, 2); return err },
		"rollback to a missing version": func() error {
			_, err := f.s.Rollback(f.ctx, f.rita, art.ID, 5, "")
			return err
		},
		"rollback":          func() error { _, err := f.s.Rollback(f.ctx, f.rita, missing, 1, ""); return err },
		"archive":           func() error { _, err := f.s.Archive(f.ctx, f.rita, missing, ""); return err },
		"unarchive":         func() error { _, err := f.s.Unarchive(f.ctx, f.rita, missing, ""); return err },
		"best practice":     func() error { _, err := f.s.SetBestPractice(f.ctx, f.rita, missing, true); return err },
		"comment article":   func() error { _, err := f.s.CommentArticle(f.ctx, f.agent, missing, "x"); return err },
		"missing candidate": func() error { _, err := f.s.Approve(f.ctx, f.admin, missing, ""); return err },
	}
	for name, check := range checks {
		wantIs(t, name, check(), articles.ErrNotFound)
	}
}

func testOptimisticLock(f *fixture) {
	t := f.t
	c := f.draft("Optimistic locking")
	first, err := f.s.UpdateCandidate(f.ctx, f.agent, c.ID, content("Optimistic locking, first edit"), c.Revision)
	if err != nil {
		t.Fatal(err)
	}
	if first.Revision != c.Revision+1 || !first.UpdatedAt.After(c.UpdatedAt) && !first.UpdatedAt.Equal(c.UpdatedAt) {
		t.Errorf("after edit: revision %d, updated %v", first.Revision, first.UpdatedAt)
	}
	_, err = f.s.UpdateCandidate(f.ctx, f.manager, c.ID, content("Optimistic locking, stale edit"), c.Revision)
	wantIs(t, "stale edit", err, articles.ErrConflict)
	got, err := f.s.GetCandidate(f.ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Content.Title != "Optimistic locking, first edit" || got.Revision != first.Revision {
		t.Errorf("stale edit overwrote: %q rev %d", got.Content.Title, got.Revision)
	}
	// Other steps move the revision on too, so an editor who missed them reloads.
	if _, err := f.s.Assign(f.ctx, f.rita, c.ID, f.rita.Login); err != nil {
		t.Fatal(err)
	}
	_, err = f.s.UpdateCandidate(f.ctx, f.agent, c.ID, content("Optimistic locking, after assign"), first.Revision)
	wantIs(t, "edit after an assignment", err, articles.ErrConflict)
	// Assigning the same reviewer again changes nothing.
	cur, _ := f.s.GetCandidate(f.ctx, c.ID)
	again, err := f.s.Assign(f.ctx, f.rita, c.ID, f.rita.Login)
	if err != nil || again.Revision != cur.Revision {
		t.Errorf("re-assigning the same reviewer: rev %d -> %d, %v", cur.Revision, again.Revision, err)
	}
}

func testApprove(f *fixture) {
	t := f.t
	orig := content("Wi-Fi drops on floor 3")
	orig.ProductVersions = []string{"AP-200 fw 4.1"}
	cand := f.inReview(f.create(f.agent, articles.CandidateInput{Content: orig, Sources: []int64{101, 102, 103}, Evidence: 3}))
	art, err := f.s.Approve(f.ctx, f.rita, cand.ID, "clear and reproducible")
	if err != nil {
		t.Fatal(err)
	}
	if art.ID == 0 || art.Status != articles.ArticlePublished || art.CurrentVersion != 1 || art.BestPractice ||
		!reflect.DeepEqual(art.Content, orig) {
		t.Errorf("approved new article = %+v", art)
	}
	got, err := f.s.GetArticle(f.ctx, art.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, art) {
		t.Errorf("read back %+v, want %+v", got, art)
	}
	c, err := f.s.GetCandidate(f.ctx, cand.ID)
	if err != nil || c.Status != articles.StatusApproved || c.ArticleID != art.ID {
		t.Errorf("approved candidate = %+v (%v)", c, err)
	}
	v1, err := f.s.Version(f.ctx, art.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	if v1.Number != 1 || v1.ArticleID != art.ID || v1.Author != f.agent.Login || v1.ApprovedBy != f.rita.Login ||
		v1.SourceCandidateID != cand.ID || v1.Note != "clear and reproducible" || !reflect.DeepEqual(v1.Content, orig) {
		t.Errorf("version 1 = %+v", v1)
	}

	upd := orig
	upd.Steps = append(slices.Clone(orig.Steps), "Update the access point firmware to 4.2")
	upd.ProductVersions = []string{"AP-200 fw 4.2"}
	uc := f.updateInReview(art.ID, upd)
	art2, err := f.s.Approve(f.ctx, f.rita, uc.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if art2.ID != art.ID || art2.CurrentVersion != 2 || !reflect.DeepEqual(art2.Content, upd) ||
		!art2.CreatedAt.Equal(art.CreatedAt) {
		t.Errorf("after update = %+v", art2)
	}
	vs, err := f.s.Versions(f.ctx, art.ID)
	if err != nil || len(vs) != 2 {
		t.Fatalf("versions = %+v (%v)", vs, err)
	}
	if !reflect.DeepEqual(vs[0], v1) || vs[1].Number != 2 || vs[1].SourceCandidateID != uc.ID || !reflect.DeepEqual(vs[1].Content, upd) {
		t.Errorf("versions = %+v", vs)
	}
	if list, err := f.s.ListArticles(f.ctx, articles.ArticleFilter{}); err != nil || len(list) != 1 {
		t.Errorf("an update created another article: %d (%v)", len(list), err)
	}
	hist, err := f.s.ArticleHistory(f.ctx, art.ID)
	if err != nil || len(hist) != 2 || hist[0].Action != articles.ActPublish || hist[1].Action != articles.ActAddVersion ||
		hist[1].Actor != f.rita.Login {
		t.Errorf("article history = %+v (%v)", hist, err)
	}
	pub, err := f.s.PublishedArticles(f.ctx)
	if err != nil || len(pub) != 1 || !reflect.DeepEqual(pub[0].Content, upd) {
		t.Errorf("published = %+v (%v)", pub, err)
	}
}

func testDiffAndRollback(f *fixture) {
	t := f.t
	a := content("VPN drops every hour")
	a.Steps = []string{"Open the VPN client", "Disable IPv6 on the adapter", "Reconnect"}
	art := f.published(a)
	b := a
	b.Title = "VPN disconnects every 60 minutes"
	b.Steps = []string{"Open the VPN client", "Set the rekey interval to 8 hours", "Reconnect"}
	b.Tags = []string{"vpn", "rekey"}
	if _, err := f.s.Approve(f.ctx, f.rita, f.updateInReview(art.ID, b).ID, ""); err != nil {
		t.Fatal(err)
	}

	d, err := f.s.Diff(f.ctx, art.ID, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	if d.ArticleID != art.ID || d.From != 1 || d.To != 2 || !d.Changed() {
		t.Errorf("diff header %+v", d)
	}
	var oldText, newText, deleted, inserted string
	for _, h := range d.Hunks {
		switch h.Op {
		case articles.OpEqual:
			oldText += h.Text
			newText += h.Text
		case articles.OpDelete:
			oldText += h.Text
			deleted += h.Text
		case articles.OpInsert:
			newText += h.Text
			inserted += h.Text
		default:
			t.Errorf("unknown op %q", h.Op)
		}
	}
	if oldText != articles.Render(a) || newText != articles.Render(b) {
		t.Errorf("hunks do not rebuild the two versions:\n%s\n---\n%s", oldText, newText)
	}
	for _, line := range []string{"# VPN drops every hour", "2. Disable IPv6 on the adapter", "Tags: vpn"} {
		if !strings.Contains(deleted, line) {
			t.Errorf("deleted lines %q lack %q", deleted, line)
		}
	}
	for _, line := range []string{"# VPN disconnects every 60 minutes", "2. Set the rekey interval to 8 hours", "Tags: vpn, rekey"} {
		if !strings.Contains(inserted, line) {
			t.Errorf("inserted lines %q lack %q", inserted, line)
		}
	}
	if strings.Contains(deleted+inserted, "Open the VPN client") || strings.Contains(deleted+inserted, "Reconnect") {
		t.Errorf("unchanged steps show as changed: -%q +%q", deleted, inserted)
	}
	for _, want := range []string{"--- article", "+++ article", "@@ ", "-# VPN drops every hour\n", "+# VPN disconnects every 60 minutes\n",
		"-2. Disable IPv6 on the adapter\n", "+2. Set the rekey interval to 8 hours\n", " 1. Open the VPN client\n"} {
		if !strings.Contains(d.Unified, want) {
			t.Errorf("unified diff lacks %q:\n%s", want, d.Unified)
		}
	}
	same, err := f.s.Diff(f.ctx, art.ID, 2, 2)
	if err != nil || same.Changed() || same.Unified != "" {
		t.Errorf("diff of a version with itself: %+v (%v)", same, err)
	}

	rolled, err := f.s.Rollback(f.ctx, f.rita, art.ID, 1, "the rekey advice was wrong")
	if err != nil {
		t.Fatal(err)
	}
	if rolled.CurrentVersion != 3 || !reflect.DeepEqual(rolled.Content, a) {
		t.Errorf("after rollback %+v", rolled)
	}
	vs, err := f.s.Versions(f.ctx, art.ID)
	if err != nil || len(vs) != 3 {
		t.Fatalf("versions after rollback: %d (%v)", len(vs), err)
	}
	if !reflect.DeepEqual(vs[0].Content, a) || !reflect.DeepEqual(vs[1].Content, b) || !reflect.DeepEqual(vs[2].Content, a) {
		t.Error("rollback rewrote history")
	}
	if vs[2].RollbackOf != 1 || vs[2].ApprovedBy != f.rita.Login || vs[2].Note != "the rekey advice was wrong" || vs[2].SourceCandidateID != 0 {
		t.Errorf("rollback version = %+v", vs[2])
	}
	if d13, err := f.s.Diff(f.ctx, art.ID, 1, 3); err != nil || d13.Changed() {
		t.Errorf("diff 1..3 after rollback to 1: changed=%v (%v)", d13.Changed(), err)
	}
	if d32, err := f.s.Diff(f.ctx, art.ID, 3, 2); err != nil || !d32.Changed() {
		t.Errorf("diff 3..2: changed=%v (%v)", d32.Changed(), err)
	}
	_, err = f.s.Rollback(f.ctx, f.rita, art.ID, 3, "")
	wantIs(t, "rollback to the current version", err, articles.ErrConflict)
	// Rolling forward is a rollback too.
	if fwd, err := f.s.Rollback(f.ctx, f.admin, art.ID, 2, ""); err != nil || fwd.CurrentVersion != 4 || !reflect.DeepEqual(fwd.Content, b) {
		t.Errorf("roll forward to 2: %+v (%v)", fwd, err)
	}
}

func testArchive(f *fixture) {
	t := f.t
	art := f.published(content("Legacy ERP login"))
	uc := f.updateInReview(art.ID, content("Legacy ERP login (revised)"))
	arch, err := f.s.Archive(f.ctx, f.rita, art.ID, "ERP retired")
	if err != nil || arch.Status != articles.ArticleArchived || arch.CurrentVersion != 1 {
		t.Fatalf("archive: %+v (%v)", arch, err)
	}
	_, err = f.s.Archive(f.ctx, f.rita, art.ID, "")
	wantIs(t, "archive twice", err, articles.ErrConflict)
	if err != nil && !strings.Contains(err.Error(), "archived") {
		t.Errorf("error %q does not name the state", err)
	}
	_, err = f.s.Approve(f.ctx, f.rita, uc.ID, "")
	wantIs(t, "approve an update of an archived article", err, articles.ErrConflict)
	if c, _ := f.s.GetCandidate(f.ctx, uc.ID); c.Status != articles.StatusInReview {
		t.Errorf("failed approval moved the candidate to %s", c.Status)
	}
	if vs, _ := f.s.Versions(f.ctx, art.ID); len(vs) != 1 {
		t.Errorf("failed approval left %d versions", len(vs))
	}
	_, err = f.s.Rollback(f.ctx, f.rita, art.ID, 1, "")
	wantIs(t, "rollback of an archived article", err, articles.ErrConflict)
	if pub, _ := f.s.PublishedArticles(f.ctx); len(pub) != 0 {
		t.Errorf("archived article is still published: %+v", pub)
	}
	if l, _ := f.s.ListArticles(f.ctx, articles.ArticleFilter{Status: articles.ArticleArchived}); len(l) != 1 || l[0].ID != art.ID {
		t.Errorf("archived list = %+v", l)
	}
	if l, _ := f.s.ListArticles(f.ctx, articles.ArticleFilter{Status: articles.ArticlePublished}); len(l) != 0 {
		t.Errorf("published list = %+v", l)
	}
	if _, err := f.s.CommentArticle(f.ctx, f.agent, art.ID, "still asked about by one customer"); err != nil {
		t.Errorf("comment on an archived article: %v", err)
	}
	un, err := f.s.Unarchive(f.ctx, f.admin, art.ID, "")
	if err != nil || un.Status != articles.ArticlePublished {
		t.Fatalf("unarchive: %+v (%v)", un, err)
	}
	_, err = f.s.Unarchive(f.ctx, f.admin, art.ID, "")
	wantIs(t, "unarchive a published article", err, articles.ErrConflict)
	if a2, err := f.s.Approve(f.ctx, f.rita, uc.ID, ""); err != nil || a2.CurrentVersion != 2 {
		t.Errorf("approve after unarchive: %+v (%v)", a2, err)
	}
	hist, _ := f.s.ArticleHistory(f.ctx, art.ID)
	var acts []articles.Action
	for _, h := range hist {
		acts = append(acts, h.Action)
	}
	if want := []articles.Action{articles.ActPublish, articles.ActArchive, articles.ActUnarchive, articles.ActAddVersion}; !slices.Equal(acts, want) {
		t.Errorf("article history %v, want %v", acts, want)
	}
	if hist[1].From != string(articles.ArticlePublished) || hist[1].To != string(articles.ArticleArchived) || hist[1].Note != "ERP retired" {
		t.Errorf("archive step = %+v", hist[1])
	}
}

func ids(as []articles.Article) []int64 {
	out := make([]int64, len(as))
	for i, a := range as {
		out[i] = a.ID
	}
	return out
}

func testBestPracticeAndFilters(f *fixture) {
	t := f.t
	ca := content("Remote desktop gateway unreachable")
	ca.Categories, ca.Products, ca.Tags = []string{"Network"}, []string{"VPN Client"}, []string{"vpn"}
	cb := content("Laptop battery drains overnight")
	cb.Categories, cb.Products, cb.Tags = []string{"Hardware"}, []string{"Laptop"}, []string{"Battery", "VPN"}
	cc := content("Guest Wi-Fi portal loops")
	cc.Categories, cc.Products, cc.Tags = []string{"Network"}, []string{"Router"}, []string{"wifi"}
	a, b, c := f.published(ca), f.published(cb), f.published(cc)

	events := f.eventCount()
	marked, err := f.s.SetBestPractice(f.ctx, f.rita, b.ID, true)
	if err != nil || !marked.BestPractice || !reflect.DeepEqual(marked.Content, cb) {
		t.Fatalf("mark best practice: %+v (%v)", marked, err)
	}
	if again, err := f.s.SetBestPractice(f.ctx, f.rita, b.ID, true); err != nil || !again.BestPractice {
		t.Errorf("mark again: %+v (%v)", again, err)
	}
	if n := f.eventCount(); n != events+1 {
		t.Errorf("marking twice wrote %d events, want 1", n-events)
	}
	if got, _ := f.s.GetArticle(f.ctx, b.ID); !got.BestPractice {
		t.Error("best practice flag not stored")
	}
	yes, no := true, false
	cases := []struct {
		name string
		f    articles.ArticleFilter
		want []int64
	}{
		{"all", articles.ArticleFilter{}, []int64{a.ID, b.ID, c.ID}},
		{"best practice", articles.ArticleFilter{BestPractice: &yes}, []int64{b.ID}},
		{"not best practice", articles.ArticleFilter{BestPractice: &no}, []int64{a.ID, c.ID}},
		{"category, other case", articles.ArticleFilter{Category: "network"}, []int64{a.ID, c.ID}},
		{"product", articles.ArticleFilter{Product: " LAPTOP "}, []int64{b.ID}},
		{"tag", articles.ArticleFilter{Tag: "vpn"}, []int64{a.ID, b.ID}},
		{"category and tag", articles.ArticleFilter{Category: "Network", Tag: "wifi"}, []int64{c.ID}},
		{"tag and best practice", articles.ArticleFilter{Tag: "vpn", BestPractice: &yes}, []int64{b.ID}},
		{"no match", articles.ArticleFilter{Product: "Printer"}, nil},
		{"published", articles.ArticleFilter{Status: articles.ArticlePublished}, []int64{a.ID, b.ID, c.ID}},
		{"first page", articles.ArticleFilter{Limit: 2}, []int64{a.ID, b.ID}},
		{"second page", articles.ArticleFilter{Limit: 2, Offset: 2}, []int64{c.ID}},
	}
	for _, tc := range cases {
		got, err := f.s.ListArticles(f.ctx, tc.f)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !slices.Equal(ids(got), tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, ids(got), tc.want)
		}
	}
	// Labels follow the current version.
	ca2 := ca
	ca2.Tags = []string{"remote-desktop"}
	if _, err := f.s.Approve(f.ctx, f.rita, f.updateInReview(a.ID, ca2).ID, ""); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.s.ListArticles(f.ctx, articles.ArticleFilter{Tag: "vpn"}); !slices.Equal(ids(got), []int64{b.ID}) {
		t.Errorf("tag vpn after a's update: %v", ids(got))
	}
	if got, _ := f.s.ListArticles(f.ctx, articles.ArticleFilter{Tag: "remote-desktop"}); !slices.Equal(ids(got), []int64{a.ID}) {
		t.Errorf("tag remote-desktop after a's update: %v", ids(got))
	}
	if un, err := f.s.SetBestPractice(f.ctx, f.admin, b.ID, false); err != nil || un.BestPractice {
		t.Errorf("unmark: %+v (%v)", un, err)
	}

	// Candidate lists filter and page too.
	d1 := f.draft("Filter candidate one")
	d2 := f.inReview(f.draft("Filter candidate two"))
	got, err := f.s.ListCandidates(f.ctx, articles.CandidateFilter{Status: articles.StatusInReview, Reviewer: f.rita.Login})
	if err != nil || len(got) != 1 || got[0].ID != d2.ID {
		t.Errorf("in review for rita: %+v (%v)", got, err)
	}
	got, err = f.s.ListCandidates(f.ctx, articles.CandidateFilter{Status: articles.StatusCandidate, Author: f.agent.Login})
	if err != nil || len(got) != 1 || got[0].ID != d1.ID {
		t.Errorf("drafts by alice: %+v (%v)", got, err)
	}
	all, _ := f.s.ListCandidates(f.ctx, articles.CandidateFilter{})
	upd, _ := f.s.ListCandidates(f.ctx, articles.CandidateFilter{Kind: articles.KindUpdate})
	page, _ := f.s.ListCandidates(f.ctx, articles.CandidateFilter{Limit: 2, Offset: 1})
	if len(all) != 6 || len(upd) != 1 || len(page) != 2 || page[0].ID != all[1].ID {
		t.Errorf("candidate lists: all %d, updates %d, page %d", len(all), len(upd), len(page))
	}
}

func testComments(f *fixture) {
	t := f.t
	c := f.inReview(f.draft("Comments on a candidate"))
	c1, err := f.s.CommentCandidate(f.ctx, f.agent, c.ID, "  seen on three tickets this week ")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.CommentCandidate(f.ctx, f.rita, c.ID, "which build?"); err != nil {
		t.Fatal(err)
	}
	got, err := f.s.GetCandidate(f.ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Comments) != 2 || got.Comments[0] != c1 || got.Comments[0].Body != "seen on three tickets this week" ||
		got.Comments[0].Author != f.agent.Login || got.Comments[1].Author != f.rita.Login ||
		got.Comments[0].Entity != articles.EntityCandidate || got.Comments[0].EntityID != c.ID {
		t.Errorf("comments = %+v", got.Comments)
	}
	if got.Revision != c.Revision {
		t.Error("a comment moved the revision")
	}
	if list, _ := f.s.ListCandidates(f.ctx, articles.CandidateFilter{}); len(list) != 1 || list[0].Comments != nil {
		t.Errorf("list carries comments: %+v", list)
	}
	art, err := f.s.Approve(f.ctx, f.rita, c.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.s.CommentCandidate(f.ctx, f.agent, c.ID, "too late")
	wantIs(t, "comment on an approved candidate", err, articles.ErrConflict)
	ac, err := f.s.CommentArticle(f.ctx, f.manager, art.ID, "customers like this one")
	if err != nil {
		t.Fatal(err)
	}
	ga, err := f.s.GetArticle(f.ctx, art.ID)
	if err != nil || len(ga.Comments) != 1 || ga.Comments[0] != ac || ac.Entity != articles.EntityArticle {
		t.Errorf("article comments = %+v (%v)", ga.Comments, err)
	}
	evs := f.events()
	var kinds []articles.EventType
	for _, e := range evs {
		if strings.HasSuffix(string(e.Type), ".commented") {
			kinds = append(kinds, e.Type)
		}
	}
	if want := []articles.EventType{articles.EventCandidateCommented, articles.EventCandidateCommented, articles.EventArticleCommented}; !slices.Equal(kinds, want) {
		t.Errorf("comment events %v, want %v", kinds, want)
	}
}

func testFeedback(f *fixture) {
	t := f.t
	art := f.published(content("Article for feedback"))
	start := time.Now().Add(-time.Second)
	record := func(fb articles.Feedback) articles.Feedback {
		t.Helper()
		got, err := f.s.RecordFeedback(f.ctx, f.agent, fb)
		if err != nil {
			t.Fatalf("record %+v: %v", fb, err)
		}
		return got
	}
	recorded := []articles.Feedback{
		record(articles.Feedback{TicketID: 100, CaseTicketID: 7, Kind: articles.FeedbackNotHelpful, Query: "  vpn drops  "}),
		record(articles.Feedback{TicketID: 100, ArticleID: art.ID, Kind: articles.FeedbackNotHelpful}),
		record(articles.Feedback{TicketID: 101, CaseTicketID: 7, Kind: articles.FeedbackHelpful}),
		record(articles.Feedback{TicketID: 101, CaseTicketID: 8, Kind: articles.FeedbackNotHelpful}),
		record(articles.Feedback{TicketID: 102, ArticleID: art.ID, Kind: articles.FeedbackUsed}),
		record(articles.Feedback{TicketID: 103, CaseTicketID: 9, Kind: articles.FeedbackDuplicate}),
		record(articles.Feedback{TicketID: 104, CaseTicketID: 8, Kind: articles.FeedbackNotHelpful}),
		record(articles.Feedback{TicketID: 104, CaseTicketID: 8, Kind: articles.FeedbackNotHelpful}),
	}
	for i, fb := range recorded {
		if fb.At.IsZero() || fb.Actor != f.agent.Login || (i > 0 && fb.Seq <= recorded[i-1].Seq) {
			t.Errorf("feedback %d = %+v", i, fb)
		}
	}
	if recorded[0].Query != "vpn drops" {
		t.Errorf("query not trimmed: %q", recorded[0].Query)
	}
	cases, arts, err := f.s.FeedbackScores(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantCases := map[int64]articles.Score{7: {Helpful: 1, NotHelpful: 1}, 8: {NotHelpful: 3}, 9: {Duplicate: 1}}
	wantArts := map[int64]articles.Score{art.ID: {NotHelpful: 1, Used: 1}}
	if !reflect.DeepEqual(cases, wantCases) || !reflect.DeepEqual(arts, wantArts) {
		t.Errorf("scores: cases %v, articles %v; want %v, %v", cases, arts, wantCases, wantArts)
	}
	gaps, err := f.s.UnhelpedTickets(f.ctx, start)
	if err != nil || !slices.Equal(gaps, []int64{100, 104}) {
		t.Errorf("unhelped tickets = %v (%v), want [100 104]", gaps, err)
	}
	if gaps, err := f.s.UnhelpedTickets(f.ctx, time.Now().Add(time.Hour)); err != nil || len(gaps) != 0 {
		t.Errorf("unhelped since the future = %v (%v)", gaps, err)
	}
	used, err := f.s.ArticlesUsed(f.ctx)
	if err != nil || !reflect.DeepEqual(used, map[int64]int64{102: art.ID}) {
		t.Errorf("articles used = %v (%v), want ticket 102 -> %d", used, err, art.ID)
	}
	other := f.published(content("A second article"))
	recorded = append(recorded, record(articles.Feedback{TicketID: 102, ArticleID: other.ID, Kind: articles.FeedbackUsed}))
	if used, err := f.s.ArticlesUsed(f.ctx); err != nil || used[102] != other.ID {
		t.Errorf("the latest article used must win: %v (%v)", used, err)
	}
	record(articles.Feedback{TicketID: 100, CaseTicketID: 12, Kind: articles.FeedbackUsed})
	if gaps, err := f.s.UnhelpedTickets(f.ctx, start); err != nil || !slices.Equal(gaps, []int64{104}) {
		t.Errorf("after ticket 100 used a case: %v (%v), want [104]", gaps, err)
	}

	before := f.eventCount()
	bad := []struct {
		fb    articles.Feedback
		field string
	}{
		{articles.Feedback{CaseTicketID: 7, Kind: articles.FeedbackHelpful}, "ticket_id"},
		{articles.Feedback{TicketID: 1, Kind: articles.FeedbackHelpful}, "case_ticket_id"},
		{articles.Feedback{TicketID: 1, CaseTicketID: 7, ArticleID: art.ID, Kind: articles.FeedbackHelpful}, "case_ticket_id"},
		{articles.Feedback{TicketID: 1, CaseTicketID: 7, Kind: "meh"}, "kind"},
		{articles.Feedback{TicketID: 1, ArticleID: art.ID + 100, Kind: articles.FeedbackUsed}, "article_id"},
		{articles.Feedback{TicketID: 1, CaseTicketID: 7, Kind: articles.FeedbackUsed, Query: strings.Repeat("q", 1001)}, "query"},
	}
	for _, b := range bad {
		_, err := f.s.RecordFeedback(f.ctx, f.agent, b.fb)
		wantField(t, fmt.Sprintf("feedback %+v", b.fb), err, b.field)
	}
	if n := f.eventCount(); n != before {
		t.Errorf("invalid feedback wrote %d events", n-before)
	}
	var fbEvents []articles.Feedback
	for _, e := range f.events() {
		if e.Type != articles.EventFeedbackRecorded {
			continue
		}
		var fb articles.Feedback
		if err := json.Unmarshal(e.Payload, &fb); err != nil {
			t.Fatal(err)
		}
		if e.Entity != articles.EntityFeedback || e.EntityID != fb.Seq {
			t.Errorf("feedback event names %s %d, payload seq %d", e.Entity, e.EntityID, fb.Seq)
		}
		fbEvents = append(fbEvents, fb)
	}
	if len(fbEvents) != len(recorded)+1 {
		t.Fatalf("%d feedback events, want %d", len(fbEvents), len(recorded)+1)
	}
	for i, fb := range recorded {
		if !reflect.DeepEqual(fbEvents[i], fb) {
			t.Errorf("feedback event %d = %+v, want %+v", i, fbEvents[i], fb)
		}
	}
}

func testEvents(f *fixture) {
	t := f.t
	if evs, err := f.s.EventsAfter(f.ctx, 0, 10); err != nil || len(evs) != 0 {
		t.Fatalf("fresh store has events %v (%v)", evs, err)
	}
	c := f.draft("Event log article")
	if _, err := f.s.Assign(f.ctx, f.rita, c.ID, f.rita.Login); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Submit(f.ctx, f.agent, c.ID, "", ""); err != nil {
		t.Fatal(err)
	}
	art, err := f.s.Approve(f.ctx, f.rita, c.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	u := f.updateInReview(art.ID, content("Event log article, revised")) // created, assigned, submitted
	if _, err := f.s.RequestChanges(f.ctx, f.rita, u.ID, "typo"); err != nil {
		t.Fatal(err)
	}
	u, _ = f.s.GetCandidate(f.ctx, u.ID)
	if _, err := f.s.UpdateCandidate(f.ctx, f.agent, u.ID, content("Event log article, revised again"), u.Revision); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Submit(f.ctx, f.agent, u.ID, "", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Approve(f.ctx, f.rita, u.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.CommentArticle(f.ctx, f.agent, art.ID, "nice"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Archive(f.ctx, f.rita, art.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Unarchive(f.ctx, f.rita, art.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.SetBestPractice(f.ctx, f.rita, art.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Rollback(f.ctx, f.rita, art.ID, 1, ""); err != nil {
		t.Fatal(err)
	}
	second := f.published(content("Second event log article"))
	if _, err := f.s.Archive(f.ctx, f.admin, second.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.RecordFeedback(f.ctx, f.agent, articles.Feedback{TicketID: 5, ArticleID: art.ID, Kind: articles.FeedbackUsed}); err != nil {
		t.Fatal(err)
	}

	evs := f.events()
	want := []articles.EventType{
		articles.EventCandidateCreated, articles.EventCandidateAssigned, articles.EventCandidateSubmitted,
		articles.EventCandidateApproved, articles.EventArticlePublished,
		articles.EventCandidateCreated, articles.EventCandidateAssigned, articles.EventCandidateSubmitted,
		articles.EventCandidateChangesRequested, articles.EventCandidateEdited, articles.EventCandidateSubmitted,
		articles.EventCandidateApproved, articles.EventArticleVersionAdded,
		articles.EventArticleCommented, articles.EventArticleArchived, articles.EventArticleUnarchived,
		articles.EventArticleBestPractice, articles.EventArticleRolledBack,
		articles.EventCandidateCreated, articles.EventCandidateAssigned, articles.EventCandidateSubmitted,
		articles.EventCandidateApproved, articles.EventArticlePublished, articles.EventArticleArchived,
		articles.EventFeedbackRecorded,
	}
	if got := types(evs); !slices.Equal(got, want) {
		t.Fatalf("event types\n got %v\nwant %v", got, want)
	}
	for i, e := range evs {
		if i > 0 && e.Seq <= evs[i-1].Seq {
			t.Errorf("event %d: seq %d after %d", i, e.Seq, evs[i-1].Seq)
		}
		if e.At.IsZero() || e.Actor == "" || e.EntityID == 0 || !json.Valid(e.Payload) {
			t.Errorf("event %d = %+v", i, e)
		}
	}
	if evs[0].Entity != articles.EntityCandidate || evs[0].EntityID != c.ID || evs[0].Actor != f.agent.Login {
		t.Errorf("first event %+v", evs[0])
	}
	if evs[4].Entity != articles.EntityArticle || evs[4].EntityID != art.ID || evs[4].Actor != f.rita.Login {
		t.Errorf("publish event %+v", evs[4])
	}
	var approved articles.CandidateEvent
	if err := json.Unmarshal(evs[3].Payload, &approved); err != nil {
		t.Fatal(err)
	}
	if approved.Candidate.ID != c.ID || approved.Candidate.Status != articles.StatusApproved || approved.Candidate.ArticleID != art.ID ||
		approved.Transition == nil || approved.Transition.From != string(articles.StatusInReview) {
		t.Errorf("approval payload %+v", approved)
	}
	// Paging sees the same log.
	head, err := f.s.EventsAfter(f.ctx, 0, 5)
	if err != nil || len(head) != 5 || head[4].Seq != evs[4].Seq {
		t.Fatalf("first page: %d events (%v)", len(head), err)
	}
	rest, err := f.s.EventsAfter(f.ctx, head[4].Seq, 1000)
	if err != nil || len(rest) != len(evs)-5 || rest[0].Seq != evs[5].Seq {
		t.Errorf("second page: %d events (%v)", len(rest), err)
	}
	if tail, err := f.s.EventsAfter(f.ctx, evs[len(evs)-1].Seq, 10); err != nil || len(tail) != 0 {
		t.Errorf("after the last event: %v (%v)", tail, err)
	}

	// A replica rebuilds the published set from article snapshots alone.
	replica := map[int64]articles.Article{}
	for _, e := range evs {
		if e.Entity != articles.EntityArticle {
			continue
		}
		var ae articles.ArticleEvent
		if err := json.Unmarshal(e.Payload, &ae); err != nil {
			t.Fatalf("event %d payload: %v", e.Seq, err)
		}
		replica[ae.Article.ID] = ae.Article
	}
	var rebuilt []articles.Article
	for _, a := range replica {
		if a.Status == articles.ArticlePublished {
			rebuilt = append(rebuilt, a)
		}
	}
	slices.SortFunc(rebuilt, func(a, b articles.Article) int { return int(a.ID - b.ID) })
	pub, err := f.s.PublishedArticles(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rebuilt, pub) {
		t.Errorf("replayed published set\n%+v\nwant\n%+v", rebuilt, pub)
	}
	if len(pub) != 1 || pub[0].CurrentVersion != 3 || !pub[0].BestPractice {
		t.Errorf("published = %+v", pub)
	}
}

func testConcurrentApprove(f *fixture) {
	t := f.t
	c := f.inReview(f.draft("Concurrent approval"))
	before := f.eventCount()
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		who := f.rita
		if i%2 == 1 {
			who = f.admin
		}
		wg.Go(func() { _, errs[i] = f.s.Approve(f.ctx, who, c.ID, "") })
	}
	wg.Wait()
	ok := 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, articles.ErrConflict):
			t.Errorf("approval %d: %v, want success or ErrConflict", i, err)
		}
	}
	if ok != 1 {
		t.Errorf("%d approvals succeeded, want 1", ok)
	}
	all, err := f.s.ListArticles(f.ctx, articles.ArticleFilter{})
	if err != nil || len(all) != 1 {
		t.Fatalf("%d articles after concurrent approvals (%v)", len(all), err)
	}
	if vs, _ := f.s.Versions(f.ctx, all[0].ID); len(vs) != 1 {
		t.Errorf("%d versions after concurrent approvals", len(vs))
	}
	evs := f.events()[before:]
	if got := types(evs); !slices.Equal(got, []articles.EventType{articles.EventCandidateApproved, articles.EventArticlePublished}) {
		t.Errorf("events after concurrent approvals: %v", got)
	}

	// Concurrent updates of one article take distinct version numbers.
	var cands []articles.Candidate
	for i := range 4 {
		cands = append(cands, f.updateInReview(all[0].ID, content(fmt.Sprintf("Concurrent update %d", i))))
	}
	errs = make([]error, len(cands))
	for i, uc := range cands {
		wg.Go(func() { _, errs[i] = f.s.Approve(f.ctx, f.rita, uc.ID, "") })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("update %d: %v", i, err)
		}
	}
	vs, err := f.s.Versions(f.ctx, all[0].ID)
	if err != nil || len(vs) != 1+len(cands) {
		t.Fatalf("%d versions after concurrent updates (%v)", len(vs), err)
	}
	seen := map[int64]bool{}
	for i, v := range vs {
		if v.Number != i+1 {
			t.Errorf("version %d numbered %d", i+1, v.Number)
		}
		seen[v.SourceCandidateID] = true
	}
	for _, uc := range cands {
		if !seen[uc.ID] {
			t.Errorf("candidate %d published no version", uc.ID)
		}
	}
	art, _ := f.s.GetArticle(f.ctx, all[0].ID)
	if art.CurrentVersion != len(vs) {
		t.Errorf("current version %d, want %d", art.CurrentVersion, len(vs))
	}
}

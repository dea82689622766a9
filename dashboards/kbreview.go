package dashboards

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	"github.com/sergi/go-diff/diffmatchpatch"
	"golang.org/x/sync/errgroup"

	"github.com/deskmine/deskmine/kb/articles"
	"github.com/deskmine/deskmine/ticketcore"
)

// The quality team's screens: the candidate queue, the review screen with
// the source tickets beside the proposal, and the published articles with
// their versions. Every rule about who may do what stays in kb/articles;
// these handlers only ask it (CandidateStep) which buttons to show and let
// the store refuse what the page did not foresee.

const (
	kbOpen = "open" // the queue's default: candidates with review work left
	kbAll  = "all"
	// kbMaxSources bounds the source tickets fetched for one review screen:
	// a large cluster would otherwise cost one ticket read per source.
	kbMaxSources = 20
	// kbDefaultLimit is how many rows a list shows unless told otherwise.
	kbDefaultLimit = 200
	// kbMaxFilter bounds a text filter, as the store bounds a label.
	kbMaxFilter = 100
)

var (
	kbOpenStatuses = []articles.Status{articles.StatusCandidate, articles.StatusInReview, articles.StatusChangesRequested}
	kbStatuses     = []articles.Status{articles.StatusCandidate, articles.StatusInReview, articles.StatusChangesRequested,
		articles.StatusApproved, articles.StatusRejected}
	// kbDecisions are the actions the review screen posts, in the order
	// its buttons appear.
	kbDecisions = []string{"assign", "submit", "approve", "request-changes", "reject", "comment"}
	// kbStepOf is the workflow action behind each posted action.
	kbStepOf = map[string]articles.Action{
		"assign": articles.ActAssign, "submit": articles.ActSubmit, "approve": articles.ActApprove,
		"request-changes": articles.ActRequestChanges, "reject": articles.ActReject, "comment": articles.ActComment,
	}
	// kbFieldNames are the content fields in the order pages show them.
	kbFieldNames = []string{"title", "problem", "symptoms", "steps", "tags", "products", "product_versions", "categories", "lang"}
)

// kbStatusClass is the badge class that colours a state.
func kbStatusClass(status string) string {
	switch status {
	case string(articles.StatusApproved), string(articles.ArticlePublished):
		return "good"
	case string(articles.StatusChangesRequested), string(articles.StatusInReview):
		return "warn"
	case string(articles.StatusRejected), string(articles.ArticleArchived):
		return "bad"
	}
	return ""
}

func kbActor(c echo.Context) articles.Actor {
	u := currentUser(c)
	return articles.Actor{ID: u.ID, Login: u.Login, Role: string(u.Role)}
}

func kbPathID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, badField("id", "a positive whole number")
	}
	return id, nil
}

// kbRequired is the 422 of a form field left empty.
func kbRequired(field string) error {
	return &pageError{status: http.StatusUnprocessableEntity, msgKey: "error.invalid", field: field, reason: "is required"}
}

// kbDone is the flash a redirect asks for, when it names a known action.
func kbDone(c echo.Context) string {
	if d := c.QueryParam("done"); slices.Contains(kbDecisions, d) {
		return d
	}
	return ""
}

func kbTextFilter(c echo.Context, name string) (string, error) {
	v := strings.TrimSpace(c.QueryParam(name))
	if utf8.RuneCountInString(v) > kbMaxFilter {
		return "", badField(name, fmt.Sprintf("at most %d characters", kbMaxFilter))
	}
	return v, nil
}

// --- the queue

type kbQueueRow struct {
	articles.Candidate
	StatusClass string
}

type kbQueueData struct {
	Status    string // kbOpen, kbAll or one state
	Kind      string
	Mine      bool
	Limit     int
	Statuses  []articles.Status
	Rows      []kbQueueRow
	Truncated bool // more rows match than Limit
}

// kbQueue lists candidates, by default those with review work left.
func (s *Server) kbQueue(c echo.Context) error {
	d := kbQueueData{Status: c.QueryParam("status"), Kind: c.QueryParam("kind"), Statuses: kbStatuses}
	var statuses []articles.Status
	switch {
	case d.Status == "" || d.Status == kbOpen:
		d.Status, statuses = kbOpen, kbOpenStatuses
	case d.Status == kbAll:
		statuses = []articles.Status{""}
	case slices.Contains(kbStatuses, articles.Status(d.Status)):
		statuses = []articles.Status{articles.Status(d.Status)}
	default:
		return badField("status", "one of open, all, candidate, in_review, changes_requested, approved, rejected")
	}
	switch articles.Kind(d.Kind) {
	case "", articles.KindNew, articles.KindUpdate:
	default:
		return badField("kind", "new, update, or empty for both")
	}
	switch c.QueryParam("mine") {
	case "", "0":
	case "1":
		d.Mine = true
	default:
		return badField("mine", "1, or empty for every reviewer")
	}
	var err error
	if d.Limit, err = parseIntParam(c, "limit", kbDefaultLimit, 1, articles.MaxLimit); err != nil {
		return err
	}
	f := articles.CandidateFilter{Kind: articles.Kind(d.Kind), Limit: d.Limit}
	if d.Mine {
		f.Reviewer = currentUser(c).Login
	}
	ctx := c.Request().Context()
	var all []articles.Candidate
	for _, st := range statuses {
		f.Status = st
		list, err := s.opts.Knowledge.Articles().ListCandidates(ctx, f)
		if err != nil {
			return fmt.Errorf("kb queue: %w", err)
		}
		d.Truncated = d.Truncated || len(list) == d.Limit
		all = append(all, list...)
	}
	// The store orders each state by id; merged, the oldest work comes first.
	slices.SortFunc(all, func(a, b articles.Candidate) int { return cmp.Compare(a.ID, b.ID) })
	if len(all) > d.Limit {
		all, d.Truncated = all[:d.Limit], true
	}
	d.Rows = make([]kbQueueRow, len(all))
	for i, cand := range all {
		d.Rows[i] = kbQueueRow{Candidate: cand, StatusClass: kbStatusClass(string(cand.Status))}
	}
	return s.render(c, http.StatusOK, "kbqueue", d)
}

// --- the review screen

// kbSource is one source ticket of a candidate; Ticket is nil when it could
// not be read.
type kbSource struct {
	ID      int64
	Ticket  *ticketcore.Ticket
	Missing bool // the ticket service does not know it (any more)
	Failed  bool // reading it failed; the cause is logged
}

// kbSeg is one run of a diff; the template writes the <ins> and <del>
// tags around the text so that escaping stays html/template's.
type kbSeg struct {
	Op   string // articles.OpEqual, OpInsert or OpDelete
	Text string
}

// kbFieldDiff compares one content field of an article and a proposal.
type kbFieldDiff struct {
	Field   string
	Changed bool
	Segs    []kbSeg
}

type kbCandidateData struct {
	C           articles.Candidate
	StatusClass string
	History     []articles.Transition
	Sources     []kbSource
	MoreSources int
	// Target is the article an update candidate changes, at its current
	// version; TargetMissing says it could not be found.
	Target        *articles.Article
	TargetMissing bool
	Fields        []kbFieldDiff
	Changed       bool
	// PublishedURL is, once approved, the article page showing what the
	// approval changed.
	PublishedURL string
	Can          map[string]bool
	Reviewer     string // the reviewer a submit proposes
	Done         string
}

// kbCandidate is the review screen of one candidate.
func (s *Server) kbCandidate(c echo.Context) error {
	id, err := kbPathID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	st := s.opts.Knowledge.Articles()
	cand, err := st.GetCandidate(ctx, id)
	if err != nil {
		return err
	}
	d := kbCandidateData{C: cand, StatusClass: kbStatusClass(string(cand.Status)), Done: kbDone(c)}
	if d.History, err = st.History(ctx, id); err != nil {
		return fmt.Errorf("kb candidate %d history: %w", id, err)
	}
	d.Sources, d.MoreSources = s.kbSources(ctx, cand.Sources)
	if cand.Kind == articles.KindUpdate && cand.TargetArticleID > 0 {
		art, err := st.GetArticle(ctx, cand.TargetArticleID)
		switch {
		case errors.Is(err, articles.ErrNotFound):
			d.TargetMissing = true
		case err != nil:
			return fmt.Errorf("kb candidate %d target: %w", id, err)
		default:
			d.Target = &art
			if cand.Status != articles.StatusApproved {
				d.Fields = kbCompare(art.Content, cand.Content)
				for _, f := range d.Fields {
					d.Changed = d.Changed || f.Changed
				}
			}
		}
	}
	if cand.Status == articles.StatusApproved && cand.ArticleID > 0 {
		if d.PublishedURL, err = s.kbPublishedURL(ctx, cand); err != nil {
			return err
		}
	}
	actor := kbActor(c)
	d.Can = map[string]bool{}
	for _, name := range kbDecisions {
		probe := cand
		switch name {
		case "assign":
			if cand.Reviewer == actor.Login {
				continue // nothing to take over
			}
		case "submit":
			// A submit without a reviewer names the submitter (see kbDecide).
			if probe.Reviewer == "" {
				probe.Reviewer = actor.Login
			}
		}
		_, err := articles.CandidateStep(actor, probe, kbStepOf[name])
		d.Can[name] = err == nil
	}
	d.Reviewer = cand.Reviewer
	if d.Reviewer == "" {
		d.Reviewer = actor.Login
	}
	return s.render(c, http.StatusOK, "kbcandidate", d)
}

// kbSources reads up to kbMaxSources source tickets, a few at a time, and
// says how many more there are. A ticket that cannot be read is shown as
// such: the proposal is still worth reviewing without it.
func (s *Server) kbSources(ctx context.Context, ids []int64) ([]kbSource, int) {
	shown := ids[:min(len(ids), kbMaxSources)]
	out := make([]kbSource, len(shown))
	var g errgroup.Group
	g.SetLimit(4)
	for i, id := range shown {
		out[i].ID = id
		g.Go(func() error {
			t, err := s.opts.Tickets.Get(ctx, id)
			te, isTE := ticketcore.AsError(err)
			switch {
			case err == nil && t != nil:
				out[i].Ticket = t
			case errors.Is(err, ticketcore.ErrNotFound), isTE && te.Code == ticketcore.CodeNotFound, err == nil:
				out[i].Missing = true
			default:
				s.log.Warn("kb source ticket unreadable", "ticket", id, "err", err)
				out[i].Failed = true
			}
			return nil
		})
	}
	_ = g.Wait() // the goroutines report through out, never an error
	return out, len(ids) - len(shown)
}

// kbPublishedURL is the article page of an approved candidate, comparing
// the version it published with the one before.
func (s *Server) kbPublishedURL(ctx context.Context, cand articles.Candidate) (string, error) {
	base := fmt.Sprintf("%s/kb/articles/%d", Prefix, cand.ArticleID)
	vs, err := s.opts.Knowledge.Articles().Versions(ctx, cand.ArticleID)
	if err != nil {
		return "", fmt.Errorf("kb candidate %d versions: %w", cand.ID, err)
	}
	for _, v := range vs {
		if v.SourceCandidateID == cand.ID && v.Number > 1 {
			return fmt.Sprintf("%s?from=%d&to=%d", base, v.Number-1, v.Number), nil
		}
	}
	return base, nil
}

// kbFieldText lays out one content field as the text a diff compares:
// list items one a line, like articles.Render.
func kbFieldText(c articles.Content, field string) string {
	switch field {
	case "title":
		return c.Title
	case "problem":
		return c.Problem
	case "symptoms":
		return strings.Join(c.Symptoms, "\n")
	case "steps":
		return strings.Join(c.Steps, "\n")
	case "tags":
		return strings.Join(c.Tags, "\n")
	case "products":
		return strings.Join(c.Products, "\n")
	case "product_versions":
		return strings.Join(c.ProductVersions, "\n")
	case "categories":
		return strings.Join(c.Categories, "\n")
	case "lang":
		return c.Lang
	}
	return ""
}

// kbCompare compares the current content of an article with a proposal,
// field by field, down to the changed characters: a reviewer sees the one
// word a step changed, which a line diff would hide in a whole line.
func kbCompare(from, to articles.Content) []kbFieldDiff {
	dmp := diffmatchpatch.New()
	out := make([]kbFieldDiff, 0, len(kbFieldNames))
	for _, name := range kbFieldNames {
		a, b := kbFieldText(from, name), kbFieldText(to, name)
		fd := kbFieldDiff{Field: name, Changed: a != b}
		if a == "" && b == "" {
			continue
		}
		if !fd.Changed {
			fd.Segs = []kbSeg{{Op: string(articles.OpEqual), Text: a}}
			out = append(out, fd)
			continue
		}
		diffs := dmp.DiffCleanupSemantic(dmp.DiffMain(a, b, false))
		for _, df := range diffs {
			op := articles.OpEqual
			switch df.Type {
			case diffmatchpatch.DiffInsert:
				op = articles.OpInsert
			case diffmatchpatch.DiffDelete:
				op = articles.OpDelete
			}
			fd.Segs = append(fd.Segs, kbSeg{Op: string(op), Text: df.Text})
		}
		out = append(out, fd)
	}
	return out
}

// kbHunks turns a version diff into segments for the same template.
func kbHunks(hs []articles.Hunk) []kbSeg {
	out := make([]kbSeg, len(hs))
	for i, h := range hs {
		out[i] = kbSeg{Op: string(h.Op), Text: h.Text}
	}
	return out
}

// kbDecide runs one workflow step from the review screen and sends the
// browser back to it (after an approval: to the published article).
func (s *Server) kbDecide(c echo.Context) error {
	action := c.Param("action")
	if _, ok := kbStepOf[action]; !ok {
		return badField("action", "one of "+strings.Join(kbDecisions, ", "))
	}
	id, err := kbPathID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	st := s.opts.Knowledge.Articles()
	actor := kbActor(c)
	note := strings.TrimSpace(c.FormValue("note"))
	next := fmt.Sprintf("%s/kb/candidates/%d?done=%s", Prefix, id, action)
	switch action {
	case "assign":
		_, err = st.Assign(ctx, actor, id, actor.Login)
	case "submit":
		reviewer := strings.TrimSpace(c.FormValue("reviewer"))
		if reviewer == "" {
			// Submitting needs a reviewer: keep the assigned one, or
			// name the submitter when there is none.
			cand, gerr := st.GetCandidate(ctx, id)
			if gerr != nil {
				return gerr
			}
			if cand.Reviewer == "" {
				reviewer = actor.Login
			}
		}
		_, err = st.Submit(ctx, actor, id, reviewer, note)
	case "approve":
		var art articles.Article
		if art, err = st.Approve(ctx, actor, id, note); err == nil {
			s.kbSync(ctx)
			next = fmt.Sprintf("%s/kb/articles/%d?done=%s", Prefix, art.ID, action)
		}
	case "reject", "request-changes":
		if note == "" {
			return kbRequired("note")
		}
		if action == "reject" {
			_, err = st.Reject(ctx, actor, id, note)
		} else {
			_, err = st.RequestChanges(ctx, actor, id, note)
		}
	case "comment":
		body := strings.TrimSpace(c.FormValue("body"))
		if body == "" {
			return kbRequired("body")
		}
		_, err = st.CommentCandidate(ctx, actor, id, body)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, next)
}

// kbSync indexes a just-published article so that agents find it at once
// (the periodic sync would catch it too); a failure is logged, the
// approval stands.
func (s *Server) kbSync(ctx context.Context) {
	if err := s.opts.Knowledge.SyncArticles(ctx); err != nil {
		s.log.Warn("kb article sync after approval failed", "err", err)
	}
}

// --- articles

type kbArticleRow struct {
	articles.Article
	StatusClass string
}

type kbArticlesData struct {
	Status                 string // "" for every status
	Category, Product, Tag string
	Best                   string // "", "yes" or "no"
	Limit                  int
	Rows                   []kbArticleRow
	Truncated              bool
}

// kbArticles lists published and archived articles.
func (s *Server) kbArticles(c echo.Context) error {
	d := kbArticlesData{Status: c.QueryParam("status"), Best: c.QueryParam("best")}
	f := articles.ArticleFilter{}
	switch articles.ArticleStatus(d.Status) {
	case "", articles.ArticlePublished, articles.ArticleArchived:
		f.Status = articles.ArticleStatus(d.Status)
	default:
		return badField("status", "published, archived, or empty for both")
	}
	switch d.Best {
	case "":
	case "yes", "no":
		on := d.Best == "yes"
		f.BestPractice = &on
	default:
		return badField("best", "yes, no, or empty for both")
	}
	var err error
	for name, dst := range map[string]*string{"category": &d.Category, "product": &d.Product, "tag": &d.Tag} {
		if *dst, err = kbTextFilter(c, name); err != nil {
			return err
		}
	}
	f.Category, f.Product, f.Tag = d.Category, d.Product, d.Tag
	if d.Limit, err = parseIntParam(c, "limit", kbDefaultLimit, 1, articles.MaxLimit); err != nil {
		return err
	}
	f.Limit = d.Limit
	list, err := s.opts.Knowledge.Articles().ListArticles(c.Request().Context(), f)
	if err != nil {
		return fmt.Errorf("kb articles: %w", err)
	}
	d.Truncated = len(list) == d.Limit
	d.Rows = make([]kbArticleRow, len(list))
	for i, a := range list {
		d.Rows[i] = kbArticleRow{Article: a, StatusClass: kbStatusClass(string(a.Status))}
	}
	return s.render(c, http.StatusOK, "kbarticles", d)
}

type kbArticleData struct {
	A           articles.Article
	StatusClass string
	Versions    []articles.Version
	Numbers     []int // every version number, for the diff pickers
	From, To    int   // the compared versions; 0 when there is only one
	Segs        []kbSeg
	Changed     bool
	History     []articles.Transition
	Done        string
}

// kbArticle shows an article, its versions and the diff of two of them.
func (s *Server) kbArticle(c echo.Context) error {
	id, err := kbPathID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	st := s.opts.Knowledge.Articles()
	art, err := st.GetArticle(ctx, id)
	if err != nil {
		return err
	}
	d := kbArticleData{A: art, StatusClass: kbStatusClass(string(art.Status)), Done: kbDone(c)}
	cur := art.CurrentVersion
	if d.To, err = kbVersionParam(c, "to", cur, cur); err != nil {
		return err
	}
	if d.From, err = kbVersionParam(c, "from", max(d.To-1, 1), cur); err != nil {
		return err
	}
	if d.Versions, err = st.Versions(ctx, id); err != nil {
		return fmt.Errorf("kb article %d versions: %w", id, err)
	}
	for _, v := range d.Versions {
		d.Numbers = append(d.Numbers, v.Number)
	}
	if cur > 1 || c.QueryParam("from") != "" || c.QueryParam("to") != "" {
		diff, err := st.Diff(ctx, id, d.From, d.To)
		if err != nil {
			return err
		}
		d.Segs, d.Changed = kbHunks(diff.Hunks), diff.Changed()
	} else {
		d.From, d.To = 0, 0
	}
	if d.History, err = st.ArticleHistory(ctx, id); err != nil {
		return fmt.Errorf("kb article %d history: %w", id, err)
	}
	return s.render(c, http.StatusOK, "kbarticle", d)
}

// kbVersionParam reads a version number from 1 to cur, def when absent.
func kbVersionParam(c echo.Context, name string, def, cur int) (int, error) {
	v := c.QueryParam(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > cur {
		return 0, badField(name, fmt.Sprintf("a version number from 1 to %d", cur))
	}
	return n, nil
}

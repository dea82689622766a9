package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/deskmine/deskmine/kb/articles"
)

// acting reads who calls, the id in the path and the JSON body into in;
// when one of them is missing or bad it has answered (ok false, err the
// write's error).
func (h *Handlers) acting(c echo.Context, in any) (a articles.Actor, id int64, ok bool, err error) {
	if a, ok = h.who(c); !ok {
		return a, 0, false, unauthorized(c)
	}
	if id, ok, err = pathID(c, "id"); !ok {
		return a, 0, false, err
	}
	if ok, err = decode(c, in); !ok {
		return a, 0, false, err
	}
	return a, id, true, nil
}

// pathID reads a positive id from the path; when it is not one the 400 is
// already written (ok false, err the write's error).
func pathID(c echo.Context, name string) (id int64, ok bool, err error) {
	id, perr := strconv.ParseInt(c.Param(name), 10, 64)
	if perr != nil || id <= 0 {
		return 0, false, bad(c, name, "must be a positive id")
	}
	return id, true, nil
}

// paging reads limit and offset.
func paging(c echo.Context) (limit, offset int, ok bool, err error) {
	for name, dst := range map[string]*int{"limit": &limit, "offset": &offset} {
		v := c.QueryParam(name)
		if v == "" {
			continue
		}
		n, perr := strconv.Atoi(v)
		switch {
		case perr != nil:
			return 0, 0, false, bad(c, name, "must be a whole number")
		case n < 0:
			return 0, 0, false, bad(c, name, "must not be negative")
		case name == "limit" && n > articles.MaxLimit:
			return 0, 0, false, bad(c, name, "must be at most "+strconv.Itoa(articles.MaxLimit))
		}
		*dst = n
	}
	return limit, offset, true, nil
}

// ListCandidates answers GET /candidates?status=&kind=&reviewer=&author=&limit=&offset=.
func (h *Handlers) ListCandidates(c echo.Context) error {
	limit, offset, ok, err := paging(c)
	if !ok {
		return err
	}
	f := articles.CandidateFilter{Status: articles.Status(c.QueryParam("status")), Kind: articles.Kind(c.QueryParam("kind")),
		Reviewer: c.QueryParam("reviewer"), Author: c.QueryParam("author"), Limit: limit, Offset: offset}
	list, err := h.svc.Articles().ListCandidates(c.Request().Context(), f)
	if err != nil {
		return h.fail(c, err)
	}
	if list == nil {
		list = []articles.Candidate{}
	}
	return c.JSON(http.StatusOK, map[string]any{"candidates": list})
}

// CreateCandidate answers POST /candidates: an article drafted by hand.
func (h *Handlers) CreateCandidate(c echo.Context) error {
	a, ok := h.who(c)
	if !ok {
		return unauthorized(c)
	}
	var in articles.CandidateInput
	if ok, err := decode(c, &in); !ok {
		return err
	}
	if in.MinerKey != "" {
		return bad(c, "miner_key", "is set by the miner only")
	}
	cand, _, err := h.svc.Articles().CreateCandidate(c.Request().Context(), a, in)
	if err != nil {
		return h.fail(c, err)
	}
	return c.JSON(http.StatusCreated, cand)
}

// GetCandidate answers GET /candidates/:id.
func (h *Handlers) GetCandidate(c echo.Context) error {
	id, ok, err := pathID(c, "id")
	if !ok {
		return err
	}
	cand, err := h.svc.Articles().GetCandidate(c.Request().Context(), id)
	if err != nil {
		return h.fail(c, err)
	}
	return c.JSON(http.StatusOK, cand)
}

// UpdateRequest is the body of PUT /candidates/:id: the new content and the
// revision the editor started from.
type UpdateRequest struct {
	Content  articles.Content `json:"content"`
	Revision int64            `json:"revision"`
}

// UpdateCandidate answers PUT /candidates/:id.
func (h *Handlers) UpdateCandidate(c echo.Context) error {
	var in UpdateRequest
	a, id, ok, err := h.acting(c, &in)
	if !ok {
		return err
	}
	if in.Revision <= 0 {
		return bad(c, "revision", "give the revision you edited (from GET /candidates/:id)")
	}
	cand, err := h.svc.Articles().UpdateCandidate(c.Request().Context(), a, id, in.Content, in.Revision)
	if err != nil {
		return h.fail(c, err)
	}
	return c.JSON(http.StatusOK, cand)
}

// CandidateHistory answers GET /candidates/:id/history.
func (h *Handlers) CandidateHistory(c echo.Context) error {
	return h.history(c, func(ctx context.Context, id int64) error {
		_, err := h.svc.Articles().GetCandidate(ctx, id)
		return err
	}, h.svc.Articles().History)
}

// history answers a history request: 404 unless exists finds the entity.
func (h *Handlers) history(c echo.Context, exists func(ctx context.Context, id int64) error,
	list func(ctx context.Context, id int64) ([]articles.Transition, error)) error {
	id, ok, err := pathID(c, "id")
	if !ok {
		return err
	}
	ctx := c.Request().Context()
	if err := exists(ctx, id); err != nil {
		return h.fail(c, err)
	}
	hist, err := list(ctx, id)
	if err != nil {
		return h.fail(c, err)
	}
	if hist == nil {
		hist = []articles.Transition{}
	}
	return c.JSON(http.StatusOK, map[string]any{"history": hist})
}

// StepRequest is the body of the workflow steps: a note (required to
// reject or request changes) and, to assign or submit, a reviewer login.
type StepRequest struct {
	Note     string `json:"note"`
	Reviewer string `json:"reviewer"`
}

// step runs one workflow step on the candidate in the path.
func (h *Handlers) step(c echo.Context, run func(ctx context.Context, a articles.Actor, id int64, in StepRequest) (any, error)) error {
	a, ok := h.who(c)
	if !ok {
		return unauthorized(c)
	}
	id, ok, err := pathID(c, "id")
	if !ok {
		return err
	}
	var in StepRequest
	// The body is optional, but a form post (which names its content type)
	// is refused like any body that is not JSON.
	if c.Request().ContentLength != 0 || c.Request().Header.Get(echo.HeaderContentType) != "" {
		if ok, err := decode(c, &in); !ok {
			return err
		}
	}
	ctx := c.Request().Context()
	out, err := run(ctx, a, id, in)
	if err != nil {
		return h.fail(c, err)
	}
	h.syncArticles(ctx)
	return c.JSON(http.StatusOK, out)
}

// syncArticles indexes a change the caller just made, so that its own
// next answers see it (the periodic sync would catch it too); a failure
// is logged, the change stands.
func (h *Handlers) syncArticles(ctx context.Context) {
	if err := h.svc.SyncArticles(ctx); err != nil {
		h.log.Warn("kb article sync after a change failed", "err", err)
	}
}

// Assign answers POST /candidates/:id/assign {"reviewer": login}.
func (h *Handlers) Assign(c echo.Context) error {
	return h.step(c, func(ctx context.Context, a articles.Actor, id int64, in StepRequest) (any, error) {
		return h.svc.Articles().Assign(ctx, a, id, in.Reviewer)
	})
}

// Submit answers POST /candidates/:id/submit {"reviewer"?, "note"?}.
func (h *Handlers) Submit(c echo.Context) error {
	return h.step(c, func(ctx context.Context, a articles.Actor, id int64, in StepRequest) (any, error) {
		return h.svc.Articles().Submit(ctx, a, id, in.Reviewer, in.Note)
	})
}

// Approve answers POST /candidates/:id/approve: it publishes the article
// version and returns the article.
func (h *Handlers) Approve(c echo.Context) error {
	return h.step(c, func(ctx context.Context, a articles.Actor, id int64, in StepRequest) (any, error) {
		return h.svc.Articles().Approve(ctx, a, id, in.Note)
	})
}

// Reject answers POST /candidates/:id/reject {"note": reason}.
func (h *Handlers) Reject(c echo.Context) error {
	return h.step(c, func(ctx context.Context, a articles.Actor, id int64, in StepRequest) (any, error) {
		return h.svc.Articles().Reject(ctx, a, id, in.Note)
	})
}

// RequestChanges answers POST /candidates/:id/request-changes {"note": what}.
func (h *Handlers) RequestChanges(c echo.Context) error {
	return h.step(c, func(ctx context.Context, a articles.Actor, id int64, in StepRequest) (any, error) {
		return h.svc.Articles().RequestChanges(ctx, a, id, in.Note)
	})
}

// CommentRequest is the body of the comment endpoints.
type CommentRequest struct {
	Body string `json:"body"`
}

func (h *Handlers) comment(c echo.Context, add func(ctx context.Context, a articles.Actor, id int64, body string) (articles.Comment, error)) error {
	var in CommentRequest
	a, id, ok, err := h.acting(c, &in)
	if !ok {
		return err
	}
	cm, err := add(c.Request().Context(), a, id, in.Body)
	if err != nil {
		return h.fail(c, err)
	}
	return c.JSON(http.StatusCreated, cm)
}

// CommentCandidate answers POST /candidates/:id/comments.
func (h *Handlers) CommentCandidate(c echo.Context) error {
	return h.comment(c, h.svc.Articles().CommentCandidate)
}

// CommentArticle answers POST /articles/:id/comments.
func (h *Handlers) CommentArticle(c echo.Context) error {
	return h.comment(c, h.svc.Articles().CommentArticle)
}

// ListArticles answers GET /articles?status=&category=&product=&tag=&best_practice=&limit=&offset=.
// Clients see published articles only.
func (h *Handlers) ListArticles(c echo.Context) error {
	limit, offset, ok, err := paging(c)
	if !ok {
		return err
	}
	f := articles.ArticleFilter{Status: articles.ArticleStatus(c.QueryParam("status")), Category: c.QueryParam("category"),
		Product: c.QueryParam("product"), Tag: c.QueryParam("tag"), Limit: limit, Offset: offset}
	if v := c.QueryParam("best_practice"); v != "" {
		b, perr := strconv.ParseBool(v)
		if perr != nil {
			return bad(c, "best_practice", "must be true or false")
		}
		f.BestPractice = &b
	}
	// Without a known caller there is no telling what it may see.
	a, ok := h.who(c)
	if !ok {
		return unauthorized(c)
	}
	if a.Role == articles.RoleClient {
		if f.Status != "" && f.Status != articles.ArticlePublished {
			return forbidden(c, "clients see published articles only")
		}
		f.Status = articles.ArticlePublished
	}
	list, err := h.svc.Articles().ListArticles(c.Request().Context(), f)
	if err != nil {
		return h.fail(c, err)
	}
	if list == nil {
		list = []articles.Article{}
	}
	return c.JSON(http.StatusOK, map[string]any{"articles": list})
}

// GetArticle answers GET /articles/:id. Clients see neither archived
// articles nor the staff's comments on an article.
func (h *Handlers) GetArticle(c echo.Context) error {
	a, ok := h.who(c)
	if !ok {
		return unauthorized(c)
	}
	id, ok, err := pathID(c, "id")
	if !ok {
		return err
	}
	art, err := h.svc.Articles().GetArticle(c.Request().Context(), id)
	if err != nil {
		return h.fail(c, err)
	}
	if a.Role == articles.RoleClient {
		if art.Status != articles.ArticlePublished {
			return h.fail(c, fmt.Errorf("article %d: %w", id, articles.ErrNotFound))
		}
		art.Comments = nil
	}
	return c.JSON(http.StatusOK, art)
}

// Versions answers GET /articles/:id/versions.
func (h *Handlers) Versions(c echo.Context) error {
	id, ok, err := pathID(c, "id")
	if !ok {
		return err
	}
	vs, err := h.svc.Articles().Versions(c.Request().Context(), id)
	if err != nil {
		return h.fail(c, err)
	}
	if vs == nil {
		vs = []articles.Version{}
	}
	return c.JSON(http.StatusOK, map[string]any{"versions": vs})
}

// Version answers GET /articles/:id/versions/:n.
func (h *Handlers) Version(c echo.Context) error {
	id, ok, err := pathID(c, "id")
	if !ok {
		return err
	}
	n, perr := strconv.Atoi(c.Param("n"))
	if perr != nil || n <= 0 {
		return bad(c, "n", "must be a positive version number")
	}
	v, err := h.svc.Articles().Version(c.Request().Context(), id, n)
	if err != nil {
		return h.fail(c, err)
	}
	return c.JSON(http.StatusOK, v)
}

// Diff answers GET /articles/:id/diff?from=&to=.
func (h *Handlers) Diff(c echo.Context) error {
	id, ok, err := pathID(c, "id")
	if !ok {
		return err
	}
	var from, to int
	for name, dst := range map[string]*int{"from": &from, "to": &to} {
		n, perr := strconv.Atoi(c.QueryParam(name))
		if perr != nil || n <= 0 {
			return bad(c, name, "must be a positive version number")
		}
		*dst = n
	}
	d, err := h.svc.Articles().Diff(c.Request().Context(), id, from, to)
	if err != nil {
		return h.fail(c, err)
	}
	return c.JSON(http.StatusOK, d)
}

// ArticleHistory answers GET /articles/:id/history.
func (h *Handlers) ArticleHistory(c echo.Context) error {
	return h.history(c, func(ctx context.Context, id int64) error {
		_, err := h.svc.Articles().GetArticle(ctx, id)
		return err
	}, h.svc.Articles().ArticleHistory)
}

// RollbackRequest is the body of POST /articles/:id/rollback.
type RollbackRequest struct {
	Version int    `json:"version"`
	Note    string `json:"note"`
}

// Rollback answers POST /articles/:id/rollback {"version": n, "note"?}: a
// new version with version n's content.
func (h *Handlers) Rollback(c echo.Context) error {
	var in RollbackRequest
	a, id, ok, err := h.acting(c, &in)
	if !ok {
		return err
	}
	if in.Version <= 0 {
		return bad(c, "version", "must be a positive version number")
	}
	art, err := h.svc.Articles().Rollback(c.Request().Context(), a, id, in.Version, in.Note)
	if err != nil {
		return h.fail(c, err)
	}
	h.syncArticles(c.Request().Context())
	return c.JSON(http.StatusOK, art)
}

// Archive answers POST /articles/:id/archive {"note"?}.
func (h *Handlers) Archive(c echo.Context) error {
	return h.step(c, func(ctx context.Context, a articles.Actor, id int64, in StepRequest) (any, error) {
		return h.svc.Articles().Archive(ctx, a, id, in.Note)
	})
}

// Unarchive answers POST /articles/:id/unarchive {"note"?}.
func (h *Handlers) Unarchive(c echo.Context) error {
	return h.step(c, func(ctx context.Context, a articles.Actor, id int64, in StepRequest) (any, error) {
		return h.svc.Articles().Unarchive(ctx, a, id, in.Note)
	})
}

// BestPracticeRequest is the body of POST /articles/:id/best-practice.
type BestPracticeRequest struct {
	On *bool `json:"on"`
}

// BestPractice answers POST /articles/:id/best-practice {"on": true|false}.
func (h *Handlers) BestPractice(c echo.Context) error {
	var in BestPracticeRequest
	a, id, ok, err := h.acting(c, &in)
	if !ok {
		return err
	}
	if in.On == nil {
		return bad(c, "on", "is required: true or false")
	}
	art, err := h.svc.Articles().SetBestPractice(c.Request().Context(), a, id, *in.On)
	if err != nil {
		return h.fail(c, err)
	}
	h.syncArticles(c.Request().Context())
	return c.JSON(http.StatusOK, art)
}

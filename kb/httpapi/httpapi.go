// Package httpapi serves the knowledge base under /api/v1/kb: similar
// cases, category prediction, search, feedback, mining and the article
// review workflow. The mounting server authenticates the caller, enforces
// each route's roles and tells the handlers who the caller is (Identify);
// finer rules, such as only reviewers approving, are the article store's.
package httpapi

import (
	"errors"
	"log/slog"
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/deskmine/deskmine/kb"
	"github.com/deskmine/deskmine/kb/articles"
	"github.com/deskmine/deskmine/kb/index"
)

// Prefix is the path under which the routes live.
const Prefix = "/api/v1/kb"

// Identify returns the authenticated caller of a request; ok is false when
// there is none (the server's login check makes that rare).
type Identify func(c echo.Context) (a articles.Actor, ok bool)

// Handlers serve the API from one knowledge-base service.
type Handlers struct {
	svc *kb.Service
	who Identify
	log *slog.Logger
}

// New returns the handlers; a nil logger logs to slog.Default().
func New(svc *kb.Service, who Identify, log *slog.Logger) *Handlers {
	if log == nil {
		log = slog.Default()
	}
	return &Handlers{svc: svc, who: who, log: log}
}

// Route is one endpoint and the roles allowed to call it.
type Route struct {
	Method  string
	Path    string
	Handler echo.HandlerFunc
	Roles   []string
}

var (
	staff     = []string{"admin", "manager", "agent", "reviewer"}
	reviewers = []string{"admin", "reviewer"}
	everyone  = []string{"admin", "manager", "agent", "reviewer", "client"}
	analysts  = []string{"admin", "manager", "reviewer"}
)

// Routes lists the endpoints of h.
func Routes(h *Handlers) []Route {
	r := func(method, path string, fn echo.HandlerFunc, roles []string) Route {
		return Route{Method: method, Path: Prefix + path, Handler: fn, Roles: slices.Clone(roles)}
	}
	get, post, put := http.MethodGet, http.MethodPost, http.MethodPut
	return []Route{
		r(get, "/similar", h.Similar, staff),
		r(post, "/classify", h.Classify, staff),
		r(post, "/feedback", h.Feedback, staff),
		r(get, "/search", h.Search, everyone),
		r(post, "/mine", h.Mine, reviewers),
		r(get, "/gaps", h.Gaps, analysts),

		r(get, "/candidates", h.ListCandidates, staff),
		r(post, "/candidates", h.CreateCandidate, staff),
		r(get, "/candidates/:id", h.GetCandidate, staff),
		r(put, "/candidates/:id", h.UpdateCandidate, staff),
		r(get, "/candidates/:id/history", h.CandidateHistory, staff),
		r(post, "/candidates/:id/assign", h.Assign, reviewers),
		r(post, "/candidates/:id/submit", h.Submit, staff),
		r(post, "/candidates/:id/approve", h.Approve, reviewers),
		r(post, "/candidates/:id/reject", h.Reject, reviewers),
		r(post, "/candidates/:id/request-changes", h.RequestChanges, reviewers),
		r(post, "/candidates/:id/comments", h.CommentCandidate, staff),

		r(get, "/articles", h.ListArticles, everyone),
		r(get, "/articles/:id", h.GetArticle, everyone),
		r(get, "/articles/:id/versions", h.Versions, staff),
		r(get, "/articles/:id/versions/:n", h.Version, staff),
		r(get, "/articles/:id/diff", h.Diff, staff),
		r(get, "/articles/:id/history", h.ArticleHistory, staff),
		r(post, "/articles/:id/rollback", h.Rollback, reviewers),
		r(post, "/articles/:id/archive", h.Archive, reviewers),
		r(post, "/articles/:id/unarchive", h.Unarchive, reviewers),
		r(post, "/articles/:id/best-practice", h.BestPractice, reviewers),
		r(post, "/articles/:id/comments", h.CommentArticle, staff),
	}
}

// errorBody is the API's one error shape, the ticket and analytics APIs
// too: {"error": {"code": ..., "message": ..., "fields": {...}}}.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// answerError writes one error response.
func answerError(c echo.Context, status int, code, message string, fields map[string]string) error {
	return c.JSON(status, errorBody{errorDetail{Code: code, Message: message, Fields: fields}})
}

// fail answers an error with its status; causes that are not the caller's
// are logged and answered with a generic 500.
func (h *Handlers) fail(c echo.Context, err error) error {
	var in *kb.InputError
	var qe *index.QueryError
	var fe *articles.FieldError
	switch {
	case errors.As(err, &in):
		return answerError(c, http.StatusBadRequest, "invalid_parameter", in.Error(), map[string]string{in.Field: in.Reason})
	case errors.As(err, &qe):
		return answerError(c, http.StatusBadRequest, "invalid_parameter", qe.Error(), map[string]string{qe.Field: qe.Reason})
	case errors.As(err, &fe):
		return answerError(c, http.StatusUnprocessableEntity, "invalid_field", fe.Error(), map[string]string{fe.Field: fe.Reason})
	case errors.Is(err, articles.ErrForbidden):
		return answerError(c, http.StatusForbidden, "forbidden", err.Error(), nil)
	case errors.Is(err, articles.ErrNotFound), errors.Is(err, kb.ErrUnknownTicket):
		return answerError(c, http.StatusNotFound, "not_found", err.Error(), nil)
	case errors.Is(err, articles.ErrConflict):
		return answerError(c, http.StatusConflict, "conflict", err.Error(), nil)
	case errors.Is(err, kb.ErrNoModel):
		return answerError(c, http.StatusConflict, "no_model", err.Error(), nil)
	}
	if c.Request().Context().Err() != nil {
		return answerError(c, http.StatusServiceUnavailable, "canceled", "the request was canceled", nil)
	}
	h.log.Error("kb request failed", "method", c.Request().Method, "path", c.Path(), "err", err)
	return answerError(c, http.StatusInternalServerError, "internal", "internal error", nil)
}

// bad answers 400 naming one parameter.
func bad(c echo.Context, field, reason string) error {
	return answerError(c, http.StatusBadRequest, "invalid_parameter", field+": "+reason, map[string]string{field: reason})
}

// forbidden answers 403 for a rule of this layer (what clients may see).
func forbidden(c echo.Context, message string) error {
	return answerError(c, http.StatusForbidden, "forbidden", message, nil)
}

// unauthorized answers a request whose caller is unknown.
func unauthorized(c echo.Context) error {
	c.Response().Header().Set("WWW-Authenticate", `Bearer realm="deskmine"`)
	return answerError(c, http.StatusUnauthorized, "unauthorized", "log in first", nil)
}

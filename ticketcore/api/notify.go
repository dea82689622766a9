package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/notify"
)

// WebhookStore keeps the webhook endpoints that admins manage through
// /api/v1/webhooks. The SQL store implements it. Secrets pass through it but
// are never encoded to JSON (notify.Endpoint hides them); the API shows a
// secret only in the answer that created it.
type WebhookStore interface {
	// Endpoints lists every endpoint, active or not.
	Endpoints(ctx context.Context) ([]notify.Endpoint, error)
	// Endpoint returns endpoint id, or ticketcore.ErrNotFound.
	Endpoint(ctx context.Context, id int64) (notify.Endpoint, error)
	// SaveEndpoint creates e when its ID is 0 (setting the ID) and replaces
	// endpoint e.ID otherwise, or returns ticketcore.ErrNotFound.
	SaveEndpoint(ctx context.Context, e *notify.Endpoint, now time.Time) error
	// DeleteEndpoint removes endpoint id, or returns ticketcore.ErrNotFound.
	DeleteEndpoint(ctx context.Context, id int64) error
}

func disabled(what string) *apiError {
	return &apiError{Status: http.StatusNotFound, Code: string(ticketcore.CodeNotFound), Message: what + " are not enabled on this server"}
}

// listNotifications serves the caller's own notifications, newest first.
func (s *Server) listNotifications(c echo.Context) error {
	if s.opts.Notifier == nil {
		return disabled("notifications")
	}
	qp := c.QueryParams()
	req := notify.ListRequest{Cursor: qp.Get("cursor")}
	if v := qp.Get("unread"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return badRequest("unread", "must be true or false")
		}
		req.UnreadOnly = b
	}
	if v := qp.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return badRequest("limit", "must be an integer")
		}
		if n < 1 || n > notify.MaxPageSize {
			return ticketcore.Invalid("limit", fmt.Sprintf("must be between 1 and %d", notify.MaxPageSize))
		}
		req.Limit = n
	}
	page, err := s.opts.Notifier.List(c.Request().Context(), currentUser(c).ID, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}

// markNotificationRead marks one of the caller's notifications read; another
// user's is not found, so that ids cannot be probed.
func (s *Server) markNotificationRead(c echo.Context) error {
	if s.opts.Notifier == nil {
		return disabled("notifications")
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.opts.Notifier.MarkRead(c.Request().Context(), currentUser(c).ID, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

type markAllInput struct {
	UpToID int64 `json:"up_to_id"`
}

// markAllNotificationsRead marks the caller's unread notifications up to
// up_to_id (0 or absent: all of them) read.
func (s *Server) markAllNotificationsRead(c echo.Context) error {
	if s.opts.Notifier == nil {
		return disabled("notifications")
	}
	var in markAllInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.UpToID < 0 {
		return ticketcore.Invalid("up_to_id", "must not be negative")
	}
	n, err := s.opts.Notifier.MarkAllRead(c.Request().Context(), currentUser(c).ID, in.UpToID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]int64{"marked": n})
}

// endpointInput is the body of POST /api/v1/webhooks and PUT /api/v1/webhooks/{id}.
type endpointInput struct {
	URL    string        `json:"url"`
	Kinds  []notify.Kind `json:"kinds"`
	Active *bool         `json:"active"` // default true
}

// apply sets what an admin controls; secrets are left as they are.
func (in endpointInput) apply(e *notify.Endpoint) {
	e.URL = in.URL
	e.Kinds = []notify.Kind{}
	for _, k := range in.Kinds {
		if !slices.Contains(e.Kinds, k) {
			e.Kinds = append(e.Kinds, k)
		}
	}
	e.Active = in.Active == nil || *in.Active
}

// endpointWithSecret is the one answer that shows a secret: on creation and
// on rotation.
type endpointWithSecret struct {
	Endpoint notify.Endpoint `json:"endpoint"`
	Secret   string          `json:"secret"`
}

// shown is e as the API writes it: kinds a list, never null.
func shown(e notify.Endpoint) notify.Endpoint {
	if e.Kinds == nil {
		e.Kinds = []notify.Kind{}
	}
	return e
}

// endpointErr turns the store's bare not-found into the API's.
func endpointErr(err error, id int64) error {
	if errors.Is(err, ticketcore.ErrNotFound) {
		return ticketcore.NotFound("webhook endpoint", id)
	}
	return err
}

func (s *Server) listWebhooks(c echo.Context) error {
	if s.opts.Webhooks == nil {
		return disabled("webhooks")
	}
	eps, err := s.opts.Webhooks.Endpoints(c.Request().Context())
	if err != nil {
		return err
	}
	out := make([]notify.Endpoint, len(eps))
	for i, e := range eps {
		out[i] = shown(e)
	}
	return c.JSON(http.StatusOK, map[string]any{"endpoints": out})
}

func (s *Server) createWebhook(c echo.Context) error {
	if s.opts.Webhooks == nil {
		return disabled("webhooks")
	}
	var in endpointInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	e := notify.Endpoint{Secret: notify.NewSecret()}
	in.apply(&e)
	if err := e.Validate(); err != nil {
		return err
	}
	if err := s.opts.Webhooks.SaveEndpoint(c.Request().Context(), &e, time.Now()); err != nil {
		return err
	}
	s.log.Info("webhook endpoint created", "endpoint_id", e.ID, "by", currentUser(c).Login)
	return c.JSON(http.StatusCreated, endpointWithSecret{Endpoint: shown(e), Secret: e.Secret})
}

func (s *Server) updateWebhook(c echo.Context) error {
	if s.opts.Webhooks == nil {
		return disabled("webhooks")
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in endpointInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ctx := c.Request().Context()
	s.webhookMu.Lock()
	defer s.webhookMu.Unlock()
	e, err := s.opts.Webhooks.Endpoint(ctx, id)
	if err != nil {
		return endpointErr(err, id)
	}
	in.apply(&e)
	if err := e.Validate(); err != nil {
		return err
	}
	if err := s.opts.Webhooks.SaveEndpoint(ctx, &e, time.Now()); err != nil {
		return endpointErr(err, id)
	}
	s.log.Info("webhook endpoint changed", "endpoint_id", id, "active", e.Active, "by", currentUser(c).Login)
	return c.JSON(http.StatusOK, shown(e))
}

func (s *Server) deleteWebhook(c echo.Context) error {
	if s.opts.Webhooks == nil {
		return disabled("webhooks")
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	s.webhookMu.Lock()
	defer s.webhookMu.Unlock()
	if err := s.opts.Webhooks.DeleteEndpoint(c.Request().Context(), id); err != nil {
		return endpointErr(err, id)
	}
	s.log.Info("webhook endpoint deleted", "endpoint_id", id, "by", currentUser(c).Login)
	return c.NoContent(http.StatusNoContent)
}

// rotateWebhookSecret gives the endpoint a new secret and keeps the current
// one as the previous secret: deliveries carry a signature for each, so the
// receiver can switch to the new secret at its own pace.
func (s *Server) rotateWebhookSecret(c echo.Context) error {
	if s.opts.Webhooks == nil {
		return disabled("webhooks")
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	s.webhookMu.Lock()
	defer s.webhookMu.Unlock()
	e, err := s.opts.Webhooks.Endpoint(ctx, id)
	if err != nil {
		return endpointErr(err, id)
	}
	e.PreviousSecret, e.Secret = e.Secret, notify.NewSecret()
	if err := s.opts.Webhooks.SaveEndpoint(ctx, &e, time.Now()); err != nil {
		return endpointErr(err, id)
	}
	s.log.Info("webhook secret rotated", "endpoint_id", id, "by", currentUser(c).Login)
	return c.JSON(http.StatusOK, endpointWithSecret{Endpoint: shown(e), Secret: e.Secret})
}

package api

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/auth"
)

func pathID(c echo.Context, name string) (int64, error) {
	v, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || v <= 0 {
		return 0, badRequest(name, "must be a positive integer")
	}
	return v, nil
}

// ticketVersion reads the ticket id of the path and the version of
// If-Match (see ifMatch), for the handlers that change a ticket.
func ticketVersion(c echo.Context, required bool) (id, version int64, err error) {
	if id, err = pathID(c, "id"); err != nil {
		return 0, 0, err
	}
	if version, err = ifMatch(c, required); err != nil {
		return 0, 0, err
	}
	return id, version, nil
}

// changed answers a change of a ticket: it counts the change by kind and
// sends the ticket with its ETag.
func (s *Server) changed(c echo.Context, kind string, status int, t *ticketcore.Ticket) error {
	s.metrics.changes.WithLabelValues(kind).Inc()
	c.Response().Header().Set("ETag", etag(t))
	return c.JSON(status, t)
}

// ifMatch reads a version from If-Match ("3", 3 or W/"3").
func ifMatch(c echo.Context, required bool) (int64, error) {
	h := strings.TrimSpace(c.Request().Header.Get("If-Match"))
	if h == "" {
		if required {
			return 0, &apiError{Status: http.StatusPreconditionRequired, Code: string(ticketcore.CodePrecondition),
				Message: "send If-Match with the ticket version you are changing", Fields: map[string]string{"If-Match": "is required"}}
		}
		return 0, nil
	}
	h = strings.Trim(strings.TrimPrefix(h, "W/"), `"`)
	v, err := strconv.ParseInt(h, 10, 64)
	if err != nil || v <= 0 {
		return 0, badRequest("If-Match", "must be the ticket version, a positive integer")
	}
	return v, nil
}

func etag(t *ticketcore.Ticket) string { return `"` + strconv.FormatInt(t.Version, 10) + `"` }

// visible hides tickets from client integrations that did not create them;
// 404 rather than 403 so ids cannot be probed.
func visible(c echo.Context, t *ticketcore.Ticket) error {
	u := currentUser(c)
	if u.Role == auth.RoleClient && t.RequesterID != u.ID {
		return ticketcore.NotFound("ticket", t.ID)
	}
	return nil
}

func (s *Server) createTicket(c echo.Context) error {
	var in ticketcore.CreateInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if u := currentUser(c); u.Role == auth.RoleClient && len(in.Links) > 0 {
		if err := s.clientLinks(c.Request().Context(), u, in.Links); err != nil {
			return err
		}
	}
	res, err := s.svc.Create(c.Request().Context(), actorOf(c), in, c.Request().Header.Get("Idempotency-Key"))
	if err != nil {
		return err
	}
	if res.Replayed {
		c.Response().Header().Set("Idempotent-Replayed", "true")
	} else {
		s.metrics.created.Inc()
	}
	c.Response().Header().Set("ETag", etag(res.Ticket))
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/tickets/"+strconv.FormatInt(res.Ticket.ID, 10))
	return c.JSON(http.StatusCreated, res.Ticket)
}

func (s *Server) getTicket(c echo.Context) error {
	t, err := s.visibleTicket(c)
	if err != nil {
		return err
	}
	c.Response().Header().Set("ETag", etag(t))
	return c.JSON(http.StatusOK, t)
}

func (s *Server) listTickets(c echo.Context) error {
	qp := c.QueryParams()
	q := ticketcore.ListQuery{Q: strings.TrimSpace(qp.Get("q")), Sort: qp.Get("sort"), Cursor: qp.Get("cursor")}
	if err := ticketcore.ParseListFilters(qp, &q); err != nil {
		return err
	}
	if v := qp.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return badRequest("limit", "must be an integer")
		}
		q.Limit = n
	}
	if v := qp.Get("customer"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return badRequest("customer", "must be a customer id")
		}
		q.CustomerID = n
	}
	if u := currentUser(c); u.Role == auth.RoleClient {
		q.RequesterID = u.ID
	}
	page, err := s.svc.List(c.Request().Context(), q)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}

func (s *Server) patchTicket(c echo.Context) error {
	id, version, err := ticketVersion(c, true)
	if err != nil {
		return err
	}
	var p ticketcore.Patch
	if err := decodeJSON(c, &p); err != nil {
		return err
	}
	update := s.svc.Update
	if s.opts.Desk != nil {
		update = s.opts.Desk.Update // the assignee "auto" re-routes the ticket
	}
	t, err := update(c.Request().Context(), actorOf(c), id, version, p)
	if held, err := s.heldOr(c, t, err); held || err != nil {
		return err
	}
	return s.changed(c, "update", http.StatusOK, t)
}

func (s *Server) transition(c echo.Context) error {
	id, version, err := ticketVersion(c, false)
	if err != nil {
		return err
	}
	var in ticketcore.TransitionInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if strings.TrimSpace(in.To) == "" {
		return &apiError{Status: http.StatusUnprocessableEntity, Code: string(ticketcore.CodeInvalid), Message: "invalid to",
			Fields: map[string]string{"to": "is required"}}
	}
	t, err := s.svc.Transition(c.Request().Context(), actorOf(c), id, version, in)
	if held, err := s.heldOr(c, t, err); held || err != nil {
		return err
	}
	return s.changed(c, "transition", http.StatusOK, t)
}

type commentInput struct {
	Body   string `json:"body"`
	Public *bool  `json:"public,omitempty"`
}

func (s *Server) comment(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in commentInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ctx := c.Request().Context()
	public := in.Public == nil || *in.Public
	if u := currentUser(c); u.Role == auth.RoleClient {
		t, err := s.svc.Get(ctx, id)
		if err != nil {
			return err
		}
		if err := visible(c, t); err != nil {
			return err
		}
		if !public {
			return &apiError{Status: http.StatusForbidden, Code: string(ticketcore.CodeForbidden), Message: "client integrations cannot write internal notes"}
		}
	}
	t, err := s.svc.Comment(ctx, actorOf(c), id, in.Body, public)
	if err != nil {
		return err
	}
	return s.changed(c, "comment", http.StatusCreated, t)
}

func (s *Server) history(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	h, err := s.svc.History(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"ticket_id": id, "history": h})
}

func (s *Server) events(c echo.Context) error {
	var after int64
	limit := 0
	if v := c.QueryParam("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return badRequest("after", "must be an integer sequence number")
		}
		after = n
	}
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return badRequest("limit", "must be an integer")
		}
		limit = n
	}
	evs, err := s.svc.Events(c.Request().Context(), after, limit)
	if err != nil {
		return err
	}
	next := after
	if len(evs) > 0 {
		next = evs[len(evs)-1].Seq
	}
	return c.JSON(http.StatusOK, map[string]any{"events": evs, "next_after": next})
}

func (s *Server) customer(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	limit := 20
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return badRequest("limit", "must be an integer from 1 to 100")
		}
		limit = n
	}
	h, err := s.svc.Customer(c.Request().Context(), id, limit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h)
}

func (s *Server) workflow(c echo.Context) error { return c.JSON(http.StatusOK, s.svc.Workflow()) }

func (s *Server) listFields(c echo.Context) error {
	defs, err := s.svc.FieldDefs(c.Request().Context())
	if err != nil {
		return err
	}
	if defs == nil {
		defs = []ticketcore.FieldDef{}
	}
	return c.JSON(http.StatusOK, map[string]any{"fields": defs})
}

func (s *Server) putField(c echo.Context) error {
	var d ticketcore.FieldDef
	if err := decodeJSON(c, &d); err != nil {
		return err
	}
	name := c.Param("name")
	if d.Name == "" {
		d.Name = name
	}
	if d.Name != name {
		return badRequest("name", "must match the name in the path")
	}
	if err := s.svc.PutFieldDef(c.Request().Context(), d); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d)
}

func (s *Server) deleteField(c echo.Context) error {
	if err := s.svc.DeleteFieldDef(c.Request().Context(), c.Param("name")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

type loginInput struct {
	Login    string `json:"login"`
	Password string `json:"password"`
}

func (s *Server) login(c echo.Context) error {
	var in loginInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	secret, u, err := s.auth.Login(c.Request().Context(), in.Login, in.Password)
	if errors.Is(err, auth.ErrUnauthorized) {
		return &apiError{Status: http.StatusUnauthorized, Code: string(ticketcore.CodeUnauthorized), Message: "wrong login or password"}
	}
	if err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: secret, Path: "/", HttpOnly: true, Secure: s.opts.SecureCookies,
		SameSite: http.SameSiteStrictMode, MaxAge: int(s.auth.SessionTTL().Seconds())})
	return c.JSON(http.StatusOK, u)
}

func (s *Server) logout(c echo.Context) error {
	if ck, err := c.Cookie(sessionCookie); err == nil && ck.Value != "" {
		if err := s.auth.Logout(c.Request().Context(), ck.Value); err != nil {
			return err
		}
	}
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, MaxAge: -1, SameSite: http.SameSiteStrictMode})
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) me(c echo.Context) error { return c.JSON(http.StatusOK, currentUser(c)) }

func (s *Server) listUsers(c echo.Context) error {
	us, err := s.auth.Store().Users(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"users": us})
}

func (s *Server) createUser(c echo.Context) error {
	var in auth.NewUser
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	u, err := s.auth.CreateUser(c.Request().Context(), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, u)
}

type tokenInput struct {
	Name string `json:"name"`
}

func (s *Server) createToken(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in tokenInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	secret, t, err := s.auth.CreateToken(c.Request().Context(), id, in.Name)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"token": secret, "meta": t})
}

func (s *Server) listTokens(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ts, err := s.auth.Store().Tokens(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"tokens": ts})
}

func (s *Server) revokeToken(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	tid, err := pathID(c, "token_id")
	if err != nil {
		return err
	}
	if err := s.auth.RevokeToken(c.Request().Context(), id, tid); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// listComments answers GET /api/v1/tickets/:id/comments: the replies and
// notes, oldest first. Client integrations see their own tickets' public
// replies only; the internal notes are left out by the query itself.
func (s *Server) listComments(c echo.Context) error {
	t, err := s.visibleTicket(c)
	if err != nil {
		return err
	}
	id := t.ID
	publicOnly := currentUser(c).Role == auth.RoleClient
	list, err := s.svc.Comments(c.Request().Context(), id, publicOnly)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"ticket_id": id, "comments": list})
}

// visibleTicket reads the ticket in the path, if the caller may see it (a
// client integration only its own).
func (s *Server) visibleTicket(c echo.Context) (*ticketcore.Ticket, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return nil, err
	}
	t, err := s.svc.Get(c.Request().Context(), id)
	if err != nil {
		return nil, err
	}
	if err := visible(c, t); err != nil {
		return nil, err
	}
	return t, nil
}

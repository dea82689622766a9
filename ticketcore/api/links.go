package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/auth"
	"github.com/deskmine/deskmine/ticketcore/events"
)

// link adds a link from the ticket to another: 201 with the ticket.
// If-Match is optional, as for transitions: a link is an intent.
func (s *Server) link(c echo.Context) error {
	id, version, err := ticketVersion(c, false)
	if err != nil {
		return err
	}
	var in ticketcore.LinkInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	t, err := s.svc.Link(c.Request().Context(), actorOf(c), id, version, in)
	if err != nil {
		return err
	}
	return s.changed(c, "link", http.StatusCreated, t)
}

// unlink removes the link named by the query (type, ticket_id): 200 with
// the ticket, 404 when the ticket has no such link.
func (s *Server) unlink(c echo.Context) error {
	id, version, err := ticketVersion(c, false)
	if err != nil {
		return err
	}
	in := ticketcore.LinkInput{Type: c.QueryParam("type")}
	if v := c.QueryParam("ticket_id"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return badRequest("ticket_id", "must be a ticket id, a positive integer")
		}
		in.TicketID = n
	}
	t, err := s.svc.Unlink(c.Request().Context(), actorOf(c), id, version, in)
	if err != nil {
		return err
	}
	return s.changed(c, "unlink", http.StatusOK, t)
}

// csatInput is the body of PUT /tickets/{id}/csat. at is text so that a
// malformed time is refused naming the field.
type csatInput struct {
	Score   int    `json:"score"`
	Comment string `json:"comment,omitempty"`
	At      string `json:"at,omitempty"`
}

// rateCSAT records the customer's rating of a resolved or closed ticket:
// 200 with the ticket. A client integration may rate only the tickets it
// created.
func (s *Server) rateCSAT(c echo.Context) error {
	id, version, err := ticketVersion(c, false)
	if err != nil {
		return err
	}
	var body csatInput
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	in := ticketcore.CSATInput{Score: body.Score, Comment: body.Comment}
	if body.At != "" {
		at, err := time.Parse(time.RFC3339Nano, body.At)
		if err != nil {
			return badRequest("at", "must be an RFC 3339 date-time such as 2026-03-02T09:15:00Z")
		}
		in.At = at
	}
	ctx := c.Request().Context()
	if currentUser(c).Role == auth.RoleClient {
		t, err := s.svc.Get(ctx, id)
		if err != nil {
			return err
		}
		if err := visible(c, t); err != nil {
			return err
		}
	}
	t, err := s.svc.RateCSATWith(ctx, actorOf(c), id, version, in, ticketcore.Origin{})
	if err != nil {
		return err
	}
	return s.changed(c, "csat", http.StatusOK, t)
}

// clientLinks refuses links of a client's new ticket to tickets the client
// did not create with the very answer an unknown ticket gets, so that a
// client cannot learn which ids exist.
func (s *Server) clientLinks(ctx context.Context, u *auth.User, links []events.Link) error {
	fields := map[string]string{}
	for i, l := range links {
		if l.TicketID <= 0 {
			continue // the service names the problem
		}
		t, err := s.svc.Get(ctx, l.TicketID)
		if e, ok := ticketcore.AsError(err); ok && e.Code == ticketcore.CodeNotFound || err == nil && t.RequesterID != u.ID {
			fields[fmt.Sprintf("links[%d].ticket_id", i)] = fmt.Sprintf("ticket %d does not exist", l.TicketID)
			continue
		}
		if err != nil {
			return err
		}
	}
	if len(fields) > 0 {
		return &ticketcore.Error{Code: ticketcore.CodeInvalid, Message: "validation failed", Fields: fields}
	}
	return nil
}

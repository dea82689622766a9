package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/deskmine/deskmine/ticketcore"
)

// confirmInput is the body of POST /api/v1/public/confirm.
type confirmInput struct {
	Token    string `json:"token"`
	Resolved *bool  `json:"resolved"`
	Comment  string `json:"comment,omitempty"`
}

// confirm takes a customer's answer to "is it resolved?" through the link
// Deskmine sent them; the link is the credential (public route).
func (s *Server) confirm(c echo.Context) error {
	var in confirmInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	t, err := s.svc.ConfirmByLink(c.Request().Context(), in.Token, ticketcore.ConfirmInput{Resolved: in.Resolved, Comment: in.Comment})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, publicTicket(t))
}

// rateInput is the body of POST /api/v1/public/csat.
type rateInput struct {
	Token   string `json:"token"`
	Score   int    `json:"score"`
	Comment string `json:"comment,omitempty"`
}

// rateByLink takes a customer's survey answer through their link.
func (s *Server) rateByLink(c echo.Context) error {
	var in rateInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	t, err := s.svc.RateByLink(c.Request().Context(), in.Token, ticketcore.CSATInput{Score: in.Score, Comment: in.Comment})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, publicTicket(t))
}

// publicView is what a customer link shows of a ticket: never internal
// notes, assignees or anything agents wrote for each other.
type publicView struct {
	ID      int64  `json:"id"`
	Subject string `json:"subject"`
	Status  string `json:"status"`
}

func publicTicket(t *ticketcore.Ticket) publicView {
	return publicView{ID: t.ID, Subject: t.Subject, Status: t.Status}
}

// customerLinks issues a resolved ticket's confirmation and survey links.
func (s *Server) customerLinks(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	l, err := s.svc.CustomerLinks(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, l)
}

package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/deskmine/deskmine/ticketcore"
)

// createSubticket opens a sub-ticket of the ticket in the path.
func (s *Server) createSubticket(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in ticketcore.CreateInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	t, err := s.svc.CreateSubticket(c.Request().Context(), actorOf(c), id, in)
	if err != nil {
		return err
	}
	return s.changed(c, "subticket", http.StatusCreated, t)
}

// handoff hands the ticket to another team with a reason.
func (s *Server) handoff(c echo.Context) error {
	id, version, err := ticketVersion(c, false)
	if err != nil {
		return err
	}
	var in ticketcore.HandoffInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	t, err := s.svc.Handoff(c.Request().Context(), actorOf(c), id, version, in)
	if held, err := s.heldOr(c, t, err); held || err != nil {
		return err
	}
	return s.changed(c, "handoff", http.StatusOK, t)
}

// mergeInput names the ticket to merge into.
type mergeInput struct {
	Target int64 `json:"target"`
}

// merge folds the ticket in the path into the target and answers the target.
func (s *Server) merge(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in mergeInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.Target <= 0 {
		return ticketcore.Invalid("target", "is required: the ticket to merge into")
	}
	t, err := s.svc.Merge(c.Request().Context(), actorOf(c), id, in.Target)
	if err != nil {
		return err
	}
	return s.changed(c, "merge", http.StatusOK, t)
}

package api

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/deskmine/deskmine/ticketcore"
)

// checklistKind serves checklist templates, one per ticket type, through
// the same settings machinery as calendars and SLA policies (versioned,
// audited, If-Match on replace).
func (s *Server) checklistKind() slaKind {
	types := s.svc.Options().TicketTypes
	return slaKind{kind: ticketcore.KindChecklist, what: "checklist", base: "/api/v1/checklists", param: "type", nameKey: "type",
		list: "checklists",
		validate: func(_ context.Context, _ ticketcore.SettingsStore, name string, body json.RawMessage) (json.RawMessage, error) {
			return ticketcore.ValidateChecklist(types, name, body)
		}}
}

func (s *Server) listChecklists(c echo.Context) error { return s.listSLASettings(c, s.checklistKind()) }
func (s *Server) getChecklist(c echo.Context) error   { return s.getSLASetting(c, s.checklistKind()) }
func (s *Server) createChecklist(c echo.Context) error {
	return s.createSLASetting(c, s.checklistKind())
}
func (s *Server) putChecklist(c echo.Context) error { return s.replaceSLASetting(c, s.checklistKind()) }
func (s *Server) deleteChecklist(c echo.Context) error {
	return s.deleteSLASetting(c, s.checklistKind())
}
func (s *Server) checklistHistory(c echo.Context) error {
	return s.slaSettingHistory(c, s.checklistKind())
}

// check ticks or unticks one step of a ticket's checklist: POST
// /api/v1/tickets/:id/checklist/:item {"done": true}.
func (s *Server) check(c echo.Context) error {
	id, version, err := ticketVersion(c, false)
	if err != nil {
		return err
	}
	var in ticketcore.CheckInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	t, err := s.svc.Check(c.Request().Context(), actorOf(c), id, version, c.Param("item"), in)
	if err != nil {
		return err
	}
	return s.changed(c, "checklist", http.StatusOK, t)
}

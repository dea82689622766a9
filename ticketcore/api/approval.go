package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/events"
)

// policyKind serves approval policies through the settings machinery
// (versioned, audited, If-Match on replace).
var policyKindApproval = slaKind{kind: ticketcore.KindApprovalPolicy, what: "approval policy", base: "/api/v1/approval-policies",
	param: "name", nameKey: "name", list: "policies",
	validate: func(_ context.Context, _ ticketcore.SettingsStore, name string, body json.RawMessage) (json.RawMessage, error) {
		return ticketcore.ValidateApprovalPolicy(name, body)
	}}

func (s *Server) listApprovalPolicies(c echo.Context) error {
	return s.listSLASettings(c, policyKindApproval)
}
func (s *Server) getApprovalPolicy(c echo.Context) error {
	return s.getSLASetting(c, policyKindApproval)
}
func (s *Server) createApprovalPolicy(c echo.Context) error {
	return s.createSLASetting(c, policyKindApproval)
}
func (s *Server) putApprovalPolicy(c echo.Context) error {
	return s.replaceSLASetting(c, policyKindApproval)
}
func (s *Server) deleteApprovalPolicy(c echo.Context) error {
	return s.deleteSLASetting(c, policyKindApproval)
}
func (s *Server) approvalPolicyHistory(c echo.Context) error {
	return s.slaSettingHistory(c, policyKindApproval)
}

// heldResponse is the 202 answer to a change an approval policy held.
type heldResponse struct {
	Approval events.Approval    `json:"approval"`
	Ticket   *ticketcore.Ticket `json:"ticket"`
}

// heldOr answers 202 with the pending approval when err says the change
// was held; otherwise it returns err.
func (s *Server) heldOr(c echo.Context, t *ticketcore.Ticket, err error) (bool, error) {
	var ar *ticketcore.ApprovalRequired
	if !errors.As(err, &ar) {
		return false, err
	}
	s.metrics.changes.WithLabelValues("held").Inc()
	c.Response().Header().Set("ETag", etag(t))
	return true, c.JSON(http.StatusAccepted, heldResponse{Approval: ar.Approval, Ticket: t})
}

// decide approves or rejects a held change: POST
// /api/v1/tickets/:id/approvals/:approval {"approve": true, "comment": "..."}.
func (s *Server) decide(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in ticketcore.DecisionInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	t, err := s.svc.Decide(c.Request().Context(), actorOf(c), id, c.Param("approval"), in)
	if err != nil {
		return err
	}
	return s.changed(c, "approval", http.StatusOK, t)
}

package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/slaclock"
)

// SLA configuration and ticket clocks: business calendars under
// /api/v1/calendars, SLA policies under /api/v1/sla-policies, manual
// escalation and the clocks of a ticket. Without Options.SLA these routes
// answer 404.

// SLAClocks is what the API needs of the running SLA clocks;
// *slaclock.Clocks implements it.
type SLAClocks interface {
	Escalate(ctx context.Context, actor ticketcore.Actor, id int64, in slaclock.EscalateInput) (*ticketcore.Ticket, error)
	Status(ctx context.Context, id int64) (*slaclock.Status, error)
	Reload(ctx context.Context) error
}

var _ SLAClocks = (*slaclock.Clocks)(nil)

// slaSetting is a calendar or SLA policy as served: the stored document
// and its version.
type slaSetting struct {
	Name      string          `json:"name"`
	Version   int64           `json:"version"`
	Body      json.RawMessage `json:"body"`
	UpdatedAt time.Time       `json:"updated_at"`
	UpdatedBy string          `json:"updated_by"`
}

func settingOut(s *ticketcore.Setting) slaSetting {
	return slaSetting{Name: s.Name, Version: s.Version, Body: s.Body, UpdatedAt: s.UpdatedAt, UpdatedBy: s.UpdatedBy}
}

// slaKind describes one of the two kinds of SLA settings.
type slaKind struct {
	kind     string // settings kind
	what     string // in messages
	base     string // collection URL
	param    string // path parameter naming one
	nameKey  string // the body field holding the name
	list     string // the key of the list response
	validate func(ctx context.Context, settings ticketcore.SettingsStore, name string, body json.RawMessage) (json.RawMessage, error)
}

var (
	calendarKind = slaKind{kind: slaclock.KindCalendar, what: "calendar", base: "/api/v1/calendars", param: "name", nameKey: "name", list: "calendars",
		validate: func(_ context.Context, _ ticketcore.SettingsStore, name string, body json.RawMessage) (json.RawMessage, error) {
			return slaclock.ValidateCalendar(name, body)
		}}
	policyKind = slaKind{kind: slaclock.KindPolicy, what: "SLA policy", base: "/api/v1/sla-policies", param: "id", nameKey: "id", list: "policies",
		validate: slaclock.ValidatePolicy}
)

func (s *Server) slaDeps() (SLAClocks, ticketcore.SettingsStore, error) {
	if s.opts.SLA == nil || s.opts.SLASettings == nil {
		return nil, nil, disabled("SLA routes")
	}
	return s.opts.SLA, s.opts.SLASettings, nil
}

// readRawJSON reads a JSON body that a validator decodes itself.
func readRawJSON(c echo.Context) (json.RawMessage, error) {
	if ct := c.Request().Header.Get(echo.HeaderContentType); !strings.HasPrefix(ct, echo.MIMEApplicationJSON) {
		return nil, &apiError{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type",
			Message: "send the body as application/json", Fields: map[string]string{"Content-Type": "must be application/json"}}
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return nil, jsonError(err)
	}
	if !json.Valid(body) {
		return nil, badRequest("body", "is not valid JSON")
	}
	return body, nil
}

// nameIn reads the name field of a document body; "" when absent.
func nameIn(body json.RawMessage, key string) (string, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return "", badRequest("body", "must be a JSON object")
	}
	raw, ok := m[key]
	if !ok || string(raw) == "null" {
		return "", nil
	}
	var name string
	if err := json.Unmarshal(raw, &name); err != nil {
		return "", badRequest(key, "must be a string")
	}
	return name, nil
}

func (s *Server) listSLASettings(c echo.Context, k slaKind) error {
	_, settings, err := s.slaDeps()
	if err != nil {
		return err
	}
	all, err := settings.Settings(c.Request().Context(), k.kind)
	if err != nil {
		return fmt.Errorf("list %s settings: %w", k.kind, err)
	}
	out := make([]slaSetting, 0, len(all))
	for i := range all {
		out = append(out, settingOut(&all[i]))
	}
	return c.JSON(http.StatusOK, map[string]any{k.list: out})
}

func (s *Server) getSLASetting(c echo.Context, k slaKind) error {
	_, settings, err := s.slaDeps()
	if err != nil {
		return err
	}
	name := c.Param(k.param)
	st, err := settings.Setting(c.Request().Context(), k.kind, name)
	if errors.Is(err, ticketcore.ErrNotFound) {
		return ticketcore.NotFound(k.what, name)
	}
	if err != nil {
		return fmt.Errorf("read %s %s: %w", k.kind, name, err)
	}
	return versioned(c, http.StatusOK, st.Version, settingOut(st))
}

// putSLASetting validates and saves a document at expected (0 creates),
// then reloads the clocks.
func (s *Server) putSLASetting(c echo.Context, k slaKind, name string, body json.RawMessage, expected int64) (*ticketcore.Setting, error) {
	clocks, settings, err := s.slaDeps()
	if err != nil {
		return nil, err
	}
	ctx := c.Request().Context()
	if name == "" {
		return nil, ticketcore.Invalid(k.nameKey, "is required")
	}
	norm, err := k.validate(ctx, settings, name, body)
	if err != nil {
		return nil, err
	}
	st := &ticketcore.Setting{Kind: k.kind, Name: name, Body: norm, UpdatedAt: time.Now().UTC().Truncate(time.Microsecond), UpdatedBy: actorOf(c).Name}
	if err := settings.PutSetting(ctx, st, expected); err != nil {
		if errors.Is(err, ticketcore.ErrConflict) {
			return nil, settingConflict(k, name, expected)
		}
		if errors.Is(err, ticketcore.ErrNotFound) {
			return nil, ticketcore.NotFound(k.what, name)
		}
		return nil, fmt.Errorf("save %s %s: %w", k.kind, name, err)
	}
	s.reloadSLA(ctx, clocks)
	return st, nil
}

func settingConflict(k slaKind, name string, expected int64) error {
	msg := fmt.Sprintf("%s %q is not at version %d; reload and retry", k.what, name, expected)
	if expected == 0 {
		msg = fmt.Sprintf("%s %q exists already", k.what, name)
	}
	return &ticketcore.Error{Code: ticketcore.CodeConflict, Message: msg}
}

// reloadSLA makes the clocks read the settings just saved. The save has
// succeeded, so a failure is logged: the clocks re-read them on their own.
func (s *Server) reloadSLA(ctx context.Context, clocks SLAClocks) {
	if err := clocks.Reload(ctx); err != nil {
		s.log.Error("sla: reload after a settings change failed", "err", err)
	}
}

func (s *Server) createSLASetting(c echo.Context, k slaKind) error {
	if _, _, err := s.slaDeps(); err != nil {
		return err
	}
	body, err := readRawJSON(c)
	if err != nil {
		return err
	}
	name, err := nameIn(body, k.nameKey)
	if err != nil {
		return err
	}
	st, err := s.putSLASetting(c, k, name, body, 0)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Location", k.base+"/"+st.Name)
	return versioned(c, http.StatusCreated, st.Version, settingOut(st))
}

func (s *Server) replaceSLASetting(c echo.Context, k slaKind) error {
	if _, _, err := s.slaDeps(); err != nil {
		return err
	}
	version, err := settingVersion(c, k.what, false)
	if err != nil {
		return err
	}
	body, err := readRawJSON(c)
	if err != nil {
		return err
	}
	name := c.Param(k.param)
	if in, err := nameIn(body, k.nameKey); err != nil {
		return err
	} else if in != "" && in != name {
		return badRequest(k.nameKey, "must equal the "+k.param+" in the path")
	}
	st, err := s.putSLASetting(c, k, name, body, version)
	if err != nil {
		return err
	}
	return versioned(c, http.StatusOK, st.Version, settingOut(st))
}

func (s *Server) deleteSLASetting(c echo.Context, k slaKind) error {
	clocks, settings, err := s.slaDeps()
	if err != nil {
		return err
	}
	version, err := settingVersion(c, k.what, false)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	name := c.Param(k.param)
	if k.kind == slaclock.KindCalendar {
		if _, err := settings.Setting(ctx, k.kind, name); errors.Is(err, ticketcore.ErrNotFound) {
			return ticketcore.NotFound(k.what, name)
		} else if err != nil {
			return fmt.Errorf("read %s %s: %w", k.kind, name, err)
		}
		if err := slaclock.CheckDeleteCalendar(ctx, settings, name); err != nil {
			return err
		}
	}
	err = settings.DeleteSetting(ctx, k.kind, name, version, actorOf(c).Name, time.Now().UTC().Truncate(time.Microsecond))
	switch {
	case errors.Is(err, ticketcore.ErrNotFound):
		return ticketcore.NotFound(k.what, name)
	case errors.Is(err, ticketcore.ErrConflict):
		return settingConflict(k, name, version)
	case err != nil:
		return fmt.Errorf("delete %s %s: %w", k.kind, name, err)
	}
	s.reloadSLA(ctx, clocks)
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) slaSettingHistory(c echo.Context, k slaKind) error {
	_, settings, err := s.slaDeps()
	if err != nil {
		return err
	}
	name := c.Param(k.param)
	h, err := settings.SettingHistory(c.Request().Context(), k.kind, name)
	if err != nil {
		return fmt.Errorf("history of %s %s: %w", k.kind, name, err)
	}
	if len(h) == 0 {
		return ticketcore.NotFound(k.what, name)
	}
	return c.JSON(http.StatusOK, map[string]any{"kind": k.kind, "name": name, "history": h})
}

func (s *Server) listCalendars(c echo.Context) error   { return s.listSLASettings(c, calendarKind) }
func (s *Server) getCalendar(c echo.Context) error     { return s.getSLASetting(c, calendarKind) }
func (s *Server) createCalendar(c echo.Context) error  { return s.createSLASetting(c, calendarKind) }
func (s *Server) putCalendar(c echo.Context) error     { return s.replaceSLASetting(c, calendarKind) }
func (s *Server) deleteCalendar(c echo.Context) error  { return s.deleteSLASetting(c, calendarKind) }
func (s *Server) calendarHistory(c echo.Context) error { return s.slaSettingHistory(c, calendarKind) }

func (s *Server) listPolicies(c echo.Context) error  { return s.listSLASettings(c, policyKind) }
func (s *Server) getPolicy(c echo.Context) error     { return s.getSLASetting(c, policyKind) }
func (s *Server) createPolicy(c echo.Context) error  { return s.createSLASetting(c, policyKind) }
func (s *Server) putPolicy(c echo.Context) error     { return s.replaceSLASetting(c, policyKind) }
func (s *Server) deletePolicy(c echo.Context) error  { return s.deleteSLASetting(c, policyKind) }
func (s *Server) policyHistory(c echo.Context) error { return s.slaSettingHistory(c, policyKind) }

// escalate raises a ticket to a higher support level by hand.
func (s *Server) escalate(c echo.Context) error {
	clocks, _, err := s.slaDeps()
	if err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in slaclock.EscalateInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	t, err := clocks.Escalate(c.Request().Context(), actorOf(c), id, in)
	if err != nil {
		return err
	}
	c.Response().Header().Set("ETag", etag(t))
	return c.JSON(http.StatusOK, t)
}

// ticketSLA serves the SLA clocks of a ticket.
func (s *Server) ticketSLA(c echo.Context) error {
	clocks, _, err := s.slaDeps()
	if err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	st, err := clocks.Status(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, st)
}

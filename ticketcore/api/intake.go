package api

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/hookin"
)

// KindIntakeSource is the settings kind of webhook intake sources.
const KindIntakeSource = "intake_source"

// intakeSource is a source as stored: secrets in base64.
type intakeSource struct {
	Name        string   `json:"name"`
	Channel     string   `json:"channel"`
	Secrets     []string `json:"secrets"`
	CallingCode string   `json:"calling_code,omitempty"`
}

func (s intakeSource) source() (hookin.Source, error) {
	src := hookin.Source{Name: s.Name, Channel: s.Channel, CallingCode: s.CallingCode}
	for i, sec := range s.Secrets {
		b, err := base64.StdEncoding.DecodeString(sec)
		if err != nil {
			return src, ticketcore.Invalid(fmt.Sprintf("secrets[%d]", i), "must be base64")
		}
		src.Secrets = append(src.Secrets, b)
	}
	return src, nil
}

// intakeSourceKind serves the sources (admins only: the bodies hold the
// secrets) through the settings machinery.
var intakeSourceKind = slaKind{kind: KindIntakeSource, what: "intake source", base: "/api/v1/intake-sources", param: "name",
	nameKey: "name", list: "sources",
	validate: func(_ context.Context, _ ticketcore.SettingsStore, name string, body json.RawMessage) (json.RawMessage, error) {
		var in intakeSource
		dec := json.NewDecoder(strings.NewReader(string(body)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil {
			return nil, ticketcore.Invalid("body", "must be {\"name\", \"channel\", \"secrets\": [base64, ...], \"calling_code\"}: "+err.Error())
		}
		if in.Name != "" && in.Name != name {
			return nil, ticketcore.Invalid("name", "must equal the name in the path")
		}
		in.Name = name
		src, err := in.source()
		if err != nil {
			return nil, err
		}
		if err := src.Validate(); err != nil {
			return nil, ticketcore.Invalid("source", err.Error())
		}
		return json.Marshal(in)
	}}

func (s *Server) listIntakeSources(c echo.Context) error {
	return s.listSLASettings(c, intakeSourceKind)
}
func (s *Server) getIntakeSource(c echo.Context) error { return s.getSLASetting(c, intakeSourceKind) }
func (s *Server) createIntakeSource(c echo.Context) error {
	return s.createSLASetting(c, intakeSourceKind)
}
func (s *Server) putIntakeSource(c echo.Context) error {
	return s.replaceSLASetting(c, intakeSourceKind)
}
func (s *Server) deleteIntakeSource(c echo.Context) error {
	return s.deleteSLASetting(c, intakeSourceKind)
}

// intakeResult answers an accepted channel message.
type intakeResult struct {
	TicketID  int64 `json:"ticket_id"`
	Created   bool  `json:"created"`
	Reopened  bool  `json:"reopened"`
	Duplicate bool  `json:"duplicate"`
}

// hookVerifier checks webhook signatures; zero values take hookin's defaults.
var hookVerifier = hookin.Verifier{}

// receiveHook takes a signed message of a chat, social, phone or IVR
// source: POST /api/v1/intake/hook/:source. The signature is the
// credential (public route); a request that fails it stores nothing.
func (s *Server) receiveHook(c echo.Context) error {
	ctx := c.Request().Context()
	if s.opts.SLASettings == nil {
		return disabled("intake")
	}
	name := c.Param("source")
	st, err := s.opts.SLASettings.Setting(ctx, KindIntakeSource, name)
	if errors.Is(err, ticketcore.ErrNotFound) {
		return ticketcore.NotFound("intake source", name)
	}
	if err != nil {
		return fmt.Errorf("read intake source %s: %w", name, err)
	}
	var stored intakeSource
	if err := json.Unmarshal(st.Body, &stored); err != nil {
		return fmt.Errorf("intake source %s: %w", name, err)
	}
	src, err := stored.source()
	if err != nil {
		return fmt.Errorf("intake source %s: %w", name, err)
	}
	body, err := hookVerifier.ReadBody(c.Request().Body)
	if err == nil {
		var in *hookin.Inbound
		if in, err = hookVerifier.VerifyParse(src, c.Request().Header, body); err == nil {
			return s.storeInbound(c, in)
		}
	}
	status := hookin.HTTPStatus(err)
	ae := &apiError{Status: status, Code: intakeCode(status), Message: err.Error()}
	var fe *hookin.FieldError
	if errors.As(err, &fe) {
		ae.Fields = map[string]string{fe.Field: fe.Reason}
	}
	if status == http.StatusUnauthorized {
		s.log.Warn("intake: refused an unsigned or stale request", "source", name, "err", err)
	}
	return ae
}

func intakeCode(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return string(ticketcore.CodeUnauthorized)
	case http.StatusRequestEntityTooLarge:
		return "too_large"
	case http.StatusUnprocessableEntity:
		return string(ticketcore.CodeInvalid)
	}
	return string(ticketcore.CodeBadRequest)
}

// fingerprint keys a message's content within its conversation: the same
// text resent under a new event id is the same message.
func fingerprint(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// storeInbound turns a verified message into a ticket or a reply.
func (s *Server) storeInbound(c echo.Context, in *hookin.Inbound) error {
	body := in.Text
	if in.Call != nil {
		var parts []string
		if body != "" {
			parts = append(parts, body)
		}
		parts = append(parts, fmt.Sprintf("[%s call, %d s]", in.Call.Direction, in.Call.DurationSec))
		if len(in.Call.IVRPath) > 0 {
			parts = append(parts, "IVR: "+strings.Join(in.Call.IVRPath, " > "))
		}
		if in.Call.Transcript != "" {
			parts = append(parts, in.Call.Transcript)
		}
		if in.Call.RecordingURL != "" {
			parts = append(parts, "Recording: "+in.Call.RecordingURL)
		}
		body = strings.Join(parts, "\n")
	}
	for _, a := range in.Attachments {
		body += "\nAttachment: " + a.Filename + " " + a.URL
	}
	thread := "hook:" + in.Source + ":" + in.Conversation
	r, err := s.svc.Receive(c.Request().Context(), ticketcore.Actor{Name: "intake:" + in.Source, Role: "system"}, ticketcore.Inbound{
		Channel: in.TicketChannel(), Subject: in.Subject, Body: strings.TrimSpace(body), Priority: in.Priority,
		Customer:  ticketcore.CustomerInput{Email: in.Customer.Email, Phone: in.Customer.Phone, ExternalID: in.Customer.ExternalID, Name: in.Customer.Name},
		DedupKey:  "hook:" + in.Source + ":" + in.EventID,
		SameAs:    []string{"hookfp:" + fingerprint(in.Source, in.Conversation, body)},
		Threads:   []string{thread},
		NewThread: thread,
	})
	if err != nil {
		return err
	}
	status := http.StatusOK
	if r.Created {
		status = http.StatusCreated
	}
	return c.JSON(status, intakeResult{TicketID: r.Ticket.ID, Created: r.Created, Reopened: r.Reopened, Duplicate: r.Duplicate})
}

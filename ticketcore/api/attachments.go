package api

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/attach"
	"github.com/deskmine/deskmine/ticketcore/auth"
	"github.com/deskmine/deskmine/ticketcore/events"
)

// attachErr maps the attachment store's refusals to answers.
func attachErr(err error) error {
	var le *attach.LimitError
	var te *attach.TypeError
	var fe *attach.FieldError
	switch {
	case errors.As(err, &le):
		return &apiError{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Message: le.Error()}
	case errors.As(err, &te):
		return &apiError{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type", Message: te.Error(),
			Fields: map[string]string{"file": te.Reason}}
	case errors.As(err, &fe):
		return ticketcore.Invalid(fe.Field, fe.Reason)
	case errors.Is(err, attach.ErrEmpty):
		return ticketcore.Invalid("file", "is empty")
	}
	return fmt.Errorf("store attachment: %w", err)
}

func (s *Server) attachments() (*attach.Store, error) {
	if s.opts.Attachments == nil {
		return nil, disabled("attachments")
	}
	return s.opts.Attachments, nil
}

// addAttachment stores one uploaded file (multipart field "file") on the
// ticket. Staff may send public=false for a staff-only file; a client's
// files are always public and go on its own tickets only.
func (s *Server) addAttachment(c echo.Context) error {
	store, err := s.attachments()
	if err != nil {
		return err
	}
	t, err := s.visibleTicket(c)
	if err != nil {
		return err
	}
	id := t.ID
	fh, err := c.FormFile("file")
	if err != nil {
		return badRequest("file", "send the file as multipart/form-data field \"file\"")
	}
	public := true
	if v := c.FormValue("public"); v != "" {
		if public, err = strconv.ParseBool(v); err != nil {
			return badRequest("public", "must be true or false")
		}
	}
	if currentUser(c).Role == auth.RoleClient && !public {
		return &apiError{Status: http.StatusForbidden, Code: string(ticketcore.CodeForbidden), Message: "client integrations cannot add staff-only files"}
	}
	f, err := fh.Open()
	if err != nil {
		return badRequest("file", "cannot be read")
	}
	defer f.Close()
	blob, err := store.Put(c.Request().Context(), fh.Filename, f)
	if err != nil {
		return attachErr(err)
	}
	nt, err := s.svc.Attach(c.Request().Context(), actorOf(c), id, events.Attachment{SHA256: blob.SHA256, Filename: blob.Filename,
		ContentType: blob.ContentType, Kind: blob.Kind, Size: blob.Size, Public: public})
	if err != nil {
		return err
	}
	return s.changed(c, "attachment", http.StatusCreated, nt)
}

// listAttachments answers the ticket's files grouped by kind; clients see
// the public ones of their own tickets.
func (s *Server) listAttachments(c echo.Context) error {
	t, err := s.visibleTicket(c)
	if err != nil {
		return err
	}
	id := t.ID
	client := currentUser(c).Role == auth.RoleClient
	groups := map[string][]events.Attachment{}
	for _, a := range t.Attachments {
		if a.Public || !client {
			groups[a.Kind] = append(groups[a.Kind], a)
		}
	}
	return c.JSON(http.StatusOK, map[string]any{"ticket_id": id, "groups": groups})
}

// getAttachment serves one file with headers that keep a browser from
// running it (attach.Headers).
func (s *Server) getAttachment(c echo.Context) error {
	store, err := s.attachments()
	if err != nil {
		return err
	}
	t, err := s.visibleTicket(c)
	if err != nil {
		return err
	}
	id := t.ID
	a, err := s.svc.Attachment(c.Request().Context(), id, c.Param("sha"), currentUser(c).Role == auth.RoleClient)
	if err != nil {
		return err
	}
	rc, err := store.Open(c.Request().Context(), a.SHA256)
	if err != nil {
		return fmt.Errorf("open attachment %s: %w", a.SHA256, err)
	}
	defer rc.Close()
	for k, v := range attach.Headers(attach.Blob{SHA256: a.SHA256, Size: a.Size, Filename: a.Filename, ContentType: a.ContentType, Kind: a.Kind},
		c.QueryParam("inline") == "true") {
		c.Response().Header()[k] = v
	}
	c.Response().WriteHeader(http.StatusOK)
	_, err = io.Copy(c.Response(), rc)
	return err
}

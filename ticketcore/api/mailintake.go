package api

import (
	"bytes"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/events"
	"github.com/deskmine/deskmine/ticketcore/mailin"
)

// mailResult answers POST /api/v1/intake/email.
type mailResult struct {
	intakeResult
	Ignored string `json:"ignored,omitempty"` // why nothing was stored, e.g. an auto-reply
}

// receiveMail takes one raw email (Content-Type message/rfc822), as a mail
// gateway or the IMAP poller posts it: a new ticket, or a reply on the
// ticket its thread belongs to. Threading follows In-Reply-To and
// References (Deskmine's own Message-IDs name the ticket), then a "[#id]"
// tag in the subject; a thread is followed only for the ticket's own
// customer. Auto-replies and bounces are acknowledged and not stored, so
// that two systems cannot answer each other forever.
func (s *Server) receiveMail(c echo.Context) error {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	if !strings.HasPrefix(ct, "message/rfc822") {
		return &apiError{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type",
			Message: "send the raw message as message/rfc822", Fields: map[string]string{"Content-Type": "must be message/rfc822"}}
	}
	m, err := mailin.Parse(c.Request().Body, mailin.Limits{MaxBytes: s.opts.MaxBodyBytes})
	var le *mailin.LimitError
	var pe *mailin.ParseError
	switch {
	case errors.As(err, &le):
		return &apiError{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Message: le.Error()}
	case errors.As(err, &pe):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: string(ticketcore.CodeInvalid), Message: pe.Error(),
			Fields: map[string]string{pe.Where: pe.Reason}}
	case err != nil:
		return badRequest("body", "is not a readable email message")
	}
	if m.AutoReply {
		return c.JSON(http.StatusAccepted, mailResult{Ignored: "auto-reply, bounce or bulk mail"})
	}
	if m.From.Email == "" {
		return ticketcore.Invalid("From", "the sender has no email address")
	}
	in := ticketcore.Inbound{Channel: "email", Customer: ticketcore.CustomerInput{Email: m.From.Email, Name: m.From.Name},
		Subject: m.Subject, Body: m.Reply, DedupKey: "mail:" + m.MessageID, NewThread: "mail:" + m.MessageID}
	if strings.TrimSpace(in.Body) == "" {
		in.Body = m.Text
	}
	for _, key := range mailin.ThreadKeys(m) {
		if id, _, ok := mailin.ParseOutgoingMessageID(key); ok && in.TicketID == 0 {
			in.TicketID = id
		}
		in.Threads = append(in.Threads, "mail:"+key)
	}
	if id, ok := mailin.TicketRef(m.Subject); ok && in.TicketID == 0 {
		in.TicketID = id
	}
	// The mail's files are kept with the ticket; one the attachment policy
	// refuses (a program, a macro document) is named in the message
	// instead, so the agent knows it was sent.
	if store := s.opts.Attachments; store != nil {
		for _, a := range m.Attachments {
			blob, err := store.Put(c.Request().Context(), a.Filename, bytes.NewReader(a.Data))
			if err != nil {
				in.Body += "\n[attachment not kept: " + a.Filename + ": " + attachErr(err).Error() + "]"
				continue
			}
			in.Attachments = append(in.Attachments, events.Attachment{SHA256: blob.SHA256, Filename: blob.Filename,
				ContentType: blob.ContentType, Kind: blob.Kind, Size: blob.Size})
		}
	}
	r, err := s.svc.Receive(c.Request().Context(), ticketcore.Actor{Name: "mail-in", Role: "system"}, in)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if r.Created {
		status = http.StatusCreated
	}
	return c.JSON(status, mailResult{intakeResult: intakeResult{TicketID: r.Ticket.ID, Created: r.Created, Reopened: r.Reopened, Duplicate: r.Duplicate}})
}

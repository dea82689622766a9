package api

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/attach"
	"github.com/deskmine/deskmine/ticketcore/events"
	"github.com/deskmine/deskmine/ticketcore/mailin"
)

// MailResult is what an email became; it answers POST /api/v1/intake/email.
type MailResult struct {
	intakeResult
	Ignored  string `json:"ignored,omitempty"` // why nothing was stored, e.g. an auto-reply
	received *ticketcore.Received
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
	res, err := ReceiveMail(c.Request().Context(), s.svc, s.opts.Attachments, c.Request().Body, s.opts.MaxBodyBytes)
	if err != nil {
		return err
	}
	if res.Ignored != "" {
		return c.JSON(http.StatusAccepted, res)
	}
	r := res.received
	status := http.StatusOK
	if r.Created {
		status = http.StatusCreated
	}
	return c.JSON(status, res)
}

// ReceiveMail stores one raw email as a new ticket or a reply on its
// thread (see receiveMail): the API's email intake and the IMAP poller
// share it. Its errors are API errors (413, 422, 400); an auto-reply comes
// back with Ignored set and nothing stored.
func ReceiveMail(ctx context.Context, svc *ticketcore.Service, files *attach.Store, raw io.Reader, maxBytes int64) (*MailResult, error) {
	m, err := mailin.Parse(raw, mailin.Limits{MaxBytes: maxBytes})
	var le *mailin.LimitError
	var pe *mailin.ParseError
	switch {
	case errors.As(err, &le):
		return nil, &apiError{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Message: le.Error()}
	case errors.As(err, &pe):
		return nil, &apiError{Status: http.StatusUnprocessableEntity, Code: string(ticketcore.CodeInvalid), Message: pe.Error(),
			Fields: map[string]string{pe.Where: pe.Reason}}
	case err != nil:
		return nil, badRequest("body", "is not a readable email message")
	}
	if m.AutoReply {
		return &MailResult{Ignored: "auto-reply, bounce or bulk mail"}, nil
	}
	if m.From.Email == "" {
		return nil, ticketcore.Invalid("From", "the sender has no email address")
	}
	in := ticketcore.Inbound{Channel: "email", Customer: ticketcore.CustomerInput{Email: m.From.Email, Name: m.From.Name},
		Subject: m.Subject, Body: m.Reply, DedupKey: "mail:" + m.MessageID, NewThread: "mail:" + m.MessageID,
		SameAs: []string{"mailfp:" + m.Fingerprint}}
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
	if store := files; store != nil {
		for _, a := range m.Attachments {
			blob, err := store.Put(ctx, a.Filename, bytes.NewReader(a.Data))
			if err != nil {
				in.Body += "\n[attachment not kept: " + a.Filename + ": " + attachErr(err).Error() + "]"
				continue
			}
			in.Attachments = append(in.Attachments, events.Attachment{SHA256: blob.SHA256, Filename: blob.Filename,
				ContentType: blob.ContentType, Kind: blob.Kind, Size: blob.Size})
		}
	}
	r, err := svc.Receive(ctx, ticketcore.Actor{Name: "mail-in", Role: "system"}, in)
	if err != nil {
		return nil, err
	}
	return &MailResult{intakeResult: intakeResult{TicketID: r.Ticket.ID, Created: r.Created, Reopened: r.Reopened, Duplicate: r.Duplicate},
		received: r}, nil
}

// Refused reports whether err from ReceiveMail says the message can never
// be stored (malformed, too large, no sender), as opposed to a failure a
// retry may get past.
func Refused(err error) bool {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.Status < 500
	}
	if e, ok := ticketcore.AsError(err); ok {
		return e.Code == ticketcore.CodeInvalid || e.Code == ticketcore.CodeBadRequest
	}
	return false
}

// Package mailout answers customers by email: an agent's public reply on a
// ticket, and the resolution with the links to confirm it and to rate the
// service. It is a stream consumer (Handle), so a mail is sent at least
// once for every change, also across restarts; the Message-ID of each mail
// is derived from the ticket and the change, so a mail sent again after a
// crash is the same message to the customer's client, and answers thread
// back to the ticket (ticketcore/mailin).
package mailout

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"net/smtp"
	"strings"

	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/events"
	"github.com/deskmine/deskmine/ticketcore/mailin"
)

//go:embed reply.tmpl
var replyTmpl string

//go:embed resolved.tmpl
var resolvedTmpl string

// Sender delivers one composed message.
type Sender interface {
	Send(ctx context.Context, from string, to []string, msg []byte) error
}

// SMTP sends through an SMTP relay (net/smtp; STARTTLS when offered).
type SMTP struct {
	Addr string // host:port
	Auth smtp.Auth
}

// Send implements Sender.
func (s SMTP) Send(_ context.Context, from string, to []string, msg []byte) error {
	if err := smtp.SendMail(s.Addr, s.Auth, from, to, msg); err != nil {
		return fmt.Errorf("smtp %s: %w", s.Addr, err)
	}
	return nil
}

// Links issues a resolved ticket's customer links (ticketcore.Service).
type Links interface {
	CustomerLinks(ctx context.Context, id int64) (*ticketcore.Links, error)
}

// Mailer turns ticket events into customer mail.
type Mailer struct {
	From      mailin.Address // the support address
	Domain    string         // of the Message-IDs
	PublicURL string         // where the confirm and survey pages live, e.g. https://help.example.com
	Sender    Sender
	Links     Links
	Logger    *slog.Logger
}

// Handle implements the stream handler: it mails the customer for each
// public reply by staff and each resolution. A failed send fails the batch
// (the runner retries); an event that can never be mailed (no customer
// email) is skipped.
func (m *Mailer) Handle(ctx context.Context, evs []events.Event) error {
	for i := range evs {
		e := &evs[i]
		msg, to, err := m.compose(ctx, e)
		if err != nil {
			return err
		}
		if msg == nil {
			continue
		}
		if err := m.Sender.Send(ctx, m.From.Email, []string{to}, msg); err != nil {
			return fmt.Errorf("mail ticket %d version %d: %w", e.TicketID, e.TicketVersion, err)
		}
	}
	return nil
}

// compose builds the mail an event asks for; nil when it asks for none.
func (m *Mailer) compose(ctx context.Context, e *events.Event) ([]byte, string, error) {
	t := &e.Ticket
	to := t.Customer.Email
	if to == "" || e.Actor.Role == "customer" || e.Source == events.SourceImport {
		return nil, "", nil
	}
	var tmpl string
	data := map[string]any{"ID": t.ID, "Subject": t.Subject, "Name": customerName(t), "Agent": e.Actor.Name}
	switch {
	case e.Type == events.TicketCommented && e.Comment != nil && e.Comment.Public && e.Actor.Role != "system":
		tmpl = replyTmpl
		data["Body"] = e.Comment.Body
	case e.Type == events.TicketStatusChanged && becameResolved(e):
		tmpl = resolvedTmpl
		data["Resolution"] = t.Resolution
		links, err := m.Links.CustomerLinks(ctx, t.ID)
		if err != nil {
			var te *ticketcore.Error
			if errors.As(err, &te) {
				return nil, "", nil // no longer resolved by now: nothing to confirm
			}
			return nil, "", err
		}
		base := strings.TrimRight(m.PublicURL, "/")
		data["ConfirmURL"] = base + "/confirm?token=" + links.Confirm
		data["RateURL"] = base + "/rate?token=" + links.Rate
	default:
		return nil, "", nil
	}
	subject, text, html, err := mailin.Render(tmpl, data)
	if err != nil {
		return nil, "", fmt.Errorf("render mail: %w", err)
	}
	msg, err := mailin.Compose(mailin.Outgoing{From: m.From, To: []mailin.Address{{Name: t.Customer.Name, Email: to}},
		Subject: subject, TicketID: t.ID, Text: text, HTML: html,
		// The version identifies the change: the same event mails the same message.
		MessageID: mailin.OutgoingMessageID(t.ID, e.TicketVersion, m.Domain),
		InReplyTo: inReplyTo(t), Date: e.At, Headers: map[string]string{"Auto-Submitted": "auto-replied"}})
	if err != nil {
		return nil, "", fmt.Errorf("compose mail: %w", err)
	}
	return msg, to, nil
}

// inReplyTo threads the mail under the customer's first message, when the
// ticket came by mail ("mail:<message-id>").
func inReplyTo(t *events.Ticket) string {
	if id, ok := strings.CutPrefix(t.ExternalID, "mail:"); ok {
		return id
	}
	return ""
}

func customerName(t *events.Ticket) string {
	if t.Customer.Name != "" {
		return t.Customer.Name
	}
	return t.Customer.Email
}

// becameResolved reports a move into a resolved state: resolved_at set.
func becameResolved(e *events.Event) bool {
	for _, c := range e.Changes {
		if c.Field == "resolved_at" {
			return len(c.New) > 0 && string(c.New) != "null" && (len(c.Old) == 0 || string(c.Old) == "null")
		}
	}
	return false
}

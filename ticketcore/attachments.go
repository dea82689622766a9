package ticketcore

import (
	"context"
	"regexp"
	"slices"
	"strings"

	"github.com/deskmine/deskmine/ticketcore/events"
)

// MaxAttachments bounds the files of one ticket.
const MaxAttachments = 200

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// checkAttachment validates the metadata of a stored file.
func checkAttachment(fe fieldErrors, a events.Attachment) {
	if !sha256Hex.MatchString(a.SHA256) {
		fe.add("sha256", "must be 64 lower-case hex digits")
	}
	checkText(fe, "filename", a.Filename, 255, true)
	if a.Size <= 0 {
		fe.add("size", "must be positive")
	}
	if strings.TrimSpace(a.ContentType) == "" || strings.TrimSpace(a.Kind) == "" {
		fe.add("content_type", "is required")
	}
}

// Attach records a stored file on a ticket: one ticket.updated event with
// the change attachments. The same content attached twice with the same
// visibility is kept once.
func (s *Service) Attach(ctx context.Context, actor Actor, id int64, a events.Attachment) (*Ticket, error) {
	fe := fieldErrors{}
	checkAttachment(fe, a)
	if err := fe.err(); err != nil {
		return nil, err
	}
	var out *Ticket
	err := s.inTx(ctx, func(tx Tx) error {
		old, err := s.loadForChange(ctx, tx, id, 0)
		if err != nil {
			return err
		}
		if slices.ContainsFunc(old.Attachments, func(x events.Attachment) bool { return x.SHA256 == a.SHA256 && x.Public == a.Public }) {
			out = old
			return nil
		}
		if len(old.Attachments) >= MaxAttachments {
			return Invalid("attachments", "the ticket has the most files a ticket may have")
		}
		now := s.now()
		t := cloneTicket(old)
		a.By, a.At = actor.Name, now
		t.Attachments = append(slices.Clone(old.Attachments), a)
		if err := s.write(ctx, tx, actor, old, t, events.TicketUpdated, events.SourceAPI, "attachment: "+a.Filename, now, eventExtra{}); err != nil {
			return err
		}
		out = t
		return nil
	})
	return out, err
}

// Attachment returns a file of a ticket by content hash; publicOnly hides
// the staff-only ones.
func (s *Service) Attachment(ctx context.Context, id int64, sha string, publicOnly bool) (*events.Attachment, error) {
	t, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, a := range t.Attachments {
		if a.SHA256 == sha && (a.Public || !publicOnly) {
			return &a, nil
		}
	}
	return nil, NotFound("attachment", sha)
}

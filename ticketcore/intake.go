package ticketcore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/deskmine/deskmine/ticketcore/events"
)

// Inbound is one customer message from a channel (email, chat, social,
// phone): a new ticket, or a reply on the conversation it belongs to.
type Inbound struct {
	Channel  string
	Customer CustomerInput
	Subject  string // for a new ticket; derived from Body when empty
	Body     string
	Priority string // a hint for a new ticket (an IVR "urgent" branch), "" for none
	// DedupKey identifies the message at its source (a Message-ID, a
	// provider's event id): a message received twice is stored once.
	DedupKey string
	// SameAs are further keys of the message's content (sender, subject
	// and text): the same text sent again within the idempotency window
	// under another id (a customer pressing send twice, a mail loop) is
	// stored once too.
	SameAs []string
	// TicketID names the ticket the message answers when the channel says
	// so (a reply to Deskmine's own mail); it must belong to the customer.
	TicketID int64
	// Threads are the conversation keys the message may continue, most
	// specific first (the external ids earlier messages were stored under).
	Threads []string
	// NewThread is the external id a new ticket gets, so later messages of
	// the conversation find it.
	NewThread string
	// Attachments are files of the message already stored (public: the
	// customer sent them).
	Attachments []events.Attachment
}

// Received says what Receive did.
type Received struct {
	Ticket    *Ticket
	Created   bool // a new ticket
	Reopened  bool // the reply reopened a resolved or closed ticket
	Duplicate bool // the message had been received before: nothing changed
}

// intakeUser is the idempotency scope of channel messages (no user has id -1).
const intakeUser = -1

// Receive stores a customer message in one transaction: a reply on the
// ticket its conversation belongs to (reopening it when it was resolved or
// closed: the customer says it is not over), or a new ticket; the dedup key
// is recorded in the same transaction, so a repeated message is stored
// once and a failed write is not mistaken for a duplicate later.
func (s *Service) Receive(ctx context.Context, actor Actor, in Inbound) (*Received, error) {
	body := strings.TrimSpace(in.Body)
	fe := fieldErrors{}
	checkText(fe, "body", body, maxDescription, true)
	checkText(fe, "dedup_key", in.DedupKey, 200, true)
	for _, k := range in.SameAs {
		checkText(fe, "same_as", k, 200, true)
	}
	for _, a := range in.Attachments {
		checkAttachment(fe, a)
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	now := s.now()
	subject := strings.TrimSpace(in.Subject)
	if subject == "" {
		subject = firstLine(body, 80)
	}
	create := CreateInput{ExternalID: in.NewThread, Subject: subject, Description: body, Channel: in.Channel,
		Customer: in.Customer, Priority: in.Priority}
	draft, err := s.newTicket(ctx, actor, &create, now)
	if err != nil {
		return nil, err
	}
	if draft.Checklist, err = s.checklistFor(ctx, draft.Type); err != nil {
		return nil, err
	}
	for i := range in.Attachments {
		in.Attachments[i].Public, in.Attachments[i].By, in.Attachments[i].At = true, actor.Name, now
	}
	draft.Attachments = in.Attachments
	var out *Received
	err = s.inTx(ctx, func(tx Tx) error {
		out = &Received{}
		var rec *IdempotencyRecord
		for _, key := range append([]string{in.DedupKey}, in.SameAs...) {
			if rec, err = tx.Idempotency(ctx, intakeUser, key, now.Add(-s.opts.IdempotencyTTL)); err != nil {
				return err
			}
			if rec != nil {
				break
			}
		}
		if rec != nil {
			t, err := tx.TicketForUpdate(ctx, rec.TicketID)
			if err != nil {
				return err
			}
			out.Ticket, out.Duplicate = t, true
			return nil
		}
		existing, err := s.threadOf(ctx, tx, in)
		if err != nil {
			return err
		}
		var t *Ticket
		if existing != nil {
			t, out.Reopened, err = s.reply(ctx, tx, actor, existing, body, in.Attachments, now)
		} else {
			t = cloneTicket(draft)
			if err = s.linkCustomer(ctx, tx, t, in.Customer, now); err == nil {
				if s.router != nil {
					var reason string
					if reason, err = s.router.Route(ctx, t); err == nil {
						err = s.insert(ctx, tx, actor, t, events.SourceAPI, reason)
					}
				} else {
					err = s.insert(ctx, tx, actor, t, events.SourceAPI, "")
				}
			}
			out.Created = true
		}
		if err != nil {
			return err
		}
		out.Ticket = t
		for _, key := range append([]string{in.DedupKey}, in.SameAs...) {
			if err := tx.SaveIdempotency(ctx, intakeUser, key, IdempotencyRecord{RequestHash: "intake", TicketID: t.ID},
				now, now.Add(-s.opts.IdempotencyTTL)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// threadOf finds the ticket a message continues: the ticket it names (if
// the customer is that ticket's), or the first thread key on record.
func (s *Service) threadOf(ctx context.Context, tx Tx, in Inbound) (*Ticket, error) {
	if in.TicketID > 0 {
		t, err := tx.TicketForUpdate(ctx, in.TicketID)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return nil, err
		}
		if err == nil && sameCustomer(t, in.Customer) {
			return t, nil
		}
		// A reference to someone else's ticket (or none) is not followed:
		// a forged reply must not land on another customer's ticket.
	}
	for _, key := range in.Threads {
		if key == "" {
			continue
		}
		t, err := tx.TicketByExternalID(ctx, key)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if sameCustomer(t, in.Customer) {
			return tx.TicketForUpdate(ctx, t.ID)
		}
	}
	return nil, nil
}

// sameCustomer reports whether the message's sender is the ticket's
// customer, by any identity both have.
func sameCustomer(t *Ticket, c CustomerInput) bool {
	eq := func(a, b string) bool {
		return a != "" && strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
	}
	return eq(t.Customer.Email, c.Email) || eq(t.Customer.Phone, c.Phone) || eq(t.Customer.ExternalID, c.ExternalID)
}

// reply adds the customer's message as a public comment; on a resolved or
// closed ticket it also reopens it, in the same event.
func (s *Service) reply(ctx context.Context, tx Tx, actor Actor, old *Ticket, body string, files []events.Attachment, now time.Time) (*Ticket, bool, error) {
	c := &events.Comment{Body: body, Public: true}
	if err := tx.InsertComment(ctx, old.ID, c, actor.event(), now); err != nil {
		return nil, false, fmt.Errorf("insert comment: %w", err)
	}
	t := cloneTicket(old)
	for _, a := range files {
		a.CommentID = c.ID
		t.Attachments = append(t.Attachments, a)
	}
	reopened := false
	reason := ""
	if st, _ := s.opts.Workflow.State(old.Status); st.Kind == KindResolved || st.Kind == KindClosed {
		if open := s.stateOfKind(KindOpen); open != "" && s.opts.Workflow.CheckTransition(old.Status, open, "") == nil {
			s.setStatus(t, open, "", now)
			reopened, reason = true, "the customer replied"
		}
	}
	t.Version = old.Version + 1
	t.UpdatedAt = now
	if err := tx.UpdateTicket(ctx, t, old.Version); err != nil {
		return nil, false, conflictOr(err)
	}
	if err := s.appendEvent(ctx, tx, actor, events.TicketCommented, events.SourceAPI, reason, old, t, now, eventExtra{Comment: c}); err != nil {
		return nil, false, err
	}
	return t, reopened, nil
}

// firstLine is the first non-empty line of s, at most n characters.
func firstLine(s string, n int) string {
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			if utf8.RuneCountInString(l) > n {
				return string([]rune(l)[:n]) + "…"
			}
			return l
		}
	}
	return "(no subject)"
}

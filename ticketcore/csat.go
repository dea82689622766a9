package ticketcore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/deskmine/deskmine/ticketcore/events"
)

// CSATInput is a customer's satisfaction rating of a ticket.
type CSATInput struct {
	Score   int    // 1 (very unhappy) to 5 (very happy)
	Comment string // what the customer wrote, at most MaxCSATComment characters
	// At is when the customer rated; zero means when the change happens.
	At time.Time
}

// MaxCSATComment bounds the comment of a rating, in characters.
const MaxCSATComment = 2000

// RateCSAT records the customer's rating of a resolved or closed ticket and
// writes one ticket.updated event with the change csat. A later rating
// replaces the earlier one; the same rating again changes nothing and
// writes no event. Whoever collected the rating (an agent on the phone, a
// client integration, a survey) is the actor.
func (s *Service) RateCSAT(ctx context.Context, actor Actor, id int64, in CSATInput) (*Ticket, error) {
	return s.RateCSATWith(ctx, actor, id, 0, in, Origin{})
}

// RateCSATWith is RateCSAT at expectedVersion (0: any version), with the
// event's source and time given by o.
func (s *Service) RateCSATWith(ctx context.Context, actor Actor, id, expectedVersion int64, in CSATInput, o Origin) (*Ticket, error) {
	fe := fieldErrors{}
	if in.Score < 1 || in.Score > 5 {
		fe.add("score", "must be a whole number from 1 to 5")
	}
	comment := strings.TrimSpace(in.Comment)
	checkText(fe, "comment", comment, MaxCSATComment, false)
	ratedAt := in.At.UTC().Truncate(time.Microsecond)
	if !in.At.IsZero() && ratedAt.After(s.now()) {
		fe.add("at", "is in the future")
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	var out *Ticket
	err := s.inTx(ctx, func(tx Tx) error {
		old, err := s.loadForChange(ctx, tx, id, expectedVersion)
		if err != nil {
			return err
		}
		st, _ := s.opts.Workflow.State(old.Status)
		if st.Kind != KindResolved && st.Kind != KindClosed {
			return &Error{Code: CodeInvalid, Message: fmt.Sprintf("ticket %d cannot be rated yet", id), Fields: map[string]string{
				"status": fmt.Sprintf("is %s (kind %s); only a ticket in a resolved or closed state can be rated", old.Status, st.Kind)}}
		}
		at, src, err := s.changeTime(o, old.UpdatedAt)
		if err != nil {
			return err
		}
		rated := ratedAt
		if in.At.IsZero() {
			rated = at
		}
		fe := fieldErrors{}
		if rated.Before(old.CreatedAt) {
			fe.add("at", "is before the ticket was created at "+old.CreatedAt.Format(time.RFC3339Nano))
		}
		if old.CSAT != nil && rated.Before(old.CSAT.At) {
			fe.add("at", "is before the ticket's current rating at "+old.CSAT.At.Format(time.RFC3339Nano)+"; only a later rating replaces it")
		}
		if err := fe.err(); err != nil {
			return err
		}
		next := events.CSAT{Score: in.Score, Comment: comment, At: rated}
		if c := old.CSAT; c != nil && c.Score == next.Score && c.Comment == next.Comment && c.At.Equal(next.At) {
			out = old // the same rating again: no version, no event
			return nil
		}
		t := cloneTicket(old)
		t.CSAT = &next
		if err := s.write(ctx, tx, actor, old, t, events.TicketUpdated, src, "", at, eventExtra{}); err != nil {
			return err
		}
		out = t
		return nil
	})
	return out, err
}

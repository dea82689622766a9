package ticketcore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/deskmine/deskmine/ticketcore/custlink"
	"github.com/deskmine/deskmine/ticketcore/events"
)

// Codes of the closed loop's customer links.
const (
	CodeLinkInvalid Code = "link_invalid" // 400: malformed, forged, or for something else
	CodeLinkGone    Code = "link_gone"    // 410: expired, or used (the ticket moved on)
	CodeNotVerified Code = "close_not_verified"
)

// CloseVerifier is a system check that must agree before a ticket closes
// (a fault-recovery check: is the service really back?).
type CloseVerifier interface {
	VerifyClose(ctx context.Context, t *Ticket) error
}

// LoopOptions configure the closed loop with the customer.
type LoopOptions struct {
	// Secret signs customer links (at least custlink.MinSecret bytes).
	Secret []byte
	// LinkTTL is how long a link works; 0 means 14 days.
	LinkTTL time.Duration
	// Verifier, when set, must agree before any close.
	Verifier CloseVerifier
}

// customerActor is who acts through a customer link.
var customerActor = Actor{Name: "customer", Role: "customer"}

// SetLoop enables customer links and the close verification; call it
// before serving.
func (s *Service) SetLoop(o LoopOptions) error {
	if len(o.Secret) < custlink.MinSecret {
		return fmt.Errorf("customer links: secret shorter than %d bytes", custlink.MinSecret)
	}
	if o.LinkTTL <= 0 {
		o.LinkTTL = 14 * 24 * time.Hour
	}
	s.loop = &o
	return nil
}

// Links are a resolved ticket's customer links (tokens; the caller puts them
// in URLs of its public site).
type Links struct {
	Confirm string    `json:"confirm"`
	Rate    string    `json:"rate"`
	Expires time.Time `json:"expires"`
}

// CustomerLinks issues the confirmation and survey links of a resolved
// ticket, for the resolution it is at.
func (s *Service) CustomerLinks(ctx context.Context, id int64) (*Links, error) {
	if s.loop == nil {
		return nil, &Error{Code: CodeNotFound, Message: "customer links are not configured"}
	}
	t, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if st, _ := s.opts.Workflow.State(t.Status); st.Kind != KindResolved || t.ResolvedAt == nil {
		return nil, &Error{Code: CodeInvalid, Message: "only a resolved ticket has customer links",
			Fields: map[string]string{"status": fmt.Sprintf("is %s", t.Status)}}
	}
	exp := s.now().Add(s.loop.LinkTTL).Truncate(time.Second)
	out := &Links{Expires: exp}
	for _, p := range []struct {
		purpose string
		dst     *string
	}{{custlink.Confirm, &out.Confirm}, {custlink.Rate, &out.Rate}} {
		tok, err := custlink.Issue(s.loop.Secret, custlink.Link{Purpose: p.purpose, TicketID: id, Stamp: t.ResolvedAt.UnixMicro(), Expires: exp})
		if err != nil {
			return nil, err
		}
		*p.dst = tok
	}
	return out, nil
}

// checkLink verifies a customer link and loads its ticket; a link for a
// resolution the ticket is no longer at was used (or overtaken).
func (s *Service) checkLink(ctx context.Context, token, purpose string) (*Ticket, error) {
	if s.loop == nil {
		return nil, &Error{Code: CodeNotFound, Message: "customer links are not configured"}
	}
	l, err := custlink.Check(s.loop.Secret, token, purpose, s.now())
	switch {
	case errors.Is(err, custlink.ErrExpired):
		return nil, &Error{Code: CodeLinkGone, Message: "this link has expired"}
	case err != nil:
		return nil, &Error{Code: CodeLinkInvalid, Message: "this link is not valid", Fields: map[string]string{"token": err.Error()}}
	}
	t, err := s.Get(ctx, l.TicketID)
	if err != nil {
		return nil, err
	}
	if t.ResolvedAt == nil || t.ResolvedAt.UnixMicro() != l.Stamp {
		return nil, &Error{Code: CodeLinkGone, Message: "this link was used already, or the ticket changed since"}
	}
	return t, nil
}

// ConfirmInput is the customer's answer to "is it resolved?".
type ConfirmInput struct {
	Resolved *bool  `json:"resolved"`
	Comment  string `json:"comment,omitempty"`
}

// ConfirmByLink records the customer's answer through a confirmation link:
// yes closes the ticket (after the close verification), no reopens it with
// the customer's comment as the reason. The link works once.
func (s *Service) ConfirmByLink(ctx context.Context, token string, in ConfirmInput) (*Ticket, error) {
	fe := fieldErrors{}
	if in.Resolved == nil {
		fe.add("resolved", "is required: true or false")
	}
	checkText(fe, "comment", strings.TrimSpace(in.Comment), 2000, false)
	if err := fe.err(); err != nil {
		return nil, err
	}
	t, err := s.checkLink(ctx, token, custlink.Confirm)
	if err != nil {
		return nil, err
	}
	if st, _ := s.opts.Workflow.State(t.Status); st.Kind != KindResolved {
		return nil, &Error{Code: CodeLinkGone, Message: "this ticket is no longer waiting for your confirmation"}
	}
	if *in.Resolved {
		return s.closeChecked(ctx, customerActor, t, "the customer confirmed the resolution")
	}
	reason := "the customer says it is not resolved"
	if c := strings.TrimSpace(in.Comment); c != "" {
		reason += ": " + c
	}
	return s.transitionAt(ctx, customerActor, t, s.stateOfKind(KindOpen), reason)
}

// RateByLink records the customer's rating through a survey link; a ticket
// that has a rating for this resolution is not rated again by link.
func (s *Service) RateByLink(ctx context.Context, token string, in CSATInput) (*Ticket, error) {
	t, err := s.checkLink(ctx, token, custlink.Rate)
	if err != nil {
		return nil, err
	}
	if t.CSAT != nil && !t.CSAT.At.Before(*t.ResolvedAt) {
		return nil, &Error{Code: CodeLinkGone, Message: "this survey was answered already"}
	}
	in.At = time.Time{}
	return s.RateCSATWith(ctx, customerActor, t.ID, t.Version, in, Origin{})
}

// AutoClose closes the tickets resolved for longer than after (oldest
// first, at most limit), each after the close verification; a ticket the
// verification refuses stays resolved and is tried again next time. It
// returns how many it closed.
func (s *Service) AutoClose(ctx context.Context, after time.Duration, limit int) (int, error) {
	var resolved []string
	for _, st := range s.opts.Workflow.States {
		if st.Kind == KindResolved {
			resolved = append(resolved, st.Name)
		}
	}
	cutoff := s.now().Add(-after)
	closed := 0
	q := ListQuery{Status: resolved, Sort: "updated_at", Limit: 200}
	for closed < limit {
		page, err := s.List(ctx, q)
		if err != nil {
			return closed, err
		}
		for i := range page.Tickets {
			t := &page.Tickets[i]
			if t.ResolvedAt == nil || t.ResolvedAt.After(cutoff) {
				continue
			}
			if _, err := s.closeChecked(ctx, Actor{Name: "deskmine-autoclose", Role: "system"}, t,
				fmt.Sprintf("closed automatically %s after resolution", after)); err != nil {
				s.opts.Logger.Warn("auto-close skipped a ticket", "ticket", t.ID, "err", err)
				continue
			}
			if closed++; closed >= limit {
				break
			}
		}
		if page.NextCursor == "" {
			return closed, nil
		}
		q.Cursor = page.NextCursor
	}
	return closed, nil
}

// closeChecked closes t after the verification hook agreed.
func (s *Service) closeChecked(ctx context.Context, actor Actor, t *Ticket, reason string) (*Ticket, error) {
	if s.loop != nil && s.loop.Verifier != nil {
		if err := s.loop.Verifier.VerifyClose(ctx, t); err != nil {
			return nil, &Error{Code: CodeNotVerified, Message: "the close verification did not agree: " + err.Error()}
		}
	}
	return s.transitionAt(ctx, actor, t, s.stateOfKind(KindClosed), reason)
}

// transitionAt moves t (at its version) to state to, as the system or the
// customer does: through the workflow's checks, without approval policies.
func (s *Service) transitionAt(ctx context.Context, actor Actor, t *Ticket, to, reason string) (*Ticket, error) {
	var out *Ticket
	err := s.inTx(ctx, func(tx Tx) error {
		old, err := s.loadForChange(ctx, tx, t.ID, t.Version)
		if err != nil {
			return err
		}
		if err := s.opts.Workflow.CheckTransition(old.Status, to, ""); err != nil {
			return err
		}
		if err := s.checklistBlocks(old, to); err != nil {
			return err
		}
		if err := s.subticketsBlock(ctx, tx, old, to); err != nil {
			return err
		}
		nt := cloneTicket(old)
		now := s.now()
		s.setStatus(nt, to, "", now)
		if err := s.write(ctx, tx, actor, old, nt, events.TicketStatusChanged, events.SourceSystem, reason, now, eventExtra{}); err != nil {
			return err
		}
		out = nt
		return nil
	})
	return out, err
}

// stateOfKind is the workflow's first state of a kind.
func (s *Service) stateOfKind(k StateKind) string {
	for _, st := range s.opts.Workflow.States {
		if st.Kind == k {
			return st.Name
		}
	}
	return ""
}

package ticketcore

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/deskmine/deskmine/ticketcore/events"
)

// CodeSubticketsOpen refuses resolving a ticket that waits for sub-tickets.
const CodeSubticketsOpen Code = "subtickets_open"

// CreateSubticket opens a sub-ticket of parent for parallel work in another
// team: it takes the parent's customer unless in names one, links both ways
// (subtask_of, subtask), and the parent cannot be resolved or closed until
// every sub-ticket is. One transaction: the child's created event and the
// parent's ticket.updated event.
func (s *Service) CreateSubticket(ctx context.Context, actor Actor, parentID int64, in CreateInput) (*Ticket, error) {
	if len(in.Links) > 0 {
		return nil, Invalid("links", "a sub-ticket is linked to its parent only")
	}
	parent, err := s.Get(ctx, parentID)
	if err != nil {
		return nil, err
	}
	if in.Customer.Empty() {
		in.Customer = CustomerInput{Email: parent.Customer.Email, Phone: parent.Customer.Phone, ExternalID: parent.Customer.ExternalID}
	}
	if in.Channel == "" {
		in.Channel = parent.Channel
	}
	now := s.now()
	draft, err := s.newTicket(ctx, actor, &in, now)
	if err != nil {
		return nil, err
	}
	if draft.Checklist, err = s.checklistFor(ctx, draft.Type); err != nil {
		return nil, err
	}
	var out *Ticket
	err = s.inTx(ctx, func(tx Tx) error {
		old, err := s.loadForChange(ctx, tx, parentID, 0)
		if err != nil {
			return err
		}
		if st, _ := s.opts.Workflow.State(old.Status); st.Kind == KindResolved || st.Kind == KindClosed {
			return Invalid("parent", fmt.Sprintf("ticket %d is %s; reopen it before splitting work off", parentID, old.Status))
		}
		if len(old.Links) >= MaxLinks {
			return Invalid("parent", fmt.Sprintf("ticket %d has the most links a ticket may have", parentID))
		}
		child := cloneTicket(draft)
		child.Links = []events.Link{{Type: events.LinkSubtaskOf, TicketID: parentID}}
		if err := s.linkCustomer(ctx, tx, child, in.Customer, now); err != nil {
			return err
		}
		reason := fmt.Sprintf("sub-ticket of #%d", parentID)
		if s.router != nil && child.Team == "" {
			if r, err := s.router.Route(ctx, child); err != nil {
				return fmt.Errorf("route sub-ticket: %w", err)
			} else if r != "" {
				reason += "; " + r
			}
		}
		if err := s.insert(ctx, tx, actor, child, events.SourceAPI, reason); err != nil {
			return err
		}
		p := cloneTicket(old)
		p.Links = append(p.Links, events.Link{Type: events.LinkSubtask, TicketID: child.ID})
		team := child.Team
		if team == "" {
			team = "no team yet"
		}
		if err := s.write(ctx, tx, actor, old, p, events.TicketUpdated, events.SourceAPI,
			fmt.Sprintf("sub-ticket #%d for %s", child.ID, team), now, eventExtra{}); err != nil {
			return err
		}
		out = child
		return nil
	})
	return out, err
}

// subticketsBlock refuses moving t into state to (resolved or closed)
// while one of its sub-tickets is open.
func (s *Service) subticketsBlock(ctx context.Context, tx Tx, t *Ticket, to string) error {
	st, _ := s.opts.Workflow.State(to)
	if st.Kind != KindResolved && st.Kind != KindClosed {
		return nil
	}
	var open []string
	for _, l := range t.Links {
		if l.Type != events.LinkSubtask {
			continue
		}
		child, err := tx.TicketForUpdate(ctx, l.TicketID)
		if err != nil {
			return fmt.Errorf("load sub-ticket %d: %w", l.TicketID, err)
		}
		if cs, _ := s.opts.Workflow.State(child.Status); cs.Kind != KindResolved && cs.Kind != KindClosed {
			open = append(open, fmt.Sprintf("#%d (%s)", child.ID, child.Status))
		}
	}
	if len(open) == 0 {
		return nil
	}
	msg := "sub-tickets are still open: " + strings.Join(open, ", ")
	return &Error{Code: CodeSubticketsOpen, Message: msg, Fields: map[string]string{"subtickets": msg}}
}

// HandoffInput hands a ticket to another team.
type HandoffInput struct {
	Team     string `json:"team"`
	Assignee string `json:"assignee,omitempty"` // "" leaves it unassigned for the team to pick up
	Reason   string `json:"reason"`
}

// Handoff moves a ticket to another team with the reason, keeping its whole
// context (history, comments, links) where it is: one ticket.updated event
// whose reason says from whom to whom and why.
func (s *Service) Handoff(ctx context.Context, actor Actor, id, expectedVersion int64, in HandoffInput) (*Ticket, error) {
	fe := fieldErrors{}
	in.Team, in.Reason = strings.TrimSpace(in.Team), strings.TrimSpace(in.Reason)
	checkText(fe, "team", in.Team, maxShortText, true)
	checkText(fe, "reason", in.Reason, maxReason-100, true)
	if err := fe.err(); err != nil {
		return nil, err
	}
	cur, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if cur.Team == in.Team {
		return nil, Invalid("team", fmt.Sprintf("the ticket is with %s already", in.Team))
	}
	assignee := strings.TrimSpace(in.Assignee)
	from := cur.Team
	if from == "" {
		from = "no team"
	}
	reason := fmt.Sprintf("hand-off from %s to %s: %s", from, in.Team, in.Reason)
	return s.UpdateWithReason(ctx, actor, id, expectedVersion, Patch{Team: &in.Team, Assignee: &assignee}, events.SourceAPI, reason)
}

// Merge folds ticket source into target: the customer's text becomes an
// internal note on target, source gets a duplicate_of link to target and is
// closed with the reason. Both tickets keep their history. Refused when
// either is closed, when they are the same, or for different customers.
func (s *Service) Merge(ctx context.Context, actor Actor, sourceID, targetID int64) (*Ticket, error) {
	if sourceID == targetID {
		return nil, Invalid("target", "a ticket cannot be merged into itself")
	}
	closed := s.stateOfKind(KindClosed)
	var out *Ticket
	err := s.inTx(ctx, func(tx Tx) error {
		src, err := s.loadForChange(ctx, tx, sourceID, 0)
		if err != nil {
			return err
		}
		dst, err := s.loadForChange(ctx, tx, targetID, 0)
		if err != nil {
			return NotFound("ticket", targetID)
		}
		for _, t := range []*Ticket{src, dst} {
			if st, _ := s.opts.Workflow.State(t.Status); st.Kind == KindClosed {
				return Invalid("status", fmt.Sprintf("ticket %d is closed", t.ID))
			}
		}
		if src.Customer.ID != dst.Customer.ID {
			return Invalid("target", "tickets of different customers are not merged; link them instead")
		}
		if slices.ContainsFunc(src.Links, func(l events.Link) bool { return events.ParentLink(l.Type) }) {
			return Invalid("links", fmt.Sprintf("ticket %d has a parent link already; unlink it first", sourceID))
		}
		if err := s.checkTargets(ctx, tx, sourceID, []events.Link{{Type: events.LinkDuplicateOf, TicketID: targetID}},
			func(int) string { return "target" }); err != nil {
			return err
		}
		now := s.now()
		// The target gains the source's text as an internal note.
		note := &events.Comment{Body: fmt.Sprintf("Merged #%d: %s\n\n%s", src.ID, src.Subject, src.Description), Public: false}
		if err := tx.InsertComment(ctx, dst.ID, note, actor.event(), now); err != nil {
			return fmt.Errorf("insert comment: %w", err)
		}
		nd := cloneTicket(dst)
		nd.Version, nd.UpdatedAt = dst.Version+1, now
		if err := tx.UpdateTicket(ctx, nd, dst.Version); err != nil {
			return conflictOr(err)
		}
		if err := s.appendEvent(ctx, tx, actor, events.TicketCommented, events.SourceAPI, fmt.Sprintf("merged #%d", src.ID), dst, nd, now, eventExtra{Comment: note}); err != nil {
			return err
		}
		// The source points at the target and closes.
		ns := cloneTicket(src)
		ns.Links = append(ns.Links, events.Link{Type: events.LinkDuplicateOf, TicketID: dst.ID})
		s.setStatus(ns, closed, "", now)
		if err := s.write(ctx, tx, actor, src, ns, events.TicketStatusChanged, events.SourceAPI, fmt.Sprintf("merged into #%d", dst.ID), now, eventExtra{}); err != nil {
			return err
		}
		out = nd
		return nil
	})
	return out, err
}

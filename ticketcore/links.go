package ticketcore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/deskmine/deskmine/ticketcore/events"
)

// LinkInput names one link of a ticket: its type (one of events.LinkTypes)
// and the other ticket.
type LinkInput struct {
	Type     string `json:"type"`
	TicketID int64  `json:"ticket_id"`
}

// MaxLinks is how many links one ticket may carry.
const MaxLinks = 50

// maxChain bounds the walk up a chain of parent links. Cycles are refused
// when links are made, so a longer chain means the stored data is broken.
const maxChain = 10_000

// Origin says where a change made through LinkWith, UnlinkWith or
// RateCSATWith comes from when it is not a live API call: the source
// recorded in its event and when the change happened (the demo loader
// writes history this way). The zero Origin is a change through the API,
// now.
type Origin struct {
	Source events.Source // empty: api
	// At is when the change happened; zero means now. It may be neither in
	// the future nor before the ticket's last change, so that each ticket's
	// events stay in time order.
	At time.Time
}

// changeTime resolves when a change of a ticket last changed at last happens.
func (s *Service) changeTime(o Origin, last time.Time) (time.Time, events.Source, error) {
	src := o.Source
	if src == "" {
		src = events.SourceAPI
	}
	now := s.now()
	if o.At.IsZero() {
		return now, src, nil
	}
	at := o.At.UTC().Truncate(time.Microsecond)
	if at.After(now) {
		return time.Time{}, "", Invalid("at", "is in the future")
	}
	if at.Before(last) {
		return time.Time{}, "", Invalid("at", "is before the ticket's last change at "+last.Format(time.RFC3339Nano))
	}
	return at, src, nil
}

// Link adds a link from ticket id to another ticket and writes one
// ticket.updated event listing the whole old and new links. expectedVersion
// 0 skips the version check (a link is an intent, like a transition).
func (s *Service) Link(ctx context.Context, actor Actor, id, expectedVersion int64, in LinkInput) (*Ticket, error) {
	return s.LinkWith(ctx, actor, id, expectedVersion, in, Origin{})
}

// LinkWith is Link with the event's source and time given by o.
func (s *Service) LinkWith(ctx context.Context, actor Actor, id, expectedVersion int64, in LinkInput, o Origin) (*Ticket, error) {
	fe := fieldErrors{}
	in.Type = strings.TrimSpace(in.Type)
	checkLinkShape(fe, id, in, "")
	if err := fe.err(); err != nil {
		return nil, err
	}
	var out *Ticket
	err := s.inTx(ctx, func(tx Tx) error {
		old, err := s.loadForChange(ctx, tx, id, expectedVersion)
		if err != nil {
			return err
		}
		at, src, err := s.changeTime(o, old.UpdatedAt)
		if err != nil {
			return err
		}
		link := events.Link{Type: in.Type, TicketID: in.TicketID}
		fe := fieldErrors{}
		for _, l := range old.Links {
			switch {
			case l == link:
				fe.add("ticket_id", fmt.Sprintf("ticket %d already has a %s link to ticket %d", id, l.Type, l.TicketID))
			case events.ParentLink(l.Type) && events.ParentLink(link.Type):
				fe.add("type", fmt.Sprintf("ticket %d already has a parent: it is %s ticket %d; a ticket has at most one duplicate_of, follow_up_of or caused_by link, so unlink that one first",
					id, l.Type, l.TicketID))
			}
		}
		if len(old.Links) >= MaxLinks {
			fe.add("links", fmt.Sprintf("ticket %d has %d links already, the most a ticket may have", id, len(old.Links)))
		}
		if err := fe.err(); err != nil {
			return err
		}
		if err := s.checkTargets(ctx, tx, id, []events.Link{link}, func(int) string { return "ticket_id" }); err != nil {
			return err
		}
		t := cloneTicket(old)
		t.Links = append(t.Links, link)
		if err := s.write(ctx, tx, actor, old, t, events.TicketUpdated, src, "", at, eventExtra{}); err != nil {
			return err
		}
		out = t
		return nil
	})
	return out, err
}

// Unlink removes a link of ticket id and writes one ticket.updated event
// listing the whole old and new links. A link the ticket does not have is
// CodeNotFound (HTTP 404), like any other missing resource.
func (s *Service) Unlink(ctx context.Context, actor Actor, id, expectedVersion int64, in LinkInput) (*Ticket, error) {
	return s.UnlinkWith(ctx, actor, id, expectedVersion, in, Origin{})
}

// UnlinkWith is Unlink with the event's source and time given by o.
func (s *Service) UnlinkWith(ctx context.Context, actor Actor, id, expectedVersion int64, in LinkInput, o Origin) (*Ticket, error) {
	fe := fieldErrors{}
	in.Type = strings.TrimSpace(in.Type)
	checkLinkType(fe, in.Type, "type")
	if in.TicketID <= 0 {
		fe.add("ticket_id", "must be a positive ticket id")
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	link := events.Link{Type: in.Type, TicketID: in.TicketID}
	var out *Ticket
	err := s.inTx(ctx, func(tx Tx) error {
		old, err := s.loadForChange(ctx, tx, id, expectedVersion)
		if err != nil {
			return err
		}
		i := slices.Index(old.Links, link)
		if i < 0 {
			return &Error{Code: CodeNotFound, Message: fmt.Sprintf("ticket %d has no %s link to ticket %d", id, link.Type, link.TicketID)}
		}
		at, src, err := s.changeTime(o, old.UpdatedAt)
		if err != nil {
			return err
		}
		t := cloneTicket(old)
		t.Links = slices.Delete(t.Links, i, i+1)
		if len(t.Links) == 0 {
			t.Links = nil
		}
		if err := s.write(ctx, tx, actor, old, t, events.TicketUpdated, src, "", at, eventExtra{}); err != nil {
			return err
		}
		out = t
		return nil
	})
	return out, err
}

// checkLinkType checks a link type.
func checkLinkType(fe fieldErrors, typ, field string) {
	switch {
	case typ == "":
		fe.add(field, "is required; link types are "+strings.Join(events.LinkTypes, ", "))
	case !slices.Contains(events.LinkTypes, typ):
		fe.add(field, fmt.Sprintf("%q is not a link type; link types are %s", typ, strings.Join(events.LinkTypes, ", ")))
	}
}

// checkLinkShape checks what can be checked of one link without the store.
// self is the linking ticket (0 while it is being created); prefix names
// the link in field names ("" or "links[2].").
func checkLinkShape(fe fieldErrors, self int64, in LinkInput, prefix string) {
	checkLinkType(fe, in.Type, prefix+"type")
	switch {
	case in.TicketID <= 0:
		fe.add(prefix+"ticket_id", "must be a positive ticket id")
	case in.TicketID == self:
		fe.add(prefix+"ticket_id", "a ticket cannot link to itself")
	}
}

// newLinks checks the links of a ticket being created: each link's shape,
// no link twice, at most one parent link and at most MaxLinks. The targets
// are checked by checkTargets in the creating transaction.
func newLinks(in []events.Link, fe fieldErrors) []events.Link {
	if len(in) == 0 {
		return nil
	}
	if len(in) > MaxLinks {
		fe.add("links", fmt.Sprintf("has %d links; a ticket may have at most %d", len(in), MaxLinks))
		return nil
	}
	out := make([]events.Link, 0, len(in))
	parent := -1
	for i, l := range in {
		l.Type = strings.TrimSpace(l.Type)
		prefix := "links[" + strconv.Itoa(i) + "]."
		checkLinkShape(fe, 0, LinkInput(l), prefix)
		if j := slices.Index(out, l); j >= 0 {
			fe.add(prefix+"ticket_id", fmt.Sprintf("repeats links[%d] (%s ticket %d)", j, l.Type, l.TicketID))
		}
		if events.ParentLink(l.Type) {
			if parent >= 0 {
				fe.add(prefix+"type", fmt.Sprintf("links[%d] is already a parent link (%s); a ticket has at most one duplicate_of, follow_up_of or caused_by link",
					parent, in[parent].Type))
			} else {
				parent = i
			}
		}
		out = append(out, l)
	}
	return out
}

// checkTargets looks up the other ticket of each link in tx, which also
// locks it until the change commits, and refuses a parent link whose
// target's chain of parents leads back to self. Holding the locks of the
// whole chain is what keeps two concurrent links from closing a cycle
// together: the second waits for the first and then sees its link (on
// PostgreSQL one of them may instead be chosen as a deadlock victim, which
// the store reports as ErrRetry, and its retry sees the other's link).
// field names the field of link i in errors.
func (s *Service) checkTargets(ctx context.Context, tx Tx, self int64, links []events.Link, field func(i int) string) error {
	// Lock in id order, so that two creations linking the same tickets
	// cannot deadlock on each other.
	order := make([]int, len(links))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(links[a].TicketID, links[b].TicketID) })
	fe := fieldErrors{}
	for _, i := range order {
		l := links[i]
		target, err := tx.TicketForUpdate(ctx, l.TicketID)
		if errors.Is(err, ErrNotFound) {
			fe.add(field(i), fmt.Sprintf("ticket %d does not exist", l.TicketID))
			continue
		}
		if err != nil {
			return fmt.Errorf("load linked ticket %d: %w", l.TicketID, err)
		}
		if self == 0 || !events.ParentLink(l.Type) {
			continue // a ticket being created has no links to it yet, so it closes no cycle
		}
		chain, err := parentChain(ctx, tx, target, self)
		if err != nil {
			return err
		}
		if chain[len(chain)-1] == self {
			fe.add(field(i), fmt.Sprintf("would make a cycle of parent links: ticket %d leads back to ticket %d (%s)",
				l.TicketID, self, chainString(chain)))
		}
	}
	return fe.err()
}

// parentChain follows the parent links from t, locking each ticket on the
// way, and returns the ids visited, t's first. It stops at a ticket without
// a parent, or at stop.
func parentChain(ctx context.Context, tx Tx, t *Ticket, stop int64) ([]int64, error) {
	chain := []int64{t.ID}
	cur := t
	for {
		p, ok := parentOf(cur)
		if !ok {
			return chain, nil
		}
		if slices.Contains(chain, p) {
			return nil, fmt.Errorf("parent links of ticket %d loop (%s -> %d): the stored links are broken", t.ID, chainString(chain), p)
		}
		chain = append(chain, p)
		if p == stop {
			return chain, nil
		}
		if len(chain) > maxChain {
			return nil, fmt.Errorf("the parent chain of ticket %d is longer than %d tickets", t.ID, maxChain)
		}
		next, err := tx.TicketForUpdate(ctx, p)
		if errors.Is(err, ErrNotFound) {
			return chain, nil
		}
		if err != nil {
			return nil, fmt.Errorf("load parent ticket %d: %w", p, err)
		}
		cur = next
	}
}

// parentOf returns the ticket a ticket's parent link points to.
func parentOf(t *Ticket) (int64, bool) {
	for _, l := range t.Links {
		if events.ParentLink(l.Type) {
			return l.TicketID, true
		}
	}
	return 0, false
}

func chainString(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, " -> ")
}

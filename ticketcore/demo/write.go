package demo

import (
	"cmp"
	"container/heap"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/events"
)

// act is a link or a rating, written through the ticket service at its time.
type act struct {
	at     time.Time
	link   *Link
	rating *Rating
}

func actsOf(t *Ticket) []act {
	out := make([]act, 0, len(t.Links)+1)
	for i := range t.Links {
		out = append(out, act{at: t.Links[i].At, link: &t.Links[i]})
	}
	if t.Rating != nil {
		out = append(out, act{at: t.Rating.At, rating: t.Rating})
	}
	// Generate placed every act strictly between two changes, at distinct
	// times.
	slices.SortStableFunc(out, func(a, b act) int { return a.at.Compare(b.at) })
	return out
}

// stage k of a ticket writes its act k-1 (none for stage 0, which creates
// the ticket), then its changes up to its next act.
type stage struct {
	at     time.Time
	ticket int
	k      int
}

// stages is a min-heap by time, then ticket, so that when an act runs every
// ticket created before it exists: a link's target is always older than
// the link.
type stages []stage

func (s stages) Len() int { return len(s) }
func (s stages) Less(i, j int) bool {
	if c := s[i].at.Compare(s[j].at); c != 0 {
		return c < 0
	}
	return cmp.Or(cmp.Compare(s[i].ticket, s[j].ticket), cmp.Compare(s[i].k, s[j].k)) < 0
}
func (s stages) Swap(i, j int) { s[i], s[j] = s[j], s[i] }
func (s *stages) Push(x any)   { *s = append(*s, x.(stage)) }
func (s *stages) Pop() any {
	old := *s
	x := old[len(old)-1]
	*s = old[:len(old)-1]
	return x
}

// write stores the dataset through svc: each ticket's history with
// ImportTicket, and its links and rating with the service's own methods in
// between, in time order across tickets. A ticket with n acts takes n+1
// imports, each its own transaction.
func write(ctx context.Context, svc *ticketcore.Service, ds *Dataset, sum *Summary, progress func(done int)) error {
	acts := make([][]act, len(ds.Tickets))
	h := make(stages, 0, len(ds.Tickets))
	for i := range ds.Tickets {
		acts[i] = actsOf(&ds.Tickets[i])
		h = append(h, stage{at: ds.Tickets[i].Changes[0].At, ticket: i})
	}
	heap.Init(&h)
	ids := make(map[string]int64, len(ds.Tickets))
	created := 0
	for h.Len() > 0 {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("load demo data: %w", err)
		}
		st := heap.Pop(&h).(stage)
		t := &ds.Tickets[st.ticket]
		var from, to time.Time
		if st.k > 0 {
			a := acts[st.ticket][st.k-1]
			if err := writeAct(ctx, svc, ids, t, a); err != nil {
				return err
			}
			sum.Events++
			if a.link != nil {
				sum.Links[a.link.Type]++
			} else {
				sum.Ratings++
			}
			from = a.at
		}
		if st.k < len(acts[st.ticket]) {
			to = acts[st.ticket][st.k].at
			heap.Push(&h, stage{at: to, ticket: st.ticket, k: st.k + 1})
		}
		var chunk []ticketcore.ImportedChange
		for _, ch := range t.Changes {
			if (from.IsZero() || ch.At.After(from)) && (to.IsZero() || !ch.At.After(to)) {
				chunk = append(chunk, ch)
			}
		}
		if len(chunk) > 0 {
			res, err := svc.ImportTicket(ctx, t.ExternalID, chunk)
			if err != nil {
				return fmt.Errorf("import demo ticket %s: %w", t.ExternalID, err)
			}
			sum.Events += res.Applied
			ids[t.ExternalID] = res.TicketID
		}
		if st.k == 0 {
			created++
			progress(created)
		}
	}
	return nil
}

func writeAct(ctx context.Context, svc *ticketcore.Service, ids map[string]int64, t *Ticket, a act) error {
	id := ids[t.ExternalID]
	origin := ticketcore.Origin{Source: events.SourceDemo, At: a.at}
	if l := a.link; l != nil {
		target, ok := ids[l.Target]
		if !ok {
			return fmt.Errorf("demo ticket %s: link to %s, which is not written yet", t.ExternalID, l.Target)
		}
		_, err := svc.LinkWith(ctx, ticketcore.Actor{Name: l.Actor}, id, 0, ticketcore.LinkInput{Type: l.Type, TicketID: target}, origin)
		if err != nil {
			return fmt.Errorf("link demo ticket %s %s %s: %w", t.ExternalID, l.Type, l.Target, err)
		}
		return nil
	}
	r := a.rating
	in := ticketcore.CSATInput{Score: r.Score, Comment: r.Comment, At: r.At}
	if _, err := svc.RateCSATWith(ctx, ticketcore.Actor{Name: r.Actor}, id, 0, in, origin); err != nil {
		return fmt.Errorf("rate demo ticket %s: %w", t.ExternalID, err)
	}
	return nil
}

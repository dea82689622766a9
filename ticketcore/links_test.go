package ticketcore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/events"
	"github.com/deskmine/deskmine/ticketcore/storetest"
)

// newTickets creates n tickets and returns their ids.
func newTickets(t *testing.T, svc *ticketcore.Service, n int) []int64 {
	t.Helper()
	ids := make([]int64, n)
	for i := range ids {
		in := basicInput()
		in.Subject = fmt.Sprintf("ticket %d", i)
		res, err := svc.Create(context.Background(), agent, in, "")
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = res.Ticket.ID
	}
	return ids
}

// lastEvent returns the newest event of the log.
func lastEvent(t *testing.T, svc *ticketcore.Service) events.Event {
	t.Helper()
	evs := allEvents(t, svc)
	if len(evs) == 0 {
		t.Fatal("no events")
	}
	return evs[len(evs)-1]
}

func allEvents(t *testing.T, svc *ticketcore.Service) []events.Event {
	t.Helper()
	var out []events.Event
	var after int64
	for {
		evs, err := svc.Events(context.Background(), after, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 {
			return out
		}
		out = append(out, evs...)
		after = evs[len(evs)-1].Seq
	}
}

// fieldOf returns the field named by a CodeInvalid error, with its reason.
func fieldOf(t *testing.T, err error) (string, string) {
	t.Helper()
	e, ok := ticketcore.AsError(err)
	if !ok || e.Code != ticketcore.CodeInvalid || len(e.Fields) != 1 {
		t.Fatalf("want one invalid field, got %v", err)
	}
	for k, v := range e.Fields {
		return k, v
	}
	return "", ""
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// checkLinksChange checks that e is the one ticket.updated event of a link
// change, listing exactly the whole old and new lists.
func checkLinksChange(t *testing.T, e events.Event, id, version int64, old, new any) {
	t.Helper()
	if e.Type != events.TicketUpdated || e.TicketID != id || e.TicketVersion != version || e.Source != events.SourceAPI || e.Actor.Name != agent.Name {
		t.Fatalf("event %s ticket %d v%d source %s actor %s, want ticket.updated of %d v%d by %s", e.Type, e.TicketID, e.TicketVersion,
			e.Source, e.Actor.Name, id, version, agent.Name)
	}
	if len(e.Changes) != 1 || e.Changes[0].Field != "links" {
		t.Fatalf("changes %s, want only links", jsonOf(t, e.Changes))
	}
	if got, want := string(e.Changes[0].Old), jsonOf(t, old); got != want {
		t.Errorf("old links %s, want %s", got, want)
	}
	if got, want := string(e.Changes[0].New), jsonOf(t, new); got != want {
		t.Errorf("new links %s, want %s", got, want)
	}
	if jsonOf(t, e.Ticket.Links) != string(e.Changes[0].New) && !(e.Ticket.Links == nil && string(e.Changes[0].New) == "null") {
		t.Errorf("snapshot links %s differ from the change %s", jsonOf(t, e.Ticket.Links), e.Changes[0].New)
	}
}

func TestLinkAndUnlinkEmitEvents(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			svc, _ := newService(t, b)
			ids := newTickets(t, svc, 3)
			a, bb, c := ids[0], ids[1], ids[2]

			dup := events.Link{Type: events.LinkDuplicateOf, TicketID: a}
			got, err := svc.Link(ctx, agent, bb, 1, ticketcore.LinkInput{Type: " duplicate_of ", TicketID: a})
			if err != nil {
				t.Fatal(err)
			}
			if got.Version != 2 || len(got.Links) != 1 || got.Links[0] != dup {
				t.Fatalf("linked ticket %+v", got)
			}
			checkLinksChange(t, lastEvent(t, svc), bb, 2, nil, []events.Link{dup})

			rel := events.Link{Type: events.LinkRelatedTo, TicketID: c}
			if _, err := svc.Link(ctx, agent, bb, 0, ticketcore.LinkInput{Type: "related_to", TicketID: c}); err != nil {
				t.Fatal(err)
			}
			checkLinksChange(t, lastEvent(t, svc), bb, 3, []events.Link{dup}, []events.Link{dup, rel})
			// Another type to the same ticket is another link.
			relA := events.Link{Type: events.LinkRelatedTo, TicketID: a}
			if _, err := svc.Link(ctx, agent, bb, 3, ticketcore.LinkInput{Type: "related_to", TicketID: a}); err != nil {
				t.Fatal(err)
			}
			stored, err := svc.Get(ctx, bb)
			if err != nil || jsonOf(t, stored.Links) != jsonOf(t, []events.Link{dup, rel, relA}) {
				t.Fatalf("stored links %+v (%v), want them in the order they were made", stored.Links, err)
			}

			if _, err := svc.Unlink(ctx, agent, bb, 4, ticketcore.LinkInput{Type: "duplicate_of", TicketID: a}); err != nil {
				t.Fatal(err)
			}
			checkLinksChange(t, lastEvent(t, svc), bb, 5, []events.Link{dup, rel, relA}, []events.Link{rel, relA})
			if _, err := svc.Unlink(ctx, agent, bb, 0, ticketcore.LinkInput{Type: "related_to", TicketID: c}); err != nil {
				t.Fatal(err)
			}
			last, err := svc.Unlink(ctx, agent, bb, 0, ticketcore.LinkInput{Type: "related_to", TicketID: a})
			if err != nil {
				t.Fatal(err)
			}
			if last.Links != nil || last.Version != 7 {
				t.Fatalf("after the last unlink: %+v", last)
			}
			checkLinksChange(t, lastEvent(t, svc), bb, 7, []events.Link{relA}, nil)
			if h, err := svc.History(ctx, bb); err != nil || len(h) != 7 || h[6].Changes[0].Field != "links" {
				t.Fatalf("audit trail: %d entries (%v)", len(h), err)
			}
			// The linked-to tickets are untouched.
			if ta, _ := svc.Get(ctx, a); ta.Version != 1 || ta.Links != nil {
				t.Fatalf("target changed: %+v", ta)
			}
		})
	}
}

func TestLinkValidation(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			svc, _ := newService(t, b)
			ids := newTickets(t, svc, 4)
			a, bb, c, d := ids[0], ids[1], ids[2], ids[3]
			if _, err := svc.Link(ctx, agent, bb, 0, ticketcore.LinkInput{Type: "duplicate_of", TicketID: a}); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Link(ctx, agent, bb, 0, ticketcore.LinkInput{Type: "related_to", TicketID: c}); err != nil {
				t.Fatal(err)
			}
			before := len(allEvents(t, svc))
			cases := []struct {
				name   string
				id     int64
				in     ticketcore.LinkInput
				field  string
				reason string
			}{
				{"unknown type", bb, ticketcore.LinkInput{Type: "blocks", TicketID: d}, "type", `"blocks" is not a link type`},
				{"no type", bb, ticketcore.LinkInput{TicketID: d}, "type", "is required"},
				{"no ticket", bb, ticketcore.LinkInput{Type: "related_to"}, "ticket_id", "positive"},
				{"negative ticket", bb, ticketcore.LinkInput{Type: "related_to", TicketID: -3}, "ticket_id", "positive"},
				{"itself", bb, ticketcore.LinkInput{Type: "related_to", TicketID: bb}, "ticket_id", "itself"},
				{"unknown target", bb, ticketcore.LinkInput{Type: "related_to", TicketID: 999999}, "ticket_id", "ticket 999999 does not exist"},
				{"same link twice", bb, ticketcore.LinkInput{Type: "related_to", TicketID: c}, "ticket_id", "already has a related_to link"},
				{"second parent", bb, ticketcore.LinkInput{Type: "caused_by", TicketID: d}, "type", "already has a parent"},
				{"second parent, same target", bb, ticketcore.LinkInput{Type: "follow_up_of", TicketID: a}, "type", "already has a parent"},
			}
			for _, tc := range cases {
				_, err := svc.Link(ctx, agent, tc.id, 0, tc.in)
				field, reason := fieldOf(t, err)
				if field != tc.field || !strings.Contains(reason, tc.reason) {
					t.Errorf("%s: refused on %s (%q), want %s containing %q", tc.name, field, reason, tc.field, tc.reason)
				}
			}
			if _, err := svc.Link(ctx, agent, 999999, 0, ticketcore.LinkInput{Type: "related_to", TicketID: a}); codeOf(err) != ticketcore.CodeNotFound {
				t.Errorf("linking an unknown ticket: want not found, got %v", err)
			}
			if _, err := svc.Link(ctx, agent, bb, 2, ticketcore.LinkInput{Type: "related_to", TicketID: d}); codeOf(err) != ticketcore.CodeConflict {
				t.Errorf("stale version: want conflict, got %v", err)
			}
			if _, err := svc.Unlink(ctx, agent, bb, 2, ticketcore.LinkInput{Type: "related_to", TicketID: c}); codeOf(err) != ticketcore.CodeConflict {
				t.Errorf("stale version on unlink: want conflict, got %v", err)
			}
			_, err := svc.Unlink(ctx, agent, bb, 0, ticketcore.LinkInput{Type: "caused_by", TicketID: a})
			if e, ok := ticketcore.AsError(err); !ok || e.Code != ticketcore.CodeNotFound || !strings.Contains(e.Message, "has no caused_by link to ticket") {
				t.Errorf("unlinking a link the ticket lacks: want not found, got %v", err)
			}
			if _, err := svc.Unlink(ctx, agent, bb, 0, ticketcore.LinkInput{Type: "nope", TicketID: a}); err == nil {
				t.Error("unlink with an unknown type accepted")
			} else if field, _ := fieldOf(t, err); field != "type" {
				t.Errorf("unlink with an unknown type refused on %s", field)
			}
			if _, err := svc.Unlink(ctx, agent, 999999, 0, ticketcore.LinkInput{Type: "related_to", TicketID: a}); codeOf(err) != ticketcore.CodeNotFound {
				t.Errorf("unlink of an unknown ticket: %v", err)
			}
			if n := len(allEvents(t, svc)); n != before {
				t.Fatalf("refused changes wrote %d events", n-before)
			}
			if got, _ := svc.Get(ctx, bb); got.Version != 3 || len(got.Links) != 2 {
				t.Fatalf("refused changes changed the ticket: %+v", got)
			}
		})
	}
}

func TestLinkLimit(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t, testdb.Backends()[0])
	ids := newTickets(t, svc, ticketcore.MaxLinks+2)
	self := ids[0]
	for _, id := range ids[1 : ticketcore.MaxLinks+1] {
		if _, err := svc.Link(ctx, agent, self, 0, ticketcore.LinkInput{Type: "related_to", TicketID: id}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := svc.Link(ctx, agent, self, 0, ticketcore.LinkInput{Type: "related_to", TicketID: ids[ticketcore.MaxLinks+1]})
	if field, reason := fieldOf(t, err); field != "links" || !strings.Contains(reason, "50 links") {
		t.Fatalf("link 51 refused on %s: %s", field, reason)
	}
}

func TestLinkRefusesCycles(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			svc, _ := newService(t, b)
			ids := newTickets(t, svc, 4)
			a, bb, c, d := ids[0], ids[1], ids[2], ids[3]
			// c -> b -> a, following parent links.
			if _, err := svc.Link(ctx, agent, bb, 0, ticketcore.LinkInput{Type: "follow_up_of", TicketID: a}); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Link(ctx, agent, c, 0, ticketcore.LinkInput{Type: "caused_by", TicketID: bb}); err != nil {
				t.Fatal(err)
			}
			// Two tickets naming each other.
			_, err := svc.Link(ctx, agent, a, 0, ticketcore.LinkInput{Type: "duplicate_of", TicketID: bb})
			if field, reason := fieldOf(t, err); field != "ticket_id" || !strings.Contains(reason, fmt.Sprintf("(%d -> %d)", bb, a)) {
				t.Errorf("a 2-cycle refused on %s: %s", field, reason)
			}
			// Three: a -> c -> b -> a.
			_, err = svc.Link(ctx, agent, a, 0, ticketcore.LinkInput{Type: "caused_by", TicketID: c})
			if field, reason := fieldOf(t, err); field != "ticket_id" || !strings.Contains(reason, fmt.Sprintf("(%d -> %d -> %d)", c, bb, a)) {
				t.Errorf("a 3-cycle refused on %s: %s", field, reason)
			}
			// related_to is no parent link: it may point anywhere.
			if _, err := svc.Link(ctx, agent, a, 0, ticketcore.LinkInput{Type: "related_to", TicketID: c}); err != nil {
				t.Errorf("related_to back down the chain refused: %v", err)
			}
			// A parent off the chain is fine, and so is a chain through it.
			if _, err := svc.Link(ctx, agent, a, 0, ticketcore.LinkInput{Type: "follow_up_of", TicketID: d}); err != nil {
				t.Errorf("parent outside the chain refused: %v", err)
			}
			_, err = svc.Link(ctx, agent, d, 0, ticketcore.LinkInput{Type: "duplicate_of", TicketID: c})
			if field, reason := fieldOf(t, err); field != "ticket_id" || !strings.Contains(reason, "cycle") {
				t.Errorf("a 4-cycle refused on %s: %s", field, reason)
			}
			// After an unlink the chain is open again.
			if _, err := svc.Unlink(ctx, agent, bb, 0, ticketcore.LinkInput{Type: "follow_up_of", TicketID: a}); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Link(ctx, agent, d, 0, ticketcore.LinkInput{Type: "duplicate_of", TicketID: c}); err != nil {
				t.Errorf("no cycle any more, yet refused: %v", err)
			}
		})
	}
}

// TestConcurrentLinksCloseNoCycle links pairs of tickets to each other from
// two goroutines at once: exactly one of each pair may win.
func TestConcurrentLinksCloseNoCycle(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			svc, _ := newService(t, b)
			const pairs = 8
			ids := newTickets(t, svc, 2*pairs)
			for p := 0; p < pairs; p++ {
				x, y := ids[2*p], ids[2*p+1]
				var wg sync.WaitGroup
				errs := make([]error, 2)
				for i, from := range []int64{x, y} {
					to := y
					if from == y {
						to = x
					}
					wg.Add(1)
					go func() {
						defer wg.Done()
						_, errs[i] = svc.Link(ctx, agent, from, 0, ticketcore.LinkInput{Type: "caused_by", TicketID: to})
					}()
				}
				wg.Wait()
				won := 0
				for _, err := range errs {
					switch {
					case err == nil:
						won++
					case codeOf(err) != ticketcore.CodeInvalid:
						t.Fatalf("pair %d: unexpected error %v", p, err)
					}
				}
				if won != 1 {
					t.Fatalf("pair %d: %d of 2 opposite parent links succeeded (%v)", p, won, errs)
				}
			}
		})
	}
}

func TestCreateWithLinks(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			svc, st := newService(t, b)
			ids := newTickets(t, svc, 2)
			in := basicInput()
			in.Links = []events.Link{{Type: "follow_up_of", TicketID: ids[0]}, {Type: "related_to", TicketID: ids[1]}}
			res, err := svc.Create(ctx, agent, in, "")
			if err != nil {
				t.Fatal(err)
			}
			if jsonOf(t, res.Ticket.Links) != jsonOf(t, in.Links) {
				t.Fatalf("created with links %+v", res.Ticket.Links)
			}
			e := lastEvent(t, svc)
			ch, ok := e.ChangeOf("links")
			if e.Type != events.TicketCreated || !ok || string(ch.Old) != "null" || string(ch.New) != jsonOf(t, in.Links) {
				t.Fatalf("created event %s lists links %+v", e.Type, ch)
			}

			many := make([]events.Link, ticketcore.MaxLinks+1)
			for i := range many {
				many[i] = events.Link{Type: "related_to", TicketID: int64(1000 + i)}
			}
			cases := []struct {
				name   string
				links  []events.Link
				field  string
				reason string
			}{
				{"unknown type", []events.Link{{Type: "parent_of", TicketID: ids[0]}}, "links[0].type", "not a link type"},
				{"no ticket", []events.Link{{Type: "related_to"}}, "links[0].ticket_id", "positive"},
				{"unknown target", []events.Link{{Type: "related_to", TicketID: ids[0]}, {Type: "related_to", TicketID: 999999}},
					"links[1].ticket_id", "ticket 999999 does not exist"},
				{"twice", []events.Link{{Type: "related_to", TicketID: ids[0]}, {Type: "related_to", TicketID: ids[0]}}, "links[1].ticket_id", "repeats links[0]"},
				{"two parents", []events.Link{{Type: "duplicate_of", TicketID: ids[0]}, {Type: "caused_by", TicketID: ids[1]}}, "links[1].type", "at most one"},
				{"too many", many, "links", "at most 50"},
			}
			for _, tc := range cases {
				in := basicInput()
				in.Links = tc.links
				_, err := svc.Create(ctx, agent, in, "")
				field, reason := fieldOf(t, err)
				if field != tc.field || !strings.Contains(reason, tc.reason) {
					t.Errorf("%s: refused on %s (%q), want %s containing %q", tc.name, field, reason, tc.field, tc.reason)
				}
			}
			page, err := st.ListTickets(ctx, ticketcore.ListQuery{Sort: "id", Limit: 100})
			if err != nil || len(page.Tickets) != 3 {
				t.Fatalf("refused creations left tickets: %d (%v)", len(page.Tickets), err)
			}
		})
	}
}

func TestLinkWithOrigin(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC)
	opts := ticketcore.DefaultOptions()
	opts.Now = func() time.Time { return now }
	svc, _ := storetest.NewService(t, testdb.Backends()[0], &opts)
	ids := newTickets(t, svc, 2)
	now = now.Add(time.Hour)
	in := ticketcore.LinkInput{Type: "duplicate_of", TicketID: ids[0]}
	if _, err := svc.LinkWith(ctx, agent, ids[1], 0, in, ticketcore.Origin{At: now.Add(time.Second)}); err == nil {
		t.Fatal("a link in the future was accepted")
	} else if field, _ := fieldOf(t, err); field != "at" {
		t.Fatalf("future refused on %s", field)
	}
	if _, err := svc.LinkWith(ctx, agent, ids[1], 0, in, ticketcore.Origin{At: now.Add(-2 * time.Hour)}); err == nil {
		t.Fatal("a link before the ticket's last change was accepted")
	} else if field, reason := fieldOf(t, err); field != "at" || !strings.Contains(reason, "last change") {
		t.Fatalf("past refused on %s: %s", field, reason)
	}
	at := now.Add(-30 * time.Minute)
	got, err := svc.LinkWith(ctx, agent, ids[1], 0, in, ticketcore.Origin{Source: events.SourceDemo, At: at})
	if err != nil {
		t.Fatal(err)
	}
	e := lastEvent(t, svc)
	if !e.At.Equal(at) || e.Source != events.SourceDemo || !got.UpdatedAt.Equal(at) || !e.RecordedAt.Equal(now) {
		t.Fatalf("event at %s source %s recorded %s; ticket updated %s", e.At, e.Source, e.RecordedAt, got.UpdatedAt)
	}
	if _, err := svc.UnlinkWith(ctx, agent, ids[1], 0, in, ticketcore.Origin{Source: events.SourceDemo, At: at.Add(-time.Second)}); err == nil {
		t.Fatal("an unlink before the link was accepted")
	}
}

func TestLinkIsAtomicWithItsEvent(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			svc, _ := newService(t, b)
			ids := newTickets(t, svc, 2)
			boom := errors.New("injected failure")
			svc.SetBeforeEvent(func() error { return boom })
			if _, err := svc.Link(ctx, agent, ids[1], 0, ticketcore.LinkInput{Type: "related_to", TicketID: ids[0]}); !errors.Is(err, boom) {
				t.Fatalf("want the injected failure, got %v", err)
			}
			in := basicInput()
			in.Links = []events.Link{{Type: "follow_up_of", TicketID: ids[0]}}
			if _, err := svc.Create(ctx, agent, in, ""); !errors.Is(err, boom) {
				t.Fatalf("want the injected failure, got %v", err)
			}
			svc.SetBeforeEvent(nil)
			if got, _ := svc.Get(ctx, ids[1]); got.Version != 1 || got.Links != nil {
				t.Fatalf("link leaked without its event: %+v", got)
			}
			if n := len(allEvents(t, svc)); n != 2 {
				t.Fatalf("%d events, want the 2 creations", n)
			}
		})
	}
}

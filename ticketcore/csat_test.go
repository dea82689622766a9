package ticketcore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/deskmine/deskmine/internal/testclock"
	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/events"
	"github.com/deskmine/deskmine/ticketcore/storetest"
)

func newClockedService(t *testing.T, b testdb.Backend, start time.Time) (*ticketcore.Service, *testclock.Clock) {
	t.Helper()
	clock := testclock.New(start)
	opts := ticketcore.DefaultOptions()
	opts.Now = clock.Now
	svc, _ := storetest.NewService(t, b, &opts)
	return svc, clock
}

func TestRateCSAT(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
			svc, clock := newClockedService(t, b, t0)
			id := newTickets(t, svc, 1)[0]

			// Open tickets cannot be rated, whatever their state.
			for _, to := range []string{"", "open", "pending"} {
				if to != "" {
					clock.Advance(time.Minute)
					in := ticketcore.TransitionInput{To: to}
					if to == "pending" {
						in.PendingReason = "waiting_on_customer"
					}
					if _, err := svc.Transition(ctx, agent, id, 0, in); err != nil {
						t.Fatal(err)
					}
				}
				_, err := svc.RateCSAT(ctx, agent, id, ticketcore.CSATInput{Score: 5})
				if field, reason := fieldOf(t, err); field != "status" || !strings.Contains(reason, "resolved or closed") {
					t.Fatalf("rating a %q ticket refused on %s: %s", to, field, reason)
				}
			}
			clock.Advance(time.Hour)
			if _, err := svc.Transition(ctx, agent, id, 0, ticketcore.TransitionInput{To: "resolved", Resolution: "reset"}); err != nil {
				t.Fatal(err)
			}
			before := len(allEvents(t, svc))

			clock.Advance(2 * time.Hour)
			rated := clock.Now()
			got, err := svc.RateCSAT(ctx, agent, id, ticketcore.CSATInput{Score: 4, Comment: "  快，谢谢 / quick, thanks  "})
			if err != nil {
				t.Fatal(err)
			}
			first := events.CSAT{Score: 4, Comment: "快，谢谢 / quick, thanks", At: rated}
			if got.CSAT == nil || *got.CSAT != first || got.Version != 5 {
				t.Fatalf("rated ticket: v%d %+v, want %+v", got.Version, got.CSAT, first)
			}
			e := lastEvent(t, svc)
			checkCSATChange(t, e, id, 5, nil, first)
			if !e.At.Equal(rated) || e.Source != events.SourceAPI {
				t.Fatalf("event at %s source %s", e.At, e.Source)
			}

			// A phone survey recorded later replaces it, with its own time.
			clock.Advance(24 * time.Hour)
			call := rated.Add(20 * time.Hour)
			got, err = svc.RateCSAT(ctx, agent, id, ticketcore.CSATInput{Score: 2, At: call})
			if err != nil {
				t.Fatal(err)
			}
			second := events.CSAT{Score: 2, At: call}
			checkCSATChange(t, lastEvent(t, svc), id, 6, &first, second)
			if e := lastEvent(t, svc); !e.At.Equal(clock.Now()) {
				t.Errorf("event at %s, want when it was recorded (%s)", e.At, clock.Now())
			}
			// The same rating again is no change.
			if again, err := svc.RateCSAT(ctx, agent, id, ticketcore.CSATInput{Score: 2, At: call}); err != nil || again.Version != 6 {
				t.Fatalf("same rating again: v%d %v", again.Version, err)
			}
			if n := len(allEvents(t, svc)) - before; n != 2 {
				t.Fatalf("%d events for two ratings", n)
			}

			// A closed ticket can be rated; a reopened one cannot.
			clock.Advance(time.Minute)
			if _, err := svc.Transition(ctx, agent, id, 0, ticketcore.TransitionInput{To: "closed"}); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.RateCSAT(ctx, agent, id, ticketcore.CSATInput{Score: 3}); err != nil {
				t.Fatalf("rating a closed ticket: %v", err)
			}
			if _, err := svc.Transition(ctx, agent, id, 0, ticketcore.TransitionInput{To: "open"}); err != nil {
				t.Fatal(err)
			}
			_, err = svc.RateCSAT(ctx, agent, id, ticketcore.CSATInput{Score: 5})
			if field, _ := fieldOf(t, err); field != "status" {
				t.Fatalf("rating a reopened ticket refused on %s", field)
			}
			if tk, _ := svc.Get(ctx, id); tk.CSAT == nil || tk.CSAT.Score != 3 {
				t.Fatalf("reopening lost the rating: %+v", tk.CSAT)
			}
		})
	}
}

// checkCSATChange checks that e is the ticket.updated event of a rating,
// listing only csat with the whole old and new objects.
func checkCSATChange(t *testing.T, e events.Event, id, version int64, old *events.CSAT, new events.CSAT) {
	t.Helper()
	if e.Type != events.TicketUpdated || e.TicketID != id || e.TicketVersion != version {
		t.Fatalf("event %s ticket %d v%d, want ticket.updated of %d v%d", e.Type, e.TicketID, e.TicketVersion, id, version)
	}
	if len(e.Changes) != 1 || e.Changes[0].Field != "csat" {
		t.Fatalf("changes %s, want only csat", jsonOf(t, e.Changes))
	}
	wantOld := "null"
	if old != nil {
		wantOld = jsonOf(t, old)
	}
	if got := string(e.Changes[0].Old); got != wantOld {
		t.Errorf("old csat %s, want %s", got, wantOld)
	}
	if got, want := string(e.Changes[0].New), jsonOf(t, new); got != want {
		t.Errorf("new csat %s, want %s", got, want)
	}
	if e.Ticket.CSAT == nil || jsonOf(t, e.Ticket.CSAT) != jsonOf(t, new) {
		t.Errorf("snapshot csat %+v", e.Ticket.CSAT)
	}
}

func TestRateCSATValidation(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
			svc, clock := newClockedService(t, b, t0)
			id := newTickets(t, svc, 1)[0]
			clock.Advance(time.Hour)
			if _, err := svc.Transition(ctx, agent, id, 0, ticketcore.TransitionInput{To: "resolved"}); err != nil {
				t.Fatal(err)
			}
			clock.Advance(time.Hour)
			if _, err := svc.RateCSAT(ctx, agent, id, ticketcore.CSATInput{Score: 3, At: t0.Add(90 * time.Minute)}); err != nil {
				t.Fatal(err)
			}
			before := len(allEvents(t, svc))
			cases := []struct {
				name   string
				in     ticketcore.CSATInput
				field  string
				reason string
			}{
				{"no score", ticketcore.CSATInput{}, "score", "1 to 5"},
				{"score 6", ticketcore.CSATInput{Score: 6}, "score", "1 to 5"},
				{"negative score", ticketcore.CSATInput{Score: -1}, "score", "1 to 5"},
				{"long comment", ticketcore.CSATInput{Score: 3, Comment: strings.Repeat("好", 2001)}, "comment", "2000"},
				{"not UTF-8", ticketcore.CSATInput{Score: 3, Comment: "ok \xff"}, "comment", "UTF-8"},
				{"future", ticketcore.CSATInput{Score: 3, At: clock.Now().Add(time.Minute)}, "at", "future"},
				{"before the ticket", ticketcore.CSATInput{Score: 3, At: t0.Add(-time.Minute)}, "at", "before the ticket was created"},
				{"older than the rating it would replace", ticketcore.CSATInput{Score: 1, At: t0.Add(80 * time.Minute)}, "at", "only a later rating"},
			}
			for _, tc := range cases {
				_, err := svc.RateCSAT(ctx, agent, id, tc.in)
				field, reason := fieldOf(t, err)
				if field != tc.field || !strings.Contains(reason, tc.reason) {
					t.Errorf("%s: refused on %s (%q), want %s containing %q", tc.name, field, reason, tc.field, tc.reason)
				}
			}
			if _, err := svc.RateCSAT(ctx, agent, id, ticketcore.CSATInput{Score: 5, Comment: strings.Repeat("好", 2000)}); err != nil {
				t.Errorf("a comment of exactly 2,000 characters refused: %v", err)
			}
			before++
			if _, err := svc.RateCSAT(ctx, agent, 999999, ticketcore.CSATInput{Score: 5}); codeOf(err) != ticketcore.CodeNotFound {
				t.Errorf("unknown ticket: %v", err)
			}
			if _, err := svc.RateCSATWith(ctx, agent, id, 3, ticketcore.CSATInput{Score: 5}, ticketcore.Origin{}); codeOf(err) != ticketcore.CodeConflict {
				t.Errorf("stale version: want conflict, got %v", err)
			}
			if n := len(allEvents(t, svc)); n != before {
				t.Fatalf("refused ratings wrote %d events", n-before)
			}
		})
	}
}

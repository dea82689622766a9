package storetest

import (
	"context"
	"errors"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/ticketcore/events"
)

// History is the suite's standard history: several hundred tickets with
// every event type.
func History() []events.Event {
	return Generate(GenOptions{Seed: 42, Tickets: 400})
}

// Run runs the conformance suite; open returns a new, empty store that
// lives until the test ends.
func Run(t *testing.T, open func(t *testing.T) analytics.Store) {
	h := History()
	want := Expect(h)
	sanity(t, h, want)

	t.Run("History", func(t *testing.T) {
		s := open(t)
		ctx := context.Background()
		for b := range slices.Chunk(h, 700) {
			mustApply(t, s, b)
		}
		MustEqual(t, s, want)
		seen(t, s, h)
		// The whole history again, then an overlapping tail: nothing changes.
		mustApply(t, s, h)
		mustApply(t, s, h[len(h)/2:])
		MustEqual(t, s, want)
		if err := s.Apply(ctx, nil); err != nil {
			t.Fatalf("apply empty batch: %v", err)
		}
	})

	t.Run("RandomSplitsWithDuplicates", func(t *testing.T) {
		s := open(t)
		r := rand.New(rand.NewPCG(7, 11))
		for i := 0; i < len(h); {
			n := 1 + r.IntN(900)
			from := max(0, i-r.IntN(200)) // overlap with what was applied
			to := min(len(h), i+n)
			b := slices.Clone(h[from:to])
			for range r.IntN(20) { // repeats inside the batch
				b = append(b, b[r.IntN(len(b))])
			}
			r.Shuffle(len(b), func(x, y int) { b[x], b[y] = b[y], b[x] })
			mustApply(t, s, b)
			i = to
		}
		MustEqual(t, s, want)
	})

	t.Run("PermanentError", func(t *testing.T) {
		s := open(t)
		ctx := context.Background()
		for _, at := range []time.Time{time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1960, 6, 1, 0, 0, 0, 0, time.UTC)} {
			bad := Generate(GenOptions{Seed: 9, Tickets: 1, FirstID: 900000})[0]
			bad.ID = "bad-" + at.Format("2006")
			bad.At, bad.Ticket.CreatedAt, bad.Ticket.UpdatedAt = at, at, at
			batch := slices.Clone(h[:1000])
			batch = slices.Insert(batch, 500, bad)
			err := s.Apply(ctx, batch)
			if err == nil {
				t.Fatalf("batch with an event at %s applied", at)
			}
			if !permanent(err) || !analytics.IsPermanent(err) {
				t.Fatalf("error is not permanent: %v", err)
			}
			if !strings.Contains(err.Error(), bad.ID) {
				t.Fatalf("error does not name the event %s: %v", bad.ID, err)
			}
			MustEqual(t, s, analytics.NewCheckResult()) // nothing of the batch was written
		}
		for b := range slices.Chunk(h, 1000) {
			mustApply(t, s, b)
		}
		MustEqual(t, s, want)
	})

	t.Run("Reset", func(t *testing.T) {
		s := open(t)
		ctx := context.Background()
		mustApply(t, s, h)
		if err := s.Reset(ctx); err != nil {
			t.Fatalf("reset: %v", err)
		}
		MustEqual(t, s, analytics.NewCheckResult())
		if ok, err := s.Seen(ctx, h[0].TicketID, h[0].TicketVersion); err != nil || ok {
			t.Fatalf("seen after reset = %v, %v", ok, err)
		}
		mustApply(t, s, h)
		MustEqual(t, s, want)
	})

	t.Run("MigrateAgain", func(t *testing.T) {
		s := open(t)
		m, ok := s.(analytics.Migrator)
		if !ok {
			t.Fatal("store does not implement analytics.Migrator")
		}
		applied, err := m.Migrate(context.Background())
		if err != nil || len(applied) != 0 {
			t.Fatalf("second migration applied %v, %v", applied, err)
		}
	})

	t.Run("InvalidEvent", func(t *testing.T) {
		s := open(t)
		ev := h[0]
		ev.Ticket.Version = 99 // snapshot does not match
		err := s.Apply(context.Background(), []events.Event{ev})
		if !permanent(err) {
			t.Fatalf("invalid event: error %v is not permanent", err)
		}
	})
}

// sanity guards the suite itself: the history must exercise what it claims to.
func sanity(t *testing.T, h []events.Event, want *analytics.CheckResult) {
	t.Helper()
	for _, typ := range events.Types {
		if want.EventsByType[string(typ)] == 0 {
			t.Fatalf("history has no %s events", typ)
		}
	}
	var unknown, reopened, skew int
	last := map[int64]events.Event{}
	for _, e := range h {
		if !e.Type.Valid() {
			unknown++
		}
		if e.Ticket.ReopenCount > 0 {
			reopened++
		}
		if p, ok := last[e.TicketID]; ok && e.At.Before(p.At) {
			skew++
		}
		last[e.TicketID] = e
	}
	if unknown == 0 || reopened == 0 || skew == 0 || want.SLAOutcomes["overall/met"] == 0 || want.SLAOutcomes["overall/breached"] == 0 {
		t.Fatalf("history lacks a case: unknown %d, reopened %d, skewed %d, sla %v", unknown, reopened, skew, want.SLAOutcomes)
	}
	if want.CustomerTickets == 0 || want.CustomerTickets == want.Tickets || want.CSATRated == 0 || want.Links == 0 || want.CustomFields == 0 {
		t.Fatalf("history lacks customers, ratings, links or custom fields: %+v", *want)
	}
}

// permanent is the runner's test (ingest.Permanent) without importing it.
func permanent(err error) bool {
	var p interface{ Permanent() bool }
	return errors.As(err, &p) && p.Permanent()
}

func mustApply(t testing.TB, s analytics.Store, evs []events.Event) {
	t.Helper()
	if err := s.Apply(context.Background(), evs); err != nil {
		t.Fatalf("apply %d events: %v", len(evs), err)
	}
}

// MustEqual fails the test when the store's Check differs from want.
func MustEqual(t testing.TB, s analytics.Store, want *analytics.CheckResult) {
	t.Helper()
	got, err := s.Check(context.Background())
	if err != nil {
		t.Fatalf("check: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("check differs:\n got  %+v\n want %+v", *got, *want)
	}
}

func seen(t *testing.T, s analytics.Store, h []events.Event) {
	t.Helper()
	ctx := context.Background()
	last := map[int64]int64{}
	for _, e := range h {
		last[e.TicketID] = max(last[e.TicketID], e.TicketVersion)
	}
	for id, v := range last {
		if ok, err := s.Seen(ctx, id, v); err != nil || !ok {
			t.Fatalf("seen(%d, %d) = %v, %v; want true", id, v, ok, err)
		}
		if ok, err := s.Seen(ctx, id, v+1); err != nil || ok {
			t.Fatalf("seen(%d, %d) = %v, %v; want false", id, v+1, ok, err)
		}
		break
	}
	if ok, err := s.Seen(ctx, 1<<40, 1); err != nil || ok {
		t.Fatalf("seen of an unknown ticket = %v, %v", ok, err)
	}
}

// Crash checks recovery from a batch cut short: fail makes the store's next
// Apply fail after writing the named table (nil: no failure); the retry must
// leave exact answers.
func Crash(t *testing.T, s analytics.Store, tables []string, fail func(table string)) {
	h := History()
	chunks := slices.Collect(slices.Chunk(h, len(h)/len(tables)/2+1))
	i := 0
	for _, table := range tables {
		fail(table)
		if err := s.Apply(context.Background(), chunks[i]); err == nil {
			t.Fatalf("apply did not fail after %s", table)
		} else if permanent(err) {
			t.Fatalf("injected failure is permanent: %v", err)
		}
		fail("")
		mustApply(t, s, chunks[i])
		i++
	}
	for _, c := range chunks[i:] {
		mustApply(t, s, c)
	}
	MustEqual(t, s, Expect(h))
}

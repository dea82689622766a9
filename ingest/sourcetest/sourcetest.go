// Package sourcetest is the conformance suite every ingest.Source passes:
// order, resuming at the committed position after a reopen, redelivery of
// what was fetched but not committed, lag, and an idle fetch.
package sourcetest

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/deskmine/deskmine/ingest"
	"github.com/deskmine/deskmine/ticketcore/events"
)

// Stream is one fresh, empty stream of a transport under test.
type Stream struct {
	// Open returns a source on the stream for the consumer name; opening
	// the same name after Close resumes at its committed position.
	Open func(t *testing.T, name string) ingest.Source
	// Append adds events to the stream; they are readable when it returns.
	Append func(t *testing.T, evs []*events.Event)
	// GlobalOrder says the stream keeps one order across tickets (the log);
	// otherwise only each ticket's order is kept (Kafka partitions).
	GlobalOrder bool
}

// Run runs the suite; newStream is called once per subtest.
func Run(t *testing.T, newStream func(t *testing.T) Stream) {
	t.Run("Order", func(t *testing.T) { testOrder(t, newStream(t)) })
	t.Run("ResumeAndRedeliver", func(t *testing.T) { testResume(t, newStream(t)) })
	t.Run("Lag", func(t *testing.T) { testLag(t, newStream(t)) })
	t.Run("IdleFetch", func(t *testing.T) { testIdle(t, newStream(t)) })
	t.Run("ConsumersAreIndependent", func(t *testing.T) { testIndependent(t, newStream(t)) })
}

// Events returns n events over tickets ticket ids, round robin, with each
// ticket's versions 1, 2, 3, ... in order.
func Events(n, tickets int) []*events.Event {
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	version := map[int64]int64{}
	out := make([]*events.Event, n)
	for i := range out {
		id := int64(i%tickets) + 1
		version[id]++
		typ := events.TicketUpdated
		if version[id] == 1 {
			typ = events.TicketCreated
		}
		v := version[id]
		out[i] = &events.Event{SchemaVersion: events.SchemaVersion, ID: fmt.Sprintf("ev-%d-%d", id, v),
			TicketID: id, TicketVersion: v, Type: typ, At: at.Add(time.Duration(i) * time.Second),
			RecordedAt: at.Add(time.Duration(i) * time.Second), Actor: events.Actor{Name: "test"}, Source: events.SourceAPI,
			Changes: []events.Change{}, Ticket: events.Ticket{ID: id, Version: v, Subject: "s", Tags: []string{},
				CustomFields: map[string]any{}}}
	}
	return out
}

const wait = 3 * time.Second

// fetchN fetches until n messages came, failing after a generous deadline
// (a correctness bound, not a performance assertion).
func fetchN(t *testing.T, src ingest.Source, n, batch int) []ingest.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out []ingest.Message
	for len(out) < n {
		msgs, err := src.Fetch(ctx, min(batch, n-len(out)), wait)
		if err != nil {
			t.Fatalf("fetch after %d of %d: %v", len(out), n, err)
		}
		if len(msgs) > min(batch, n-len(out)) {
			t.Fatalf("fetch returned %d messages, more than max %d", len(msgs), min(batch, n-len(out)))
		}
		out = append(out, msgs...)
	}
	return out
}

// ids decodes messages and returns their event ids.
func ids(t *testing.T, msgs []ingest.Message) []string {
	t.Helper()
	out := make([]string, len(msgs))
	for i, m := range msgs {
		e, err := events.Unmarshal(m.Value)
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if string(m.Key) != strconv.FormatInt(e.TicketID, 10) {
			t.Errorf("message %d: key %q, want the ticket id %d", i, m.Key, e.TicketID)
		}
		out[i] = e.ID
	}
	return out
}

func eventIDs(evs []*events.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.ID
	}
	return out
}

// checkOrder checks got holds exactly want, in want's order globally or
// per ticket.
func checkOrder(t *testing.T, s Stream, got []string, want []*events.Event) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d events, want %d", len(got), len(want))
	}
	if s.GlobalOrder {
		if !slices.Equal(got, eventIDs(want)) {
			t.Fatalf("order:\n got %v\nwant %v", got, eventIDs(want))
		}
		return
	}
	perTicket := func(ids []string) map[string][]string {
		m := map[string][]string{}
		for _, id := range ids {
			var tk, v int
			fmt.Sscanf(id, "ev-%d-%d", &tk, &v)
			k := strconv.Itoa(tk)
			m[k] = append(m[k], id)
		}
		return m
	}
	g, w := perTicket(got), perTicket(eventIDs(want))
	for k, ws := range w {
		if !slices.Equal(g[k], ws) {
			t.Errorf("ticket %s:\n got %v\nwant %v", k, g[k], ws)
		}
	}
}

func commit(t *testing.T, src ingest.Source, msgs []ingest.Message) {
	t.Helper()
	if err := src.Commit(context.Background(), msgs); err != nil {
		t.Fatalf("commit: %v", err)
	}
}

func closeSource(t *testing.T, src ingest.Source) {
	t.Helper()
	if err := src.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
}

func testOrder(t *testing.T, s Stream) {
	evs := Events(60, 4)
	s.Append(t, evs[:30])
	src := s.Open(t, "order")
	defer closeSource(t, src)
	first := fetchN(t, src, 30, 7)
	s.Append(t, evs[30:]) // appended while the consumer is reading
	rest := fetchN(t, src, 30, 100)
	checkOrder(t, s, ids(t, append(first, rest...)), evs)
	commit(t, src, append(first, rest...))
}

func testResume(t *testing.T, s Stream) {
	evs := Events(30, 3)
	s.Append(t, evs)
	src := s.Open(t, "resume")
	done := fetchN(t, src, 10, 10)
	commit(t, src, done)
	fetchN(t, src, 5, 5) // fetched, never committed: must come again
	closeSource(t, src)

	src = s.Open(t, "resume")
	defer closeSource(t, src)
	rest := fetchN(t, src, 20, 50)
	got := ids(t, rest)
	want := slices.DeleteFunc(eventIDs(evs), func(id string) bool { return slices.Contains(ids(t, done), id) })
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("after reopen got\n %v\nwant everything not committed\n %v", got, want)
	}
	more, err := src.Fetch(context.Background(), 10, 300*time.Millisecond)
	if err != nil || len(more) != 0 {
		t.Fatalf("after the rest: %d more messages, %v; want none", len(more), err)
	}
	commit(t, src, rest)
}

func lag(t *testing.T, src ingest.Source) int64 {
	t.Helper()
	n, err := src.Lag(context.Background())
	if err != nil {
		t.Fatalf("lag: %v", err)
	}
	return n
}

func testLag(t *testing.T, s Stream) {
	s.Append(t, Events(25, 5))
	src := s.Open(t, "lag")
	defer closeSource(t, src)
	if n := lag(t, src); n != 25 {
		t.Fatalf("lag before reading = %d, want 25", n)
	}
	msgs := fetchN(t, src, 25, 10)
	if n := lag(t, src); n != 25 {
		t.Fatalf("lag after fetching, before commit = %d, want 25", n)
	}
	commit(t, src, msgs[:10])
	if n := lag(t, src); n != 15 {
		t.Fatalf("lag after committing 10 = %d, want 15", n)
	}
	commit(t, src, msgs[10:])
	if n := lag(t, src); n != 0 {
		t.Fatalf("lag after committing all = %d, want 0", n)
	}
}

func testIdle(t *testing.T, s Stream) {
	src := s.Open(t, "idle")
	defer closeSource(t, src)
	msgs, err := src.Fetch(context.Background(), 10, 200*time.Millisecond)
	if err != nil || len(msgs) != 0 {
		t.Fatalf("fetch on an empty stream = %d messages, %v; want none and no error", len(msgs), err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := src.Fetch(ctx, 10, time.Second); err == nil {
		t.Fatal("fetch with a cancelled context: want an error")
	}
	if err := src.Commit(context.Background(), nil); err != nil {
		t.Fatalf("commit of nothing: %v", err)
	}
	if src.Name() != "idle" {
		t.Fatalf("name = %q, want idle", src.Name())
	}
}

func testIndependent(t *testing.T, s Stream) {
	evs := Events(12, 2)
	s.Append(t, evs)
	a := s.Open(t, "a")
	defer closeSource(t, a)
	commit(t, a, fetchN(t, a, 12, 100))
	b := s.Open(t, "b")
	defer closeSource(t, b)
	checkOrder(t, s, ids(t, fetchN(t, b, 12, 100)), evs)
	if n := lag(t, b); n != 12 {
		t.Fatalf("lag of b = %d, want 12: a's commits are not b's", n)
	}
}

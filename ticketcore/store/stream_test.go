package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/ticketcore/events"
)

func TestWithSeq(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"compact", `{"schema_version":1,"id":"a","seq":0,"ticket_id":4}`, `{"schema_version":1,"id":"a","seq":42,"ticket_id":4}`},
		{"spaces", `{ "id": "a", "seq" : 0 , "x": 1}`, `{ "id": "a", "seq":42 , "x": 1}`},
		{"nested seq first", `{"ticket":{"custom_fields":{"seq":0}},"seq":0}`, `{"ticket":{"custom_fields":{"seq":0}},"seq":42}`},
		{"seq in a string", `{"reason":"\"seq\":0","seq":7}`, `{"reason":"\"seq\":0","seq":42}`},
		{"no seq", `{"id":"a"}`, `{"id":"a"}`},
		{"not json", `not json`, `not json`},
		{"array", `[{"seq":0}]`, `[{"seq":0}]`},
		{"truncated", `{"id":"a","se`, `{"id":"a","se`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(withSeq([]byte(tc.in), 42)); got != tc.want {
				t.Errorf("withSeq(%s) = %s, want %s", tc.in, got, tc.want)
			}
		})
	}
}

// appendEvents commits n tickets with their created events and returns the events.
func appendEvents(t *testing.T, st *Store, n int) []*events.Event {
	t.Helper()
	out := make([]*events.Event, n)
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for i := range out {
		out[i] = insertTicket(t, st, sampleTicket(fmt.Sprintf("ticket %d", i), at.Add(time.Duration(i)*time.Minute)))
	}
	return out
}

func TestReadLog(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			st := openStore(t, b.DSN(t))
			if head, err := st.LogHead(ctx); err != nil || head != 0 {
				t.Fatalf("empty log head = %d, %v; want 0", head, err)
			}
			if recs, err := st.ReadLog(ctx, 0, 10); err != nil || len(recs) != 0 {
				t.Fatalf("empty log: %d records, %v", len(recs), err)
			}
			before := time.Now().Add(-time.Second)
			evs := appendEvents(t, st, 3)
			after := time.Now().Add(time.Second)

			recs, err := st.ReadLog(ctx, 0, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != 3 {
				t.Fatalf("got %d records, want 3", len(recs))
			}
			for i, r := range recs {
				if r.Seq != evs[i].Seq || r.TicketID != evs[i].TicketID {
					t.Errorf("record %d: seq %d ticket %d, want seq %d ticket %d", i, r.Seq, r.TicketID, evs[i].Seq, evs[i].TicketID)
				}
				// The database's clock, not the event's (a 2026 test time).
				if r.RecordedAt.Before(before) || r.RecordedAt.After(after) {
					t.Errorf("record %d: recorded_at %v not between %v and %v", i, r.RecordedAt, before, after)
				}
				e, err := events.Unmarshal(r.Payload)
				if err != nil {
					t.Fatalf("record %d: %v", i, err)
				}
				if e.ID != evs[i].ID || e.Seq != r.Seq {
					t.Errorf("record %d: decoded id %s seq %d, want %s and %d", i, e.ID, e.Seq, evs[i].ID, r.Seq)
				}
			}
			page, err := st.ReadLog(ctx, recs[0].Seq, 1)
			if err != nil || len(page) != 1 || page[0].Seq != recs[1].Seq {
				t.Fatalf("page after %d limit 1 = %+v, %v; want seq %d", recs[0].Seq, page, err, recs[1].Seq)
			}
			if head, err := st.LogHead(ctx); err != nil || head != recs[2].Seq {
				t.Fatalf("head = %d, %v; want %d", head, err, recs[2].Seq)
			}
			if _, err := st.ReadLog(ctx, 0, 0); err == nil {
				t.Error("limit 0: want an error")
			}
		})
	}
}

func TestCursors(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			st := openStore(t, b.DSN(t))
			if c, err := st.Cursor(ctx, "loader"); err != nil || c != 0 {
				t.Fatalf("new cursor = %d, %v; want 0", c, err)
			}
			for _, seq := range []int64{5, 9, 3} { // a replay may move a cursor back
				if err := st.SaveCursor(ctx, "loader", seq); err != nil {
					t.Fatal(err)
				}
				if c, err := st.Cursor(ctx, "loader"); err != nil || c != seq {
					t.Fatalf("cursor = %d, %v; want %d", c, err, seq)
				}
			}
			if c, err := st.Cursor(ctx, "miner"); err != nil || c != 0 {
				t.Fatalf("other cursor = %d, %v; want 0", c, err)
			}
		})
	}
}

func TestLeases(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			st := openStore(t, b.DSN(t))
			take := func(holder string, ttl time.Duration, want bool) {
				t.Helper()
				got, err := st.TryLease(ctx, "relay", holder, ttl)
				if err != nil || got != want {
					t.Fatalf("TryLease(%s) = %v, %v; want %v", holder, got, err, want)
				}
			}
			save := func(holder string, seq int64, wantLost bool) {
				t.Helper()
				err := st.SaveCursorLeased(ctx, "relay", holder, "relay", seq)
				if wantLost != errors.Is(err, ErrLeaseLost) || (!wantLost && err != nil) {
					t.Fatalf("SaveCursorLeased(%s, %d) = %v; want lease lost %v", holder, seq, err, wantLost)
				}
				var ll interface{ LeaseLost() bool }
				if wantLost && (!errors.As(err, &ll) || !ll.LeaseLost()) {
					t.Fatalf("lease lost error %v has no LeaseLost() true", err)
				}
			}
			cursor := func(want int64) {
				t.Helper()
				if c, err := st.Cursor(ctx, "relay"); err != nil || c != want {
					t.Fatalf("cursor = %d, %v; want %d", c, err, want)
				}
			}

			save("a", 1, true) // nobody holds it
			cursor(0)
			take("a", time.Minute, true)
			take("b", time.Minute, false)
			take("a", time.Minute, true) // renew
			save("a", 10, false)
			save("b", 20, true)
			cursor(10)

			if err := st.ReleaseLease(ctx, "relay", "b"); err != nil { // not b's: no effect
				t.Fatal(err)
			}
			take("b", time.Minute, false)
			if err := st.ReleaseLease(ctx, "relay", "a"); err != nil {
				t.Fatal(err)
			}
			take("b", 500*time.Millisecond, true)
			save("a", 30, true)
			save("b", 11, false)
			cursor(11)

			time.Sleep(600 * time.Millisecond) // b's short lease runs out
			save("b", 12, true)
			take("a", time.Minute, true)
			cursor(11)

			if _, err := st.TryLease(ctx, "relay", "", time.Minute); err == nil {
				t.Error("empty holder: want an error")
			}
		})
	}
}

// TestLeaseHasOneHolder: instances racing for a free lease; exactly one wins.
func TestLeaseHasOneHolder(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			st := openStore(t, b.DSN(t))
			for round := range 5 {
				name := fmt.Sprintf("lease-%d", round)
				var wg sync.WaitGroup
				var mu sync.Mutex
				won := 0
				for i := range 8 {
					wg.Go(func() {
						ok, err := st.TryLease(ctx, name, fmt.Sprintf("h%d", i), time.Minute)
						if err != nil {
							t.Error(err)
							return
						}
						if ok {
							mu.Lock()
							won++
							mu.Unlock()
						}
					})
				}
				wg.Wait()
				if won != 1 {
					t.Fatalf("round %d: %d holders, want 1", round, won)
				}
			}
		})
	}
}

func TestDeadLetters(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			st := openStore(t, b.DSN(t))
			parked := time.Date(2026, 3, 2, 9, 0, 0, 123000, time.UTC)
			letters := []*events.DeadLetter{
				{Consumer: "loader", Partition: 0, Offset: 7, Payload: []byte("{broken\x00\xff"), Error: "unmarshal event: invalid \x00 \xff", Attempts: 1, ParkedAt: parked},
				{Consumer: "loader", Partition: 1, Offset: 7, EventID: "e-2", TicketID: 4, Payload: []byte(`{"id":"e-2"}`), Error: "poison", Attempts: 5, ParkedAt: parked},
				{Consumer: "miner", Partition: 0, Offset: 7, EventID: "e-3", TicketID: 5, Payload: []byte(`{}`), Error: "other", Attempts: 2, ParkedAt: parked},
			}
			for _, d := range letters {
				if err := st.ParkDeadLetter(ctx, d); err != nil {
					t.Fatal(err)
				}
				if d.ID == 0 {
					t.Fatal("park did not set the id")
				}
			}
			list := func(consumer string, all bool, want ...int64) []events.DeadLetter {
				t.Helper()
				got, err := st.DeadLetters(ctx, consumer, all, 10)
				if err != nil {
					t.Fatal(err)
				}
				var ids []int64
				for _, d := range got {
					ids = append(ids, d.ID)
				}
				if fmt.Sprint(ids) != fmt.Sprint(want) {
					t.Fatalf("dead letters of %s (all %v) = %v, want %v", consumer, all, ids, want)
				}
				return got
			}
			got := list("loader", false, letters[0].ID, letters[1].ID)
			if string(got[0].Payload) != "{broken\x00\xff" || !strings.HasPrefix(got[0].Error, "unmarshal event: invalid") ||
				got[0].Attempts != 1 || !got[0].ParkedAt.Equal(parked) || got[0].ReplayedAt != nil {
				t.Errorf("round trip: %+v", got[0])
			}
			if got[1].EventID != "e-2" || got[1].TicketID != 4 || got[1].Partition != 1 || got[1].Offset != 7 {
				t.Errorf("round trip: %+v", got[1])
			}

			// Parking the same place again (a crash before the commit) keeps one letter.
			again := *letters[1]
			again.ID, again.Error, again.Attempts = 0, "poison again", 6
			if err := st.ParkDeadLetter(ctx, &again); err != nil {
				t.Fatal(err)
			}
			if again.ID != letters[1].ID {
				t.Fatalf("re-park got id %d, want %d", again.ID, letters[1].ID)
			}
			list("loader", true, letters[0].ID, letters[1].ID)

			replayed := parked.Add(time.Hour)
			if err := st.MarkDeadLetterReplayed(ctx, letters[0].ID, replayed); err != nil {
				t.Fatal(err)
			}
			if err := st.UpdateDeadLetter(ctx, letters[1].ID, "still poison", 7); err != nil {
				t.Fatal(err)
			}
			list("loader", false, letters[1].ID)
			got = list("loader", true, letters[1].ID, letters[0].ID) // unresolved first
			if got[0].Error != "still poison" || got[0].Attempts != 7 {
				t.Errorf("after update: %+v", got[0])
			}
			if got[1].ReplayedAt == nil || !got[1].ReplayedAt.Equal(replayed) {
				t.Errorf("replayed at = %v, want %v", got[1].ReplayedAt, replayed)
			}
			list("miner", true, letters[2].ID)

			page, err := st.UnresolvedDeadLetters(ctx, "loader", 0, 10)
			if err != nil || len(page) != 1 || page[0].ID != letters[1].ID {
				t.Fatalf("unresolved = %+v, %v", page, err)
			}
			page, err = st.UnresolvedDeadLetters(ctx, "loader", letters[1].ID, 10)
			if err != nil || len(page) != 0 {
				t.Fatalf("unresolved after the last = %+v, %v", page, err)
			}
		})
	}
}

func TestPruneLog(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			st := openStore(t, b.DSN(t))
			evs := appendEvents(t, st, 5)
			seqs := func() []int64 {
				t.Helper()
				recs, err := st.ReadLog(ctx, 0, 100)
				if err != nil {
					t.Fatal(err)
				}
				var out []int64
				for _, r := range recs {
					out = append(out, r.Seq)
				}
				return out
			}
			prune := func(upTo int64, olderThan time.Time, want int64) {
				t.Helper()
				n, err := st.PruneLog(ctx, upTo, olderThan)
				if err != nil || n != want {
					t.Fatalf("PruneLog(%d, %v) = %d, %v; want %d", upTo, olderThan, n, err, want)
				}
			}
			future := time.Now().Add(time.Hour)
			prune(evs[4].Seq, time.Now().Add(-time.Hour), 0) // all too young
			prune(evs[2].Seq, future, 3)
			if got := fmt.Sprint(seqs()); got != fmt.Sprint([]int64{evs[3].Seq, evs[4].Seq}) {
				t.Fatalf("left %s", got)
			}
			prune(evs[4].Seq+10, future, 1) // the newest stays
			if head, err := st.LogHead(ctx); err != nil || head != evs[4].Seq {
				t.Fatalf("head after prune = %d, %v; want %d", head, err, evs[4].Seq)
			}
			// A pruned seq is never handed out again.
			next := appendEvents(t, st, 1)[0]
			if next.Seq <= evs[4].Seq {
				t.Fatalf("new event got seq %d after %d", next.Seq, evs[4].Seq)
			}
		})
	}
}

// TestStreamMigrationKeepsEvents applies the migrations before 0006 to a
// database with events in it, then opens the store: the events survive with
// their seq, get recorded_at from their payload, and seq goes on above the
// highest one ever handed out.
func TestStreamMigrationKeepsEvents(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			dsn := b.DSN(t)
			driver, dialectName, rawDSN := "sqlite3", "sqlite", "file:"+dsn
			rebind := sqliteDialect.rebind
			if IsPostgres(dsn) {
				driver, dialectName, rawDSN = "pgx", "postgres", dsn
				rebind = postgresDialect.rebind
			}
			db, err := sql.Open(driver, rawDSN)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			ms, err := Migrations(dialectName)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.ExecContext(ctx, `CREATE TABLE schema_migrations (
				version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
				t.Fatal(err)
			}
			for _, m := range ms {
				if m.Version >= 6 {
					break
				}
				if _, err := db.ExecContext(ctx, m.SQL); err != nil {
					t.Fatalf("%s: %v", m.Name, err)
				}
				if _, err := db.ExecContext(ctx, rebind("INSERT INTO schema_migrations VALUES (?, ?, 0)"), m.Version, m.Name); err != nil {
					t.Fatal(err)
				}
			}
			ins := rebind("INSERT INTO events (id, ticket_id, ticket_version, type, at, payload) VALUES (?, ?, 1, 'ticket.created', 0, ?)")
			for i, rec := range []string{"2026-03-02T09:15:04.120331Z", "2026-03-02T09:15:05Z", "2026-03-02T09:15:06Z"} {
				if _, err := db.ExecContext(ctx, ins, fmt.Sprintf("e%d", i), 1000+i, fmt.Sprintf(`{"id":"e%d","seq":0,"recorded_at":%q}`, i, rec)); err != nil {
					t.Fatal(err)
				}
			}
			// The newest row is gone: its seq must still not come back.
			if _, err := db.ExecContext(ctx, "DELETE FROM events WHERE id = 'e2'"); err != nil {
				t.Fatal(err)
			}
			db.Close()

			st := openStore(t, dsn)
			recs, err := st.ReadLog(ctx, 0, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != 2 || recs[0].Seq != 1 || recs[1].Seq != 2 {
				t.Fatalf("after migration: %+v", recs)
			}
			// SQLite's date functions keep milliseconds; pruning needs no more.
			if want := time.Date(2026, 3, 2, 9, 15, 4, 120331000, time.UTC); recs[0].RecordedAt.Sub(want).Abs() >= time.Millisecond {
				t.Errorf("recorded_at = %v, want %v from the payload", recs[0].RecordedAt, want)
			}
			if string(recs[0].Payload) != `{"id":"e0","seq":1,"recorded_at":"2026-03-02T09:15:04.120331Z"}` {
				t.Errorf("payload = %s", recs[0].Payload)
			}
			next := appendEvents(t, st, 1)[0]
			if next.Seq <= 3 {
				t.Fatalf("new event got seq %d; 3 was handed out before the migration", next.Seq)
			}
		})
	}
}

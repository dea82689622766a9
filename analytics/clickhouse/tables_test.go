package clickhouse

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/analytics/internal/sqlfile"
	"github.com/deskmine/deskmine/analytics/storetest"
	"github.com/deskmine/deskmine/internal/testch"
)

// TestMigration4CopiesTicketsAndLongIntervals: a store written before
// migration 4 (latest tickets in tickets, no long_intervals) gets both
// copied, by several processes at once, and goes on from there: more
// history applies on top and the store agrees with the events.
func TestMigration4CopiesTicketsAndLongIntervals(t *testing.T) {
	ctx := context.Background()
	s := open(t, testch.DSN(t))
	first := storetest.AddLongWaits(storetest.Generate(storetest.GenOptions{Tickets: 400, Seed: 7}),
		time.Date(2026, 1, 20, 0, 0, 0, 0, time.UTC), 30*24*time.Hour, 10)
	later := storetest.Generate(storetest.GenOptions{Tickets: 200, Seed: 8, FirstID: 10_000, FirstSeq: 1_000_000})
	if err := s.Apply(ctx, first); err != nil {
		t.Fatal(err)
	}
	var long uint64
	if err := s.conn.QueryRow(ctx, "SELECT count() FROM long_intervals").Scan(&long); err != nil || long == 0 {
		t.Fatalf("Apply kept %d long intervals (%v); the history has some", long, err)
	}
	// The layout of migration 3.
	for _, stmt := range []string{
		"INSERT INTO tickets SELECT * FROM tickets_by_creation",
		"TRUNCATE TABLE tickets_by_creation",
		"TRUNCATE TABLE long_intervals",
	} {
		if err := s.conn.Exec(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	migs, err := sqlfile.Migrations(files, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	m4 := migs[3]
	if m4.Version != 4 {
		t.Fatalf("migration 4 is %+v", m4)
	}
	errs := make([]error, 3)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() {
			for _, stmt := range m4.Statements {
				if err := s.conn.Exec(ctx, stmt); err != nil {
					errs[i] = err
					return
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("migration 4: %v", err)
		}
	}
	var again uint64
	if err := s.conn.QueryRow(ctx, "SELECT count() FROM long_intervals FINAL").Scan(&again); err != nil || again != long {
		t.Fatalf("long intervals after the migration: %d, before %d (%v)", again, long, err)
	}
	if err := s.Apply(ctx, later); err != nil {
		t.Fatal(err)
	}
	storetest.MustEqual(t, s, storetest.Expect(append(first, later...)))
	// The backlog inside a long wait reads it from long_intervals.
	at := time.Date(2026, 2, 10, 0, 0, 0, 0, time.UTC)
	got, err := s.Backlog(ctx, analytics.BacklogQuery{At: at, By: "team"})
	if err != nil || len(got) == 0 {
		t.Fatalf("backlog at %s: %v %v", at, got, err)
	}
}

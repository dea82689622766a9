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

func TestResolutionDays(t *testing.T) {
	at := func(d, h int) *time.Time {
		v := time.Date(2026, 3, d, h, 0, 0, 0, time.FixedZone("x", 3600))
		return &v
	}
	ticket := func(created time.Time, resolved *time.Time) analytics.TicketRow {
		var r analytics.TicketRow
		r.CreatedAt, r.ResolvedAt = created, resolved
		return r
	}
	days, mins := resolutionDays([]analytics.TicketRow{
		ticket(*at(1, 9), at(3, 10)),
		ticket(*at(2, 9), at(3, 12)),
		ticket(*at(1, 5), nil),      // open: no row
		ticket(*at(2, 1), at(4, 0)), // 2026-03-03 23:00 UTC
		ticket(*at(3, 7), at(5, 9)),
	})
	want := []time.Time{time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC)}
	if len(days) != 2 || !days[0].Equal(want[0]) || !days[1].Equal(want[1]) {
		t.Fatalf("days %v, want %v", days, want)
	}
	if !mins[0].Equal(*at(1, 9)) || !mins[1].Equal(*at(3, 7)) {
		t.Fatalf("earliest creations %v", mins)
	}
}

// TestMigration6CopiesTicketStateOnce: a store written before migration 6
// (no ticket_state) is opened by three processes at once; one copies the
// latest tickets, the others wait for it, so every ticket is one live row,
// and history applied afterwards agrees with the events.
func TestMigration6CopiesTicketStateOnce(t *testing.T) {
	ctx := context.Background()
	dsn := testch.DSN(t)
	s := open(t, dsn)
	first := storetest.Generate(storetest.GenOptions{Tickets: 300, Seed: 11})
	later := storetest.Generate(storetest.GenOptions{Tickets: 100, Seed: 12, FirstID: 20_000, FirstSeq: 2_000_000})
	if err := s.Apply(ctx, first); err != nil {
		t.Fatal(err)
	}
	var tickets uint64
	if err := s.conn.QueryRow(ctx, "SELECT count() FROM tickets_by_creation FINAL").Scan(&tickets); err != nil || tickets == 0 {
		t.Fatalf("tickets: %d, %v", tickets, err)
	}
	// The layout of migration 5.
	for _, stmt := range []string{
		"DROP TABLE ticket_state",
		"TRUNCATE TABLE schema_migrations",
		"INSERT INTO schema_migrations (version, name, applied_at) SELECT toUInt32(number + 1), 'earlier', now() FROM system.numbers LIMIT 5",
	} {
		if err := s.conn.Exec(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	stores := make([]*Store, 3)
	errs := make([]error, 3)
	var wg sync.WaitGroup
	for i := range stores {
		wg.Go(func() { stores[i], errs[i] = Open(ctx, dsn) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		defer stores[i].Close()
	}
	var rows, live uint64
	if err := s.conn.QueryRow(ctx, "SELECT count(), countIf(sign = 1) FROM ticket_state").Scan(&rows, &live); err != nil {
		t.Fatal(err)
	}
	if rows != tickets || live != tickets {
		t.Fatalf("ticket_state holds %d rows (%d live), want one per ticket: %d", rows, live, tickets)
	}
	if err := stores[1].Apply(ctx, later); err != nil {
		t.Fatal(err)
	}
	storetest.MustEqual(t, stores[2], storetest.Expect(append(first, later...)))
}

func TestStateRows(t *testing.T) {
	created := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	row := func(id, version int64) analytics.TicketRow {
		var r analytics.TicketRow
		r.TicketID, r.Version, r.CreatedAt, r.Status = id, version, created.Add(time.Duration(id)*time.Hour), "open"
		return r
	}
	prior := map[int64]analytics.TicketRow{1: row(1, 3), 3: row(3, 9)}
	rows, signs := stateRows([]analytics.TicketRow{row(1, 5), row(2, 1), row(3, 9)}, prior)
	type got struct {
		id, version int64
		sign        int8
		created     time.Time
		status      string
	}
	var g []got
	for i, r := range rows {
		g = append(g, got{r.TicketID, r.Version, signs[i], r.CreatedAt, r.Status})
	}
	want := []got{
		{1, 3, -1, row(1, 3).CreatedAt, ""}, // cancels the stored version, keyed as it is
		{1, 5, 1, row(1, 5).CreatedAt, "open"},
		{2, 1, 1, row(2, 1).CreatedAt, "open"}, // new ticket: nothing to cancel
		{3, 9, 1, row(3, 9).CreatedAt, "open"}, // same version as stored: never cancel the live row
	}
	if len(g) != len(want) {
		t.Fatalf("rows %+v, want %+v", g, want)
	}
	for i := range want {
		if g[i] != want[i] {
			t.Fatalf("row %d: %+v, want %+v", i, g[i], want[i])
		}
	}
}

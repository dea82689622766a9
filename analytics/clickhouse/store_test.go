package clickhouse

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/analytics/internal/sqlfile"
	"github.com/deskmine/deskmine/analytics/storetest"
	"github.com/deskmine/deskmine/internal/testch"
	"github.com/deskmine/deskmine/internal/testleak"
)

func TestMain(m *testing.M) { testleak.Main(m, "analytics/clickhouse.") }

func open(t testing.TB, dsn string) *Store {
	t.Helper()
	s, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	// On a suite's little data, merges would often drop ticket_state's
	// cancel rows before its queries run; stopped, every suite reads them
	// (the NOT IN of liveTickets) instead of passing by the merges' luck.
	if err := s.conn.Exec(context.Background(), "SYSTEM STOP MERGES "+quoteIdent(s.db)+"."+tableState); err != nil {
		t.Fatalf("stop merges: %v", err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) analytics.Store { return open(t, testch.DSN(t)) })
}

func TestCrashMidBatch(t *testing.T) {
	s := open(t, testch.DSN(t))
	storetest.Crash(t, s, []string{analytics.TableEvents, analytics.TableIntervals, analytics.TableSLA,
		analytics.TableTickets, tableState}, func(table string) { s.failAfter = table })
}

// TestMigrateConcurrently: several processes starting at once on a new
// database all succeed, and the migrations are recorded once each.
func TestMigrateConcurrently(t *testing.T) {
	dsn := testch.DSN(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			s, err := Open(context.Background(), dsn)
			if err == nil {
				s.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("concurrent open: %v", err)
		}
	}
	s := open(t, dsn)
	rows, err := s.conn.Query(context.Background(), "SELECT toInt64(version) FROM schema_migrations FINAL ORDER BY version")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		got = append(got, v)
	}
	migs, err := sqlfile.Migrations(files, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	var want []int64
	for _, m := range migs {
		want = append(want, int64(m.Version))
	}
	if len(want) < 5 || !slices.Equal(got, want) {
		t.Fatalf("schema_migrations = %v", got)
	}
}

// TestOpenCreatesDatabase: the database in the DSN need not exist.
func TestOpenCreatesDatabase(t *testing.T) {
	dsn := testch.DSN(t)
	base, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { base.Close() })
	// Registered before the open under test, so a failed open cleans up too;
	// cleanups run in reverse order, so base is still open then.
	t.Cleanup(func() { _ = base.conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+base.database()+"_new") })
	s := open(t, dsn+"_new")
	if s.database() != base.database()+"_new" {
		t.Fatalf("database = %s", s.database())
	}
	if _, err := s.Check(context.Background()); err != nil {
		t.Fatalf("check on new database: %v", err)
	}
}

func BenchmarkApply(b *testing.B) {
	s := open(b, testch.DSN(b))
	storetest.Bench(b, s, 20000)
}

package duckdb

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/analytics/storetest"
	"github.com/deskmine/deskmine/internal/testleak"
)

func TestMain(m *testing.M) { testleak.Main(m, "analytics/duckdb.") }

func open(t testing.TB, path string) *Store {
	t.Helper()
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) analytics.Store {
		return open(t, filepath.Join(t.TempDir(), "analytics.duckdb"))
	})
}

func TestCrashMidBatch(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "analytics.duckdb"))
	storetest.Crash(t, s, []string{analytics.TableEvents, analytics.TableIntervals, analytics.TableSLA}, func(table string) { s.failAfter = table })
}

// TestReopen: data and migrations survive closing the file; opening again
// applies no migration.
func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "analytics.duckdb")
	h := storetest.History()
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Apply(context.Background(), h); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, path)
	if applied, err := s.Migrate(context.Background()); err != nil || len(applied) != 0 {
		t.Fatalf("migrate after reopen: %v, %v", applied, err)
	}
	storetest.MustEqual(t, s, storetest.Expect(h))
}

func BenchmarkApply(b *testing.B) {
	s := open(b, filepath.Join(b.TempDir(), "analytics.duckdb"))
	storetest.Bench(b, s, 20000)
}

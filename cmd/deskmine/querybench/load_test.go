package querybench

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/analytics/clickhouse"
	"github.com/deskmine/deskmine/analytics/duckdb"
	"github.com/deskmine/deskmine/analytics/storetest"
	"github.com/deskmine/deskmine/internal/testch"
	"github.com/deskmine/deskmine/ticketcore/events"
)

func TestCutAt(t *testing.T) {
	typs := []events.Type{events.TicketCreated, storetest.UnknownType, events.TicketCommented, storetest.UnknownType, events.TicketUpdated}
	evs := make([]events.Event, len(typs))
	for i, typ := range typs {
		evs[i].Type = typ
	}
	for _, c := range []struct {
		want    int64
		keep, n int
	}{{1, 1, 1}, {2, 3, 2}, {3, 5, 3}, {9, 5, 3}} {
		got, n := cutAt(evs, c.want)
		if len(got) != c.keep || n != int64(c.n) {
			t.Errorf("cutAt(%d) keeps %d events with %d rows, want %d with %d", c.want, len(got), n, c.keep, c.n)
		}
	}
}

func openDuck(t *testing.T) *duckdb.Store {
	t.Helper()
	s, err := duckdb.Open(context.Background(), filepath.Join(t.TempDir(), "a.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func openCH(t *testing.T) *clickhouse.Store {
	t.Helper()
	s, err := clickhouse.Open(context.Background(), testch.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestLoadDuckDB(t *testing.T)     { testLoad(t, openDuck(t)) }
func TestLoadClickHouse(t *testing.T) { testLoad(t, openCH(t)) }

// testLoad loads a history in several chunks and checks the count, the
// spread over the span, and that a second load gives the same store.
func testLoad(t *testing.T, s analytics.Store) {
	ctx := context.Background()
	o := LoadOptions{EventRows: 6000, Seed: 7, BatchSize: 1000, ticketsPerChunk: 200}
	res, err := Load(ctx, s, o)
	if err != nil {
		t.Fatal(err)
	}
	if res.EventRows != 6000 || res.Applied < 6000 || res.Chunks < 3 || res.Batches < 6 || res.Tickets == 0 || res.Reused {
		t.Fatalf("load result %+v", res)
	}
	first, err := s.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// One chunk's tickets are created within 60 days; the chunks start
	// further into the span as the load goes on.
	if first.Days < 120 {
		t.Errorf("events on %d days: the chunks are not spread over the span", first.Days)
	}
	if h, ok, err := Holds(ctx, s, 6000); err != nil || !ok || !h.Reused || h.EventRows != 6000 {
		t.Errorf("Holds(6000) = %+v, %v, %v", h, ok, err)
	}
	if _, ok, err := Holds(ctx, s, 6001); err != nil || ok {
		t.Errorf("Holds(6001) = %v, %v", ok, err)
	}
	if _, err := Load(ctx, s, o); err != nil {
		t.Fatal(err)
	}
	again, err := s.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if again.SeqSum != first.SeqSum || again.Tickets != first.Tickets || again.DayChecksum != first.DayChecksum {
		t.Errorf("a second load differs: %+v vs %+v", again, first)
	}
}

func TestLoadRefusesNonsense(t *testing.T) {
	if _, err := Load(context.Background(), nil, LoadOptions{EventRows: 0, BatchSize: 10}); err == nil {
		t.Error("0 event rows accepted")
	}
}

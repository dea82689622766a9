package clickhouse

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/analytics/storetest"
	"github.com/deskmine/deskmine/internal/testch"
	"github.com/deskmine/deskmine/ticketcore/events"
)

// TestServerKilled: a server that dies between batches makes Apply fail
// with a retryable error; after the restart the same store instance (its
// connections redial) applies the batch again and the answers are exact.
func TestServerKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a clickhouse-server")
	}
	srv := testch.StartPrivate(t)
	s := open(t, srv.DSN("deskmine"))
	h := storetest.History()
	chunks := slices.Collect(slices.Chunk(h, 1000))
	mustApply(t, s, chunks[0])

	srv.Kill()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := s.Apply(ctx, chunks[1])
	if err == nil {
		t.Fatal("apply succeeded with the server down")
	}
	if analytics.IsPermanent(err) {
		t.Fatalf("server down reported as permanent: %v", err)
	}
	srv.Start()
	for _, c := range chunks[1:] {
		mustApply(t, s, c)
	}
	storetest.MustEqual(t, s, storetest.Expect(h))
}

func mustApply(t *testing.T, s analytics.Store, evs []events.Event) {
	t.Helper()
	var err error
	// The first call after a restart may meet a pooled connection that died
	// with the old server; the ingest runner retries such errors.
	for range 3 {
		if err = s.Apply(context.Background(), evs); err == nil {
			return
		}
		t.Logf("apply failed, retrying: %v", err)
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("apply: %v", err)
}

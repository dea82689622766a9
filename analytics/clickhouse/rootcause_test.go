package clickhouse

import (
	"context"
	"math"
	"testing"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/analytics/storetest"
	"github.com/deskmine/deskmine/internal/testch"
)

// TestRootCause: ticket chains, handoffs by product and category and
// reopen rates equal the answers computed from the events alone.
func TestRootCause(t *testing.T) {
	storetest.RunRootCause(t, func(t *testing.T) storetest.RootCauseStore { return open(t, testch.DSN(t)) })
}

// TestReadQueryBindsAHopOfBigIDs: a chain hop binds a chunk of ids into the
// query text; a chunk of the largest ids is past the server's default
// max_query_size, which the read queries raise.
func TestReadQueryBindsAHopOfBigIDs(t *testing.T) {
	s := open(t, testch.DSN(t))
	ids := make([]int64, analytics.ChainFetchChunk)
	for i := range ids {
		ids[i] = math.MaxInt64 - int64(i)
	}
	rows, err := s.query(context.Background(), "SELECT toInt64(count()) FROM (SELECT arrayJoin(?) AS id) WHERE id > 0", ids)
	if err != nil {
		t.Fatalf("query: %v", err)
	}
	defer rows.Close()
	var n int64
	if !rows.Next() {
		t.Fatalf("no row: %v", rows.Err())
	}
	if err := rows.Scan(&n); err != nil || n != int64(len(ids)) {
		t.Fatalf("count %d (%v), want %d", n, err, len(ids))
	}
}

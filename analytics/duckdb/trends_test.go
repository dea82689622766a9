package duckdb

import (
	"path/filepath"
	"testing"

	"github.com/deskmine/deskmine/analytics/storetest"
)

// TestTrends: the trend series equal the answers computed from the events
// alone, and each point's backlog equals Backlog at its end.
func TestTrends(t *testing.T) {
	storetest.RunTrends(t, func(t *testing.T) storetest.TrendStore {
		return open(t, filepath.Join(t.TempDir(), "analytics.duckdb"))
	})
}

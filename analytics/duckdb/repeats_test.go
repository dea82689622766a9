package duckdb

import (
	"path/filepath"
	"testing"

	"github.com/deskmine/deskmine/analytics/storetest"
)

// TestRepeats: repeat tickets, their breakdowns and pairs equal the
// expectation computed from the events, at the edges of the rule too.
func TestRepeats(t *testing.T) {
	storetest.RunRepeats(t, func(t *testing.T) storetest.RepeatStore {
		return open(t, filepath.Join(t.TempDir(), "analytics.duckdb"))
	})
}

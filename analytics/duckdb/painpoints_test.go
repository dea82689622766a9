package duckdb

import (
	"path/filepath"
	"testing"

	"github.com/deskmine/deskmine/analytics/storetest"
)

// TestPainPoints: pain points by segment equal the expectation computed
// from the events.
func TestPainPoints(t *testing.T) {
	storetest.RunPainPoints(t, func(t *testing.T) storetest.PainStore {
		return open(t, filepath.Join(t.TempDir(), "analytics.duckdb"))
	})
}

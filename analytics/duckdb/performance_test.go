package duckdb

import (
	"path/filepath"
	"testing"

	"github.com/deskmine/deskmine/analytics/storetest"
)

func TestPerformance(t *testing.T) {
	storetest.RunPerformance(t, func(t *testing.T) storetest.PerformanceStore {
		return open(t, filepath.Join(t.TempDir(), "analytics.duckdb"))
	})
}

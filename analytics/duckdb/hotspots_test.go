package duckdb

import (
	"path/filepath"
	"testing"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/analytics/storetest"
)

func TestHotspots(t *testing.T) {
	storetest.RunHotspots(t, func(t *testing.T) analytics.Store {
		return open(t, filepath.Join(t.TempDir(), "analytics.duckdb"))
	})
}

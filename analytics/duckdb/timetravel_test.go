package duckdb

import (
	"path/filepath"
	"testing"

	"github.com/deskmine/deskmine/analytics/storetest"
)

// TestTimeTravel: the open tickets at past instants, the backlog by SLA
// state and the hotspots at an instant equal the answers computed from the
// events alone.
func TestTimeTravel(t *testing.T) {
	storetest.RunTimeTravel(t, func(t *testing.T) storetest.RootCauseStore {
		return open(t, filepath.Join(t.TempDir(), "analytics.duckdb"))
	})
}

package clickhouse

import (
	"testing"

	"github.com/deskmine/deskmine/analytics/storetest"
	"github.com/deskmine/deskmine/internal/testch"
)

// TestTimeTravel: the open tickets at past instants, the backlog by SLA
// state and the hotspots at an instant equal the answers computed from the
// events alone.
func TestTimeTravel(t *testing.T) {
	storetest.RunTimeTravel(t, func(t *testing.T) storetest.RootCauseStore { return open(t, testch.DSN(t)) })
}

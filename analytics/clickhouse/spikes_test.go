package clickhouse

import (
	"testing"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/analytics/storetest"
	"github.com/deskmine/deskmine/internal/testch"
)

// TestSpikes: the planted spikes of the generated history are found on
// ClickHouse with their planted causes first, and flat data gives none.
func TestSpikes(t *testing.T) {
	storetest.RunSpikes(t, func(t *testing.T) analytics.Store { return open(t, testch.DSN(t)) })
}

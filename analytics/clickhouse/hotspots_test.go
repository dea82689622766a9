package clickhouse

import (
	"testing"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/analytics/storetest"
	"github.com/deskmine/deskmine/internal/testch"
)

func TestHotspots(t *testing.T) {
	storetest.RunHotspots(t, func(t *testing.T) analytics.Store { return open(t, testch.DSN(t)) })
}

package clickhouse

import (
	"testing"

	"github.com/deskmine/deskmine/analytics/storetest"
	"github.com/deskmine/deskmine/internal/testch"
)

func TestPerformance(t *testing.T) {
	storetest.RunPerformance(t, func(t *testing.T) storetest.PerformanceStore { return open(t, testch.DSN(t)) })
}

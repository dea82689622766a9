package clickhouse

import (
	"testing"

	"github.com/deskmine/deskmine/analytics/storetest"
	"github.com/deskmine/deskmine/internal/testch"
)

// TestPainPoints: pain points by segment equal the expectation computed
// from the events.
func TestPainPoints(t *testing.T) {
	storetest.RunPainPoints(t, func(t *testing.T) storetest.PainStore { return open(t, testch.DSN(t)) })
}

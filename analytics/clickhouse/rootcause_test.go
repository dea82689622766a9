package clickhouse

import (
	"testing"

	"github.com/deskmine/deskmine/analytics/storetest"
	"github.com/deskmine/deskmine/internal/testch"
)

// TestRootCause: ticket chains, handoffs by product and category and
// reopen rates equal the answers computed from the events alone.
func TestRootCause(t *testing.T) {
	storetest.RunRootCause(t, func(t *testing.T) storetest.RootCauseStore { return open(t, testch.DSN(t)) })
}

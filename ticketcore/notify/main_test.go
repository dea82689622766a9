package notify_test

import (
	"testing"

	"github.com/deskmine/deskmine/internal/testleak"
)

// TestMain fails the run when a goroutine of this package outlives the tests.
func TestMain(m *testing.M) { testleak.Main(m, "ticketcore/notify.") }

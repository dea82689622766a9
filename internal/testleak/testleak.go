// Package testleak fails a test binary whose package left goroutines running.
package testleak

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Main runs the tests and then, if they passed, fails the run when a
// goroutine whose stack mentions marker (e.g. "ticketcore/notify.") is still
// alive after a grace period. Call it from TestMain.
func Main(m *testing.M, marker string) {
	code := m.Run()
	if code == 0 {
		if leaked := Leaked(marker, 2*time.Second); leaked != "" {
			fmt.Fprintf(os.Stderr, "goroutines leaked:\n%s\n", leaked)
			code = 1
		}
	}
	os.Exit(code)
}

// Leaked waits up to grace for goroutines mentioning marker (other than
// TestMain's own) to end, and returns the stacks of those still running.
func Leaked(marker string, grace time.Duration) string {
	var leaked []string
	for deadline := time.Now().Add(grace); ; time.Sleep(20 * time.Millisecond) {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		leaked = leaked[:0]
		for g := range strings.SplitSeq(string(buf), "\n\n") {
			if strings.Contains(g, marker) && !strings.Contains(g, ".TestMain") {
				leaked = append(leaked, g)
			}
		}
		if len(leaked) == 0 || !time.Now().Before(deadline) {
			return strings.Join(leaked, "\n\n")
		}
	}
}

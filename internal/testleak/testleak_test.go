package testleak

import (
	"testing"
	"time"
)

func parkedForTest(stop chan struct{}) { <-stop }

func TestLeakedFindsARunningGoroutine(t *testing.T) {
	stop := make(chan struct{})
	go parkedForTest(stop)
	if got := Leaked("testleak.parkedForTest", 100*time.Millisecond); got == "" {
		t.Fatal("running goroutine not reported")
	}
	close(stop)
	if got := Leaked("testleak.parkedForTest", 2*time.Second); got != "" {
		t.Fatalf("ended goroutine reported: %s", got)
	}
}

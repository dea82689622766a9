package testleak

import (
	"testing"
	"time"
)

func parkedForTest(started, stop chan struct{}) {
	close(started)
	<-stop
}

func TestLeakedFindsARunningGoroutine(t *testing.T) {
	started, stop := make(chan struct{}), make(chan struct{})
	go parkedForTest(started, stop)
	<-started
	if got := Leaked("testleak.parkedForTest", 100*time.Millisecond); got == "" {
		t.Fatal("running goroutine not reported")
	}
	close(stop)
	if got := Leaked("testleak.parkedForTest", 2*time.Second); got != "" {
		t.Fatalf("ended goroutine reported: %s", got)
	}
}

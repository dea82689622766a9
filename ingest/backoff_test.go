package ingest

import (
	"context"
	"testing"
	"time"
)

func TestBackoffDoublesUpToMax(t *testing.T) {
	b := newBackoff(time.Microsecond, 5*time.Microsecond)
	var got []time.Duration
	for range 5 {
		got = append(got, b.next)
		if !b.wait(context.Background()) {
			t.Fatal("wait ended early")
		}
	}
	want := []time.Duration{1000, 2000, 4000, 5000, 5000}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("intervals %v, want %v", got, want)
		}
	}
	b.reset()
	if b.next != time.Microsecond {
		t.Fatalf("after reset next = %v", b.next)
	}
}

func TestBackoffStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if newBackoff(time.Hour, time.Hour).wait(ctx) {
		t.Fatal("wait on a cancelled context reported true")
	}
	if sleep(ctx, 0) {
		t.Fatal("sleep 0 on a cancelled context reported true")
	}
}

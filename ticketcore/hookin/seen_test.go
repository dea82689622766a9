package hookin

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestMemorySeen(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1714527000, 0)
	m := &MemorySeen{Now: func() time.Time { return now }}
	week := now.Add(7 * 24 * time.Hour)
	check := func(source, id string, until time.Time, want bool) {
		t.Helper()
		got, err := m.SeenBefore(ctx, source, id, until)
		if err != nil || got != want {
			t.Fatalf("SeenBefore(%s, %s) = %v, %v; want %v", source, id, got, err, want)
		}
	}
	check("chat", "e1", week, false)
	check("chat", "e1", week, true)
	check("chat", "e2", week, false)
	check("social", "e1", week, false) // the same id from another source is another message
	check("chat", "e1", week, true)
	// A key that could be confused if the pair were joined into one string.
	check("a\x00b", "c", week, false)
	check("a", "b\x00c", week, false)

	// Expiry, and extension by a later repeat.
	check("phone", "p1", now.Add(time.Hour), false)
	now = now.Add(30 * time.Minute)
	check("phone", "p1", now.Add(2*time.Hour), true) // extends to now+2h
	now = now.Add(90 * time.Minute)
	check("phone", "p1", now.Add(time.Hour), true) // the extension held
	now = now.Add(2 * time.Hour)
	check("phone", "p1", now.Add(time.Hour), false) // expired, recorded anew
	check("phone", "p1", now.Add(time.Hour), true)

	if _, err := m.SeenBefore(canceled(), "chat", "e9", week); err == nil {
		t.Fatal("SeenBefore with a canceled context succeeded")
	}
}

func canceled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

func TestMemorySeenZeroValueAndSweep(t *testing.T) {
	var m MemorySeen // real clock
	ctx := context.Background()
	past := time.Now().Add(-time.Second)
	for i := range 1000 {
		if seen, err := m.SeenBefore(ctx, "s", fmt.Sprint(i), past); err != nil || seen {
			t.Fatalf("SeenBefore = %v, %v", seen, err)
		}
	}
	// Every entry was expired on arrival, so sweeps keep the map small.
	if n := m.Len(); n > 128 {
		t.Fatalf("%d entries held after 1000 expired ones", n)
	}
}

// Two deliveries of one message at once: exactly one is new.
func TestMemorySeenConcurrent(t *testing.T) {
	var m MemorySeen
	until := time.Now().Add(time.Hour)
	for round := range 50 {
		var fresh atomic.Int32
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				seen, err := m.SeenBefore(context.Background(), "chat", fmt.Sprint("e", round), until)
				if err != nil {
					t.Error(err)
				}
				if !seen {
					fresh.Add(1)
				}
			})
		}
		wg.Wait()
		if fresh.Load() != 1 {
			t.Fatalf("round %d: %d deliveries counted as new, want 1", round, fresh.Load())
		}
	}
}

package ingest

import (
	"context"
	"time"
)

// backoff doubles a wait from min up to max.
type backoff struct {
	min, max, next time.Duration
}

func newBackoff(min, max time.Duration) *backoff { return &backoff{min: min, max: max, next: min} }

// wait sleeps for the next interval and reports false when ctx ended first.
func (b *backoff) wait(ctx context.Context) bool {
	d := b.next
	b.next = min(b.next*2, b.max)
	return sleep(ctx, d)
}

func (b *backoff) reset() { b.next = b.min }

// sleep waits for d and reports false when ctx ended first.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

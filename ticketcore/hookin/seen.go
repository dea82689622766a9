package hookin

import (
	"context"
	"sync"
	"time"
)

// Seen is the replay guard: the store that de-duplicates messages by
// (source, event id). SeenBefore records the pair as seen until the given
// time and reports whether it had already been recorded, and not expired,
// before; recording and reporting must be one atomic step, or two
// concurrent deliveries of one message would both pass.
//
// Record the pair in the same transaction as the ticket change it causes:
// recorded first and stored after, a failed store would make the provider's
// retry look like a duplicate and the message would be lost.
//
// until should be at least now plus Verifier.Tolerance, since a captured
// request verifies that long; providers retry with fresh signatures for
// hours or days, so a week is a sensible de-duplication window.
type Seen interface {
	SeenBefore(ctx context.Context, source, eventID string, until time.Time) (bool, error)
}

// MemorySeen is a Seen that lives in the memory of one process. It is for
// tests and single-process demos only: it forgets everything on restart and
// is not shared between server processes, so a real deployment needs the
// store's implementation. The zero value is ready to use; it is safe for
// concurrent use.
type MemorySeen struct {
	// Now is the clock that expires entries; nil means time.Now.
	Now func() time.Time

	mu        sync.Mutex
	until     map[seenKey]time.Time
	nextSweep int
}

type seenKey struct{ source, eventID string }

var _ Seen = (*MemorySeen)(nil)

// SeenBefore implements Seen. A repeat within the window extends it to the
// later of the two untils, so a long retry chain stays de-duplicated.
func (m *MemorySeen) SeenBefore(ctx context.Context, source, eventID string, until time.Time) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	now := time.Now()
	if m.Now != nil {
		now = m.Now()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.until == nil {
		m.until = make(map[seenKey]time.Time)
	}
	k := seenKey{source, eventID}
	prev, ok := m.until[k]
	seen := ok && now.Before(prev)
	if !seen || until.After(prev) {
		m.until[k] = until
	}
	// Sweeping when the map has doubled keeps memory bounded by the live
	// entries at a constant cost per call.
	if len(m.until) >= m.nextSweep {
		for key, u := range m.until {
			if !now.Before(u) {
				delete(m.until, key)
			}
		}
		m.nextSweep = max(64, 2*len(m.until))
	}
	return seen, nil
}

// Len is the number of entries held, expired ones not yet swept included.
func (m *MemorySeen) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.until)
}

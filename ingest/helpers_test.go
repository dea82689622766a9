package ingest_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/deskmine/deskmine/internal/testleak"
	"github.com/deskmine/deskmine/ticketcore/events"
)

func TestMain(m *testing.M) { testleak.Main(m, "deskmine/ingest.") }

// memStore is the ticket store's stream side in memory: the unit seam for
// the relay, the log source and the runner. The real store runs the same
// code in ingest/e2e.
type memStore struct {
	mu      sync.Mutex
	recs    []events.Record
	seq     int64
	cursors map[string]int64
	leases  map[string]memLease
	dead    []events.DeadLetter

	// saveLeased, when set, runs before a leased cursor save and may fail it.
	saveLeased func(holder string, seq int64) error
}

type memLease struct {
	holder  string
	expires time.Time
}

type leaseLost struct{}

func (leaseLost) Error() string   { return "lease lost" }
func (leaseLost) LeaseLost() bool { return true }

func newMemStore() *memStore {
	return &memStore{cursors: map[string]int64{}, leases: map[string]memLease{}}
}

// append adds events to the log at once, as the ticket store's outbox
// would in one commit each.
func (m *memStore) append(t testing.TB, evs []*events.Event) {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, e := range evs {
		m.seq++
		c := *e
		c.Seq = m.seq
		b, err := events.Marshal(&c)
		if err != nil {
			t.Fatal(err)
		}
		m.recs = append(m.recs, events.Record{Seq: m.seq, TicketID: e.TicketID, RecordedAt: time.Now(), Payload: b})
	}
}

// appendRaw adds a record whose payload may not decode.
func (m *memStore) appendRaw(ticketID int64, payload []byte) int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.seq++
	m.recs = append(m.recs, events.Record{Seq: m.seq, TicketID: ticketID, RecordedAt: time.Now(), Payload: payload})
	return m.seq
}

func (m *memStore) ReadLog(ctx context.Context, after int64, limit int) ([]events.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	i, _ := slices.BinarySearchFunc(m.recs, after+1, func(r events.Record, s int64) int { return int(r.Seq - s) })
	end := min(i+limit, len(m.recs))
	return slices.Clone(m.recs[i:end]), nil
}

func (m *memStore) LogHead(context.Context) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.seq, nil
}

func (m *memStore) Cursor(_ context.Context, name string) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cursors[name], nil
}

func (m *memStore) SaveCursor(_ context.Context, name string, seq int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.cursors[name] = seq
	return nil
}

func (m *memStore) TryLease(_ context.Context, name, holder string, ttl time.Duration) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l, ok := m.leases[name]
	now := time.Now()
	if ok && l.holder != holder && l.expires.After(now) {
		return false, nil
	}
	m.leases[name] = memLease{holder: holder, expires: now.Add(ttl)}
	return true, nil
}

func (m *memStore) ReleaseLease(_ context.Context, name, holder string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.leases[name].holder == holder {
		delete(m.leases, name)
	}
	return nil
}

func (m *memStore) SaveCursorLeased(_ context.Context, lease, holder, cursor string, seq int64) error {
	m.mu.Lock()
	hook := m.saveLeased
	m.mu.Unlock()
	if hook != nil {
		if err := hook(holder, seq); err != nil {
			return err
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	l, ok := m.leases[lease]
	if !ok || l.holder != holder || !l.expires.After(time.Now()) {
		return fmt.Errorf("save cursor %s: %w", cursor, leaseLost{})
	}
	m.cursors[cursor] = seq
	return nil
}

func (m *memStore) PruneLog(_ context.Context, upTo int64, olderThan time.Time) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var n int64
	m.recs = slices.DeleteFunc(m.recs, func(r events.Record) bool {
		del := r.Seq <= upTo && r.RecordedAt.Before(olderThan) && r.Seq < m.seq
		if del {
			n++
		}
		return del
	})
	return n, nil
}

func (m *memStore) ParkDeadLetter(_ context.Context, d *events.DeadLetter) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, o := range m.dead {
		if o.Consumer == d.Consumer && o.Partition == d.Partition && o.Offset == d.Offset {
			d.ID = o.ID
			m.dead[i] = *d
			return nil
		}
	}
	d.ID = int64(len(m.dead) + 1)
	m.dead = append(m.dead, *d)
	return nil
}

func (m *memStore) UnresolvedDeadLetters(_ context.Context, consumer string, afterID int64, limit int) ([]events.DeadLetter, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []events.DeadLetter
	for _, d := range m.dead {
		if d.Consumer == consumer && d.ReplayedAt == nil && d.ID > afterID && len(out) < limit {
			out = append(out, d)
		}
	}
	return out, nil
}

func (m *memStore) MarkDeadLetterReplayed(_ context.Context, id int64, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.dead[id-1].ReplayedAt = &at
	return nil
}

func (m *memStore) UpdateDeadLetter(_ context.Context, id int64, errMsg string, attempts int) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.dead[id-1].Error, m.dead[id-1].Attempts = errMsg, attempts
	return nil
}

func (m *memStore) deadLetters() []events.DeadLetter {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.dead)
}

func (m *memStore) cursor(name string) int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cursors[name]
}

// waitFor polls cond until it holds, failing after a generous deadline (a
// bound for correctness, not a performance assertion).
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

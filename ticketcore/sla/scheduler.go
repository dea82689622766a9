package sla

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Due is a warning or breach instant of one clock of one ticket.
type Due struct {
	TicketID int64     `json:"ticket_id"`
	Metric   Metric    `json:"metric"`
	Kind     Kind      `json:"kind"`
	At       time.Time `json:"at"`      // when it is due: the clock's WarnAt or Deadline
	Cycle    int       `json:"cycle"`   // the clock's cycle
	Version  int64     `json:"version"` // the TicketClocks.Version it was computed from
}

// Key identifies the warning or breach itself: the same for every
// computation of it, different for every other. Use it to deduplicate SLA
// events (for example as their idempotency key).
func (d Due) Key() string {
	return fmt.Sprintf("%d:%s:%s:%d", d.TicketID, d.Metric, d.Kind, d.Cycle)
}

// TimeSource is the scheduler's clock; tests inject a fake one.
type TimeSource interface {
	Now() time.Time
	NewTimer(d time.Duration) Timer
}

// Timer is a one-shot timer of a TimeSource.
type Timer interface {
	C() <-chan time.Time
	Stop() bool
}

// SystemTime returns the real clock.
func SystemTime() TimeSource { return systemClock{} }

type systemClock struct{}

func (systemClock) Now() time.Time                 { return time.Now() }
func (systemClock) NewTimer(d time.Duration) Timer { return systemTimer{time.NewTimer(d)} }

type systemTimer struct{ t *time.Timer }

func (t systemTimer) C() <-chan time.Time { return t.t.C }
func (t systemTimer) Stop() bool          { return t.t.Stop() }

// Options configure a Scheduler; zero values take the defaults.
type Options struct {
	Time       TimeSource    // default SystemTime()
	BatchSize  int           // most items per fire call; default 1000
	MinBackoff time.Duration // delay before the first retry of a failed item; default 100ms
	MaxBackoff time.Duration // longest delay between retries; default 1m
	// MaxSleep bounds how long Run sleeps without looking at the clock, so
	// a wall-clock jump delays nothing by more than this; default 1s.
	MaxSleep time.Duration
	Logger   *slog.Logger // default discards
}

// Scheduler holds the due instants of open tickets and fires them when
// they come due. One item is kept per (ticket, metric, kind); ticket ids must
// lie within ±2^55. It is safe for concurrent use, with one Run at a time.
type Scheduler struct {
	opts    Options
	mu      sync.Mutex
	items   map[key]item
	heap    []entry // 4-ary min-heap by (at, key); may hold stale entries
	wake    chan struct{}
	running atomic.Bool
}

// key packs ticket, metric and kind; its order is theirs.
type key int64

func keyOf(ticket int64, m Metric, k Kind) key {
	return key(ticket<<8 | int64(m&0xf)<<4 | int64(k&0xf))
}

func (k key) parts() (int64, Metric, Kind) {
	return int64(k) >> 8, Metric(k >> 4 & 0xf), Kind(k & 0xf)
}

// item is the current (latest version) state of a key.
type item struct {
	due      int64 // the Due.At, Unix nanoseconds
	fireAt   int64 // when to fire: due, or a retry time
	version  int64 // Due.Version
	cycle    int32
	attempts int16 // failed fire calls so far
	inflight bool  // handed to fire, outcome pending
}

// entry is a heap entry. It stands for the item of its key while that is
// not in flight and has the same fireAt; otherwise it is stale and skipped.
// A duplicate entry of an item is harmless: the first one taken puts the
// item in flight.
type entry struct {
	at  int64
	key key
}

// NewScheduler returns an empty scheduler.
func NewScheduler(o Options) *Scheduler {
	if o.Time == nil {
		o.Time = SystemTime()
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 1000
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = 100 * time.Millisecond
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = time.Minute
	}
	if o.MaxSleep <= 0 {
		o.MaxSleep = time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Scheduler{opts: o, items: map[key]item{}, wake: make(chan struct{}, 1)}
}

// Len returns the number of items held, including those being fired.
func (s *Scheduler) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.items)
}

// Upsert schedules d, replacing the item of the same ticket, metric and
// kind unless that one has a higher Version. Upserting an item that is
// already held unchanged does nothing.
func (s *Scheduler) Upsert(d Due) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.upsert(d)
}

// Remove drops the item of a ticket, metric and kind; an item being fired
// is not retried if that fails.
func (s *Scheduler) Remove(ticketID int64, m Metric, k Kind) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.items, keyOf(ticketID, m, k))
}

// Sync makes items the complete schedule of a ticket as of version (the
// TicketClocks.Version that DueItems computed them from): it upserts them
// and removes the ticket's other items, except any of a higher version.
// Sync with no items forgets the ticket; items of other tickets are ignored.
func (s *Scheduler) Sync(ticketID, version int64, items []Due) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range Metrics() {
		for _, k := range []Kind{Warning, Breach} {
			kk := keyOf(ticketID, m, k)
			it, ok := s.items[kk]
			if ok && it.version <= version {
				keep := false
				for _, d := range items {
					keep = keep || (d.Metric == m && d.Kind == k)
				}
				if !keep {
					delete(s.items, kk)
				}
			}
		}
	}
	for _, d := range items {
		if d.TicketID == ticketID {
			s.upsert(d)
		}
	}
}

func (s *Scheduler) upsert(d Due) {
	k := keyOf(d.TicketID, d.Metric, d.Kind)
	at := d.At.UnixNano()
	old, ok := s.items[k]
	switch {
	case !ok:
	case old.version > d.Version:
		return // older news
	case old.due == at && old.version == d.Version && old.cycle == int32(d.Cycle):
		return // the same item again
	case old.due == at && old.fireAt == at && !old.inflight:
		// Same instant, newer version: the queued heap entry still stands.
		old.version, old.cycle = d.Version, int32(d.Cycle)
		s.items[k] = old
		return
	}
	// New, moved, waiting for a retry, or being fired from an older version
	// (whose fire may have read an older state): queue it afresh.
	s.items[k] = item{due: at, fireAt: at, version: d.Version, cycle: int32(d.Cycle)}
	s.push(entry{at: at, key: k})
	if s.heap[0].key == k && s.heap[0].at == at {
		select { // the new item is the earliest: wake Run to sleep less
		case s.wake <- struct{}{}:
		default:
		}
	}
	if len(s.heap) > 2*len(s.items)+1024 {
		s.compact()
	}
}

// compact rebuilds the heap from the live items, dropping stale entries.
func (s *Scheduler) compact() {
	h := s.heap[:0]
	for k, it := range s.items {
		if !it.inflight {
			h = append(h, entry{at: it.fireAt, key: k})
		}
	}
	clear(s.heap[len(h):])
	s.heap = h
	for i := (len(h) - 2) / 4; i >= 0; i-- {
		s.down(i)
	}
}

// Run fires due items until ctx is done, then returns nil. It sleeps until
// the earliest item is due (woken early when an earlier one is upserted),
// then calls fire with up to BatchSize due items in order of their due
// instants. When fire returns an error, Run retries those items after a
// backoff that grows per item (MinBackoff doubling up to MaxBackoff) and
// pauses before its next fire call; an item is dropped only when fire
// succeeds or it is removed or replaced. fire should therefore return an
// error only when the whole batch is worth retrying (the database is down);
// a ticket that cannot be handled is for fire to log or park, or it will be
// retried forever and slow the others down.
func (s *Scheduler) Run(ctx context.Context, fire func(context.Context, []Due) error) error {
	if !s.running.CompareAndSwap(false, true) {
		return errors.New("sla scheduler is already running")
	}
	defer s.running.Store(false)
	select { // a wake from upserts before Run is moot: Run looks at the heap first
	case <-s.wake:
	default:
	}
	failures := 0
	for ctx.Err() == nil {
		now := s.opts.Time.Now().UnixNano()
		batch, next, more := s.take(now)
		if len(batch) > 0 {
			err := fire(ctx, batch)
			s.finish(batch, err)
			if err == nil {
				failures = 0
				continue
			}
			failures++
			s.opts.Logger.Error("sla fire failed; will retry", "items", len(batch), "failures", failures, "err", err)
			s.sleep(ctx, s.backoff(failures), false)
			continue
		}
		wait := s.opts.MaxSleep
		if more {
			wait = min(wait, time.Duration(next-now))
		}
		s.sleep(ctx, wait, true)
	}
	return nil
}

func (s *Scheduler) backoff(attempt int) time.Duration {
	d := s.opts.MinBackoff
	for i := 1; i < attempt && d < s.opts.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, s.opts.MaxBackoff)
}

func (s *Scheduler) sleep(ctx context.Context, d time.Duration, wakeable bool) {
	t := s.opts.Time.NewTimer(d)
	defer t.Stop()
	wake := s.wake
	if !wakeable {
		wake = nil
	}
	select {
	case <-ctx.Done():
	case <-t.C():
	case <-wake:
	}
}

// take pops up to BatchSize items due at now and marks them in flight; next
// is the fire time of the earliest item left, when more.
func (s *Scheduler) take(now int64) (batch []Due, next int64, more bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.heap) > 0 && len(batch) < s.opts.BatchSize {
		e := s.heap[0]
		if e.at > now {
			break
		}
		s.pop()
		if s.stale(e) {
			continue
		}
		it := s.items[e.key]
		it.inflight = true
		s.items[e.key] = it
		ticket, m, k := e.key.parts()
		batch = append(batch, Due{
			TicketID: ticket, Metric: m, Kind: k,
			At: time.Unix(0, it.due).UTC(), Cycle: int(it.cycle), Version: it.version,
		})
	}
	for len(s.heap) > 0 && s.stale(s.heap[0]) { // so Run does not wake for nothing
		s.pop()
	}
	if len(s.heap) == 0 {
		return batch, 0, false
	}
	return batch, s.heap[0].at, true
}

// stale reports whether e no longer stands for an item to fire: the item
// was replaced, removed or taken since e was pushed.
func (s *Scheduler) stale(e entry) bool {
	it, ok := s.items[e.key]
	return !ok || it.inflight || it.fireAt != e.at
}

// finish drops the fired items, or requeues them with a backoff when fire
// failed; items removed or replaced meanwhile (no longer in flight) are left
// alone. Run takes no batch before the previous one is finished, so an item
// in flight is one of this batch.
func (s *Scheduler) finish(batch []Due, err error) {
	now := s.opts.Time.Now().UnixNano()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range batch {
		k := keyOf(d.TicketID, d.Metric, d.Kind)
		it, ok := s.items[k]
		if !ok || !it.inflight {
			continue
		}
		if err == nil {
			delete(s.items, k)
			continue
		}
		it.inflight = false
		if it.attempts < 1<<14 {
			it.attempts++
		}
		it.fireAt = now + int64(s.backoff(int(it.attempts)))
		s.items[k] = it
		s.push(entry{at: it.fireAt, key: k})
	}
}

// Heap: 4-ary, ordered by (at, ticket, metric, kind) so equal instants fire
// in a deterministic order.

func less(a, b *entry) bool {
	return a.at < b.at || a.at == b.at && a.key < b.key
}

func (s *Scheduler) push(e entry) {
	s.heap = append(s.heap, e)
	h := s.heap
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 4
		if !less(&e, &h[p]) {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = e
}

func (s *Scheduler) pop() {
	h := s.heap
	last := len(h) - 1
	h[0] = h[last]
	s.heap = h[:last]
	if last > 0 {
		s.down(0)
	}
}

func (s *Scheduler) down(i int) {
	h := s.heap
	n := len(h)
	e := h[i]
	for {
		c := 4*i + 1
		if c >= n {
			break
		}
		m := c
		for j := c + 1; j < c+4 && j < n; j++ {
			if less(&h[j], &h[m]) {
				m = j
			}
		}
		if !less(&h[m], &e) {
			break
		}
		h[i] = h[m]
		i = m
	}
	h[i] = e
}

// Package notifytest is the test kit of package notify: MemStore, an
// in-memory implementation of its three store interfaces, and the suites of
// tests that every implementation of them, MemStore and the SQL store alike,
// must pass.
//
// MemStore is for tests only. Nothing survives the process, and its leases
// keep apart only the dispatchers that share the one MemStore value.
package notifytest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/notify"
)

// MemStore is the in-memory, test-only NotificationStore, EndpointStore and
// DeliveryStore. The zero value is ready to use and safe for concurrent use.
type MemStore struct {
	mu         sync.Mutex
	notes      []notify.Notification // ID i+1 at index i
	endpoints  []notify.Endpoint     // ID i+1 at index i; nil ID marks a deleted one
	deliveries map[string]*notify.Delivery
	order      []string // delivery IDs in enqueue order
}

var (
	_ notify.NotificationStore = (*MemStore)(nil)
	_ notify.EndpointStore     = (*MemStore)(nil)
	_ notify.DeliveryStore     = (*MemStore)(nil)
)

// NewMemStore returns an empty in-memory store, for tests.
func NewMemStore() *MemStore { return &MemStore{} }

// InsertNotification implements notify.NotificationStore.
func (m *MemStore) InsertNotification(ctx context.Context, n notify.Notification) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	n.ID = int64(len(m.notes) + 1)
	n.ReadAt = copyTime(n.ReadAt)
	m.notes = append(m.notes, n)
	return n.ID, nil
}

// ListNotifications implements notify.NotificationStore.
func (m *MemStore) ListNotifications(ctx context.Context, userID int64, q notify.ListQuery) ([]notify.Notification, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if q.Limit <= 0 {
		return nil, fmt.Errorf("list notifications: limit %d is not positive", q.Limit)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []notify.Notification
	for i := len(m.notes) - 1; i >= 0 && len(out) < q.Limit; i-- {
		n := m.notes[i]
		if n.UserID != userID || (q.BeforeID > 0 && n.ID >= q.BeforeID) || (q.UnreadOnly && n.ReadAt != nil) {
			continue
		}
		n.ReadAt = copyTime(n.ReadAt)
		out = append(out, n)
	}
	return out, nil
}

// CountUnread implements notify.NotificationStore.
func (m *MemStore) CountUnread(ctx context.Context, userID int64) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var c int64
	for _, n := range m.notes {
		if n.UserID == userID && n.ReadAt == nil {
			c++
		}
	}
	return c, nil
}

// MarkRead implements notify.NotificationStore.
func (m *MemStore) MarkRead(ctx context.Context, userID, id int64, at time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if id <= 0 || id > int64(len(m.notes)) || m.notes[id-1].UserID != userID {
		return ticketcore.ErrNotFound
	}
	if n := &m.notes[id-1]; n.ReadAt == nil {
		n.ReadAt = &at
	}
	return nil
}

// MarkAllRead implements notify.NotificationStore.
func (m *MemStore) MarkAllRead(ctx context.Context, userID, upToID int64, at time.Time) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var c int64
	for i := range m.notes {
		n := &m.notes[i]
		if n.UserID == userID && n.ReadAt == nil && (upToID == 0 || n.ID <= upToID) {
			n.ReadAt = &at
			c++
		}
	}
	return c, nil
}

// PutEndpoint stores ep, under a new ID when ep.ID is 0, and returns it. It
// does not validate: tests may store endpoints the admin API would refuse.
func (m *MemStore) PutEndpoint(ep notify.Endpoint) notify.Endpoint {
	m.mu.Lock()
	defer m.mu.Unlock()
	ep.Kinds = slices.Clone(ep.Kinds)
	if ep.ID == 0 {
		ep.ID = int64(len(m.endpoints) + 1)
		m.endpoints = append(m.endpoints, ep)
		return ep
	}
	for int64(len(m.endpoints)) < ep.ID {
		m.endpoints = append(m.endpoints, notify.Endpoint{})
	}
	m.endpoints[ep.ID-1] = ep
	return ep
}

// DeleteEndpoint removes endpoint id.
func (m *MemStore) DeleteEndpoint(id int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if id > 0 && id <= int64(len(m.endpoints)) {
		m.endpoints[id-1] = notify.Endpoint{}
	}
}

// Endpoint implements notify.EndpointStore.
func (m *MemStore) Endpoint(ctx context.Context, id int64) (notify.Endpoint, error) {
	if err := ctx.Err(); err != nil {
		return notify.Endpoint{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if id <= 0 || id > int64(len(m.endpoints)) || m.endpoints[id-1].ID == 0 {
		return notify.Endpoint{}, ticketcore.ErrNotFound
	}
	ep := m.endpoints[id-1]
	ep.Kinds = slices.Clone(ep.Kinds)
	return ep, nil
}

// ActiveEndpoints implements notify.EndpointStore.
func (m *MemStore) ActiveEndpoints(ctx context.Context) ([]notify.Endpoint, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []notify.Endpoint
	for _, ep := range m.endpoints {
		if ep.ID != 0 && ep.Active {
			ep.Kinds = slices.Clone(ep.Kinds)
			out = append(out, ep)
		}
	}
	return out, nil
}

// EnqueueDeliveries implements notify.DeliveryStore.
func (m *MemStore) EnqueueDeliveries(ctx context.Context, ds []notify.Delivery) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.deliveries == nil {
		m.deliveries = map[string]*notify.Delivery{}
	}
	seen := map[string]bool{}
	for _, d := range ds {
		if d.ID == "" || seen[d.ID] || m.deliveries[d.ID] != nil {
			return fmt.Errorf("enqueue deliveries: missing or duplicate id %q", d.ID)
		}
		seen[d.ID] = true
	}
	for _, d := range ds {
		d = copyDelivery(d)
		d.Lease, d.LeasedUntil = "", time.Time{}
		m.deliveries[d.ID] = &d
		m.order = append(m.order, d.ID)
	}
	return nil
}

// ClaimDeliveries implements notify.DeliveryStore.
func (m *MemStore) ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]notify.Delivery, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if limit <= 0 {
		return nil, fmt.Errorf("claim deliveries: limit %d is not positive", limit)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var due []*notify.Delivery
	for _, id := range m.order {
		d := m.deliveries[id]
		if d.Status == notify.StatusPending && !d.NextAttemptAt.After(now) && (d.Lease == "" || !d.LeasedUntil.After(now)) {
			due = append(due, d)
		}
	}
	slices.SortStableFunc(due, func(a, b *notify.Delivery) int { return a.NextAttemptAt.Compare(b.NextAttemptAt) })
	var out []notify.Delivery
	for _, d := range due[:min(limit, len(due))] {
		d.Lease, d.LeasedUntil = uuid.NewString(), now.Add(lease)
		out = append(out, copyDelivery(*d))
	}
	return out, nil
}

// held returns delivery id if it is pending under lease.
func (m *MemStore) held(id, lease string) (*notify.Delivery, error) {
	d := m.deliveries[id]
	switch {
	case d == nil:
		return nil, ticketcore.ErrNotFound
	case d.Status != notify.StatusPending || d.Lease == "" || d.Lease != lease:
		return nil, notify.ErrLeaseLost
	}
	return d, nil
}

func (m *MemStore) record(ctx context.Context, id, lease string, at time.Time, f func(*notify.Delivery)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	d, err := m.held(id, lease)
	if err != nil {
		return err
	}
	d.Attempts++
	d.LastAttemptAt = at
	d.Lease, d.LeasedUntil = "", time.Time{}
	f(d)
	return nil
}

// MarkDelivered implements notify.DeliveryStore.
func (m *MemStore) MarkDelivered(ctx context.Context, id, lease string, at time.Time) error {
	return m.record(ctx, id, lease, at, func(d *notify.Delivery) {
		d.Status, d.LastError = notify.StatusDelivered, ""
	})
}

// MarkRetry implements notify.DeliveryStore.
func (m *MemStore) MarkRetry(ctx context.Context, id, lease string, at, next time.Time, lastErr string) error {
	return m.record(ctx, id, lease, at, func(d *notify.Delivery) {
		d.NextAttemptAt, d.LastError = next, lastErr
	})
}

// MarkFailed implements notify.DeliveryStore.
func (m *MemStore) MarkFailed(ctx context.Context, id, lease string, at time.Time, lastErr string) error {
	return m.record(ctx, id, lease, at, func(d *notify.Delivery) {
		d.Status, d.LastError = notify.StatusFailed, lastErr
	})
}

// ReleaseDelivery implements notify.DeliveryStore.
func (m *MemStore) ReleaseDelivery(ctx context.Context, id, lease string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	d, err := m.held(id, lease)
	if err != nil {
		return err
	}
	d.Lease, d.LeasedUntil = "", time.Time{}
	return nil
}

// Delivery implements notify.DeliveryStore.
func (m *MemStore) Delivery(ctx context.Context, id string) (notify.Delivery, error) {
	if err := ctx.Err(); err != nil {
		return notify.Delivery{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	d := m.deliveries[id]
	if d == nil {
		return notify.Delivery{}, ticketcore.ErrNotFound
	}
	return copyDelivery(*d), nil
}

// Deliveries returns every delivery, in enqueue order, including its lease.
func (m *MemStore) Deliveries() []notify.Delivery {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]notify.Delivery, 0, len(m.order))
	for _, id := range m.order {
		out = append(out, copyDelivery(*m.deliveries[id]))
	}
	return out
}

// String summarises the store for test failure messages.
func (m *MemStore) String() string {
	var b strings.Builder
	for _, d := range m.Deliveries() {
		fmt.Fprintf(&b, "%s ep=%d %s attempts=%d next=%s err=%q\n", d.ID, d.EndpointID, d.Status, d.Attempts, d.NextAttemptAt.Format(time.RFC3339), d.LastError)
	}
	return b.String()
}

func copyDelivery(d notify.Delivery) notify.Delivery {
	d.Payload = slices.Clone(d.Payload)
	return d
}

func copyTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	c := *t
	return &c
}

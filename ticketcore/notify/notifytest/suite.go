package notifytest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/notify"
)

// t0 is the suites' clock: whole seconds, so that every database keeps it exactly.
var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// RunNotificationStoreSuite checks the promises of notify.NotificationStore
// on stores made by newStore, a fresh empty one per subtest.
func RunNotificationStoreSuite(t *testing.T, newStore func(t *testing.T) notify.NotificationStore) {
	ctx := context.Background()
	insert := func(t *testing.T, s notify.NotificationStore, user int64, title string) int64 {
		t.Helper()
		id, err := s.InsertNotification(ctx, notify.Notification{UserID: user, Kind: notify.KindMention, TicketID: 7, Title: title, Body: "body of " + title, CreatedAt: t0})
		if err != nil {
			t.Fatalf("insert: %v", err)
		}
		return id
	}
	ids := func(ns []notify.Notification) []int64 {
		out := []int64{}
		for _, n := range ns {
			out = append(out, n.ID)
		}
		return out
	}
	list := func(t *testing.T, s notify.NotificationStore, user int64, q notify.ListQuery) []notify.Notification {
		t.Helper()
		ns, err := s.ListNotifications(ctx, user, q)
		if err != nil {
			t.Fatalf("list %+v: %v", q, err)
		}
		return ns
	}
	unread := func(t *testing.T, s notify.NotificationStore, user int64) int64 {
		t.Helper()
		c, err := s.CountUnread(ctx, user)
		if err != nil {
			t.Fatalf("count unread: %v", err)
		}
		return c
	}

	t.Run("InsertAndList", func(t *testing.T) {
		s := newStore(t)
		a1 := insert(t, s, 1, "a1")
		b1 := insert(t, s, 2, "b1")
		a2 := insert(t, s, 1, "a2")
		if !(a1 < b1 && b1 < a2) {
			t.Fatalf("ids %d, %d, %d do not increase with insertion", a1, b1, a2)
		}
		ns := list(t, s, 1, notify.ListQuery{Limit: 10})
		if got, want := fmt.Sprint(ids(ns)), fmt.Sprint([]int64{a2, a1}); got != want {
			t.Fatalf("user 1 sees %s, want %s (own only, newest first)", got, want)
		}
		n := ns[1]
		if n.UserID != 1 || n.Kind != notify.KindMention || n.TicketID != 7 || n.Title != "a1" || n.Body != "body of a1" || !n.CreatedAt.Equal(t0) || n.ReadAt != nil {
			t.Errorf("stored notification came back as %+v", n)
		}
		if ns := list(t, s, 3, notify.ListQuery{Limit: 10}); len(ns) != 0 {
			t.Errorf("a user without notifications sees %v", ids(ns))
		}
	})

	t.Run("LimitAndBeforeID", func(t *testing.T) {
		s := newStore(t)
		var all []int64
		for i := range 5 {
			all = append(all, insert(t, s, 1, fmt.Sprint("n", i)))
		}
		if got := ids(list(t, s, 1, notify.ListQuery{Limit: 2})); fmt.Sprint(got) != fmt.Sprint([]int64{all[4], all[3]}) {
			t.Errorf("limit 2: %v", got)
		}
		if got := ids(list(t, s, 1, notify.ListQuery{Limit: 2, BeforeID: all[3]})); fmt.Sprint(got) != fmt.Sprint([]int64{all[2], all[1]}) {
			t.Errorf("limit 2 before %d: %v", all[3], got)
		}
		if got := ids(list(t, s, 1, notify.ListQuery{Limit: 9, BeforeID: all[0]})); len(got) != 0 {
			t.Errorf("before the oldest: %v", got)
		}
	})

	t.Run("MarkRead", func(t *testing.T) {
		s := newStore(t)
		a := insert(t, s, 1, "a")
		b := insert(t, s, 1, "b")
		other := insert(t, s, 2, "other")
		if c := unread(t, s, 1); c != 2 {
			t.Fatalf("unread = %d, want 2", c)
		}
		if err := s.MarkRead(ctx, 1, a, t0.Add(time.Minute)); err != nil {
			t.Fatalf("mark read: %v", err)
		}
		if err := s.MarkRead(ctx, 1, a, t0.Add(time.Hour)); err != nil {
			t.Fatalf("mark read again: %v", err)
		}
		ns := list(t, s, 1, notify.ListQuery{Limit: 10})
		if ns[1].ID != a || ns[1].ReadAt == nil || !ns[1].ReadAt.Equal(t0.Add(time.Minute)) {
			t.Errorf("read notification: %+v, want ReadAt of the first mark", ns[1])
		}
		if ns[0].ReadAt != nil {
			t.Errorf("unmarked notification has ReadAt %v", ns[0].ReadAt)
		}
		if got := ids(list(t, s, 1, notify.ListQuery{Limit: 10, UnreadOnly: true})); fmt.Sprint(got) != fmt.Sprint([]int64{b}) {
			t.Errorf("unread only: %v, want [%d]", got, b)
		}
		if c := unread(t, s, 1); c != 1 {
			t.Errorf("unread = %d, want 1", c)
		}
		if err := s.MarkRead(ctx, 1, other, t0); !errors.Is(err, ticketcore.ErrNotFound) {
			t.Errorf("marking another user's notification: %v, want ErrNotFound", err)
		}
		if err := s.MarkRead(ctx, 1, other+100, t0); !errors.Is(err, ticketcore.ErrNotFound) {
			t.Errorf("marking a missing notification: %v, want ErrNotFound", err)
		}
		if c := unread(t, s, 2); c != 1 {
			t.Errorf("user 2 unread = %d after user 1's attempt, want 1", c)
		}
	})

	t.Run("MarkAllRead", func(t *testing.T) {
		s := newStore(t)
		a := insert(t, s, 1, "a")
		b := insert(t, s, 1, "b")
		insert(t, s, 2, "other")
		c := insert(t, s, 1, "c")
		if err := s.MarkRead(ctx, 1, a, t0); err != nil {
			t.Fatal(err)
		}
		n, err := s.MarkAllRead(ctx, 1, b, t0.Add(time.Minute))
		if err != nil || n != 1 {
			t.Fatalf("mark all read up to %d: %d, %v; want 1 (a was read already, c is newer)", b, n, err)
		}
		if got := ids(list(t, s, 1, notify.ListQuery{Limit: 10, UnreadOnly: true})); fmt.Sprint(got) != fmt.Sprint([]int64{c}) {
			t.Errorf("unread after mark all up to %d: %v, want [%d]", b, got, c)
		}
		if n, err := s.MarkAllRead(ctx, 1, 0, t0.Add(2*time.Minute)); err != nil || n != 1 {
			t.Errorf("mark all read: %d, %v; want 1", n, err)
		}
		if n, err := s.MarkAllRead(ctx, 1, 0, t0.Add(3*time.Minute)); err != nil || n != 0 {
			t.Errorf("mark all read again: %d, %v; want 0", n, err)
		}
		for _, x := range list(t, s, 1, notify.ListQuery{Limit: 10}) {
			want := map[int64]time.Time{a: t0, b: t0.Add(time.Minute), c: t0.Add(2 * time.Minute)}[x.ID]
			if x.ReadAt == nil || !x.ReadAt.Equal(want) {
				t.Errorf("notification %d read at %v, want %v", x.ID, x.ReadAt, want)
			}
		}
		if c := unread(t, s, 2); c != 1 {
			t.Errorf("user 2 unread = %d, want 1: mark all read crossed users", c)
		}
	})
}

// RunDeliveryStoreSuite checks the promises of notify.DeliveryStore on
// stores made by newStore, a fresh empty one per subtest.
func RunDeliveryStoreSuite(t *testing.T, newStore func(t *testing.T) notify.DeliveryStore) {
	ctx := context.Background()
	const lease = time.Minute
	mk := func(id string, next time.Time) notify.Delivery {
		return notify.Delivery{ID: id, EndpointID: 1, Kind: notify.KindSLABreach, Payload: []byte(`{"id":"` + id + `"}`),
			Status: notify.StatusPending, NextAttemptAt: next, CreatedAt: t0}
	}
	enqueue := func(t *testing.T, s notify.DeliveryStore, ds ...notify.Delivery) {
		t.Helper()
		if err := s.EnqueueDeliveries(ctx, ds); err != nil {
			t.Fatalf("enqueue: %v", err)
		}
	}
	claim := func(t *testing.T, s notify.DeliveryStore, now time.Time, limit int) []notify.Delivery {
		t.Helper()
		ds, err := s.ClaimDeliveries(ctx, now, lease, limit)
		if err != nil {
			t.Fatalf("claim: %v", err)
		}
		return ds
	}
	idsOf := func(ds []notify.Delivery) string {
		var out []string
		for _, d := range ds {
			out = append(out, d.ID)
		}
		return fmt.Sprint(out)
	}
	get := func(t *testing.T, s notify.DeliveryStore, id string) notify.Delivery {
		t.Helper()
		d, err := s.Delivery(ctx, id)
		if err != nil {
			t.Fatalf("delivery %s: %v", id, err)
		}
		return d
	}

	t.Run("EnqueueAndGet", func(t *testing.T) {
		s := newStore(t)
		enqueue(t, s, mk("d1", t0), mk("d2", t0))
		d := get(t, s, "d1")
		if d.EndpointID != 1 || d.Kind != notify.KindSLABreach || !bytes.Equal(d.Payload, []byte(`{"id":"d1"}`)) ||
			d.Status != notify.StatusPending || d.Attempts != 0 || !d.NextAttemptAt.Equal(t0) || !d.CreatedAt.Equal(t0) || d.LastError != "" {
			t.Errorf("stored delivery came back as %+v", d)
		}
		if _, err := s.Delivery(ctx, "nope"); !errors.Is(err, ticketcore.ErrNotFound) {
			t.Errorf("missing delivery: %v, want ErrNotFound", err)
		}
	})

	t.Run("ClaimOnlyDueOldestFirstWithLimit", func(t *testing.T) {
		s := newStore(t)
		enqueue(t, s, mk("later", t0.Add(time.Hour)), mk("second", t0.Add(-time.Minute)), mk("first", t0.Add(-time.Hour)), mk("now", t0))
		ds := claim(t, s, t0, 2)
		if got := idsOf(ds); got != "[first second]" {
			t.Fatalf("claimed %s, want [first second]", got)
		}
		for _, d := range ds {
			if d.Lease == "" || !d.LeasedUntil.Equal(t0.Add(lease)) {
				t.Errorf("claimed %s with lease %q until %v, want a token until %v", d.ID, d.Lease, d.LeasedUntil, t0.Add(lease))
			}
		}
		if ds[0].Lease == ds[1].Lease {
			t.Errorf("two deliveries share lease %q", ds[0].Lease)
		}
		if got := idsOf(claim(t, s, t0, 10)); got != "[now]" {
			t.Errorf("second claim: %s, want [now] (the others are leased or not due)", got)
		}
		if got := claim(t, s, t0.Add(30*time.Second), 10); len(got) != 0 {
			t.Errorf("claim within the leases: %s", idsOf(got))
		}
	})

	t.Run("LeaseExpiry", func(t *testing.T) {
		s := newStore(t)
		enqueue(t, s, mk("d", t0))
		first := claim(t, s, t0, 1)
		if len(first) != 1 {
			t.Fatalf("claimed %s", idsOf(first))
		}
		second := claim(t, s, t0.Add(lease), 1)
		if len(second) != 1 || second[0].Lease == first[0].Lease {
			t.Fatalf("after the lease ran out: claimed %s with lease %v, want d under a new lease", idsOf(second), second)
		}
		if err := s.MarkDelivered(ctx, "d", first[0].Lease, t0); !errors.Is(err, notify.ErrLeaseLost) {
			t.Errorf("mark delivered under the expired lease: %v, want ErrLeaseLost", err)
		}
		if err := s.MarkRetry(ctx, "d", first[0].Lease, t0, t0, "x"); !errors.Is(err, notify.ErrLeaseLost) {
			t.Errorf("mark retry under the expired lease: %v, want ErrLeaseLost", err)
		}
		if err := s.MarkFailed(ctx, "d", first[0].Lease, t0, "x"); !errors.Is(err, notify.ErrLeaseLost) {
			t.Errorf("mark failed under the expired lease: %v, want ErrLeaseLost", err)
		}
		if err := s.ReleaseDelivery(ctx, "d", first[0].Lease); !errors.Is(err, notify.ErrLeaseLost) {
			t.Errorf("release under the expired lease: %v, want ErrLeaseLost", err)
		}
		if d := get(t, s, "d"); d.Attempts != 0 || d.Status != notify.StatusPending {
			t.Errorf("refused marks changed the delivery: %+v", d)
		}
		if err := s.MarkDelivered(ctx, "d", second[0].Lease, t0.Add(lease)); err != nil {
			t.Errorf("mark delivered under the current lease: %v", err)
		}
	})

	t.Run("MarkRetry", func(t *testing.T) {
		s := newStore(t)
		enqueue(t, s, mk("d", t0))
		c := claim(t, s, t0, 1)
		next := t0.Add(30 * time.Second)
		if err := s.MarkRetry(ctx, "d", c[0].Lease, t0.Add(time.Second), next, "HTTP 500"); err != nil {
			t.Fatalf("mark retry: %v", err)
		}
		d := get(t, s, "d")
		if d.Status != notify.StatusPending || d.Attempts != 1 || !d.NextAttemptAt.Equal(next) || d.LastError != "HTTP 500" || !d.LastAttemptAt.Equal(t0.Add(time.Second)) {
			t.Errorf("after retry: %+v", d)
		}
		if got := claim(t, s, next.Add(-time.Second), 1); len(got) != 0 {
			t.Errorf("claimed before the next attempt is due: %s", idsOf(got))
		}
		c = claim(t, s, next, 1)
		if len(c) != 1 || c[0].Attempts != 1 {
			t.Fatalf("claim when due: %+v", c)
		}
		if err := s.MarkRetry(ctx, "d", c[0].Lease, next, next.Add(time.Minute), "HTTP 503"); err != nil {
			t.Fatal(err)
		}
		if d := get(t, s, "d"); d.Attempts != 2 || d.LastError != "HTTP 503" {
			t.Errorf("after the second retry: %+v", d)
		}
	})

	t.Run("MarkDeliveredAndFailedAreFinal", func(t *testing.T) {
		s := newStore(t)
		enqueue(t, s, mk("ok", t0), mk("bad", t0))
		c := claim(t, s, t0, 2)
		lease := map[string]string{c[0].ID: c[0].Lease, c[1].ID: c[1].Lease}
		if err := s.MarkRetry(ctx, "ok", lease["ok"], t0, t0, "HTTP 502"); err != nil {
			t.Fatal(err)
		}
		c = claim(t, s, t0, 1)
		if err := s.MarkDelivered(ctx, "ok", c[0].Lease, t0.Add(time.Second)); err != nil {
			t.Fatalf("mark delivered: %v", err)
		}
		if err := s.MarkFailed(ctx, "bad", lease["bad"], t0.Add(time.Second), "HTTP 410: gone"); err != nil {
			t.Fatalf("mark failed: %v", err)
		}
		if d := get(t, s, "ok"); d.Status != notify.StatusDelivered || d.Attempts != 2 || d.LastError != "" {
			t.Errorf("delivered: %+v, want 2 attempts and no error", d)
		}
		if d := get(t, s, "bad"); d.Status != notify.StatusFailed || d.Attempts != 1 || d.LastError != "HTTP 410: gone" {
			t.Errorf("failed: %+v", d)
		}
		if got := claim(t, s, t0.Add(24*time.Hour), 10); len(got) != 0 {
			t.Errorf("claimed finished deliveries: %s", idsOf(got))
		}
		if err := s.MarkDelivered(ctx, "ok", c[0].Lease, t0); !errors.Is(err, notify.ErrLeaseLost) {
			t.Errorf("marking a delivered delivery again: %v, want ErrLeaseLost", err)
		}
	})

	t.Run("Release", func(t *testing.T) {
		s := newStore(t)
		enqueue(t, s, mk("d", t0))
		c := claim(t, s, t0, 1)
		if err := s.ReleaseDelivery(ctx, "d", c[0].Lease); err != nil {
			t.Fatalf("release: %v", err)
		}
		c2 := claim(t, s, t0, 1)
		if len(c2) != 1 || c2[0].Attempts != 0 {
			t.Fatalf("after release, claim at once: %+v, want d with 0 attempts", c2)
		}
	})

	t.Run("ConcurrentClaimsNeverOverlap", func(t *testing.T) {
		s := newStore(t)
		const n = 60
		var ds []notify.Delivery
		for i := range n {
			ds = append(ds, mk(fmt.Sprintf("d%02d", i), t0))
		}
		enqueue(t, s, ds...)
		var mu sync.Mutex
		seen := map[string]int{}
		var wg sync.WaitGroup
		for range 6 {
			wg.Go(func() {
				for {
					got, err := s.ClaimDeliveries(ctx, t0, lease, 4)
					if err != nil {
						t.Errorf("claim: %v", err)
						return
					}
					if len(got) == 0 {
						return
					}
					mu.Lock()
					for _, d := range got {
						seen[d.ID]++
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(seen) != n {
			t.Errorf("claimed %d distinct deliveries, want %d", len(seen), n)
		}
		for id, c := range seen {
			if c != 1 {
				t.Errorf("%s claimed %d times", id, c)
			}
		}
	})
}

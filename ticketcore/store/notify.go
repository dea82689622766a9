package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/google/uuid"

	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/notify"
)

var (
	_ notify.NotificationStore = (*Store)(nil)
	_ notify.EndpointStore     = (*Store)(nil)
	_ notify.DeliveryStore     = (*Store)(nil)
)

// optMicros stores a zero time as 0, the columns' "never".
func optMicros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return micros(t)
}

func fromOptMicros(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return fromMicros(v)
}

// InsertNotification stores an in-app notification.
func (s *Store) InsertNotification(ctx context.Context, n notify.Notification) (int64, error) {
	var id int64
	err := s.writer("insert-notification").QueryRowContext(ctx, n.UserID, string(n.Kind), n.TicketID, n.Title, n.Body,
		micros(n.CreatedAt)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("insert notification: %w", err)
	}
	return id, nil
}

// ListNotifications lists a user's notifications, newest first.
func (s *Store) ListNotifications(ctx context.Context, userID int64, q notify.ListQuery) ([]notify.Notification, error) {
	if q.Limit <= 0 {
		return nil, fmt.Errorf("list notifications: limit %d is not positive", q.Limit)
	}
	unread := 0
	if q.UnreadOnly {
		unread = 1
	}
	rows, err := s.reader("list-notifications").QueryContext(ctx, userID, q.BeforeID, q.BeforeID, unread, q.Limit)
	if err != nil {
		return nil, fmt.Errorf("list notifications: %w", err)
	}
	defer rows.Close()
	out := []notify.Notification{}
	for rows.Next() {
		var n notify.Notification
		var kind string
		var created int64
		var read sql.NullInt64
		if err := rows.Scan(&n.ID, &n.UserID, &kind, &n.TicketID, &n.Title, &n.Body, &created, &read); err != nil {
			return nil, err
		}
		n.Kind, n.CreatedAt = notify.Kind(kind), fromMicros(created)
		if read.Valid {
			r := fromMicros(read.Int64)
			n.ReadAt = &r
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// CountUnread counts a user's unread notifications.
func (s *Store) CountUnread(ctx context.Context, userID int64) (int64, error) {
	var n int64
	err := s.reader("count-unread").QueryRowContext(ctx, userID).Scan(&n)
	return n, err
}

// MarkRead marks one of the user's notifications read, keeping the first read time.
func (s *Store) MarkRead(ctx context.Context, userID, id int64, at time.Time) error {
	res, err := s.writer("mark-read").ExecContext(ctx, micros(at), id, userID)
	if err != nil {
		return fmt.Errorf("mark read: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ticketcore.ErrNotFound
	}
	return nil
}

// MarkAllRead marks the user's unread notifications up to upToID (0: all) read.
func (s *Store) MarkAllRead(ctx context.Context, userID, upToID int64, at time.Time) (int64, error) {
	res, err := s.writer("mark-all-read").ExecContext(ctx, micros(at), userID, upToID, upToID)
	if err != nil {
		return 0, fmt.Errorf("mark all read: %w", err)
	}
	return res.RowsAffected()
}

// SaveEndpoint creates (ID 0) or replaces a webhook endpoint.
func (s *Store) SaveEndpoint(ctx context.Context, e *notify.Endpoint, now time.Time) error {
	kinds, err := json.Marshal(e.Kinds)
	if err != nil {
		return err
	}
	if e.ID == 0 {
		return s.writer("insert-endpoint").QueryRowContext(ctx, e.URL, e.Secret, e.PreviousSecret, string(kinds), e.Active, micros(now)).Scan(&e.ID)
	}
	res, err := s.writer("update-endpoint").ExecContext(ctx, e.URL, e.Secret, e.PreviousSecret, string(kinds), e.Active, e.ID)
	if err != nil {
		return fmt.Errorf("update endpoint: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ticketcore.ErrNotFound
	}
	return nil
}

// DeleteEndpoint removes a webhook endpoint; its pending deliveries fail when claimed.
func (s *Store) DeleteEndpoint(ctx context.Context, id int64) error {
	res, err := s.writer("delete-endpoint").ExecContext(ctx, id)
	if err != nil {
		return fmt.Errorf("delete endpoint: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ticketcore.ErrNotFound
	}
	return nil
}

func scanEndpoint(r rowScanner) (notify.Endpoint, error) {
	var e notify.Endpoint
	var kinds string
	if err := r.Scan(&e.ID, &e.URL, &e.Secret, &e.PreviousSecret, &kinds, &e.Active); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return e, ticketcore.ErrNotFound
		}
		return e, err
	}
	if err := json.Unmarshal([]byte(kinds), &e.Kinds); err != nil {
		return e, fmt.Errorf("decode endpoint kinds: %w", err)
	}
	return e, nil
}

// Endpoint reads one webhook endpoint.
func (s *Store) Endpoint(ctx context.Context, id int64) (notify.Endpoint, error) {
	return scanEndpoint(s.reader("get-endpoint").QueryRowContext(ctx, id))
}

// Endpoints lists every webhook endpoint.
func (s *Store) Endpoints(ctx context.Context) ([]notify.Endpoint, error) {
	rows, err := s.reader("list-endpoints").QueryContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("list endpoints: %w", err)
	}
	defer rows.Close()
	out := []notify.Endpoint{}
	for rows.Next() {
		e, err := scanEndpoint(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// ActiveEndpoints lists the endpoints that receive deliveries.
func (s *Store) ActiveEndpoints(ctx context.Context) ([]notify.Endpoint, error) {
	all, err := s.Endpoints(ctx)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, e := range all {
		if e.Active {
			out = append(out, e)
		}
	}
	return out, nil
}

// EnqueueDeliveries stores deliveries in one transaction.
func (s *Store) EnqueueDeliveries(ctx context.Context, ds []notify.Delivery) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("enqueue deliveries: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after commit it is a no-op
	st := tx.StmtContext(ctx, s.writer("insert-delivery"))
	for _, d := range ds {
		if d.ID == "" {
			return errors.New("enqueue deliveries: a delivery has no id")
		}
		status := d.Status
		if status == "" {
			status = notify.StatusPending
		}
		if _, err := st.ExecContext(ctx, d.ID, d.EndpointID, string(d.Kind), string(d.Payload), string(status), d.Attempts,
			micros(d.NextAttemptAt), micros(d.CreatedAt)); err != nil {
			if isUnique(err) {
				return fmt.Errorf("enqueue deliveries: duplicate id %q", d.ID)
			}
			return fmt.Errorf("enqueue deliveries: %w", err)
		}
	}
	return tx.Commit()
}

func scanDelivery(r rowScanner) (notify.Delivery, error) {
	var d notify.Delivery
	var kind, payload, status string
	var next, last, created, leased int64
	if err := r.Scan(&d.ID, &d.EndpointID, &kind, &payload, &status, &d.Attempts, &next, &last, &d.LastError, &created,
		&d.Lease, &leased); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return d, ticketcore.ErrNotFound
		}
		return d, err
	}
	d.Kind, d.Payload, d.Status = notify.Kind(kind), json.RawMessage(payload), notify.DeliveryStatus(status)
	d.NextAttemptAt, d.LastAttemptAt, d.CreatedAt, d.LeasedUntil = fromMicros(next), fromOptMicros(last), fromMicros(created), fromOptMicros(leased)
	return d, nil
}

// ClaimDeliveries leases up to limit due deliveries, oldest first.
func (s *Store) ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]notify.Delivery, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("claim deliveries: limit %d is not positive", limit)
	}
	token := uuid.NewString() + ":" // each row's lease is this token and its id
	rows, err := s.writer("claim-deliveries").QueryContext(ctx, token, micros(now.Add(lease)), micros(now), micros(now), limit)
	if err != nil {
		return nil, fmt.Errorf("claim deliveries: %w", err)
	}
	defer rows.Close()
	var out []notify.Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// RETURNING gives no order; hand them out oldest first as promised.
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].NextAttemptAt.Equal(out[j].NextAttemptAt) {
			return out[i].NextAttemptAt.Before(out[j].NextAttemptAt)
		}
		return out[i].CreatedAt.Before(out[j].CreatedAt)
	})
	return out, nil
}

func (s *Store) recordDelivery(ctx context.Context, id, lease string, status notify.DeliveryStatus, next, at time.Time, lastErr string) error {
	res, err := s.writer("record-delivery").ExecContext(ctx, string(status), micros(next), lastErr, micros(at), id, lease)
	if err != nil {
		return fmt.Errorf("record delivery %s: %w", id, err)
	}
	return s.leaseOutcome(ctx, res, id)
}

// leaseOutcome tells a missing delivery from one whose lease was lost.
func (s *Store) leaseOutcome(ctx context.Context, res sql.Result, id string) error {
	if n, _ := res.RowsAffected(); n > 0 {
		return nil
	}
	if _, err := s.Delivery(ctx, id); err != nil {
		return err
	}
	return notify.ErrLeaseLost
}

// MarkDelivered records a successful send.
func (s *Store) MarkDelivered(ctx context.Context, id, lease string, at time.Time) error {
	d, err := s.Delivery(ctx, id)
	if err != nil {
		return err
	}
	return s.recordDelivery(ctx, id, lease, notify.StatusDelivered, d.NextAttemptAt, at, "")
}

// MarkRetry records a failed attempt to be retried at next.
func (s *Store) MarkRetry(ctx context.Context, id, lease string, at, next time.Time, lastErr string) error {
	return s.recordDelivery(ctx, id, lease, notify.StatusPending, next, at, lastErr)
}

// MarkFailed records a delivery that will not be retried.
func (s *Store) MarkFailed(ctx context.Context, id, lease string, at time.Time, lastErr string) error {
	d, err := s.Delivery(ctx, id)
	if err != nil {
		return err
	}
	return s.recordDelivery(ctx, id, lease, notify.StatusFailed, d.NextAttemptAt, at, lastErr)
}

// ReleaseDelivery gives a leased delivery back without counting an attempt.
func (s *Store) ReleaseDelivery(ctx context.Context, id, lease string) error {
	res, err := s.writer("release-delivery").ExecContext(ctx, id, lease)
	if err != nil {
		return fmt.Errorf("release delivery %s: %w", id, err)
	}
	return s.leaseOutcome(ctx, res, id)
}

// Delivery reads one delivery.
func (s *Store) Delivery(ctx context.Context, id string) (notify.Delivery, error) {
	return scanDelivery(s.reader("get-delivery").QueryRowContext(ctx, id))
}

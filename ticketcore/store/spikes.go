package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/deskmine/deskmine/ticketcore"
)

// Spike alerts: the analytics spike watcher (wired in cmd/deskmine) claims
// each spike here before telling anyone, so that of several server
// instances, and across restarts, a spike is told once. A spike is named by
// its dimension, value and bucket start; the store knows nothing else of it.

// ClaimSpikeAlert records the spike (dimension, value, bucket) with its
// JSON and reports whether this call recorded it: false means someone
// claimed it before. The insert either happens or not, so two racing
// claims cannot both win.
func (s *Store) ClaimSpikeAlert(ctx context.Context, dimension, value string, bucket time.Time, spike []byte, now time.Time) (bool, error) {
	res, err := s.writer("claim-spike-alert").ExecContext(ctx, dimension, value, micros(bucket), string(spike), micros(now))
	if err != nil {
		return false, fmt.Errorf("claim spike alert: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("claim spike alert: %w", err)
	}
	return n == 1, nil
}

// ReleaseSpikeAlert drops a claim, so that the spike can be claimed again:
// the claimant could not tell anyone. Releasing an unclaimed spike is no
// error.
func (s *Store) ReleaseSpikeAlert(ctx context.Context, dimension, value string, bucket time.Time) error {
	if _, err := s.writer("release-spike-alert").ExecContext(ctx, dimension, value, micros(bucket)); err != nil {
		return fmt.Errorf("release spike alert: %w", err)
	}
	return nil
}

// SpikeAlert returns the JSON and the claim time of a claimed spike, or
// ticketcore.ErrNotFound.
func (s *Store) SpikeAlert(ctx context.Context, dimension, value string, bucket time.Time) ([]byte, time.Time, error) {
	var spike string
	var at int64
	err := s.reader("spike-alert").QueryRowContext(ctx, dimension, value, micros(bucket)).Scan(&spike, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, time.Time{}, ticketcore.ErrNotFound
	}
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("read spike alert: %w", err)
	}
	return []byte(spike), fromMicros(at), nil
}

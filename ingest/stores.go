package ingest

import (
	"context"
	"errors"
	"time"

	"github.com/deskmine/deskmine/ticketcore/events"
)

// The persistence the stream needs, as small interfaces: the ticket store
// (ticketcore/store) implements them on SQLite and PostgreSQL, and this
// package never imports it. cmd/deskmine passes the store in.

// EventLog is the ticket store's event log (the outbox).
type EventLog interface {
	// ReadLog returns up to limit records with seq > after, in seq order.
	ReadLog(ctx context.Context, after int64, limit int) ([]events.Record, error)
	// LogHead returns the highest seq in the log, 0 when it is empty.
	LogHead(ctx context.Context) (int64, error)
}

// CursorStore keeps how far each reader of the log has got.
type CursorStore interface {
	// Cursor returns the last seq the named reader processed, 0 when none.
	Cursor(ctx context.Context, name string) (int64, error)
	SaveCursor(ctx context.Context, name string, seq int64) error
}

// LeaseStore lets one of several relay instances be the active one.
type LeaseStore interface {
	// TryLease takes the lease when free or expired, or renews it when
	// holder has it, and reports whether holder has it afterwards.
	TryLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
	ReleaseLease(ctx context.Context, name, holder string) error
	// SaveCursorLeased saves a cursor only while holder has the lease;
	// otherwise it returns an error for which LeaseLost reports true.
	SaveCursorLeased(ctx context.Context, lease, holder, cursor string, seq int64) error
}

// LogPruner deletes published events from the log.
type LogPruner interface {
	// PruneLog deletes events with seq <= upTo stored before olderThan and
	// returns how many.
	PruneLog(ctx context.Context, upTo int64, olderThan time.Time) (int64, error)
}

// DeadLetterStore keeps the events consumers gave up on.
type DeadLetterStore interface {
	// ParkDeadLetter stores d and sets d.ID; parking the same consumer,
	// partition and offset again replaces the earlier letter.
	ParkDeadLetter(ctx context.Context, d *events.DeadLetter) error
	// UnresolvedDeadLetters pages through a consumer's unreplayed letters by id.
	UnresolvedDeadLetters(ctx context.Context, consumer string, afterID int64, limit int) ([]events.DeadLetter, error)
	MarkDeadLetterReplayed(ctx context.Context, id int64, at time.Time) error
	UpdateDeadLetter(ctx context.Context, id int64, errMsg string, attempts int) error
}

// LeaseLost reports whether err says a lease was lost: it, or an error it
// wraps, has a method LeaseLost() bool that returns true (the store's
// ErrLeaseLost does).
func LeaseLost(err error) bool {
	var l interface{ LeaseLost() bool }
	return errors.As(err, &l) && l.LeaseLost()
}

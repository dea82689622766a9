package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/deskmine/deskmine/ticketcore/events"
)

// The event log as a stream source (ingest): raw reads by seq, consumer
// cursors, the lease that lets one relay of several publish, dead letters and
// pruning of published events. The methods match small interfaces declared in
// ingest, which must not import this package.

// ErrLeaseLost says a write that needs a lease was refused because the caller
// no longer holds it. It has a method LeaseLost() bool, so callers can
// recognise it without importing this package.
var ErrLeaseLost error = leaseLostError{}

type leaseLostError struct{}

func (leaseLostError) Error() string   { return "lease lost" }
func (leaseLostError) LeaseLost() bool { return true }

// ReadLog returns up to limit events with seq > after in seq order, undecoded.
// The payload was written before the database assigned seq, so its "seq" is
// filled in here: relays and consumers of the stream then see the real one.
func (s *Store) ReadLog(ctx context.Context, after int64, limit int) ([]events.Record, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("read log: limit %d is not positive", limit)
	}
	rows, err := s.reader("read-log").QueryContext(ctx, after, limit)
	if err != nil {
		return nil, fmt.Errorf("read log: %w", err)
	}
	defer rows.Close()
	out := make([]events.Record, 0, min(limit, 1024))
	for rows.Next() {
		var r events.Record
		var recorded int64
		var payload string
		if err := rows.Scan(&r.Seq, &r.TicketID, &recorded, &payload); err != nil {
			return nil, fmt.Errorf("read log: %w", err)
		}
		r.RecordedAt = fromMicros(recorded)
		r.Payload = withSeq([]byte(payload), r.Seq)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read log: %w", err)
	}
	return out, nil
}

// withSeq replaces the value of the top-level "seq" key of a JSON object.
// It works on the bytes rather than decoding into events.Event so that
// fields this build does not know (a newer writer during a rolling upgrade)
// travel on untouched. A payload that is not such an object is returned as
// it is: the consumer parks it.
func withSeq(payload []byte, seq int64) []byte {
	dec := json.NewDecoder(bytes.NewReader(payload))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return payload
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return payload
		}
		key, _ := tok.(string)
		start := dec.InputOffset() // just after the key; the value follows a colon
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return payload
		}
		if key != "seq" {
			continue
		}
		end := dec.InputOffset()
		out := make([]byte, 0, len(payload)+20)
		out = append(out, payload[:start]...)
		out = append(out, ':')
		out = strconv.AppendInt(out, seq, 10)
		return append(out, payload[end:]...)
	}
	return payload
}

// LogHead returns the highest seq in the log, 0 when it is empty.
func (s *Store) LogHead(ctx context.Context) (int64, error) {
	var head int64
	if err := s.reader("log-head").QueryRowContext(ctx).Scan(&head); err != nil {
		return 0, fmt.Errorf("log head: %w", err)
	}
	return head, nil
}

// Cursor returns the seq a reader of the log has processed up to, 0 when it
// has none yet.
func (s *Store) Cursor(ctx context.Context, name string) (int64, error) {
	var seq int64
	err := s.reader("get-cursor").QueryRowContext(ctx, name).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("cursor %s: %w", name, err)
	}
	return seq, nil
}

// SaveCursor records that the reader name has processed the log up to seq.
func (s *Store) SaveCursor(ctx context.Context, name string, seq int64) error {
	if _, err := s.writer("save-cursor").ExecContext(ctx, name, seq, micros(time.Now())); err != nil {
		return fmt.Errorf("save cursor %s: %w", name, err)
	}
	return nil
}

// TryLease takes the lease name for holder when it is free or expired, or
// renews it when holder has it, for ttl from now. It reports whether holder
// has the lease afterwards. Instances' clocks must agree to well within ttl.
func (s *Store) TryLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	if holder == "" || ttl <= 0 {
		return false, fmt.Errorf("lease %s: holder must be set and ttl positive", name)
	}
	now := time.Now()
	res, err := s.writer("try-lease").ExecContext(ctx, name, holder, micros(now.Add(ttl)), micros(now))
	if err != nil {
		return false, fmt.Errorf("lease %s: %w", name, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("lease %s: %w", name, err)
	}
	return n == 1, nil
}

// ReleaseLease gives the lease up if holder has it, so another instance can
// take over at once instead of after the ttl.
func (s *Store) ReleaseLease(ctx context.Context, name, holder string) error {
	if _, err := s.writer("release-lease").ExecContext(ctx, name, holder); err != nil {
		return fmt.Errorf("release lease %s: %w", name, err)
	}
	return nil
}

// SaveCursorLeased saves a cursor only while holder has the unexpired lease;
// otherwise it returns an error wrapping ErrLeaseLost and writes nothing. The
// lease row is locked for the transaction, so a takeover cannot slip in
// between the check and the write.
func (s *Store) SaveCursorLeased(ctx context.Context, lease, holder, cursor string, seq int64) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("save cursor %s: %w", cursor, err)
	}
	defer tx.Rollback() //nolint:errcheck // after commit it is a no-op
	var got string
	var expires int64
	err = tx.StmtContext(ctx, s.writer("lease-for-update")).QueryRowContext(ctx, lease).Scan(&got, &expires)
	now := time.Now()
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("save cursor %s: lease %s is free: %w", cursor, lease, ErrLeaseLost)
	case err != nil:
		return fmt.Errorf("save cursor %s: %w", cursor, err)
	case got != holder:
		return fmt.Errorf("save cursor %s: lease %s is held by %s: %w", cursor, lease, got, ErrLeaseLost)
	case expires <= micros(now):
		return fmt.Errorf("save cursor %s: lease %s expired: %w", cursor, lease, ErrLeaseLost)
	}
	if _, err := tx.StmtContext(ctx, s.writer("save-cursor")).ExecContext(ctx, cursor, seq, micros(now)); err != nil {
		return fmt.Errorf("save cursor %s: %w", cursor, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("save cursor %s: commit: %w", cursor, err)
	}
	return nil
}

// cleanText makes an error message storable in a TEXT column on both
// databases: PostgreSQL refuses NUL bytes and invalid UTF-8, which an error
// quoting a broken payload may contain.
func cleanText(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

// ParkDeadLetter stores an event a consumer gave up on and sets d.ID. Parking
// the same place of the stream (consumer, partition, offset) again replaces
// the earlier letter and makes it unresolved again, so a consumer that parks
// and then crashes before its commit does not leave two letters.
func (s *Store) ParkDeadLetter(ctx context.Context, d *events.DeadLetter) error {
	if d.Consumer == "" {
		return errors.New("park dead letter: consumer is empty")
	}
	if d.ParkedAt.IsZero() {
		d.ParkedAt = time.Now()
	}
	payload := d.Payload
	if payload == nil {
		payload = []byte{}
	}
	err := s.writer("park-dead-letter").QueryRowContext(ctx, d.Consumer, d.Partition, d.Offset, cleanText(d.EventID),
		d.TicketID, payload, cleanText(d.Error), d.Attempts, micros(d.ParkedAt)).Scan(&d.ID)
	if err != nil {
		return fmt.Errorf("park dead letter: %w", err)
	}
	d.ReplayedAt = nil
	return nil
}

// DeadLetters lists a consumer's dead letters, unresolved ones first, oldest
// first within each group; replayed ones only when includeReplayed is set.
func (s *Store) DeadLetters(ctx context.Context, consumer string, includeReplayed bool, limit int) ([]events.DeadLetter, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("list dead letters: limit %d is not positive", limit)
	}
	all := 0
	if includeReplayed {
		all = 1
	}
	return s.queryDeadLetters(ctx, "list-dead-letters", consumer, all, limit)
}

// UnresolvedDeadLetters pages through a consumer's unresolved dead letters
// by id, for replaying them all once even when some fail again.
func (s *Store) UnresolvedDeadLetters(ctx context.Context, consumer string, afterID int64, limit int) ([]events.DeadLetter, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("list dead letters: limit %d is not positive", limit)
	}
	return s.queryDeadLetters(ctx, "unresolved-dead-letters", consumer, afterID, limit)
}

func (s *Store) queryDeadLetters(ctx context.Context, query string, args ...any) ([]events.DeadLetter, error) {
	rows, err := s.reader(query).QueryContext(ctx, args...)
	if err != nil {
		return nil, fmt.Errorf("list dead letters: %w", err)
	}
	defer rows.Close()
	out := []events.DeadLetter{}
	for rows.Next() {
		var d events.DeadLetter
		var parked int64
		var replayed sql.NullInt64
		if err := rows.Scan(&d.ID, &d.Consumer, &d.Partition, &d.Offset, &d.EventID, &d.TicketID, &d.Payload,
			&d.Error, &d.Attempts, &parked, &replayed); err != nil {
			return nil, fmt.Errorf("list dead letters: %w", err)
		}
		d.ParkedAt = fromMicros(parked)
		if replayed.Valid {
			t := fromMicros(replayed.Int64)
			d.ReplayedAt = &t
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list dead letters: %w", err)
	}
	return out, nil
}

// MarkDeadLetterReplayed records that a dead letter was handled on replay.
func (s *Store) MarkDeadLetterReplayed(ctx context.Context, id int64, at time.Time) error {
	if _, err := s.writer("mark-dead-letter-replayed").ExecContext(ctx, micros(at), id); err != nil {
		return fmt.Errorf("mark dead letter %d replayed: %w", id, err)
	}
	return nil
}

// UpdateDeadLetter records the error and attempt count of a failed replay.
func (s *Store) UpdateDeadLetter(ctx context.Context, id int64, errMsg string, attempts int) error {
	if _, err := s.writer("update-dead-letter").ExecContext(ctx, cleanText(errMsg), attempts, id); err != nil {
		return fmt.Errorf("update dead letter %d: %w", id, err)
	}
	return nil
}

// PruneLog deletes events with seq <= upTo that were stored before
// olderThan, and returns how many. The caller passes as upTo the lowest
// cursor of every reader of the log (the relay's and each log consumer's),
// so nothing is deleted that a reader still needs. The newest event is
// always kept, so LogHead stays right.
func (s *Store) PruneLog(ctx context.Context, upTo int64, olderThan time.Time) (int64, error) {
	res, err := s.writer("prune-log").ExecContext(ctx, upTo, micros(olderThan))
	if err != nil {
		return 0, fmt.Errorf("prune log: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("prune log: %w", err)
	}
	return n, nil
}

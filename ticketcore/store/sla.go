package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/deskmine/deskmine/ticketcore"
)

func scanSLAState(r rowScanner) (*ticketcore.SLAState, error) {
	var s ticketcore.SLAState
	var state string
	var next sql.NullInt64
	var at int64
	if err := r.Scan(&s.TicketID, &s.Policy, &s.Version, &state, &next, &at); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ticketcore.ErrNotFound
		}
		return nil, err
	}
	s.State, s.UpdatedAt = json.RawMessage(state), fromMicros(at)
	if next.Valid {
		t := fromMicros(next.Int64)
		s.NextDue = &t
	}
	return &s, nil
}

// SLAState reads a ticket's SLA state.
func (s *Store) SLAState(ctx context.Context, ticketID int64) (*ticketcore.SLAState, error) {
	return scanSLAState(s.reader("get-sla-clocks").QueryRowContext(ctx, ticketID))
}

// DueSLAStates pages through the SLA states with something due by dueBy, by
// ticket id.
func (s *Store) DueSLAStates(ctx context.Context, afterID int64, dueBy time.Time, limit int) ([]ticketcore.SLAState, error) {
	rows, err := s.reader("list-due-sla-clocks").QueryContext(ctx, micros(dueBy), afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("list sla clocks: %w", err)
	}
	defer rows.Close()
	out := []ticketcore.SLAState{}
	for rows.Next() {
		st, err := scanSLAState(rows)
		if err != nil {
			return nil, fmt.Errorf("list sla clocks: %w", err)
		}
		out = append(out, *st)
	}
	return out, rows.Err()
}

func (t *tx) SLAStateForUpdate(ctx context.Context, ticketID int64) (*ticketcore.SLAState, error) {
	st, err := scanSLAState(t.stmt(ctx, "get-sla-clocks-for-update").QueryRowContext(ctx, ticketID))
	if errors.Is(err, ticketcore.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read sla clocks of ticket %d: %w", ticketID, err)
	}
	return st, nil
}

// SaveSLAState inserts or replaces a ticket's SLA state; a version not above
// the stored one is a conflict.
func (t *tx) SaveSLAState(ctx context.Context, st *ticketcore.SLAState) error {
	var next any
	if st.NextDue != nil {
		next = micros(*st.NextDue)
	}
	res, err := t.stmt(ctx, "save-sla-clocks").ExecContext(ctx, st.TicketID, st.Policy, st.Version, string(st.State), next,
		micros(st.UpdatedAt))
	if err != nil {
		return fmt.Errorf("save sla clocks of ticket %d: %w", st.TicketID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return ticketcore.ErrConflict
	}
	return nil
}

func (t *tx) MarkSLAFired(ctx context.Context, ticketID int64, key string, at time.Time) (bool, error) {
	res, err := t.stmt(ctx, "insert-sla-fired").ExecContext(ctx, key, ticketID, micros(at))
	if err != nil {
		return false, fmt.Errorf("mark %s fired: %w", key, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	return n == 1, nil
}

package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/desk"
)

var _ desk.Store = (*Store)(nil)

// AssignedLoads counts assigned tickets by state, assignee and priority in
// one read transaction, together with the highest event seq it sees. On
// PostgreSQL the transaction is REPEATABLE READ so that both statements see
// the same snapshot; SQLite's read transaction is a snapshot already (WAL).
func (s *Store) AssignedLoads(ctx context.Context, statuses []string) (desk.LoadSnapshot, error) {
	var opts *sql.TxOptions
	if s.d.name == "postgres" {
		opts = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	tx, err := s.read.BeginTx(ctx, opts)
	if err != nil {
		return desk.LoadSnapshot{}, fmt.Errorf("assigned loads: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only
	var snap desk.LoadSnapshot
	if err := tx.StmtContext(ctx, s.reader("desk-max-seq")).QueryRowContext(ctx).Scan(&snap.Seq); err != nil {
		return desk.LoadSnapshot{}, fmt.Errorf("assigned loads: %w", err)
	}
	counts := map[[2]string]int{}
	var order [][2]string
	for _, st := range statuses {
		rows, err := tx.StmtContext(ctx, s.reader("desk-assigned-counts")).QueryContext(ctx, st)
		if err != nil {
			return desk.LoadSnapshot{}, fmt.Errorf("assigned loads: %w", err)
		}
		for rows.Next() {
			var k [2]string
			var n int
			if err := rows.Scan(&k[0], &k[1], &n); err != nil {
				rows.Close()
				return desk.LoadSnapshot{}, err
			}
			if _, seen := counts[k]; !seen {
				order = append(order, k)
			}
			counts[k] += n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return desk.LoadSnapshot{}, err
		}
	}
	for _, k := range order {
		snap.Counts = append(snap.Counts, desk.AssignedCount{Assignee: k[0], Priority: k[1], Count: counts[k]})
	}
	return snap, nil
}

// TicketsInStates lists an assignee's tickets, or a team's unassigned ones,
// in the given states: most urgent priority first, then oldest, at most
// q.Limit per state.
func (s *Store) TicketsInStates(ctx context.Context, q desk.TicketQuery) ([]ticketcore.Ticket, error) {
	if q.Limit <= 0 {
		q.Limit = 1000
	}
	out := []ticketcore.Ticket{}
	for _, st := range q.Statuses {
		var rows *sql.Rows
		var err error
		if q.Assignee != "" {
			rows, err = s.reader("desk-assigned-tickets").QueryContext(ctx, st, q.Assignee, q.Limit)
		} else {
			rows, err = s.reader("desk-team-unassigned").QueryContext(ctx, st, q.Team, q.Limit)
		}
		if err != nil {
			return nil, fmt.Errorf("tickets in state %s: %w", st, err)
		}
		for rows.Next() {
			var id int64
			var doc string
			if err := rows.Scan(&id, &doc); err != nil {
				rows.Close()
				return nil, err
			}
			t, err := decodeTicket(id, doc)
			if err != nil {
				rows.Close()
				return nil, err
			}
			out = append(out, *t)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// RecentAssignees maps customers to the assignee of their most recently
// updated assigned ticket among those updated since the time given.
func (s *Store) RecentAssignees(ctx context.Context, since time.Time) (map[int64]string, error) {
	rows, err := s.reader("desk-recent-assignees").QueryContext(ctx, micros(since))
	if err != nil {
		return nil, fmt.Errorf("recent assignees: %w", err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var c int64
		var a string
		if err := rows.Scan(&c, &a); err != nil {
			return nil, err
		}
		out[c] = a
	}
	return out, rows.Err()
}

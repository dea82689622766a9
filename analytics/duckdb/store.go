// Package duckdb is the embedded analytics store: one DuckDB file under the
// data directory, written by one process.
//
// Apply runs in one transaction on a dedicated connection: it reads the
// stored latest state of the batch's tickets, derives all rows in Go
// (analytics.Derive) and writes each table through an appender whose rows
// feed an INSERT, so a batch is applied entirely or not at all. Applying it
// again changes nothing: the tickets table is the watermark and commits
// with the rest, so an event row exists exactly when its ticket's stored
// version has reached it, and Derive skips such events. The event and SLA
// tables therefore need no primary key (dropping them doubled Apply's
// speed); intervals and tickets have one, for the rows that a later event
// replaces (INSERT OR REPLACE). Applies are serialised (DuckDB would abort one of two
// transactions touching the same rows); queries run on other connections.
package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	duck "github.com/duckdb/duckdb-go/v2"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/analytics/internal/sqlfile"
	"github.com/deskmine/deskmine/ticketcore/events"
)

//go:embed queries.sql migrations/*.sql
var files embed.FS

// tables in write order: tickets last, like on ClickHouse.
var tables = []string{analytics.TableEvents, analytics.TableIntervals, analytics.TableSLA, analytics.TableTickets}

var queryNames = []string{"create-migrations", "applied-migrations", "record-migration", "columns", "prior",
	"insert-events", "insert-intervals", "insert-sla_outcomes", "insert-tickets", "seen",
	"check-events", "check-events-by-type", "check-tickets", "check-tickets-by-status", "check-intervals",
	"check-interval-ms-by-status", "check-interval-ms-by-team", "check-sla", "check-days", "check-tail"}

// Store is the DuckDB analytics store.
type Store struct {
	*analytics.Readers // hotspots, repeats, pain points, time travel, root causes

	db  *sql.DB
	q   map[string]string
	log *slog.Logger

	mu sync.Mutex // one writer: Apply, Reset, Migrate
	w  *sql.Conn  // the writer's connection

	failAfter string // set by tests: fail Apply after writing this table
}

var (
	_ analytics.Store    = (*Store)(nil)
	_ analytics.Migrator = (*Store)(nil)
)

// Open opens (or creates) the DuckDB file at path, applies the schema
// migrations and checks that the tables have the columns the code writes.
// DuckDB locks the file: a second process cannot open it while this one has it.
func Open(ctx context.Context, path string) (*Store, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
	}
	db, err := sql.Open("duckdb", path)
	if err != nil {
		return nil, fmt.Errorf("open duckdb %s: %w", path, err)
	}
	s := &Store{db: db, log: slog.Default().With("store", "duckdb", "path", path)}
	if err := s.init(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.newReaders(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) init(ctx context.Context) error {
	q, err := sqlfile.Queries(files, "queries.sql")
	if err != nil {
		return err
	}
	if err := sqlfile.Need(q, queryNames...); err != nil {
		return err
	}
	s.q = q
	if s.w, err = s.db.Conn(ctx); err != nil {
		return fmt.Errorf("open duckdb connection: %w", err)
	}
	// DuckDB checkpoints when the WAL passes 16 MB by default, rewriting
	// the primary-key indexes each time: that took most of an Apply of 20k
	// events. A larger WAL costs only replay time after a crash.
	if _, err := s.w.ExecContext(ctx, "SET checkpoint_threshold = '256MB'"); err != nil {
		return fmt.Errorf("set checkpoint_threshold: %w", err)
	}
	if _, err := s.Migrate(ctx); err != nil {
		return err
	}
	return s.checkColumns(ctx)
}

// checkColumns fails start-up when a table's columns differ from the Go
// column lists: the appenders write by position.
func (s *Store) checkColumns(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, s.q["columns"])
	if err != nil {
		return fmt.Errorf("read columns: %w", err)
	}
	defer rows.Close()
	got, err := sqlfile.ReadColumns(rows)
	if err != nil {
		return err
	}
	return analytics.CheckColumns(got)
}

// Migrate applies the migrations not recorded in schema_migrations, each
// with its record in one transaction.
func (s *Store) Migrate(ctx context.Context) ([]int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	migs, err := sqlfile.Migrations(files, "migrations")
	if err != nil {
		return nil, err
	}
	if _, err := s.w.ExecContext(ctx, s.q["create-migrations"]); err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	rows, err := s.w.QueryContext(ctx, s.q["applied-migrations"])
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	done, err := sqlfile.ReadVersions(rows)
	rows.Close()
	if err != nil {
		return nil, err
	}
	var applied []int
	for _, m := range migs {
		if done[m.Version] {
			continue
		}
		err := s.inTx(ctx, func() error {
			for _, stmt := range m.Statements {
				if _, err := s.w.ExecContext(ctx, stmt); err != nil {
					return err
				}
			}
			_, err := s.w.ExecContext(ctx, s.q["record-migration"], m.Version, m.Name, time.Now().UTC())
			return err
		})
		if err != nil {
			return applied, fmt.Errorf("migration %s: %w", m.Name, err)
		}
		s.log.InfoContext(ctx, "applied migration", "version", m.Version, "name", m.Name)
		applied = append(applied, m.Version)
	}
	return applied, nil
}

// inTx runs fn in a transaction of the writer's connection; the caller
// holds s.mu. BEGIN is sent as SQL so that the appenders, which use the
// raw connection, write inside it.
func (s *Store) inTx(ctx context.Context, fn func() error) (err error) {
	if _, err := s.w.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(); err != nil {
		// A cancelled ctx must not keep the transaction open.
		if _, rerr := s.w.ExecContext(context.WithoutCancel(ctx), "ROLLBACK"); rerr != nil {
			err = errors.Join(err, fmt.Errorf("rollback: %w", rerr))
		}
		return err
	}
	if _, err := s.w.ExecContext(ctx, "COMMIT"); err != nil {
		_, _ = s.w.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Apply implements analytics.Store.
func (s *Store) Apply(ctx context.Context, evs []events.Event) error {
	b, err := analytics.Prepare(evs)
	if err != nil {
		return err
	}
	if b.Len() == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inTx(ctx, func() error {
		prior, err := s.prior(ctx, b.TicketIDs())
		if err != nil {
			return err
		}
		r := analytics.Derive(b, prior)
		if err := writeTable(ctx, s, analytics.TableEvents, r.Events, analytics.EventColumns); err != nil {
			return err
		}
		if err := writeTable(ctx, s, analytics.TableIntervals, r.Intervals, analytics.IntervalColumns); err != nil {
			return err
		}
		if err := writeTable(ctx, s, analytics.TableSLA, r.SLA, analytics.SLAColumns); err != nil {
			return err
		}
		return writeTable(ctx, s, analytics.TableTickets, r.Tickets, analytics.TicketColumns)
	})
}

func (s *Store) prior(ctx context.Context, ids []int64) (map[int64]analytics.TicketRow, error) {
	rows, err := s.w.QueryContext(ctx, s.q["prior"], ids)
	if err != nil {
		return nil, fmt.Errorf("read stored tickets: %w", err)
	}
	defer rows.Close()
	out := make(map[int64]analytics.TicketRow, len(ids))
	for rows.Next() {
		var t analytics.TicketRow
		if err := rows.Scan(analytics.PriorDests(&t)...); err != nil {
			return nil, fmt.Errorf("read stored tickets: %w", err)
		}
		analytics.NormalizePrior(&t)
		out[t.TicketID] = t
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read stored tickets: %w", err)
	}
	return out, nil
}

// writeTable appends rows into the table's insert query (the appender
// batches them into chunks and runs the query per chunk).
func writeTable[R any](ctx context.Context, s *Store, table string, rows []R, cols []analytics.Column[R]) error {
	if len(rows) > 0 {
		err := s.w.Raw(func(dc any) error {
			a, err := duck.NewTableAppender(dc.(driver.Conn), s.q["insert-"+table], "", "", table, nil)
			if err != nil {
				return err
			}
			vals := make([]driver.Value, len(cols))
			for i := range rows {
				for j, c := range cols {
					vals[j] = c.Value(&rows[i])
				}
				if err := a.AppendRow(vals...); err != nil {
					a.Close()
					return err
				}
			}
			return a.CloseWithCancel(ctx)
		})
		if err != nil {
			return fmt.Errorf("insert %s: %w", table, err)
		}
	}
	if s.failAfter == table {
		return fmt.Errorf("insert %s: injected failure", table)
	}
	return nil
}

// Reset implements analytics.Store; the schema and its migrations stay.
func (s *Store) Reset(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inTx(ctx, func() error {
		for _, t := range tables {
			if _, err := s.w.ExecContext(ctx, "DELETE FROM "+t); err != nil {
				return fmt.Errorf("reset %s: %w", t, err)
			}
		}
		return nil
	})
}

// Seen implements analytics.Store.
func (s *Store) Seen(ctx context.Context, ticketID, version int64) (bool, error) {
	var n int64
	if err := s.db.QueryRowContext(ctx, s.q["seen"], ticketID, version).Scan(&n); err != nil {
		return false, fmt.Errorf("seen %d@%d: %w", ticketID, version, err)
	}
	return n > 0, nil
}

// Check implements analytics.Store.
func (s *Store) Check(ctx context.Context) (*analytics.CheckResult, error) {
	one := func(name string, dest ...any) error {
		if err := s.db.QueryRowContext(ctx, s.q[name]).Scan(dest...); err != nil {
			return fmt.Errorf("check %s: %w", name, err)
		}
		return nil
	}
	each := func(name string, fn func(key string, n int64)) error {
		rows, err := s.db.QueryContext(ctx, s.q[name])
		if err != nil {
			return fmt.Errorf("check %s: %w", name, err)
		}
		defer rows.Close()
		for rows.Next() {
			var k string
			var n int64
			if err := rows.Scan(&k, &n); err != nil {
				return fmt.Errorf("check %s: %w", name, err)
			}
			fn(k, n)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("check %s: %w", name, err)
		}
		return nil
	}
	return analytics.RunChecks(one, each)
}

// Close implements analytics.Store.
func (s *Store) Close() error {
	var errs []error
	if s.w != nil {
		errs = append(errs, s.w.Close())
	}
	errs = append(errs, s.db.Close())
	return errors.Join(errs...)
}

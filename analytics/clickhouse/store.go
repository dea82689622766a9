// Package clickhouse is the scale-out analytics store on ClickHouse (18.16
// and current), written through the Native protocol with clickhouse-go.
//
// Writes are idempotent without reading what is there: every table but one
// is a ReplacingMergeTree keyed by the row's identity and read with FINAL
// where a duplicate could count twice. An Apply reads the stored latest
// state of its batch's tickets (one query), derives all rows in Go
// (analytics.Derive) and inserts one block per table, ticket_state last: it
// is the watermark, so a batch cut short by a crash is recomputed in full
// by its retry and the rows written twice collapse. ticket_state (see
// migration 6) is the exception: a CollapsingMergeTree read without FINAL,
// whose block for a batch is written whole or not at all, and only for
// versions above the watermark.
package clickhouse

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/analytics/internal/sqlfile"
	"github.com/deskmine/deskmine/ticketcore/events"
)

//go:embed queries.sql migrations/*.sql
var files embed.FS

var queryNames = []string{"create-migrations", "applied-migrations", "record-migration", "columns", "seen",
	"check-events", "check-events-by-type", "check-tickets", "check-tickets-by-status", "check-intervals",
	"check-interval-ms-by-status", "check-interval-ms-by-team", "check-sla", "check-days", "check-tail"}

// Table names and their insert statements, with explicit column lists
// (clickhouse-go refuses a bare INSERT INTO t at Append).
var tables = []string{analytics.TableEvents, tableTickets, analytics.TableIntervals, analytics.TableSLA, tableLongIntervals,
	tableResolutionDays, tableState}

// Store is the ClickHouse analytics store.
type Store struct {
	*analytics.Readers // hotspots, repeats, pain points, time travel, root causes

	conn    driver.Conn
	db      string
	q       map[string]string
	inserts map[string]string
	log     *slog.Logger

	// failAfter, set by tests, fails Apply after writing the named table:
	// a crash in the middle of a batch.
	failAfter string
}

var (
	_ analytics.Store    = (*Store)(nil)
	_ analytics.Migrator = (*Store)(nil)
)

// Open connects to the DSN (clickhouse://host:9000/database?...), creates
// the database when it is missing, applies the schema migrations and checks
// that the tables have the columns the code writes.
func Open(ctx context.Context, dsn string) (*Store, error) {
	opts, err := ch.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse clickhouse dsn: %w", err)
	}
	if opts.Auth.Database == "" {
		opts.Auth.Database = "default"
	}
	if err := createDatabase(ctx, opts); err != nil {
		return nil, err
	}
	if opts.DialTimeout == 0 {
		opts.DialTimeout = 5 * time.Second
	}
	conn, err := ch.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("open clickhouse: %w", err)
	}
	s := &Store{conn: conn, db: opts.Auth.Database, log: slog.Default().With("store", "clickhouse", "database", opts.Auth.Database)}
	if err := s.init(ctx); err != nil {
		conn.Close()
		return nil, err
	}
	if err := s.newReaders(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// createDatabase connects without a database (the server's default) to
// create the configured one: connecting to a missing database fails.
func createDatabase(ctx context.Context, opts *ch.Options) error {
	boot := *opts
	boot.Auth.Database = ""
	boot.DialTimeout = 5 * time.Second
	conn, err := ch.Open(&boot)
	if err != nil {
		return fmt.Errorf("open clickhouse: %w", err)
	}
	defer conn.Close()
	if err := conn.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+quoteIdent(opts.Auth.Database)); err != nil {
		return fmt.Errorf("create database %s: %w", opts.Auth.Database, err)
	}
	return nil
}

func quoteIdent(s string) string { return "`" + strings.ReplaceAll(s, "`", "\\`") + "`" }

func (s *Store) init(ctx context.Context) error {
	q, err := sqlfile.Queries(sqlfile.Expand(files, macros), "queries.sql")
	if err != nil {
		return err
	}
	if err := sqlfile.Need(q, queryNames...); err != nil {
		return err
	}
	s.q = q
	s.inserts = map[string]string{
		analytics.TableEvents:    insert(analytics.TableEvents, analytics.Names(analytics.EventColumns)),
		analytics.TableTickets:   insert(tableTickets, analytics.Names(analytics.TicketColumns)),
		analytics.TableIntervals: insert(analytics.TableIntervals, analytics.Names(analytics.IntervalColumns)),
		analytics.TableSLA:       insert(analytics.TableSLA, analytics.Names(analytics.SLAColumns)),
		tableLongIntervals:       insert(tableLongIntervals, analytics.Names(analytics.IntervalColumns)),
		tableState:               insert(tableState, append(analytics.Names(analytics.TicketColumns), "sign")),
	}
	if _, err := s.Migrate(ctx); err != nil {
		return err
	}
	return s.checkColumns(ctx)
}

func insert(table string, cols []string) string {
	return "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ")"
}

// checkColumns fails start-up when a table's columns differ from the Go
// column lists: the inserts would fail or, worse, mix up columns.
func (s *Store) checkColumns(ctx context.Context) error {
	rows, err := s.conn.Query(ctx, s.q["columns"])
	if err != nil {
		return fmt.Errorf("read columns: %w", err)
	}
	defer rows.Close()
	got, err := sqlfile.ReadColumns(rows)
	if err != nil {
		return err
	}
	want := strings.Join(append(analytics.Names(analytics.TicketColumns), "sign"), ",")
	if have := strings.Join(got[tableState], ","); have != want {
		return fmt.Errorf("table %s has columns %s, the code writes %s", tableState, have, want)
	}
	got[analytics.TableTickets] = got[tableTickets]
	return analytics.CheckColumns(got)
}

// Migrate applies the migrations not recorded in schema_migrations. The DDL
// is CREATE ... IF NOT EXISTS, so two processes migrating at once both
// succeed and record the same versions (the table collapses duplicates).
func (s *Store) Migrate(ctx context.Context) ([]int, error) {
	migs, err := sqlfile.Migrations(files, "migrations")
	if err != nil {
		return nil, err
	}
	if err := s.conn.Exec(ctx, s.q["create-migrations"]); err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	rows, err := s.conn.Query(ctx, s.q["applied-migrations"])
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
		byOther := false
		for _, stmt := range m.Statements {
			err := s.conn.Exec(ctx, stmt)
			if err != nil && createdByOther(stmt, err) {
				if err := s.awaitMigration(ctx, m.Version); err != nil {
					return applied, fmt.Errorf("migration %s: %w", m.Name, err)
				}
				byOther = true
				break
			}
			if err != nil && !columnExists(stmt, err) {
				return applied, fmt.Errorf("migration %s: %w", m.Name, err)
			}
		}
		if byOther {
			continue
		}
		b, err := s.conn.PrepareBatch(ctx, s.q["record-migration"])
		if err != nil {
			return applied, fmt.Errorf("record migration %s: %w", m.Name, err)
		}
		if err := b.Append(uint32(m.Version), m.Name, time.Now().UTC()); err != nil {
			b.Close()
			return applied, fmt.Errorf("record migration %s: %w", m.Name, err)
		}
		if err := b.Send(); err != nil {
			return applied, fmt.Errorf("record migration %s: %w", m.Name, err)
		}
		s.log.InfoContext(ctx, "applied migration", "version", m.Version, "name", m.Name)
		applied = append(applied, m.Version)
	}
	return applied, nil
}

// columnExists reports an ADD COLUMN that another process migrating at the
// same time already ran: ClickHouse 18.16 has no ADD COLUMN IF NOT EXISTS,
// so the error is what makes the statement idempotent.
func columnExists(stmt string, err error) bool {
	var ex *ch.Exception
	return errors.As(err, &ex) && ex.Code == errColumnExists &&
		strings.Contains(strings.ToUpper(stmt), "ADD COLUMN")
}

// createdByOther reports a CREATE TABLE without IF NOT EXISTS that failed
// because the table exists: such a migration is written so that one process
// creates and fills the table while the others wait (awaitMigration).
func createdByOther(stmt string, err error) bool {
	var ex *ch.Exception
	head := strings.ToUpper(strings.Join(strings.Fields(stmt), " "))
	return errors.As(err, &ex) && ex.Code == errTableExists &&
		strings.HasPrefix(head, "CREATE TABLE ") && !strings.HasPrefix(head, "CREATE TABLE IF NOT EXISTS ")
}

// awaitMigration waits until another process records version in
// schema_migrations; it gives up after migrationWait, naming the table
// to drop when that process died before finishing.
func (s *Store) awaitMigration(ctx context.Context, version int) error {
	deadline := time.Now().Add(migrationWait)
	for {
		rows, err := s.conn.Query(ctx, s.q["applied-migrations"])
		if err != nil {
			return fmt.Errorf("read schema_migrations: %w", err)
		}
		done, err := sqlfile.ReadVersions(rows)
		rows.Close()
		if err != nil {
			return err
		}
		if done[version] {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("another process has been applying it for %s; if that process stopped, drop the table it creates and start again", migrationWait)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// migrationWait bounds awaitMigration: copying a few million tickets takes
// well under a minute.
const migrationWait = 10 * time.Minute

// errTableExists is ClickHouse's TABLE_ALREADY_EXISTS.
const errTableExists = 57

// errColumnExists is ClickHouse's ILLEGAL_COLUMN, which ALTER TABLE ... ADD
// COLUMN answers for a column that exists.
const errColumnExists = 44

// Apply implements analytics.Store.
func (s *Store) Apply(ctx context.Context, evs []events.Event) error {
	b, err := analytics.Prepare(evs)
	if err != nil {
		return err
	}
	if b.Len() == 0 {
		return nil
	}
	prior, err := s.prior(ctx, b.TicketIDs())
	if err != nil {
		return err
	}
	r := analytics.Derive(b, prior)
	// The event, interval and SLA blocks are sent side by side, each on a
	// connection of its own: every insert costs the server a fixed few tens
	// of milliseconds (a new part's files) besides its rows, and these
	// overlap. The latest-ticket blocks go last, ticket_state last of all:
	// it is the watermark.
	var long []analytics.IntervalRow
	for i := range r.Intervals {
		if r.Intervals[i].IsLong() {
			long = append(long, r.Intervals[i])
		}
	}
	errs := make([]error, 5)
	var wg sync.WaitGroup
	wg.Go(func() { errs[4] = s.writeResolutionDays(ctx, r.Tickets) })
	wg.Go(func() { errs[0] = writeTable(ctx, s, analytics.TableEvents, r.Events, analytics.EventColumns) })
	wg.Go(func() { errs[1] = writeTable(ctx, s, analytics.TableIntervals, r.Intervals, analytics.IntervalColumns) })
	wg.Go(func() { errs[2] = writeTable(ctx, s, analytics.TableSLA, r.SLA, analytics.SLAColumns) })
	wg.Go(func() { errs[3] = writeTable(ctx, s, tableLongIntervals, long, analytics.IntervalColumns) })
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if err := writeTable(ctx, s, analytics.TableTickets, r.Tickets, analytics.TicketColumns); err != nil {
		return err
	}
	return s.writeState(ctx, r.Tickets, prior)
}

// writeState inserts the batch's ticket_state rows as one block: the table
// has no partitions, so the block is one part, written whole or not at all.
func (s *Store) writeState(ctx context.Context, ts []analytics.TicketRow, prior map[int64]analytics.TicketRow) error {
	rows, signs := stateRows(ts, prior)
	if len(rows) == 0 {
		return nil
	}
	b, err := s.conn.PrepareBatch(ctx, s.inserts[tableState])
	if err != nil {
		return fmt.Errorf("insert %s: %w", tableState, err)
	}
	defer b.Close()
	for i, c := range analytics.TicketColumns {
		if err := b.Column(i).Append(c.Slice(rows)); err != nil {
			return fmt.Errorf("insert %s column %s: %w", tableState, c.Name, err)
		}
	}
	if err := b.Column(len(analytics.TicketColumns)).Append(signs); err != nil {
		return fmt.Errorf("insert %s column sign: %w", tableState, err)
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("insert %s: %w", tableState, err)
	}
	if s.failAfter == tableState {
		return fmt.Errorf("insert %s: injected failure", tableState)
	}
	return nil
}

// prior reads the latest stored state of the tickets from the watermark
// (ticket_state: the row with sign 1 of the highest version), with their
// creation for the cancel rows. The ids are written
// into the query (they are integers): bound as a parameter they would be an
// array literal, which IN does not take on 18.16; max_query_size is raised
// to fit a batch of 50k tickets.
func (s *Store) prior(ctx context.Context, ids []int64) (map[int64]analytics.TicketRow, error) {
	var q strings.Builder
	q.Grow(64 + 12*len(ids))
	q.WriteString("SELECT ")
	q.WriteString(strings.Join(analytics.PriorColumns, ", "))
	q.WriteString(", created_at FROM " + tableState + " WHERE sign = 1 AND ticket_id IN (")
	for i, id := range ids {
		if i > 0 {
			q.WriteByte(',')
		}
		q.WriteString(strconv.FormatInt(id, 10))
	}
	// The latest row of each, without FINAL: the table is sorted by
	// creation, so FINAL would merge all of it for one batch's tickets.
	q.WriteString(") ORDER BY ticket_id, version DESC LIMIT 1 BY ticket_id")
	qctx := ch.Context(ctx, ch.WithSettings(ch.Settings{"max_query_size": q.Len() + 1<<16}))
	rows, err := s.conn.Query(qctx, q.String())
	if err != nil {
		return nil, fmt.Errorf("read stored tickets: %w", err)
	}
	defer rows.Close()
	out := make(map[int64]analytics.TicketRow, len(ids))
	for rows.Next() {
		var t analytics.TicketRow
		if err := rows.Scan(append(analytics.PriorDests(&t), &t.CreatedAt)...); err != nil {
			return nil, fmt.Errorf("read stored tickets: %w", err)
		}
		analytics.NormalizePrior(&t)
		t.CreatedAt = t.CreatedAt.UTC()
		out[t.TicketID] = t
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read stored tickets: %w", err)
	}
	return out, nil
}

// writeResolutionDays adds the batch's resolved tickets to resolution_days.
func (s *Store) writeResolutionDays(ctx context.Context, ts []analytics.TicketRow) error {
	days, minCreated := resolutionDays(ts)
	if len(days) == 0 {
		return nil
	}
	b, err := s.conn.PrepareBatch(ctx, "INSERT INTO "+tableResolutionDays+" (day, min_created)")
	if err != nil {
		return fmt.Errorf("insert %s: %w", tableResolutionDays, err)
	}
	defer b.Close()
	if err := b.Column(0).Append(days); err != nil {
		return fmt.Errorf("insert %s: %w", tableResolutionDays, err)
	}
	if err := b.Column(1).Append(minCreated); err != nil {
		return fmt.Errorf("insert %s: %w", tableResolutionDays, err)
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("insert %s: %w", tableResolutionDays, err)
	}
	return nil
}

// writeTable inserts rows as one block, column by column (the columnar
// append is several times faster than row by row).
func writeTable[R any](ctx context.Context, s *Store, table string, rows []R, cols []analytics.Column[R]) error {
	if len(rows) > 0 {
		b, err := s.conn.PrepareBatch(ctx, s.inserts[table])
		if err != nil {
			return fmt.Errorf("insert %s: %w", table, err)
		}
		defer b.Close()
		for i, c := range cols {
			if err := b.Column(i).Append(c.Slice(rows)); err != nil {
				return fmt.Errorf("insert %s column %s: %w", table, c.Name, err)
			}
		}
		if err := b.Send(); err != nil {
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
	for _, t := range tables {
		if err := s.conn.Exec(ctx, "TRUNCATE TABLE "+t); err != nil {
			return fmt.Errorf("truncate %s: %w", t, err)
		}
	}
	return nil
}

// Seen implements analytics.Store: ticket_state is written last, so once
// it holds the version, everything of the event is visible.
func (s *Store) Seen(ctx context.Context, ticketID, version int64) (bool, error) {
	var n int64
	if err := s.conn.QueryRow(ctx, s.q["seen"], ticketID, version).Scan(&n); err != nil {
		return false, fmt.Errorf("seen %d@%d: %w", ticketID, version, err)
	}
	return n > 0, nil
}

// Check implements analytics.Store.
func (s *Store) Check(ctx context.Context) (*analytics.CheckResult, error) {
	one := func(name string, dest ...any) error {
		if err := s.conn.QueryRow(ctx, s.q[name]).Scan(dest...); err != nil {
			return fmt.Errorf("check %s: %w", name, err)
		}
		return nil
	}
	each := func(name string, fn func(key string, n int64)) error {
		rows, err := s.conn.Query(ctx, s.q[name])
		if err != nil {
			return fmt.Errorf("check %s: %w", name, err)
		}
		defer rows.Close()
		cols := len(rows.Columns())
		for rows.Next() {
			var a, b string
			var n int64
			if cols == 3 {
				err = rows.Scan(&a, &b, &n)
				a += "/" + b
			} else {
				err = rows.Scan(&a, &n)
			}
			if err != nil {
				return fmt.Errorf("check %s: %w", name, err)
			}
			fn(a, n)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("check %s: %w", name, err)
		}
		return nil
	}
	return analytics.RunChecks(one, each)
}

func (s *Store) database() string { return s.db }

// Close implements analytics.Store.
func (s *Store) Close() error { return s.conn.Close() }

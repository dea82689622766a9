package store

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/deskmine/deskmine/ticketcore"
)

// Migration is one embedded schema step.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations lists the embedded migrations of a dialect in order.
func Migrations(dialectName string) ([]Migration, error) {
	dir := path.Join("migrations", dialectName)
	entries, err := fs.ReadDir(migrationsFS, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var out []Migration
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must start with a positive number and _", e.Name())
		}
		b, err := fs.ReadFile(migrationsFS, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		out = append(out, Migration{Version: v, Name: e.Name(), SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i := 1; i < len(out); i++ {
		if out[i].Version == out[i-1].Version {
			return nil, fmt.Errorf("migrations %s and %s share version %d", out[i-1].Name, out[i].Name, out[i].Version)
		}
	}
	return out, nil
}

// Migrate applies every migration not yet recorded, each in its own
// transaction, and records it in schema_migrations.
func (s *Store) Migrate(ctx context.Context) error { return s.migrate(ctx, 0) }

// migrate applies the migrations up to version upTo, all of them when upTo
// is 0 (tests stop early to write rows in an older schema).
func (s *Store) migrate(ctx context.Context, upTo int) (err error) {
	// One connection for the whole run, holding (on PostgreSQL) a session
	// advisory lock: several replicas may start at once on a fresh database,
	// and even CREATE TABLE IF NOT EXISTS is not safe to run concurrently.
	conn, err := s.write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Close()
	if s.d.name == "postgres" {
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(7303051)"); err != nil {
			return fmt.Errorf("migration lock: %w", err)
		}
		defer func() {
			if _, uerr := conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock(7303051)"); uerr != nil && err == nil {
				err = fmt.Errorf("migration unlock: %w", uerr)
			}
		}()
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	ms, err := Migrations(s.d.name)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if upTo > 0 && m.Version > upTo {
			break
		}
		if err := s.applyMigration(ctx, conn, m); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) applyMigration(ctx context.Context, conn *sql.Conn, m Migration) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migration %s: %w", m.Name, err)
	}
	defer tx.Rollback() //nolint:errcheck // after commit it is a no-op
	var n int
	if err := tx.QueryRowContext(ctx, s.d.rebind("SELECT COUNT(*) FROM schema_migrations WHERE version = ?"), m.Version).Scan(&n); err != nil {
		return fmt.Errorf("migration %s: %w", m.Name, err)
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return fmt.Errorf("migration %s: %w", m.Name, err)
	}
	if step, ok := migrationSteps[m.Version]; ok {
		if err := step(ctx, s.d, tx); err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
	}
	if _, err := tx.ExecContext(ctx, s.d.rebind("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)"),
		m.Version, m.Name, time.Now().UnixMicro()); err != nil {
		return fmt.Errorf("record migration %s: %w", m.Name, err)
	}
	return tx.Commit()
}

// SchemaVersion returns the highest applied migration.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.read.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&v)
	return v, err
}

// migrationSteps finish, in Go and in the same transaction, the migrations
// whose backfill SQL cannot compute.
var migrationSteps = map[int]func(ctx context.Context, d dialect, tx *sql.Tx) error{
	8: backfillCFText,
}

// backfillCFText fills cf_text of the tickets written before migration 8.
// The texts must be exactly ticketcore.CustomFieldText's (shortest decimals
// without exponent, sorted lists), which neither dialect's JSON functions
// reproduce; tickets without custom fields keep the column default "{}".
func backfillCFText(ctx context.Context, d dialect, tx *sql.Tx) error {
	q, err := loadQueries()
	if err != nil {
		return err
	}
	const pageSize = 500
	var after int64
	for {
		docs, err := backfillPage(ctx, tx, d.rebind(q["backfill-cf-page"]), after, pageSize)
		if err != nil {
			return err
		}
		for _, r := range docs {
			tk, err := decodeTicket(r.id, r.doc)
			if err != nil {
				return err
			}
			if len(ticketcore.CustomFieldTexts(tk.CustomFields)) == 0 {
				continue
			}
			cf, err := cfText(tk.CustomFields)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, d.rebind(q["backfill-cf-set"]), cf, r.id); err != nil {
				return fmt.Errorf("backfill cf_text of ticket %d: %w", r.id, err)
			}
		}
		if len(docs) < pageSize {
			return nil
		}
		after = docs[len(docs)-1].id
	}
}

type idDoc struct {
	id  int64
	doc string
}

// backfillPage reads a whole page before any update: a transaction's
// connection runs one statement at a time.
func backfillPage(ctx context.Context, tx *sql.Tx, query string, after int64, limit int) ([]idDoc, error) {
	rows, err := tx.QueryContext(ctx, query, after, limit)
	if err != nil {
		return nil, fmt.Errorf("read tickets to backfill: %w", err)
	}
	defer rows.Close()
	var out []idDoc
	for rows.Next() {
		var r idDoc
		if err := rows.Scan(&r.id, &r.doc); err != nil {
			return nil, fmt.Errorf("read tickets to backfill: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

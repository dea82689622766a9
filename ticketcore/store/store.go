// Package store persists tickets, their audit trail, their change events and
// users in SQLite (embedded default) or PostgreSQL (scale-out), behind the
// same code: the SQL lives in embedded files, and the few places where the
// dialects differ are in dialect.go.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"github.com/deskmine/deskmine/internal/sqlnamed"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/mattn/go-sqlite3"

	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/auth"
)

// Queries live in queries.sql and in one queries_<part>.sql per feature.
//
//go:embed queries*.sql
var queriesFS embed.FS

//go:embed migrations
var migrationsFS embed.FS

// Store is a ticket store on one database.
type Store struct {
	d       dialect
	write   *sql.DB // SQLite: one connection, so writers queue instead of failing busy
	read    *sql.DB
	wstmt   map[string]*sql.Stmt // prepared on the writer: a broken query fails at start-up
	rstmt   map[string]*sql.Stmt // prepared on the readers
	sqlPath string               // SQLite file, empty for PostgreSQL
}

var (
	_ ticketcore.Store = (*Store)(nil)
	_ auth.Store       = (*Store)(nil)
)

// IsPostgres reports whether a DSN selects PostgreSQL.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open opens the store named by dsn: a postgres:// URL selects PostgreSQL;
// anything else is taken as a SQLite database file path. Migrations run on open.
func Open(ctx context.Context, dsn string) (*Store, error) {
	var s *Store
	var err error
	if IsPostgres(dsn) {
		s, err = openPostgres(dsn)
	} else {
		s, err = openSQLite(dsn)
	}
	if err != nil {
		return nil, err
	}
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.prepare(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func openSQLite(path string) (*Store, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
	}
	// synchronous=NORMAL in WAL mode never corrupts and loses nothing on a
	// process crash; only an OS crash may lose the last commits. _txlock=immediate
	// takes the write lock at BEGIN so two writers never deadlock on upgrade.
	params := "_journal_mode=WAL&_synchronous=NORMAL&_busy_timeout=10000&_foreign_keys=on&_cache_size=-65536"
	w, err := sql.Open("sqlite3", "file:"+path+"?"+params+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	r, err := sql.Open("sqlite3", "file:"+path+"?"+params+"&_query_only=true")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	if err := w.Ping(); err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	return &Store{d: sqliteDialect, write: w, read: r, sqlPath: path}, nil
}

func openPostgres(dsn string) (*Store, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	db.SetMaxOpenConns(32)
	db.SetMaxIdleConns(32)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect postgres: %w", err)
	}
	return &Store{d: postgresDialect, write: db, read: db}, nil
}

// Dialect names the database: "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.d.name }

// DB returns the writing database handle, for tools that need raw access.
func (s *Store) DB() *sql.DB { return s.write }

// Close closes the database handles.
func (s *Store) Close() error {
	var err error
	for _, st := range s.wstmt {
		err = errors.Join(err, st.Close())
	}
	for _, st := range s.rstmt {
		err = errors.Join(err, st.Close())
	}
	err = errors.Join(err, s.write.Close())
	if s.read != s.write {
		err = errors.Join(err, s.read.Close())
	}
	return err
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.write.PingContext(ctx) }

// prepare parses queries.sql and prepares every query on the writer and the
// readers, so a broken query fails at start-up and hot paths skip parsing.
func (s *Store) prepare(ctx context.Context) error {
	q, err := loadQueries()
	if err != nil {
		return err
	}
	s.wstmt, s.rstmt = map[string]*sql.Stmt{}, map[string]*sql.Stmt{}
	for name, text := range q {
		text = s.d.rebind(text)
		w, err := s.write.PrepareContext(ctx, text)
		if err != nil {
			return fmt.Errorf("prepare %s: %w", name, err)
		}
		s.wstmt[name] = w
		if s.read == s.write {
			s.rstmt[name] = w
			continue
		}
		r, err := s.read.PrepareContext(ctx, text)
		if err != nil {
			return fmt.Errorf("prepare %s: %w", name, err)
		}
		s.rstmt[name] = r
	}
	return nil
}

// reader returns a named statement on the read pool; a missing name is a
// programming error that every test run would hit.
func (s *Store) reader(name string) *sql.Stmt {
	st, ok := s.rstmt[name]
	if !ok {
		panic("store: no query named " + name)
	}
	return st
}

// writer returns a named statement on the writer.
func (s *Store) writer(name string) *sql.Stmt {
	st, ok := s.wstmt[name]
	if !ok {
		panic("store: no query named " + name)
	}
	return st
}

// loadQueries parses every embedded query file; a name defined twice, even
// across files, is an error.
func loadQueries() (map[string]string, error) {
	files, err := fs.Glob(queriesFS, "queries*.sql")
	if err != nil {
		return nil, err
	}
	all := map[string]string{}
	for _, f := range files {
		b, err := fs.ReadFile(queriesFS, f)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", f, err)
		}
		q, err := sqlnamed.Parse(string(b))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for name, text := range q {
			if _, dup := all[name]; dup {
				return nil, fmt.Errorf("%s: query %s is defined twice", f, name)
			}
			all[name] = text
		}
	}
	return all, nil
}

// isDeadlock reports a PostgreSQL deadlock_detected error; SQLite has one
// writer and never deadlocks.
func isDeadlock(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "40P01"
}

// isUnique reports whether err is a unique-constraint violation.
func isUnique(err error) bool {
	var se sqlite3.Error
	if errors.As(err, &se) {
		return se.ExtendedCode == sqlite3.ErrConstraintUnique || se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	return false
}

// Package testdb gives tests a fresh, isolated database on each backend:
// a SQLite file in t.TempDir(), and a PostgreSQL schema of its own.
//
// PostgreSQL is found through DESKMINE_TEST_POSTGRES_DSN (default
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable). When it cannot be
// reached the PostgreSQL case is skipped locally, but fails under CI=true so
// that CI never passes without having tested it.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// DefaultPostgresDSN is used when DESKMINE_TEST_POSTGRES_DSN is unset.
const DefaultPostgresDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// Backend names a database to run a test against.
type Backend struct {
	Name string
	// DSN returns a DSN for a fresh, empty database (a new SQLite file or a
	// new PostgreSQL schema dropped when the test ends).
	DSN func(t testing.TB) string
}

// Backends lists SQLite and PostgreSQL.
func Backends() []Backend {
	return []Backend{{Name: "sqlite", DSN: SQLiteDSN}, {Name: "postgres", DSN: PostgresDSN}}
}

// SQLiteDSN returns a path to a new SQLite file.
func SQLiteDSN(t testing.TB) string {
	return filepath.Join(t.TempDir(), "deskmine.db")
}

// PostgresBase returns the configured PostgreSQL DSN.
func PostgresBase() string {
	if v := os.Getenv("DESKMINE_TEST_POSTGRES_DSN"); v != "" {
		return v
	}
	return DefaultPostgresDSN
}

// PostgresDSN creates a schema for this test and returns a DSN whose
// search_path points at it.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	base := PostgresBase()
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		if os.Getenv("CI") != "" {
			t.Fatalf("postgres at %s is not reachable under CI: %v", base, err)
		}
		t.Skipf("postgres not reachable (%v); set DESKMINE_TEST_POSTGRES_DSN", err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		db.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := db.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Logf("drop schema %s: %v", schema, err)
		}
		db.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse postgres dsn: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

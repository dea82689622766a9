package store

import (
	"github.com/deskmine/deskmine/internal/sqlnamed"
	"strings"
)

// dialect holds the few differences between SQLite and PostgreSQL.
type dialect struct {
	name string
	// rebind turns ? placeholders into the dialect's own.
	rebind func(string) string
	// beforeEvent runs before an event is appended; PostgreSQL serialises
	// appenders so that seq order is commit order (readers paging by seq
	// would otherwise skip a lower seq that commits late).
	beforeEvent string
	// like is the case-insensitive match operator.
	like string
}

var sqliteDialect = dialect{
	name: "sqlite",
	// SQLite has no row locks: a write transaction (BEGIN IMMEDIATE) holds
	// the database's one write lock, which is stronger than FOR UPDATE.
	rebind: func(q string) string {
		return strings.ReplaceAll(strings.ReplaceAll(q, " FOR UPDATE SKIP LOCKED", ""), " FOR UPDATE", "")
	},
	like: "LIKE",
}

var postgresDialect = dialect{
	name:        "postgres",
	rebind:      sqlnamed.Dollar,
	beforeEvent: "SELECT pg_advisory_xact_lock(7303050)",
	like:        "ILIKE",
}

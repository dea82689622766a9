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
	// hasTag is true for a ticket whose doc lists the tag bound to its one
	// placeholder.
	hasTag string
	// cfText is the text of the custom field named by its one placeholder,
	// from the cf_text column; "" when the ticket has no such field.
	cfText string
}

var sqliteDialect = dialect{
	name: "sqlite",
	// SQLite has no row locks: a write transaction (BEGIN IMMEDIATE) holds
	// the database's one write lock, which is stronger than FOR UPDATE.
	rebind: func(q string) string {
		return strings.ReplaceAll(strings.ReplaceAll(q, " FOR UPDATE SKIP LOCKED", ""), " FOR UPDATE", "")
	},
	like:   "LIKE",
	hasTag: "EXISTS (SELECT 1 FROM json_each(tickets.doc, '$.tags') AS jt WHERE jt.value = ?)",
	// The name is a bound value; ValidCustomFieldName keeps it a plain
	// JSON path member ([a-z][a-z0-9_]*).
	cfText: "COALESCE(json_extract(tickets.cf_text, '$.' || ?), '')",
}

var postgresDialect = dialect{
	name:        "postgres",
	rebind:      sqlnamed.Dollar,
	beforeEvent: "SELECT pg_advisory_xact_lock(7303050)",
	like:        "ILIKE",
	// Containment rather than unnesting: a doc whose tags are null (not an
	// array) simply does not match instead of failing the query.
	hasTag: "(tickets.doc::jsonb -> 'tags') @> jsonb_build_array(?::text)",
	cfText: "COALESCE(tickets.cf_text::jsonb ->> ?::text, '')",
}

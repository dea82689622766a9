// Package casebook keeps the latest text and labels of every ticket as the
// change stream delivers them: the classifier retrains from its resolved
// cases, the miner groups them, and "cases similar to ticket N" finds the
// text of an open ticket. It is a stream consumer's store: Apply is
// idempotent and never lets an older version replace a newer one.
//
// One schema serves SQLite (the embedded default, a file beside the ticket
// database) and PostgreSQL (tables kb_* beside the tickets).
package casebook

import (
	"context"
	"database/sql"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/deskmine/deskmine/internal/sqlnamed"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "github.com/mattn/go-sqlite3"    // registers "sqlite3"

	"github.com/deskmine/deskmine/ticketcore/events"
)

//go:embed schema.sql
var schemaSQL string

//go:embed queries.sql
var queriesSQL string

// commentSep separates the comments a case collected.
const commentSep = "\n\n"

// Case is one ticket as the knowledge base sees it.
type Case struct {
	TicketID    int64
	Version     int64
	Subject     string
	Description string
	Comments    string // every comment body, oldest first, separated by a blank line
	Resolution  string
	Category    string
	Product     string
	Priority    string
	Team        string
	Status      string
	Tags        []string
	Resolved    bool
	CreatedAt   time.Time
	ResolvedAt  time.Time // zero unless Resolved
	UpdatedAt   time.Time
}

// ErrNotFound is returned for a ticket the book has never seen.
var ErrNotFound = errors.New("case not found")

// Book is the case book on one database.
type Book struct {
	db       *sql.DB
	postgres bool
	q        map[string]string
}

// IsPostgres reports whether dsn selects PostgreSQL.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open opens (creating when needed) the book at dsn: a postgres:// URL or a
// SQLite file path.
func Open(ctx context.Context, dsn string) (*Book, error) {
	b := &Book{postgres: IsPostgres(dsn)}
	var err error
	if b.postgres {
		b.db, err = sql.Open("pgx", dsn)
	} else {
		if dir := filepath.Dir(dsn); dir != "" {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, fmt.Errorf("casebook: create directory: %w", err)
			}
		}
		b.db, err = sql.Open("sqlite3", "file:"+dsn+"?_journal_mode=WAL&_synchronous=NORMAL&_busy_timeout=10000&_txlock=immediate")
		if err == nil {
			// One writer at a time is what SQLite allows anyway; a pool
			// would only turn waits into busy errors.
			b.db.SetMaxOpenConns(1)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("casebook: open: %w", err)
	}
	if b.q, err = parseQueries(queriesSQL, b.postgres); err != nil {
		b.db.Close()
		return nil, err
	}
	for _, stmt := range splitStatements(schemaSQL) {
		if _, err := b.db.ExecContext(ctx, stmt); err != nil {
			b.db.Close()
			return nil, fmt.Errorf("casebook: schema: %w", err)
		}
	}
	return b, nil
}

// Close closes the database.
func (b *Book) Close() error { return b.db.Close() }

// Apply records a batch of events in one transaction and returns the ids
// of the tickets whose case changed (in first-seen order); events of a
// version the book already has change nothing.
func (b *Book) Apply(ctx context.Context, evs []events.Event) ([]int64, error) {
	if len(evs) == 0 {
		return nil, nil
	}
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("casebook: begin: %w", err)
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, b.q["upsert-case"])
	if err != nil {
		return nil, fmt.Errorf("casebook: prepare: %w", err)
	}
	defer stmt.Close()
	var changed []int64
	seen := map[int64]bool{}
	for i := range evs {
		e := &evs[i]
		args, err := caseArgs(e)
		if err != nil {
			return nil, err
		}
		res, err := stmt.ExecContext(ctx, args...)
		if err != nil {
			return nil, fmt.Errorf("casebook: ticket %d version %d: %w", e.TicketID, e.TicketVersion, err)
		}
		if n, _ := res.RowsAffected(); n > 0 && !seen[e.TicketID] {
			seen[e.TicketID] = true
			changed = append(changed, e.TicketID)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("casebook: commit: %w", err)
	}
	return changed, nil
}

// caseArgs are the upsert's arguments for one event.
func caseArgs(e *events.Event) ([]any, error) {
	t := &e.Ticket
	if e.TicketID <= 0 || e.TicketVersion <= 0 || t.ID != e.TicketID {
		return nil, permanent(fmt.Errorf("casebook: event %s: ticket id %d / %d, version %d", e.ID, e.TicketID, t.ID, e.TicketVersion))
	}
	tags := t.Tags
	if tags == nil {
		tags = []string{}
	}
	tagJSON, err := json.Marshal(tags)
	if err != nil {
		return nil, fmt.Errorf("casebook: tags: %w", err)
	}
	comment := ""
	if e.Type == events.TicketCommented && e.Comment != nil {
		comment = strings.TrimSpace(e.Comment.Body)
	}
	resolved, resolvedAt := 0, int64(0)
	if t.ResolvedAt != nil {
		resolved, resolvedAt = 1, t.ResolvedAt.UnixMilli()
	}
	updated := t.UpdatedAt
	if updated.IsZero() {
		updated = e.At
	}
	dup := int64(0)
	for _, l := range t.Links {
		if l.Type == events.LinkDuplicateOf {
			dup = l.TicketID
		}
	}
	return []any{e.TicketID, e.TicketVersion, t.Subject, t.Description, comment, t.Resolution, t.Category, t.Product,
		t.Priority, t.Team, t.Status, string(tagJSON), resolved, dup, t.CreatedAt.UnixMilli(), resolvedAt, updated.UnixMilli(),
		commentSep}, nil
}

// Get returns the case of one ticket.
func (b *Book) Get(ctx context.Context, ticketID int64) (*Case, error) {
	c, err := scanCase(b.db.QueryRowContext(ctx, b.q["get-case"], ticketID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("casebook: get %d: %w", ticketID, err)
	}
	return c, nil
}

// pageSize is how many resolved cases one query of Resolved reads.
const pageSize = 2000

// Resolved calls fn on every resolved case in ticket id order; an error
// from fn stops the walk and is returned.
func (b *Book) Resolved(ctx context.Context, fn func(*Case) error) error {
	after := int64(0)
	for {
		page, err := b.resolvedPage(ctx, after)
		if err != nil {
			return err
		}
		for _, c := range page {
			if err := fn(c); err != nil {
				return err
			}
		}
		if len(page) < pageSize {
			return nil
		}
		after = page[len(page)-1].TicketID
	}
}

func (b *Book) resolvedPage(ctx context.Context, after int64) ([]*Case, error) {
	rows, err := b.db.QueryContext(ctx, b.q["resolved-page"], after, pageSize)
	if err != nil {
		return nil, fmt.Errorf("casebook: resolved: %w", err)
	}
	defer rows.Close()
	var out []*Case
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, fmt.Errorf("casebook: resolved: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Count returns how many tickets the book holds and how many are resolved.
func (b *Book) Count(ctx context.Context) (all, resolved int64, err error) {
	if err := b.db.QueryRowContext(ctx, b.q["count-cases"]).Scan(&all, &resolved); err != nil {
		return 0, 0, fmt.Errorf("casebook: count: %w", err)
	}
	return all, resolved, nil
}

// DuplicateCounts returns, per ticket, how many tickets are linked to it
// as duplicates of it: agents confirming a case is the same problem.
func (b *Book) DuplicateCounts(ctx context.Context) (map[int64]int, error) {
	rows, err := b.db.QueryContext(ctx, b.q["duplicate-counts"])
	if err != nil {
		return nil, fmt.Errorf("casebook: duplicates: %w", err)
	}
	defer rows.Close()
	out := map[int64]int{}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, fmt.Errorf("casebook: duplicates: %w", err)
		}
		out[id] = n
	}
	return out, rows.Err()
}

type scanner interface{ Scan(dest ...any) error }

func scanCase(s scanner) (*Case, error) {
	var c Case
	var tags string
	var resolved int
	var created, resolvedAt, updated int64
	if err := s.Scan(&c.TicketID, &c.Version, &c.Subject, &c.Description, &c.Comments, &c.Resolution, &c.Category,
		&c.Product, &c.Priority, &c.Team, &c.Status, &tags, &resolved, &created, &resolvedAt, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(tags), &c.Tags); err != nil {
		return nil, fmt.Errorf("tags of ticket %d: %w", c.TicketID, err)
	}
	c.Resolved = resolved == 1
	c.CreatedAt = time.UnixMilli(created).UTC()
	if c.Resolved {
		c.ResolvedAt = time.UnixMilli(resolvedAt).UTC()
	}
	c.UpdatedAt = time.UnixMilli(updated).UTC()
	return &c, nil
}

// parseQueries reads the named queries, with placeholders numbered for
// PostgreSQL.
func parseQueries(text string, postgres bool) (map[string]string, error) {
	q, err := sqlnamed.Parse(text)
	if err != nil {
		return nil, fmt.Errorf("casebook: %w", err)
	}
	if postgres {
		for name, s := range q {
			q[name] = sqlnamed.Dollar(s)
		}
	}
	return q, nil
}

// splitStatements splits the schema at semicolons that end a line.
func splitStatements(text string) []string {
	var out []string
	var cur []string
	for line := range strings.SplitSeq(text, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "--") {
			continue
		}
		cur = append(cur, line)
		if strings.HasSuffix(t, ";") {
			out = append(out, strings.TrimSuffix(strings.TrimSpace(strings.Join(cur, "\n")), ";"))
			cur = nil
		}
	}
	return out
}

// permanentError marks an event that cannot be applied however often it is
// retried (the stream runner parks it).
type permanentError struct{ error }

func (permanentError) Permanent() bool { return true }
func (e permanentError) Unwrap() error { return e.error }

func permanent(err error) error { return permanentError{err} }

package articles

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/deskmine/deskmine/internal/sqlnamed"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "github.com/mattn/go-sqlite3"    // registers the "sqlite3" driver
)

//go:embed queries.sql
var queriesSQL string

//go:embed migrations
var migrationsFS embed.FS

// migrationsTable records applied migrations; it is not the ticket core's
// schema_migrations because both may live in one database.
const migrationsTable = "kb_articles_migrations"

// dialect holds the few differences between SQLite and PostgreSQL.
type dialect struct {
	name string
	// rebind turns the ? placeholders of queries.sql into the dialect's own.
	rebind func(string) string
	// beforeEvents runs before a transaction appends its events. PostgreSQL
	// serialises appenders until they commit, so that seq order is commit
	// order: a reader paging by seq would otherwise skip a lower seq that
	// commits late. SQLite has one writer and needs nothing.
	beforeEvents string
	// migrationLock and migrationUnlock keep concurrent starts from
	// migrating at once.
	migrationLock, migrationUnlock string
}

var sqliteDialect = dialect{
	name: "sqlite",
	// The writer's BEGIN IMMEDIATE holds the database's one write lock,
	// which is stronger than row locks.
	rebind: func(q string) string { return strings.ReplaceAll(q, " FOR UPDATE", "") },
}

var postgresDialect = dialect{
	name:            "postgres",
	rebind:          sqlnamed.Dollar,
	beforeEvents:    "SELECT pg_advisory_xact_lock(7303070)",
	migrationLock:   "SELECT pg_advisory_lock(7303071)",
	migrationUnlock: "SELECT pg_advisory_unlock(7303071)",
}

// retryable reports errors after which PostgreSQL asks to run the
// transaction again (deadlock, serialization failure).
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40P01" || pe.Code == "40001")
}

// sqlStore is the Store on SQLite or PostgreSQL. It persists what the
// workflow functions decide and adds no rules of its own.
type sqlStore struct {
	d     dialect
	write *sql.DB // SQLite: one connection, so writers queue instead of failing busy
	read  *sql.DB
	wstmt map[string]*sql.Stmt
	rstmt map[string]*sql.Stmt
}

var _ Store = (*sqlStore)(nil)

func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

func openSQL(ctx context.Context, dsn string) (*sqlStore, error) {
	if strings.TrimSpace(dsn) == "" {
		return nil, errors.New("open kb articles store: empty dsn")
	}
	var s *sqlStore
	var err error
	if isPostgres(dsn) {
		s, err = openPostgres(ctx, dsn)
	} else {
		s, err = openSQLite(ctx, dsn)
	}
	if err != nil {
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.prepare(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func openSQLite(ctx context.Context, path string) (*sqlStore, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	// WAL lets readers run beside the writer; _txlock=immediate takes the
	// write lock at BEGIN, so a read-then-write transaction never fails to
	// upgrade its lock.
	params := "_journal_mode=WAL&_synchronous=NORMAL&_busy_timeout=10000&_foreign_keys=on"
	w, err := sql.Open("sqlite3", "file:"+path+"?"+params+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	r, err := sql.Open("sqlite3", "file:"+path+"?"+params+"&_query_only=true")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	r.SetMaxOpenConns(4)
	r.SetMaxIdleConns(4)
	return &sqlStore{d: sqliteDialect, write: w, read: r}, nil
}

func openPostgres(ctx context.Context, dsn string) (*sqlStore, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(16)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect postgres: %w", err)
	}
	return &sqlStore{d: postgresDialect, write: db, read: db}, nil
}

// Close closes the statements and the database handles.
func (s *sqlStore) Close() error {
	var err error
	for _, st := range s.wstmt {
		err = errors.Join(err, st.Close())
	}
	if s.read != s.write {
		for _, st := range s.rstmt {
			err = errors.Join(err, st.Close())
		}
	}
	err = errors.Join(err, s.write.Close())
	if s.read != s.write {
		err = errors.Join(err, s.read.Close())
	}
	return err
}

// migration is one embedded schema step.
type migration struct {
	version int
	name    string
	sql     string
}

func migrations(dialectName string) ([]migration, error) {
	dir := path.Join("migrations", dialectName)
	entries, err := fs.ReadDir(migrationsFS, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var out []migration
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
		out = append(out, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i := 1; i < len(out); i++ {
		if out[i].version == out[i-1].version {
			return nil, fmt.Errorf("migrations %s and %s share version %d", out[i-1].name, out[i].name, out[i].version)
		}
	}
	return out, nil
}

// migrate applies, each in its own transaction, the migrations not yet
// recorded in the migrations table.
func (s *sqlStore) migrate(ctx context.Context) (err error) {
	conn, err := s.write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Close()
	if s.d.migrationLock != "" {
		if _, err := conn.ExecContext(ctx, s.d.migrationLock); err != nil {
			return fmt.Errorf("migration lock: %w", err)
		}
		defer func() {
			if _, uerr := conn.ExecContext(context.WithoutCancel(ctx), s.d.migrationUnlock); uerr != nil && err == nil {
				err = fmt.Errorf("migration unlock: %w", uerr)
			}
		}()
	}
	if _, err := conn.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS "+migrationsTable+
		" (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)"); err != nil {
		return fmt.Errorf("create %s: %w", migrationsTable, err)
	}
	ms, err := migrations(s.d.name)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if err := s.applyMigration(ctx, conn, m); err != nil {
			return err
		}
	}
	return nil
}

func (s *sqlStore) applyMigration(ctx context.Context, conn *sql.Conn, m migration) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migration %s: %w", m.name, err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after commit
	var n int
	if err := tx.QueryRowContext(ctx, s.d.rebind("SELECT COUNT(*) FROM "+migrationsTable+" WHERE version = ?"), m.version).Scan(&n); err != nil {
		return fmt.Errorf("migration %s: %w", m.name, err)
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return fmt.Errorf("migration %s: %w", m.name, err)
	}
	if _, err := tx.ExecContext(ctx, s.d.rebind("INSERT INTO "+migrationsTable+" (version, name, applied_at) VALUES (?, ?, ?)"),
		m.version, m.name, time.Now().UnixMicro()); err != nil {
		return fmt.Errorf("record migration %s: %w", m.name, err)
	}
	return tx.Commit()
}

// schemaVersion returns the highest applied migration.
func (s *sqlStore) schemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.read.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM "+migrationsTable).Scan(&v)
	return v, err
}

// prepare prepares every query on the writer and the readers, so that a
// broken query fails at start-up.
func (s *sqlStore) prepare(ctx context.Context) error {
	q, err := sqlnamed.Parse(queriesSQL)
	if err != nil {
		return fmt.Errorf("queries.sql: %w", err)
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
		if strings.HasPrefix(name, "insert-") || strings.HasPrefix(name, "update-") ||
			strings.HasPrefix(name, "delete-") || strings.HasPrefix(name, "lock-") {
			continue // the query-only readers refuse writes
		}
		r, err := s.read.PrepareContext(ctx, text)
		if err != nil {
			return fmt.Errorf("prepare %s: %w", name, err)
		}
		s.rstmt[name] = r
	}
	return nil
}

// reader returns a named statement on the read pool. A missing name is a
// programming error that every test run hits, so it is not worth an error
// path in each caller.
func (s *sqlStore) reader(name string) *sql.Stmt {
	st, ok := s.rstmt[name]
	if !ok {
		panic("articles: no read query named " + name)
	}
	return st
}

// pendingEvent waits in a transaction until it commits.
type pendingEvent struct {
	typ      EventType
	entity   string
	entityID int64
	payload  any
}

// wtx is one write transaction: the changes, their history and their
// events commit together or not at all.
type wtx struct {
	s      *sqlStore
	tx     *sql.Tx
	now    time.Time
	actor  Actor
	events []pendingEvent
}

func (w *wtx) stmt(ctx context.Context, name string) *sql.Stmt {
	st, ok := w.s.wstmt[name]
	if !ok {
		panic("articles: no query named " + name)
	}
	return w.tx.StmtContext(ctx, st)
}

func (w *wtx) exec(ctx context.Context, name string, args ...any) error {
	_, err := w.stmt(ctx, name).ExecContext(ctx, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

func (w *wtx) queryRow(ctx context.Context, name string, args ...any) *sql.Row {
	return w.stmt(ctx, name).QueryRowContext(ctx, args...)
}

func (w *wtx) emit(typ EventType, entity string, id int64, payload any) {
	w.events = append(w.events, pendingEvent{typ: typ, entity: entity, entityID: id, payload: payload})
}

// record writes one transition row and returns it.
func (w *wtx) record(ctx context.Context, entity string, id int64, a Action, from, to, note string) (Transition, error) {
	t := Transition{Entity: entity, EntityID: id, Action: a, From: from, To: to, Actor: w.actor.Login,
		ActorRole: w.actor.Role, Note: note, At: w.now}
	err := w.queryRow(ctx, "insert-transition", entity, id, string(a), from, to, w.actor.ID, w.actor.Login,
		w.actor.Role, note, micros(w.now)).Scan(&t.ID)
	if err != nil {
		return Transition{}, fmt.Errorf("record %s of %s %d: %w", a, entity, id, err)
	}
	return t, nil
}

// flushEvents appends the transaction's events last, so that PostgreSQL's
// event lock is taken after every row lock (no lock-order deadlock) and held
// only until commit.
func (w *wtx) flushEvents(ctx context.Context) error {
	if len(w.events) == 0 {
		return nil
	}
	if w.s.d.beforeEvents != "" {
		if _, err := w.tx.ExecContext(ctx, w.s.d.beforeEvents); err != nil {
			return fmt.Errorf("event lock: %w", err)
		}
	}
	for _, e := range w.events {
		b, err := json.Marshal(e.payload)
		if err != nil {
			return fmt.Errorf("encode %s event: %w", e.typ, err)
		}
		if err := w.exec(ctx, "insert-event", micros(w.now), string(e.typ), w.actor.Login, e.entity, e.entityID, string(b)); err != nil {
			return err
		}
	}
	return nil
}

// inTx runs fn in one write transaction, retrying when PostgreSQL reports a
// deadlock or serialization failure. fn must not keep state between attempts
// other than what it returns through its closure on success.
func (s *sqlStore) inTx(ctx context.Context, actor Actor, fn func(w *wtx) error) error {
	for attempt := 1; ; attempt++ {
		err := s.tryTx(ctx, actor, fn)
		if err == nil || !retryable(err) || attempt == 3 {
			return err
		}
	}
}

func (s *sqlStore) tryTx(ctx context.Context, actor Actor, fn func(w *wtx) error) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after commit
	w := &wtx{s: s, tx: tx, now: now(), actor: actor}
	if err := fn(w); err != nil {
		return err
	}
	if err := w.flushEvents(ctx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// now is truncated to the microseconds the database keeps, so that what an
// operation returns equals what a later read returns.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

// notFound turns sql.ErrNoRows into an ErrNotFound naming the entity.
func notFound(err error, entity string, id int64) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s %d: %w", entity, id, ErrNotFound)
	}
	return fmt.Errorf("read %s %d: %w", entity, id, err)
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(...any) error }

func scanCandidate(r scanner) (Candidate, error) {
	var c Candidate
	var kind, status, sources, content string
	var created, updated int64
	if err := r.Scan(&c.ID, &kind, &c.TargetArticleID, &status, &c.Reviewer, &c.Author, &c.MinerKey, &c.Evidence,
		&c.Consistency, &sources, &content, &c.ArticleID, &c.Revision, &created, &updated); err != nil {
		return Candidate{}, err
	}
	c.Kind, c.Status = Kind(kind), Status(status)
	c.CreatedAt, c.UpdatedAt = fromMicros(created), fromMicros(updated)
	if err := json.Unmarshal([]byte(sources), &c.Sources); err != nil {
		return Candidate{}, fmt.Errorf("decode sources of candidate %d: %w", c.ID, err)
	}
	if err := json.Unmarshal([]byte(content), &c.Content); err != nil {
		return Candidate{}, fmt.Errorf("decode content of candidate %d: %w", c.ID, err)
	}
	return c, nil
}

// scanArticleRow reads an article without its content.
func scanArticleRow(r scanner) (Article, error) {
	var a Article
	var status string
	var best, created, updated int64
	if err := r.Scan(&a.ID, &status, &a.CurrentVersion, &best, &created, &updated); err != nil {
		return Article{}, err
	}
	a.Status, a.BestPractice = ArticleStatus(status), best != 0
	a.CreatedAt, a.UpdatedAt = fromMicros(created), fromMicros(updated)
	return a, nil
}

// scanArticle reads an article joined with its current version's content.
func scanArticle(r scanner) (Article, error) {
	var a Article
	var status, content string
	var best, created, updated int64
	if err := r.Scan(&a.ID, &status, &a.CurrentVersion, &best, &created, &updated, &content); err != nil {
		return Article{}, err
	}
	a.Status, a.BestPractice = ArticleStatus(status), best != 0
	a.CreatedAt, a.UpdatedAt = fromMicros(created), fromMicros(updated)
	if err := json.Unmarshal([]byte(content), &a.Content); err != nil {
		return Article{}, fmt.Errorf("decode content of article %d: %w", a.ID, err)
	}
	return a, nil
}

func scanVersion(r scanner) (Version, error) {
	var v Version
	var content string
	var created int64
	if err := r.Scan(&v.ArticleID, &v.Number, &content, &v.Author, &v.ApprovedBy, &v.SourceCandidateID,
		&v.RollbackOf, &v.Note, &created); err != nil {
		return Version{}, err
	}
	v.CreatedAt = fromMicros(created)
	if err := json.Unmarshal([]byte(content), &v.Content); err != nil {
		return Version{}, fmt.Errorf("decode content of article %d version %d: %w", v.ArticleID, v.Number, err)
	}
	return v, nil
}

func encodeJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/deskmine/deskmine/internal/testclock"
	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/auth"
	"github.com/deskmine/deskmine/ticketcore/events"
)

// ---- pure functions ----

// TestEmbeddedQueriesCoverCode checks that every statement name the package
// asks for (reader, writer, stmt) is defined in queries.sql, so the panic in
// reader/writer cannot be reached by a typo.
func TestEmbeddedQueriesCoverCode(t *testing.T) {
	q, err := loadQueries()
	if err != nil {
		t.Fatalf("parse queries.sql: %v", err)
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	used := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || (sel.Sel.Name != "reader" && sel.Sel.Name != "writer" && sel.Sel.Name != "stmt") {
				return true
			}
			for _, a := range call.Args {
				if lit, ok := a.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					name, err := strconv.Unquote(lit.Value)
					if err != nil {
						t.Fatal(err)
					}
					used[name] = true
				}
			}
			return true
		})
	}
	if len(used) < 10 {
		t.Fatalf("found only %d query names in the source; the scan is broken", len(used))
	}
	for name := range used {
		if _, ok := q[name]; !ok {
			t.Errorf("code uses query %q, which queries.sql does not define", name)
		}
	}
}

func TestSQLiteRebindDropsForUpdate(t *testing.T) {
	q, err := loadQueries()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"get-ticket-for-update", "get-ticket-by-external-id-for-update"} {
		text, ok := q[name]
		if !ok || !strings.Contains(text, " FOR UPDATE") {
			t.Fatalf("query %s should exist and lock with FOR UPDATE: %q", name, text)
		}
		got := sqliteDialect.rebind(text)
		if strings.Contains(got, "FOR UPDATE") {
			t.Errorf("sqlite %s still locks: %q", name, got)
		}
		if want := strings.Replace(text, " FOR UPDATE", "", 1); got != want {
			t.Errorf("sqlite %s = %q, want %q", name, got, want)
		}
		if strings.Contains(got, "$") {
			t.Errorf("sqlite %s got dollar placeholders: %q", name, got)
		}
		if pg := postgresDialect.rebind(text); !strings.Contains(pg, "FOR UPDATE") || strings.Contains(pg, "?") {
			t.Errorf("postgres %s = %q, want FOR UPDATE kept and $n placeholders", name, pg)
		}
	}
	if got := sqliteDialect.rebind("SELECT ? FROM t"); got != "SELECT ? FROM t" {
		t.Errorf("sqlite must keep ? placeholders, got %q", got)
	}
}

func TestMigrations(t *testing.T) {
	versions := map[string][]int{}
	for _, d := range []string{"sqlite", "postgres"} {
		ms, err := Migrations(d)
		if err != nil {
			t.Fatalf("%s: %v", d, err)
		}
		if len(ms) == 0 {
			t.Fatalf("%s: no migrations", d)
		}
		for i, m := range ms {
			if i > 0 && m.Version <= ms[i-1].Version {
				t.Errorf("%s: migration %s not after %s", d, m.Name, ms[i-1].Name)
			}
			if !strings.HasPrefix(m.Name, fmt.Sprintf("%04d_", m.Version)) || strings.TrimSpace(m.SQL) == "" {
				t.Errorf("%s: migration %+v: want a %04d_ name and SQL", d, m.Name, m.Version)
			}
			versions[d] = append(versions[d], m.Version)
		}
	}
	if !slices.Equal(versions["sqlite"], versions["postgres"]) {
		t.Errorf("dialects have different migration versions: sqlite %v, postgres %v", versions["sqlite"], versions["postgres"])
	}
	if _, err := Migrations("oracle"); err == nil {
		t.Error("unknown dialect: want an error")
	}
}

func TestIsPostgres(t *testing.T) {
	for dsn, want := range map[string]bool{
		"postgres://u@h/db":                  true,
		"postgresql://u@h:5432/db?x=y":       true,
		"/var/lib/deskmine/deskmine.db":      false,
		"deskmine.db":                        false,
		"file:postgres://x":                  false,
		"Postgres://u@h/db":                  false, // the scheme is matched as written
		"./postgres/deskmine.db":             false,
		"host=localhost user=postgres":       false,
		"postgres:/not-a-url-just-a-path.db": false,
	} {
		if got := IsPostgres(dsn); got != want {
			t.Errorf("IsPostgres(%q) = %v, want %v", dsn, got, want)
		}
	}
}

func TestEscapeLike(t *testing.T) {
	for in, want := range map[string]string{
		"plain":      "plain",
		"50%_off":    `50\%\_off`,
		`C:\temp`:    `C:\\temp`,
		`\%_`:        `\\\%\_`,
		"":           "",
		"100%% sure": `100\%\% sure`,
	} {
		if got := escapeLike(in); got != want {
			t.Errorf("escapeLike(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCursorRoundTrip(t *testing.T) {
	for _, c := range []cursor{
		{V: int64(1718000000123456), I: 42},
		{V: "P2", I: 7},
		{V: int64(0), I: 1},
	} {
		s := encodeCursor(c)
		if strings.ContainsAny(s, "+/=") {
			t.Errorf("cursor %q is not raw URL-safe base64", s)
		}
		got, err := decodeCursor(s)
		if err != nil {
			t.Fatalf("decode %q: %v", s, err)
		}
		if got.I != c.I {
			t.Errorf("id = %d, want %d", got.I, c.I)
		}
		switch v := c.V.(type) {
		case int64:
			// JSON numbers come back as float64; microsecond timestamps fit exactly.
			if f, ok := got.V.(float64); !ok || int64(f) != v {
				t.Errorf("value = %#v, want %d", got.V, v)
			}
		case string:
			if got.V != v {
				t.Errorf("value = %#v, want %q", got.V, v)
			}
		}
	}
}

func TestDecodeCursorRefusesForgery(t *testing.T) {
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for _, s := range []string{
		"!!not base64!!",
		base64.StdEncoding.EncodeToString([]byte(`{"v":"P1","i":1}`)) + "==", // padded, not raw
		b64("not json"),
		b64(`{"i":1}`),
		b64(`{"v":null,"i":1}`),
		b64(`{"v":true,"i":1}`),
		b64(`{"v":{"a":1},"i":1}`),
		b64(`{"v":[1],"i":1}`),
		b64(`{"v":1,"i":"x"}`),
	} {
		if _, err := decodeCursor(s); err == nil {
			t.Errorf("decodeCursor(%q) accepted a forged cursor", s)
		}
	}
}

// ---- helpers for backend tests ----

func openStore(t *testing.T, dsn string) *Store {
	t.Helper()
	st, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func newService(t *testing.T, st *Store, now func() time.Time) *ticketcore.Service {
	t.Helper()
	opts := ticketcore.DefaultOptions()
	opts.Now = now
	svc, err := ticketcore.NewService(st, opts)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

var agent = ticketcore.Actor{UserID: 7, Name: "alice", Role: "agent"}

func sampleTicket(subject string, at time.Time) *ticketcore.Ticket {
	return &ticketcore.Ticket{Version: 1, Subject: subject, Type: "question", Channel: "email", Urgency: "medium",
		Priority: "P3", Status: "new", Tags: []string{"a"}, CustomFields: map[string]any{"k": "v"}, CreatedAt: at, UpdatedAt: at}
}

func sampleEvent(tk *ticketcore.Ticket, typ events.Type, at time.Time) *events.Event {
	return &events.Event{SchemaVersion: events.SchemaVersion, ID: uuid.NewString(), TicketID: tk.ID, TicketVersion: tk.Version,
		Type: typ, At: at, RecordedAt: at.Add(time.Microsecond), Actor: events.Actor{ID: 7, Name: "alice", Role: "agent"},
		Source: events.SourceAPI, Reason: "because",
		Changes: []events.Change{{Field: "subject", Old: json.RawMessage(`"old"`), New: json.RawMessage(`"` + tk.Subject + `"`)}},
		Ticket:  *tk}
}

// insertTicket commits a ticket and its created event.
func insertTicket(t *testing.T, st *Store, tk *ticketcore.Ticket) *events.Event {
	t.Helper()
	var e *events.Event
	err := st.InTx(context.Background(), func(tx ticketcore.Tx) error {
		if err := tx.InsertTicket(context.Background(), tk); err != nil {
			return err
		}
		e = sampleEvent(tk, events.TicketCreated, tk.CreatedAt)
		return tx.AppendEvent(context.Background(), e)
	})
	if err != nil {
		t.Fatalf("insert ticket: %v", err)
	}
	return e
}

func count(t *testing.T, st *Store, table string) int {
	t.Helper()
	var n int
	if err := st.DB().QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

func allEvents(t *testing.T, st *Store) []events.Event {
	t.Helper()
	var out []events.Event
	var after int64
	for {
		page, err := st.Events(context.Background(), after, 1000)
		if err != nil {
			t.Fatalf("events: %v", err)
		}
		if len(page) == 0 {
			return out
		}
		out = append(out, page...)
		after = page[len(page)-1].Seq
	}
}

// ---- backend tests ----

func TestOpenTwiceMigratesOnce(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			dsn := b.DSN(t)
			ms, err := Migrations(b.Name)
			if err != nil {
				t.Fatal(err)
			}
			appliedAt := func(st *Store) map[int]int64 {
				rows, err := st.DB().QueryContext(ctx, "SELECT version, applied_at FROM schema_migrations ORDER BY version")
				if err != nil {
					t.Fatal(err)
				}
				defer rows.Close()
				out := map[int]int64{}
				for rows.Next() {
					var v int
					var at int64
					if err := rows.Scan(&v, &at); err != nil {
						t.Fatal(err)
					}
					out[v] = at
				}
				if err := rows.Err(); err != nil {
					t.Fatal(err)
				}
				return out
			}

			s1, err := Open(ctx, dsn)
			if err != nil {
				t.Fatalf("first open: %v", err)
			}
			if s1.Dialect() != b.Name {
				t.Errorf("dialect %q, want %q", s1.Dialect(), b.Name)
			}
			v1, err := s1.SchemaVersion(ctx)
			if err != nil {
				t.Fatal(err)
			}
			first := appliedAt(s1)
			if err := s1.Close(); err != nil {
				t.Fatalf("close: %v", err)
			}

			s2 := openStore(t, dsn)
			if err := s2.Migrate(ctx); err != nil { // a third run, explicitly
				t.Fatalf("migrate again: %v", err)
			}
			v2, err := s2.SchemaVersion(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if v1 != ms[len(ms)-1].Version || v2 != v1 {
				t.Errorf("schema version %d then %d, want %d both times", v1, v2, ms[len(ms)-1].Version)
			}
			if n := count(t, s2, "schema_migrations"); n != len(ms) {
				t.Errorf("schema_migrations has %d rows, want %d", n, len(ms))
			}
			second := appliedAt(s2)
			for _, m := range ms {
				if at, ok := first[m.Version]; !ok || second[m.Version] != at {
					t.Errorf("migration %s: applied_at %d then %d; it was re-applied or never recorded", m.Name, at, second[m.Version])
				}
			}
		})
	}
}

func TestOpenPreparesEveryQuery(t *testing.T) {
	q, err := loadQueries()
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			st := openStore(t, b.DSN(t))
			if len(st.wstmt) != len(q) || len(st.rstmt) != len(q) {
				t.Fatalf("prepared %d writer and %d reader statements, want %d each", len(st.wstmt), len(st.rstmt), len(q))
			}
			for name := range q {
				if st.wstmt[name] == nil || st.rstmt[name] == nil {
					t.Errorf("query %s not prepared", name)
				}
			}
			if err := st.Ping(context.Background()); err != nil {
				t.Fatalf("ping: %v", err)
			}
		})
	}
}

func TestInTxRollsBackOnError(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			st := openStore(t, b.DSN(t))
			boom := errors.New("boom")
			var id int64
			err := st.InTx(ctx, func(tx ticketcore.Tx) error {
				tk := sampleTicket("rolled back", time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC))
				if err := tx.InsertTicket(ctx, tk); err != nil {
					return err
				}
				id = tk.ID
				if err := tx.AppendEvent(ctx, sampleEvent(tk, events.TicketCreated, tk.CreatedAt)); err != nil {
					return err
				}
				// The transaction sees its own row.
				if _, err := tx.TicketForUpdate(ctx, id); err != nil {
					return fmt.Errorf("read own write: %w", err)
				}
				return boom
			})
			if !errors.Is(err, boom) {
				t.Fatalf("InTx = %v, want the callback's error", err)
			}
			if id == 0 {
				t.Fatal("InsertTicket did not set the id")
			}
			if _, err := st.GetTicket(ctx, id); !errors.Is(err, ticketcore.ErrNotFound) {
				t.Errorf("GetTicket after rollback = %v, want ErrNotFound", err)
			}
			for _, table := range []string{"tickets", "events", "ticket_changes"} {
				if n := count(t, st, table); n != 0 {
					t.Errorf("%s has %d rows after rollback", table, n)
				}
			}
			// and a committed transaction is visible
			tk := sampleTicket("kept", time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC))
			insertTicket(t, st, tk)
			if got, err := st.GetTicket(ctx, tk.ID); err != nil || got.Subject != "kept" {
				t.Fatalf("GetTicket after commit = %+v, %v", got, err)
			}
		})
	}
}

func TestUpdateTicketStaleVersion(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			st := openStore(t, b.DSN(t))
			at := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
			tk := sampleTicket("v1", at)
			insertTicket(t, st, tk)

			update := func(subject string, version, prev int64) error {
				return st.InTx(ctx, func(tx ticketcore.Tx) error {
					cur, err := tx.TicketForUpdate(ctx, tk.ID)
					if err != nil {
						return err
					}
					cur.Subject, cur.Version, cur.UpdatedAt = subject, version, at.Add(time.Hour)
					return tx.UpdateTicket(ctx, cur, prev)
				})
			}
			if err := update("stale", 2, 5); !errors.Is(err, ticketcore.ErrConflict) {
				t.Fatalf("update from version 5 = %v, want ErrConflict", err)
			}
			if err := update("v2", 2, 1); err != nil {
				t.Fatalf("update from version 1: %v", err)
			}
			if err := update("stale again", 2, 1); !errors.Is(err, ticketcore.ErrConflict) {
				t.Fatalf("second update from version 1 = %v, want ErrConflict", err)
			}
			got, err := st.GetTicket(ctx, tk.ID)
			if err != nil || got.Version != 2 || got.Subject != "v2" {
				t.Fatalf("ticket = %+v, %v; want version 2 subject v2", got, err)
			}
			err = st.InTx(ctx, func(tx ticketcore.Tx) error {
				_, err := tx.TicketForUpdate(ctx, tk.ID+1000)
				return err
			})
			if !errors.Is(err, ticketcore.ErrNotFound) {
				t.Errorf("TicketForUpdate of a missing ticket = %v, want ErrNotFound", err)
			}
		})
	}
}

func TestEventsInSeqOrder(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			st := openStore(t, b.DSN(t))
			base := time.Date(2024, 5, 1, 8, 30, 0, 123456000, time.UTC)
			a, c := sampleTicket("a", base), sampleTicket("c", base)
			written := []*events.Event{insertTicket(t, st, a), insertTicket(t, st, c)}
			// interleave changes of the two tickets
			for i := 2; i <= 4; i++ {
				for _, tk := range []*ticketcore.Ticket{c, a} {
					err := st.InTx(ctx, func(tx ticketcore.Tx) error {
						prev := tk.Version
						tk.Version, tk.Subject, tk.UpdatedAt = int64(i), fmt.Sprintf("%d", i), base.Add(time.Duration(i)*time.Second)
						if err := tx.UpdateTicket(ctx, tk, prev); err != nil {
							return err
						}
						e := sampleEvent(tk, events.TicketUpdated, tk.UpdatedAt)
						if i == 3 {
							e.Type, e.Comment = events.TicketCommented, &events.Comment{ID: 9, Body: "hello ünïcode", Public: true}
						}
						written = append(written, e)
						return tx.AppendEvent(ctx, e)
					})
					if err != nil {
						t.Fatal(err)
					}
				}
			}
			got := allEvents(t, st)
			if len(got) != len(written) {
				t.Fatalf("read %d events, wrote %d", len(got), len(written))
			}
			for i := range got {
				w := written[i]
				if w.Seq == 0 || got[i].Seq != w.Seq {
					t.Errorf("event %d: seq %d, AppendEvent set %d", i, got[i].Seq, w.Seq)
				}
				if i > 0 && got[i].Seq <= got[i-1].Seq {
					t.Errorf("event %d: seq %d after %d", i, got[i].Seq, got[i-1].Seq)
				}
				wj, _ := json.Marshal(w)
				gj, _ := json.Marshal(got[i])
				if string(wj) != string(gj) {
					t.Errorf("event %d differs:\nwrote %s\nread  %s", i, wj, gj)
				}
				if err := got[i].Validate(); err != nil {
					t.Errorf("event %d invalid: %v", i, err)
				}
			}
			// paging with after=seq returns the rest, in order
			mid := got[2].Seq
			rest, err := st.Events(ctx, mid, 2)
			if err != nil || len(rest) != 2 || rest[0].Seq != got[3].Seq || rest[1].Seq != got[4].Seq {
				t.Errorf("Events(after %d, 2) = %d events, %v", mid, len(rest), err)
			}
			// the audit trail mirrors the events
			hist, err := st.History(ctx, a.ID)
			if err != nil || len(hist) != 4 {
				t.Fatalf("history = %d entries, %v", len(hist), err)
			}
			for i, h := range hist {
				if h.Version != int64(i+1) || h.Actor.Name != "alice" || h.Source != events.SourceAPI || h.Reason != "because" ||
					len(h.Changes) != 1 || h.Changes[0].Field != "subject" {
					t.Errorf("history %d = %+v", i, h)
				}
			}
		})
	}
}

func TestTimesRoundTrip(t *testing.T) {
	times := []time.Time{
		time.Date(2024, 2, 29, 23, 59, 59, 123456000, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 999999000, time.UTC), // negative unix micros
		time.Date(9999, 12, 31, 23, 59, 58, 999999000, time.UTC), // JSON stops at year 9999
		time.UnixMicro(1).UTC(),
	}
	same := func(got, want time.Time) bool { return got.Equal(want) && got.Location() == time.UTC }
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			st := openStore(t, b.DSN(t))
			for i, at := range times {
				tk := sampleTicket(fmt.Sprintf("t%d", i), at)
				tk.UpdatedAt = at.Add(time.Microsecond)
				resolved := at.Add(2 * time.Microsecond)
				tk.ResolvedAt = &resolved
				e := insertTicket(t, st, tk)

				got, err := st.GetTicket(ctx, tk.ID)
				if err != nil {
					t.Fatal(err)
				}
				if !same(got.CreatedAt, tk.CreatedAt) || !same(got.UpdatedAt, tk.UpdatedAt) || got.ResolvedAt == nil || !same(*got.ResolvedAt, resolved) {
					t.Errorf("ticket times %v %v %v, want %v %v %v", got.CreatedAt, got.UpdatedAt, got.ResolvedAt, tk.CreatedAt, tk.UpdatedAt, resolved)
				}
				evs, err := st.Events(ctx, e.Seq-1, 1)
				if err != nil || len(evs) != 1 {
					t.Fatalf("events: %v", err)
				}
				if !same(evs[0].At, e.At) || !same(evs[0].RecordedAt, e.RecordedAt) || !same(evs[0].Ticket.CreatedAt, at) {
					t.Errorf("event times %v %v, want %v %v", evs[0].At, evs[0].RecordedAt, e.At, e.RecordedAt)
				}
				hist, err := st.History(ctx, tk.ID)
				if err != nil || len(hist) != 1 || !same(hist[0].At, at) {
					t.Errorf("history at = %+v, %v; want %v", hist, err, at)
				}

				u := &auth.User{Login: fmt.Sprintf("u%d", i), Name: "U", Role: auth.RoleAgent, Active: true, CreatedAt: at}
				if err := st.InsertUser(ctx, u); err != nil {
					t.Fatal(err)
				}
				gu, err := st.UserByID(ctx, u.ID)
				if err != nil || !same(gu.CreatedAt, at) {
					t.Errorf("user created_at = %v, %v; want %v", gu, err, at)
				}
				tok := &auth.Token{UserID: u.ID, Name: "n", Prefix: "dm_x", CreatedAt: at}
				if err := st.InsertToken(ctx, tok, fmt.Sprintf("hash%d", i)); err != nil {
					t.Fatal(err)
				}
				if err := st.RevokeToken(ctx, u.ID, tok.ID, tk.UpdatedAt); err != nil {
					t.Fatal(err)
				}
				toks, err := st.Tokens(ctx, u.ID)
				if err != nil || len(toks) != 1 || !same(toks[0].CreatedAt, at) || toks[0].RevokedAt == nil || !same(*toks[0].RevokedAt, tk.UpdatedAt) {
					t.Errorf("token times = %+v, %v; want created %v revoked %v", toks, err, at, tk.UpdatedAt)
				}
			}
		})
	}
}

func TestFindCustomerPriority(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			st := openStore(t, b.DSN(t))
			now := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
			byEmail := &ticketcore.Customer{Email: "a@example.com", Name: "by email"}
			byExt := &ticketcore.Customer{ExternalID: "ext-b", Name: "by external id"}
			byPhone := &ticketcore.Customer{Phone: "+15550100", Name: "by phone"}
			err := st.InTx(ctx, func(tx ticketcore.Tx) error {
				for _, c := range []*ticketcore.Customer{byEmail, byExt, byPhone} {
					if err := tx.SaveCustomer(ctx, c, now); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatalf("save customers: %v", err)
			}
			for _, tc := range []struct {
				name string
				in   ticketcore.CustomerInput
				want *ticketcore.Customer
			}{
				{"email wins over all", ticketcore.CustomerInput{Email: "a@example.com", ExternalID: "ext-b", Phone: "+15550100"}, byEmail},
				{"external id wins over phone", ticketcore.CustomerInput{ExternalID: "ext-b", Phone: "+15550100"}, byExt},
				{"unknown email falls to external id", ticketcore.CustomerInput{Email: "nobody@example.com", ExternalID: "ext-b", Phone: "+15550100"}, byExt},
				{"phone alone", ticketcore.CustomerInput{Phone: "+15550100"}, byPhone},
				{"unknown email falls to phone", ticketcore.CustomerInput{Email: "nobody@example.com", Phone: "+15550100"}, byPhone},
				{"email alone", ticketcore.CustomerInput{Email: "a@example.com"}, byEmail},
				{"nothing known", ticketcore.CustomerInput{Email: "x@example.com", ExternalID: "x", Phone: "+1"}, nil},
				{"empty identities match no one", ticketcore.CustomerInput{Name: "by email"}, nil},
			} {
				t.Run(tc.name, func(t *testing.T) {
					var got *ticketcore.Customer
					err := st.InTx(ctx, func(tx ticketcore.Tx) error {
						var err error
						got, err = tx.FindCustomer(ctx, tc.in)
						return err
					})
					if err != nil {
						t.Fatal(err)
					}
					switch {
					case tc.want == nil && got != nil:
						t.Errorf("found %+v, want none", got)
					case tc.want != nil && (got == nil || *got != *tc.want):
						t.Errorf("found %+v, want %+v", got, tc.want)
					}
				})
			}
			if c, err := st.GetCustomer(ctx, byExt.ID); err != nil || *c != *byExt {
				t.Errorf("GetCustomer = %+v, %v", c, err)
			}
			if _, err := st.GetCustomer(ctx, 12345); !errors.Is(err, ticketcore.ErrNotFound) {
				t.Errorf("GetCustomer of a missing id = %v, want ErrNotFound", err)
			}
		})
	}
}

func TestIsUnique(t *testing.T) {
	if isUnique(nil) || isUnique(errors.New("UNIQUE constraint failed")) {
		t.Error("isUnique is true for an error that is not a database error")
	}
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			st := openStore(t, b.DSN(t))
			exec := func(q string, args ...any) error {
				_, err := st.DB().ExecContext(ctx, st.d.rebind(q), args...)
				return err
			}
			insUser := "INSERT INTO users (login, name, role, created_at) VALUES (?, ?, ?, ?)"
			if err := exec(insUser, "dup", "D", "agent", 1); err != nil {
				t.Fatal(err)
			}
			insDef := "INSERT INTO field_defs (name, def, updated_at) VALUES (?, ?, ?)"
			if err := exec(insDef, "f", "{}", 1); err != nil {
				t.Fatal(err)
			}
			for _, tc := range []struct {
				name string
				err  error
				want bool
			}{
				{"unique column", exec(insUser, "dup", "D2", "agent", 2), true},
				{"primary key", exec(insDef, "f", "{}", 2), true},
				{"partial unique index", func() error {
					q := "INSERT INTO customers (email, created_at, updated_at) VALUES (?, ?, ?)"
					if err := exec(q, "c@example.com", 1, 1); err != nil {
						return err
					}
					return exec(q, "c@example.com", 1, 1)
				}(), true},
				{"not null", exec("INSERT INTO users (login, role, created_at) VALUES (?, ?, ?)", "x", "agent", 1), false},
				{"foreign key", exec("INSERT INTO sessions (id_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)", "h", 999, 1, 2), false},
				{"syntax", exec("INSERT INTO nowhere VALUES (1)"), false},
			} {
				if tc.err == nil {
					t.Errorf("%s: the statement succeeded; want a constraint error", tc.name)
					continue
				}
				if got := isUnique(tc.err); got != tc.want {
					t.Errorf("%s: isUnique(%v) = %v, want %v", tc.name, tc.err, got, tc.want)
				}
				if got := isUnique(fmt.Errorf("wrapped: %w", tc.err)); got != tc.want {
					t.Errorf("%s: isUnique of the wrapped error = %v, want %v", tc.name, got, tc.want)
				}
			}

			// and the store turns them into typed errors
			if err := st.InsertUser(ctx, &auth.User{Login: "dup", Name: "D", Role: auth.RoleAgent}); !errors.Is(err, auth.ErrDuplicate) {
				t.Errorf("InsertUser of a taken login = %v, want auth.ErrDuplicate", err)
			}
			at := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
			first := sampleTicket("first", at)
			first.ExternalID = "EXT-1"
			insertTicket(t, st, first)
			second := sampleTicket("second", at)
			second.ExternalID = "EXT-1"
			err := st.InTx(ctx, func(tx ticketcore.Tx) error { return tx.InsertTicket(ctx, second) })
			if e, ok := ticketcore.AsError(err); !ok || e.Code != ticketcore.CodeInvalid || e.Fields["external_id"] == "" {
				t.Errorf("duplicate external id = %v, want an invalid external_id error", err)
			}
		})
	}
}

// listFixture creates 30 tickets through the service with ties in every sort
// key: created_at in groups of three, updated_at moved for some tickets, four
// priorities.
func listFixture(t *testing.T, st *Store) []ticketcore.Ticket {
	t.Helper()
	ctx := context.Background()
	clk := &testclock.Clock{}
	svc := newService(t, st, clk.Now)
	base := time.Date(2024, 6, 1, 9, 0, 0, 250000000, time.UTC)
	var ids []int64
	for i := 0; i < 30; i++ {
		clk.Set(base.Add(time.Duration(i/3) * time.Second))
		in := ticketcore.CreateInput{Subject: fmt.Sprintf("ticket %02d", i), Channel: "email",
			Priority: ticketcore.Priorities[(i*7)%4],
			Customer: ticketcore.CustomerInput{Email: fmt.Sprintf("c%d@example.com", i%5)}}
		res, err := svc.Create(ctx, agent, in, "")
		if err != nil {
			t.Fatalf("create %d: %v", i, err)
		}
		ids = append(ids, res.Ticket.ID)
	}
	team := "billing"
	for i, id := range ids {
		if i%4 != 0 {
			continue
		}
		clk.Set(base.Add(time.Hour + time.Duration(i/8)*time.Second))
		if _, err := svc.Update(ctx, agent, id, 1, ticketcore.Patch{Team: &team}); err != nil {
			t.Fatalf("update %d: %v", id, err)
		}
	}
	var out []ticketcore.Ticket
	for _, id := range ids {
		tk, err := st.GetTicket(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, *tk)
	}
	return out
}

func TestListTicketsSortAndPage(t *testing.T) {
	keyOf := map[string]func(ticketcore.Ticket) string{
		"created_at": func(tk ticketcore.Ticket) string { return fmt.Sprintf("%020d", tk.CreatedAt.UnixMicro()) },
		"updated_at": func(tk ticketcore.Ticket) string { return fmt.Sprintf("%020d", tk.UpdatedAt.UnixMicro()) },
		"priority":   func(tk ticketcore.Ticket) string { return tk.Priority },
		"id":         func(tk ticketcore.Ticket) string { return "" },
	}
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			st := openStore(t, b.DSN(t))
			all := listFixture(t, st)
			for _, key := range ticketcore.SortKeys {
				keyFn, ok := keyOf[key]
				if !ok {
					t.Fatalf("no expectation for sort key %s", key)
				}
				asc := slices.Clone(all)
				slices.SortFunc(asc, func(x, y ticketcore.Ticket) int {
					if c := strings.Compare(keyFn(x), keyFn(y)); c != 0 {
						return c
					}
					return int(x.ID - y.ID)
				})
				for _, desc := range []bool{false, true} {
					want := make([]int64, len(asc))
					for i, tk := range asc {
						want[i] = tk.ID
					}
					sort := key
					if desc {
						sort = "-" + key
						slices.Reverse(want)
					}
					for _, limit := range []int{1, 7, 10, 30, 31} {
						t.Run(fmt.Sprintf("%s/limit=%d", sort, limit), func(t *testing.T) {
							var got []int64
							cursor := ""
							for page := 0; ; page++ {
								if page > len(all)+1 {
									t.Fatalf("paging does not end; got %v", got)
								}
								p, err := st.ListTickets(ctx, ticketcore.ListQuery{Sort: sort, Limit: limit, Cursor: cursor})
								if err != nil {
									t.Fatalf("page %d: %v", page, err)
								}
								if len(p.Tickets) > limit || (p.NextCursor != "" && len(p.Tickets) != limit) {
									t.Fatalf("page %d: %d tickets with limit %d, next %q", page, len(p.Tickets), limit, p.NextCursor)
								}
								for _, tk := range p.Tickets {
									got = append(got, tk.ID)
								}
								if p.NextCursor == "" {
									break
								}
								cursor = p.NextCursor
							}
							if !slices.Equal(got, want) {
								t.Errorf("order\n got %v\nwant %v", got, want)
							}
						})
					}
				}
			}
			// filters combine with the cursor
			var billing []int64
			for _, tk := range all {
				if tk.Team == "billing" {
					billing = append(billing, tk.ID)
				}
			}
			var got []int64
			cursor := ""
			for {
				p, err := st.ListTickets(ctx, ticketcore.ListQuery{Team: []string{"billing"}, Sort: "id", Limit: 3, Cursor: cursor})
				if err != nil {
					t.Fatal(err)
				}
				for _, tk := range p.Tickets {
					got = append(got, tk.ID)
				}
				if cursor = p.NextCursor; cursor == "" {
					break
				}
			}
			if len(billing) == 0 || !slices.Equal(got, billing) {
				t.Errorf("team filter paged %v, want %v", got, billing)
			}
			if _, err := st.ListTickets(ctx, ticketcore.ListQuery{Sort: "subject", Limit: 5}); err == nil {
				t.Error("unknown sort key accepted")
			}
		})
	}
}

func TestListTicketsSearchIsLiteral(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			st := openStore(t, b.DSN(t))
			svc := newService(t, st, time.Now)
			create := func(subject, description, externalID string) int64 {
				res, err := svc.Create(ctx, agent, ticketcore.CreateInput{Subject: subject, Description: description,
					ExternalID: externalID, Customer: ticketcore.CustomerInput{Email: "s@example.com"}}, "")
				if err != nil {
					t.Fatalf("create %q: %v", subject, err)
				}
				return res.Ticket.ID
			}
			literal := create("Voucher 50%_off not applied", "", "")
			inDescription := create("Voucher problem", "the code 50%_OFF fails", "")
			// each of these would match if % or _ acted as wildcards
			spaced := create("Voucher 50% off", "", "")
			create("Voucher 50xyoff", "", "")
			create("Voucher 500_off", "", "")
			other := create("Voucher 50%Xoff", "", "")
			backslash := create(`Path C:\temp\x is full`, "", "")
			create("Path C:temp is full", "", "")
			byExternalID := create("Unrelated", "", "50%_off")

			search := func(q string) []int64 {
				p, err := st.ListTickets(ctx, ticketcore.ListQuery{Q: q, Sort: "id", Limit: 100})
				if err != nil {
					t.Fatalf("search %q: %v", q, err)
				}
				var ids []int64
				for _, tk := range p.Tickets {
					ids = append(ids, tk.ID)
				}
				return ids
			}
			if got, want := search("50%_off"), []int64{literal, inDescription, byExternalID}; !slices.Equal(got, want) {
				t.Errorf(`search "50%%_off" = %v, want %v`, got, want)
			}
			if got, want := search(`C:\temp`), []int64{backslash}; !slices.Equal(got, want) {
				t.Errorf(`search "C:\temp" = %v, want %v`, got, want)
			}
			if got, want := search("%"), []int64{literal, inDescription, spaced, other}; !slices.Equal(got, want) {
				t.Errorf(`search "%%" = %v, want %v, the tickets containing a percent sign`, got, want)
			}
		})
	}
}

func TestListTicketsRefusesForgedCursor(t *testing.T) {
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			st := openStore(t, b.DSN(t))
			for i := 0; i < 3; i++ {
				insertTicket(t, st, sampleTicket("t", time.Date(2024, 5, 1, 0, 0, i, 0, time.UTC)))
			}
			for _, c := range []struct{ sort, cursor string }{
				{"created_at", "garbage!"},
				{"created_at", b64("garbage")},
				{"created_at", b64(`{"v":true,"i":1}`)},
				{"priority", b64(`{"v":null,"i":1}`)},
				{"id", b64(`{"i":1}`)},
			} {
				_, err := st.ListTickets(ctx, ticketcore.ListQuery{Sort: c.sort, Cursor: c.cursor, Limit: 2})
				if e, ok := ticketcore.AsError(err); !ok || e.Code != ticketcore.CodeInvalid || e.Fields["cursor"] == "" {
					t.Errorf("sort %s cursor %q: got %v, want an invalid cursor error", c.sort, c.cursor, err)
				}
			}
		})
	}
}

// A cursor whose value does not have the sort column's type is forged too.
func TestListTicketsRefusesCursorOfWrongType(t *testing.T) {
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			st := openStore(t, b.DSN(t))
			for i := 0; i < 3; i++ {
				insertTicket(t, st, sampleTicket("t", time.Date(2024, 5, 1, 0, 0, i, 0, time.UTC)))
			}
			for _, c := range []struct{ sort, cursor string }{
				{"created_at", b64(`{"v":"abc","i":1}`)},
				{"-updated_at", b64(`{"v":"1","i":1}`)},
				{"priority", b64(`{"v":5,"i":1}`)},
			} {
				p, err := st.ListTickets(ctx, ticketcore.ListQuery{Sort: c.sort, Cursor: c.cursor, Limit: 2})
				if e, ok := ticketcore.AsError(err); !ok || e.Code != ticketcore.CodeInvalid || e.Fields["cursor"] == "" {
					t.Errorf("sort %s cursor %q: got %d tickets, %v; want an invalid cursor error", c.sort, c.cursor, len(p.Tickets), err)
				}
			}
		})
	}
}

// Several API replicas may start at once on a fresh PostgreSQL database.
func TestConcurrentOpenMigratesOnce(t *testing.T) {
	ctx := context.Background()
	dsn := testdb.PostgresDSN(t)
	ms, err := Migrations("postgres")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := Open(ctx, dsn)
			if err != nil {
				t.Errorf("open %d: %v", i, err)
				return
			}
			st.Close()
		}()
	}
	wg.Wait()
	st := openStore(t, dsn)
	if n := count(t, st, "schema_migrations"); n != len(ms) {
		t.Errorf("schema_migrations has %d rows, want %d", n, len(ms))
	}
}

// TestConcurrentAppendsFollowCommitOrder writes from many goroutines while a
// reader pages with after=seq; a seq that commits after a higher one would be
// skipped by the reader.
func TestConcurrentAppendsFollowCommitOrder(t *testing.T) {
	const writers, perWriter = 16, 20
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			st := openStore(t, b.DSN(t))
			svc := newService(t, st, time.Now)

			var writersDone atomic.Bool
			seen := map[string]int{}
			readerDone := make(chan error, 1)
			go func() {
				var after int64
				for {
					finished := writersDone.Load() // read before the query: then an empty page means the end
					page, err := st.Events(ctx, after, 50)
					if err != nil {
						readerDone <- err
						return
					}
					for _, e := range page {
						if e.Seq <= after {
							readerDone <- fmt.Errorf("seq %d after %d", e.Seq, after)
							return
						}
						after = e.Seq
						seen[e.ID]++
					}
					if len(page) == 0 {
						if finished {
							readerDone <- nil
							return
						}
						time.Sleep(time.Millisecond)
					}
				}
			}()

			var wg sync.WaitGroup
			for w := 0; w < writers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					team := fmt.Sprintf("team-%d", w)
					for i := 0; i < perWriter; i++ {
						res, err := svc.Create(ctx, agent, ticketcore.CreateInput{Subject: fmt.Sprintf("w%d #%d", w, i),
							Customer: ticketcore.CustomerInput{Email: fmt.Sprintf("w%d@example.com", w)}}, "")
						if err != nil {
							t.Errorf("writer %d create %d: %v", w, i, err)
							return
						}
						if i%2 == 0 { // a second version for half of the tickets
							if _, err := svc.Update(ctx, agent, res.Ticket.ID, 1, ticketcore.Patch{Team: &team}); err != nil {
								t.Errorf("writer %d update %d: %v", w, i, err)
								return
							}
						}
					}
				}()
			}
			wg.Wait()
			writersDone.Store(true)
			if err := <-readerDone; err != nil {
				t.Fatalf("reader: %v", err)
			}
			if t.Failed() {
				return
			}

			all := allEvents(t, st)
			wantTotal := writers*perWriter + writers*perWriter/2
			if len(all) != wantTotal {
				t.Fatalf("%d events, want %d", len(all), wantTotal)
			}
			created := 0
			version := map[int64]int64{}
			for i, e := range all {
				if i > 0 && e.Seq <= all[i-1].Seq {
					t.Errorf("seq %d after %d", e.Seq, all[i-1].Seq)
				}
				if e.TicketVersion != version[e.TicketID]+1 {
					t.Errorf("ticket %d: version %d at seq %d after version %d", e.TicketID, e.TicketVersion, e.Seq, version[e.TicketID])
				}
				version[e.TicketID] = e.TicketVersion
				if e.Type == events.TicketCreated {
					created++
				}
				if n := seen[e.ID]; n != 1 {
					t.Errorf("reader saw event %s (seq %d) %d times", e.ID, e.Seq, n)
				}
			}
			if created != writers*perWriter || len(seen) != len(all) {
				t.Errorf("%d created events, reader saw %d distinct; want %d and %d", created, len(seen), writers*perWriter, len(all))
			}
		})
	}
}

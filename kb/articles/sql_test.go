package articles

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/deskmine/deskmine/internal/sqlnamed"
	"github.com/deskmine/deskmine/internal/testdb"
)

func TestRebind(t *testing.T) {
	q := "SELECT '?' FROM t WHERE a = ? AND b = 'x?y' AND c = ? FOR UPDATE"
	if got, want := postgresDialect.rebind(q), "SELECT '?' FROM t WHERE a = $1 AND b = 'x?y' AND c = $2 FOR UPDATE"; got != want {
		t.Errorf("postgres: %s", got)
	}
	if got := sqliteDialect.rebind(q); strings.Contains(got, "FOR UPDATE") || !strings.Contains(got, "a = ?") {
		t.Errorf("sqlite: %s", got)
	}
}

func TestQueriesFile(t *testing.T) {
	all, err := sqlnamed.Parse(queriesSQL)
	if err != nil || all["lock-candidate"] == "" || all["events-after"] == "" {
		t.Errorf("queries.sql: %d queries, %v", len(all), err)
	}
}

func TestMigrationsMatch(t *testing.T) {
	var versions [2][]int
	for i, d := range []string{"sqlite", "postgres"} {
		ms, err := migrations(d)
		if err != nil || len(ms) == 0 {
			t.Fatalf("%s migrations: %v", d, err)
		}
		for _, m := range ms {
			versions[i] = append(versions[i], m.version)
		}
	}
	if !slices.Equal(versions[0], versions[1]) {
		t.Errorf("dialects have different migrations: %v and %v", versions[0], versions[1])
	}
}

// TestReopen checks that data survive a restart and that migrations are
// recorded once.
func TestReopen(t *testing.T) {
	ctx := context.Background()
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			dsn := b.DSN(t)
			if b.Name == "sqlite" {
				// Open creates the missing parent directories.
				dsn = filepath.Join(filepath.Dir(dsn), "nested", "deeper", "kb.db")
			}
			s, err := openSQL(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			c, _, err := s.CreateCandidate(ctx, Actor{ID: 1, Login: "alice", Role: RoleAgent},
				CandidateInput{Content: validContent(), MinerKey: "k"})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			s, err = openSQL(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			got, err := s.GetCandidate(ctx, c.ID)
			if err != nil || got.Content.Title != c.Content.Title {
				t.Errorf("after reopen: %+v, %v", got, err)
			}
			ms, _ := migrations(s.d.name)
			if v, err := s.schemaVersion(ctx); err != nil || v != ms[len(ms)-1].version {
				t.Errorf("schema version %d, %v", v, err)
			}
			var n int
			if err := s.read.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+migrationsTable).Scan(&n); err != nil || n != len(ms) {
				t.Errorf("%d migration rows, want %d (%v)", n, len(ms), err)
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := Open(ctx, "  "); err == nil {
		t.Error("empty dsn accepted")
	}
	if _, err := Open(ctx, "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=1"); err == nil {
		t.Error("unreachable postgres accepted")
	}
	if got := DefaultPath("/var/lib/deskmine"); got != filepath.Join("/var/lib/deskmine", "kb", "articles.db") {
		t.Errorf("DefaultPath = %s", got)
	}
	if !isPostgres("postgresql://x/y") || isPostgres("/data/postgres://x") {
		t.Error("isPostgres")
	}
	if retryable(errors.New("deadlock")) {
		t.Error("a plain error is retryable")
	}
}

// BenchmarkReview measures one candidate from creation to publication
// (create, submit with a reviewer, approve: four transactions).
func BenchmarkReview(b *testing.B) {
	ctx := context.Background()
	agent := Actor{ID: 1, Login: "alice", Role: RoleAgent}
	rita := Actor{ID: 2, Login: "rita", Role: RoleReviewer}
	for _, be := range testdb.Backends() {
		b.Run(be.Name, func(b *testing.B) {
			s, err := Open(ctx, be.DSN(b))
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			i := 0
			for b.Loop() {
				i++
				c := validContent()
				c.Title = fmt.Sprintf("Benchmark article %d", i)
				cand, _, err := s.CreateCandidate(ctx, agent, CandidateInput{Content: c})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := s.Submit(ctx, agent, cand.ID, rita.Login, ""); err != nil {
					b.Fatal(err)
				}
				if _, err := s.Approve(ctx, rita, cand.ID, ""); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRecordFeedback measures appending one feedback event.
func BenchmarkRecordFeedback(b *testing.B) {
	ctx := context.Background()
	agent := Actor{ID: 1, Login: "alice", Role: RoleAgent}
	for _, be := range testdb.Backends() {
		b.Run(be.Name, func(b *testing.B) {
			s, err := Open(ctx, be.DSN(b))
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			var i int64
			for b.Loop() {
				i++
				if _, err := s.RecordFeedback(ctx, agent, Feedback{TicketID: i, CaseTicketID: i%97 + 1, Kind: FeedbackHelpful}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

package auth_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/deskmine/deskmine/internal/testclock"
	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/ticketcore/auth"
	"github.com/deskmine/deskmine/ticketcore/store"
)

const sessionTTL = time.Hour

type fixture struct {
	svc *auth.Service
	st  *store.Store
	clk *testclock.Clock
}

func newFixture(t *testing.T, b testdb.Backend) fixture {
	t.Helper()
	st, err := store.Open(context.Background(), b.DSN(t))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	svc := auth.NewService(st, sessionTTL)
	clk := testclock.New(time.Date(2024, 6, 1, 12, 0, 0, 123456000, time.UTC))
	svc.SetNow(clk.Now)
	return fixture{svc: svc, st: st, clk: clk}
}

func (f fixture) user(t *testing.T, login, password string) *auth.User {
	t.Helper()
	u, err := f.svc.CreateUser(context.Background(), auth.NewUser{Login: login, Role: "agent", Password: password})
	if err != nil {
		t.Fatalf("create user %s: %v", login, err)
	}
	return u
}

func (f fixture) token(t *testing.T, userID int64) (string, *auth.Token) {
	t.Helper()
	secret, tok, err := f.svc.CreateToken(context.Background(), userID, "ci")
	if err != nil {
		t.Fatalf("create token: %v", err)
	}
	return secret, tok
}

// dump renders every row of a table as text, for searching.
func dump(t *testing.T, db *sql.DB, table string) string {
	t.Helper()
	rows, err := db.Query("SELECT * FROM " + table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for _, v := range vals {
			b.WriteString(v.String)
			b.WriteByte('|')
		}
		b.WriteByte('\n')
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func forgedToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return auth.TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
}

func TestParseRole(t *testing.T) {
	for _, r := range auth.Roles {
		got, err := auth.ParseRole(string(r))
		if err != nil || got != r {
			t.Errorf("ParseRole(%q) = %q, %v", r, got, err)
		}
	}
	for _, s := range []string{"", "root", "Admin", " admin", "admin ", "agents"} {
		got, err := auth.ParseRole(s)
		if err == nil || got != "" {
			t.Errorf("ParseRole(%q) = %q, %v; want an error", s, got, err)
			continue
		}
		for _, r := range auth.Roles {
			if !strings.Contains(err.Error(), string(r)) {
				t.Errorf("ParseRole(%q) error %q does not list role %s", s, err, r)
			}
		}
	}
}

func TestCreateUserValidation(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			f := newFixture(t, b)
			for _, tc := range []struct {
				name  string
				in    auth.NewUser
				field string
			}{
				{"empty login", auth.NewUser{Login: "", Role: "agent"}, "login"},
				{"login starts with dash", auth.NewUser{Login: "-bob", Role: "agent"}, "login"},
				{"login starts with dot", auth.NewUser{Login: ".bob", Role: "agent"}, "login"},
				{"login with space", auth.NewUser{Login: "bob smith", Role: "agent"}, "login"},
				{"login with slash", auth.NewUser{Login: "bob/x", Role: "agent"}, "login"},
				{"non-ASCII login", auth.NewUser{Login: "bøb", Role: "agent"}, "login"},
				{"login of 65", auth.NewUser{Login: strings.Repeat("a", 65), Role: "agent"}, "login"},
				{"unknown role", auth.NewUser{Login: "bob", Role: "root"}, "role"},
				{"empty role", auth.NewUser{Login: "bob", Role: ""}, "role"},
				{"role in capitals", auth.NewUser{Login: "bob", Role: "Admin"}, "role"},
				{"long name", auth.NewUser{Login: "bob", Role: "agent", Name: strings.Repeat("n", 201)}, "name"},
				{"password of 7", auth.NewUser{Login: "bob", Role: "agent", Password: "1234567"}, "password"},
				{"password of 73", auth.NewUser{Login: "bob", Role: "agent", Password: strings.Repeat("p", 73)}, "password"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					u, err := f.svc.CreateUser(ctx, tc.in)
					var fe *auth.FieldError
					if !errors.As(err, &fe) || fe.Field != tc.field {
						t.Fatalf("CreateUser = %+v, %v; want a FieldError on %s", u, err, tc.field)
					}
				})
			}
			if n, err := f.st.CountUsers(ctx); err != nil || n != 0 {
				t.Fatalf("refused users were stored: %d, %v", n, err)
			}

			u, err := f.svc.CreateUser(ctx, auth.NewUser{Login: "bob.smith@corp-1_x", Email: "  Bob@Example.COM ", Role: "manager", Password: "12345678"})
			if err != nil {
				t.Fatalf("create: %v", err)
			}
			if u.ID == 0 || u.Name != "bob.smith@corp-1_x" || u.Email != "bob@example.com" || u.Role != auth.RoleManager || !u.Active ||
				!u.CreatedAt.Equal(f.clk.Now()) {
				t.Errorf("created user %+v", u)
			}
			if u.PasswordHash == "" || strings.Contains(u.PasswordHash, "12345678") ||
				bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte("12345678")) != nil {
				t.Errorf("password not stored as bcrypt: %q", u.PasswordHash)
			}
			got, err := f.st.UserByLogin(ctx, "bob.smith@corp-1_x")
			if err != nil || *got != *u {
				t.Errorf("stored user %+v, %v; want %+v", got, err, u)
			}
			for _, in := range []auth.NewUser{
				{Login: strings.Repeat("a", 64), Role: "agent"},                                 // longest login, token-only
				{Login: "x", Role: "client", Password: strings.Repeat("p", 72)},                 // longest password
				{Login: "Bob.Smith@corp-1_x", Role: "reviewer", Name: strings.Repeat("n", 200)}, // logins are case-sensitive
			} {
				if _, err := f.svc.CreateUser(ctx, in); err != nil {
					t.Errorf("CreateUser(%s): %v", in.Login, err)
				}
			}

			_, err = f.svc.CreateUser(ctx, auth.NewUser{Login: "bob.smith@corp-1_x", Role: "agent"})
			var fe *auth.FieldError
			if !errors.As(err, &fe) || fe.Field != "login" || !strings.Contains(fe.Reason, "taken") {
				t.Fatalf("duplicate login = %v; want a FieldError on login", err)
			}
			if n, err := f.st.CountUsers(ctx); err != nil || n != 4 {
				t.Errorf("users = %d, %v; want 4", n, err)
			}
		})
	}
}

func TestTokens(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			f := newFixture(t, b)
			u := f.user(t, "integration", "")
			other := f.user(t, "other", "")

			for _, name := range []string{"", "   ", strings.Repeat("n", 101)} {
				var fe *auth.FieldError
				if _, _, err := f.svc.CreateToken(ctx, u.ID, name); !errors.As(err, &fe) || fe.Field != "name" {
					t.Errorf("CreateToken(name %q) = %v; want a FieldError on name", name, err)
				}
			}
			if _, _, err := f.svc.CreateToken(ctx, 9999, "x"); !errors.Is(err, auth.ErrNotFound) {
				t.Errorf("CreateToken for an unknown user = %v; want ErrNotFound", err)
			}

			secret, tok := f.token(t, u.ID)
			if !strings.HasPrefix(secret, "dm_") || len(secret) != len("dm_")+43 {
				t.Fatalf("secret %q: want dm_ and 32 random bytes", secret)
			}
			if tok.ID == 0 || tok.UserID != u.ID || tok.Name != "ci" || tok.Prefix != secret[:9] || !tok.CreatedAt.Equal(f.clk.Now()) {
				t.Errorf("token %+v", tok)
			}
			sum := sha256.Sum256([]byte(secret))
			if auth.Hash(secret) != hex.EncodeToString(sum[:]) {
				t.Fatalf("Hash is not the hex SHA-256")
			}
			var stored string
			if err := f.st.DB().QueryRow("SELECT token_hash FROM api_tokens WHERE id = " + strconv.FormatInt(tok.ID, 10)).Scan(&stored); err != nil {
				t.Fatal(err)
			}
			if stored != auth.Hash(secret) {
				t.Errorf("token_hash %q, want %q", stored, auth.Hash(secret))
			}
			rows := dump(t, f.st.DB(), "api_tokens")
			if strings.Contains(rows, secret) || strings.Contains(rows, secret[len(tok.Prefix):]) {
				t.Errorf("the secret is stored in api_tokens:\n%s", rows)
			}

			got, err := f.svc.AuthenticateToken(ctx, secret)
			if err != nil || got.ID != u.ID || got.Login != "integration" {
				t.Fatalf("AuthenticateToken = %+v, %v", got, err)
			}
			sessionSecret := "dms_" + secret[3:]
			for name, forged := range map[string]string{
				"random":              forgedToken(),
				"last character":      flipLast(secret),
				"without prefix":      secret[3:],
				"empty":               "",
				"prefix only":         "dm_",
				"the stored hash":     stored,
				"the hash, prefixed":  "dm_" + stored,
				"session-style":       sessionSecret,
				"with trailing space": secret + " ",
			} {
				if u, err := f.svc.AuthenticateToken(ctx, forged); !errors.Is(err, auth.ErrUnauthorized) {
					t.Errorf("forged token (%s) = %+v, %v; want ErrUnauthorized", name, u, err)
				}
			}

			// revocation: only the owner's own token, once; effective at once despite the cache
			second, tok2 := f.token(t, u.ID)
			if err := f.svc.RevokeToken(ctx, other.ID, tok.ID); !errors.Is(err, auth.ErrNotFound) {
				t.Errorf("revoking another user's token = %v; want ErrNotFound", err)
			}
			if _, err := f.svc.AuthenticateToken(ctx, secret); err != nil {
				t.Fatalf("token refused before revocation: %v", err)
			}
			f.clk.Advance(time.Second)
			if err := f.svc.RevokeToken(ctx, u.ID, tok.ID); err != nil {
				t.Fatalf("revoke: %v", err)
			}
			if _, err := f.svc.AuthenticateToken(ctx, secret); !errors.Is(err, auth.ErrUnauthorized) {
				t.Errorf("revoked token = %v; want ErrUnauthorized", err)
			}
			if err := f.svc.RevokeToken(ctx, u.ID, tok.ID); !errors.Is(err, auth.ErrNotFound) {
				t.Errorf("revoking twice = %v; want ErrNotFound", err)
			}
			if got, err := f.svc.AuthenticateToken(ctx, second); err != nil || got.ID != u.ID {
				t.Errorf("the user's other token = %+v, %v", got, err)
			}
			toks, err := f.st.Tokens(ctx, u.ID)
			if err != nil || len(toks) != 2 || toks[0].ID != tok.ID || toks[0].RevokedAt == nil ||
				!toks[0].RevokedAt.Equal(f.clk.Now()) || toks[1].ID != tok2.ID || toks[1].RevokedAt != nil {
				t.Errorf("tokens = %+v, %v", toks, err)
			}
		})
	}
}

func TestInactiveUserToken(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			f := newFixture(t, b)
			f.svc.SetCacheTTL(10 * time.Second)
			u := f.user(t, "leaver", "correct horse")
			secret, _ := f.token(t, u.ID)
			if _, err := f.svc.AuthenticateToken(ctx, secret); err != nil { // now cached
				t.Fatal(err)
			}
			session, _, err := f.svc.Login(ctx, "leaver", "correct horse")
			if err != nil {
				t.Fatal(err)
			}

			u.Active = false
			if err := f.st.UpdateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
			// Within the cache TTL the cached token may still pass; that is the documented trade-off.
			f.clk.Advance(f.svc.CacheTTL() - time.Microsecond)
			if _, err := f.svc.AuthenticateToken(ctx, secret); err != nil {
				t.Errorf("cached token refused within the cache TTL: %v", err)
			}
			f.clk.Advance(time.Microsecond)
			if got, err := f.svc.AuthenticateToken(ctx, secret); !errors.Is(err, auth.ErrUnauthorized) {
				t.Errorf("inactive user's token after the cache TTL = %+v, %v; want ErrUnauthorized", got, err)
			}
			// not cached at all: refused at once
			fresh, _ := f.token(t, u.ID)
			if _, err := f.svc.AuthenticateToken(ctx, fresh); !errors.Is(err, auth.ErrUnauthorized) {
				t.Errorf("inactive user's new token = %v; want ErrUnauthorized", err)
			}
			if _, err := f.svc.AuthenticateSession(ctx, session); !errors.Is(err, auth.ErrUnauthorized) {
				t.Errorf("inactive user's session = %v; want ErrUnauthorized", err)
			}
			if _, _, err := f.svc.Login(ctx, "leaver", "correct horse"); !errors.Is(err, auth.ErrUnauthorized) {
				t.Errorf("inactive user's login = %v; want ErrUnauthorized", err)
			}

			u.Active = true
			if err := f.st.UpdateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.AuthenticateToken(ctx, secret); err != nil {
				t.Errorf("reactivated user's token: %v", err)
			}
		})
	}
}

func TestLogin(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			f := newFixture(t, b)
			u := f.user(t, "alice", "s3cret-pass")
			f.user(t, "robot", "") // token-only

			secret, got, err := f.svc.Login(ctx, "alice", "s3cret-pass")
			if err != nil || got.ID != u.ID {
				t.Fatalf("Login = %+v, %v", got, err)
			}
			if !strings.HasPrefix(secret, "dms_") || len(secret) != len("dms_")+43 {
				t.Errorf("session secret %q", secret)
			}
			if rows := dump(t, f.st.DB(), "sessions"); strings.Contains(rows, secret) || !strings.Contains(rows, auth.Hash(secret)) {
				t.Errorf("sessions must hold the hash, not the secret:\n%s", rows)
			}
			if su, err := f.svc.AuthenticateSession(ctx, secret); err != nil || su.ID != u.ID {
				t.Errorf("AuthenticateSession = %+v, %v", su, err)
			}
			if _, err := f.svc.AuthenticateToken(ctx, secret); !errors.Is(err, auth.ErrUnauthorized) {
				t.Errorf("a session secret accepted as an API token: %v", err)
			}

			for _, tc := range []struct{ login, password string }{
				{"alice", "wrong-pass"},
				{"alice", ""},
				{"alice", "S3CRET-PASS"},
				{"Alice", "s3cret-pass"},
				{"nobody", "s3cret-pass"},
				{"robot", ""},
				{"robot", "anything"},
			} {
				if s, u, err := f.svc.Login(ctx, tc.login, tc.password); !errors.Is(err, auth.ErrUnauthorized) || s != "" || u != nil {
					t.Errorf("Login(%q, %q) = %q, %+v, %v; want ErrUnauthorized", tc.login, tc.password, s, u, err)
				}
			}
			if _, err := f.svc.AuthenticateSession(ctx, "dms_forged"); !errors.Is(err, auth.ErrUnauthorized) {
				t.Errorf("forged session = %v; want ErrUnauthorized", err)
			}
		})
	}
}

func TestSessionExpires(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			f := newFixture(t, b)
			if f.svc.SessionTTL() != sessionTTL {
				t.Fatalf("SessionTTL = %v", f.svc.SessionTTL())
			}
			f.user(t, "alice", "s3cret-pass")
			old, _, err := f.svc.Login(ctx, "alice", "s3cret-pass")
			if err != nil {
				t.Fatal(err)
			}
			f.clk.Advance(sessionTTL - time.Microsecond)
			if _, err := f.svc.AuthenticateSession(ctx, old); err != nil {
				t.Errorf("session refused before its TTL: %v", err)
			}
			f.clk.Advance(time.Microsecond)
			if _, err := f.svc.AuthenticateSession(ctx, old); !errors.Is(err, auth.ErrUnauthorized) {
				t.Errorf("session at its TTL = %v; want ErrUnauthorized", err)
			}
			// a new login works, and sweeps the expired session away
			fresh, _, err := f.svc.Login(ctx, "alice", "s3cret-pass")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.AuthenticateSession(ctx, fresh); err != nil {
				t.Errorf("new session: %v", err)
			}
			if rows := dump(t, f.st.DB(), "sessions"); strings.Contains(rows, auth.Hash(old)) || strings.Count(rows, "\n") != 1 {
				t.Errorf("expired session not removed:\n%s", rows)
			}
		})
	}
}

func TestLogout(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			f := newFixture(t, b)
			f.user(t, "alice", "s3cret-pass")
			first, _, err := f.svc.Login(ctx, "alice", "s3cret-pass")
			if err != nil {
				t.Fatal(err)
			}
			second, _, err := f.svc.Login(ctx, "alice", "s3cret-pass")
			if err != nil {
				t.Fatal(err)
			}
			if err := f.svc.Logout(ctx, first); err != nil {
				t.Fatalf("logout: %v", err)
			}
			if _, err := f.svc.AuthenticateSession(ctx, first); !errors.Is(err, auth.ErrUnauthorized) {
				t.Errorf("session after logout = %v; want ErrUnauthorized", err)
			}
			if _, err := f.svc.AuthenticateSession(ctx, second); err != nil {
				t.Errorf("the other session ended too: %v", err)
			}
			if err := f.svc.Logout(ctx, first); err != nil {
				t.Errorf("second logout: %v", err)
			}
			if err := f.svc.Logout(ctx, "dms_unknown"); err != nil {
				t.Errorf("logout of an unknown session: %v", err)
			}
		})
	}
}

func flipLast(s string) string {
	last := byte('A')
	if s[len(s)-1] == 'A' {
		last = 'B'
	}
	return s[:len(s)-1] + string(last)
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/deskmine/deskmine/ticketcore/auth"
)

type rowScanner interface{ Scan(dest ...any) error }

func scanUser(r rowScanner) (*auth.User, error) {
	var u auth.User
	var role string
	var created int64
	if err := r.Scan(&u.ID, &u.Login, &u.Name, &u.Email, &role, &u.PasswordHash, &u.Active, &created); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, auth.ErrNotFound
		}
		return nil, err
	}
	u.Role, u.CreatedAt = auth.Role(role), fromMicros(created)
	return &u, nil
}

// InsertUser stores a new user and sets its id.
func (s *Store) InsertUser(ctx context.Context, u *auth.User) error {
	err := s.writer("insert-user").QueryRowContext(ctx, u.Login, u.Name, u.Email, string(u.Role), u.PasswordHash,
		u.Active, micros(u.CreatedAt)).Scan(&u.ID)
	if err != nil && isUnique(err) {
		return auth.ErrDuplicate
	}
	return err
}

// UpdateUser changes a user's name, email, role, password and active flag.
func (s *Store) UpdateUser(ctx context.Context, u *auth.User) error {
	res, err := s.writer("update-user").ExecContext(ctx, u.Name, u.Email, string(u.Role), u.PasswordHash, u.Active, u.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return auth.ErrNotFound
	}
	return nil
}

// UserByID reads a user.
func (s *Store) UserByID(ctx context.Context, id int64) (*auth.User, error) {
	return scanUser(s.reader("get-user").QueryRowContext(ctx, id))
}

// UserByLogin reads a user by login.
func (s *Store) UserByLogin(ctx context.Context, login string) (*auth.User, error) {
	return scanUser(s.reader("get-user-by-login").QueryRowContext(ctx, login))
}

// Users lists every user.
func (s *Store) Users(ctx context.Context) ([]auth.User, error) {
	rows, err := s.reader("list-users").QueryContext(ctx)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []auth.User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *u)
	}
	return out, rows.Err()
}

// CountUsers counts users.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.reader("count-users").QueryRowContext(ctx).Scan(&n)
	return n, err
}

// InsertToken stores a token's hash and metadata.
func (s *Store) InsertToken(ctx context.Context, t *auth.Token, hash string) error {
	return s.writer("insert-token").QueryRowContext(ctx, t.UserID, t.Name, hash, t.Prefix, micros(t.CreatedAt)).Scan(&t.ID)
}

// Tokens lists a user's tokens.
func (s *Store) Tokens(ctx context.Context, userID int64) ([]auth.Token, error) {
	rows, err := s.reader("list-tokens").QueryContext(ctx, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []auth.Token{}
	for rows.Next() {
		var t auth.Token
		var created int64
		var revoked sql.NullInt64
		if err := rows.Scan(&t.ID, &t.UserID, &t.Name, &t.Prefix, &created, &revoked); err != nil {
			return nil, err
		}
		t.CreatedAt = fromMicros(created)
		if revoked.Valid {
			r := fromMicros(revoked.Int64)
			t.RevokedAt = &r
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken marks a token revoked.
func (s *Store) RevokeToken(ctx context.Context, userID, tokenID int64, at time.Time) error {
	res, err := s.writer("revoke-token").ExecContext(ctx, micros(at), tokenID, userID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return auth.ErrNotFound
	}
	return nil
}

// UserByTokenHash finds the user of an unrevoked token.
func (s *Store) UserByTokenHash(ctx context.Context, hash string) (*auth.User, error) {
	return scanUser(s.reader("user-by-token").QueryRowContext(ctx, hash))
}

// InsertSession stores a login session.
func (s *Store) InsertSession(ctx context.Context, hash string, userID int64, created, expires time.Time) error {
	if _, err := s.writer("delete-expired-sessions").ExecContext(ctx, micros(created)); err != nil {
		return err
	}
	_, err := s.writer("insert-session").ExecContext(ctx, hash, userID, micros(created), micros(expires))
	return err
}

// UserBySessionHash finds the user of a live session.
func (s *Store) UserBySessionHash(ctx context.Context, hash string, now time.Time) (*auth.User, error) {
	return scanUser(s.reader("user-by-session").QueryRowContext(ctx, hash, micros(now)))
}

// DeleteSession ends a session.
func (s *Store) DeleteSession(ctx context.Context, hash string) error {
	_, err := s.writer("delete-session").ExecContext(ctx, hash)
	return err
}

// Package auth holds users, roles, API tokens and login sessions.
//
// Tokens and session ids are random 32-byte secrets; only their SHA-256 is
// stored, so a leaked database does not leak credentials. Passwords are bcrypt.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Role is what a user may do.
type Role string

// Roles.
const (
	RoleAdmin    Role = "admin"
	RoleManager  Role = "manager"
	RoleAgent    Role = "agent"
	RoleReviewer Role = "reviewer" // quality team
	RoleClient   Role = "client"   // API integrations: create and read their own tickets only
)

// Roles lists every role.
var Roles = []Role{RoleAdmin, RoleManager, RoleAgent, RoleReviewer, RoleClient}

// ParseRole checks a role name.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if !slices.Contains(Roles, r) {
		names := make([]string, len(Roles))
		for i, x := range Roles {
			names[i] = string(x)
		}
		return "", fmt.Errorf("unknown role %q; roles are %s", s, strings.Join(names, ", "))
	}
	return r, nil
}

// User is an account: a person or an integration.
type User struct {
	ID           int64     `json:"id"`
	Login        string    `json:"login"`
	Name         string    `json:"name"`
	Email        string    `json:"email,omitempty"`
	Role         Role      `json:"role"`
	PasswordHash string    `json:"-"`
	Active       bool      `json:"active"`
	CreatedAt    time.Time `json:"created_at"`
}

// Token is an API token's metadata; the secret itself is shown once at creation.
type Token struct {
	ID        int64      `json:"id"`
	UserID    int64      `json:"user_id"`
	Name      string     `json:"name"`
	Prefix    string     `json:"prefix"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// Store persists users, tokens and sessions.
type Store interface {
	InsertUser(ctx context.Context, u *User) error
	UpdateUser(ctx context.Context, u *User) error
	UserByID(ctx context.Context, id int64) (*User, error)
	UserByLogin(ctx context.Context, login string) (*User, error)
	Users(ctx context.Context) ([]User, error)
	CountUsers(ctx context.Context) (int, error)
	InsertToken(ctx context.Context, t *Token, hash string) error
	Tokens(ctx context.Context, userID int64) ([]Token, error)
	RevokeToken(ctx context.Context, userID, tokenID int64, at time.Time) error
	UserByTokenHash(ctx context.Context, hash string) (*User, error)
	InsertSession(ctx context.Context, hash string, userID int64, created, expires time.Time) error
	UserBySessionHash(ctx context.Context, hash string, now time.Time) (*User, error)
	DeleteSession(ctx context.Context, hash string) error
}

// Errors.
var (
	ErrNotFound     = errors.New("not found")
	ErrUnauthorized = errors.New("unauthorized")
	ErrDuplicate    = errors.New("duplicate")
)

// TokenPrefix starts every API token, so secret scanners can recognise them.
const TokenPrefix = "dm_"

// Hash is the stored form of a token or session id.
func Hash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

func newSecret(prefix string) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random: %w", err)
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// dummyHash is a valid cost-10 bcrypt hash of nothing anyone knows.
const dummyHash = "$2a$10$7EqJtq98hPqEX7fNZaFWoOa8QdJ6K1xqG5t6s0rYz9vJm1Cz0mKla"

var loginRE = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9._@-]{0,63}$`)

// Service manages accounts and authenticates requests.
type Service struct {
	store      Store
	sessionTTL time.Duration
	now        func() time.Time

	// cache keeps recently seen tokens for a short time, so that a busy
	// integration does not cost a database read per request. Revocation
	// takes effect within cacheTTL.
	mu       sync.Mutex
	cache    map[string]cachedUser
	cacheTTL time.Duration
}

type cachedUser struct {
	user    User
	expires time.Time
}

// NewService returns an auth service.
func NewService(store Store, sessionTTL time.Duration) *Service {
	if sessionTTL <= 0 {
		sessionTTL = 12 * time.Hour
	}
	return &Service{store: store, sessionTTL: sessionTTL, now: time.Now, cache: map[string]cachedUser{}, cacheTTL: 10 * time.Second}
}

// Store returns the underlying store.
func (s *Service) Store() Store { return s.store }

// NewUser is the input for creating a user.
type NewUser struct {
	Login    string `json:"login"`
	Name     string `json:"name"`
	Email    string `json:"email,omitempty"`
	Role     string `json:"role"`
	Password string `json:"password,omitempty"` // empty: token-only account
}

// FieldError is a refused field of a user request.
type FieldError struct{ Field, Reason string }

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

// CreateUser validates and stores a user.
func (s *Service) CreateUser(ctx context.Context, in NewUser) (*User, error) {
	if !loginRE.MatchString(in.Login) {
		return nil, &FieldError{"login", "must be 1-64 letters, digits and ._@-, starting with a letter or digit"}
	}
	role, err := ParseRole(in.Role)
	if err != nil {
		return nil, &FieldError{"role", err.Error()}
	}
	if in.Name == "" {
		in.Name = in.Login
	}
	if len(in.Name) > 200 {
		return nil, &FieldError{"name", "is longer than 200 characters"}
	}
	u := &User{Login: in.Login, Name: in.Name, Email: strings.ToLower(strings.TrimSpace(in.Email)), Role: role, Active: true,
		CreatedAt: s.now().UTC().Truncate(time.Microsecond)}
	if in.Password != "" {
		if len(in.Password) < 8 || len(in.Password) > 72 {
			return nil, &FieldError{"password", "must be 8 to 72 characters"}
		}
		h, err := bcrypt.GenerateFromPassword([]byte(in.Password), bcrypt.DefaultCost)
		if err != nil {
			return nil, fmt.Errorf("hash password: %w", err)
		}
		u.PasswordHash = string(h)
	}
	if err := s.store.InsertUser(ctx, u); err != nil {
		if errors.Is(err, ErrDuplicate) {
			return nil, &FieldError{"login", fmt.Sprintf("%q is taken", in.Login)}
		}
		return nil, fmt.Errorf("insert user: %w", err)
	}
	return u, nil
}

// CreateToken makes a new API token for a user and returns the secret, which
// is not stored and cannot be shown again.
func (s *Service) CreateToken(ctx context.Context, userID int64, name string) (string, *Token, error) {
	if strings.TrimSpace(name) == "" || len(name) > 100 {
		return "", nil, &FieldError{"name", "must be 1 to 100 characters"}
	}
	if _, err := s.store.UserByID(ctx, userID); err != nil {
		return "", nil, err
	}
	secret, err := newSecret(TokenPrefix)
	if err != nil {
		return "", nil, err
	}
	t := &Token{UserID: userID, Name: name, Prefix: secret[:len(TokenPrefix)+6], CreatedAt: s.now().UTC().Truncate(time.Microsecond)}
	if err := s.store.InsertToken(ctx, t, Hash(secret)); err != nil {
		return "", nil, fmt.Errorf("insert token: %w", err)
	}
	return secret, t, nil
}

// RevokeToken revokes a user's token.
func (s *Service) RevokeToken(ctx context.Context, userID, tokenID int64) error {
	if err := s.store.RevokeToken(ctx, userID, tokenID, s.now()); err != nil {
		return err
	}
	s.mu.Lock()
	clear(s.cache) // the secret is unknown here, so drop every cached token
	s.mu.Unlock()
	return nil
}

// AuthenticateToken returns the active user owning an API token.
func (s *Service) AuthenticateToken(ctx context.Context, secret string) (*User, error) {
	if !strings.HasPrefix(secret, TokenPrefix) {
		return nil, ErrUnauthorized
	}
	h := Hash(secret)
	now := s.now()
	s.mu.Lock()
	c, ok := s.cache[h]
	s.mu.Unlock()
	if ok && now.Before(c.expires) {
		u := c.user
		return &u, nil
	}
	u, err := s.store.UserByTokenHash(ctx, h)
	if errors.Is(err, ErrNotFound) {
		return nil, ErrUnauthorized
	}
	if err != nil {
		return nil, err
	}
	if !u.Active {
		return nil, ErrUnauthorized
	}
	s.mu.Lock()
	if len(s.cache) > 10000 {
		clear(s.cache)
	}
	s.cache[h] = cachedUser{user: *u, expires: now.Add(s.cacheTTL)}
	s.mu.Unlock()
	return u, nil
}

// Login checks a password and opens a session; it returns the session secret.
func (s *Service) Login(ctx context.Context, login, password string) (string, *User, error) {
	u, err := s.store.UserByLogin(ctx, login)
	if errors.Is(err, ErrNotFound) {
		// Spend the same time as a wrong password, so logins cannot be probed.
		_ = bcrypt.CompareHashAndPassword([]byte(dummyHash), []byte(password))
		return "", nil, ErrUnauthorized
	}
	if err != nil {
		return "", nil, err
	}
	hash := u.PasswordHash
	if hash == "" {
		hash = dummyHash // same cost as a real check, so account states cannot be timed
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) != nil || !u.Active || u.PasswordHash == "" {
		return "", nil, ErrUnauthorized
	}
	secret, err := newSecret("dms_")
	if err != nil {
		return "", nil, err
	}
	now := s.now()
	if err := s.store.InsertSession(ctx, Hash(secret), u.ID, now, now.Add(s.sessionTTL)); err != nil {
		return "", nil, fmt.Errorf("insert session: %w", err)
	}
	return secret, u, nil
}

// SessionTTL is how long a login lasts.
func (s *Service) SessionTTL() time.Duration { return s.sessionTTL }

// AuthenticateSession returns the user of a live session.
func (s *Service) AuthenticateSession(ctx context.Context, secret string) (*User, error) {
	u, err := s.store.UserBySessionHash(ctx, Hash(secret), s.now())
	if errors.Is(err, ErrNotFound) {
		return nil, ErrUnauthorized
	}
	if err != nil {
		return nil, err
	}
	if !u.Active {
		return nil, ErrUnauthorized
	}
	return u, nil
}

// Logout ends a session.
func (s *Service) Logout(ctx context.Context, secret string) error {
	return s.store.DeleteSession(ctx, Hash(secret))
}

package notify

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Limits of an endpoint's configuration.
const (
	MaxURLLen    = 2048
	MinSecretLen = 16
)

// Endpoint is a receiver of webhooks, configured by an admin.
type Endpoint struct {
	ID  int64  `json:"id"`
	URL string `json:"url"` // http or https, no user:password@
	// Secret is the HMAC key; NewSecret makes a good one. Neither secret is
	// ever encoded to JSON, so that listing endpoints cannot leak them; the
	// admin API shows a secret once, on creation or rotation, on purpose.
	Secret string `json:"-"`
	// PreviousSecret is set while the secret is being rotated: every delivery
	// then carries a v1 signature for each secret, so a receiver verifies
	// with either. Clear it once the receiver has switched.
	PreviousSecret string `json:"-"`
	Kinds          []Kind `json:"kinds"` // the kinds it wants; empty: all of them
	Active         bool   `json:"active"`
}

// Wants reports whether the endpoint subscribes to kind k.
func (e *Endpoint) Wants(k Kind) bool {
	if len(e.Kinds) == 0 {
		return true
	}
	for _, w := range e.Kinds {
		if w == k {
			return true
		}
	}
	return false
}

// Validate checks an endpoint before it is stored; it returns a
// ticketcore.CodeInvalid error naming each wrong field.
func (e *Endpoint) Validate() error {
	f := map[string]string{}
	if err := ValidateURL(e.URL); err != nil {
		f["url"] = err.Error()
	}
	if len(e.Secret) < MinSecretLen {
		f["secret"] = fmt.Sprintf("must be at least %d characters", MinSecretLen)
	}
	if e.PreviousSecret != "" && len(e.PreviousSecret) < MinSecretLen {
		f["previous_secret"] = fmt.Sprintf("must be empty or at least %d characters", MinSecretLen)
	}
	for _, k := range e.Kinds {
		if !k.Valid() {
			f["kinds"] = fmt.Sprintf("unknown kind %q", k)
			break
		}
	}
	return invalid("invalid webhook endpoint", f)
}

// ValidateURL accepts an absolute http or https URL with a host and without
// user information or a fragment. It does not resolve the host: refusing
// private addresses, if wanted, belongs to the dialer of the injected
// http.Client, where it also covers DNS answers that change later.
func ValidateURL(raw string) error {
	if raw == "" {
		return errors.New("is required")
	}
	if len(raw) > MaxURLLen {
		return fmt.Errorf("longer than %d characters", MaxURLLen)
	}
	if strings.TrimSpace(raw) != raw {
		return errors.New("has leading or trailing space")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("is not a URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return errors.New("scheme must be http or https")
	}
	if u.Opaque != "" || u.Host == "" || u.Hostname() == "" {
		return errors.New("has no host")
	}
	if u.User != nil {
		return errors.New("must not contain user information")
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return errors.New("must not contain a fragment")
	}
	return nil
}

// NewSecret returns a fresh random signing secret.
func NewSecret() string { return "whsec_" + rand.Text() + rand.Text() }

// EndpointStore reads webhook endpoints. Creating, changing and deleting them
// is the admin API's business and not needed here.
type EndpointStore interface {
	// Endpoint returns endpoint id, or ticketcore.ErrNotFound.
	Endpoint(ctx context.Context, id int64) (Endpoint, error)
	// ActiveEndpoints returns every endpoint with Active set.
	ActiveEndpoints(ctx context.Context) ([]Endpoint, error)
}

// DeliveryStatus is where a delivery stands.
type DeliveryStatus string

// Delivery statuses. Failed is the dead-letter state: the delivery is kept
// with its last error, for an admin to look at and redeliver.
const (
	StatusPending   DeliveryStatus = "pending"   // waiting for its next attempt (or leased for one)
	StatusDelivered DeliveryStatus = "delivered" // a 2xx answer was received
	StatusFailed    DeliveryStatus = "failed"    // refused for good, or out of attempts
)

// Delivery is one message on its way to one endpoint.
type Delivery struct {
	ID            string          `json:"id"` // UUID; sent as X-Deskmine-Delivery for the receiver to deduplicate
	EndpointID    int64           `json:"endpoint_id"`
	Kind          Kind            `json:"kind"`    // sent as X-Deskmine-Event
	Payload       json.RawMessage `json:"payload"` // the request body, a JSON Message
	Status        DeliveryStatus  `json:"status"`
	Attempts      int             `json:"attempts"` // attempts whose outcome was recorded
	NextAttemptAt time.Time       `json:"next_attempt_at"`
	LastAttemptAt time.Time       `json:"last_attempt_at,omitzero"`
	LastError     string          `json:"last_error,omitempty"`
	CreatedAt     time.Time       `json:"created_at"`

	// Lease is the token of the current claim and LeasedUntil its expiry;
	// both are set by ClaimDeliveries and cleared by every Mark and by
	// ReleaseDelivery.
	Lease       string    `json:"-"`
	LeasedUntil time.Time `json:"-"`
}

// ErrLeaseLost is returned by the DeliveryStore methods that take a lease
// when the delivery is no longer held under that lease: it expired and
// another dispatcher claimed the delivery, or its outcome was recorded.
var ErrLeaseLost = errors.New("delivery lease lost")

// DeliveryStore is the durable queue of webhook deliveries. Several
// dispatchers, in one process or many, share it; the lease is what keeps
// them from sending the same delivery at the same time.
//
// Every method that records an attempt (MarkDelivered, MarkRetry, MarkFailed)
// increments Attempts, sets LastAttemptAt to at and clears the lease, and
// does so only while the row is pending and holds lease; otherwise it changes
// nothing and returns ErrLeaseLost (ticketcore.ErrNotFound for a missing id).
//
// In SQL a claim is one statement: on PostgreSQL an UPDATE ... SET lease,
// leased_until WHERE id IN (SELECT id ... ORDER BY next_attempt_at LIMIT n
// FOR UPDATE SKIP LOCKED) RETURNING ...; on SQLite, whose single writer
// serialises it, the same without the locking clause. A mark is an UPDATE
// ... WHERE id = ? AND lease = ? AND status = 'pending' whose affected-row
// count of 0 means ErrLeaseLost.
type DeliveryStore interface {
	// EnqueueDeliveries stores ds as given (ID set, Status pending,
	// NextAttemptAt set) in one transaction.
	EnqueueDeliveries(ctx context.Context, ds []Delivery) error
	// ClaimDeliveries atomically picks at most limit pending deliveries with
	// NextAttemptAt <= now whose lease is absent or expired (LeasedUntil <=
	// now), oldest NextAttemptAt first, gives each a fresh random Lease with
	// LeasedUntil = now+lease, and returns them. Two concurrent calls never
	// return the same delivery.
	ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]Delivery, error)
	// MarkDelivered records a successful attempt: Status delivered, LastError cleared.
	MarkDelivered(ctx context.Context, id, lease string, at time.Time) error
	// MarkRetry records a failed attempt that will be retried at next.
	MarkRetry(ctx context.Context, id, lease string, at, next time.Time, lastErr string) error
	// MarkFailed records a failed attempt after which the delivery is given up.
	MarkFailed(ctx context.Context, id, lease string, at time.Time, lastErr string) error
	// ReleaseDelivery gives a claimed delivery back untouched (Attempts
	// unchanged), for another dispatcher to claim at once; used on shutdown.
	ReleaseDelivery(ctx context.Context, id, lease string) error
	// Delivery returns delivery id, or ticketcore.ErrNotFound.
	Delivery(ctx context.Context, id string) (Delivery, error)
}

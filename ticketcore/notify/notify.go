// Package notify tells people and other systems that something happened to a
// ticket: in-app notifications per user (served as /api/v1/notifications) and
// outbound webhooks, signed with HMAC-SHA256 and retried with backoff.
//
// The package is pure: it owns the rules (what a notification is, how a
// webhook is signed, when a delivery is retried or parked) and reaches
// persistence only through three small interfaces, NotificationStore,
// EndpointStore and DeliveryStore, that the SQL store implements. An
// in-memory implementation for tests, and a test suite every implementation
// must pass, are in the notifytest package beside this one.
//
// The flow is:
//
//	Notifier.Notify(ctx, Message)  // one in-app notification per user + one Delivery per subscribed endpoint
//	Dispatcher.Run(ctx)            // claims due deliveries under a lease, POSTs them, records the outcome
//
// Deliveries are at least once: a receiver deduplicates on the
// X-Deskmine-Delivery header. The wire protocol is described on Sign and
// Verify.
package notify

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/deskmine/deskmine/ticketcore"
)

// Kind says why somebody is notified.
type Kind string

// Notification kinds.
const (
	KindAssignment Kind = "assignment"  // a ticket was assigned to the user
	KindMention    Kind = "mention"     // the user was mentioned in a comment
	KindSLAWarning Kind = "sla_warning" // an SLA target is about to be missed
	KindSLABreach  Kind = "sla_breach"  // an SLA target was missed
	KindEscalation Kind = "escalation"  // a ticket was escalated to the user or their team
	// KindSpike is a ticket volume spike: a value of a dimension got far
	// more tickets than usual. It is about no one ticket, so its TicketID
	// is 0; Message.Data carries the spike.
	KindSpike Kind = "spike"
)

// Kinds returns every notification kind, in documentation order.
func Kinds() []Kind {
	return []Kind{KindAssignment, KindMention, KindSLAWarning, KindSLABreach, KindEscalation, KindSpike}
}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool {
	for _, v := range Kinds() {
		if v == k {
			return true
		}
	}
	return false
}

// Limits of a notification's text, in characters.
const (
	MaxTitleLen = 200
	MaxBodyLen  = 4000
)

// Notification is one in-app notification of one user.
type Notification struct {
	ID        int64      `json:"id"`
	UserID    int64      `json:"user_id"`
	Kind      Kind       `json:"kind"`
	TicketID  int64      `json:"ticket_id"`
	Title     string     `json:"title"`
	Body      string     `json:"body,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	ReadAt    *time.Time `json:"read_at,omitempty"` // nil while unread
}

// Validate checks a notification before it is stored.
func (n *Notification) Validate() error {
	f := map[string]string{}
	if n.UserID <= 0 {
		f["user_id"] = "must be positive"
	}
	if !n.Kind.Valid() {
		f["kind"] = fmt.Sprintf("unknown kind %q", n.Kind)
	}
	checkTicketID(f, n.Kind, n.TicketID)
	checkText(f, "title", n.Title, MaxTitleLen, true)
	checkText(f, "body", n.Body, MaxBodyLen, false)
	if n.CreatedAt.IsZero() {
		f["created_at"] = "is zero"
	}
	return invalid("invalid notification", f)
}

// checkTicketID requires a ticket, except of a spike, which has none (0).
func checkTicketID(f map[string]string, k Kind, id int64) {
	switch {
	case k == KindSpike && id < 0:
		f["ticket_id"] = "must be 0 or positive"
	case k != KindSpike && id <= 0:
		f["ticket_id"] = "must be positive"
	}
}

func checkText(f map[string]string, field, s string, max int, required bool) {
	switch {
	case required && strings.TrimSpace(s) == "":
		f[field] = "is required"
	case !utf8.ValidString(s):
		f[field] = "is not valid UTF-8"
	case utf8.RuneCountInString(s) > max:
		f[field] = fmt.Sprintf("longer than %d characters", max)
	}
}

// invalid turns per-field problems into one ticketcore.CodeInvalid error,
// which the API maps to 422; nil when there are none.
func invalid(msg string, fields map[string]string) error {
	if len(fields) == 0 {
		return nil
	}
	return &ticketcore.Error{Code: ticketcore.CodeInvalid, Message: msg, Fields: fields}
}

// ListQuery selects one user's notifications for NotificationStore.ListNotifications.
type ListQuery struct {
	UnreadOnly bool  // only notifications with ReadAt nil
	BeforeID   int64 // only IDs below this one; 0 starts at the newest
	Limit      int   // at most this many; always positive
}

// NotificationStore persists in-app notifications. IDs increase with
// insertion order; lists are newest first (ID descending), which is what the
// cursor relies on. A user only ever sees and changes their own rows.
type NotificationStore interface {
	// InsertNotification stores n (whose ID is ignored) and returns its new ID.
	InsertNotification(ctx context.Context, n Notification) (int64, error)
	// ListNotifications returns userID's notifications matching q, ID descending.
	ListNotifications(ctx context.Context, userID int64, q ListQuery) ([]Notification, error)
	// CountUnread returns how many of userID's notifications are unread.
	CountUnread(ctx context.Context, userID int64) (int64, error)
	// MarkRead sets ReadAt to at on notification id of userID if it is unread;
	// an already read one keeps its first ReadAt and is not an error. It
	// returns ticketcore.ErrNotFound when userID has no notification id.
	MarkRead(ctx context.Context, userID, id int64, at time.Time) error
	// MarkAllRead sets ReadAt to at on every unread notification of userID
	// whose ID is at most upToID (0: no bound) and returns how many it changed.
	MarkAllRead(ctx context.Context, userID, upToID int64, at time.Time) (int64, error)
}

// PayloadVersion is the version of the webhook payload, Message. It follows
// the rules of the change-event contract: additive changes keep it.
const PayloadVersion = 1

// Message is one thing to notify about. Notifier.Notify turns it into an
// in-app notification for each of UserIDs and, encoded as JSON, into the body
// of a webhook delivery to each active endpoint subscribed to Kind.
type Message struct {
	SchemaVersion int       `json:"schema_version"` // set by Notify
	ID            string    `json:"id"`             // UUID, the same in every endpoint's delivery; set by Notify when empty
	Kind          Kind      `json:"kind"`
	At            time.Time `json:"at"` // when it happened; now when zero
	TicketID      int64     `json:"ticket_id"`
	UserIDs       []int64   `json:"user_ids,omitempty"` // the users notified in-app; Notify sorts them and drops repeats
	Title         string    `json:"title"`
	Body          string    `json:"body,omitempty"`
	// Data is what the kind has to say beyond the text, as a JSON value;
	// of kind spike, the spike. It travels in webhook payloads only, not in
	// in-app notifications. Added within payload version 1 (additive).
	Data json.RawMessage `json:"data,omitempty"`
}

// MaxDataLen is the largest Message.Data, in bytes.
const MaxDataLen = 64 << 10

// NotifierOptions are the optional collaborators of a Notifier.
type NotifierOptions struct {
	Now       func() time.Time // default time.Now
	NewID     func() string    // ids of messages and deliveries; default a random UUID
	OnEnqueue func()           // called after deliveries are enqueued; wire Dispatcher.Kick here
}

// Notifier creates notifications and serves a user's notification list.
type Notifier struct {
	notes      NotificationStore
	endpoints  EndpointStore // nil: no webhooks
	deliveries DeliveryStore // nil: no webhooks
	now        func() time.Time
	newID      func() string
	onEnqueue  func()
}

// NewNotifier returns a Notifier on the given stores. endpoints and
// deliveries may both be nil, which turns webhooks off.
func NewNotifier(notes NotificationStore, endpoints EndpointStore, deliveries DeliveryStore, o NotifierOptions) (*Notifier, error) {
	if notes == nil {
		return nil, errors.New("notify: nil notification store")
	}
	if (endpoints == nil) != (deliveries == nil) {
		return nil, errors.New("notify: endpoint and delivery stores must both be set or both be nil")
	}
	n := &Notifier{notes: notes, endpoints: endpoints, deliveries: deliveries, now: o.Now, newID: o.NewID, onEnqueue: o.OnEnqueue}
	if n.now == nil {
		n.now = time.Now
	}
	if n.newID == nil {
		n.newID = func() string { return uuid.NewString() }
	}
	return n, nil
}

// Notify records m as an in-app notification for each of m.UserIDs and
// enqueues one webhook delivery per active endpoint that wants m.Kind. It
// returns the message as sent (with ID, At and SchemaVersion filled in).
//
// The two writes are not one transaction: when enqueueing fails after the
// in-app notifications were stored, the error says so and a retry would store
// them again.
func (n *Notifier) Notify(ctx context.Context, m Message) (Message, error) {
	if m.ID == "" {
		m.ID = n.newID()
	}
	if m.At.IsZero() {
		m.At = n.now()
	}
	m.At = m.At.UTC()
	m.SchemaVersion = PayloadVersion
	f := map[string]string{}
	if !m.Kind.Valid() {
		f["kind"] = fmt.Sprintf("unknown kind %q", m.Kind)
	}
	checkTicketID(f, m.Kind, m.TicketID)
	switch {
	case len(m.Data) > MaxDataLen:
		f["data"] = fmt.Sprintf("longer than %d bytes", MaxDataLen)
	case len(m.Data) > 0 && !json.Valid(m.Data):
		f["data"] = "is not valid JSON"
	}
	for _, u := range m.UserIDs {
		if u <= 0 {
			f["user_ids"] = "must all be positive"
		}
	}
	checkText(f, "title", m.Title, MaxTitleLen, true)
	checkText(f, "body", m.Body, MaxBodyLen, false)
	if err := invalid("invalid notification", f); err != nil {
		return m, err
	}

	m.UserIDs = slices.Compact(slices.Sorted(slices.Values(m.UserIDs)))
	created := n.now().UTC()
	for _, u := range m.UserIDs {
		note := Notification{UserID: u, Kind: m.Kind, TicketID: m.TicketID, Title: m.Title, Body: m.Body, CreatedAt: created}
		if _, err := n.notes.InsertNotification(ctx, note); err != nil {
			return m, fmt.Errorf("notify user %d: %w", u, err)
		}
	}
	if n.deliveries == nil {
		return m, nil
	}

	eps, err := n.endpoints.ActiveEndpoints(ctx)
	if err != nil {
		return m, fmt.Errorf("list webhook endpoints: %w", err)
	}
	payload, err := json.Marshal(m)
	if err != nil {
		return m, fmt.Errorf("encode webhook payload: %w", err)
	}
	var ds []Delivery
	for _, ep := range eps {
		if !ep.Active || !ep.Wants(m.Kind) {
			continue
		}
		ds = append(ds, Delivery{
			ID: n.newID(), EndpointID: ep.ID, Kind: m.Kind, Payload: payload,
			Status: StatusPending, NextAttemptAt: created, CreatedAt: created,
		})
	}
	if len(ds) == 0 {
		return m, nil
	}
	if err := n.deliveries.EnqueueDeliveries(ctx, ds); err != nil {
		return m, fmt.Errorf("enqueue %d webhook deliveries (in-app notifications were stored): %w", len(ds), err)
	}
	if n.onEnqueue != nil {
		n.onEnqueue()
	}
	return m, nil
}

// Page limits of List.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

// ListRequest is one request for a page of a user's notifications.
type ListRequest struct {
	UnreadOnly bool
	Cursor     string // NextCursor of the previous page; empty for the first
	Limit      int    // 0: DefaultPageSize; at most MaxPageSize
}

// Page is one page of a user's notifications, newest first.
type Page struct {
	Notifications []Notification `json:"notifications"`
	Unread        int64          `json:"unread"`                // all unread notifications of the user, not just this page's
	NextCursor    string         `json:"next_cursor,omitempty"` // empty on the last page
}

// List returns a page of userID's notifications. A malformed cursor is a
// ticketcore.CodeInvalid error on the field "cursor".
func (n *Notifier) List(ctx context.Context, userID int64, r ListRequest) (Page, error) {
	limit := r.Limit
	switch {
	case limit == 0:
		limit = DefaultPageSize
	case limit < 0 || limit > MaxPageSize:
		return Page{}, ticketcore.Invalid("limit", fmt.Sprintf("must be between 1 and %d", MaxPageSize))
	}
	before, err := decodeCursor(r.Cursor)
	if err != nil {
		return Page{}, ticketcore.Invalid("cursor", "malformed")
	}
	ns, err := n.notes.ListNotifications(ctx, userID, ListQuery{UnreadOnly: r.UnreadOnly, BeforeID: before, Limit: limit + 1})
	if err != nil {
		return Page{}, fmt.Errorf("list notifications of user %d: %w", userID, err)
	}
	p := Page{Notifications: ns}
	if len(ns) > limit {
		p.Notifications = ns[:limit]
		p.NextCursor = encodeCursor(ns[limit-1].ID)
	}
	if p.Notifications == nil {
		p.Notifications = []Notification{}
	}
	if p.Unread, err = n.notes.CountUnread(ctx, userID); err != nil {
		return Page{}, fmt.Errorf("count unread notifications of user %d: %w", userID, err)
	}
	return p, nil
}

// UnreadCount returns how many notifications userID has not read.
func (n *Notifier) UnreadCount(ctx context.Context, userID int64) (int64, error) {
	c, err := n.notes.CountUnread(ctx, userID)
	if err != nil {
		return 0, fmt.Errorf("count unread notifications of user %d: %w", userID, err)
	}
	return c, nil
}

// MarkRead marks notification id of userID read. Marking a read one again
// changes nothing; another user's notification is not found.
func (n *Notifier) MarkRead(ctx context.Context, userID, id int64) error {
	err := n.notes.MarkRead(ctx, userID, id, n.now().UTC())
	if errors.Is(err, ticketcore.ErrNotFound) {
		return ticketcore.NotFound("notification", id)
	}
	if err != nil {
		return fmt.Errorf("mark notification %d read: %w", id, err)
	}
	return nil
}

// MarkAllRead marks every unread notification of userID up to and including
// upToID read (0: all of them) and returns how many it changed. A client
// passes the newest ID it has shown, so that a notification that arrived
// since is not marked read unseen.
func (n *Notifier) MarkAllRead(ctx context.Context, userID, upToID int64) (int64, error) {
	if upToID < 0 {
		return 0, ticketcore.Invalid("up_to", "must not be negative")
	}
	c, err := n.notes.MarkAllRead(ctx, userID, upToID, n.now().UTC())
	if err != nil {
		return 0, fmt.Errorf("mark notifications of user %d read: %w", userID, err)
	}
	return c, nil
}

// A cursor is the last ID of a page, prefixed so that a ticket-list cursor
// pasted here is refused rather than misread, in raw URL-safe base64.
const cursorPrefix = "n1:"

func encodeCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.FormatInt(id, 10)))
}

func decodeCursor(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return 0, err
	}
	rest, ok := strings.CutPrefix(string(b), cursorPrefix)
	if !ok {
		return 0, errors.New("bad cursor prefix")
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != rest {
		return 0, errors.New("bad cursor id")
	}
	return id, nil
}

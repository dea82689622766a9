// Package ticketcore is the system of record: tickets, workflow, validation,
// customer history, the audit trail and the change events written in the same
// transaction as each change.
package ticketcore

import (
	"context"
	"encoding/json"
	"time"

	"github.com/deskmine/deskmine/ticketcore/events"
)

// Ticket is the ticket as stored and served; it is the snapshot carried by
// every change event.
type Ticket = events.Ticket

// Customer is a customer record; tickets carry a copy of it as it was at the change.
type Customer = events.Customer

// Channels a ticket can arrive through.
var Channels = []string{"email", "chat", "phone", "social", "web", "api"}

// Urgencies, lowest first.
var Urgencies = []string{"low", "medium", "high", "critical"}

// Priorities, most urgent first.
var Priorities = []string{"P1", "P2", "P3", "P4"}

// CustomerInput identifies a customer (by email, phone or external id) and
// optionally sets their attributes.
type CustomerInput struct {
	Email        string `json:"email,omitempty"`
	Phone        string `json:"phone,omitempty"`
	ExternalID   string `json:"external_id,omitempty"`
	Name         string `json:"name,omitempty"`
	Tier         string `json:"tier,omitempty"`
	Region       string `json:"region,omitempty"`
	Organisation string `json:"organisation,omitempty"`
}

// Empty reports whether no identity is given.
func (c CustomerInput) Empty() bool { return c.Email == "" && c.Phone == "" && c.ExternalID == "" }

// CreateInput is a new ticket.
type CreateInput struct {
	ExternalID   string         `json:"external_id,omitempty"`
	Subject      string         `json:"subject"`
	Description  string         `json:"description,omitempty"`
	Type         string         `json:"type,omitempty"`
	Category     string         `json:"category,omitempty"`
	Product      string         `json:"product,omitempty"`
	Channel      string         `json:"channel,omitempty"`
	Urgency      string         `json:"urgency,omitempty"`
	Priority     string         `json:"priority,omitempty"`
	Customer     CustomerInput  `json:"customer"`
	OrderRef     string         `json:"order_ref,omitempty"`
	Tags         []string       `json:"tags,omitempty"`
	CustomFields map[string]any `json:"custom_fields,omitempty"`
	Assignee     string         `json:"assignee,omitempty"`
	Team         string         `json:"team,omitempty"`
	Region       string         `json:"region,omitempty"`
	// Links are made with the ticket, e.g. follow_up_of an older ticket;
	// they are checked as Link checks them.
	Links []events.Link `json:"links,omitempty"`
}

// Patch changes some fields of a ticket; nil means unchanged. In
// CustomFields a null value removes the field.
type Patch struct {
	Subject      *string        `json:"subject,omitempty"`
	Description  *string        `json:"description,omitempty"`
	Type         *string        `json:"type,omitempty"`
	Category     *string        `json:"category,omitempty"`
	Product      *string        `json:"product,omitempty"`
	Channel      *string        `json:"channel,omitempty"`
	Urgency      *string        `json:"urgency,omitempty"`
	Priority     *string        `json:"priority,omitempty"`
	OrderRef     *string        `json:"order_ref,omitempty"`
	Tags         *[]string      `json:"tags,omitempty"`
	CustomFields map[string]any `json:"custom_fields,omitempty"`
	Assignee     *string        `json:"assignee,omitempty"`
	Team         *string        `json:"team,omitempty"`
	Region       *string        `json:"region,omitempty"`
	Resolution   *string        `json:"resolution,omitempty"`
	SLAPolicy    *string        `json:"sla_policy,omitempty"` // "" returns the ticket to the default policy
	SLABreached  *bool          `json:"sla_breached,omitempty"`
}

// TransitionInput moves a ticket to another workflow state.
type TransitionInput struct {
	To            string `json:"to"`
	PendingReason string `json:"pending_reason,omitempty"`
	Resolution    string `json:"resolution,omitempty"`
	Comment       string `json:"comment,omitempty"` // why; recorded as the event's reason
}

// Actor is the authenticated caller of a service method.
type Actor struct {
	UserID int64
	Name   string
	Role   string
}

func (a Actor) event() events.Actor { return events.Actor{ID: a.UserID, Name: a.Name, Role: a.Role} }

// TicketComment is a public reply or an internal note as stored.
type TicketComment struct {
	ID     int64        `json:"id"`
	Author events.Actor `json:"author"`
	Body   string       `json:"body"`
	Public bool         `json:"public"`
	At     time.Time    `json:"at"`
}

// HistoryEntry is one audited change of a ticket.
type HistoryEntry struct {
	Version int64           `json:"version"`
	EventID string          `json:"event_id"`
	Type    events.Type     `json:"type"`
	At      time.Time       `json:"at"`
	Actor   events.Actor    `json:"actor"`
	Source  events.Source   `json:"source"`
	Reason  string          `json:"reason,omitempty"`
	Changes []events.Change `json:"changes"`
}

// ListQuery filters and pages the ticket list. A list filter accepts any
// of its values (OR) and filters combine (AND); a nil or empty list does not
// filter. The value "" matches tickets without the field, as the analytics
// hotspots count them under "" (so a dashboard can drill into that bar).
type ListQuery struct {
	Status       []string
	Team         []string
	Assignee     []string
	Priority     []string
	Category     []string
	Product      []string
	Channel      []string
	Region       []string
	CustomerTier []string // the ticket's copy of the customer's tier
	Type         []string // ticket type
	Tag          []string // tickets carrying any of these tags
	// CreatedFrom and CreatedTo bound the creation time to [CreatedFrom,
	// CreatedTo); a zero time leaves that side open.
	CreatedFrom time.Time
	CreatedTo   time.Time
	// CustomFields maps a custom field name to the accepted texts of its
	// value, rendered as CustomFieldText renders them (the analytics
	// dimension cf.<name>); "" matches tickets without the field.
	CustomFields map[string][]string
	CustomerID   int64
	RequesterID  int64 // set for client tokens: only their own tickets
	Q            string
	Sort         string // one of SortKeys, "-" prefix for descending
	Cursor       string
	Limit        int
}

// SortKeys are the sortable ticket columns.
var SortKeys = []string{"created_at", "updated_at", "priority", "id"}

// ListPage is one page of tickets.
type ListPage struct {
	Tickets    []Ticket `json:"tickets"`
	NextCursor string   `json:"next_cursor,omitempty"`
}

// IdempotencyRecord is a remembered create.
type IdempotencyRecord struct {
	RequestHash string
	TicketID    int64
}

// Store persists tickets, their audit trail and their change events.
type Store interface {
	// InTx runs fn in one transaction; an error from fn rolls everything back.
	InTx(ctx context.Context, fn func(Tx) error) error
	GetTicket(ctx context.Context, id int64) (*Ticket, error)
	ListTickets(ctx context.Context, q ListQuery) (ListPage, error)
	History(ctx context.Context, ticketID int64) ([]HistoryEntry, error)
	// Comments lists a ticket's comments, oldest first; publicOnly leaves
	// internal notes out.
	Comments(ctx context.Context, ticketID int64, publicOnly bool) ([]TicketComment, error)
	Events(ctx context.Context, after int64, limit int) ([]events.Event, error)
	GetCustomer(ctx context.Context, id int64) (*Customer, error)
	CustomerTickets(ctx context.Context, customerID int64, limit int) ([]Ticket, error)
	FieldDefs(ctx context.Context) ([]FieldDef, error)
	PutFieldDef(ctx context.Context, d FieldDef) error
	DeleteFieldDef(ctx context.Context, name string) error
	PruneIdempotency(ctx context.Context, before time.Time) (int64, error)
	// SLAState reads a ticket's SLA state; ErrNotFound when it has none.
	SLAState(ctx context.Context, ticketID int64) (*SLAState, error)
	// DueSLAStates pages, by ticket id after afterID, through the SLA states
	// with something due at or before dueBy: all of them for a server that
	// starts, the overdue ones for a periodic sweep.
	DueSLAStates(ctx context.Context, afterID int64, dueBy time.Time, limit int) ([]SLAState, error)
}

// SLAState is the persisted SLA state of one ticket. The ticket core does not
// read State; the SLA clocks (ticketcore/slaclock) own its JSON.
type SLAState struct {
	TicketID  int64
	Policy    string          // the SLA policy the clocks run under
	Version   int64           // goes up with every save
	State     json.RawMessage // the clocks, as JSON
	NextDue   *time.Time      // the earliest instant something is due; nil when nothing is
	UpdatedAt time.Time
}

// Tx is the write side of a store inside one transaction.
type Tx interface {
	TicketForUpdate(ctx context.Context, id int64) (*Ticket, error)
	TicketByExternalID(ctx context.Context, externalID string) (*Ticket, error)
	InsertTicket(ctx context.Context, t *Ticket) error // sets t.ID
	UpdateTicket(ctx context.Context, t *Ticket, prevVersion int64) error
	// AppendEvent writes the event to the log and the audit trail; it sets e.Seq.
	AppendEvent(ctx context.Context, e *events.Event) error
	FindCustomer(ctx context.Context, in CustomerInput) (*Customer, error) // nil when unknown
	SaveCustomer(ctx context.Context, c *Customer, now time.Time) error    // insert when c.ID == 0
	InsertComment(ctx context.Context, ticketID int64, c *events.Comment, author events.Actor, at time.Time) error
	// Idempotency returns the record of a key used at or after notBefore.
	Idempotency(ctx context.Context, userID int64, key string, notBefore time.Time) (*IdempotencyRecord, error)
	// SaveIdempotency records a key, replacing one that expired before notBefore.
	SaveIdempotency(ctx context.Context, userID int64, key string, rec IdempotencyRecord, now, notBefore time.Time) error
	// SLAStateForUpdate reads and locks a ticket's SLA state; nil when it has none.
	SLAStateForUpdate(ctx context.Context, ticketID int64) (*SLAState, error)
	// SaveSLAState inserts or replaces a ticket's SLA state.
	SaveSLAState(ctx context.Context, s *SLAState) error
	// MarkSLAFired records that the SLA warning, breach or escalation step
	// with this key was written; false when it had been already.
	MarkSLAFired(ctx context.Context, ticketID int64, key string, at time.Time) (bool, error)
}

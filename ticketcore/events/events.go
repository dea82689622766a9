// Package events is the change-event contract between the ticket core and
// every consumer (stream relay, analytics loader, KB miner, notifier).
//
// It imports nothing from the project on purpose: consumers see tickets only
// through these types, so the contract can be versioned independently of the
// ticket core's internals. See CONTRACT.md beside this file.
package events

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// SchemaVersion is the version of the JSON contract. Additive changes (a new
// optional field, a new event type) keep the version; a renamed or removed
// field, or a changed meaning, bumps it.
const SchemaVersion = 1

// Type names what happened to a ticket.
type Type string

// Event types of schema version 1.
const (
	TicketCreated       Type = "ticket.created"
	TicketUpdated       Type = "ticket.updated"
	TicketStatusChanged Type = "ticket.status_changed"
	TicketCommented     Type = "ticket.commented"
	TicketSLAWarning    Type = "ticket.sla_warning"  // a share of an SLA target has elapsed
	TicketSLABreached   Type = "ticket.sla_breached" // an SLA target was missed
	TicketEscalated     Type = "ticket.escalated"    // one step of an escalation (notify, reassign to a higher level)
)

// Types lists every event type of this schema version, in documentation order.
var Types = []Type{TicketCreated, TicketUpdated, TicketStatusChanged, TicketCommented,
	TicketSLAWarning, TicketSLABreached, TicketEscalated}

// Valid reports whether t is a known event type.
func (t Type) Valid() bool {
	for _, k := range Types {
		if k == t {
			return true
		}
	}
	return false
}

// Source says through which path a change entered the system.
type Source string

// Sources of changes.
const (
	SourceAPI    Source = "api"
	SourceImport Source = "import"
	SourceDemo   Source = "demo"
	SourceSystem Source = "system"
)

// Actor is who made a change.
type Actor struct {
	ID   int64  `json:"id,omitempty"` // user id; 0 for imported actors that have no account
	Name string `json:"name"`
	Role string `json:"role,omitempty"`
}

// Change is one field's value before and after a change. Old is null for a
// field that was unset; New is null for a field that was cleared.
type Change struct {
	Field string          `json:"field"`
	Old   json.RawMessage `json:"old"`
	New   json.RawMessage `json:"new"`
}

// Comment is the body of a ticket.commented event.
type Comment struct {
	ID     int64  `json:"id"`
	Body   string `json:"body"`
	Public bool   `json:"public"`
}

// Customer is the customer a ticket is for, as known when the event was written.
type Customer struct {
	ID           int64  `json:"id,omitempty"`
	Email        string `json:"email,omitempty"`
	Phone        string `json:"phone,omitempty"`
	ExternalID   string `json:"external_id,omitempty"`
	Name         string `json:"name,omitempty"`
	Tier         string `json:"tier,omitempty"`
	Region       string `json:"region,omitempty"`
	Organisation string `json:"organisation,omitempty"`
}

// Ticket is the full state of a ticket after a change. The REST API serves
// the same shape, so what a consumer sees is what an agent sees.
type Ticket struct {
	ID            int64           `json:"id"`
	Version       int64           `json:"version"`
	ExternalID    string          `json:"external_id,omitempty"`
	Subject       string          `json:"subject"`
	Description   string          `json:"description,omitempty"`
	Type          string          `json:"type"`
	Category      string          `json:"category,omitempty"`
	Product       string          `json:"product,omitempty"`
	Channel       string          `json:"channel"`
	Urgency       string          `json:"urgency"`
	Priority      string          `json:"priority"`
	Status        string          `json:"status"`
	PendingReason string          `json:"pending_reason,omitempty"`
	Customer      Customer        `json:"customer"`
	OrderRef      string          `json:"order_ref,omitempty"`
	Tags          []string        `json:"tags"`
	CustomFields  map[string]any  `json:"custom_fields"`
	Assignee      string          `json:"assignee,omitempty"`
	Team          string          `json:"team,omitempty"`
	Region        string          `json:"region,omitempty"`
	Resolution    string          `json:"resolution,omitempty"`
	SLAPolicy     string          `json:"sla_policy,omitempty"` // the SLA policy by name; empty: the policy named "default"
	SLABreached   bool            `json:"sla_breached"`
	ReopenCount   int             `json:"reopen_count"`
	Links         []Link          `json:"links,omitempty"`        // links to other tickets, in the order they were made
	CSAT          *CSAT           `json:"csat,omitempty"`         // the customer's latest satisfaction rating
	Checklist     []ChecklistItem `json:"checklist,omitempty"`    // the steps its type requires before resolving
	Approvals     []Approval      `json:"approvals,omitempty"`    // changes held for approval, and their outcome
	Attachments   []Attachment    `json:"attachments,omitempty"`  // files on the ticket, oldest first
	RequesterID   int64           `json:"requester_id,omitempty"` // the user (e.g. a client integration) that created it
	CreatedAt     time.Time       `json:"created_at"`
	UpdatedAt     time.Time       `json:"updated_at"`
	ResolvedAt    *time.Time      `json:"resolved_at,omitempty"`
	ClosedAt      *time.Time      `json:"closed_at,omitempty"`
}

// Event is one change of one ticket. Events of a ticket have strictly
// increasing TicketVersion; Seq is a global order across all tickets that
// follows commit order, so a reader paging with after=Seq misses nothing.
type Event struct {
	SchemaVersion int       `json:"schema_version"`
	ID            string    `json:"id"` // UUID; consumers deduplicate on it
	Seq           int64     `json:"seq"`
	TicketID      int64     `json:"ticket_id"`
	TicketVersion int64     `json:"ticket_version"`
	Type          Type      `json:"type"`
	At            time.Time `json:"at"`          // when the change happened (original time for imports)
	RecordedAt    time.Time `json:"recorded_at"` // when Deskmine stored it
	Actor         Actor     `json:"actor"`
	Source        Source    `json:"source"`
	Reason        string    `json:"reason,omitempty"`
	Changes       []Change  `json:"changes"`
	Comment       *Comment  `json:"comment,omitempty"`
	SLA           *SLA      `json:"sla,omitempty"` // on ticket.sla_warning and ticket.sla_breached
	Ticket        Ticket    `json:"ticket"`
}

// Link types. A link points from this ticket to another; the first three
// give the other ticket as the parent of this one (the root of a chain has
// no parent), related_to only relates the two.
const (
	LinkDuplicateOf = "duplicate_of" // this ticket reports what the other already does
	LinkFollowUpOf  = "follow_up_of" // this ticket continues the other after it was resolved
	LinkCausedBy    = "caused_by"    // the other ticket (a problem, a change) caused this one
	LinkRelatedTo   = "related_to"
)

// Sub-ticket links: a parent splits work into sub-tickets for other teams
// and waits for them. They are made by creating a sub-ticket, never by
// hand, and are not chain links (a sub-ticket is not a recurrence).
const (
	LinkSubtaskOf = "subtask_of" // on the sub-ticket: its parent
	LinkSubtask   = "subtask"    // on the parent: one of its sub-tickets
)

// LinkTypes lists the link types agents make by hand, in documentation order.
var LinkTypes = []string{LinkDuplicateOf, LinkFollowUpOf, LinkCausedBy, LinkRelatedTo}

// ParentLink reports whether a link of type t names the parent of its ticket.
func ParentLink(t string) bool {
	return t == LinkDuplicateOf || t == LinkFollowUpOf || t == LinkCausedBy
}

// Link is one link of a ticket to another.
type Link struct {
	Type     string `json:"type"` // one of LinkTypes
	TicketID int64  `json:"ticket_id"`
}

// Attachment is a file on a ticket; its content is stored by SHA256.
type Attachment struct {
	SHA256      string    `json:"sha256"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"content_type"` // detected from the content
	Kind        string    `json:"kind"`         // image, document, spreadsheet, presentation, pdf, archive, email, text, other
	Size        int64     `json:"size"`
	Public      bool      `json:"public"`               // false: staff only, like an internal note
	CommentID   int64     `json:"comment_id,omitempty"` // the reply or note it came with
	By          string    `json:"by"`
	At          time.Time `json:"at"`
}

// ChecklistItem is one step of a ticket's checklist.
type ChecklistItem struct {
	ID       string     `json:"id"`
	Title    string     `json:"title"`
	Required bool       `json:"required"`
	Done     bool       `json:"done"`
	DoneBy   string     `json:"done_by,omitempty"`
	DoneAt   *time.Time `json:"done_at,omitempty"`
}

// Approval is a change to a ticket that an approval policy held until
// approvers decide; the change is applied when it is approved.
type Approval struct {
	ID          string             `json:"id"`
	Policy      string             `json:"policy"`
	Status      string             `json:"status"` // pending, approved or rejected
	Action      string             `json:"action"` // update or transition
	Request     json.RawMessage    `json:"request"`
	Summary     string             `json:"summary"`
	Approvers   []string           `json:"approvers"` // roles (role:manager) and logins allowed to decide
	Needed      int                `json:"needed"`
	RequestedBy string             `json:"requested_by"`
	RequestedAt time.Time          `json:"requested_at"`
	Decisions   []ApprovalDecision `json:"decisions,omitempty"`
	DecidedAt   *time.Time         `json:"decided_at,omitempty"`
}

// ApprovalDecision is one approver's verdict.
type ApprovalDecision struct {
	By      string    `json:"by"`
	Approve bool      `json:"approve"`
	Comment string    `json:"comment,omitempty"`
	At      time.Time `json:"at"`
}

// CSAT is a customer satisfaction rating of a ticket.
type CSAT struct {
	Score   int       `json:"score"` // 1 (very unhappy) to 5 (very happy)
	Comment string    `json:"comment,omitempty"`
	At      time.Time `json:"at"` // when the customer rated
}

// SLA says which target an SLA warning or breach is about, in a form
// consumers can count by (the reason says the same for people).
type SLA struct {
	Metric        string     `json:"metric"` // first_response, next_response, resolution
	Cycle         int        `json:"cycle"`  // 1 for the first clock of the metric; reopening starts another
	Policy        string     `json:"policy"`
	TargetSeconds int64      `json:"target_seconds"`     // business time the policy allows
	Deadline      *time.Time `json:"deadline,omitempty"` // absent when the clock has stopped
}

// Key is the partition key of the event on a stream: the ticket id, so that
// per-ticket order is kept.
func (e *Event) Key() string { return fmt.Sprintf("%d", e.TicketID) }

// ChangeOf returns the change of the named field, if the event has one.
func (e *Event) ChangeOf(field string) (Change, bool) {
	for _, c := range e.Changes {
		if c.Field == field {
			return c, true
		}
	}
	return Change{}, false
}

// Validate checks the invariants every consumer relies on.
func (e *Event) Validate() error {
	var errs []error
	if e.SchemaVersion < 1 || e.SchemaVersion > SchemaVersion {
		errs = append(errs, fmt.Errorf("schema_version %d is not supported (max %d)", e.SchemaVersion, SchemaVersion))
	}
	if e.ID == "" {
		errs = append(errs, errors.New("id is empty"))
	}
	if e.TicketID <= 0 {
		errs = append(errs, errors.New("ticket_id must be positive"))
	}
	if e.TicketVersion <= 0 {
		errs = append(errs, errors.New("ticket_version must be positive"))
	}
	// An unknown type is not an error: new types are additive within a
	// schema version, and a consumer skips types it does not know (Type.Valid).
	if e.Type == "" {
		errs = append(errs, errors.New("type is empty"))
	}
	if e.At.IsZero() {
		errs = append(errs, errors.New("at is zero"))
	}
	if e.Ticket.ID != e.TicketID || e.Ticket.Version != e.TicketVersion {
		errs = append(errs, errors.New("ticket snapshot does not match ticket_id/ticket_version"))
	}
	return errors.Join(errs...)
}

// Marshal encodes an event as its JSON wire form.
func Marshal(e *Event) ([]byte, error) {
	b, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("marshal event %s: %w", e.ID, err)
	}
	return b, nil
}

// Unmarshal decodes and validates an event's JSON wire form.
func Unmarshal(b []byte) (*Event, error) {
	var e Event
	if err := json.Unmarshal(b, &e); err != nil {
		return nil, fmt.Errorf("unmarshal event: %w", err)
	}
	if err := e.Validate(); err != nil {
		return nil, fmt.Errorf("invalid event %s: %w", e.ID, err)
	}
	return &e, nil
}

package ticketcore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/deskmine/deskmine/ticketcore/events"
)

// Options configure the ticket service.
type Options struct {
	Workflow      Workflow
	TicketTypes   []string
	CustomerTiers []string
	// RequireCustomer refuses API-created tickets without a customer identity.
	RequireCustomer bool
	// IdempotencyTTL is how long an Idempotency-Key is remembered.
	IdempotencyTTL time.Duration
	Now            func() time.Time
	Logger         *slog.Logger
}

// DefaultOptions are the options of a fresh installation.
func DefaultOptions() Options {
	return Options{
		Workflow:        DefaultWorkflow(),
		TicketTypes:     []string{"question", "incident", "problem", "request", "complaint"},
		CustomerTiers:   []string{"standard", "premium", "vip", "enterprise"},
		RequireCustomer: true,
		IdempotencyTTL:  24 * time.Hour,
	}
}

// Service applies validated changes to tickets. Every change goes through
// apply, which writes the ticket, the audit row and the change event in one
// transaction.
type Service struct {
	store Store
	opts  Options
	log   *slog.Logger

	fieldsMu sync.RWMutex
	fields   map[string]FieldDef // cache; nil means reload

	// beforeEvent runs between the ticket write and the event write; tests
	// use it to prove the two are atomic.
	beforeEvent func() error

	hooks  []Hook
	router Router
	// checklists gives new tickets their type's checklist (SetChecklists).
	checklists ChecklistSource
	// approvals holds changes that policies name (SetApprovals).
	approvals ApprovalSource
	// loop signs customer links and verifies closes (SetLoop).
	loop *LoopOptions
}

// NewService validates the options and returns a service.
func NewService(store Store, opts Options) (*Service, error) {
	if err := opts.Workflow.Validate(); err != nil {
		return nil, fmt.Errorf("workflow: %w", err)
	}
	if len(opts.TicketTypes) == 0 {
		return nil, errors.New("no ticket types configured")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.IdempotencyTTL <= 0 {
		opts.IdempotencyTTL = 24 * time.Hour
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Service{store: store, opts: opts, log: opts.Logger}, nil
}

// Workflow returns the configured workflow.
func (s *Service) Workflow() Workflow { return s.opts.Workflow }

// Options returns the service options.
func (s *Service) Options() Options { return s.opts }

// Store returns the underlying store.
func (s *Service) Store() Store { return s.store }

func (s *Service) now() time.Time { return s.opts.Now().UTC().Truncate(time.Microsecond) }

func (s *Service) fieldDefs(ctx context.Context) (map[string]FieldDef, error) {
	s.fieldsMu.RLock()
	f := s.fields
	s.fieldsMu.RUnlock()
	if f != nil {
		return f, nil
	}
	defs, err := s.store.FieldDefs(ctx)
	if err != nil {
		return nil, fmt.Errorf("load field definitions: %w", err)
	}
	f = make(map[string]FieldDef, len(defs))
	for _, d := range defs {
		f[d.Name] = d
	}
	s.fieldsMu.Lock()
	s.fields = f
	s.fieldsMu.Unlock()
	return f, nil
}

// FieldDefs lists the custom field definitions.
func (s *Service) FieldDefs(ctx context.Context) ([]FieldDef, error) {
	m, err := s.fieldDefs(ctx)
	if err != nil {
		return nil, err
	}
	out := slices.Collect(maps.Values(m))
	slices.SortFunc(out, func(a, b FieldDef) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// PutFieldDef creates or replaces a custom field definition.
func (s *Service) PutFieldDef(ctx context.Context, d FieldDef) error {
	if err := d.Validate(); err != nil {
		return err
	}
	fe := fieldErrors{}
	for _, t := range d.RequiredFor {
		if !slices.Contains(s.opts.TicketTypes, t) {
			fe.add("required_for", fmt.Sprintf("%q is not a ticket type; types are %s", t, strings.Join(s.opts.TicketTypes, ", ")))
		}
	}
	if err := fe.err(); err != nil {
		return err
	}
	if err := s.store.PutFieldDef(ctx, d); err != nil {
		return fmt.Errorf("save field %s: %w", d.Name, err)
	}
	s.invalidateFields()
	return nil
}

// DeleteFieldDef removes a custom field definition; values already on tickets stay.
func (s *Service) DeleteFieldDef(ctx context.Context, name string) error {
	if err := s.store.DeleteFieldDef(ctx, name); err != nil {
		if errors.Is(err, ErrNotFound) {
			return NotFound("field", name)
		}
		return fmt.Errorf("delete field %s: %w", name, err)
	}
	s.invalidateFields()
	return nil
}

func (s *Service) invalidateFields() {
	s.fieldsMu.Lock()
	s.fields = nil
	s.fieldsMu.Unlock()
}

// Prune forgets expired idempotency keys; the server runs it periodically.
func (s *Service) Prune(ctx context.Context) error {
	n, err := s.store.PruneIdempotency(ctx, s.now().Add(-s.opts.IdempotencyTTL))
	if err != nil {
		return err
	}
	if n > 0 {
		s.log.Info("pruned idempotency keys", "count", n)
	}
	return nil
}

// Get returns one ticket.
func (s *Service) Get(ctx context.Context, id int64) (*Ticket, error) {
	t, err := s.store.GetTicket(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil, NotFound("ticket", id)
	}
	return t, err
}

// List pages through tickets.
func (s *Service) List(ctx context.Context, q ListQuery) (ListPage, error) {
	if err := q.checkFilters(); err != nil {
		return ListPage{}, err
	}
	fe := fieldErrors{}
	for _, st := range q.Status {
		if _, ok := s.opts.Workflow.State(st); !ok {
			fe.add("status", fmt.Sprintf("unknown state %q; states are %s", st, strings.Join(s.opts.Workflow.StateNames(), ", ")))
		}
	}
	for _, p := range q.Priority {
		checkOneOf(fe, "priority", p, Priorities)
	}
	if q.Sort == "" {
		q.Sort = "-created_at"
	}
	if !slices.Contains(SortKeys, strings.TrimPrefix(q.Sort, "-")) {
		fe.add("sort", "must be one of "+strings.Join(SortKeys, ", ")+", with - for descending")
	}
	if q.Limit == 0 {
		q.Limit = 50
	}
	if q.Limit < 1 || q.Limit > 500 {
		fe.add("limit", "must be between 1 and 500")
	}
	if len(q.Q) > 200 {
		fe.add("q", "is longer than 200 characters")
	}
	if err := fe.err(); err != nil {
		return ListPage{}, err
	}
	return s.store.ListTickets(ctx, q)
}

// Comments lists a ticket's replies and, unless publicOnly, its internal
// notes, oldest first.
func (s *Service) Comments(ctx context.Context, id int64, publicOnly bool) ([]TicketComment, error) {
	if _, err := s.Get(ctx, id); err != nil {
		return nil, err
	}
	return s.store.Comments(ctx, id, publicOnly)
}

// History returns a ticket's audit trail, oldest first.
func (s *Service) History(ctx context.Context, id int64) ([]HistoryEntry, error) {
	if _, err := s.Get(ctx, id); err != nil {
		return nil, err
	}
	return s.store.History(ctx, id)
}

// Events pages through the change-event log.
func (s *Service) Events(ctx context.Context, after int64, limit int) ([]events.Event, error) {
	if after < 0 {
		return nil, Invalid("after", "must not be negative")
	}
	if limit == 0 {
		limit = 100
	}
	if limit < 1 || limit > 1000 {
		return nil, Invalid("limit", "must be between 1 and 1000")
	}
	return s.store.Events(ctx, after, limit)
}

// CustomerWithHistory is a customer and their most recent tickets.
type CustomerWithHistory struct {
	Customer      Customer `json:"customer"`
	RecentTickets []Ticket `json:"recent_tickets"`
}

// Customer returns a customer with their recent tickets, newest first.
func (s *Service) Customer(ctx context.Context, id int64, limit int) (*CustomerWithHistory, error) {
	c, err := s.store.GetCustomer(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil, NotFound("customer", id)
	}
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	ts, err := s.store.CustomerTickets(ctx, id, limit)
	if err != nil {
		return nil, err
	}
	return &CustomerWithHistory{Customer: *c, RecentTickets: ts}, nil
}

// CreateResult tells whether a create made a new ticket or replayed an
// earlier one with the same idempotency key.
type CreateResult struct {
	Ticket   *Ticket
	Replayed bool
}

// Create validates and stores a new ticket. A repeated idempotency key with
// the same body returns the first ticket; with another body it is refused.
func (s *Service) Create(ctx context.Context, actor Actor, in CreateInput, idemKey string) (CreateResult, error) {
	if len(idemKey) > 200 {
		return CreateResult{}, &Error{Code: CodeBadRequest, Message: "Idempotency-Key is longer than 200 characters",
			Fields: map[string]string{"Idempotency-Key": "at most 200 characters"}}
	}
	var reqHash string
	if idemKey != "" {
		b, _ := json.Marshal(in)
		sum := sha256.Sum256(b)
		reqHash = hex.EncodeToString(sum[:])
	}
	now := s.now()
	draft, err := s.newTicket(ctx, actor, &in, now)
	if err != nil {
		return CreateResult{}, err
	}
	if draft.Checklist, err = s.checklistFor(ctx, draft.Type); err != nil {
		return CreateResult{}, err
	}
	var res CreateResult
	err = s.inTx(ctx, func(tx Tx) error {
		res = CreateResult{}
		if idemKey != "" {
			rec, err := tx.Idempotency(ctx, actor.UserID, idemKey, now.Add(-s.opts.IdempotencyTTL))
			if err != nil {
				return err
			}
			if rec != nil {
				if rec.RequestHash != reqHash {
					return &Error{Code: CodeIdempotencyReuse, Message: "Idempotency-Key was already used with a different request",
						Fields: map[string]string{"Idempotency-Key": "already used with a different body"}}
				}
				prior, err := tx.TicketForUpdate(ctx, rec.TicketID)
				if err != nil {
					return err
				}
				res = CreateResult{Ticket: prior, Replayed: true}
				return nil
			}
		}
		t := cloneTicket(draft) // afresh on every attempt
		if err := s.linkCustomer(ctx, tx, t, in.Customer, now); err != nil {
			return err
		}
		if err := s.checkTargets(ctx, tx, 0, t.Links, func(i int) string { return fmt.Sprintf("links[%d].ticket_id", i) }); err != nil {
			return err
		}
		// Routing sees the linked customer (tier, region, id for sticky
		// assignment); a replayed create is not routed.
		routeReason := ""
		if s.router != nil {
			var err error
			if routeReason, err = s.router.Route(ctx, t); err != nil {
				return fmt.Errorf("route ticket: %w", err)
			}
		}
		if err := s.insert(ctx, tx, actor, t, events.SourceAPI, routeReason); err != nil {
			return err
		}
		if idemKey != "" {
			rec := IdempotencyRecord{RequestHash: reqHash, TicketID: t.ID}
			if err := tx.SaveIdempotency(ctx, actor.UserID, idemKey, rec, now, now.Add(-s.opts.IdempotencyTTL)); err != nil {
				return err
			}
		}
		res.Ticket = t
		return nil
	})
	if err != nil {
		return CreateResult{}, err
	}
	return res, nil
}

// Draft builds and validates the ticket that Create would store for in,
// without storing, routing or linking it: the customer is taken from the
// input as given, not looked up. It serves dry runs such as explaining how
// the routing rules would treat a ticket.
func (s *Service) Draft(ctx context.Context, actor Actor, in CreateInput) (*Ticket, error) {
	t, err := s.newTicket(ctx, actor, &in, s.now())
	if err != nil {
		return nil, err
	}
	c := in.Customer
	t.Customer = Customer{Email: c.Email, Phone: c.Phone, ExternalID: c.ExternalID, Name: c.Name, Tier: c.Tier,
		Region: c.Region, Organisation: c.Organisation}
	if t.Region == "" {
		t.Region = c.Region
	}
	return t, nil
}

// newTicket normalises in (its customer identities too) and builds the new
// ticket with its defaults, or returns every problem found.
func (s *Service) newTicket(ctx context.Context, actor Actor, in *CreateInput, now time.Time) (*Ticket, error) {
	fe := fieldErrors{}
	s.normalizeCustomer(&in.Customer, fe)
	if s.opts.RequireCustomer && in.Customer.Empty() {
		fe.add("customer", "needs an email, phone or external_id")
	}
	defs, err := s.fieldDefs(ctx)
	if err != nil {
		return nil, err
	}
	t := &Ticket{
		ExternalID: strings.TrimSpace(in.ExternalID), Subject: strings.TrimSpace(in.Subject), Description: in.Description,
		Type: in.Type, Category: strings.TrimSpace(in.Category), Product: strings.TrimSpace(in.Product),
		Channel: in.Channel, Urgency: in.Urgency, Priority: in.Priority, Status: s.opts.Workflow.Initial,
		OrderRef: strings.TrimSpace(in.OrderRef), Tags: normalizeTags(in.Tags, fe),
		CustomFields: maps.Clone(in.CustomFields), Assignee: strings.TrimSpace(in.Assignee), Team: strings.TrimSpace(in.Team),
		Region: strings.TrimSpace(in.Region), RequesterID: actor.UserID, CreatedAt: now, UpdatedAt: now,
		Links: newLinks(in.Links, fe),
	}
	if t.Type == "" {
		t.Type = s.opts.TicketTypes[0]
	}
	if t.Channel == "" {
		t.Channel = "api"
	}
	if t.Urgency == "" {
		t.Urgency = "medium"
	}
	if t.Priority == "" && slices.Contains(Urgencies, t.Urgency) {
		t.Priority = priorityFor(t.Urgency)
	}
	if t.CustomFields == nil {
		t.CustomFields = map[string]any{}
	}
	s.checkTicket(t, fe)
	validateCustomFields(defs, t.Type, t.CustomFields, fe)
	if err := fe.err(); err != nil {
		return nil, err
	}
	return t, nil
}

// linkCustomer finds the customer by any identity, pre-fills the ticket from
// what is known about them, and records new attributes on the customer.
func (s *Service) linkCustomer(ctx context.Context, tx Tx, t *Ticket, in CustomerInput, now time.Time) error {
	if in.Empty() {
		return nil
	}
	c, err := tx.FindCustomer(ctx, in)
	if err != nil {
		return fmt.Errorf("find customer: %w", err)
	}
	if c == nil {
		c = &Customer{}
	}
	before := *c
	fill := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	fill(&c.Email, in.Email)
	fill(&c.Phone, in.Phone)
	fill(&c.ExternalID, in.ExternalID)
	fill(&c.Name, in.Name)
	fill(&c.Tier, in.Tier)
	fill(&c.Region, in.Region)
	fill(&c.Organisation, in.Organisation)
	if c.ID == 0 || *c != before {
		if err := tx.SaveCustomer(ctx, c, now); err != nil {
			return fmt.Errorf("save customer: %w", err)
		}
	}
	t.Customer = *c
	if t.Region == "" {
		t.Region = c.Region
	}
	return nil
}

func (s *Service) insert(ctx context.Context, tx Tx, actor Actor, t *Ticket, src events.Source, reason string) error {
	t.Version = 1
	if err := tx.InsertTicket(ctx, t); err != nil {
		return fmt.Errorf("insert ticket: %w", err)
	}
	return s.appendEvent(ctx, tx, actor, events.TicketCreated, src, reason, nil, t, t.CreatedAt, eventExtra{})
}

// eventExtra holds the parts of an event only some types carry.
type eventExtra struct {
	Comment *events.Comment
	SLA     *events.SLA
}

func (s *Service) appendEvent(ctx context.Context, tx Tx, actor Actor, typ events.Type, src events.Source, reason string,
	old, t *Ticket, at time.Time, extra eventExtra) error {
	if s.beforeEvent != nil {
		if err := s.beforeEvent(); err != nil {
			return err
		}
	}
	id, err := uuid.NewV7()
	if err != nil {
		return fmt.Errorf("event id: %w", err)
	}
	changes := Diff(old, t)
	if changes == nil {
		changes = []events.Change{}
	}
	e := &events.Event{
		SchemaVersion: events.SchemaVersion, ID: id.String(), TicketID: t.ID, TicketVersion: t.Version,
		Type: typ, At: at, RecordedAt: s.now(), Actor: actor.event(), Source: src, Reason: reason,
		Changes: changes, Comment: extra.Comment, SLA: extra.SLA, Ticket: *t,
	}
	if err := tx.AppendEvent(ctx, e); err != nil {
		return fmt.Errorf("append event: %w", err)
	}
	return nil
}

// Update applies a patch to the ticket at expectedVersion.
func (s *Service) Update(ctx context.Context, actor Actor, id, expectedVersion int64, p Patch) (*Ticket, error) {
	return s.UpdateWithReason(ctx, actor, id, expectedVersion, p, events.SourceAPI, "")
}

// maxReason bounds the reason of an UpdateWithReason.
const maxReason = 4000

// UpdateWithReason is Update with the source and the reason recorded in the
// change event, for changes made by Deskmine itself (a ticket re-routed
// because its agent went offline) or on a user's behalf (an automatic
// reassignment, with the routing decision as the reason).
func (s *Service) UpdateWithReason(ctx context.Context, actor Actor, id, expectedVersion int64, p Patch, src events.Source, reason string) (*Ticket, error) {
	if src == "" {
		src = events.SourceAPI
	}
	fe := fieldErrors{}
	checkText(fe, "reason", reason, maxReason, false)
	if err := fe.err(); err != nil {
		return nil, err
	}
	defs, err := s.fieldDefs(ctx)
	if err != nil {
		return nil, err
	}
	var out *Ticket
	var held *events.Approval
	err = s.inTx(ctx, func(tx Tx) error {
		old, err := s.loadForChange(ctx, tx, id, expectedVersion)
		if err != nil {
			return err
		}
		t := cloneTicket(old)
		fe := fieldErrors{}
		applyPatch(t, p, fe)
		if p.Urgency != nil && p.Priority == nil && old.Priority == priorityFor(old.Urgency) {
			t.Priority = priorityFor(t.Urgency) // keep a derived priority in step with urgency
		}
		s.checkTicket(t, fe)
		only := p.CustomFields
		if only == nil {
			only = map[string]any{}
		}
		typeChanged := t.Type != old.Type
		if typeChanged {
			fresh, err := s.checklistFor(ctx, t.Type)
			if err != nil {
				return err
			}
			t.Checklist = mergeChecklist(old.Checklist, fresh)
		}
		removed := false
		for _, v := range p.CustomFields {
			removed = removed || v == nil
		}
		validateCustomFieldsOf(defs, t.Type, t.CustomFields, only, typeChanged || removed, fe)
		if err := fe.err(); err != nil {
			return err
		}
		if len(Diff(old, t)) == 0 {
			out = old // nothing changed: no version bump, no event
			return nil
		}
		if src == events.SourceAPI {
			a, kept, err := s.hold(ctx, tx, actor, old, t, "update", p)
			if err != nil {
				return err
			}
			if a != nil {
				out, held = kept, a
				return nil
			}
		}
		if err := s.write(ctx, tx, actor, old, t, events.TicketUpdated, src, reason, s.now(), eventExtra{}); err != nil {
			return err
		}
		out = t
		return nil
	})
	if err == nil && held != nil {
		return out, &ApprovalRequired{Approval: *held}
	}
	return out, err
}

// Transition moves a ticket along the workflow. expectedVersion 0 skips the
// version check (transitions are intents, not edits of a seen state).
func (s *Service) Transition(ctx context.Context, actor Actor, id, expectedVersion int64, in TransitionInput) (*Ticket, error) {
	if st, ok := s.opts.Workflow.State(in.To); ok && st.Kind == KindClosed && s.loop != nil && s.loop.Verifier != nil {
		// Outside the transaction: the check is a remote call.
		cur, err := s.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		if err := s.loop.Verifier.VerifyClose(ctx, cur); err != nil {
			return nil, &Error{Code: CodeNotVerified, Message: "the close verification did not agree: " + err.Error()}
		}
	}
	var out *Ticket
	var held *events.Approval
	err := s.inTx(ctx, func(tx Tx) error {
		old, err := s.loadForChange(ctx, tx, id, expectedVersion)
		if err != nil {
			return err
		}
		if err := s.opts.Workflow.CheckTransition(old.Status, in.To, in.PendingReason); err != nil {
			return err
		}
		if err := s.checklistBlocks(old, in.To); err != nil {
			return err
		}
		if err := s.subticketsBlock(ctx, tx, old, in.To); err != nil {
			return err
		}
		fe := fieldErrors{}
		checkText(fe, "comment", in.Comment, 2000, false)
		checkText(fe, "resolution", in.Resolution, maxResolution, false)
		if err := fe.err(); err != nil {
			return err
		}
		t := cloneTicket(old)
		now := s.now()
		s.setStatus(t, in.To, in.PendingReason, now)
		if in.Resolution != "" {
			t.Resolution = in.Resolution
		}
		a, kept, err := s.hold(ctx, tx, actor, old, t, "transition", in)
		if err != nil {
			return err
		}
		if a != nil {
			out, held = kept, a
			return nil
		}
		if err := s.write(ctx, tx, actor, old, t, events.TicketStatusChanged, events.SourceAPI, in.Comment, now, eventExtra{}); err != nil {
			return err
		}
		out = t
		return nil
	})
	if err == nil && held != nil {
		return out, &ApprovalRequired{Approval: *held}
	}
	return out, err
}

// setStatus applies a state change and keeps the lifecycle timestamps and
// reopen count true to the state kinds.
func (s *Service) setStatus(t *Ticket, to, reason string, at time.Time) {
	from, _ := s.opts.Workflow.State(t.Status)
	target, _ := s.opts.Workflow.State(to)
	t.Status = to
	t.PendingReason = ""
	if target.Kind == KindPending {
		t.PendingReason = reason
	}
	wasDone := from.Kind == KindResolved || from.Kind == KindClosed
	switch target.Kind {
	case KindResolved:
		if t.ResolvedAt == nil || wasDone {
			at := at
			t.ResolvedAt = &at
		}
		t.ClosedAt = nil
	case KindClosed:
		at := at
		t.ClosedAt = &at
		if t.ResolvedAt == nil {
			t.ResolvedAt = &at
		}
	default:
		if wasDone {
			t.ReopenCount++
			t.ResolvedAt = nil
			t.ClosedAt = nil
		}
	}
}

// Comment adds a public reply or an internal note.
func (s *Service) Comment(ctx context.Context, actor Actor, id int64, body string, public bool) (*Ticket, error) {
	fe := fieldErrors{}
	checkText(fe, "body", body, maxDescription, true)
	if err := fe.err(); err != nil {
		return nil, err
	}
	var out *Ticket
	err := s.inTx(ctx, func(tx Tx) error {
		old, err := s.loadForChange(ctx, tx, id, 0)
		if err != nil {
			return err
		}
		now := s.now()
		c := &events.Comment{Body: body, Public: public}
		if err := tx.InsertComment(ctx, id, c, actor.event(), now); err != nil {
			return fmt.Errorf("insert comment: %w", err)
		}
		t := cloneTicket(old)
		t.Version++
		t.UpdatedAt = now
		if err := tx.UpdateTicket(ctx, t, old.Version); err != nil {
			return conflictOr(err)
		}
		if err := s.appendEvent(ctx, tx, actor, events.TicketCommented, events.SourceAPI, "", old, t, now, eventExtra{Comment: c}); err != nil {
			return err
		}
		out = t
		return nil
	})
	return out, err
}

func (s *Service) loadForChange(ctx context.Context, tx Tx, id, expectedVersion int64) (*Ticket, error) {
	old, err := tx.TicketForUpdate(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil, NotFound("ticket", id)
	}
	if err != nil {
		return nil, fmt.Errorf("load ticket %d: %w", id, err)
	}
	if expectedVersion != 0 && old.Version != expectedVersion {
		return nil, &Error{Code: CodeConflict, Message: fmt.Sprintf("ticket %d is at version %d, not %d; reload and retry", id, old.Version, expectedVersion)}
	}
	return old, nil
}

// write stores a changed ticket with its event; it bumps the version.
func (s *Service) write(ctx context.Context, tx Tx, actor Actor, old, t *Ticket, typ events.Type, src events.Source, reason string, at time.Time, extra eventExtra) error {
	t.Version = old.Version + 1
	t.UpdatedAt = at
	if err := tx.UpdateTicket(ctx, t, old.Version); err != nil {
		return conflictOr(err)
	}
	return s.appendEvent(ctx, tx, actor, typ, src, reason, old, t, at, extra)
}

func conflictOr(err error) error {
	if errors.Is(err, ErrConflict) {
		return &Error{Code: CodeConflict, Message: "the ticket was changed meanwhile; reload and retry"}
	}
	return fmt.Errorf("update ticket: %w", err)
}

func applyPatch(t *Ticket, p Patch, fe fieldErrors) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = strings.TrimSpace(*v)
		}
	}
	set(&t.Subject, p.Subject)
	if p.Description != nil {
		t.Description = *p.Description
	}
	set(&t.Type, p.Type)
	set(&t.Category, p.Category)
	set(&t.Product, p.Product)
	set(&t.Channel, p.Channel)
	set(&t.Urgency, p.Urgency)
	set(&t.Priority, p.Priority)
	set(&t.OrderRef, p.OrderRef)
	set(&t.Assignee, p.Assignee)
	set(&t.Team, p.Team)
	set(&t.Region, p.Region)
	set(&t.SLAPolicy, p.SLAPolicy)
	if p.Resolution != nil {
		t.Resolution = *p.Resolution
	}
	if p.Tags != nil {
		t.Tags = normalizeTags(*p.Tags, fe)
	}
	if p.SLABreached != nil {
		t.SLABreached = *p.SLABreached
	}
	for k, v := range p.CustomFields {
		if v == nil {
			delete(t.CustomFields, k)
		} else {
			t.CustomFields[k] = v
		}
	}
}

func cloneTicket(t *Ticket) *Ticket {
	c := *t
	c.Tags = slices.Clone(t.Tags)
	if c.Tags == nil {
		c.Tags = []string{}
	}
	c.CustomFields = maps.Clone(t.CustomFields)
	if c.CustomFields == nil {
		c.CustomFields = map[string]any{}
	}
	if t.ResolvedAt != nil {
		v := *t.ResolvedAt
		c.ResolvedAt = &v
	}
	if t.ClosedAt != nil {
		v := *t.ClosedAt
		c.ClosedAt = &v
	}
	c.Links = slices.Clone(t.Links)
	c.Checklist = slices.Clone(t.Checklist) // items hold DoneAt pointers, which are never written through
	c.Approvals = slices.Clone(t.Approvals)
	c.Attachments = slices.Clone(t.Attachments)
	if t.CSAT != nil {
		v := *t.CSAT
		c.CSAT = &v
	}
	return &c
}

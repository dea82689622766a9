package ticketcore

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/deskmine/deskmine/ticketcore/events"
)

// ImportedChange is one change of one ticket from another helpdesk's history.
type ImportedChange struct {
	Line    int // source line number, for error reports
	At      time.Time
	Actor   string
	Type    string         // created, updated, commented, status_changed
	Fields  map[string]any // built-in ticket fields, "customer", and custom fields; status already mapped to a workflow state
	Comment string         // body of a commented change
	Public  bool           // whether the comment was visible to the customer
	Source  events.Source  // defaults to import; the demo loader says demo
}

// ImportTypes are the change types the importer accepts.
var ImportTypes = []string{"created", "updated", "commented", "status_changed"}

// LineError is a bad line of an import.
type LineError struct {
	Line   int
	Field  string
	Reason string
}

func (e *LineError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("line %d: %s", e.Line, e.Reason)
	}
	return fmt.Sprintf("line %d: %s: %s", e.Line, e.Field, e.Reason)
}

// ImportResult counts what an imported ticket wrote.
type ImportResult struct {
	TicketID int64
	Applied  int // changes written as events
	Skipped  int // changes already imported by an earlier run
}

// builtinImportFields are the ticket fields an import line may set directly.
var builtinImportFields = []string{"subject", "description", "type", "category", "product", "channel", "urgency",
	"priority", "status", "pending_reason", "customer", "order_ref", "tags", "assignee", "team", "region",
	"resolution", "sla_breached"}

// unimportableFields are ticket fields an import line cannot set, with why:
// left to the custom-field branch they would become custom fields of the
// same name and shadow the real ones.
var unimportableFields = map[string]string{
	"links": "cannot be imported: make links after the import (POST /api/v1/tickets/{id}/links), where they are checked against the other tickets",
	"csat":  "cannot be imported: record ratings after the import (PUT /api/v1/tickets/{id}/csat)",
}

// ImportTicket applies one ticket's history in one transaction: either every
// change is written, or none. Changes are applied in time order and keep their
// original times. A ticket that exists already (same external id) takes only
// the changes newer than its last update, so re-running an import is safe.
// Imports record states as they were: workflow transition rules are not
// enforced on history, but every state must exist in the workflow.
func (s *Service) ImportTicket(ctx context.Context, externalID string, changes []ImportedChange) (ImportResult, error) {
	if strings.TrimSpace(externalID) == "" {
		line := 0
		if len(changes) > 0 {
			line = changes[0].Line
		}
		return ImportResult{}, &LineError{Line: line, Field: "ticket", Reason: "external id is empty"}
	}
	if len(changes) == 0 {
		return ImportResult{}, nil
	}
	changes = slices.Clone(changes)
	sort.SliceStable(changes, func(i, j int) bool { return changes[i].At.Before(changes[j].At) })
	defs, err := s.fieldDefs(ctx)
	if err != nil {
		return ImportResult{}, err
	}
	var res ImportResult
	err = s.inTx(ctx, func(tx Tx) error {
		res = ImportResult{}
		cur, err := tx.TicketByExternalID(ctx, externalID)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return fmt.Errorf("look up %s: %w", externalID, err)
		}
		if errors.Is(err, ErrNotFound) {
			cur = nil
		}
		for _, ch := range changes {
			if cur != nil && !ch.At.After(cur.UpdatedAt) && cur.Version > 0 && res.Applied == 0 {
				res.Skipped++
				continue
			}
			next, typ, err := s.applyImported(ctx, tx, externalID, cur, ch, defs)
			if err != nil {
				return err
			}
			actor := Actor{Name: ch.Actor}
			if actor.Name == "" {
				actor.Name = "import"
			}
			reason := ""
			if cur == nil {
				next.Version = 1
				if err := tx.InsertTicket(ctx, next); err != nil {
					return fmt.Errorf("line %d: insert ticket: %w", ch.Line, err)
				}
			} else {
				next.Version = cur.Version + 1
				if err := tx.UpdateTicket(ctx, next, cur.Version); err != nil {
					return fmt.Errorf("line %d: %w", ch.Line, conflictOr(err))
				}
			}
			var comment *events.Comment
			// A comment is kept whatever else the line did: it may also create
			// the ticket or move its status.
			if ch.Type == "commented" {
				comment = &events.Comment{Body: ch.Comment, Public: ch.Public}
				if err := tx.InsertComment(ctx, next.ID, comment, actor.event(), ch.At); err != nil {
					return fmt.Errorf("line %d: insert comment: %w", ch.Line, err)
				}
			}
			src := ch.Source
			if src == "" {
				src = events.SourceImport
			}
			if err := s.appendEvent(ctx, tx, actor, typ, src, reason, cur, next, ch.At.UTC().Truncate(time.Microsecond), eventExtra{Comment: comment}); err != nil {
				return fmt.Errorf("line %d: %w", ch.Line, err)
			}
			cur = next
			res.Applied++
		}
		if cur != nil {
			res.TicketID = cur.ID
		}
		return nil
	})
	return res, err
}

func (s *Service) applyImported(ctx context.Context, tx Tx, externalID string, cur *Ticket, ch ImportedChange, defs map[string]FieldDef) (*Ticket, events.Type, error) {
	bad := func(field, reason string) error { return &LineError{Line: ch.Line, Field: field, Reason: reason} }
	if ch.At.IsZero() {
		return nil, "", bad("at", "is missing")
	}
	if !slices.Contains(ImportTypes, ch.Type) {
		return nil, "", bad("type", "must be one of "+strings.Join(ImportTypes, ", "))
	}
	at := ch.At.UTC().Truncate(time.Microsecond)
	var t *Ticket
	typ := events.TicketUpdated
	if cur == nil {
		t = &Ticket{ExternalID: externalID, Status: s.opts.Workflow.Initial, Tags: []string{}, CustomFields: map[string]any{},
			CreatedAt: at, Channel: "web", Urgency: "medium", Type: s.opts.TicketTypes[0]}
		typ = events.TicketCreated
	} else {
		t = cloneTicket(cur)
	}
	t.UpdatedAt = at
	fe := fieldErrors{}
	str := func(name string, v any) (string, bool) {
		switch x := v.(type) {
		case string:
			return x, true
		case float64:
			return strconv.FormatFloat(x, 'f', -1, 64), true
		case nil:
			return "", true
		}
		fe.add(name, "must be text")
		return "", false
	}
	status := ""
	for name, v := range ch.Fields {
		if why, ok := unimportableFields[name]; ok {
			fe.add(name, why)
			continue
		}
		switch name {
		case "status":
			if st, ok := str(name, v); ok && st != "" {
				if _, known := s.opts.Workflow.State(st); !known {
					fe.add("status", fmt.Sprintf("unknown state %q; map it to one of %s", st, strings.Join(s.opts.Workflow.StateNames(), ", ")))
				}
				status = st
			}
		case "customer":
			var in CustomerInput
			switch x := v.(type) {
			case string:
				if strings.Contains(x, "@") {
					in.Email = x
				} else {
					in.ExternalID = x
				}
			case map[string]any:
				for k, val := range x {
					sv, _ := val.(string)
					switch k {
					case "email":
						in.Email = sv
					case "phone":
						in.Phone = sv
					case "external_id":
						in.ExternalID = sv
					case "name":
						in.Name = sv
					case "tier":
						in.Tier = sv
					case "region":
						in.Region = sv
					case "organisation", "organization":
						in.Organisation = sv
					}
				}
			case nil:
			default:
				fe.add("customer", "must be an email, an external id or an object")
			}
			s.normalizeCustomer(&in, fe)
			if len(fe) == 0 && !in.Empty() {
				if err := s.linkCustomer(ctx, tx, t, in, at); err != nil {
					return nil, "", err
				}
			}
		case "tags":
			var tags []string
			switch x := v.(type) {
			case []any:
				for _, it := range x {
					if sv, ok := it.(string); ok {
						tags = append(tags, sv)
					}
				}
			case string:
				tags = strings.Split(x, ",")
			}
			t.Tags = normalizeTags(tags, fe)
		case "sla_breached":
			switch x := v.(type) {
			case bool:
				t.SLABreached = x
			case string:
				b, err := strconv.ParseBool(x)
				if err != nil {
					fe.add(name, "must be true or false")
				}
				t.SLABreached = b
			default:
				fe.add(name, "must be true or false")
			}
		case "pending_reason":
			if sv, ok := str(name, v); ok {
				t.PendingReason = sv
			}
		default:
			if slices.Contains(builtinImportFields, name) {
				sv, ok := str(name, v)
				if !ok {
					continue
				}
				sv = strings.TrimSpace(sv)
				switch name {
				case "subject":
					t.Subject = sv
				case "description":
					t.Description = sv
				case "type":
					t.Type = sv
				case "category":
					t.Category = sv
				case "product":
					t.Product = sv
				case "channel":
					t.Channel = sv
				case "urgency":
					t.Urgency = sv
				case "priority":
					t.Priority = sv
				case "order_ref":
					t.OrderRef = sv
				case "assignee":
					t.Assignee = sv
				case "team":
					t.Team = sv
				case "region":
					t.Region = sv
				case "resolution":
					t.Resolution = sv
				}
				continue
			}
			if v == nil {
				delete(t.CustomFields, name)
			} else {
				t.CustomFields[name] = v
			}
		}
	}
	if t.Subject == "" {
		t.Subject = "Imported ticket " + externalID
	}
	if t.Priority == "" && slices.Contains(Urgencies, t.Urgency) {
		t.Priority = priorityFor(t.Urgency)
	}
	if status != "" && status != t.Status && len(fe) == 0 {
		s.setStatus(t, status, t.PendingReason, at)
		if typ != events.TicketCreated {
			typ = events.TicketStatusChanged
		}
	}
	if ch.Type == "commented" {
		if strings.TrimSpace(ch.Comment) == "" {
			fe.add("comment", "a commented change needs a comment")
		}
		if typ == events.TicketUpdated {
			typ = events.TicketCommented
		}
	}
	s.checkTicket(t, fe)
	custom := maps.Clone(t.CustomFields)
	validateCustomFields(defs, t.Type, custom, fe)
	t.CustomFields = custom
	if len(fe) > 0 {
		keys := slices.Sorted(maps.Keys(fe))
		return nil, "", &LineError{Line: ch.Line, Field: keys[0], Reason: fe[keys[0]]}
	}
	return t, typ, nil
}

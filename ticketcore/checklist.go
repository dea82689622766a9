package ticketcore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/deskmine/deskmine/ticketcore/events"
)

// KindChecklist is the settings kind of checklist templates, one per ticket
// type, named after the type.
const KindChecklist = "checklist"

// Bounds of a checklist template.
const (
	MaxChecklistItems = 50
	maxChecklistTitle = 200
)

// CodeChecklistIncomplete refuses resolving a ticket whose required
// checklist items are not all done (422).
const CodeChecklistIncomplete Code = "checklist_incomplete"

// ChecklistTemplate is the steps a ticket type requires, as stored.
type ChecklistTemplate struct {
	Type  string                  `json:"type"`
	Items []ChecklistTemplateItem `json:"items"`
}

// ChecklistTemplateItem is one step of a template.
type ChecklistTemplateItem struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Required bool   `json:"required"`
}

var checklistID = regexp.MustCompile(`^[a-z0-9][a-z0-9_]{0,39}$`)

// ValidateChecklist checks a template body for the ticket type named and
// returns it normalised (titles trimmed). types are the allowed ticket
// types.
func ValidateChecklist(types []string, name string, body json.RawMessage) (json.RawMessage, error) {
	var tmpl ChecklistTemplate
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&tmpl); err != nil {
		return nil, Invalid("body", "must be {\"type\": ..., \"items\": [{\"id\", \"title\", \"required\"}]}: "+err.Error())
	}
	fe := fieldErrors{}
	if !slices.Contains(types, name) {
		fe.add("type", fmt.Sprintf("%q is not a ticket type; types are %s", name, strings.Join(types, ", ")))
	}
	if tmpl.Type != "" && tmpl.Type != name {
		fe.add("type", "must equal the type in the path")
	}
	tmpl.Type = name
	switch {
	case len(tmpl.Items) == 0:
		fe.add("items", "must list at least one step")
	case len(tmpl.Items) > MaxChecklistItems:
		fe.add("items", fmt.Sprintf("at most %d steps", MaxChecklistItems))
	}
	seen := map[string]bool{}
	for i := range tmpl.Items {
		it := &tmpl.Items[i]
		it.Title = strings.TrimSpace(it.Title)
		at := fmt.Sprintf("items[%d]", i)
		if !checklistID.MatchString(it.ID) {
			fe.add(at+".id", "must be 1 to 40 lower-case letters, digits or _, starting with a letter or digit")
		} else if seen[it.ID] {
			fe.add(at+".id", fmt.Sprintf("%q is listed twice", it.ID))
		}
		seen[it.ID] = true
		if n := utf8.RuneCountInString(it.Title); n == 0 || n > maxChecklistTitle {
			fe.add(at+".title", fmt.Sprintf("must be 1 to %d characters", maxChecklistTitle))
		}
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	return json.Marshal(tmpl)
}

// ChecklistSource reads checklist templates (the ticket store's settings).
type ChecklistSource interface {
	Setting(ctx context.Context, kind, name string) (*Setting, error)
}

// SetChecklists makes new tickets (and tickets whose type changes) carry
// their type's checklist from src; call it before serving. Without it no
// ticket has a checklist.
func (s *Service) SetChecklists(src ChecklistSource) { s.checklists = src }

// checklistFor is the fresh checklist of a ticket type; nil when the type
// has no template.
func (s *Service) checklistFor(ctx context.Context, typ string) ([]events.ChecklistItem, error) {
	if s.checklists == nil {
		return nil, nil
	}
	st, err := s.checklists.Setting(ctx, KindChecklist, typ)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read checklist of %s: %w", typ, err)
	}
	var tmpl ChecklistTemplate
	if err := json.Unmarshal(st.Body, &tmpl); err != nil {
		return nil, fmt.Errorf("checklist of %s: %w", typ, err)
	}
	out := make([]events.ChecklistItem, len(tmpl.Items))
	for i, it := range tmpl.Items {
		out[i] = events.ChecklistItem{ID: it.ID, Title: it.Title, Required: it.Required}
	}
	return out, nil
}

// mergeChecklist gives a ticket whose type changed the new type's
// checklist, keeping the state of the steps both have.
func mergeChecklist(old, fresh []events.ChecklistItem) []events.ChecklistItem {
	if len(fresh) == 0 {
		return nil
	}
	for i := range fresh {
		for _, o := range old {
			if o.ID == fresh[i].ID && o.Done {
				fresh[i].Done, fresh[i].DoneBy, fresh[i].DoneAt = true, o.DoneBy, o.DoneAt
			}
		}
	}
	return fresh
}

// openRequired lists the required steps not done.
func openRequired(t *Ticket) []string {
	var out []string
	for _, it := range t.Checklist {
		if it.Required && !it.Done {
			out = append(out, it.ID)
		}
	}
	return out
}

// checklistBlocks refuses moving t into state to while required steps are
// open: a resolved or closed state.
func (s *Service) checklistBlocks(t *Ticket, to string) error {
	st, _ := s.opts.Workflow.State(to)
	if st.Kind != KindResolved && st.Kind != KindClosed {
		return nil
	}
	open := openRequired(t)
	if len(open) == 0 {
		return nil
	}
	msg := "required checklist steps are not done: " + strings.Join(open, ", ")
	return &Error{Code: CodeChecklistIncomplete, Message: msg, Fields: map[string]string{"checklist": msg}}
}

// CheckInput ticks or unticks one checklist step.
type CheckInput struct {
	Done *bool `json:"done"`
}

// Check ticks (or unticks) a step of a ticket's checklist; it is a
// ticket.updated event with the change checklist.
func (s *Service) Check(ctx context.Context, actor Actor, id, expectedVersion int64, item string, in CheckInput) (*Ticket, error) {
	if in.Done == nil {
		return nil, Invalid("done", "is required: true or false")
	}
	var out *Ticket
	err := s.inTx(ctx, func(tx Tx) error {
		old, err := s.loadForChange(ctx, tx, id, expectedVersion)
		if err != nil {
			return err
		}
		t := cloneTicket(old)
		i := slices.IndexFunc(t.Checklist, func(it events.ChecklistItem) bool { return it.ID == item })
		if i < 0 {
			return NotFound("checklist step", item)
		}
		t.Checklist = slices.Clone(t.Checklist)
		it := &t.Checklist[i]
		if it.Done == *in.Done {
			out = old // nothing changes: no event
			return nil
		}
		now := s.now()
		it.Done = *in.Done
		it.DoneBy, it.DoneAt = "", nil
		if it.Done {
			it.DoneBy, it.DoneAt = actor.Name, &now
		}
		if err := s.write(ctx, tx, actor, old, t, events.TicketUpdated, events.SourceAPI, "checklist: "+item, now, eventExtra{}); err != nil {
			return err
		}
		out = t
		return nil
	})
	return out, err
}

package ticketcore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/deskmine/deskmine/ticketcore/events"
)

// KindApprovalPolicy is the settings kind of approval policies.
const KindApprovalPolicy = "approval_policy"

// Approval states.
const (
	ApprovalPending  = "pending"
	ApprovalApproved = "approved"
	ApprovalRejected = "rejected"
)

// ApprovalPolicy holds changes to a ticket field until approvers agree:
// refunds (a custom field with an amount), permission changes (a type or a
// tag), closing without the customer, anything a field says.
type ApprovalPolicy struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Field is the ticket field whose change is held, as in change events:
	// status, category, type, priority, tags, custom_fields.<name>, ...
	Field string `json:"field"`
	// Values, when given, hold only changes to one of them (for tags: the
	// adding of one of them); Min, when given, only numbers at or above it.
	Values []string `json:"values,omitempty"`
	Min    *float64 `json:"min,omitempty"`
	// ApproverRoles and ApproverLogins may decide; Needed approvals apply
	// the change (default 1).
	ApproverRoles  []string `json:"approver_roles,omitempty"`
	ApproverLogins []string `json:"approver_logins,omitempty"`
	Needed         int      `json:"needed,omitempty"`
}

var policyName = checklistID

// ValidateApprovalPolicy checks a policy body named name and returns it
// normalised.
func ValidateApprovalPolicy(name string, body json.RawMessage) (json.RawMessage, error) {
	var p ApprovalPolicy
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, Invalid("body", "must be an approval policy object: "+err.Error())
	}
	fe := fieldErrors{}
	if p.Name != "" && p.Name != name {
		fe.add("name", "must equal the name in the path")
	}
	p.Name = name
	if !policyName.MatchString(name) {
		fe.add("name", "must be 1 to 40 lower-case letters, digits or _")
	}
	p.Field = strings.TrimSpace(p.Field)
	switch {
	case p.Field == "":
		fe.add("field", "is required: the ticket field whose change is held")
	case bookkeeping[p.Field] || p.Field == "approvals" || p.Field == "checklist":
		fe.add("field", fmt.Sprintf("%q cannot be held for approval", p.Field))
	}
	if p.Min != nil && (math.IsNaN(*p.Min) || math.IsInf(*p.Min, 0)) {
		fe.add("min", "must be a number")
	}
	if len(p.ApproverRoles)+len(p.ApproverLogins) == 0 {
		fe.add("approver_roles", "name at least one approver role or login")
	}
	for i, r := range p.ApproverRoles {
		if !slices.Contains([]string{"admin", "manager", "agent", "reviewer"}, r) {
			fe.add(fmt.Sprintf("approver_roles[%d]", i), fmt.Sprintf("%q is not a staff role", r))
		}
	}
	if p.Needed == 0 {
		p.Needed = 1
	}
	if p.Needed < 1 || p.Needed > 10 {
		fe.add("needed", "must be between 1 and 10")
	}
	if utf8.RuneCountInString(p.Description) > 500 {
		fe.add("description", "at most 500 characters")
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	return json.Marshal(p)
}

// approvers is the policy's list as a held approval records it.
func (p ApprovalPolicy) approvers() []string {
	out := make([]string, 0, len(p.ApproverRoles)+len(p.ApproverLogins))
	for _, r := range p.ApproverRoles {
		out = append(out, "role:"+r)
	}
	return append(out, p.ApproverLogins...)
}

// holds reports whether the policy holds a change, and describes it.
func (p ApprovalPolicy) holds(changes []events.Change) (bool, string) {
	for _, c := range changes {
		if c.Field != p.Field {
			continue
		}
		summary := fmt.Sprintf("%s: %s -> %s", c.Field, jsonText(c.Old), jsonText(c.New))
		if len(p.Values) == 0 && p.Min == nil {
			return true, summary
		}
		var newVals []string
		if p.Field == "tags" {
			var oldTags, newTags []string
			_ = json.Unmarshal(c.Old, &oldTags)
			_ = json.Unmarshal(c.New, &newTags)
			for _, t := range newTags {
				if !slices.Contains(oldTags, t) {
					newVals = append(newVals, t)
				}
			}
		} else {
			newVals = []string{jsonText(c.New)}
		}
		for _, v := range newVals {
			if len(p.Values) > 0 && slices.Contains(p.Values, v) {
				return true, summary
			}
			if p.Min != nil {
				if f, err := strconv.ParseFloat(v, 64); err == nil && f >= *p.Min {
					return true, summary
				}
			}
		}
	}
	return false, ""
}

// jsonText is a change value as text: strings unquoted, null empty.
func jsonText(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// ApprovalSource reads approval policies (the ticket store's settings).
type ApprovalSource interface {
	Settings(ctx context.Context, kind string) ([]Setting, error)
}

// SetApprovals makes changes that match the policies of src wait for
// approval; call it before serving.
func (s *Service) SetApprovals(src ApprovalSource) { s.approvals = src }

func (s *Service) policies(ctx context.Context) ([]ApprovalPolicy, error) {
	if s.approvals == nil {
		return nil, nil
	}
	all, err := s.approvals.Settings(ctx, KindApprovalPolicy)
	if err != nil {
		return nil, fmt.Errorf("read approval policies: %w", err)
	}
	out := make([]ApprovalPolicy, 0, len(all))
	for _, st := range all {
		var p ApprovalPolicy
		if err := json.Unmarshal(st.Body, &p); err != nil {
			return nil, fmt.Errorf("approval policy %s: %w", st.Name, err)
		}
		out = append(out, p)
	}
	return out, nil
}

// ApprovalRequired is returned, with the ticket, when a change was held
// for approval instead of applied: the ticket now carries the pending
// approval. The API answers 202.
type ApprovalRequired struct {
	Approval events.Approval
}

func (e *ApprovalRequired) Error() string {
	return fmt.Sprintf("the change needs approval (policy %s, approval %s)", e.Approval.Policy, e.Approval.ID)
}

// hold checks a change (old -> t, the request as sent) against the
// policies. When one holds it, hold writes the pending approval on old
// (the change itself is not applied) and returns it with the ticket as
// written; nil when no policy holds the change.
func (s *Service) hold(ctx context.Context, tx Tx, actor Actor, old, t *Ticket, action string, request any) (*events.Approval, *Ticket, error) {
	pols, err := s.policies(ctx)
	if err != nil || len(pols) == 0 {
		return nil, nil, err
	}
	changes := Diff(old, t)
	for _, p := range pols {
		ok, summary := p.holds(changes)
		if !ok {
			continue
		}
		req, err := json.Marshal(request)
		if err != nil {
			return nil, nil, fmt.Errorf("hold change: %w", err)
		}
		// Asking again for the same change while it waits is not a second
		// request.
		for _, a := range old.Approvals {
			if a.Status == ApprovalPending && a.Policy == p.Name && a.Action == action && string(a.Request) == string(req) {
				return &a, old, nil
			}
		}
		id, err := uuid.NewV7()
		if err != nil {
			return nil, nil, fmt.Errorf("approval id: %w", err)
		}
		now := s.now()
		a := events.Approval{ID: id.String(), Policy: p.Name, Status: ApprovalPending, Action: action, Request: req,
			Summary: summary, Approvers: p.approvers(), Needed: p.Needed, RequestedBy: actor.Name, RequestedAt: now}
		held := cloneTicket(old)
		held.Approvals = append(slices.Clone(old.Approvals), a)
		if err := s.write(ctx, tx, actor, old, held, events.TicketUpdated, events.SourceAPI, "approval required: "+p.Name, now, eventExtra{}); err != nil {
			return nil, nil, err
		}
		return &a, held, nil
	}
	return nil, nil, nil
}

// DecisionInput approves or rejects a held change.
type DecisionInput struct {
	Approve *bool  `json:"approve"`
	Comment string `json:"comment,omitempty"`
}

// Decide records an approver's decision on a held change. The approval
// that reaches its needed approvals applies the change in the same event;
// a rejection ends it. The requester cannot decide, nor can anyone the
// approval does not name (403).
func (s *Service) Decide(ctx context.Context, actor Actor, id int64, approvalID string, in DecisionInput) (*Ticket, error) {
	fe := fieldErrors{}
	if in.Approve == nil {
		fe.add("approve", "is required: true or false")
	}
	checkText(fe, "comment", in.Comment, 2000, in.Approve != nil && !*in.Approve)
	if err := fe.err(); err != nil {
		return nil, err
	}
	defs, err := s.fieldDefs(ctx)
	if err != nil {
		return nil, err
	}
	var out *Ticket
	err = s.inTx(ctx, func(tx Tx) error {
		old, err := s.loadForChange(ctx, tx, id, 0)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(old.Approvals, func(a events.Approval) bool { return a.ID == approvalID })
		if i < 0 {
			return NotFound("approval", approvalID)
		}
		a := old.Approvals[i]
		if a.Status != ApprovalPending {
			return &Error{Code: CodeConflict, Message: fmt.Sprintf("approval %s is %s already", a.ID, a.Status)}
		}
		if err := mayDecide(actor, a); err != nil {
			return err
		}
		now := s.now()
		a.Decisions = append(slices.Clone(a.Decisions), events.ApprovalDecision{By: actor.Name, Approve: *in.Approve,
			Comment: strings.TrimSpace(in.Comment), At: now})
		t := cloneTicket(old)
		typ, reason := events.TicketUpdated, "approval "+a.ID+": "
		approvals := 0
		for _, d := range a.Decisions {
			if d.Approve {
				approvals++
			}
		}
		switch {
		case !*in.Approve:
			a.Status, a.DecidedAt = ApprovalRejected, &now
			reason += "rejected by " + actor.Name
		case approvals >= a.Needed:
			a.Status, a.DecidedAt = ApprovalApproved, &now
			reason += "approved by " + actor.Name
			if typ, err = s.applyHeld(ctx, tx, t, a, defs, now); err != nil {
				return err
			}
		default:
			reason += fmt.Sprintf("approved by %s (%d of %d)", actor.Name, approvals, a.Needed)
		}
		t.Approvals = slices.Clone(old.Approvals)
		t.Approvals[i] = a
		if err := s.write(ctx, tx, actor, old, t, typ, events.SourceAPI, reason, now, eventExtra{}); err != nil {
			return err
		}
		out = t
		return nil
	})
	return out, err
}

// mayDecide checks that actor is one of the approval's approvers and not
// its requester.
func mayDecide(actor Actor, a events.Approval) error {
	if actor.Name == a.RequestedBy {
		return &Error{Code: CodeForbidden, Message: "the requester of a change cannot approve it"}
	}
	for _, d := range a.Decisions {
		if d.By == actor.Name {
			return &Error{Code: CodeConflict, Message: fmt.Sprintf("%s decided on approval %s already", actor.Name, a.ID)}
		}
	}
	if slices.Contains(a.Approvers, "role:"+actor.Role) || slices.Contains(a.Approvers, actor.Name) {
		return nil
	}
	return &Error{Code: CodeForbidden, Message: fmt.Sprintf("%s may not decide approval %s; approvers: %s", actor.Name, a.ID,
		strings.Join(a.Approvers, ", "))}
}

// applyHeld applies an approved change to t as its request said, with the
// checks the change would have had; it returns the event type.
func (s *Service) applyHeld(ctx context.Context, tx Tx, t *Ticket, a events.Approval, defs map[string]FieldDef, now time.Time) (events.Type, error) {
	switch a.Action {
	case "update":
		var p Patch
		if err := json.Unmarshal(a.Request, &p); err != nil {
			return "", fmt.Errorf("approval %s: request: %w", a.ID, err)
		}
		old := cloneTicket(t)
		fe := fieldErrors{}
		applyPatch(t, p, fe)
		s.checkTicket(t, fe)
		only := p.CustomFields
		if only == nil {
			only = map[string]any{}
		}
		validateCustomFieldsOf(defs, t.Type, t.CustomFields, only, t.Type != old.Type, fe)
		if err := fe.err(); err != nil {
			return "", err
		}
		if t.Type != old.Type {
			fresh, err := s.checklistFor(ctx, t.Type)
			if err != nil {
				return "", err
			}
			t.Checklist = mergeChecklist(old.Checklist, fresh)
		}
		return events.TicketUpdated, nil
	case "transition":
		var in TransitionInput
		if err := json.Unmarshal(a.Request, &in); err != nil {
			return "", fmt.Errorf("approval %s: request: %w", a.ID, err)
		}
		if err := s.opts.Workflow.CheckTransition(t.Status, in.To, in.PendingReason); err != nil {
			return "", err
		}
		if err := s.checklistBlocks(t, in.To); err != nil {
			return "", err
		}
		if err := s.subticketsBlock(ctx, tx, t, in.To); err != nil {
			return "", err
		}
		s.setStatus(t, in.To, in.PendingReason, now)
		if in.Resolution != "" {
			t.Resolution = in.Resolution
		}
		return events.TicketStatusChanged, nil
	}
	return "", errors.New("approval " + a.ID + ": unknown action " + a.Action)
}

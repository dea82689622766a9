package slaclock

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/calendar"
	"github.com/deskmine/deskmine/ticketcore/sla"
)

// Settings kinds and the policy of tickets that name none.
const (
	KindCalendar  = "calendar"   // body: a calendar.Calendar, named by its name
	KindPolicy    = "sla_policy" // body: a Policy, named by its id
	DefaultPolicy = "default"    // the policy of a ticket whose sla_policy is empty
)

// MaxLevel is the highest support level a ticket can be escalated to.
const MaxLevel = 9

// maxSteps bounds the escalation steps of one policy.
const maxSteps = 20

// Policy is an SLA policy as stored in the settings: the targets of
// sla.Policy (durations in nanoseconds, as sla.Policy encodes them) and the
// escalation steps.
//
//	{
//	  "id": "gold", "calendar": "cn-office", "warn_at": 0.75,
//	  "targets": [{"priority": "P1", "first_response": 1800000000000, "resolution": 14400000000000},
//	              {"first_response": 14400000000000, "next_response": 28800000000000, "resolution": 172800000000000}],
//	  "escalation": [
//	    {"on": "warning", "action": "notify", "role": "lead"},
//	    {"on": "breach", "action": "reassign", "level": 2},
//	    {"on": "breach", "after": 3600000000000, "action": "notify", "role": "manager"}
//	  ]
//	}
type Policy struct {
	sla.Policy
	Escalation []Step `json:"escalation,omitempty"`
}

// Trigger is what starts an escalation step.
type Trigger string

// Triggers.
const (
	OnWarning Trigger = "warning" // a warning of the policy fired
	OnBreach  Trigger = "breach"  // a target was missed
)

// Action is what an escalation step does.
type Action string

// Actions.
const (
	// ActionNotify tells the people of a role (the team lead, a manager)
	// through the Notifier.
	ActionNotify Action = "notify"
	// ActionReassign raises the ticket to a support level; the Escalator
	// picks its new team and agent.
	ActionReassign Action = "reassign"
)

// Step is one escalation step of a policy. Each step that runs writes a
// ticket.escalated event.
type Step struct {
	On     Trigger `json:"on"`               // warning or breach
	Metric string  `json:"metric,omitempty"` // first_response, next_response or resolution; empty: any
	// After delays the step by this much business time (the policy's
	// calendar) after the warning or breach; a delayed step is dropped
	// when the clock that triggered it stops first (the reply came, the
	// ticket was resolved). 0 runs it with the warning or breach.
	After  time.Duration `json:"after,omitempty"`
	Action Action        `json:"action"`
	Role   string        `json:"role,omitempty"`  // notify: whom to tell, e.g. lead or manager
	Level  int           `json:"level,omitempty"` // reassign: the support level (2..MaxLevel) the ticket goes to at least
}

// matches reports whether the step follows the warning or breach d.
func (s Step) matches(d sla.Due) bool {
	return string(s.On) == d.Kind.String() && (s.Metric == "" || s.Metric == d.Metric.String())
}

// describe names the step's action for event reasons.
func (s Step) describe() string {
	if s.Action == ActionNotify {
		return "notify " + s.Role
	}
	return fmt.Sprintf("reassign to level %d", s.Level)
}

// validate adds the problems of steps to errs, keyed as "escalation[i].field".
func validateSteps(steps []Step, errs map[string]string) {
	add := func(field, msg string) {
		if _, ok := errs[field]; !ok {
			errs[field] = msg
		}
	}
	if len(steps) > maxSteps {
		add("escalation", fmt.Sprintf("at most %d steps", maxSteps))
	}
	seen := map[Step]int{}
	for i, s := range steps {
		f := fmt.Sprintf("escalation[%d]", i)
		if s.On != OnWarning && s.On != OnBreach {
			add(f+".on", fmt.Sprintf("%q is not warning or breach", s.On))
		}
		if s.Metric != "" {
			var m sla.Metric
			if m.UnmarshalText([]byte(s.Metric)) != nil {
				add(f+".metric", fmt.Sprintf("%q is not first_response, next_response or resolution (or empty for any)", s.Metric))
			}
		}
		if s.After < 0 {
			add(f+".after", "must not be negative")
		}
		switch s.Action {
		case ActionNotify:
			if s.Role == "" || strings.TrimSpace(s.Role) != s.Role || len(s.Role) > 50 {
				add(f+".role", "notify needs a role (such as lead or manager), unpadded, at most 50 characters")
			}
			if s.Level != 0 {
				add(f+".level", "only reassign takes a level")
			}
		case ActionReassign:
			if s.Level < 2 || s.Level > MaxLevel {
				add(f+".level", fmt.Sprintf("reassign needs a level from 2 to %d", MaxLevel))
			}
			if s.Role != "" {
				add(f+".role", "only notify takes a role")
			}
		default:
			add(f+".action", fmt.Sprintf("%q is not notify or reassign", s.Action))
		}
		if j, ok := seen[s]; ok {
			add(f, fmt.Sprintf("the same step as escalation[%d]", j))
		}
		seen[s] = i
	}
}

// invalid turns field problems into the ticket core's validation error,
// which the API answers with 422.
func invalid(what string, fields map[string]string) error {
	if len(fields) == 0 {
		return nil
	}
	return &ticketcore.Error{Code: ticketcore.CodeInvalid, Message: "invalid " + what, Fields: fields}
}

// decodeStrict decodes one JSON object, refusing unknown fields.
func decodeStrict(body json.RawMessage, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("more than one JSON value")
	}
	return nil
}

// ValidatePolicy checks the body of an SLA policy setting named name
// before it is saved, and returns it with its id filled in from the name
// when the body gives none (save that form). The calendar it names must
// exist in settings. The error is a *ticketcore.Error (CodeInvalid) naming
// every offending field.
func ValidatePolicy(ctx context.Context, settings ticketcore.SettingsStore, name string, body json.RawMessage) (json.RawMessage, error) {
	var p Policy
	if err := decodeStrict(body, &p); err != nil {
		return nil, invalid("SLA policy", map[string]string{"body": "is not an SLA policy: " + err.Error()})
	}
	if p.ID == "" {
		p.ID = name
	}
	errs := map[string]string{}
	if p.ID != name {
		errs["id"] = fmt.Sprintf("%q differs from the setting name %q", p.ID, name)
	}
	var ve *sla.ValidationError
	if err := p.Policy.Validate(); errors.As(err, &ve) {
		for k, v := range ve.Fields {
			errs[k] = v
		}
	} else if err != nil {
		errs["body"] = err.Error()
	}
	validateSteps(p.Escalation, errs)
	if p.Calendar != "" && errs["calendar"] == "" {
		s, err := settings.Setting(ctx, KindCalendar, p.Calendar)
		switch {
		case errors.Is(err, ticketcore.ErrNotFound):
			errs["calendar"] = fmt.Sprintf("no calendar named %q", p.Calendar)
		case err != nil:
			return nil, fmt.Errorf("read calendar %q: %w", p.Calendar, err)
		default:
			if _, err := compileCalendar(s); err != nil {
				errs["calendar"] = fmt.Sprintf("calendar %q is not usable: %v", p.Calendar, err)
			}
		}
	}
	if err := invalid("SLA policy", errs); err != nil {
		return nil, err
	}
	return json.Marshal(p)
}

// ValidateCalendar checks the body of a calendar setting named name before
// it is saved, and returns it with its name filled in when the body gives
// none (save that form). The error is a *ticketcore.Error (CodeInvalid)
// naming every offending field.
func ValidateCalendar(name string, body json.RawMessage) (json.RawMessage, error) {
	var c calendar.Calendar
	if err := decodeStrict(body, &c); err != nil {
		return nil, invalid("calendar", map[string]string{"body": "is not a calendar: " + err.Error()})
	}
	if c.Name == "" {
		c.Name = name
	}
	errs := map[string]string{}
	if c.Name != name {
		errs["name"] = fmt.Sprintf("%q differs from the setting name %q", c.Name, name)
	}
	var ve *calendar.ValidationError
	if _, err := calendar.Compile(c); errors.As(err, &ve) {
		for k, v := range ve.Fields {
			errs[k] = v
		}
	} else if err != nil {
		errs["body"] = err.Error()
	}
	if err := invalid("calendar", errs); err != nil {
		return nil, err
	}
	return json.Marshal(c)
}

// CheckDeleteCalendar refuses to delete a calendar that an SLA policy uses.
func CheckDeleteCalendar(ctx context.Context, settings ticketcore.SettingsStore, name string) error {
	ps, err := settings.Settings(ctx, KindPolicy)
	if err != nil {
		return fmt.Errorf("list sla policies: %w", err)
	}
	var users []string
	for _, s := range ps {
		var p Policy
		if json.Unmarshal(s.Body, &p) == nil && p.Calendar == name {
			users = append(users, s.Name)
		}
	}
	if len(users) > 0 {
		return invalid("calendar", map[string]string{"name": fmt.Sprintf("calendar %q is used by SLA policies %s", name, strings.Join(users, ", "))})
	}
	return nil
}

func compileCalendar(s *ticketcore.Setting) (*calendar.Compiled, error) {
	var c calendar.Calendar
	if err := json.Unmarshal(s.Body, &c); err != nil {
		return nil, fmt.Errorf("calendar %q: %w", s.Name, err)
	}
	return calendar.Compile(c)
}

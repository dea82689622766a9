package ticketcore

import (
	"fmt"
	"slices"
	"strings"
)

// StateKind gives a workflow state its meaning for timestamps and analytics,
// whatever the state is called in a given deployment.
type StateKind string

// State kinds.
const (
	KindNew      StateKind = "new"
	KindOpen     StateKind = "open"
	KindPending  StateKind = "pending"
	KindResolved StateKind = "resolved"
	KindClosed   StateKind = "closed"
)

// State is one workflow state.
type State struct {
	Name           string    `json:"name" yaml:"name"`
	Kind           StateKind `json:"kind" yaml:"kind"`
	PendingReasons []string  `json:"pending_reasons,omitempty" yaml:"pending_reasons"` // allowed reasons; empty means any
}

// Transition is an allowed move between two states.
type Transition struct {
	From string `json:"from" yaml:"from"`
	To   string `json:"to" yaml:"to"`
}

// Workflow is a configurable state machine for ticket status.
type Workflow struct {
	Initial     string       `json:"initial" yaml:"initial"`
	States      []State      `json:"states" yaml:"states"`
	Transitions []Transition `json:"transitions" yaml:"transitions"`
}

// DefaultWorkflow is new -> open -> pending -> resolved -> closed with reopen.
func DefaultWorkflow() Workflow {
	return Workflow{
		Initial: "new",
		States: []State{
			{Name: "new", Kind: KindNew},
			{Name: "open", Kind: KindOpen},
			{Name: "pending", Kind: KindPending, PendingReasons: []string{"waiting_on_customer", "waiting_on_third_party", "waiting_on_internal", "scheduled"}},
			{Name: "resolved", Kind: KindResolved},
			{Name: "closed", Kind: KindClosed},
		},
		Transitions: []Transition{
			{"new", "open"}, {"new", "pending"}, {"new", "resolved"}, {"new", "closed"},
			{"open", "pending"}, {"open", "resolved"}, {"open", "closed"},
			{"pending", "open"}, {"pending", "resolved"}, {"pending", "closed"},
			{"resolved", "closed"}, {"resolved", "open"}, // reopen
			{"closed", "open"}, // reopen after close
		},
	}
}

// Validate checks that the workflow is a usable state machine.
func (w Workflow) Validate() error {
	if len(w.States) == 0 {
		return fmt.Errorf("workflow has no states")
	}
	seen := map[string]bool{}
	for _, s := range w.States {
		if s.Name == "" || strings.TrimSpace(s.Name) != s.Name {
			return fmt.Errorf("workflow state name %q is empty or padded", s.Name)
		}
		if seen[s.Name] {
			return fmt.Errorf("workflow state %q is defined twice", s.Name)
		}
		seen[s.Name] = true
		switch s.Kind {
		case KindNew, KindOpen, KindPending, KindResolved, KindClosed:
		default:
			return fmt.Errorf("workflow state %q has unknown kind %q", s.Name, s.Kind)
		}
	}
	if !seen[w.Initial] {
		return fmt.Errorf("workflow initial state %q is not a state", w.Initial)
	}
	for _, t := range w.Transitions {
		if !seen[t.From] || !seen[t.To] {
			return fmt.Errorf("workflow transition %s -> %s names an unknown state", t.From, t.To)
		}
		if t.From == t.To {
			return fmt.Errorf("workflow transition %s -> %s goes nowhere", t.From, t.To)
		}
	}
	return nil
}

// State returns the named state.
func (w Workflow) State(name string) (State, bool) {
	for _, s := range w.States {
		if s.Name == name {
			return s, true
		}
	}
	return State{}, false
}

// StateNames lists the state names in order.
func (w Workflow) StateNames() []string {
	out := make([]string, len(w.States))
	for i, s := range w.States {
		out[i] = s.Name
	}
	return out
}

// Allowed lists the states reachable from the given one.
func (w Workflow) Allowed(from string) []string {
	var out []string
	for _, t := range w.Transitions {
		if t.From == from {
			out = append(out, t.To)
		}
	}
	return out
}

// CheckTransition returns a *Error when moving from -> to with the given
// pending reason is not allowed.
func (w Workflow) CheckTransition(from, to, reason string) error {
	target, ok := w.State(to)
	if !ok {
		return Invalid("status", fmt.Sprintf("unknown state %q; states are %s", to, strings.Join(w.StateNames(), ", ")))
	}
	if !slices.Contains(w.Allowed(from), to) {
		allowed := w.Allowed(from)
		msg := fmt.Sprintf("transition %s -> %s is not allowed", from, to)
		if len(allowed) > 0 {
			msg += fmt.Sprintf("; from %s a ticket may go to %s", from, strings.Join(allowed, ", "))
		} else {
			msg += fmt.Sprintf("; %s is final", from)
		}
		return &Error{Code: CodeIllegalTransition, Message: msg, Fields: map[string]string{"status": msg}}
	}
	return checkPendingReason(target, reason)
}

func checkPendingReason(target State, reason string) error {
	if reason == "" {
		return nil
	}
	if target.Kind != KindPending {
		return Invalid("pending_reason", "only a pending state takes a reason")
	}
	if len(target.PendingReasons) > 0 && !slices.Contains(target.PendingReasons, reason) {
		return Invalid("pending_reason", fmt.Sprintf("must be one of %s", strings.Join(target.PendingReasons, ", ")))
	}
	return nil
}

package sla

import (
	"fmt"
	"strings"
	"time"

	"github.com/deskmine/deskmine/internal/fieldmsg"
)

// DefaultWarnAt is the share of a target after which a warning is due when
// a policy does not set WarnAt.
const DefaultWarnAt = 0.8

// DefaultPauseReasons returns the pending reasons that pause the clocks
// when a policy does not set PauseReasons.
func DefaultPauseReasons() []string { return []string{"waiting_on_customer"} }

// Policy is a set of SLA targets measured in the business time of one
// calendar.
type Policy struct {
	ID       string `json:"id" yaml:"id"`
	Name     string `json:"name,omitempty" yaml:"name"`
	Calendar string `json:"calendar,omitempty" yaml:"calendar"` // name of a business calendar; "" means 24x7
	// Targets are matched by TargetFor; each (priority, tier) pair at most once.
	Targets []Target `json:"targets" yaml:"targets"`
	// WarnAt is the share of a target (0 < WarnAt < 1) after which a
	// warning is due; 0 means DefaultWarnAt.
	WarnAt float64 `json:"warn_at,omitempty" yaml:"warn_at"`
	// PauseReasons are the pending reasons that pause the clocks; nil means
	// DefaultPauseReasons, an empty list means the clocks never pause.
	PauseReasons []string `json:"pause_reasons" yaml:"pause_reasons"`
}

// Target is what a policy promises for tickets of one priority and
// customer tier. A zero duration sets no target for that metric: its clock
// still measures, but nothing is ever due.
type Target struct {
	Priority      string        `json:"priority,omitempty" yaml:"priority"` // "P1".."P4"; "" matches any
	Tier          string        `json:"tier,omitempty" yaml:"tier"`         // customer tier; "" matches any
	FirstResponse time.Duration `json:"first_response,omitempty" yaml:"first_response"`
	NextResponse  time.Duration `json:"next_response,omitempty" yaml:"next_response"`
	Resolution    time.Duration `json:"resolution,omitempty" yaml:"resolution"`
}

// Of returns the target duration of metric m (0 when none).
func (t Target) Of(m Metric) time.Duration {
	switch m {
	case FirstResponse:
		return t.FirstResponse
	case NextResponse:
		return t.NextResponse
	case Resolution:
		return t.Resolution
	}
	return 0
}

// ValidationError is a policy that cannot be used. Fields maps each
// offending field, e.g. "targets[1].priority", to what is wrong with it.
type ValidationError struct {
	ID     string
	Fields map[string]string
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("sla policy %q: %s", e.ID, fieldmsg.Join(e.Fields))
}

func validPriority(p string) bool {
	switch p {
	case "", "P1", "P2", "P3", "P4":
		return true
	}
	return false
}

// Validate checks the policy; the error is a *ValidationError naming every
// offending field. Whether the named calendar exists is for the caller to
// check.
func (p Policy) Validate() error {
	errs := map[string]string{}
	add := func(field, msg string) {
		if _, ok := errs[field]; !ok {
			errs[field] = msg
		}
	}
	if p.ID == "" || strings.TrimSpace(p.ID) != p.ID {
		add("id", "is required and must not be padded")
	}
	if strings.TrimSpace(p.Calendar) != p.Calendar {
		add("calendar", "must not be padded")
	}
	if len(p.Targets) == 0 {
		add("targets", "at least one target is required")
	}
	seen := map[[2]string]int{}
	for i, t := range p.Targets {
		f := fmt.Sprintf("targets[%d]", i)
		if !validPriority(t.Priority) {
			add(f+".priority", fmt.Sprintf("%q is not one of P1, P2, P3, P4 (or empty for any)", t.Priority))
		}
		if strings.TrimSpace(t.Tier) != t.Tier {
			add(f+".tier", "must not be padded")
		}
		if j, ok := seen[[2]string{t.Priority, t.Tier}]; ok {
			add(f, fmt.Sprintf("same priority %q and tier %q as targets[%d]", t.Priority, t.Tier, j))
		}
		seen[[2]string{t.Priority, t.Tier}] = i
		for _, m := range Metrics() {
			if t.Of(m) < 0 {
				add(f+"."+m.String(), "must not be negative")
			}
		}
		if t.FirstResponse == 0 && t.NextResponse == 0 && t.Resolution == 0 {
			add(f, "sets no duration; give first_response, next_response or resolution")
		}
	}
	if p.WarnAt < 0 || p.WarnAt >= 1 || p.WarnAt != p.WarnAt {
		add("warn_at", fmt.Sprintf("%v is not a share between 0 and 1 (0 means %v)", p.WarnAt, DefaultWarnAt))
	}
	reasons := map[string]bool{}
	for i, r := range p.PauseReasons {
		f := fmt.Sprintf("pause_reasons[%d]", i)
		switch {
		case r == "" || strings.TrimSpace(r) != r:
			add(f, "is empty or padded")
		case reasons[r]:
			add(f, fmt.Sprintf("%q is listed twice", r))
		}
		reasons[r] = true
	}
	if len(errs) > 0 {
		return &ValidationError{ID: p.ID, Fields: errs}
	}
	return nil
}

// TargetFor returns the most specific target for a ticket: one naming
// both its priority and its tier, else its priority (any tier), else its
// tier (any priority), else the catch-all; false when none matches.
func (p Policy) TargetFor(priority, tier string) (Target, bool) {
	best, bestScore := Target{}, -1
	for _, t := range p.Targets {
		score := 0
		switch t.Priority {
		case "":
		case priority:
			score += 2
		default:
			continue
		}
		switch t.Tier {
		case "":
		case tier:
			score++
		default:
			continue
		}
		if score > bestScore {
			best, bestScore = t, score
		}
	}
	return best, bestScore >= 0
}

func (p Policy) warnShare() float64 {
	if p.WarnAt == 0 {
		return DefaultWarnAt
	}
	return p.WarnAt
}

func (p Policy) pauseReasons() []string {
	if p.PauseReasons == nil {
		return DefaultPauseReasons()
	}
	return p.PauseReasons
}

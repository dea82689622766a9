package sla

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/deskmine/deskmine/ticketcore/calendar"
)

// Metric is what a clock measures.
type Metric uint8

// Metrics.
const (
	FirstResponse Metric = iota + 1 // creation to the first public agent reply
	NextResponse                    // a customer message to the next public agent reply
	Resolution                      // creation to resolved, across reopens
)

// Metrics lists every metric in order.
func Metrics() []Metric { return []Metric{FirstResponse, NextResponse, Resolution} }

func (m Metric) String() string {
	switch m {
	case FirstResponse:
		return "first_response"
	case NextResponse:
		return "next_response"
	case Resolution:
		return "resolution"
	}
	return "metric(" + strconv.Itoa(int(m)) + ")"
}

// MarshalText encodes the metric as its name.
func (m Metric) MarshalText() ([]byte, error) {
	if m < FirstResponse || m > Resolution {
		return nil, fmt.Errorf("unknown sla metric %d", m)
	}
	return []byte(m.String()), nil
}

// UnmarshalText decodes a metric name.
func (m *Metric) UnmarshalText(b []byte) error {
	for _, v := range Metrics() {
		if v.String() == string(b) {
			*m = v
			return nil
		}
	}
	return fmt.Errorf("unknown sla metric %q", b)
}

// Kind says whether a due instant is a warning or a breach.
type Kind uint8

// Kinds of due instants.
const (
	Warning Kind = iota + 1 // the policy's WarnAt share of the target has passed
	Breach                  // the whole target has passed
)

func (k Kind) String() string {
	switch k {
	case Warning:
		return "warning"
	case Breach:
		return "breach"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// MarshalText encodes the kind as its name.
func (k Kind) MarshalText() ([]byte, error) {
	if k != Warning && k != Breach {
		return nil, fmt.Errorf("unknown sla kind %d", k)
	}
	return []byte(k.String()), nil
}

// UnmarshalText decodes a kind name.
func (k *Kind) UnmarshalText(b []byte) error {
	for _, v := range []Kind{Warning, Breach} {
		if v.String() == string(b) {
			*k = v
			return nil
		}
	}
	return fmt.Errorf("unknown sla kind %q", b)
}

// Outcome is how a stopped clock ended.
type Outcome string

// Outcomes.
const (
	Met       Outcome = "met"       // the awaited reply or resolution happened (late if Breached)
	Cancelled Outcome = "cancelled" // the ticket was resolved or closed with a response still owed
)

// Clock measures one metric of one ticket in business time. It is running,
// paused or stopped; only a running clock has a Deadline.
type Clock struct {
	Cycle     int           `json:"cycle"`  // 1, and for next_response one more per customer follow-up answered
	Target    time.Duration `json:"target"` // 0: the clock only measures, nothing is ever due
	StartedAt time.Time     `json:"started_at"`
	// Elapsed is the business time counted up to RunningSince while
	// running, and in total while paused or stopped.
	Elapsed      time.Duration `json:"elapsed"`
	RunningSince *time.Time    `json:"running_since,omitempty"` // last start or resume; nil unless running
	PausedSince  *time.Time    `json:"paused_since,omitempty"`  // nil unless paused
	StoppedAt    *time.Time    `json:"stopped_at,omitempty"`    // nil unless stopped
	Outcome      Outcome       `json:"outcome,omitempty"`       // set when stopped
	// Deadline is when the target runs out: calendar.Add(RunningSince,
	// Target-Elapsed). Set while running with a target.
	Deadline *time.Time `json:"deadline,omitempty"`
	// WarnAt is when the warning is due; set while running with a target,
	// before Deadline and not yet warned.
	WarnAt     *time.Time `json:"warn_at,omitempty"`
	Warned     bool       `json:"warned"`
	WarnedAt   *time.Time `json:"warned_at,omitempty"` // the due instant of the warning that fired
	Breached   bool       `json:"breached"`
	BreachedAt *time.Time `json:"breached_at,omitempty"` // the deadline that was missed
}

// Running reports whether the clock is counting.
func (c *Clock) Running() bool { return c != nil && c.RunningSince != nil }

// Paused reports whether the clock is paused.
func (c *Clock) Paused() bool { return c != nil && c.PausedSince != nil }

// Open reports whether the clock is running or paused.
func (c *Clock) Open() bool { return c.Running() || c.Paused() }

// TicketClocks is the SLA state of one ticket. It is plain JSON: the store
// persists it in the same transaction as the ticket and the SLA events, which
// is how timers survive a restart.
type TicketClocks struct {
	TicketID int64  `json:"ticket_id"` // set by the caller
	PolicyID string `json:"policy_id"`
	// Version goes up with every Apply and with every Evaluate that fires;
	// the scheduler keeps the items of the highest version.
	Version       int64     `json:"version"`
	At            time.Time `json:"at"`     // the last happening applied
	Status        string    `json:"status"` // state kind after it
	PendingReason string    `json:"pending_reason,omitempty"`
	Priority      string    `json:"priority,omitempty"`
	Tier          string    `json:"tier,omitempty"`
	FirstResponse *Clock    `json:"first_response,omitempty"`
	NextResponse  *Clock    `json:"next_response,omitempty"` // nil until a customer writes after the first reply
	Resolution    *Clock    `json:"resolution,omitempty"`
}

// Clock returns the clock of metric m, nil when it has not started.
func (tc *TicketClocks) Clock(m Metric) *Clock {
	switch m {
	case FirstResponse:
		return tc.FirstResponse
	case NextResponse:
		return tc.NextResponse
	case Resolution:
		return tc.Resolution
	}
	return nil
}

// HappeningKind is what happened to a ticket.
type HappeningKind string

// Kinds of happenings.
const (
	Created          HappeningKind = "created"
	AgentPublicReply HappeningKind = "agent_public_reply" // internal notes are not replies
	CustomerMessage  HappeningKind = "customer_message"
	Changed          HappeningKind = "changed" // status, pending reason, priority or tier
)

// Happening is one change of a ticket as the SLA clocks see it. Besides its
// kind it carries the ticket's state after the change, so any happening
// also applies a status, priority or tier change made with it.
type Happening struct {
	At            time.Time     `json:"at"`
	Kind          HappeningKind `json:"kind"`
	StatusKind    string        `json:"status_kind"` // new, open, pending, resolved or closed
	PendingReason string        `json:"pending_reason,omitempty"`
	Priority      string        `json:"priority,omitempty"`
	Tier          string        `json:"tier,omitempty"`
}

// ErrNotStarted is returned by Apply for a ticket whose clocks were never
// started by a Created happening.
var ErrNotStarted = errors.New("sla clocks not started; apply a created happening first")

// Engine applies one policy with its business calendar to ticket clocks.
// It holds no mutable state and is safe for concurrent use.
type Engine struct {
	policy       Policy
	cal          *calendar.Compiled
	warn         float64
	pauseReasons []string
}

// NewEngine validates p and binds it to cal, the compiled calendar that
// p.Calendar names; cal must be nil when p.Calendar is "" (24x7).
func NewEngine(p Policy, cal *calendar.Compiled) (*Engine, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	switch {
	case p.Calendar == "" && cal != nil:
		return nil, fmt.Errorf("sla policy %q: names no calendar but was given %q", p.ID, cal.Name())
	case p.Calendar != "" && cal == nil:
		return nil, fmt.Errorf("sla policy %q: calendar %q was not given", p.ID, p.Calendar)
	case cal != nil && cal.Name() != p.Calendar:
		return nil, fmt.Errorf("sla policy %q: names calendar %q but was given %q", p.ID, p.Calendar, cal.Name())
	case cal == nil:
		cal = calendar.AlwaysOpen()
	}
	return &Engine{policy: p, cal: cal, warn: p.warnShare(), pauseReasons: slices.Clone(p.pauseReasons())}, nil
}

// Policy returns the engine's policy.
func (e *Engine) Policy() Policy { return e.policy }

// Calendar returns the engine's business calendar.
func (e *Engine) Calendar() *calendar.Compiled { return e.cal }

// Elapsed returns the business time clock c has counted up to now.
func (e *Engine) Elapsed(c *Clock, now time.Time) time.Duration {
	if c == nil {
		return 0
	}
	if c.Running() {
		return c.Elapsed + e.cal.Between(*c.RunningSince, now)
	}
	return c.Elapsed
}

func validStatus(s string) bool {
	switch s {
	case "new", "open", "pending", "resolved", "closed":
		return true
	}
	return false
}

func terminal(status string) bool { return status == "resolved" || status == "closed" }

// counts reports whether the clocks run in the given status.
func (e *Engine) counts(status, reason string) bool {
	switch status {
	case "new", "open":
		return true
	case "pending":
		return !slices.Contains(e.pauseReasons, reason)
	}
	return false
}

// Apply applies happening h to the clocks of a ticket and returns the
// warnings and breaches that fell due up to h.At and were not fired yet
// (now marked fired in tc): the caller writes them as SLA events in the
// same transaction that saves tc.
//
// Semantics:
//   - Created starts first_response and resolution.
//   - AgentPublicReply stops first_response and next_response (met).
//   - CustomerMessage starts a new next_response cycle once the first
//     response was given, unless one is already open (the clock keeps the
//     first unanswered message) or the ticket is resolved or closed.
//   - The clocks run in new and open, and in pending unless the pending
//     reason is one of the policy's PauseReasons; paused time is not counted.
//   - resolved or closed stops resolution (met) and cancels a response
//     still owed. Reopening resumes resolution with the time already used
//     kept (a breach stays a breach); response clocks restart only with the
//     next customer message.
//   - A new priority, tier or policy re-targets open clocks, keeping their
//     elapsed time; a target already used up is due at once. When the
//     policy changes (tc.PolicyID is not the engine's), the running time
//     since the last happening is counted in the new policy's calendar.
//
// A happening dated before the last one applied is taken to happen at the
// same time as it. tc is changed only when Apply returns no error.
func (e *Engine) Apply(tc *TicketClocks, h Happening) ([]Due, error) {
	if h.At.IsZero() {
		return nil, errors.New("sla happening has no time")
	}
	if !validStatus(h.StatusKind) {
		return nil, fmt.Errorf("sla happening has unknown status kind %q", h.StatusKind)
	}
	at := h.At.UTC()
	var fired []Due
	switch h.Kind {
	case Created:
		if tc.Resolution != nil {
			return nil, errors.New("sla clocks already started")
		}
	case AgentPublicReply, CustomerMessage, Changed:
		if tc.Resolution == nil {
			return nil, ErrNotStarted
		}
		if at.Before(tc.At) {
			at = tc.At
		}
		// Fire what fell due strictly before the happening: a reply at the
		// deadline itself is in time.
		fired = e.evaluate(tc, at, false)
	default:
		return nil, fmt.Errorf("sla happening has unknown kind %q", h.Kind)
	}
	target, _ := e.policy.TargetFor(h.Priority, h.Tier)

	switch h.Kind {
	case Created:
		tc.PolicyID, tc.Priority, tc.Tier = e.policy.ID, h.Priority, h.Tier
		tc.FirstResponse = e.start(at, target.FirstResponse, 1)
		tc.Resolution = e.start(at, target.Resolution, 1)
		tc.Status = "new"
	case AgentPublicReply:
		e.stop(tc.FirstResponse, at, Met)
		e.stop(tc.NextResponse, at, Met)
	}

	// Re-target open clocks on a new priority, tier or policy.
	if newPolicy := tc.PolicyID != e.policy.ID; newPolicy || tc.Priority != h.Priority || tc.Tier != h.Tier {
		for _, m := range Metrics() {
			e.retarget(tc.Clock(m), at, target.Of(m), newPolicy)
		}
		tc.PolicyID, tc.Priority, tc.Tier = e.policy.ID, h.Priority, h.Tier
	}

	// Status.
	runs := e.counts(h.StatusKind, h.PendingReason)
	if terminal(h.StatusKind) {
		e.stop(tc.Resolution, at, Met)
		e.stop(tc.FirstResponse, at, Cancelled)
		e.stop(tc.NextResponse, at, Cancelled)
	} else {
		if terminal(tc.Status) && tc.Resolution.Outcome == Met {
			r := tc.Resolution
			r.StoppedAt, r.Outcome = nil, ""
			r.PausedSince = &at // resumed below when the new status counts
		}
		for _, m := range Metrics() {
			if runs {
				e.resume(tc.Clock(m), at)
			} else {
				e.pause(tc.Clock(m), at)
			}
		}
	}
	tc.Status, tc.PendingReason = h.StatusKind, h.PendingReason

	if h.Kind == CustomerMessage && !terminal(h.StatusKind) && !tc.FirstResponse.Open() && !tc.NextResponse.Open() {
		cycle := 1
		if tc.NextResponse != nil {
			cycle = tc.NextResponse.Cycle + 1
		}
		c := e.start(at, target.NextResponse, cycle)
		if !runs {
			e.pause(c, at)
		}
		tc.NextResponse = c
	}

	tc.At = at
	tc.Version++
	fired = append(fired, e.evaluate(tc, at, true)...)
	for i := range fired {
		fired[i].TicketID, fired[i].Version = tc.TicketID, tc.Version
	}
	return fired, nil
}

// Evaluate marks fired, and returns, the warnings and breaches of tc that
// are due at now (at or before it) and were not fired yet, in order of their
// due instants. The caller writes them as SLA events in the same transaction
// that saves tc; an item already fired is never returned again, which makes
// firing idempotent across retries and restarts.
func (e *Engine) Evaluate(tc *TicketClocks, now time.Time) []Due {
	fired := e.evaluate(tc, now.UTC(), true)
	if len(fired) > 0 {
		tc.Version++
		for i := range fired {
			fired[i].TicketID, fired[i].Version = tc.TicketID, tc.Version
		}
	}
	return fired
}

func (e *Engine) evaluate(tc *TicketClocks, now time.Time, inclusive bool) []Due {
	due := func(t *time.Time) bool {
		return t != nil && (t.Before(now) || (inclusive && t.Equal(now)))
	}
	var out []Due
	for _, m := range Metrics() {
		c := tc.Clock(m)
		if !c.Running() {
			continue
		}
		if !c.Warned && due(c.WarnAt) {
			w := *c.WarnAt
			c.Warned, c.WarnedAt, c.WarnAt = true, &w, nil
			out = append(out, Due{Metric: m, Kind: Warning, At: w, Cycle: c.Cycle})
		}
		if !c.Breached && due(c.Deadline) {
			d := *c.Deadline
			c.Breached, c.BreachedAt = true, &d
			out = append(out, Due{Metric: m, Kind: Breach, At: d, Cycle: c.Cycle})
		}
	}
	slices.SortStableFunc(out, func(a, b Due) int { return a.At.Compare(b.At) })
	return out
}

// DueItems returns the warnings and breaches of tc still to fire, for the
// scheduler: after every committed change, and for every open ticket on
// start-up.
func DueItems(tc TicketClocks) []Due {
	var out []Due
	for _, m := range Metrics() {
		c := tc.Clock(m)
		if !c.Running() {
			continue
		}
		if !c.Warned && c.WarnAt != nil {
			out = append(out, Due{TicketID: tc.TicketID, Metric: m, Kind: Warning, At: *c.WarnAt, Cycle: c.Cycle, Version: tc.Version})
		}
		if !c.Breached && c.Deadline != nil {
			out = append(out, Due{TicketID: tc.TicketID, Metric: m, Kind: Breach, At: *c.Deadline, Cycle: c.Cycle, Version: tc.Version})
		}
	}
	return out
}

// Clock operations. Each is a no-op on a nil clock or one not in the state
// it acts on.

func (e *Engine) start(at time.Time, target time.Duration, cycle int) *Clock {
	c := &Clock{Cycle: cycle, Target: target, StartedAt: at, RunningSince: ptr(at)}
	e.schedule(c)
	return c
}

func (e *Engine) pause(c *Clock, at time.Time) {
	if !c.Running() {
		return
	}
	c.Elapsed += e.cal.Between(*c.RunningSince, at)
	c.RunningSince, c.PausedSince = nil, ptr(at)
	c.Deadline, c.WarnAt = nil, nil
}

func (e *Engine) resume(c *Clock, at time.Time) {
	if !c.Paused() {
		return
	}
	c.PausedSince, c.RunningSince = nil, ptr(at)
	e.schedule(c)
}

func (e *Engine) stop(c *Clock, at time.Time, o Outcome) {
	if !c.Open() {
		return
	}
	if c.Running() {
		c.Elapsed += e.cal.Between(*c.RunningSince, at)
	}
	c.RunningSince, c.PausedSince, c.StoppedAt, c.Outcome = nil, nil, ptr(at), o
	c.Deadline, c.WarnAt = nil, nil
}

// retarget sets a new target; force reschedules also when the target is
// the same (another policy may use another calendar).
func (e *Engine) retarget(c *Clock, at time.Time, target time.Duration, force bool) {
	if !c.Open() || c.Target == target && !force {
		return
	}
	c.Target = target
	if c.Running() {
		// Count up to now, so that a target already used up is due now
		// rather than in the past.
		c.Elapsed += e.cal.Between(*c.RunningSince, at)
		c.RunningSince = ptr(at)
		e.schedule(c)
	}
}

// schedule computes Deadline and WarnAt of a running clock.
func (e *Engine) schedule(c *Clock) {
	c.Deadline, c.WarnAt = nil, nil
	if c.Target <= 0 {
		return
	}
	since := *c.RunningSince
	deadline := e.cal.Add(since, c.Target-c.Elapsed) // since itself when used up
	c.Deadline = &deadline
	if c.Warned || c.Breached {
		return // one warning per cycle, and none after a breach
	}
	warn := e.cal.Add(since, time.Duration(float64(c.Target)*e.warn)-c.Elapsed)
	if warn.Before(deadline) {
		c.WarnAt = &warn
	}
}

func ptr(t time.Time) *time.Time { return &t }

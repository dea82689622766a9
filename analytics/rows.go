package analytics

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/deskmine/deskmine/internal/cftext"
	"github.com/deskmine/deskmine/ticketcore/events"
)

// Times are stored at second precision, truncated here rather than by the
// database, so that DuckDB and ClickHouse hold (and answer) exactly the same
// values. Every stored time must lie in [MinTime, MaxTime): ClickHouse's
// DateTime is an unsigned 32-bit count of seconds, and DuckDB applies the
// same rule so that both refuse the same events.
var (
	MinTime = time.Unix(0, 0).UTC()
	MaxTime = time.Date(2106, 1, 1, 0, 0, 0, 0, time.UTC)
)

// DefaultPolicy is the SLA policy of a ticket whose snapshot names none
// (the contract: absent means the policy named "default").
const DefaultPolicy = "default"

// SLA outcome rows. A ticket.sla_warning or ticket.sla_breached event gives
// one row with the event's SLA metric and outcome "warning" or "breached".
// A ticket becoming resolved (resolved_at appears in its snapshot; a reopen
// clears it, so each resolution counts) gives one row of metric "overall"
// with outcome "met" when the ticket is not marked sla_breached at that
// moment, "breached" otherwise. Rows are keyed by the event that produced
// them and the metric.
const (
	MetricOverall   = "overall"
	OutcomeWarning  = "warning"
	OutcomeBreached = "breached"
	OutcomeMet      = "met"
)

// Trunc is the stored form of a time: UTC, truncated to the second.
func Trunc(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }

func truncPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := Trunc(*t)
	return &v
}

// Snapshot is the ticket as it was after an event: the columns the event,
// ticket and (partly) interval tables share.
type Snapshot struct {
	Status         string
	Priority       string
	Urgency        string
	TicketType     string
	Category       string
	Product        string
	Channel        string
	Team           string
	Assignee       string
	Region         string
	CustomerTier   string
	CustomerOrg    string
	CustomerRegion string
	Tags           []string // never nil
	SLAPolicy      string   // DefaultPolicy when the ticket names none
	SLABreached    bool
	ReopenCount    int64
	CreatedAt      time.Time
	ResolvedAt     *time.Time
	ClosedAt       *time.Time
	Subject        string

	// Added by migration 2; stored at the end of the event and ticket tables.
	CustomerKey string   // who the customer is, for repeat tickets; "" when unknown (see CustomerKey)
	CFKeys      []string // custom field names, sorted; never nil
	CFValues    []string // their values as text (see CustomFieldText), by position; never nil
	LinkTypes   []string // the ticket's links: types ...; never nil
	LinkTargets []int64  // ... and the linked tickets, by position; never nil
	CSATScore   int64    // the customer's latest rating, 1..5; 0 when not rated
	CSATAt      *time.Time
}

// EventRow is one applied event of a known type with the ticket after it.
type EventRow struct {
	EventID       string
	Seq           int64
	TicketID      int64
	TicketVersion int64
	Type          string
	At            time.Time
	RecordedAt    time.Time
	ActorName     string
	ActorRole     string
	Source        string
	ChangedFields []string // never nil
	PrevStatus    string   // status before the event; "" for the first one
	Snapshot
}

// TicketRow is a ticket in its latest applied state. Its Version is the
// store's watermark for the ticket: events at or below it are skipped.
type TicketRow struct {
	TicketID        int64
	Version         int64
	LastEventID     string
	LastAt          time.Time // `at` of the event of Version
	FirstResponseAt *time.Time
	FirstResponseMs *int64 // created -> first response
	ResolveMs       *int64 // created -> resolved, while resolved or closed
	Snapshot
	Flow
}

// Flow is what Derive carries from one version of a ticket to the next so
// that queries at any size read per-row facts instead of recomputing each
// ticket's history (added by migration 3). The ticket row holds it as of
// its latest version, each interval as of its own.
type Flow struct {
	// CoversFrom is when the version took effect: its `at`, or the latest
	// earlier version's when a skewed clock put it before that, so a
	// ticket's versions cover time without overlap and the state at an
	// instant is the one row whose cover holds it.
	CoversFrom time.Time
	OpenSince  *time.Time // start of the open episode; nil while resolved or closed
	Warned     bool       // an SLA warning since the last resolution
	Handoffs   int64      // team changes between consecutive versions, over the ticket's life
	Bounces    int64      // of those, returns to the team before the previous one (A -> B -> A)
	// TeamBefore is the team before the current team's run; meaningful
	// once Handoffs > 0.
	TeamBefore      string
	LastOpenVersion int64 // the highest version in a status that is not done; 0 if none

	// Of this version against the one before (copied to its interval).
	Handoff    bool   // the team changed
	Bounce     bool   // ... back to TeamBefore of the previous version
	PrevTeam   string // the previous version's team; "" on the first
	Resolution bool   // done (resolved or closed), the previous version not (or first)
}

// IntervalRow is the time between one event of a ticket (Version) and the
// next (EndVersion), with the state in force during it. Open intervals have
// no end, EndVersion 0 and DurationMs 0; the next event rewrites the row as
// closed (ClickHouse keeps the closed row: Closed is the replacing version).
type IntervalRow struct {
	TicketID     int64
	Version      int64
	StartAt      time.Time
	EndAt        *time.Time
	EndVersion   int64
	Closed       bool
	DurationMs   int64 // EndAt - StartAt; 0 when a later event carries an earlier `at`
	Status       string
	Team         string
	Assignee     string
	Priority     string
	Category     string
	Channel      string
	TicketType   string
	CustomerTier string
	Product      string // added by migration 2
	SLABreached  bool   // added by migration 2

	// Added by migration 3 (see Flow).
	CoversFrom time.Time
	CoversTo   *time.Time // the next version's CoversFrom; nil while open
	OpenSince  *time.Time
	Warned     bool
	Handoff    bool   // the team differs from the previous version's
	Bounce     bool   // a handoff back to the team before the previous one
	PrevTeam   string // the previous version's team; "" on the first
	Resolution bool   // done (resolved or closed) after a version that was not, or first
}

// SLARow is one SLA outcome (see MetricOverall).
type SLARow struct {
	TicketID      int64
	TicketVersion int64
	EventID       string
	At            time.Time
	Metric        string
	Cycle         int64
	Outcome       string
	Policy        string
	TargetSeconds int64
	Deadline      *time.Time
	Team          string
	Assignee      string
	Priority      string
	Channel       string
	CustomerTier  string
}

// Rows is what one batch writes to each table.
type Rows struct {
	Events    []EventRow
	Intervals []IntervalRow
	SLA       []SLARow
	Tickets   []TicketRow // write last: it is the watermark
	Unknown   int         // applied events of unknown types (no event row)
}

// Batch is a validated batch, sorted by (ticket, version) without duplicates.
type Batch struct {
	evs []*events.Event
}

// Prepare validates a batch before anything is written, so that an event
// the store can never hold fails the whole call without a partial write
// (the runner bisects the batch and re-applies the good parts). Events are
// sorted by ticket and version; repeated (ticket, version) pairs keep the
// first occurrence.
func Prepare(evs []events.Event) (*Batch, error) {
	b := &Batch{evs: make([]*events.Event, 0, len(evs))}
	for i := range evs {
		e := &evs[i]
		if err := storable(e); err != nil {
			return nil, &PermanentError{EventID: e.ID, Err: err}
		}
		b.evs = append(b.evs, e)
	}
	slices.SortStableFunc(b.evs, func(x, y *events.Event) int {
		return cmp.Or(cmp.Compare(x.TicketID, y.TicketID), cmp.Compare(x.TicketVersion, y.TicketVersion))
	})
	b.evs = slices.CompactFunc(b.evs, func(x, y *events.Event) bool {
		return x.TicketID == y.TicketID && x.TicketVersion == y.TicketVersion
	})
	return b, nil
}

// Len is the number of distinct events in the batch.
func (b *Batch) Len() int { return len(b.evs) }

// TicketIDs lists the batch's tickets in ascending order, for the one query
// that reads their stored state.
func (b *Batch) TicketIDs() []int64 {
	var ids []int64
	for _, e := range b.evs {
		if len(ids) == 0 || ids[len(ids)-1] != e.TicketID {
			ids = append(ids, e.TicketID)
		}
	}
	return ids
}

func storable(e *events.Event) error {
	if err := e.Validate(); err != nil {
		return err
	}
	check := func(name string, t time.Time) error {
		if t.Before(MinTime) || !t.Before(MaxTime) {
			return fmt.Errorf("%s %s is outside %d..%d", name, t.Format(time.RFC3339), MinTime.Year(), MaxTime.Year()-1)
		}
		return nil
	}
	errs := []error{check("at", e.At), check("recorded_at", e.RecordedAt), check("ticket.created_at", e.Ticket.CreatedAt)}
	if e.Ticket.ResolvedAt != nil {
		errs = append(errs, check("ticket.resolved_at", *e.Ticket.ResolvedAt))
	}
	if e.Ticket.ClosedAt != nil {
		errs = append(errs, check("ticket.closed_at", *e.Ticket.ClosedAt))
	}
	if e.SLA != nil && e.SLA.Deadline != nil {
		errs = append(errs, check("sla.deadline", *e.SLA.Deadline))
	}
	return errors.Join(errs...)
}

// SnapshotOf is the stored form of a ticket snapshot.
func SnapshotOf(t *events.Ticket) Snapshot {
	tags := t.Tags
	if tags == nil {
		tags = []string{}
	}
	pol := t.SLAPolicy
	if pol == "" {
		pol = DefaultPolicy
	}
	keys, vals := customFields(t.CustomFields)
	ltypes, ltargets := make([]string, len(t.Links)), make([]int64, len(t.Links))
	for i, l := range t.Links {
		ltypes[i], ltargets[i] = l.Type, l.TicketID
	}
	var score int64
	var csatAt *time.Time
	if t.CSAT != nil {
		score, csatAt = int64(t.CSAT.Score), truncPtr(&t.CSAT.At)
	}
	return Snapshot{
		Status: t.Status, Priority: t.Priority, Urgency: t.Urgency, TicketType: t.Type,
		Category: t.Category, Product: t.Product, Channel: t.Channel, Team: t.Team,
		Assignee: t.Assignee, Region: t.Region, CustomerTier: t.Customer.Tier,
		CustomerOrg: t.Customer.Organisation, CustomerRegion: t.Customer.Region,
		Tags: tags, SLAPolicy: pol, SLABreached: t.SLABreached, ReopenCount: int64(t.ReopenCount),
		CreatedAt: Trunc(t.CreatedAt), ResolvedAt: truncPtr(t.ResolvedAt), ClosedAt: truncPtr(t.ClosedAt),
		Subject:     t.Subject,
		CustomerKey: CustomerKey(t.Customer),
		CFKeys:      keys, CFValues: vals,
		LinkTypes: ltypes, LinkTargets: ltargets,
		CSATScore: score, CSATAt: csatAt,
	}
}

// CustomerKey identifies a ticket's customer across tickets: the customer id
// when the ticket core assigned one, else the first of email, external id and
// phone (prefixed, so that values of different kinds never meet).
func CustomerKey(c events.Customer) string {
	switch {
	case c.ID > 0:
		return "id:" + strconv.FormatInt(c.ID, 10)
	case c.Email != "":
		return "email:" + strings.ToLower(c.Email)
	case c.ExternalID != "":
		return "ext:" + c.ExternalID
	case c.Phone != "":
		return "phone:" + c.Phone
	}
	return ""
}

// CustomFieldText is the stored text of a custom field value: strings as
// they are, numbers in their shortest decimal form without exponent, booleans
// as true/false, lists (multi-enum) sorted and joined with commas.
func CustomFieldText(v any) string { return cftext.Text(v) }

func customFields(m map[string]any) (keys, vals []string) {
	keys = make([]string, 0, len(m))
	for k, v := range m {
		if v != nil {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	vals = make([]string, len(keys))
	for i, k := range keys {
		vals[i] = CustomFieldText(m[k])
	}
	return keys, vals
}

// Derive computes the rows of a batch given the stored latest state of its
// tickets (missing: the store has none). It reads nothing else: the interval
// an event closes is the one opened by the ticket's stored latest version or
// by the previous event of the batch. Events at or below a ticket's stored
// version were applied before and are skipped. A gap in versions (an event
// never delivered) is not filled: the next event closes the latest interval.
//
// Events of unknown types (Type.Valid false) are versions of the ticket like
// any other: they advance its latest state, close and open intervals and can
// resolve it; they get no event row and no SLA warning/breach row.
func Derive(b *Batch, prior map[int64]TicketRow) *Rows {
	r := &Rows{
		Events:    make([]EventRow, 0, len(b.evs)),
		Intervals: make([]IntervalRow, 0, len(b.evs)+len(prior)),
	}
	for i := 0; i < len(b.evs); {
		j := i
		for j < len(b.evs) && b.evs[j].TicketID == b.evs[i].TicketID {
			j++
		}
		r.deriveTicket(b.evs[i:j], prior)
		i = j
	}
	return r
}

func (r *Rows) deriveTicket(evs []*events.Event, prior map[int64]TicketRow) {
	cur, have := prior[evs[0].TicketID]
	applied := false
	for _, e := range evs {
		if have && e.TicketVersion <= cur.Version {
			continue
		}
		applied = true
		at := Trunc(e.At)
		snap := SnapshotOf(&e.Ticket)
		prevStatus := ""
		if have {
			prevStatus = cur.Status
			r.Intervals = append(r.Intervals, closeInterval(&cur, e.TicketVersion, at))
		}
		if e.Type.Valid() {
			r.Events = append(r.Events, eventRow(e, at, prevStatus, snap))
			if sla, ok := slaRow(e, at, &snap); ok {
				r.SLA = append(r.SLA, sla)
			}
		} else {
			r.Unknown++
		}
		if snap.ResolvedAt != nil && (!have || cur.ResolvedAt == nil) {
			r.SLA = append(r.SLA, overallRow(e, at, &snap))
		}
		next := TicketRow{TicketID: e.TicketID, Version: e.TicketVersion, LastEventID: e.ID, LastAt: at, Snapshot: snap}
		if have {
			next.FirstResponseAt = cur.FirstResponseAt
			next.Flow = cur.Flow
		}
		next.advanceFlow(e, at, have, &cur)
		if next.FirstResponseAt == nil && isFirstResponse(e) {
			next.FirstResponseAt = &at
		}
		cur, have = next, true
	}
	if !applied {
		return
	}
	r.Intervals = append(r.Intervals, openInterval(&cur))
	if cur.FirstResponseAt != nil {
		cur.FirstResponseMs = durationMs(cur.CreatedAt, *cur.FirstResponseAt)
	}
	if cur.ResolvedAt != nil {
		cur.ResolveMs = durationMs(cur.CreatedAt, *cur.ResolvedAt)
	}
	r.Tickets = append(r.Tickets, cur)
}

// isFirstResponse: a public comment by someone other than a client
// integration answers the customer. Imported actors have no role, so an
// imported public comment counts; the importer maps customer messages to
// the requester, which is the usual source of the ticket, not a comment.
func isFirstResponse(e *events.Event) bool {
	return e.Type == events.TicketCommented && e.Comment != nil && e.Comment.Public && e.Actor.Role != "client"
}

func durationMs(from, to time.Time) *int64 {
	ms := max(to.Sub(from).Milliseconds(), 0)
	return &ms
}

// IsDone reports a status in which a ticket is not open work.
func IsDone(status string) bool { return status == "resolved" || status == "closed" }

func openInterval(t *TicketRow) IntervalRow {
	f := &t.Flow
	return IntervalRow{
		TicketID: t.TicketID, Version: t.Version, StartAt: t.LastAt,
		Status: t.Status, Team: t.Team, Assignee: t.Assignee, Priority: t.Priority,
		Category: t.Category, Channel: t.Channel, TicketType: t.TicketType, CustomerTier: t.CustomerTier,
		Product: t.Product, SLABreached: t.SLABreached,
		CoversFrom: f.CoversFrom, OpenSince: f.OpenSince, Warned: f.Warned,
		Handoff: f.Handoff, Bounce: f.Bounce, PrevTeam: f.PrevTeam, Resolution: f.Resolution,
	}
}

func closeInterval(t *TicketRow, endVersion int64, end time.Time) IntervalRow {
	iv := openInterval(t)
	iv.EndAt, iv.EndVersion, iv.Closed = &end, endVersion, true
	iv.DurationMs = *durationMs(iv.StartAt, end)
	coversTo := later(end, t.CoversFrom)
	iv.CoversTo = &coversTo
	return iv
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// advanceFlow sets t.Flow for its new version from the version before it
// (prev, when have), e being the event of t's version.
func (t *TicketRow) advanceFlow(e *events.Event, at time.Time, have bool, prev *TicketRow) {
	f := &t.Flow
	done := IsDone(t.Status)
	prevDone := have && IsDone(prev.Status)
	f.CoversFrom = at
	f.Handoff, f.Bounce, f.PrevTeam = false, false, ""
	if have {
		f.CoversFrom = later(at, prev.CoversFrom)
		f.PrevTeam = prev.Team
		if t.Team != prev.Team {
			f.Handoff = true
			f.Bounce = prev.Handoffs > 0 && t.Team == prev.TeamBefore
			f.TeamBefore = prev.Team
			f.Handoffs++
			if f.Bounce {
				f.Bounces++
			}
		}
	}
	f.Resolution = done && !prevDone
	switch {
	case done:
		f.OpenSince = nil
	case !have || prevDone:
		f.OpenSince = &at
	}
	if !done {
		f.LastOpenVersion = t.Version
	}
	// The same rule as the overall SLA row: a resolution ends the warnings
	// of the cycle before it.
	if t.ResolvedAt != nil && (!have || prev.ResolvedAt == nil) {
		f.Warned = false
	}
	if e.Type == events.TicketSLAWarning {
		f.Warned = true
	}
}

func eventRow(e *events.Event, at time.Time, prevStatus string, snap Snapshot) EventRow {
	changed := make([]string, len(e.Changes))
	for i, c := range e.Changes {
		changed[i] = c.Field
	}
	return EventRow{
		EventID: e.ID, Seq: e.Seq, TicketID: e.TicketID, TicketVersion: e.TicketVersion,
		Type: string(e.Type), At: at, RecordedAt: Trunc(e.RecordedAt),
		ActorName: e.Actor.Name, ActorRole: e.Actor.Role, Source: string(e.Source),
		ChangedFields: changed, PrevStatus: prevStatus, Snapshot: snap,
	}
}

func slaRow(e *events.Event, at time.Time, snap *Snapshot) (SLARow, bool) {
	var outcome string
	switch e.Type {
	case events.TicketSLAWarning:
		outcome = OutcomeWarning
	case events.TicketSLABreached:
		outcome = OutcomeBreached
	default:
		return SLARow{}, false
	}
	row := SLARow{
		TicketID: e.TicketID, TicketVersion: e.TicketVersion, EventID: e.ID, At: at,
		Metric: "unknown", Outcome: outcome, Policy: snap.SLAPolicy,
		Team: snap.Team, Assignee: snap.Assignee, Priority: snap.Priority, Channel: snap.Channel,
		CustomerTier: snap.CustomerTier,
	}
	// Events written before the sla object existed say it only in reason.
	if s := e.SLA; s != nil {
		row.Metric, row.Cycle, row.TargetSeconds, row.Deadline = s.Metric, int64(s.Cycle), s.TargetSeconds, truncPtr(s.Deadline)
		if s.Policy != "" {
			row.Policy = s.Policy
		}
	}
	return row, true
}

func overallRow(e *events.Event, at time.Time, snap *Snapshot) SLARow {
	outcome := OutcomeMet
	if snap.SLABreached {
		outcome = OutcomeBreached
	}
	return SLARow{
		TicketID: e.TicketID, TicketVersion: e.TicketVersion, EventID: e.ID, At: at,
		Metric: MetricOverall, Cycle: snap.ReopenCount + 1, Outcome: outcome, Policy: snap.SLAPolicy,
		Team: snap.Team, Assignee: snap.Assignee, Priority: snap.Priority, Channel: snap.Channel,
		CustomerTier: snap.CustomerTier,
	}
}

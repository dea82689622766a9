package analytics

import (
	"fmt"
	"strings"
	"time"
)

// Column is one column of a table, in the order of the table's DDL. Both
// backends build their inserts from these lists, so the same logical columns
// exist on both and the INSERT column list is constant; each store checks
// at start-up that its tables have exactly these columns in this order.
type Column[R any] struct {
	Name string
	// Value is the column of one row as the DuckDB appender takes it (nil
	// for NULL).
	Value func(*R) any
	// Slice is the column of many rows as a typed slice, the columnar form
	// clickhouse-go appends fastest (booleans as []uint8 for UInt8).
	Slice func([]R) any
}

func column[R, V, S any](name string, get func(*R) V, one func(V) any, many func(V) S) Column[R] {
	return Column[R]{
		Name:  name,
		Value: func(r *R) any { return one(get(r)) },
		Slice: func(rs []R) any {
			out := make([]S, len(rs))
			for i := range rs {
				out[i] = many(get(&rs[i]))
			}
			return out
		},
	}
}

func same[V any](v V) V    { return v }
func asAny[V any](v V) any { return v }

func strCol[R any](name string, get func(*R) string) Column[R] {
	return column(name, get, asAny[string], same[string])
}

func intCol[R any](name string, get func(*R) int64) Column[R] {
	return column(name, get, asAny[int64], same[int64])
}

func timeCol[R any](name string, get func(*R) time.Time) Column[R] {
	return column(name, get, asAny[time.Time], same[time.Time])
}

func strsCol[R any](name string, get func(*R) []string) Column[R] {
	return column(name, get, asAny[[]string], same[[]string])
}

func intsCol[R any](name string, get func(*R) []int64) Column[R] {
	return column(name, get, asAny[[]int64], same[[]int64])
}

func boolCol[R any](name string, get func(*R) bool) Column[R] {
	return column(name, get, asAny[bool], func(b bool) uint8 {
		if b {
			return 1
		}
		return 0
	})
}

func nullTimeCol[R any](name string, get func(*R) *time.Time) Column[R] {
	return column(name, get, func(t *time.Time) any {
		if t == nil {
			return nil
		}
		return *t
	}, same[*time.Time])
}

func nullIntCol[R any](name string, get func(*R) *int64) Column[R] {
	return column(name, get, func(v *int64) any {
		if v == nil {
			return nil
		}
		return *v
	}, same[*int64])
}

// Names lists the column names.
func Names[R any](cols []Column[R]) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Name
	}
	return out
}

func snapshotCols[R any](s func(*R) *Snapshot) []Column[R] {
	return []Column[R]{
		strCol("status", func(r *R) string { return s(r).Status }),
		strCol("priority", func(r *R) string { return s(r).Priority }),
		strCol("urgency", func(r *R) string { return s(r).Urgency }),
		strCol("ticket_type", func(r *R) string { return s(r).TicketType }),
		strCol("category", func(r *R) string { return s(r).Category }),
		strCol("product", func(r *R) string { return s(r).Product }),
		strCol("channel", func(r *R) string { return s(r).Channel }),
		strCol("team", func(r *R) string { return s(r).Team }),
		strCol("assignee", func(r *R) string { return s(r).Assignee }),
		strCol("region", func(r *R) string { return s(r).Region }),
		strCol("customer_tier", func(r *R) string { return s(r).CustomerTier }),
		strCol("customer_org", func(r *R) string { return s(r).CustomerOrg }),
		strCol("customer_region", func(r *R) string { return s(r).CustomerRegion }),
		strsCol("tags", func(r *R) []string { return s(r).Tags }),
		strCol("sla_policy", func(r *R) string { return s(r).SLAPolicy }),
		boolCol("sla_breached", func(r *R) bool { return s(r).SLABreached }),
		intCol("reopen_count", func(r *R) int64 { return s(r).ReopenCount }),
		timeCol("created_at", func(r *R) time.Time { return s(r).CreatedAt }),
		nullTimeCol("resolved_at", func(r *R) *time.Time { return s(r).ResolvedAt }),
		nullTimeCol("closed_at", func(r *R) *time.Time { return s(r).ClosedAt }),
		strCol("subject", func(r *R) string { return s(r).Subject }),
	}
}

// snapshotTailCols are the snapshot columns migration 2 added at the end of
// the event and ticket tables.
func snapshotTailCols[R any](s func(*R) *Snapshot) []Column[R] {
	return []Column[R]{
		strCol("customer_key", func(r *R) string { return s(r).CustomerKey }),
		strsCol("cf_keys", func(r *R) []string { return s(r).CFKeys }),
		strsCol("cf_values", func(r *R) []string { return s(r).CFValues }),
		strsCol("link_types", func(r *R) []string { return s(r).LinkTypes }),
		intsCol("link_targets", func(r *R) []int64 { return s(r).LinkTargets }),
		intCol("csat_score", func(r *R) int64 { return s(r).CSATScore }),
		nullTimeCol("csat_at", func(r *R) *time.Time { return s(r).CSATAt }),
	}
}

// EventColumns are the columns of the event table.
var EventColumns = append(append([]Column[EventRow]{
	strCol("event_id", func(r *EventRow) string { return r.EventID }),
	intCol("seq", func(r *EventRow) int64 { return r.Seq }),
	intCol("ticket_id", func(r *EventRow) int64 { return r.TicketID }),
	intCol("ticket_version", func(r *EventRow) int64 { return r.TicketVersion }),
	strCol("type", func(r *EventRow) string { return r.Type }),
	timeCol("at", func(r *EventRow) time.Time { return r.At }),
	timeCol("recorded_at", func(r *EventRow) time.Time { return r.RecordedAt }),
	strCol("actor_name", func(r *EventRow) string { return r.ActorName }),
	strCol("actor_role", func(r *EventRow) string { return r.ActorRole }),
	strCol("source", func(r *EventRow) string { return r.Source }),
	strsCol("changed_fields", func(r *EventRow) []string { return r.ChangedFields }),
	strCol("prev_status", func(r *EventRow) string { return r.PrevStatus }),
}, snapshotCols(func(r *EventRow) *Snapshot { return &r.Snapshot })...),
	snapshotTailCols(func(r *EventRow) *Snapshot { return &r.Snapshot })...)

// TicketColumns are the columns of the latest-ticket table.
var TicketColumns = append(append([]Column[TicketRow]{
	intCol("ticket_id", func(r *TicketRow) int64 { return r.TicketID }),
	intCol("version", func(r *TicketRow) int64 { return r.Version }),
	strCol("last_event_id", func(r *TicketRow) string { return r.LastEventID }),
	timeCol("last_at", func(r *TicketRow) time.Time { return r.LastAt }),
	nullTimeCol("first_response_at", func(r *TicketRow) *time.Time { return r.FirstResponseAt }),
	nullIntCol("first_response_ms", func(r *TicketRow) *int64 { return r.FirstResponseMs }),
	nullIntCol("resolve_ms", func(r *TicketRow) *int64 { return r.ResolveMs }),
}, snapshotCols(func(r *TicketRow) *Snapshot { return &r.Snapshot })...),
	append(snapshotTailCols(func(r *TicketRow) *Snapshot { return &r.Snapshot }), flowCols...)...)

// flowCols are the Flow columns migration 3 added at the end of the ticket
// table.
var flowCols = []Column[TicketRow]{
	timeCol("covers_from", func(r *TicketRow) time.Time { return r.CoversFrom }),
	nullTimeCol("open_since", func(r *TicketRow) *time.Time { return r.OpenSince }),
	boolCol("warned", func(r *TicketRow) bool { return r.Warned }),
	intCol("handoffs", func(r *TicketRow) int64 { return r.Handoffs }),
	intCol("bounces", func(r *TicketRow) int64 { return r.Bounces }),
	strCol("team_before", func(r *TicketRow) string { return r.TeamBefore }),
	intCol("last_open_version", func(r *TicketRow) int64 { return r.LastOpenVersion }),
	boolCol("handoff", func(r *TicketRow) bool { return r.Handoff }),
	boolCol("bounce", func(r *TicketRow) bool { return r.Bounce }),
	strCol("prev_team", func(r *TicketRow) string { return r.PrevTeam }),
	boolCol("resolution", func(r *TicketRow) bool { return r.Resolution }),
}

// IntervalColumns are the columns of the state-interval table.
var IntervalColumns = []Column[IntervalRow]{
	intCol("ticket_id", func(r *IntervalRow) int64 { return r.TicketID }),
	intCol("version", func(r *IntervalRow) int64 { return r.Version }),
	timeCol("start_at", func(r *IntervalRow) time.Time { return r.StartAt }),
	nullTimeCol("end_at", func(r *IntervalRow) *time.Time { return r.EndAt }),
	intCol("end_version", func(r *IntervalRow) int64 { return r.EndVersion }),
	boolCol("closed", func(r *IntervalRow) bool { return r.Closed }),
	intCol("duration_ms", func(r *IntervalRow) int64 { return r.DurationMs }),
	strCol("status", func(r *IntervalRow) string { return r.Status }),
	strCol("team", func(r *IntervalRow) string { return r.Team }),
	strCol("assignee", func(r *IntervalRow) string { return r.Assignee }),
	strCol("priority", func(r *IntervalRow) string { return r.Priority }),
	strCol("category", func(r *IntervalRow) string { return r.Category }),
	strCol("channel", func(r *IntervalRow) string { return r.Channel }),
	strCol("ticket_type", func(r *IntervalRow) string { return r.TicketType }),
	strCol("customer_tier", func(r *IntervalRow) string { return r.CustomerTier }),
	strCol("product", func(r *IntervalRow) string { return r.Product }),
	boolCol("sla_breached", func(r *IntervalRow) bool { return r.SLABreached }),
	timeCol("covers_from", func(r *IntervalRow) time.Time { return r.CoversFrom }),
	nullTimeCol("covers_to", func(r *IntervalRow) *time.Time { return r.CoversTo }),
	nullTimeCol("open_since", func(r *IntervalRow) *time.Time { return r.OpenSince }),
	boolCol("warned", func(r *IntervalRow) bool { return r.Warned }),
	boolCol("handoff", func(r *IntervalRow) bool { return r.Handoff }),
	boolCol("bounce", func(r *IntervalRow) bool { return r.Bounce }),
	strCol("prev_team", func(r *IntervalRow) string { return r.PrevTeam }),
	boolCol("resolution", func(r *IntervalRow) bool { return r.Resolution }),
}

// SLAColumns are the columns of the SLA outcome table.
var SLAColumns = []Column[SLARow]{
	intCol("ticket_id", func(r *SLARow) int64 { return r.TicketID }),
	intCol("ticket_version", func(r *SLARow) int64 { return r.TicketVersion }),
	strCol("metric", func(r *SLARow) string { return r.Metric }),
	strCol("event_id", func(r *SLARow) string { return r.EventID }),
	timeCol("at", func(r *SLARow) time.Time { return r.At }),
	intCol("cycle", func(r *SLARow) int64 { return r.Cycle }),
	strCol("outcome", func(r *SLARow) string { return r.Outcome }),
	strCol("policy", func(r *SLARow) string { return r.Policy }),
	intCol("target_seconds", func(r *SLARow) int64 { return r.TargetSeconds }),
	nullTimeCol("deadline", func(r *SLARow) *time.Time { return r.Deadline }),
	strCol("team", func(r *SLARow) string { return r.Team }),
	strCol("assignee", func(r *SLARow) string { return r.Assignee }),
	strCol("priority", func(r *SLARow) string { return r.Priority }),
	strCol("channel", func(r *SLARow) string { return r.Channel }),
	strCol("customer_tier", func(r *SLARow) string { return r.CustomerTier }),
}

// PriorColumns are the latest-ticket columns Derive needs of a stored
// ticket; PriorDests gives the scan destinations in the same order.
var PriorColumns = []string{"ticket_id", "version", "last_at", "first_response_at", "resolved_at",
	"status", "team", "assignee", "priority", "category", "channel", "ticket_type", "customer_tier",
	"product", "sla_breached",
	"covers_from", "open_since", "warned", "handoffs", "bounces", "team_before", "last_open_version",
	"handoff", "bounce", "prev_team", "resolution"}

// PriorDests returns scan destinations for PriorColumns.
func PriorDests(t *TicketRow) []any {
	return []any{&t.TicketID, &t.Version, &t.LastAt, &t.FirstResponseAt, &t.ResolvedAt,
		&t.Status, &t.Team, &t.Assignee, &t.Priority, &t.Category, &t.Channel, &t.TicketType, &t.CustomerTier,
		&t.Product, &t.SLABreached,
		&t.CoversFrom, &t.OpenSince, &t.Warned, &t.Handoffs, &t.Bounces, &t.TeamBefore, &t.LastOpenVersion,
		&t.Handoff, &t.Bounce, &t.PrevTeam, &t.Resolution}
}

// NormalizePrior puts the times of a scanned prior row in UTC (ClickHouse
// returns them in the server's zone), so derived rows compare equal.
func NormalizePrior(t *TicketRow) {
	t.LastAt = t.LastAt.UTC()
	if t.FirstResponseAt != nil {
		v := t.FirstResponseAt.UTC()
		t.FirstResponseAt = &v
	}
	if t.ResolvedAt != nil {
		v := t.ResolvedAt.UTC()
		t.ResolvedAt = &v
	}
	t.CoversFrom = t.CoversFrom.UTC()
	if t.OpenSince != nil {
		v := t.OpenSince.UTC()
		t.OpenSince = &v
	}
}

// LongInterval is the length above which a closed interval is also kept
// in the ClickHouse table long_intervals: state-at-an-instant queries read
// the interval table only over the LongInterval before the instant.
const LongInterval = 7 * 24 * time.Hour

// IsLong reports whether iv is closed and ends more than LongInterval after
// it starts (its cover's end against its start: a skewed clock's earlier
// start makes it long too).
func (iv *IntervalRow) IsLong() bool {
	return iv.Closed && iv.CoversTo != nil && iv.CoversTo.Sub(iv.StartAt) > LongInterval
}

// The tables both stores write, under the same names.
const (
	TableEvents    = "events"
	TableTickets   = "tickets"
	TableIntervals = "intervals"
	TableSLA       = "sla_outcomes"
)

// CheckColumns compares the columns a store's tables have (per table, in
// order) with the column lists the code writes by position, so that a
// schema out of step with the code fails at start-up rather than mixing up
// columns.
func CheckColumns(got map[string][]string) error {
	want := map[string][]string{
		TableEvents: Names(EventColumns), TableTickets: Names(TicketColumns),
		TableIntervals: Names(IntervalColumns), TableSLA: Names(SLAColumns),
	}
	for _, t := range []string{TableEvents, TableTickets, TableIntervals, TableSLA} {
		if strings.Join(got[t], ",") != strings.Join(want[t], ",") {
			return fmt.Errorf("table %s has columns %v, the code writes %v", t, got[t], want[t])
		}
	}
	return nil
}

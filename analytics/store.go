package analytics

import (
	"context"

	"github.com/deskmine/deskmine/ticketcore/events"
)

// Store is an analytics store. DuckDB and ClickHouse implement it and pass
// the same conformance suite (analytics/storetest).
type Store interface {
	// Apply writes a batch of events: the event rows, the state intervals
	// they close and open, SLA outcomes, and the tickets' latest state. It is
	// idempotent on event id: applying a batch again, or an event already
	// applied, changes no answer. Events of one ticket arrive in
	// ticket_version order across calls. An event the store can never hold
	// is reported with an error whose Permanent() method returns true.
	Apply(ctx context.Context, evs []events.Event) error
	// Reset deletes every row, for a rebuild from the event log.
	Reset(ctx context.Context) error
	// Check answers the shared checking queries; equal histories give equal results.
	Check(ctx context.Context) (*CheckResult, error)
	// Seen reports whether the event of ticketID at version is visible to queries.
	Seen(ctx context.Context, ticketID, version int64) (bool, error)
	Close() error
}

// Migrator is implemented by both stores: Migrate applies the embedded
// schema migrations not applied yet and returns their versions (none when
// the schema is current). Open already calls it; `deskmine migrate` and the
// conformance suite call it again.
type Migrator interface {
	Migrate(ctx context.Context) ([]int, error)
}

// CheckResult is what Check answers: plain integers and maps, so results of
// two stores compare with reflect.DeepEqual. Maps are never nil.
type CheckResult struct {
	Events       int64            // event rows (one per applied event of a known type)
	EventTickets int64            // distinct tickets among event rows
	SeqSum       int64            // sum of seq over event rows
	EventsByType map[string]int64 // event rows per type

	Tickets            int64            // tickets in their latest state
	TicketsByStatus    map[string]int64 // latest tickets per status
	FirstResponses     int64            // tickets with a first response
	FirstResponseMsSum int64            // sum of their first response times
	Resolved           int64            // tickets resolved (or closed) now
	ResolveMsSum       int64            // sum of their created -> resolved times

	ClosedIntervals    int64            // intervals with an end
	OpenIntervals      int64            // intervals waiting for the ticket's next event
	IntervalMsByStatus map[string]int64 // closed interval milliseconds per status
	IntervalMsByTeam   []Count          // closed interval milliseconds per team, first 20 teams by name

	SLAOutcomes map[string]int64 // SLA outcome rows per "metric/outcome"

	Days        int64 // distinct UTC days with event rows
	DayChecksum int64 // sum over those days of (days since 1970-01-01) * (event rows that day)

	// The columns of migration 2, over the latest tickets.
	CustomerTickets int64 // tickets with a customer key
	CSATRated       int64 // tickets with a rating (csat_score > 0)
	CSATSum         int64 // sum of their scores
	Links           int64 // links of all tickets
	CustomFields    int64 // custom field entries of all tickets
}

// Count is one named total of a CheckResult list.
type Count struct {
	Key string
	N   int64
}

// NewCheckResult returns a CheckResult with empty, non-nil maps.
func NewCheckResult() *CheckResult {
	return &CheckResult{
		EventsByType:       map[string]int64{},
		TicketsByStatus:    map[string]int64{},
		IntervalMsByStatus: map[string]int64{},
		IntervalMsByTeam:   []Count{},
		SLAOutcomes:        map[string]int64{},
	}
}

// RunChecks answers the shared checking queries through a store's two ways
// of running a named query: one scans a single row into dest; each calls fn
// with every (key, count) row. Both stores name their queries alike.
func RunChecks(one func(name string, dest ...any) error, each func(name string, fn func(key string, n int64)) error) (*CheckResult, error) {
	r := NewCheckResult()
	into := func(m map[string]int64) func(string, int64) { return func(k string, n int64) { m[k] = n } }
	steps := []func() error{
		func() error { return one("check-events", &r.Events, &r.EventTickets, &r.SeqSum) },
		func() error { return each("check-events-by-type", into(r.EventsByType)) },
		func() error {
			return one("check-tickets", &r.Tickets, &r.FirstResponses, &r.FirstResponseMsSum, &r.Resolved, &r.ResolveMsSum)
		},
		func() error { return each("check-tickets-by-status", into(r.TicketsByStatus)) },
		func() error { return one("check-intervals", &r.ClosedIntervals, &r.OpenIntervals) },
		func() error { return each("check-interval-ms-by-status", into(r.IntervalMsByStatus)) },
		func() error {
			return each("check-interval-ms-by-team", func(k string, n int64) {
				r.IntervalMsByTeam = append(r.IntervalMsByTeam, Count{Key: k, N: n})
			})
		},
		func() error { return each("check-sla", into(r.SLAOutcomes)) },
		func() error { return one("check-days", &r.Days, &r.DayChecksum) },
		func() error {
			return one("check-tail", &r.CustomerTickets, &r.CSATRated, &r.CSATSum, &r.Links, &r.CustomFields)
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return r, nil
}

package clickhouse

import (
	"maps"
	"slices"
	"time"

	"github.com/deskmine/deskmine/analytics"
)

// Tables of this store besides analytics' four, which keep their names but
// one: the latest-ticket table (analytics.TableTickets) is
// tickets_by_creation since migration 4.
const (
	// tableTickets is the latest-ticket table, sorted by (created_at,
	// ticket_id) so that a window of creation times reads and merges only
	// its own rows; a ticket's creation never changes, so its versions still
	// collapse. Lookups by id read without FINAL and keep each ticket's
	// highest version (LIMIT 1 BY). The table tickets of migrations 1 to 3
	// is no longer written.
	tableTickets = "tickets_by_creation"
	// tableLongIntervals keeps the closed intervals longer than
	// analytics.LongInterval.
	tableLongIntervals = "long_intervals"
	// tableResolutionDays keeps the earliest creation of the tickets
	// resolved on each day (migration 5).
	tableResolutionDays = "resolution_days"
	// tableState is the latest-ticket table read without FINAL (migration
	// 6): a row per version with sign 1 and a cancel row (sign -1) per
	// replaced version. It is the watermark since migration 6.
	tableState = "ticket_state"
)

// stateRows are the rows of ticket_state for a batch's latest tickets: each
// new version (sign 1) and, for a ticket stored before, a cancel row of the
// version it replaces (sign -1); prior holds the stored rows with their
// creation. A cancel row carries the replaced row's
// sorting key (created_at, ticket_id, version), which is all queries and
// merges read of it; its other columns are zero, its times the creation.
func stateRows(ts []analytics.TicketRow, prior map[int64]analytics.TicketRow) ([]analytics.TicketRow, []int8) {
	rows := make([]analytics.TicketRow, 0, 2*len(ts))
	signs := make([]int8, 0, 2*len(ts))
	for i := range ts {
		if p, ok := prior[ts[i].TicketID]; ok && p.Version < ts[i].Version {
			var c analytics.TicketRow
			c.TicketID, c.Version = p.TicketID, p.Version
			c.CreatedAt, c.LastAt, c.CoversFrom = p.CreatedAt, p.CreatedAt, p.CreatedAt
			rows, signs = append(rows, c), append(signs, -1)
		}
		rows, signs = append(rows, ts[i]), append(signs, 1)
	}
	return rows, signs
}

// resolutionDays are the rows of resolution_days for a batch's latest
// tickets: per UTC day of a resolution, the earliest creation.
func resolutionDays(ts []analytics.TicketRow) (days []time.Time, minCreated []time.Time) {
	m := map[time.Time]time.Time{}
	for i := range ts {
		r := ts[i].ResolvedAt
		if r == nil {
			continue
		}
		d := r.UTC().Truncate(24 * time.Hour)
		if c, ok := m[d]; !ok || ts[i].CreatedAt.Before(c) {
			m[d] = ts[i].CreatedAt
		}
	}
	for _, d := range slices.SortedFunc(maps.Keys(m), time.Time.Compare) {
		days, minCreated = append(days, d), append(minCreated, m[d])
	}
	return days, minCreated
}

package clickhouse

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
)

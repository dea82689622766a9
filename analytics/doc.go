// Package analytics holds the analytics store: one row per change event with
// the ticket as it was, tickets in their latest state, state intervals (how
// long each ticket spent in each status with each team and assignee) and SLA
// outcomes, on DuckDB (embedded default) or ClickHouse (scale-out), behind
// one interface. It sees tickets only through ticketcore/events.
//
// Layout: this package has the Store interface, the CheckResult of the
// shared checking queries, PermanentError, and the derivation of table rows
// from events (rows.go) with the column lists both backends write
// (columns.go). analytics/duckdb and analytics/clickhouse are the backends,
// each with embedded migrations and named queries; analytics/storetest is
// the conformance suite both pass.
//
// Tables (same logical columns on both backends):
//
//   - events: one row per applied event of a known type, keyed by
//     (ticket_id, ticket_version): the event's fields and the ticket snapshot
//     after it, plus the status before it.
//   - tickets: the latest state of each ticket, keyed by ticket_id, with the
//     first response and resolve durations and the Flow facts Derive carries
//     to the next batch. Its version is the watermark: events at or below it
//     are skipped, and it is written last. ClickHouse names it
//     tickets_by_creation (sorted by creation) since its migration 4, and
//     since migration 6 keeps it also as ticket_state, its watermark, read
//     without FINAL (a row per version and a cancel row per replaced one).
//   - intervals: for each event of a ticket, the time until the ticket's next
//     event, keyed by (ticket_id, version), with the status, team, assignee,
//     priority, category, channel, type and customer tier in force. The
//     latest one is open until the next event closes it; durations are
//     computed in Go, in milliseconds, never negative. Each carries the Flow
//     facts of its version (when it took effect and until when, handoff,
//     bounce, resolution, open episode, warning); ClickHouse also keeps the
//     closed ones longer than LongInterval in long_intervals.
//   - sla_outcomes: warnings and breaches from ticket.sla_warning and
//     ticket.sla_breached (metric, cycle, policy, target, deadline from the
//     event's sla object), and the "overall" met/breached outcome of each
//     resolution; keyed by (ticket_id, ticket_version, metric).
//
// Times are stored at second precision, truncated in Go, within 1970..2105
// (ClickHouse DateTime); an event with a time outside that range fails its
// whole batch with a PermanentError before anything is written.
//
// Apply is idempotent and safe after a crash at any point: it reads the
// batch's tickets from the tickets table (no cache, so another instance's
// work is seen), derives every row in Go, and writes rows whose identity
// makes a repeat harmless. DuckDB writes a batch in one transaction together
// with the tickets watermark, so an event row is written at most once (events
// and sla_outcomes need no key; intervals and tickets have primary keys and
// INSERT OR REPLACE). ClickHouse has no transactions: every table but
// ticket_state is a ReplacingMergeTree whose rows of one identity collapse,
// read with FINAL or counted by identity; ticket_state's block of a batch
// is one part, written whole or not at all, and only above the watermark.
package analytics

-- Queries of the ClickHouse analytics store. Every read of a table uses
-- FINAL so that rows not merged yet count once. Counts are cast to Int64
-- because clickhouse-go scans only into the exact Go type.

-- name: create-migrations
CREATE TABLE IF NOT EXISTS schema_migrations (
    version UInt32,
    name String,
    applied_at DateTime('UTC')
) ENGINE = ReplacingMergeTree()
ORDER BY version

-- name: applied-migrations
SELECT DISTINCT toInt64(version) FROM schema_migrations ORDER BY 1

-- name: record-migration
INSERT INTO schema_migrations (version, name, applied_at)

-- name: columns
-- (18.16 has no position column; rows come in definition order)
SELECT table, name FROM system.columns WHERE database = currentDatabase()

-- name: seen
SELECT toInt64(count()) FROM ticket_state WHERE ticket_id = ? AND version >= ? AND sign = 1

-- name: check-events
SELECT toInt64(count()), toInt64(uniqExact(ticket_id)), toInt64(sum(seq)) FROM events FINAL

-- name: check-events-by-type
SELECT type, toInt64(count()) FROM events FINAL GROUP BY type

-- name: check-tickets
-- The latest tickets as the queries read them (ticket_state); check-tail
-- reads tickets_by_creation, the hotspots' source, so both are checked.
SELECT toInt64(count()), toInt64(count(first_response_ms)), toInt64(sum(ifNull(first_response_ms, 0))),
       toInt64(count(resolve_ms)), toInt64(sum(ifNull(resolve_ms, 0)))
FROM ticket_state WHERE {{live}}

-- name: check-tickets-by-status
SELECT status, toInt64(count()) FROM ticket_state WHERE {{live}} GROUP BY status

-- name: check-intervals
SELECT toInt64(countIf(closed = 1)), toInt64(countIf(closed = 0)) FROM intervals FINAL

-- name: check-interval-ms-by-status
SELECT status, toInt64(sum(duration_ms)) FROM intervals FINAL WHERE closed = 1 GROUP BY status

-- name: check-interval-ms-by-team
SELECT team, toInt64(sum(duration_ms)) FROM intervals FINAL WHERE closed = 1 GROUP BY team ORDER BY team LIMIT 20

-- name: check-sla
SELECT metric, outcome, toInt64(count()) FROM sla_outcomes FINAL GROUP BY metric, outcome

-- name: check-days
SELECT toInt64(count()), toInt64(sum(d * c))
FROM (SELECT intDiv(toUInt32(at), 86400) AS d, count() AS c FROM events FINAL GROUP BY d)

-- name: check-tail
SELECT toInt64(countIf(customer_key != '')), toInt64(countIf(csat_score > 0)), toInt64(sum(csat_score)),
       toInt64(sum(length(link_targets))), toInt64(sum(length(cf_keys)))
FROM tickets_by_creation FINAL

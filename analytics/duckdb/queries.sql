-- Queries of the DuckDB analytics store. Sums are cast to BIGINT (DuckDB
-- sums BIGINT into HUGEINT) and default to 0, as on ClickHouse.

-- name: create-migrations
CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name VARCHAR NOT NULL,
    applied_at TIMESTAMP NOT NULL
)

-- name: applied-migrations
SELECT version FROM schema_migrations ORDER BY version

-- name: record-migration
INSERT OR IGNORE INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)

-- name: columns
SELECT table_name, column_name FROM information_schema.columns
WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position

-- name: prior
SELECT ticket_id, version, last_at, first_response_at, resolved_at,
       status, team, assignee, priority, category, channel, ticket_type, customer_tier,
       product, sla_breached,
       covers_from, open_since, warned, handoffs, bounces, team_before, last_open_version,
       handoff, bounce, prev_team, resolution
FROM tickets WHERE ticket_id IN (SELECT unnest(CAST(? AS BIGINT[])))

-- Inserts fed by the appender (its rows are the table appended_data, in
-- the table's column order).

-- name: insert-events
INSERT INTO events SELECT * FROM appended_data

-- name: insert-intervals
INSERT OR REPLACE INTO intervals SELECT * FROM appended_data

-- name: insert-sla_outcomes
INSERT INTO sla_outcomes SELECT * FROM appended_data

-- name: insert-tickets
INSERT OR REPLACE INTO tickets SELECT * FROM appended_data

-- name: seen
SELECT count(*) FROM tickets WHERE ticket_id = ? AND version >= ?

-- name: check-events
SELECT count(*), count(DISTINCT ticket_id), CAST(coalesce(sum(seq), 0) AS BIGINT) FROM events

-- name: check-events-by-type
SELECT type, count(*) FROM events GROUP BY type

-- name: check-tickets
SELECT count(*), count(first_response_ms), CAST(coalesce(sum(first_response_ms), 0) AS BIGINT),
       count(resolve_ms), CAST(coalesce(sum(resolve_ms), 0) AS BIGINT)
FROM tickets

-- name: check-tickets-by-status
SELECT status, count(*) FROM tickets GROUP BY status

-- name: check-intervals
SELECT count(*) FILTER (WHERE closed), count(*) FILTER (WHERE NOT closed) FROM intervals

-- name: check-interval-ms-by-status
SELECT status, CAST(sum(duration_ms) AS BIGINT) FROM intervals WHERE closed GROUP BY status

-- name: check-interval-ms-by-team
SELECT team, CAST(sum(duration_ms) AS BIGINT) FROM intervals WHERE closed GROUP BY team ORDER BY team LIMIT 20

-- name: check-sla
SELECT metric || '/' || outcome, count(*) FROM sla_outcomes GROUP BY metric, outcome

-- name: check-days
SELECT count(*), CAST(coalesce(sum(d * c), 0) AS BIGINT)
FROM (SELECT epoch_ms("at") // 86400000 AS d, count(*) AS c FROM events GROUP BY d)

-- name: check-tail
SELECT count(*) FILTER (WHERE customer_key <> ''), count(*) FILTER (WHERE csat_score > 0),
       CAST(coalesce(sum(csat_score), 0) AS BIGINT), CAST(coalesce(sum(len(link_targets)), 0) AS BIGINT),
       CAST(coalesce(sum(len(cf_keys)), 0) AS BIGINT)
FROM tickets

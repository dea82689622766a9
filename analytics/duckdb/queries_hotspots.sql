-- Hotspot queries of the DuckDB store (see analytics/hotspots.go for the
-- placeholders). Times are bound as unix seconds; created_at is a UTC
-- TIMESTAMP, turned into the zone of the query with the ICU timezone(). Buckets
-- are the same numbers as on ClickHouse: an hour bucket is the unix second
-- of its start (minus the local minutes and seconds, right across DST
-- changes), a day, week (ISO, Monday) or month bucket is its local first
-- day as days since 1970.

-- name: hotspots
-- parameters: the zone (once per parameter of the bucket), from, to, the filter values, the limit per bucket
SELECT {bucket} AS b, {keys}, count(*) AS n
FROM {source}
WHERE created_at >= make_timestamp(CAST(? AS BIGINT) * 1000000)
  AND created_at < make_timestamp(CAST(? AS BIGINT) * 1000000){filters}
GROUP BY b, {keyrefs}
QUALIFY row_number() OVER (PARTITION BY b ORDER BY n DESC, {keyrefs}) <= ?
ORDER BY b, n DESC, {keyrefs}

-- name: movers
-- parameters: from, from, from of the previous period, to, the filter values, the limit
SELECT {keys},
       count(*) FILTER (WHERE created_at >= make_timestamp(CAST(? AS BIGINT) * 1000000)) AS cur,
       count(*) FILTER (WHERE created_at < make_timestamp(CAST(? AS BIGINT) * 1000000)) AS prev
FROM {source}
WHERE created_at >= make_timestamp(CAST(? AS BIGINT) * 1000000)
  AND created_at < make_timestamp(CAST(? AS BIGINT) * 1000000){filters}
GROUP BY {keyrefs}
ORDER BY abs(cur - prev) DESC, {keyrefs}
LIMIT ?

-- name: backlog
-- The state in force at an instant is that of the latest version of the ticket
-- that started at or before it (its interval covers the instant).
-- parameters: at, the filter values
SELECT {key} AS k, count(*) AS n
FROM (
    SELECT ticket_id,
           arg_max(status, version) AS last_status, arg_max(team, version) AS last_team,
           arg_max(assignee, version) AS last_assignee, arg_max(priority, version) AS last_priority,
           arg_max(category, version) AS last_category, arg_max(channel, version) AS last_channel,
           arg_max(ticket_type, version) AS last_ticket_type, arg_max(customer_tier, version) AS last_customer_tier
    FROM intervals
    WHERE start_at <= make_timestamp(CAST(? AS BIGINT) * 1000000)
    GROUP BY ticket_id
)
WHERE last_status NOT IN ('resolved', 'closed'){filters}
GROUP BY k
HAVING n > 0 -- ClickHouse answers a group by a constant on no rows with a 0
ORDER BY n DESC, k

-- name: backlog-all
''

-- name: bucket-none
CAST(0 AS BIGINT)

-- name: bucket-hour
epoch_ms(created_at) // 1000 - CAST(minute(timezone(?, timezone('UTC', created_at))) AS BIGINT) * 60
  - CAST(second(timezone(?, timezone('UTC', created_at))) AS BIGINT)

-- name: bucket-day
CAST(CAST(timezone(?, timezone('UTC', created_at)) AS DATE) - DATE '1970-01-01' AS BIGINT)

-- name: bucket-week
CAST(CAST(date_trunc('week', CAST(timezone(?, timezone('UTC', created_at)) AS DATE)) AS DATE) - DATE '1970-01-01' AS BIGINT)

-- name: bucket-month
CAST(CAST(date_trunc('month', CAST(timezone(?, timezone('UTC', created_at)) AS DATE)) AS DATE) - DATE '1970-01-01' AS BIGINT)

-- name: source-tickets
tickets

-- name: source-tags
(SELECT *, unnest(tags) AS tag FROM tickets)

-- name: filter
list_contains(CAST(? AS VARCHAR[]), {col})

-- name: filter-tags
list_has_any(tags, CAST(? AS VARCHAR[]))

-- name: dim-cf
-- The value of a custom field as text, empty when the ticket lacks the field
-- (list_position gives NULL then). Parameter: the name of the field.
coalesce(cf_values[list_position(cf_keys, CAST(? AS VARCHAR))], '')

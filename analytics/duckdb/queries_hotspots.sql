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

-- name: backlog-all
''

-- name: bucket-none
CAST(0 AS BIGINT)

-- name: bucket-hour
epoch_ms(created_at) // 1000 - CAST(minute(timezone(?, to_timestamp(epoch_ms(created_at) // 1000))) AS BIGINT) * 60
  - CAST(second(timezone(?, to_timestamp(epoch_ms(created_at) // 1000))) AS BIGINT)

-- name: bucket-day
CAST(CAST(timezone(?, to_timestamp(epoch_ms(created_at) // 1000)) AS DATE) - DATE '1970-01-01' AS BIGINT)

-- name: bucket-week
CAST(CAST(date_trunc('week', CAST(timezone(?, to_timestamp(epoch_ms(created_at) // 1000)) AS DATE)) AS DATE) - DATE '1970-01-01' AS BIGINT)

-- name: bucket-month
CAST(CAST(date_trunc('month', CAST(timezone(?, to_timestamp(epoch_ms(created_at) // 1000)) AS DATE)) AS DATE) - DATE '1970-01-01' AS BIGINT)

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

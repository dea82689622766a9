-- Trend queries of the DuckDB store (see analytics/trends.go). Times are
-- bound as unix seconds. {{bucket:EXPR}} is replaced per request by the
-- fragment of the query's bucket with EXPR as its time: a bucket is its
-- local first day as days since 1970, as in queries_hotspots.sql.
-- {{filters}} tests the tickets' latest state (analytics.PerfFilterClause).
-- Percentiles are those of perf-period (queries_performance.sql): the
-- negated values at 1 - p / 100 give ClickHouse's quantileExact rank.

-- name: trend-created
-- params: tz, from, to, filters
SELECT {{bucket:created_at}} AS b, count(*)
FROM tickets
WHERE created_at >= make_timestamp(CAST(? AS BIGINT) * 1000000)
  AND created_at < make_timestamp(CAST(? AS BIGINT) * 1000000) AND {{filters}}
GROUP BY b

-- name: trend-resolved
-- The tickets whose latest resolution falls in the window, as perf-period
-- counts them, per bucket of that resolution.
-- params: tz, from, to, filters
SELECT b, count(*), count(*) FILTER (WHERE NOT sla_breached),
       coalesce(-quantile_disc(-first_response_ms, 0.5), 0), coalesce(-quantile_disc(-resolve_ms, 0.5), 0),
       count(*) FILTER (WHERE csat_score > 0),
       CAST(coalesce(sum(csat_score) FILTER (WHERE csat_score > 0), 0) AS BIGINT)
FROM (
    SELECT {{bucket:resolved_at}} AS b, first_response_ms, resolve_ms, sla_breached, csat_score
    FROM tickets
    WHERE resolved_at >= make_timestamp(CAST(? AS BIGINT) * 1000000)
      AND resolved_at < make_timestamp(CAST(? AS BIGINT) * 1000000) AND {{filters}}
)
GROUP BY b

-- name: trend-open
-- The open spans of the tickets' versions that hold a bucket's end (the
-- states of the backlog-sla template, a closed interval or the latest
-- version), counted by the step of each edge: side 0 of their first second
-- (covers_from - 1 s), side 1 of their end's (covers_to - 1 s; 2^40 past the
-- last end or without an end). Step k holds the seconds from k * step +
-- offset on (analytics.TrendEdge). A span that began before the first end
-- counts from the first bucket: its start is taken as the first end's last
-- second, one group for them all.
-- params: first, offset, step, last, offset, step, last, last, first, filters, first, offset, step, last, filters
WITH spans AS (
    SELECT (greatest(epoch_ms(covers_from) // 1000, CAST(? AS BIGINT)) - 1 - CAST(? AS BIGINT)) // CAST(? AS BIGINT) AS kf,
           CASE WHEN covers_to > make_timestamp(CAST(? AS BIGINT) * 1000000) THEN CAST(1099511627776 AS BIGINT)
                ELSE (epoch_ms(covers_to) // 1000 - 1 - CAST(? AS BIGINT)) // CAST(? AS BIGINT) END AS kt
    FROM intervals
    WHERE closed AND start_at <= make_timestamp(CAST(? AS BIGINT) * 1000000)
      AND covers_from <= make_timestamp(CAST(? AS BIGINT) * 1000000)
      AND covers_to > make_timestamp(CAST(? AS BIGINT) * 1000000)
      AND status NOT IN ('resolved', 'closed')
      AND ticket_id IN (SELECT ticket_id FROM tickets WHERE {{filters}})
    UNION ALL
    SELECT (greatest(epoch_ms(covers_from) // 1000, CAST(? AS BIGINT)) - 1 - CAST(? AS BIGINT)) // CAST(? AS BIGINT),
           CAST(1099511627776 AS BIGINT)
    FROM tickets
    WHERE covers_from <= make_timestamp(CAST(? AS BIGINT) * 1000000)
      AND status NOT IN ('resolved', 'closed') AND {{filters}}
)
SELECT 0, kf, count(*) FROM spans GROUP BY kf
UNION ALL
SELECT 1, kt, count(*) FROM spans GROUP BY kt

-- name: trend-bucket-day
CAST(CAST(timezone(?, to_timestamp(epoch_ms({t}) // 1000)) AS DATE) - DATE '1970-01-01' AS BIGINT)

-- name: trend-bucket-week
CAST(CAST(date_trunc('week', CAST(timezone(?, to_timestamp(epoch_ms({t}) // 1000)) AS DATE)) AS DATE) - DATE '1970-01-01' AS BIGINT)

-- name: trend-bucket-month
CAST(CAST(date_trunc('month', CAST(timezone(?, to_timestamp(epoch_ms({t}) // 1000)) AS DATE)) AS DATE) - DATE '1970-01-01' AS BIGINT)

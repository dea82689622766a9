-- Pain-point queries of the DuckDB store (see analytics/painpoints.go for
-- the rules and the placeholders). Times are bound as unix seconds; the
-- median takes the element of rank floor(n * 50 / 100) + 1 of the sorted
-- values, as analytics.Percentile does.

-- name: pain-segments
-- Tickets per segment value. Own parameters: from, to.
SELECT {segment} AS s, count(*) AS n
FROM tickets
WHERE created_at >= make_timestamp(CAST(? AS BIGINT) * 1000000)
  AND created_at < make_timestamp(CAST(? AS BIGINT) * 1000000){filters}
GROUP BY s

-- name: pain-overall
-- Tickets per value of the dimension. Own parameters: from, to.
SELECT {keys}, count(*) AS n
FROM {source}
WHERE created_at >= make_timestamp(CAST(? AS BIGINT) * 1000000)
  AND created_at < make_timestamp(CAST(? AS BIGINT) * 1000000){filters}
GROUP BY k0

-- name: pain-cells
-- Per segment value and value of the dimension: tickets, reopened, SLA
-- breached, resolved, their median time to resolve, rated, sum of ratings.
-- Own parameters: from, to.
SELECT {segment} AS s, {keys}, count(*),
       count(*) FILTER (WHERE reopen_count > 0),
       count(*) FILTER (WHERE sla_breached),
       count(resolve_ms),
       coalesce(list_sort(list(resolve_ms) FILTER (WHERE resolve_ms IS NOT NULL))[count(resolve_ms) * 50 // 100 + 1], 0),
       count(*) FILTER (WHERE csat_score > 0),
       CAST(coalesce(sum(csat_score) FILTER (WHERE csat_score > 0), 0) AS BIGINT)
FROM {source}
WHERE created_at >= make_timestamp(CAST(? AS BIGINT) * 1000000)
  AND created_at < make_timestamp(CAST(? AS BIGINT) * 1000000){filters}
GROUP BY s, k0

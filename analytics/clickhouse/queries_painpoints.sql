-- Pain-point queries of the ClickHouse store, for 18.16 and current (see
-- analytics/painpoints.go for the rules and the placeholders). Times are
-- bound as unix seconds.

-- name: pain-segments
-- Tickets per segment value. Own parameters: from, to.
SELECT {segment} AS s, toInt64(count()) AS n
FROM ticket_state
WHERE {{live}} AND created_at >= toDateTime(?) AND created_at < toDateTime(?){filters}
GROUP BY s

-- name: pain-overall
-- Tickets per value of the dimension. Own parameters: from, to.
SELECT {keys}, toInt64(count()) AS n
FROM {source}
WHERE created_at >= toDateTime(?) AND created_at < toDateTime(?){filters}
GROUP BY k0

-- name: pain-cells
-- Per segment value and value of the dimension: tickets, reopened, SLA
-- breached, resolved, their median time to resolve, rated, sum of ratings.
-- The median is the element of rank floor(n * 50 / 100) + 1 of the sorted
-- values, as analytics.Percentile takes it: quantileExact(0.5) is that
-- element (0-based rank floor(0.5 * n)), found by a partial sort instead of
-- gathering and sorting an array per cell; NULL, so 0, when none resolved.
-- Own parameters: from, to.
SELECT {segment} AS s, {keys}, toInt64(count()),
       toInt64(countIf(reopen_count > 0)),
       toInt64(countIf(sla_breached = 1)),
       toInt64(count(resolve_ms)),
       toInt64(ifNull(quantileExact(0.5)(resolve_ms), 0)),
       toInt64(countIf(csat_score > 0)),
       toInt64(sumIf(csat_score, csat_score > 0))
FROM {source}
WHERE created_at >= toDateTime(?) AND created_at < toDateTime(?){filters}
GROUP BY s, k0

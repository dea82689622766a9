-- Pain-point queries of the ClickHouse store, for 18.16 and current (see
-- analytics/painpoints.go for the rules and the placeholders). Times are
-- bound as unix seconds; the median takes the element of rank
-- floor(n * 50 / 100) + 1 of the sorted values, as analytics.Percentile
-- does (element 1 of an empty array is 0).

-- name: pain-segments
-- Tickets per segment value. Own parameters: from, to.
SELECT {segment} AS s, toInt64(count()) AS n
FROM tickets_by_creation FINAL
WHERE created_at >= toDateTime(?) AND created_at < toDateTime(?){filters}
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
-- Own parameters: from, to.
SELECT s, k0, n, reopened, breached, toInt64(length(rs)), toInt64(rs[intDiv(length(rs) * 50, 100) + 1]), rated, csat_sum
FROM (
    SELECT {segment} AS s, {keys}, toInt64(count()) AS n,
           toInt64(countIf(reopen_count > 0)) AS reopened,
           toInt64(countIf(sla_breached = 1)) AS breached,
           arraySort(groupArrayIf(assumeNotNull(resolve_ms), isNotNull(resolve_ms))) AS rs,
           toInt64(countIf(csat_score > 0)) AS rated,
           toInt64(sumIf(csat_score, csat_score > 0)) AS csat_sum
    FROM {source}
    WHERE created_at >= toDateTime(?) AND created_at < toDateTime(?){filters}
    GROUP BY s, k0
)

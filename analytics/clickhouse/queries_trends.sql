-- Trend queries of the ClickHouse store (see analytics/trends.go), for
-- 18.16 and current. Times are bound as unix seconds. {{bucket:EXPR}} is
-- replaced per request by the fragment of the query's bucket with EXPR as
-- its time: a bucket is its local first day as days since 1970, as in
-- queries_hotspots.sql. {{filters}} tests the tickets' latest state
-- (analytics.PerfFilterClause). Percentiles are those of perf-period
-- (queries_performance.sql): quantileExact's rank, 0 over no values.

-- name: trend-created
-- params: tz, from, to, filters
SELECT {{bucket:created_at}} AS b, toInt64(count())
FROM ticket_state
WHERE {{live}} AND created_at >= toDateTime(?) AND created_at < toDateTime(?) AND {{filters}}
GROUP BY b

-- name: trend-resolved
-- The tickets whose latest resolution falls in the window, as perf-period
-- counts them (bounding created_at by resolution_days likewise), per
-- bucket of that resolution.
-- params: tz, from, to, from, to, filters
SELECT b, n, met, toInt64(fr[1]), toInt64(rs[1]), rated, csat_sum
FROM (
    SELECT b, toInt64(count()) AS n, toInt64(countIf(sla_breached = 0)) AS met,
           quantilesExactIf(0.5)(assumeNotNull(first_response_ms), isNotNull(first_response_ms)) AS fr,
           quantilesExactIf(0.5)(assumeNotNull(resolve_ms), isNotNull(resolve_ms)) AS rs,
           toInt64(countIf(csat_score > 0)) AS rated, toInt64(sumIf(csat_score, csat_score > 0)) AS csat_sum
    FROM (
        SELECT {{bucket:assumeNotNull(resolved_at)}} AS b, first_response_ms, resolve_ms, sla_breached, csat_score
        FROM ticket_state
        WHERE {{live}} AND resolved_at >= toDateTime(?) AND resolved_at < toDateTime(?)
          AND created_at >= (SELECT min(min_created) FROM resolution_days
                             WHERE day >= toDate(toDateTime(?), 'UTC') AND day <= toDate(toDateTime(?), 'UTC'))
          AND {{filters}}
    )
    GROUP BY b
)

-- name: trend-open
-- The open spans of the tickets' versions that hold a bucket's end, counted
-- by the step of each edge: side 0 of their first second
-- (covers_from - 1 s), side 1 of their end's (covers_to - 1 s; 2^40 past
-- the last end or without an end); see analytics.TrendEdge. The spans are
-- the states of the backlog-sla template (queries_timetravel.sql), read the
-- same way.
-- A closed interval at most 7 days long that holds an end started in the 7
-- days before the first end or after it, the longer ones come from
-- long_intervals; rows read twice (both tables, a retried batch) are one
-- span for uniqExact.
-- Step k holds the seconds from k * step + offset on. A span that began
-- before the first end counts from the first bucket: its start is taken as
-- the first end's last second, one group for them all.
-- params: first, offset, step, last, offset, step, last, last, first, last, first, first, filters, first, offset, step, last, offset, step, last, first, filters, first, offset, step, last, filters
SELECT toInt64(side), k, toInt64(uniqExact(ticket_id, version))
FROM (
    SELECT ticket_id, version, intDiv(greatest(toInt64(toUnixTimestamp(covers_from)), toInt64(?)) - 1 - ?, ?) AS kf,
           if(assumeNotNull(covers_to) > toDateTime(?), toInt64(1099511627776),
              intDiv(toInt64(toUnixTimestamp(assumeNotNull(covers_to))) - 1 - ?, ?)) AS kt
    FROM intervals
    WHERE closed = 1 AND start_at <= toDateTime(?) AND covers_from <= toDateTime(?)
      AND start_at > toDateTime(?) - 604800
      AND toDate(start_at) <= toDate(toDateTime(?), 'UTC') AND toDate(start_at) >= toDate(toDateTime(?) - 604800, 'UTC')
      AND covers_to > toDateTime(?)
      AND status NOT IN ('resolved', 'closed')
      AND ticket_id IN (SELECT ticket_id FROM ticket_state WHERE {{live}} AND {{filters}})
    UNION ALL
    SELECT ticket_id, version, intDiv(greatest(toInt64(toUnixTimestamp(covers_from)), toInt64(?)) - 1 - ?, ?) AS kf,
           if(assumeNotNull(covers_to) > toDateTime(?), toInt64(1099511627776),
              intDiv(toInt64(toUnixTimestamp(assumeNotNull(covers_to))) - 1 - ?, ?)) AS kt
    FROM long_intervals
    WHERE closed = 1 AND covers_from <= toDateTime(?) AND covers_to > toDateTime(?)
      AND status NOT IN ('resolved', 'closed')
      AND ticket_id IN (SELECT ticket_id FROM ticket_state WHERE {{live}} AND {{filters}})
    UNION ALL
    SELECT ticket_id, version, intDiv(greatest(toInt64(toUnixTimestamp(covers_from)), toInt64(?)) - 1 - ?, ?) AS kf, toInt64(1099511627776) AS kt
    FROM ticket_state
    WHERE {{live}} AND covers_from <= toDateTime(?) AND status NOT IN ('resolved', 'closed') AND {{filters}}
)
ARRAY JOIN [0, 1] AS side, [kf, kt] AS k
GROUP BY side, k

-- name: trend-bucket-day
toInt64(toUInt16(toDate({t}, ?)))

-- name: trend-bucket-week
toInt64(toUInt16(toMonday(toDate({t}, ?))))

-- name: trend-bucket-month
toInt64(toUInt16(toStartOfMonth(toDate({t}, ?))))

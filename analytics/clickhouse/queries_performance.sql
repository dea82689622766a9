-- Performance and bottleneck queries of the ClickHouse store, for 18.16 and
-- current. {{filters}} is replaced at start-up by
-- analytics.PerfFilterClause, a constant condition on the tickets'
-- dimension columns whose values are bound parameters, and per request by
-- only the filters it sets (analytics.FilterClause). Percentiles pick the
-- element of rank floor(n * p / 100) + 1 of the sorted values
-- (quantileExact's rule; analytics.Percentile); over no values it gives 0.
-- Interval windows also bound the day of start_at, the first column of the
-- intervals' sorting key: ClickHouse 18.16 does not derive that bound from
-- start_at alone, and FINAL would merge every part of the table. Handoffs and bounces are
-- the per-version facts Derive keeps (analytics.Flow): no query walks a
-- ticket's intervals. An interval has an open and a closed row until the
-- parts merge; both carry the same facts, so the interval queries count
-- distinct (ticket, version) pairs instead of reading with FINAL.

-- name: perf-period
-- The tickets resolved in the period were created at or after the least
-- earliest creation of its days in resolution_days: bounding created_at,
-- the first column of the sorting key, FINAL merges only those rows.
-- params: by ('agent' | 'team'), from, to, from, to, filters
SELECT k, toInt64(count()), toInt64(countIf(isNotNull(first_response_ms))),
       quantilesExactIf(0.5, 0.9)(assumeNotNull(first_response_ms), isNotNull(first_response_ms)) AS fr,
       quantilesExactIf(0.5, 0.9)(assumeNotNull(resolve_ms), isNotNull(resolve_ms)) AS rs,
       toInt64(fr[1]), toInt64(fr[2]), toInt64(rs[1]), toInt64(rs[2]),
       toInt64(countIf(sla_breached = 0)), toInt64(countIf(reopen_count > 0)), toInt64(sum(handoffs)),
       toInt64(countIf(csat_score > 0)), toInt64(sumIf(csat_score, csat_score > 0))
FROM (
    SELECT if(? = 'team', team, assignee) AS k,
           first_response_ms, resolve_ms, sla_breached, reopen_count, csat_score, handoffs
    FROM ticket_state
    WHERE {{live}} AND resolved_at >= ? AND resolved_at < ?
      AND created_at >= (SELECT min(min_created) FROM resolution_days
                         WHERE day >= toDate(toDateTime(?), 'UTC') AND day <= toDate(toDateTime(?), 'UTC'))
      AND {{filters}}
)
WHERE k != ''
GROUP BY k

-- name: perf-backlog
-- params: by, filters
SELECT k, toInt64(count()) FROM (
    SELECT if(? = 'team', team, assignee) AS k
    FROM ticket_state WHERE {{live}} AND status NOT IN ('resolved', 'closed') AND {{filters}}
) WHERE k != '' GROUP BY k

-- name: bottleneck-status-times
-- The closed rows of the period's intervals; FINAL merges only the parts of
-- the period (the sorting key starts with the day of start_at).
-- params: from, to, from, to, filters
SELECT team, status, toInt64(sum(duration_ms)), toInt64(count()), toInt64(quantileExact(0.5)(duration_ms))
FROM intervals FINAL
WHERE closed = 1 AND start_at >= ? AND start_at < ?
  AND toDate(start_at) >= toDate(toDateTime(?), 'UTC') AND toDate(start_at) <= toDate(toDateTime(?), 'UTC')
  AND ticket_id IN (SELECT ticket_id FROM ticket_state WHERE {{live}} AND {{filters}})
GROUP BY team, status

-- name: bottleneck-handoffs
-- The handoffs of the period as analytics.HandoffAggregate rows: all of
-- them, by the product and the category at the handoff, the bounces by pair
-- of teams and all bounces; one scan, each handoff spread over its rows by
-- arrayJoin.
-- params: from, to, from, to, filters
SELECT dim, k1, k2, toInt64(uniqExact(ticket_id)), toInt64(uniqExact(ticket_id, version))
FROM (
    SELECT ticket_id, version, bounce,
           arrayJoin([('all', '', ''), ('product', product, ''), ('category', category, ''),
                      ('pair', if(team < prev_team, team, prev_team), if(team < prev_team, prev_team, team)), ('bounced', '', '')]) AS d,
           tupleElement(d, 1) AS dim, tupleElement(d, 2) AS k1, tupleElement(d, 3) AS k2
    FROM intervals
    WHERE handoff = 1 AND start_at >= ? AND start_at < ?
      AND toDate(start_at) >= toDate(toDateTime(?), 'UTC') AND toDate(start_at) <= toDate(toDateTime(?), 'UTC')
      AND ticket_id IN (SELECT ticket_id FROM ticket_state WHERE {{live}} AND {{filters}})
)
WHERE bounce = 1 OR dim IN ('all', 'product', 'category')
GROUP BY dim, k1, k2

-- name: bottleneck-top
-- The tickets with the most bounces in the period (ties by id), with their
-- handoffs there and their bounces in order, each as the returning team,
-- '\x1F', the team it returned from (analytics.ParseBounces).
-- params: from, to, from, to, filters, limit, from, to, from, to, from, to, from, to
SELECT ticket_id, product, category, toInt64(length(hs)),
       arrayStringConcat(arrayMap(x -> concat(tupleElement(x, 3), '\x1F', tupleElement(x, 4)),
           arrayFilter(x -> tupleElement(x, 2) = 1, hs)), '\x1E')
FROM (
    SELECT ticket_id, arraySort(groupUniqArray((version, bounce, team, prev_team))) AS hs
    FROM intervals
    WHERE handoff = 1 AND ticket_id IN (
        SELECT ticket_id FROM (
            SELECT ticket_id, uniqExact(version) AS n
            FROM intervals
            WHERE bounce = 1 AND start_at >= ? AND start_at < ?
              AND toDate(start_at) >= toDate(toDateTime(?), 'UTC') AND toDate(start_at) <= toDate(toDateTime(?), 'UTC')
              AND ticket_id IN (SELECT ticket_id FROM ticket_state WHERE {{live}} AND {{filters}})
            GROUP BY ticket_id
            ORDER BY n DESC, ticket_id
            LIMIT ?
        ))
      AND start_at >= ? AND start_at < ?
      AND toDate(start_at) >= toDate(toDateTime(?), 'UTC') AND toDate(start_at) <= toDate(toDateTime(?), 'UTC')
    GROUP BY ticket_id
) ANY INNER JOIN (
    SELECT ticket_id, product, category
    FROM tickets_by_creation
    PREWHERE ticket_id IN (SELECT ticket_id FROM intervals
                        WHERE bounce = 1 AND start_at >= ? AND start_at < ?
                          AND toDate(start_at) >= toDate(toDateTime(?), 'UTC')
                          AND toDate(start_at) <= toDate(toDateTime(?), 'UTC'))
    ORDER BY ticket_id, version DESC
    LIMIT 1 BY ticket_id
) USING ticket_id

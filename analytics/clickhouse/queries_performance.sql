-- Performance and bottleneck queries of the ClickHouse store, for 18.16 and
-- current (no window functions: team sequences are arrays of
-- (version, team) tuples sorted by version). {{filters}} is replaced at
-- start-up by analytics.PerfFilterClause: a constant condition on the
-- tickets' dimension columns whose values are bound parameters. Percentiles
-- pick the element of rank floor(n * p / 100) + 1 of the sorted values
-- (quantileExact's rule, in integer arithmetic; analytics.Percentile); an
-- index past the end of an empty array gives 0.

-- name: perf-period
-- params: by ('agent' | 'team'), from, to, filters, from, to, filters
SELECT k, toInt64(count()), toInt64(countIf(isNotNull(first_response_ms))),
       arraySort(groupArrayIf(assumeNotNull(first_response_ms), isNotNull(first_response_ms))) AS fr,
       arraySort(groupArrayIf(assumeNotNull(resolve_ms), isNotNull(resolve_ms))) AS rs,
       toInt64(fr[intDiv(length(fr) * 50, 100) + 1]), toInt64(fr[intDiv(length(fr) * 90, 100) + 1]),
       toInt64(rs[intDiv(length(rs) * 50, 100) + 1]), toInt64(rs[intDiv(length(rs) * 90, 100) + 1]),
       toInt64(countIf(sla_breached = 0)), toInt64(countIf(reopen_count > 0)), toInt64(sum(handoffs)),
       toInt64(countIf(csat_score > 0)), toInt64(sumIf(csat_score, csat_score > 0))
FROM (
    SELECT ticket_id, if(? = 'team', team, assignee) AS k,
           first_response_ms, resolve_ms, sla_breached, reopen_count, csat_score
    FROM tickets FINAL
    WHERE resolved_at >= ? AND resolved_at < ? AND {{filters}}
) ANY LEFT JOIN (
    SELECT ticket_id, toInt64(arraySum(arrayMap((t, i) -> i > 1 AND t != ts[i - 1], ts, arrayEnumerate(ts)))) AS handoffs
    FROM (
        SELECT ticket_id, arrayMap(x -> tupleElement(x, 2), arraySort(groupArray((version, team)))) AS ts
        FROM intervals FINAL
        WHERE ticket_id IN (SELECT ticket_id FROM tickets FINAL WHERE resolved_at >= ? AND resolved_at < ? AND {{filters}})
        GROUP BY ticket_id
    )
) USING ticket_id
WHERE k != ''
GROUP BY k

-- name: perf-backlog
-- params: by, filters
SELECT k, toInt64(count()) FROM (
    SELECT if(? = 'team', team, assignee) AS k
    FROM tickets FINAL WHERE status NOT IN ('resolved', 'closed') AND {{filters}}
) WHERE k != '' GROUP BY k

-- name: bottleneck-status-times
-- params: from, to, filters
SELECT team, status, toInt64(sum(duration_ms)), toInt64(count()),
       toInt64(arraySort(groupArray(duration_ms))[intDiv(count() * 50, 100) + 1])
FROM intervals FINAL
WHERE closed = 1 AND start_at >= ? AND start_at < ?
  AND ticket_id IN (SELECT ticket_id FROM tickets FINAL WHERE {{filters}})
GROUP BY team, status

-- name: bottleneck-tickets
-- Tickets with at least one team change among their intervals started in
-- the period: the sequence of teams by version is collapsed (consecutive
-- repeats dropped); each position whose team comes back two places later
-- is a bounce. params: from, to, filters, filters
SELECT ticket_id, product, category, toInt64(length(c) - 1),
       arrayStringConcat(arrayMap(i -> concat(c[i], '\x1F', c[i + 1]),
           arrayFilter(i -> i + 2 <= length(c) AND c[i + 2] = c[i], arrayEnumerate(c))), '\x1E')
FROM (
    SELECT ticket_id,
           arrayMap(x -> tupleElement(x, 2), arraySort(groupArray((version, team)))) AS ts,
           arrayFilter((t, i) -> i = 1 OR t != ts[i - 1], ts, arrayEnumerate(ts)) AS c
    FROM intervals FINAL
    WHERE start_at >= ? AND start_at < ?
      AND ticket_id IN (SELECT ticket_id FROM tickets FINAL WHERE {{filters}})
    GROUP BY ticket_id
    HAVING length(c) > 1
) ANY INNER JOIN (
    SELECT ticket_id, product, category FROM tickets FINAL WHERE {{filters}}
) USING ticket_id

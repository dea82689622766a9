-- Performance and bottleneck queries of the DuckDB store (see
-- analytics/performance.go and analytics/bottlenecks.go). {{filters}} is
-- replaced at start-up by analytics.PerfFilterClause: a constant condition
-- on the tickets' dimension columns whose values are bound parameters.
-- Percentiles pick the element of rank floor(n * p / 100) + 1 of the sorted
-- values, as ClickHouse's quantileExact does (analytics.Percentile).

-- name: perf-period
-- params: by ('agent' | 'team'), from, to, filters
WITH t AS (
    SELECT ticket_id, CASE WHEN ? = 'team' THEN team ELSE assignee END AS k,
           first_response_ms, resolve_ms, sla_breached, reopen_count, csat_score
    FROM tickets
    WHERE resolved_at >= ? AND resolved_at < ? AND {{filters}}
), h AS (
    SELECT ticket_id, count(*) FILTER (WHERE prev IS NOT NULL AND prev <> team) AS handoffs
    FROM (SELECT ticket_id, team, lag(team) OVER (PARTITION BY ticket_id ORDER BY version) AS prev
          FROM intervals WHERE ticket_id IN (SELECT ticket_id FROM t))
    GROUP BY ticket_id
), g AS (
    SELECT k, count(*) AS handled, count(first_response_ms) AS responded,
           list_sort(list(first_response_ms) FILTER (WHERE first_response_ms IS NOT NULL)) AS fr,
           list_sort(list(resolve_ms) FILTER (WHERE resolve_ms IS NOT NULL)) AS rs,
           count(*) FILTER (WHERE NOT sla_breached) AS met,
           count(*) FILTER (WHERE reopen_count > 0) AS reopened,
           CAST(coalesce(sum(h.handoffs), 0) AS BIGINT) AS handoffs,
           count(*) FILTER (WHERE csat_score > 0) AS rated,
           CAST(coalesce(sum(csat_score) FILTER (WHERE csat_score > 0), 0) AS BIGINT) AS csat_sum
    FROM t LEFT JOIN h USING (ticket_id)
    WHERE k <> ''
    GROUP BY k
)
SELECT k, handled, responded,
       coalesce(fr[len(fr) * 50 // 100 + 1], 0), coalesce(fr[len(fr) * 90 // 100 + 1], 0),
       coalesce(rs[len(rs) * 50 // 100 + 1], 0), coalesce(rs[len(rs) * 90 // 100 + 1], 0),
       met, reopened, handoffs, rated, csat_sum
FROM g

-- name: perf-backlog
-- params: by, filters
SELECT k, count(*) FROM (
    SELECT CASE WHEN ? = 'team' THEN team ELSE assignee END AS k
    FROM tickets WHERE status NOT IN ('resolved', 'closed') AND {{filters}}
) WHERE k <> '' GROUP BY k

-- name: bottleneck-status-times
-- params: from, to, filters
SELECT team, status, CAST(sum(duration_ms) AS BIGINT), count(*),
       list_sort(list(duration_ms))[count(*) * 50 // 100 + 1]
FROM intervals
WHERE closed AND start_at >= ? AND start_at < ?
  AND ticket_id IN (SELECT ticket_id FROM tickets WHERE {{filters}})
GROUP BY team, status

-- name: bottleneck-tickets
-- Tickets with at least one team change among their intervals started in
-- the period: the sequence of teams by version is collapsed (consecutive
-- repeats dropped); each position whose team comes back two places later
-- is a bounce. params: from, to, filters
WITH f AS (
    SELECT ticket_id, product, category FROM tickets WHERE {{filters}}
), iv AS (
    SELECT ticket_id, version, team, lag(team) OVER (PARTITION BY ticket_id ORDER BY version) AS prev
    FROM intervals
    WHERE start_at >= ? AND start_at < ? AND ticket_id IN (SELECT ticket_id FROM f)
), c AS (
    SELECT ticket_id, version, team,
           lead(team) OVER w AS t1, lead(team, 2) OVER w AS t2
    FROM iv WHERE prev IS NULL OR prev <> team
    WINDOW w AS (PARTITION BY ticket_id ORDER BY version)
)
SELECT c.ticket_id, any_value(f.product), any_value(f.category), count(*) - 1,
       coalesce(string_agg(team || chr(31) || t1, chr(30) ORDER BY version) FILTER (WHERE t2 = team), '')
FROM c JOIN f USING (ticket_id)
GROUP BY c.ticket_id
HAVING count(*) > 1

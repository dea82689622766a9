-- Performance and bottleneck queries of the DuckDB store (see
-- analytics/performance.go and analytics/bottlenecks.go). {{filters}} is
-- replaced at start-up by analytics.PerfFilterClause, a constant condition
-- on the tickets' dimension columns whose values are bound parameters, and
-- per request by only the filters it sets (analytics.FilterClause).
-- Percentiles pick the element of rank floor(n * p / 100) + 1 of the sorted
-- values, as ClickHouse's quantileExact does (analytics.Percentile):
-- quantile_disc(x, q) picks rank floor((n - 1) * q) + 1, so the negated
-- values at 1 - p / 100 give it (n - 1 - floor((n - 1) * (1 - p / 100)) =
-- floor(n * p / 100) for p 50 and 90) without sorting lists.
-- Handoffs and bounces are the per-version facts Derive keeps
-- (analytics.Flow): no query walks a ticket's intervals.

-- name: perf-period
-- params: by ('agent' | 'team'), from, to, filters
WITH t AS (
    SELECT CASE WHEN ? = 'team' THEN team ELSE assignee END AS k,
           first_response_ms, resolve_ms, sla_breached, reopen_count, csat_score, handoffs
    FROM tickets
    WHERE resolved_at >= ? AND resolved_at < ? AND {{filters}}
), g AS (
    SELECT k, count(*) AS handled, count(first_response_ms) AS responded,
           -quantile_disc(-first_response_ms, 0.5) AS fr50, -quantile_disc(-first_response_ms, 0.1) AS fr90,
           -quantile_disc(-resolve_ms, 0.5) AS rs50, -quantile_disc(-resolve_ms, 0.1) AS rs90,
           count(*) FILTER (WHERE NOT sla_breached) AS met,
           count(*) FILTER (WHERE reopen_count > 0) AS reopened,
           CAST(coalesce(sum(handoffs), 0) AS BIGINT) AS handoffs,
           count(*) FILTER (WHERE csat_score > 0) AS rated,
           CAST(coalesce(sum(csat_score) FILTER (WHERE csat_score > 0), 0) AS BIGINT) AS csat_sum
    FROM t
    WHERE k <> ''
    GROUP BY k
)
SELECT k, handled, responded, coalesce(fr50, 0), coalesce(fr90, 0), coalesce(rs50, 0), coalesce(rs90, 0),
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
       -quantile_disc(-duration_ms, 0.5)
FROM intervals
WHERE closed AND start_at >= ? AND start_at < ?
  AND ticket_id IN (SELECT ticket_id FROM tickets WHERE {{filters}})
GROUP BY team, status

-- name: bottleneck-handoffs
-- The handoffs of the period as analytics.HandoffAggregate rows: all of
-- them, by the product and the category at the handoff, the bounces by pair
-- of teams and all bounces.
-- params: from, to, filters
WITH h AS (
    SELECT ticket_id, team, prev_team, bounce, product, category
    FROM intervals
    WHERE handoff AND start_at >= ? AND start_at < ?
      AND ticket_id IN (SELECT ticket_id FROM tickets WHERE {{filters}})
)
SELECT 'all', '', '', count(DISTINCT ticket_id), count(*) FROM h
UNION ALL
SELECT 'product', product, '', count(DISTINCT ticket_id), count(*) FROM h GROUP BY product
UNION ALL
SELECT 'category', category, '', count(DISTINCT ticket_id), count(*) FROM h GROUP BY category
UNION ALL
SELECT 'pair', least(team, prev_team), greatest(team, prev_team), count(DISTINCT ticket_id), count(*)
FROM h WHERE bounce GROUP BY least(team, prev_team), greatest(team, prev_team)
UNION ALL
SELECT 'bounced', '', '', count(DISTINCT ticket_id), count(*) FROM h WHERE bounce

-- name: bottleneck-top
-- The tickets with the most bounces in the period (ties by id), with their
-- handoffs there and their bounces in order, each as the returning team,
-- chr(31), the team it returned from (analytics.ParseBounces).
-- params: from, to, filters, limit, from, to
WITH b AS (
    SELECT ticket_id, count(*) AS n
    FROM intervals
    WHERE bounce AND start_at >= ? AND start_at < ?
      AND ticket_id IN (SELECT ticket_id FROM tickets WHERE {{filters}})
    GROUP BY ticket_id
    ORDER BY n DESC, ticket_id
    LIMIT ?
)
SELECT i.ticket_id, any_value(t.product), any_value(t.category), count(*),
       coalesce(string_agg(i.team || chr(31) || i.prev_team, chr(30) ORDER BY i.version) FILTER (WHERE i.bounce), '')
FROM intervals i JOIN b USING (ticket_id) JOIN tickets t USING (ticket_id)
WHERE i.handoff AND i.start_at >= ? AND i.start_at < ?
GROUP BY i.ticket_id

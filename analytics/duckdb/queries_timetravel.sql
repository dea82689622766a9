-- Time-travel queries of the DuckDB store (see analytics/timetravel.go).
-- The state of a ticket at an instant is the version whose cover holds it
-- (analytics.Flow.CoversFrom): a closed interval with covers_from <= at <
-- covers_to, or the ticket's latest version when its covers_from <= at. The
-- covers of a ticket's versions never overlap, so each ticket is one row,
-- without grouping the intervals by ticket. Its SLA state then is breached
-- (sla_breached), at_risk (a warning since the last resolution: warned) or
-- on_track. Instants are unix seconds, rounded down; start_at <= covers_from
-- lets the scan skip row groups that start after the instant.

-- name: backlog-sla
-- The backlog template (queries_hotspots.sql) with the SLA state as the
-- column last_sla_state, filled by analytics.BacklogPlan like "backlog".
-- params: at, at, at, at, filters
SELECT {key} AS k, count(*) AS n
FROM (
    SELECT status AS last_status, team AS last_team, assignee AS last_assignee, priority AS last_priority,
           category AS last_category, channel AS last_channel, ticket_type AS last_ticket_type,
           customer_tier AS last_customer_tier,
           CASE WHEN sla_breached THEN 'breached' WHEN warned THEN 'at_risk' ELSE 'on_track' END AS last_sla_state
    FROM (
        SELECT status, team, assignee, priority, category, channel, ticket_type, customer_tier, sla_breached, warned
        FROM intervals
        WHERE closed AND start_at <= make_timestamp(CAST(? AS BIGINT) * 1000000)
          AND covers_from <= make_timestamp(CAST(? AS BIGINT) * 1000000)
          AND covers_to > make_timestamp(CAST(? AS BIGINT) * 1000000)
        UNION ALL
        SELECT status, team, assignee, priority, category, channel, ticket_type, customer_tier, sla_breached, warned
        FROM tickets
        WHERE covers_from <= make_timestamp(CAST(? AS BIGINT) * 1000000)
    )
    WHERE status NOT IN ('resolved', 'closed')
)
WHERE true{filters}
GROUP BY k
HAVING n > 0
ORDER BY n DESC, k

-- name: open-tickets
-- The tickets open at the instant, oldest open episode first (open_since:
-- the first version after the last done one, or the first).
-- params: at, at, at, at, open_filters, limit
SELECT ticket_id, s, tm, asg, pr, ca, pd, epoch_ms(opened) // 1000, sla_state
FROM (
    SELECT ticket_id, status AS s, team AS tm, assignee AS asg, priority AS pr, category AS ca, product AS pd,
           coalesce(open_since, covers_from) AS opened,
           CASE WHEN sla_breached THEN 'breached' WHEN warned THEN 'at_risk' ELSE 'on_track' END AS sla_state
    FROM (
        SELECT ticket_id, status, team, assignee, priority, category, product, open_since, covers_from,
               sla_breached, warned
        FROM intervals
        WHERE closed AND start_at <= make_timestamp(CAST(? AS BIGINT) * 1000000)
          AND covers_from <= make_timestamp(CAST(? AS BIGINT) * 1000000)
          AND covers_to > make_timestamp(CAST(? AS BIGINT) * 1000000)
        UNION ALL
        SELECT ticket_id, status, team, assignee, priority, category, product, open_since, covers_from,
               sla_breached, warned
        FROM tickets
        WHERE covers_from <= make_timestamp(CAST(? AS BIGINT) * 1000000)
    )
    WHERE status NOT IN ('resolved', 'closed')
)
WHERE (? = 1 OR {{in:s}}) AND (? = 1 OR {{in:tm}}) AND (? = 1 OR {{in:pr}}) AND (? = 1 OR {{in:sla_state}})
ORDER BY opened, ticket_id
LIMIT ?

-- name: source-at
-- The tickets as they stood at an instant, for hotspots with at
-- (analytics.RunHotspotsAt puts it in place of the hotspot template's
-- source): the ticket row when its latest change is in effect then, else
-- the event row of the change in effect (the closed interval covering the
-- instant), or of the latest change of a known type before it when that
-- change's type is unknown (it has no event row). {at}, {from} and {to} are
-- unix seconds the code writes in as whole numbers (never request text): a
-- piece of the hotspot template binds no parameters. created_at never
-- changes after a ticket's creation, so the rows of tickets created outside
-- [from, to) are dropped first.
-- params:
(SELECT ticket_id, product, category, channel, region, customer_tier, priority, team, assignee, status,
        ticket_type, tags, cf_keys, cf_values, created_at
 FROM tickets
 WHERE created_at >= make_timestamp(CAST({from} AS BIGINT) * 1000000)
   AND created_at < make_timestamp(CAST({to} AS BIGINT) * 1000000)
   AND covers_from <= make_timestamp(CAST({at} AS BIGINT) * 1000000)
 UNION ALL
 SELECT e.ticket_id,
        arg_max(e.product, e.ticket_version), arg_max(e.category, e.ticket_version),
        arg_max(e.channel, e.ticket_version), arg_max(e.region, e.ticket_version),
        arg_max(e.customer_tier, e.ticket_version), arg_max(e.priority, e.ticket_version),
        arg_max(e.team, e.ticket_version), arg_max(e.assignee, e.ticket_version),
        arg_max(e.status, e.ticket_version), arg_max(e.ticket_type, e.ticket_version),
        arg_max(e.tags, e.ticket_version), arg_max(e.cf_keys, e.ticket_version),
        arg_max(e.cf_values, e.ticket_version), arg_max(e.created_at, e.ticket_version)
 FROM events e JOIN (
     SELECT ticket_id, version
     FROM intervals
     WHERE closed AND start_at <= make_timestamp(CAST({at} AS BIGINT) * 1000000)
       AND covers_from <= make_timestamp(CAST({at} AS BIGINT) * 1000000)
       AND covers_to > make_timestamp(CAST({at} AS BIGINT) * 1000000)
 ) c ON c.ticket_id = e.ticket_id AND e.ticket_version <= c.version
 WHERE e.created_at >= make_timestamp(CAST({from} AS BIGINT) * 1000000)
   AND e.created_at < make_timestamp(CAST({to} AS BIGINT) * 1000000)
 GROUP BY e.ticket_id)

-- name: source-tags-at
-- source-at with one row per ticket and tag, as source-tags.
-- params:
(SELECT *, unnest(tags) AS tag FROM {source-at})

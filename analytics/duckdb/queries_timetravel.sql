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
-- The tickets as their latest event row at or before an instant stated
-- them, for hotspots with at (analytics.RunHotspotsAt puts it in place of
-- the hotspot template's source). {at}, {from} and {to} are unix seconds
-- the code writes in as whole numbers (never request text): a piece of the
-- hotspot template binds no parameters. created_at never changes after a
-- ticket's creation, so the rows of tickets created outside [from, to) are
-- dropped before the aggregation.
-- params:
(SELECT ticket_id,
        arg_max(product, ticket_version) AS product, arg_max(category, ticket_version) AS category,
        arg_max(channel, ticket_version) AS channel, arg_max(region, ticket_version) AS region,
        arg_max(customer_tier, ticket_version) AS customer_tier, arg_max(priority, ticket_version) AS priority,
        arg_max(team, ticket_version) AS team, arg_max(assignee, ticket_version) AS assignee,
        arg_max(status, ticket_version) AS status, arg_max(ticket_type, ticket_version) AS ticket_type,
        arg_max(tags, ticket_version) AS tags, arg_max(cf_keys, ticket_version) AS cf_keys,
        arg_max(cf_values, ticket_version) AS cf_values, arg_max(created_at, ticket_version) AS created_at
 FROM events
 WHERE "at" <= make_timestamp(CAST({at} AS BIGINT) * 1000000)
   AND created_at >= make_timestamp(CAST({from} AS BIGINT) * 1000000)
   AND created_at < make_timestamp(CAST({to} AS BIGINT) * 1000000)
 GROUP BY ticket_id)

-- name: source-tags-at
-- source-at with one row per ticket and tag, as source-tags.
-- params:
(SELECT *, unnest(tags) AS tag FROM {source-at})

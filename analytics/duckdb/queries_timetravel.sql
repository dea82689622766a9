-- Time-travel queries of the DuckDB store (see analytics/timetravel.go).
-- The state of a ticket at an instant is that of its highest version whose
-- interval started at or before it; its SLA state then is breached (that
-- state has sla_breached), at_risk (a warning at or before the instant
-- whose version is above that of the last resolution at or before it) or
-- on_track. Instants are unix seconds, rounded down.

-- name: backlog-sla
-- The backlog template (queries_hotspots.sql) with the SLA state as the
-- column last_sla_state, filled by analytics.BacklogPlan like "backlog".
-- params: at, at, filters
SELECT {key} AS k, count(*) AS n
FROM (
    SELECT last_status, last_team, last_assignee, last_priority, last_category, last_channel,
           last_ticket_type, last_customer_tier,
           CASE WHEN last_breached THEN 'breached'
                WHEN coalesce(w, 0) > coalesce(r, 0) THEN 'at_risk'
                ELSE 'on_track' END AS last_sla_state
    FROM (
        SELECT ticket_id,
               arg_max(status, version) AS last_status, arg_max(team, version) AS last_team,
               arg_max(assignee, version) AS last_assignee, arg_max(priority, version) AS last_priority,
               arg_max(category, version) AS last_category, arg_max(channel, version) AS last_channel,
               arg_max(ticket_type, version) AS last_ticket_type, arg_max(customer_tier, version) AS last_customer_tier,
               arg_max(sla_breached, version) AS last_breached
        FROM intervals
        WHERE start_at <= make_timestamp(CAST(? AS BIGINT) * 1000000)
        GROUP BY ticket_id
    ) LEFT JOIN (
        SELECT ticket_id,
               max(CASE WHEN outcome = 'warning' THEN ticket_version END) AS w,
               max(CASE WHEN metric = 'overall' THEN ticket_version END) AS r
        FROM sla_outcomes
        WHERE "at" <= make_timestamp(CAST(? AS BIGINT) * 1000000)
        GROUP BY ticket_id
    ) USING (ticket_id)
)
WHERE last_status NOT IN ('resolved', 'closed'){filters}
GROUP BY k
HAVING n > 0
ORDER BY n DESC, k

-- name: open-tickets
-- The tickets open at the instant, oldest open episode first: the episode
-- starts with the first interval after the last done one (or the first).
-- params: at, at, at, open_filters, limit
WITH st AS (
    SELECT ticket_id,
           arg_max(status, version) AS s, arg_max(team, version) AS tm, arg_max(assignee, version) AS asg,
           arg_max(priority, version) AS pr, arg_max(category, version) AS ca, arg_max(product, version) AS pd,
           arg_max(sla_breached, version) AS br,
           coalesce(max(CASE WHEN status IN ('resolved', 'closed') THEN version END), 0) AS d
    FROM intervals
    WHERE start_at <= make_timestamp(CAST(? AS BIGINT) * 1000000)
    GROUP BY ticket_id
), op AS (
    SELECT st.ticket_id, arg_min(i.start_at, i.version) AS opened
    FROM st JOIN intervals i ON i.ticket_id = st.ticket_id
    WHERE st.s NOT IN ('resolved', 'closed') AND i.version > st.d
      AND i.start_at <= make_timestamp(CAST(? AS BIGINT) * 1000000)
    GROUP BY st.ticket_id
), sla AS (
    SELECT ticket_id,
           max(CASE WHEN outcome = 'warning' THEN ticket_version END) AS w,
           max(CASE WHEN metric = 'overall' THEN ticket_version END) AS r
    FROM sla_outcomes
    WHERE "at" <= make_timestamp(CAST(? AS BIGINT) * 1000000)
    GROUP BY ticket_id
), o AS (
    SELECT st.ticket_id, s, tm, asg, pr, ca, pd, opened,
           CASE WHEN br THEN 'breached'
                WHEN coalesce(w, 0) > coalesce(r, 0) THEN 'at_risk'
                ELSE 'on_track' END AS sla_state
    FROM st JOIN op ON op.ticket_id = st.ticket_id LEFT JOIN sla ON sla.ticket_id = st.ticket_id
)
SELECT ticket_id, s, tm, asg, pr, ca, pd, epoch_ms(opened) // 1000, sla_state
FROM o
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

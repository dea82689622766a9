-- Time-travel queries of the ClickHouse store (see analytics/timetravel.go),
-- for 18.16 and current. The state of a ticket at an instant is the version
-- whose cover holds it (analytics.Flow.CoversFrom): a closed interval with
-- covers_from <= at < covers_to, or the ticket's latest version when its
-- covers_from <= at. The covers of a ticket's versions never overlap, so
-- each ticket is one row, without grouping the intervals by ticket. A
-- closed interval at most analytics.LongInterval (7 days, 604800 s) long
-- that covers the instant started in the 7 days before it: the interval
-- table is read over those days only (its sorting key starts with the day
-- of start_at, which ClickHouse 18.16 bounds only when the query names
-- it), the longer ones come from long_intervals. Interval rows are read
-- without FINAL (the open row of an interval never matches closed = 1; a
-- row read twice, from both tables or written twice by a retried batch,
-- is one ticket for uniqExact and LIMIT 1 BY); the latest-ticket rows need
-- FINAL. The SLA state is breached (sla_breached), at_risk (a warning since
-- the last resolution: warned) or on_track. Instants are unix seconds,
-- rounded down; an alias reuses one.

-- name: backlog-sla
-- The backlog template (queries_hotspots.sql) with the SLA state as the
-- column last_sla_state, filled by analytics.BacklogPlan like "backlog".
-- params: at, at, at, at, filters
SELECT {key} AS k, toInt64(uniqExact(ticket_id)) AS n
FROM (
    SELECT ticket_id, status AS last_status, team AS last_team, assignee AS last_assignee,
           priority AS last_priority, category AS last_category, channel AS last_channel,
           ticket_type AS last_ticket_type, customer_tier AS last_customer_tier,
           multiIf(sla_breached = 1, 'breached', warned = 1, 'at_risk', 'on_track') AS last_sla_state
    FROM (
        SELECT ticket_id, status, team, assignee, priority, category, channel, ticket_type, customer_tier,
               sla_breached, warned
        FROM intervals
        WHERE closed = 1 AND start_at <= (toDateTime(?) AS t1) AND start_at > t1 - 604800
          AND toDate(start_at) <= toDate(t1, 'UTC') AND toDate(start_at) >= toDate(t1 - 604800, 'UTC')
          AND covers_from <= t1 AND covers_to > toDateTime(?)
        UNION ALL
        SELECT ticket_id, status, team, assignee, priority, category, channel, ticket_type, customer_tier,
               sla_breached, warned
        FROM long_intervals
        WHERE closed = 1 AND covers_from <= (toDateTime(?) AS t2) AND covers_to > t2
        UNION ALL
        SELECT ticket_id, status, team, assignee, priority, category, channel, ticket_type, customer_tier,
               sla_breached, warned
        FROM ticket_state
        WHERE {{live}} AND covers_from <= toDateTime(?)
    )
    WHERE status NOT IN ('resolved', 'closed')
)
WHERE 1{filters}
GROUP BY k
HAVING n > 0
ORDER BY n DESC, k

-- name: open-tickets
-- The tickets open at the instant, oldest open episode first (open_since:
-- the first version after the last done one, or the first).
-- params: at, at, at, at, open_filters, limit
SELECT ticket_id, s, tm, asg, pr, ca, pd, toInt64(toUInt32(opened)), sla_state
FROM (
    SELECT ticket_id, status AS s, team AS tm, assignee AS asg, priority AS pr, category AS ca, product AS pd,
           ifNull(open_since, covers_from) AS opened,
           multiIf(sla_breached = 1, 'breached', warned = 1, 'at_risk', 'on_track') AS sla_state
    FROM (
        SELECT ticket_id, status, team, assignee, priority, category, product, open_since, covers_from,
               sla_breached, warned
        FROM intervals
        WHERE closed = 1 AND start_at <= (toDateTime(?) AS t1) AND start_at > t1 - 604800
          AND toDate(start_at) <= toDate(t1, 'UTC') AND toDate(start_at) >= toDate(t1 - 604800, 'UTC')
          AND covers_from <= t1 AND covers_to > toDateTime(?)
        UNION ALL
        SELECT ticket_id, status, team, assignee, priority, category, product, open_since, covers_from,
               sla_breached, warned
        FROM long_intervals
        WHERE closed = 1 AND covers_from <= (toDateTime(?) AS t2) AND covers_to > t2
        UNION ALL
        SELECT ticket_id, status, team, assignee, priority, category, product, open_since, covers_from,
               sla_breached, warned
        FROM ticket_state
        WHERE {{live}} AND covers_from <= toDateTime(?)
    )
    WHERE status NOT IN ('resolved', 'closed')
)
WHERE (? = 1 OR {{in:s}}) AND (? = 1 OR {{in:tm}}) AND (? = 1 OR {{in:pr}}) AND (? = 1 OR {{in:sla_state}})
ORDER BY opened, ticket_id
LIMIT 1 BY ticket_id
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
-- [from, to) are dropped first. The aggregates are named apart from the
-- columns: ClickHouse resolves a WHERE's names to the select list's
-- aliases first. An event row read twice (a retried batch) is the same row,
-- so the events need no FINAL under argMax.
-- params:
(SELECT ticket_id, product, category, channel, region, customer_tier, priority, team, assignee, status,
        ticket_type, tags, cf_keys, cf_values, created_at
 FROM ticket_state
 WHERE {{live}} AND created_at >= toDateTime({from}) AND created_at < toDateTime({to}) AND covers_from <= toDateTime({at})
 UNION ALL
 SELECT ticket_id, a_product AS product, a_category AS category, a_channel AS channel, a_region AS region,
        a_customer_tier AS customer_tier, a_priority AS priority, a_team AS team, a_assignee AS assignee,
        a_status AS status, a_ticket_type AS ticket_type, a_tags AS tags, a_cf_keys AS cf_keys,
        a_cf_values AS cf_values, a_created_at AS created_at
 FROM (
    SELECT ticket_id,
           argMax(product, ticket_version) AS a_product, argMax(category, ticket_version) AS a_category,
           argMax(channel, ticket_version) AS a_channel, argMax(region, ticket_version) AS a_region,
           argMax(customer_tier, ticket_version) AS a_customer_tier, argMax(priority, ticket_version) AS a_priority,
           argMax(team, ticket_version) AS a_team, argMax(assignee, ticket_version) AS a_assignee,
           argMax(status, ticket_version) AS a_status, argMax(ticket_type, ticket_version) AS a_ticket_type,
           argMax(tags, ticket_version) AS a_tags, argMax(cf_keys, ticket_version) AS a_cf_keys,
           argMax(cf_values, ticket_version) AS a_cf_values, argMax(created_at, ticket_version) AS a_created_at
    FROM (
        SELECT * FROM events
        WHERE created_at >= toDateTime({from}) AND created_at < toDateTime({to})
    ) ANY INNER JOIN (
        SELECT ticket_id, max(version) AS in_effect
        FROM (
            SELECT ticket_id, version
            FROM intervals
            WHERE closed = 1 AND start_at <= toDateTime({at}) AND start_at > toDateTime({at}) - 604800
              AND toDate(start_at) <= toDate(toDateTime({at}), 'UTC')
              AND toDate(start_at) >= toDate(toDateTime({at}) - 604800, 'UTC')
              AND covers_from <= toDateTime({at}) AND covers_to > toDateTime({at})
            UNION ALL
            SELECT ticket_id, version
            FROM long_intervals
            WHERE closed = 1 AND covers_from <= toDateTime({at}) AND covers_to > toDateTime({at})
        )
        GROUP BY ticket_id
    ) USING ticket_id
    WHERE ticket_version <= in_effect
    GROUP BY ticket_id
 ))

-- name: source-tags-at
-- source-at with one row per ticket and tag, as source-tags.
-- params:
(SELECT *, arrayJoin(tags) AS tag FROM {source-at})

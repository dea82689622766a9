-- Time-travel queries of the ClickHouse store (see analytics/timetravel.go),
-- for 18.16 and current. The state of a ticket at an instant is that of its
-- highest version whose interval started at or before it; its SLA state
-- then is breached (that state has sla_breached), at_risk (a warning at or
-- before the instant whose version is above that of the last resolution at
-- or before it; maxIf over no rows, and a missing right row of the join,
-- give 0) or on_track. Instants are unix seconds, rounded down.

-- name: backlog-sla
-- The backlog template (queries_hotspots.sql) with the SLA state as the
-- column last_sla_state, filled by analytics.BacklogPlan like "backlog".
-- params: at, at, filters
SELECT {key} AS k, toInt64(count()) AS n
FROM (
    SELECT last_status, last_team, last_assignee, last_priority, last_category, last_channel,
           last_ticket_type, last_customer_tier,
           multiIf(last_breached = 1, 'breached', w > r, 'at_risk', 'on_track') AS last_sla_state
    FROM (
        SELECT ticket_id,
               argMax(status, version) AS last_status, argMax(team, version) AS last_team,
               argMax(assignee, version) AS last_assignee, argMax(priority, version) AS last_priority,
               argMax(category, version) AS last_category, argMax(channel, version) AS last_channel,
               argMax(ticket_type, version) AS last_ticket_type, argMax(customer_tier, version) AS last_customer_tier,
               argMax(sla_breached, version) AS last_breached
        FROM intervals FINAL
        WHERE start_at <= toDateTime(?)
        GROUP BY ticket_id
    ) ANY LEFT JOIN (
        SELECT ticket_id, maxIf(ticket_version, outcome = 'warning') AS w, maxIf(ticket_version, metric = 'overall') AS r
        FROM sla_outcomes FINAL
        WHERE at <= toDateTime(?)
        GROUP BY ticket_id
    ) USING ticket_id
)
WHERE last_status NOT IN ('resolved', 'closed'){filters}
GROUP BY k
HAVING n > 0
ORDER BY n DESC, k

-- name: open-tickets
-- The tickets open at the instant, oldest open episode first: the episode
-- starts with the first interval after the last done one (or the first).
-- No lambda reads a column it is not given as an argument: 18.16 drops a
-- subquery's column used only inside a lambda.
-- params: at, at, open_filters, limit
SELECT ticket_id, s, tm, asg, pr, ca, pd, toInt64(opened), sla_state
FROM (
    SELECT ticket_id, s, tm, asg, pr, ca, pd, opened,
           multiIf(br = 1, 'breached', w > r, 'at_risk', 'on_track') AS sla_state
    FROM (
        SELECT ticket_id,
               argMax(status, version) AS s, argMax(team, version) AS tm, argMax(assignee, version) AS asg,
               argMax(priority, version) AS pr, argMax(category, version) AS ca, argMax(product, version) AS pd,
               argMax(sla_breached, version) AS br,
               arraySort(groupArray((version, toUInt32(start_at), toUInt8(status = 'resolved' OR status = 'closed')))) AS iv,
               arrayReduce('max', arrayMap((x, i) -> if(tupleElement(x, 3) = 1, i, 0), iv, arrayEnumerate(iv))) AS last_done,
               tupleElement(iv[last_done + 1], 2) AS opened
        FROM intervals FINAL
        WHERE start_at <= toDateTime(?)
        GROUP BY ticket_id
        HAVING s != 'resolved' AND s != 'closed'
    ) ANY LEFT JOIN (
        SELECT ticket_id, maxIf(ticket_version, outcome = 'warning') AS w, maxIf(ticket_version, metric = 'overall') AS r
        FROM sla_outcomes FINAL
        WHERE at <= toDateTime(?)
        GROUP BY ticket_id
    ) USING ticket_id
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
-- dropped before the aggregation; the events' sorting key starts with the
-- day of at, so the rows after the instant are not read. The aggregates
-- are named apart from the columns: ClickHouse resolves a WHERE's names to
-- the select list's aliases first.
-- params:
(SELECT ticket_id, a_product AS product, a_category AS category, a_channel AS channel, a_region AS region,
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
    FROM events FINAL
    WHERE at <= toDateTime({at}) AND created_at >= toDateTime({from}) AND created_at < toDateTime({to})
    GROUP BY ticket_id
 ))

-- name: source-tags-at
-- source-at with one row per ticket and tag, as source-tags.
-- params:
(SELECT *, arrayJoin(tags) AS tag FROM {source-at})

-- Root-cause queries of the DuckDB store (see analytics/rootcause.go). Each
-- names its parameters in a params line (analytics.BindNamed): from and to
-- are unix seconds (rounded up, so that created_at >= from matches the
-- request's instant exactly), filters the constant condition of
-- analytics.PerfFilterClause on the tickets' latest state, ids a list of
-- ticket ids. A ticket's links come back as one string: type, chr(31),
-- target, links separated by chr(30) (analytics.PairSep, BounceSep).

-- name: chain-seeds
-- The tickets of the window that have links, at most seed_limit.
-- params: from, to, filters, seed_limit
SELECT ticket_id, epoch_ms(created_at) // 1000,
       array_to_string(list_transform(range(1, len(link_types) + 1),
           lambda i: link_types[i] || chr(31) || CAST(link_targets[i] AS VARCHAR)), chr(30)),
       category, product, subject, reopen_count, CAST(1 AS BIGINT)
FROM tickets
WHERE created_at >= make_timestamp(CAST(? AS BIGINT) * 1000000)
  AND created_at < make_timestamp(CAST(? AS BIGINT) * 1000000)
  AND len(link_types) > 0 AND {{filters}}
ORDER BY ticket_id
LIMIT ?

-- name: chain-tickets
-- Tickets by id, each with whether it belongs to the window (created in
-- it and passing the filters).
-- params: from, to, filters, ids
SELECT ticket_id, epoch_ms(created_at) // 1000,
       array_to_string(list_transform(range(1, len(link_types) + 1),
           lambda i: link_types[i] || chr(31) || CAST(link_targets[i] AS VARCHAR)), chr(30)),
       category, product, subject, reopen_count,
       CAST(created_at >= make_timestamp(CAST(? AS BIGINT) * 1000000)
            AND created_at < make_timestamp(CAST(? AS BIGINT) * 1000000) AND {{filters}} AS BIGINT)
FROM tickets
WHERE ticket_id IN (SELECT unnest(CAST(? AS BIGINT[])))

-- name: chain-reopen-top
-- The most reopened tickets of the window.
-- params: from, to, filters, limit
SELECT ticket_id, epoch_ms(created_at) // 1000, '', category, product, subject, reopen_count, CAST(1 AS BIGINT)
FROM tickets
WHERE created_at >= make_timestamp(CAST(? AS BIGINT) * 1000000)
  AND created_at < make_timestamp(CAST(? AS BIGINT) * 1000000)
  AND reopen_count > 0 AND {{filters}}
ORDER BY reopen_count DESC, ticket_id
LIMIT ?

-- name: chain-reopen-groups
-- The reopened tickets of the window and their reopens, by category and product.
-- params: from, to, filters
SELECT category, product, count(*), CAST(sum(reopen_count) AS BIGINT)
FROM tickets
WHERE created_at >= make_timestamp(CAST(? AS BIGINT) * 1000000)
  AND created_at < make_timestamp(CAST(? AS BIGINT) * 1000000)
  AND reopen_count > 0 AND {{filters}}
GROUP BY category, product

-- name: rootcause-handoffs
-- Per product and category of the tickets (latest state), over the
-- intervals started in the period, counted as bottleneck-tickets counts:
-- the team sequence by version with consecutive repeats dropped; its
-- length minus one is the handoffs, each position whose team comes back two
-- places later a bounce.
-- params: from, to, filters
WITH iv AS (
    SELECT ticket_id, version, team, lag(team) OVER (PARTITION BY ticket_id ORDER BY version) AS prev
    FROM intervals
    WHERE start_at >= make_timestamp(CAST(? AS BIGINT) * 1000000)
      AND start_at < make_timestamp(CAST(? AS BIGINT) * 1000000)
      AND ticket_id IN (SELECT ticket_id FROM tickets WHERE {{filters}})
), c AS (
    SELECT ticket_id, team, lead(team, 2) OVER (PARTITION BY ticket_id ORDER BY version) AS t2
    FROM iv
    WHERE prev IS NULL OR prev <> team
), t AS (
    SELECT ticket_id, count(*) - 1 AS h, count(*) FILTER (WHERE t2 = team) AS b
    FROM c
    GROUP BY ticket_id
)
SELECT f.product, f.category, count(*), count(*) FILTER (WHERE h > 0), CAST(sum(h) AS BIGINT),
       count(*) FILTER (WHERE b > 0), CAST(sum(b) AS BIGINT)
FROM t JOIN tickets f USING (ticket_id)
GROUP BY f.product, f.category

-- name: rootcause-reopens
-- Resolutions started in the period (a done interval after one not done,
-- or first) and whether a later interval of the ticket is not done, per
-- ticket and value of team, category and product at the resolution, and
-- in one total (dim 'all'); a ticket counts once per value.
-- params: from, to, filters, from, to
WITH iv AS (
    SELECT ticket_id, version, status, start_at, team, category, product,
           lag(status) OVER (PARTITION BY ticket_id ORDER BY version) AS prev,
           max(CASE WHEN status NOT IN ('resolved', 'closed') THEN version END)
               OVER (PARTITION BY ticket_id) AS last_open
    FROM intervals
    WHERE ticket_id IN (SELECT ticket_id FROM intervals
                        WHERE start_at >= make_timestamp(CAST(? AS BIGINT) * 1000000)
                          AND start_at < make_timestamp(CAST(? AS BIGINT) * 1000000)
                          AND status IN ('resolved', 'closed'))
      AND ticket_id IN (SELECT ticket_id FROM tickets WHERE {{filters}})
), r AS (
    SELECT ticket_id, team, category, product, coalesce(last_open > version, false) AS reopened
    FROM iv
    WHERE status IN ('resolved', 'closed') AND (prev IS NULL OR prev NOT IN ('resolved', 'closed'))
      AND start_at >= make_timestamp(CAST(? AS BIGINT) * 1000000)
      AND start_at < make_timestamp(CAST(? AS BIGINT) * 1000000)
), d AS (
    SELECT ticket_id, 'all' AS dim, '' AS k, reopened FROM r
    UNION ALL SELECT ticket_id, 'team', team, reopened FROM r
    UNION ALL SELECT ticket_id, 'category', category, reopened FROM r
    UNION ALL SELECT ticket_id, 'product', product, reopened FROM r
)
SELECT dim, k, count(*), count(*) FILTER (WHERE reopened)
FROM (SELECT ticket_id, dim, k, bool_or(reopened) AS reopened FROM d GROUP BY ticket_id, dim, k)
GROUP BY dim, k

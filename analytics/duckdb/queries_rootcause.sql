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
-- Per product and per category the ticket had at each version (dim
-- 'product' or 'category'), over the versions started in the period: the
-- distinct tickets, those with a handoff and the handoffs, those with a
-- bounce and the bounces (analytics.Flow, as bottleneck-handoffs counts).
-- params: from, to, filters
WITH w AS (
    SELECT ticket_id, handoff, bounce, product, category
    FROM intervals
    WHERE start_at >= make_timestamp(CAST(? AS BIGINT) * 1000000)
      AND start_at < make_timestamp(CAST(? AS BIGINT) * 1000000)
      AND ticket_id IN (SELECT ticket_id FROM tickets WHERE {{filters}})
), d AS (
    SELECT ticket_id, handoff, bounce, 'product' AS dim, product AS k FROM w
    UNION ALL
    SELECT ticket_id, handoff, bounce, 'category', category FROM w
)
SELECT dim, k, count(*), count(*) FILTER (WHERE h > 0), CAST(sum(h) AS BIGINT),
       count(*) FILTER (WHERE b > 0), CAST(sum(b) AS BIGINT)
FROM (
    -- One row per ticket and key first: five distinct counts would each
    -- keep a hash table of their own.
    SELECT dim, k, ticket_id, count(*) FILTER (WHERE handoff) AS h, count(*) FILTER (WHERE bounce) AS b
    FROM d
    GROUP BY dim, k, ticket_id
)
GROUP BY dim, k

-- name: rootcause-reopens
-- Resolutions started in the period (analytics.Flow.Resolution: a done
-- version after one not done, or first) and whether the ticket was open
-- again later (its last open version is above the resolution's), per
-- ticket and value of team, category and product at the resolution, and
-- in one total (dim 'all'); a ticket counts once per value.
-- params: from, to, filters
WITH r AS (
    SELECT i.ticket_id, i.team, i.category, i.product, t.last_open_version > i.version AS reopened
    FROM (
        SELECT ticket_id, version, team, category, product
        FROM intervals
        WHERE resolution
          AND start_at >= make_timestamp(CAST(? AS BIGINT) * 1000000)
          AND start_at < make_timestamp(CAST(? AS BIGINT) * 1000000)
          AND ticket_id IN (SELECT ticket_id FROM tickets WHERE {{filters}})
    ) i JOIN tickets t ON t.ticket_id = i.ticket_id
), d AS (
    SELECT ticket_id, 'all' AS dim, '' AS k, reopened FROM r
    UNION ALL SELECT ticket_id, 'team', team, reopened FROM r
    UNION ALL SELECT ticket_id, 'category', category, reopened FROM r
    UNION ALL SELECT ticket_id, 'product', product, reopened FROM r
)
SELECT dim, k, count(*), count(*) FILTER (WHERE reopened)
FROM (SELECT ticket_id, dim, k, bool_or(reopened) AS reopened FROM d GROUP BY ticket_id, dim, k)
GROUP BY dim, k

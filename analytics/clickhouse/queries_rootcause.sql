-- Root-cause queries of the ClickHouse store (see analytics/rootcause.go),
-- for 18.16 and current: no window functions, so team and status sequences
-- are arrays of tuples sorted by version. Each query names its parameters
-- in a params line (analytics.BindNamed): from and to are unix seconds
-- (rounded up, so that created_at >= from matches the request's instant
-- exactly), filters the constant condition of analytics.PerfFilterClause
-- on the tickets' latest state, ids a list of ticket ids. A ticket's links
-- come back as one string: type, \x1F, target, links separated by \x1E
-- (analytics.PairSep, BounceSep).

-- name: chain-seeds
-- The tickets of the window that have links, at most seed_limit.
-- params: from, to, filters, seed_limit
SELECT ticket_id, toInt64(toUInt32(created_at)),
       arrayStringConcat(arrayMap((t, id) -> concat(t, '\x1F', toString(id)), link_types, link_targets), '\x1E'),
       category, product, subject, reopen_count, toInt64(1)
FROM ticket_state
WHERE {{live}} AND created_at >= toDateTime(?) AND created_at < toDateTime(?)
  AND length(link_types) > 0 AND {{filters}}
ORDER BY ticket_id
LIMIT ?

-- name: chain-tickets
-- Tickets by id (the list is cast: a bound list of small numbers is an
-- array of UInt8), each with whether it belongs to the window. The latest
-- row of each (highest version) without FINAL: tickets are sorted by
-- creation, so FINAL would merge the whole table for a few ids. The ids
-- are a PREWHERE, which 18.16 does not choose by itself for an IN: the
-- other columns are then read only for the rows that match (26 ms instead
-- of 81-107 for 5,000 ids at a million tickets).
-- params: from, to, filters, ids
SELECT ticket_id, toInt64(toUInt32(created_at)),
       arrayStringConcat(arrayMap((t, id) -> concat(t, '\x1F', toString(id)), link_types, link_targets), '\x1E'),
       category, product, subject, reopen_count,
       toInt64(created_at >= toDateTime(?) AND created_at < toDateTime(?) AND {{filters}})
FROM tickets_by_creation
PREWHERE ticket_id IN (SELECT toInt64(arrayJoin(?)))
ORDER BY ticket_id, version DESC
LIMIT 1 BY ticket_id

-- name: chain-reopen-top
-- The most reopened tickets of the window.
-- params: from, to, filters, limit
SELECT ticket_id, toInt64(toUInt32(created_at)), '', category, product, subject, reopen_count, toInt64(1)
FROM ticket_state
WHERE {{live}} AND created_at >= toDateTime(?) AND created_at < toDateTime(?)
  AND reopen_count > 0 AND {{filters}}
ORDER BY reopen_count DESC, ticket_id
LIMIT ?

-- name: chain-reopen-groups
-- The reopened tickets of the window and their reopens, by category and product.
-- params: from, to, filters
SELECT category, product, toInt64(count()), toInt64(sum(reopen_count))
FROM ticket_state
WHERE {{live}} AND created_at >= toDateTime(?) AND created_at < toDateTime(?)
  AND reopen_count > 0 AND {{filters}}
GROUP BY category, product

-- name: rootcause-handoffs
-- Per product and per category the ticket had at each version (dim
-- 'product' or 'category'), over the versions started in the period: the
-- distinct tickets, those with a handoff and the handoffs, those with a
-- bounce and the bounces (analytics.Flow, as bottleneck-handoffs counts;
-- distinct (ticket, version) pairs, so an interval's open and closed rows
-- count once).
-- params: from, to, from, to, filters
SELECT dim, k, toInt64(uniqExact(ticket_id)), toInt64(uniqExactIf(ticket_id, handoff = 1)),
       toInt64(uniqExactIf(ticket_id, version, handoff = 1)), toInt64(uniqExactIf(ticket_id, bounce = 1)),
       toInt64(uniqExactIf(ticket_id, version, bounce = 1))
FROM (
    SELECT ticket_id, version, handoff, bounce,
           arrayJoin([('product', product), ('category', category)]) AS dk,
           tupleElement(dk, 1) AS dim, tupleElement(dk, 2) AS k
    FROM intervals
    WHERE start_at >= toDateTime(?) AND start_at < toDateTime(?)
      AND toDate(start_at) >= toDate(toDateTime(?), 'UTC') AND toDate(start_at) <= toDate(toDateTime(?), 'UTC')
      AND ticket_id IN (SELECT ticket_id FROM ticket_state WHERE {{live}} AND {{filters}})
)
GROUP BY dim, k

-- name: rootcause-reopens
-- Resolutions started in the period (analytics.Flow.Resolution: a done
-- version after one not done, or first) and whether the ticket was open
-- again later (its last open version is above the resolution's), per
-- ticket and value of team, category and product at the resolution, and
-- in one total (dim 'all'); a ticket counts once per value. The days of
-- the period bound the sorting key's first column (toDate(start_at)).
-- params: from, to, from, to, filters, from, to, from, to
SELECT dim, key, toInt64(count()), toInt64(sum(reopened))
FROM (
    SELECT ticket_id, tupleElement(dk, 1) AS dim, tupleElement(dk, 2) AS key, max(reop) AS reopened
    FROM (
        SELECT ticket_id, arrayJoin([('all', ''), ('team', team), ('category', category), ('product', product)]) AS dk,
               toUInt8(lov > version) AS reop
        FROM (
            SELECT ticket_id, version, team, category, product
            FROM intervals
            WHERE resolution = 1 AND start_at >= toDateTime(?) AND start_at < toDateTime(?)
              AND toDate(start_at) >= toDate(toDateTime(?), 'UTC') AND toDate(start_at) <= toDate(toDateTime(?), 'UTC')
              AND ticket_id IN (SELECT ticket_id FROM ticket_state WHERE {{live}} AND {{filters}})
        ) ANY INNER JOIN (
            SELECT ticket_id, last_open_version AS lov
            FROM tickets_by_creation
            PREWHERE ticket_id IN (SELECT ticket_id FROM intervals
                                WHERE resolution = 1 AND start_at >= toDateTime(?) AND start_at < toDateTime(?)
                                  AND toDate(start_at) >= toDate(toDateTime(?), 'UTC')
                                  AND toDate(start_at) <= toDate(toDateTime(?), 'UTC'))
            ORDER BY ticket_id, version DESC
            LIMIT 1 BY ticket_id
        ) USING ticket_id
    )
    GROUP BY ticket_id, dim, key
)
GROUP BY dim, key

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
FROM tickets FINAL
WHERE created_at >= toDateTime(?) AND created_at < toDateTime(?)
  AND length(link_types) > 0 AND {{filters}}
ORDER BY ticket_id
LIMIT ?

-- name: chain-tickets
-- Tickets by id (the list is cast: a bound list of small numbers is an
-- array of UInt8), each with whether it belongs to the window.
-- params: from, to, filters, ids
SELECT ticket_id, toInt64(toUInt32(created_at)),
       arrayStringConcat(arrayMap((t, id) -> concat(t, '\x1F', toString(id)), link_types, link_targets), '\x1E'),
       category, product, subject, reopen_count,
       toInt64(created_at >= toDateTime(?) AND created_at < toDateTime(?) AND {{filters}})
FROM tickets FINAL
WHERE ticket_id IN (SELECT toInt64(arrayJoin(?)))

-- name: chain-reopen-top
-- The most reopened tickets of the window.
-- params: from, to, filters, limit
SELECT ticket_id, toInt64(toUInt32(created_at)), '', category, product, subject, reopen_count, toInt64(1)
FROM tickets FINAL
WHERE created_at >= toDateTime(?) AND created_at < toDateTime(?)
  AND reopen_count > 0 AND {{filters}}
ORDER BY reopen_count DESC, ticket_id
LIMIT ?

-- name: chain-reopen-groups
-- The reopened tickets of the window and their reopens, by category and product.
-- params: from, to, filters
SELECT category, product, toInt64(count()), toInt64(sum(reopen_count))
FROM tickets FINAL
WHERE created_at >= toDateTime(?) AND created_at < toDateTime(?)
  AND reopen_count > 0 AND {{filters}}
GROUP BY category, product

-- name: rootcause-handoffs
-- Per product and category of the tickets (latest state), over the
-- intervals started in the period, counted as bottleneck-tickets counts:
-- the team sequence by version with consecutive repeats dropped; its
-- length minus one is the handoffs, each position whose team comes back
-- two places later a bounce. Lambdas take every array they read as an
-- argument: 18.16 drops a subquery's column used only inside a lambda.
-- params: from, to, filters, filters
SELECT product, category, toInt64(count()), toInt64(countIf(h > 0)), toInt64(sum(h)),
       toInt64(countIf(b > 0)), toInt64(sum(b))
FROM (
    SELECT ticket_id, toInt64(length(c) - 1) AS h,
           toInt64(arrayCount((x, z) -> x = z, arraySlice(c, 1, greatest(length(c) - 2, 0)), arraySlice(c, 3))) AS b
    FROM (
        SELECT ticket_id,
               arrayMap(x -> tupleElement(x, 2), arraySort(groupArray((version, team)))) AS ts,
               arrayFilter((t, p, i) -> i = 1 OR t != p, ts, arrayPushFront(arrayPopBack(ts), ''), arrayEnumerate(ts)) AS c
        FROM intervals FINAL
        WHERE start_at >= toDateTime(?) AND start_at < toDateTime(?)
          AND ticket_id IN (SELECT ticket_id FROM tickets FINAL WHERE {{filters}})
        GROUP BY ticket_id
    )
) ANY INNER JOIN (
    SELECT ticket_id, product, category FROM tickets FINAL WHERE {{filters}}
) USING ticket_id
GROUP BY product, category

-- name: rootcause-reopens
-- Resolutions started in the period (a done interval after one not done,
-- or first) and whether a later interval of the ticket is not done, per
-- ticket and value of team, category and product at the resolution, and
-- in one total (dim 'all'); a ticket counts once per value.
-- Lambdas take every array they read as an argument: 18.16 drops a
-- subquery's column that is used only inside a lambda.
-- params: from, to, from, to, filters
SELECT dim, key, toInt64(count()), toInt64(sum(reopened))
FROM (
    SELECT ticket_id, tupleElement(dk, 1) AS dim, tupleElement(dk, 2) AS key, max(reop) AS reopened
    FROM (
        SELECT ticket_id, i,
               arrayJoin([('all', ''), ('team', tm[i]), ('category', ca[i]), ('product', pr[i])]) AS dk,
               toUInt8(arrayExists(s -> s != 'resolved' AND s != 'closed', arraySlice(ss, i + 1))) AS reop
        FROM (
            SELECT ticket_id, ss, tm, ca, pr,
                   arrayJoin(arrayFilter((j, x, p, t) -> (x = 'resolved' OR x = 'closed')
                                 AND p != 'resolved' AND p != 'closed' AND t >= ? AND t < ?,
                             arrayEnumerate(ss), ss, arrayPushFront(arrayPopBack(ss), ''), st)) AS i
            FROM (
                SELECT ticket_id,
                       arraySort(groupArray((version, status, toUInt32(start_at), team, category, product))) AS iv,
                       arrayMap(x -> tupleElement(x, 2), iv) AS ss,
                       arrayMap(x -> tupleElement(x, 3), iv) AS st,
                       arrayMap(x -> tupleElement(x, 4), iv) AS tm,
                       arrayMap(x -> tupleElement(x, 5), iv) AS ca,
                       arrayMap(x -> tupleElement(x, 6), iv) AS pr
                FROM intervals FINAL
                WHERE ticket_id IN (SELECT ticket_id FROM intervals FINAL
                                    WHERE start_at >= toDateTime(?) AND start_at < toDateTime(?)
                                      AND status IN ('resolved', 'closed'))
                  AND ticket_id IN (SELECT ticket_id FROM tickets FINAL WHERE {{filters}})
                GROUP BY ticket_id
            )
        )
    )
    GROUP BY ticket_id, dim, key
)
GROUP BY dim, key

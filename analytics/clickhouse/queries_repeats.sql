-- Repeat-ticket queries of the ClickHouse store, for 18.16 and current
-- (see analytics/repeats.go for the rules and the placeholders). Times are
-- bound as unix seconds. Without window functions, {flags} gathers per
-- customer and repeat key the (creation second, ticket id) pairs, sorts
-- them, and flags each one whose predecessor in that order, the latest
-- earlier ticket, lies within the window; ARRAY JOIN turns the flags back
-- into one row per ticket.

-- name: repeat-flags
-- Own parameters: the window in seconds, the earliest creation, to.
SELECT tupleElement(x, 1) AS ticket_id, tupleElement(x, 2) AS is_repeat
FROM (
    SELECT arraySort(groupArray((toInt64(toUInt32(created_at)), ticket_id))) AS s,
           arrayMap((e, i) -> (tupleElement(e, 2),
                               toUInt8(i > 1 AND tupleElement(e, 1) - tupleElement(s[i - 1], 1) <= ?)),
                    s, arrayEnumerate(s)) AS fl
    FROM tickets_by_creation FINAL
    WHERE customer_key != '' AND {key} != ''
      AND created_at >= toDateTime(?) AND created_at < toDateTime(?)
    GROUP BY customer_key, {key}
)
ARRAY JOIN fl AS x

-- name: repeat-totals
-- Own parameters: from, to.
SELECT toInt64(count()), toInt64(countIf(customer_key != '')), toInt64(countIf(is_repeat = 1))
FROM (
    SELECT ticket_id, customer_key FROM tickets_by_creation FINAL
    WHERE created_at >= toDateTime(?) AND created_at < toDateTime(?){filters}
) ANY LEFT JOIN ({flags}) USING ticket_id

-- name: repeat-rows
-- Own parameters: from, to, the limit.
SELECT k0, toInt64(count()) AS n, toInt64(countIf(customer_key != '')) AS known,
       toInt64(countIf(is_repeat = 1)) AS r
FROM (
    SELECT ticket_id, customer_key, {keys} FROM {source}
    WHERE created_at >= toDateTime(?) AND created_at < toDateTime(?){filters}
) ANY LEFT JOIN ({flags}) USING ticket_id
GROUP BY k0
ORDER BY r DESC, n DESC, k0
LIMIT ?

-- name: repeat-pairs
-- Own parameters: from, to, the limit.
SELECT customer_key, rk, toInt64(count()) AS n, toInt64(countIf(is_repeat = 1)) AS r
FROM (
    SELECT ticket_id, customer_key, {key} AS rk FROM tickets_by_creation FINAL
    WHERE created_at >= toDateTime(?) AND created_at < toDateTime(?){filters}
      AND customer_key != '' AND {key} != ''
) ANY LEFT JOIN ({flags}) USING ticket_id
GROUP BY customer_key, rk
HAVING r > 0
ORDER BY r DESC, n DESC, customer_key, rk
LIMIT ?

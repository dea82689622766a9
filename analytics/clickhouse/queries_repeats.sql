-- Repeat-ticket queries of the ClickHouse store, for 18.16 and current
-- (see analytics/repeats.go for the rules and the placeholders). Times are
-- bound as unix seconds.
--
-- Without window functions, each query gathers per customer and repeat key
-- the tickets of {flags} into an array, sorted by (creation second, ticket
-- id); a ticket repeats when the one before it in that order, the latest
-- earlier ticket, lies within the window. Totals and pairs read the tickets
-- once: joining flags to the counted tickets would merge the table's parts
-- (FINAL) twice and hash every ticket.
--
-- Sorting is most of the work, and plain numbers sort several times faster
-- than tuples: k packs the second (high 32 bits), the id and whether the
-- ticket is counted (lowest bit), exact for ids in [0, 2^31) (small). A
-- group with another id (big) unpacks its small ones and sorts
-- (second, id, counted) tuples instead; with none, big is empty and costs
-- nothing.
--
-- No lambda captures a column: 18.16 copies a captured array once per
-- element mapped over (quadratic in a customer's tickets: the 16 GiB of a
-- year's query), and it drops from a subquery a column only a lambda reads.
-- The window therefore comes in as an array of its own (arrayResize).

-- name: repeat-flags
-- The tickets a counted ticket may repeat: created in [the earliest
-- creation, to), with the window (w), the creation second (t), the repeat
-- key (rk), whether both keys are known (keyed) and whether the id packs
-- (small). Own parameters: the window in seconds, the earliest creation,
-- to.
SELECT *, toInt64(?) AS w, toInt64(toUInt32(created_at)) AS t, {key} AS rk,
       customer_key != '' AND rk != '' AS keyed, ticket_id >= 0 AND ticket_id < 2147483648 AS small
FROM ticket_state
WHERE {{live}} AND created_at >= toDateTime(?) AND created_at < toDateTime(?)

-- name: repeat-totals
-- Own parameters: from, to.
SELECT toInt64(sum(n)), toInt64(sum(known)), toInt64(sum(r))
FROM (
    SELECT n, known,
           arraySum((d, ww, j, x) -> j > 1 AND d <= ww AND x = 1,
                    arrayDifference(st), arrayResize(emptyArrayInt64(), length(st), win), arrayEnumerate(st), sc) AS r
    FROM (
        SELECT countIf(c = 1) AS n, countIf(c = 1 AND customer_key != '') AS known, any(w) AS win,
               arraySort(groupArrayIf(k, keyed AND small)) AS fk,
               groupArrayIf((t, ticket_id, c), keyed AND NOT small) AS big,
               arraySort(arrayConcat(arrayMap(x -> (toInt64(bitShiftRight(x, 32)), toInt64(bitShiftRight(bitAnd(x, 4294967295), 1)),
                                                    toUInt8(bitAnd(x, 1))), if(empty(big), emptyArrayUInt64(), fk)), big)) AS sk,
               if(empty(big), arrayMap(x -> toInt64(bitShiftRight(x, 32)), fk), arrayMap(e -> tupleElement(e, 1), sk)) AS st,
               if(empty(big), arrayMap(x -> toUInt8(bitAnd(x, 1)), fk), arrayMap(e -> tupleElement(e, 3), sk)) AS sc
        FROM (
            SELECT customer_key, rk, t, ticket_id, w, keyed, small,
                   toUInt8(created_at >= toDateTime(?) AND created_at < toDateTime(?){filters}) AS c,
                   bitOr(bitShiftLeft(toUInt64(t), 32), bitOr(bitShiftLeft(toUInt64(ticket_id), 1), c)) AS k
            FROM ({flags})
        )
        GROUP BY customer_key, rk
    )
)

-- name: repeat-rows
-- The counted tickets of each value of the dimension, each tested against
-- the set of the repeats: the dimension may be the tag, whose rows are not
-- tickets, so the flags are computed apart, over the tickets (the set holds
-- the repeats since the earliest creation; k needs no counted bit here, so
-- the id takes all 32 low bits). Own parameters: from, to, the limit.
SELECT k0, toInt64(count()) AS n, toInt64(countIf(customer_key != '')) AS known, toInt64(countIf(is_repeat)) AS r
FROM (
    SELECT {keys}, customer_key, ticket_id IN (
        SELECT id
        FROM (
            SELECT arrayFilter((i, d, ww, j) -> j > 1 AND d <= ww,
                               sid, arrayDifference(st), arrayResize(emptyArrayInt64(), length(st), win), arrayEnumerate(st)) AS rep
            FROM (
                SELECT any(w) AS win,
                       arraySort(groupArrayIf(k, small)) AS fk,
                       groupArrayIf((t, ticket_id), NOT small) AS big,
                       arraySort(arrayConcat(arrayMap(x -> (toInt64(bitShiftRight(x, 32)), toInt64(bitAnd(x, 4294967295))),
                                                      if(empty(big), emptyArrayUInt64(), fk)), big)) AS sk,
                       if(empty(big), arrayMap(x -> toInt64(bitShiftRight(x, 32)), fk), arrayMap(e -> tupleElement(e, 1), sk)) AS st,
                       if(empty(big), arrayMap(x -> toInt64(bitAnd(x, 4294967295)), fk), arrayMap(e -> tupleElement(e, 2), sk)) AS sid
                FROM (
                    SELECT customer_key, rk, t, ticket_id, w, small,
                           bitOr(bitShiftLeft(toUInt64(t), 32), toUInt64(ticket_id)) AS k
                    FROM ({flags})
                    WHERE keyed
                )
                GROUP BY customer_key, rk
            )
        )
        ARRAY JOIN rep AS id
    ) AS is_repeat
    FROM {source}
    WHERE created_at >= toDateTime(?) AND created_at < toDateTime(?){filters}
)
GROUP BY k0
ORDER BY r DESC, n DESC, k0
LIMIT ?

-- name: repeat-pairs
-- Own parameters: from, to, the limit.
SELECT customer_key, rk, toInt64(n), toInt64(r)
FROM (
    SELECT customer_key, rk, n,
           arraySum((d, ww, j, x) -> j > 1 AND d <= ww AND x = 1,
                    arrayDifference(st), arrayResize(emptyArrayInt64(), length(st), win), arrayEnumerate(st), sc) AS r
    FROM (
        SELECT customer_key, rk, countIf(c = 1) AS n, any(w) AS win,
               arraySort(groupArrayIf(k, small)) AS fk,
               groupArrayIf((t, ticket_id, c), NOT small) AS big,
               arraySort(arrayConcat(arrayMap(x -> (toInt64(bitShiftRight(x, 32)), toInt64(bitShiftRight(bitAnd(x, 4294967295), 1)),
                                                    toUInt8(bitAnd(x, 1))), if(empty(big), emptyArrayUInt64(), fk)), big)) AS sk,
               if(empty(big), arrayMap(x -> toInt64(bitShiftRight(x, 32)), fk), arrayMap(e -> tupleElement(e, 1), sk)) AS st,
               if(empty(big), arrayMap(x -> toUInt8(bitAnd(x, 1)), fk), arrayMap(e -> tupleElement(e, 3), sk)) AS sc
        FROM (
            SELECT customer_key, rk, t, ticket_id, w, small,
                   toUInt8(created_at >= toDateTime(?) AND created_at < toDateTime(?){filters}) AS c,
                   bitOr(bitShiftLeft(toUInt64(t), 32), bitOr(bitShiftLeft(toUInt64(ticket_id), 1), c)) AS k
            FROM ({flags})
            WHERE keyed
        )
        GROUP BY customer_key, rk
    )
)
WHERE r > 0
ORDER BY r DESC, n DESC, customer_key, rk
LIMIT ?

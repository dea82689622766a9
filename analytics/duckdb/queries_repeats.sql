-- Repeat-ticket queries of the DuckDB store (see analytics/repeats.go for
-- the rules and the placeholders). Times are bound as unix seconds.
-- {flags} is the tickets created in the range a counted ticket may repeat,
-- each flagged by a window function: the ticket before it of the same
-- customer and key (by creation, then id) is the latest earlier one, so it
-- alone decides. Each query counts its tickets from those rows: joining the
-- flags to the tickets again would read and hash every ticket twice.

-- name: repeat-flags
-- Only tickets with both keys go through the window: the others repeat
-- nothing and are never repeated, so they come unflagged from every date
-- (the queries bound the counted ones). Own parameters: the window in
-- seconds, the earliest creation, to.
SELECT *,
       coalesce(epoch_ms(created_at)
                - lag(epoch_ms(created_at)) OVER (PARTITION BY customer_key, {key} ORDER BY created_at, ticket_id)
                <= CAST(? AS BIGINT) * 1000, false) AS is_repeat
FROM tickets
WHERE customer_key <> '' AND {key} <> ''
  AND created_at >= make_timestamp(CAST(? AS BIGINT) * 1000000)
  AND created_at < make_timestamp(CAST(? AS BIGINT) * 1000000)
UNION ALL
SELECT *, false AS is_repeat
FROM tickets
WHERE customer_key = '' OR {key} = ''

-- name: repeat-totals
-- Own parameters: from, to.
SELECT count(*), count(*) FILTER (WHERE customer_key <> ''), count(*) FILTER (WHERE is_repeat)
FROM ({flags})
WHERE created_at >= make_timestamp(CAST(? AS BIGINT) * 1000000)
  AND created_at < make_timestamp(CAST(? AS BIGINT) * 1000000){filters}

-- name: repeat-rows
-- The CTE stands in for the tickets table, flagged, so that {source} (the
-- tickets or their tags) reads the flags with no join; inside it, tickets
-- is still the table. Own parameters: from, to, the limit.
WITH tickets AS ({flags})
SELECT {keys}, count(*) AS n, count(*) FILTER (WHERE customer_key <> '') AS known,
       count(*) FILTER (WHERE is_repeat) AS r
FROM {source} t
WHERE created_at >= make_timestamp(CAST(? AS BIGINT) * 1000000)
  AND created_at < make_timestamp(CAST(? AS BIGINT) * 1000000){filters}
GROUP BY k0
ORDER BY r DESC, n DESC, k0
LIMIT ?

-- name: repeat-pairs
-- Own parameters: from, to, the limit.
SELECT customer_key, {key} AS rk, count(*) AS n, count(*) FILTER (WHERE is_repeat) AS r
FROM ({flags})
WHERE created_at >= make_timestamp(CAST(? AS BIGINT) * 1000000)
  AND created_at < make_timestamp(CAST(? AS BIGINT) * 1000000){filters}
  AND customer_key <> '' AND {key} <> ''
GROUP BY customer_key, rk
HAVING count(*) FILTER (WHERE is_repeat) > 0
ORDER BY r DESC, n DESC, customer_key, rk
LIMIT ?

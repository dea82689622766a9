-- Repeat-ticket queries of the DuckDB store (see analytics/repeats.go for
-- the rules and the placeholders). Times are bound as unix seconds.
-- {flags} flags every ticket with a customer and a repeat key created in
-- the range a counted ticket may repeat: with a window function, the ticket
-- before it of the same customer and key (by creation, then id) is the
-- latest earlier one, so it alone decides.

-- name: repeat-flags
-- Own parameters: the window in seconds, the earliest creation, to.
SELECT ticket_id,
       coalesce(epoch_ms(created_at)
                - lag(epoch_ms(created_at)) OVER (PARTITION BY customer_key, rk ORDER BY created_at, ticket_id)
                <= CAST(? AS BIGINT) * 1000, false) AS is_repeat
FROM (
    SELECT ticket_id, created_at, customer_key, {key} AS rk
    FROM tickets
    WHERE customer_key <> '' AND {key} <> ''
      AND created_at >= make_timestamp(CAST(? AS BIGINT) * 1000000)
      AND created_at < make_timestamp(CAST(? AS BIGINT) * 1000000)
)

-- name: repeat-totals
-- Own parameters: from, to.
SELECT count(*), count(*) FILTER (WHERE customer_key <> ''), count(*) FILTER (WHERE f.is_repeat)
FROM tickets LEFT JOIN ({flags}) f USING (ticket_id)
WHERE created_at >= make_timestamp(CAST(? AS BIGINT) * 1000000)
  AND created_at < make_timestamp(CAST(? AS BIGINT) * 1000000){filters}

-- name: repeat-rows
-- Own parameters: from, to, the limit.
SELECT {keys}, count(*) AS n, count(*) FILTER (WHERE customer_key <> '') AS known,
       count(*) FILTER (WHERE f.is_repeat) AS r
FROM {source} t LEFT JOIN ({flags}) f USING (ticket_id)
WHERE created_at >= make_timestamp(CAST(? AS BIGINT) * 1000000)
  AND created_at < make_timestamp(CAST(? AS BIGINT) * 1000000){filters}
GROUP BY k0
ORDER BY r DESC, n DESC, k0
LIMIT ?

-- name: repeat-pairs
-- Own parameters: from, to, the limit.
SELECT customer_key, {key} AS rk, count(*) AS n, count(*) FILTER (WHERE f.is_repeat) AS r
FROM tickets LEFT JOIN ({flags}) f USING (ticket_id)
WHERE created_at >= make_timestamp(CAST(? AS BIGINT) * 1000000)
  AND created_at < make_timestamp(CAST(? AS BIGINT) * 1000000){filters}
  AND customer_key <> '' AND {key} <> ''
GROUP BY customer_key, rk
HAVING count(*) FILTER (WHERE f.is_repeat) > 0
ORDER BY r DESC, n DESC, customer_key, rk
LIMIT ?

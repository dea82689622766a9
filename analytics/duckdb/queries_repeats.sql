-- Repeat-ticket queries of the DuckDB store (see analytics/repeats.go for
-- the rules and the placeholders). Times are bound as unix seconds.
-- {flags} is the tickets created in the range a counted ticket may repeat,
-- each flagged by a window function: the ticket before it of the same
-- customer and key (by creation, then id) is the latest earlier one, so it
-- alone decides. repeat-all counts the tickets from those rows: joining the
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

-- name: repeat-all
-- Totals, rows and pairs in one statement (analytics.RunRepeats prefers
-- it): the flags are most of the work, so they are computed once and kept
-- (MATERIALIZED) for the three parts. Rows come back as (kind: 0 totals,
-- 1 row of the breakdown, 2 pair; key; second key; tickets; with a
-- customer; repeats). {keys} is '' AS k0 without a breakdown; {filters}
-- test the tickets, {row_filters} the rows of {source} (tags exploded for
-- the tag breakdown). Own parameters: from, to; from, to, the limit; from,
-- to, the limit.
WITH tickets AS MATERIALIZED ({flags}),
tot AS (
    SELECT count(*) AS n, count(*) FILTER (WHERE customer_key <> '') AS known, count(*) FILTER (WHERE is_repeat) AS r
    FROM tickets
    WHERE created_at >= make_timestamp(CAST(? AS BIGINT) * 1000000)
      AND created_at < make_timestamp(CAST(? AS BIGINT) * 1000000){filters}
), rws AS (
    SELECT {keys}, count(*) AS n, count(*) FILTER (WHERE customer_key <> '') AS known,
           count(*) FILTER (WHERE is_repeat) AS r
    FROM {source} t
    WHERE created_at >= make_timestamp(CAST(? AS BIGINT) * 1000000)
      AND created_at < make_timestamp(CAST(? AS BIGINT) * 1000000){row_filters}
    GROUP BY k0
    ORDER BY r DESC, n DESC, k0
    LIMIT ?
), prs AS (
    SELECT customer_key, {key} AS rk, count(*) AS n, count(*) FILTER (WHERE is_repeat) AS r
    FROM tickets
    WHERE created_at >= make_timestamp(CAST(? AS BIGINT) * 1000000)
      AND created_at < make_timestamp(CAST(? AS BIGINT) * 1000000){filters}
      AND customer_key <> '' AND {key} <> ''
    GROUP BY customer_key, rk
    HAVING count(*) FILTER (WHERE is_repeat) > 0
    ORDER BY r DESC, n DESC, customer_key, rk
    LIMIT ?
)
SELECT CAST(0 AS BIGINT), '', '', n, known, r FROM tot
UNION ALL
SELECT 1, CAST(k0 AS VARCHAR), '', n, known, r FROM rws
UNION ALL
SELECT 2, customer_key, rk, n, 0, r FROM prs

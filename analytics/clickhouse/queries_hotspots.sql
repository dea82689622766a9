-- Hotspot queries of the ClickHouse store (see analytics/hotspots.go for
-- the placeholders). Times are bound as unix seconds. Buckets are computed
-- in the zone of the query: an hour bucket is the unix second of its start
-- (minus the local minutes and seconds, right across DST changes), a day,
-- week (Monday) or month bucket is its local first day as days since 1970.

-- name: hotspots
-- parameters: the zone (once per parameter of the bucket), from, to, the filter values, the limit per bucket
SELECT {bucket} AS b, {keys}, toInt64(count()) AS n
FROM {source}
WHERE created_at >= toDateTime(?) AND created_at < toDateTime(?){filters}
GROUP BY b, {keyrefs}
ORDER BY b, n DESC, {keyrefs}
LIMIT ? BY b

-- name: movers
-- parameters: from, from, from of the previous period, to, the filter values, the limit
SELECT {keys}, toInt64(countIf(created_at >= toDateTime(?))) AS cur,
       toInt64(countIf(created_at < toDateTime(?))) AS prev
FROM {source}
WHERE created_at >= toDateTime(?) AND created_at < toDateTime(?){filters}
GROUP BY {keyrefs}
ORDER BY abs(cur - prev) DESC, {keyrefs}
LIMIT ?

-- name: backlog-all
''

-- name: bucket-none
toInt64(0)

-- name: bucket-hour
toInt64(toUInt32(created_at)) - toInt64(toMinute(created_at, ?)) * 60 - toInt64(toSecond(created_at, ?))

-- name: bucket-day
toInt64(toUInt16(toDate(created_at, ?)))

-- name: bucket-week
toInt64(toUInt16(toMonday(toDate(created_at, ?))))

-- name: bucket-month
toInt64(toUInt16(toStartOfMonth(toDate(created_at, ?))))

-- name: source-tickets
-- The latest tickets are the rows of ticket_state that meet source-live,
-- which the queries test in their WHERE beside created_at, so that the
-- table's sorting key bounds what is read (see migration 6).
ticket_state

-- name: source-tags
(SELECT *, arrayJoin(tags) AS tag FROM ticket_state)

-- name: source-live
{{live}}

-- name: filter
has(?, {col})

-- name: filter-tags
hasAny(tags, ?)

-- name: dim-cf
-- The value of a custom field as text: indexOf gives 0 when the ticket lacks
-- the field, and element 0 of an array is the default of its type, the empty
-- string. Parameter: the name of the field.
cf_values[indexOf(cf_keys, ?)]

-- The earliest creation of the tickets resolved on each day (UTC). The
-- tickets resolved in a period were created at or after the least of its
-- days' values, so performance bounds created_at with it and reads, and
-- merges, only that part of tickets_by_creation instead of all of it. Apply
-- adds a row per day for its batch's resolved tickets; rows written again
-- change no minimum. A day without rows bounds nothing (min of nothing is
-- 1970).
CREATE TABLE IF NOT EXISTS resolution_days (
    day Date,
    min_created DateTime('UTC')
) ENGINE = MergeTree()
ORDER BY day;
INSERT INTO resolution_days
SELECT toDate(assumeNotNull(resolved_at)), min(created_at)
FROM tickets_by_creation FINAL
WHERE resolved_at IS NOT NULL
GROUP BY toDate(assumeNotNull(resolved_at));

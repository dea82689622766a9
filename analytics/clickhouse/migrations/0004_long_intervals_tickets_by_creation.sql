-- Two layouts that let queries read less, for ClickHouse 18.16 whose FINAL
-- merges every part it selects in one stream.
--
-- long_intervals holds the closed intervals that end more than
-- analytics.LongInterval (7 days) after they start. The state at an
-- instant is a closed interval covering it or the ticket's latest version:
-- a shorter interval covering T started after T minus 7 days, so the
-- interval table is read only over those days (its sorting key starts with
-- the day of start_at), and the long ones come from this small table. Rows
-- written twice collapse (the sorting key is the interval's identity).
--
-- tickets_by_creation is the latest-ticket table sorted by creation, so
-- that a window of creation times reads and merges only its own rows (see
-- tables.go). The copy is not swapped in by a RENAME: two processes
-- migrating at once could deadlock 18.16 on it; copying twice only writes
-- rows that collapse.
CREATE TABLE IF NOT EXISTS long_intervals AS intervals
ENGINE = ReplacingMergeTree(closed)
ORDER BY (ticket_id, version);
INSERT INTO long_intervals SELECT * FROM intervals
WHERE closed = 1 AND covers_to > start_at + 604800;
CREATE TABLE IF NOT EXISTS tickets_by_creation AS tickets
ENGINE = ReplacingMergeTree(version)
ORDER BY (created_at, ticket_id);
INSERT INTO tickets_by_creation SELECT * FROM tickets;

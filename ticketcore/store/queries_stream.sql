-- The event log as a stream: reading, cursors, the relay lease, dead letters,
-- pruning (stream.go).

-- name: read-log
SELECT seq, ticket_id, recorded_at, payload FROM events WHERE seq > ? ORDER BY seq LIMIT ?;

-- name: log-head
SELECT COALESCE(MAX(seq), 0) FROM events;

-- name: get-cursor
SELECT seq FROM stream_cursors WHERE name = ?;

-- name: save-cursor
INSERT INTO stream_cursors (name, seq, updated_at) VALUES (?, ?, ?)
ON CONFLICT (name) DO UPDATE SET seq = excluded.seq, updated_at = excluded.updated_at;

-- name: try-lease
-- Takes the lease when it is free or expired, renews it when the holder
-- already has it; no row changes when someone else holds it.
-- Arguments: name, holder, expires at, now.
INSERT INTO stream_leases (name, holder, expires_at) VALUES (?, ?, ?)
ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
WHERE stream_leases.holder = excluded.holder OR stream_leases.expires_at <= ?;

-- name: release-lease
DELETE FROM stream_leases WHERE name = ? AND holder = ?;

-- name: lease-for-update
SELECT holder, expires_at FROM stream_leases WHERE name = ? FOR UPDATE;

-- name: park-dead-letter
INSERT INTO dead_letters (consumer, part, off, event_id, ticket_id, payload, error, attempts, parked_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (consumer, part, off) DO UPDATE SET event_id = excluded.event_id, ticket_id = excluded.ticket_id,
    payload = excluded.payload, error = excluded.error, attempts = excluded.attempts,
    parked_at = excluded.parked_at, replayed_at = NULL
RETURNING id;

-- name: list-dead-letters
-- Unresolved first, oldest first within each group. Arguments: consumer,
-- include replayed (0/1), limit.
SELECT id, consumer, part, off, event_id, ticket_id, payload, error, attempts, parked_at, replayed_at
FROM dead_letters
WHERE consumer = ? AND (? = 1 OR replayed_at IS NULL)
ORDER BY CASE WHEN replayed_at IS NULL THEN 0 ELSE 1 END, id
LIMIT ?;

-- name: unresolved-dead-letters
-- Arguments: consumer, after id, limit.
SELECT id, consumer, part, off, event_id, ticket_id, payload, error, attempts, parked_at, replayed_at
FROM dead_letters
WHERE consumer = ? AND replayed_at IS NULL AND id > ?
ORDER BY id
LIMIT ?;

-- name: mark-dead-letter-replayed
UPDATE dead_letters SET replayed_at = ? WHERE id = ? AND replayed_at IS NULL;

-- name: update-dead-letter
UPDATE dead_letters SET error = ?, attempts = ? WHERE id = ?;

-- name: prune-log
-- The newest event always stays, so the head of the log (and every reader's
-- lag) stays known after everything older was pruned.
-- Arguments: up to seq, recorded before.
DELETE FROM events
WHERE seq <= ? AND recorded_at < ? AND seq < (SELECT MAX(seq) FROM events);

-- SLA clocks and the keys of what they fired (sla.go).

-- name: get-sla-clocks
SELECT ticket_id, policy, version, state, next_due, updated_at FROM sla_clocks WHERE ticket_id = ?;

-- name: get-sla-clocks-for-update
SELECT ticket_id, policy, version, state, next_due, updated_at FROM sla_clocks WHERE ticket_id = ? FOR UPDATE;

-- name: list-due-sla-clocks
SELECT ticket_id, policy, version, state, next_due, updated_at FROM sla_clocks
WHERE next_due <= ? AND ticket_id > ? ORDER BY ticket_id LIMIT ?;

-- name: save-sla-clocks
-- A save must carry a higher version than the row's; otherwise it updates
-- nothing, which the caller reports as a conflict.
INSERT INTO sla_clocks (ticket_id, policy, version, state, next_due, updated_at) VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (ticket_id) DO UPDATE
SET policy = excluded.policy, version = excluded.version, state = excluded.state, next_due = excluded.next_due,
    updated_at = excluded.updated_at
WHERE sla_clocks.version < excluded.version;

-- name: insert-sla-fired
INSERT INTO sla_fired (key, ticket_id, fired_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING;

-- Skill groups, agents and queues (desk.go). "Open" states are chosen by the
-- caller from the workflow, one query per state; the tickets_desk index
-- (migration 0005) serves all of these.

-- name: desk-assigned-counts
SELECT assignee, priority, COUNT(*) FROM tickets WHERE status = ? AND assignee <> '' GROUP BY assignee, priority;

-- name: desk-max-seq
SELECT COALESCE(MAX(seq), 0) FROM events;

-- name: desk-assigned-tickets
SELECT id, doc FROM tickets WHERE status = ? AND assignee = ? ORDER BY priority, created_at, id LIMIT ?;

-- name: desk-team-unassigned
SELECT id, doc FROM tickets WHERE status = ? AND assignee = '' AND team = ? ORDER BY priority, created_at, id LIMIT ?;

-- name: desk-recent-assignees
-- Oldest first, so that the caller keeps each customer's latest.
SELECT customer_id, assignee FROM tickets
WHERE updated_at >= ? AND assignee <> '' AND customer_id IS NOT NULL
ORDER BY updated_at, id;

-- In-app notifications and webhook endpoints and deliveries (notify.go).

-- name: insert-notification
INSERT INTO notifications (user_id, kind, ticket_id, title, body, created_at) VALUES (?, ?, ?, ?, ?, ?)
RETURNING id;

-- name: list-notifications
-- Arguments: user, before id (0 = newest), unread only, limit.
SELECT id, user_id, kind, ticket_id, title, body, created_at, read_at FROM notifications
WHERE user_id = ? AND (? = 0 OR id < ?) AND (? = 0 OR read_at IS NULL)
ORDER BY id DESC LIMIT ?;

-- name: count-unread
SELECT COUNT(*) FROM notifications WHERE user_id = ? AND read_at IS NULL;

-- name: mark-read
UPDATE notifications SET read_at = COALESCE(read_at, ?) WHERE id = ? AND user_id = ?;

-- name: mark-all-read
UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL AND (? = 0 OR id <= ?);

-- name: insert-endpoint
INSERT INTO webhook_endpoints (url, secret, previous_secret, kinds, active, created_at) VALUES (?, ?, ?, ?, ?, ?)
RETURNING id;

-- name: update-endpoint
UPDATE webhook_endpoints SET url = ?, secret = ?, previous_secret = ?, kinds = ?, active = ? WHERE id = ?;

-- name: delete-endpoint
DELETE FROM webhook_endpoints WHERE id = ?;

-- name: get-endpoint
SELECT id, url, secret, previous_secret, kinds, active FROM webhook_endpoints WHERE id = ?;

-- name: list-endpoints
SELECT id, url, secret, previous_secret, kinds, active FROM webhook_endpoints ORDER BY id;

-- name: insert-delivery
INSERT INTO webhook_deliveries (id, endpoint_id, kind, payload, status, attempts, next_attempt_at, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?);

-- name: claim-deliveries
-- Arguments: lease, leased until, now, now, limit. SKIP LOCKED lets
-- PostgreSQL dispatchers claim side by side; SQLite has one writer anyway.
UPDATE webhook_deliveries SET lease = ? || id, leased_until = ?
WHERE id IN (
    SELECT id FROM webhook_deliveries
    WHERE status = 'pending' AND next_attempt_at <= ? AND (lease = '' OR leased_until <= ?)
    ORDER BY next_attempt_at, created_at, id
    LIMIT ? FOR UPDATE SKIP LOCKED
)
RETURNING id, endpoint_id, kind, payload, status, attempts, next_attempt_at, last_attempt_at, last_error, created_at, lease, leased_until;

-- name: record-delivery
-- Arguments: status, next attempt, last error, at, id, lease.
UPDATE webhook_deliveries
SET attempts = attempts + 1, status = ?, next_attempt_at = ?, last_error = ?, last_attempt_at = ?, lease = '', leased_until = 0
WHERE id = ? AND lease = ? AND lease <> '' AND status = 'pending';

-- name: release-delivery
UPDATE webhook_deliveries SET lease = '', leased_until = 0 WHERE id = ? AND lease = ? AND lease <> '' AND status = 'pending';

-- name: get-delivery
SELECT id, endpoint_id, kind, payload, status, attempts, next_attempt_at, last_attempt_at, last_error, created_at, lease, leased_until
FROM webhook_deliveries WHERE id = ?;

-- Queries shared by both dialects, written with ? placeholders; the
-- PostgreSQL dialect rebinds them to $n when the store opens.

-- The doc column holds the ticket's JSON without its id (the row id is the
-- id; writing it into doc would cost a second write per created ticket).

-- name: get-ticket
SELECT id, doc FROM tickets WHERE id = ?;

-- name: get-ticket-for-update
SELECT id, doc FROM tickets WHERE id = ? FOR UPDATE;

-- name: get-ticket-by-external-id
SELECT id, doc FROM tickets WHERE external_id = ? AND external_id <> '';

-- name: get-ticket-by-external-id-for-update
SELECT id, doc FROM tickets WHERE external_id = ? AND external_id <> '' FOR UPDATE;

-- name: insert-ticket
INSERT INTO tickets (version, external_id, subject, description, status, priority, team, assignee,
                     customer_id, requester_id, created_at, updated_at, doc,
                     category, product, channel, region, customer_tier, ticket_type, cf_text)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
RETURNING id;

-- name: update-ticket
UPDATE tickets
SET version = ?, external_id = ?, subject = ?, description = ?, status = ?, priority = ?, team = ?, assignee = ?,
    customer_id = ?, updated_at = ?, doc = ?,
    category = ?, product = ?, channel = ?, region = ?, customer_tier = ?, ticket_type = ?, cf_text = ?
WHERE id = ? AND version = ?;

-- name: backfill-cf-page
-- Migration 8 fills cf_text of the tickets that existed before it, a page
-- at a time by id.
SELECT id, doc FROM tickets WHERE id > ? ORDER BY id LIMIT ?;

-- name: backfill-cf-set
UPDATE tickets SET cf_text = ? WHERE id = ?;

-- name: insert-event
INSERT INTO events (id, ticket_id, ticket_version, type, at, payload)
VALUES (?, ?, ?, ?, ?, ?)
RETURNING seq;

-- name: insert-change
INSERT INTO ticket_changes (ticket_id, version, event_id, type, at, actor_id, actor_name, actor_role, source, reason, changes)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: events-after
SELECT seq, payload FROM events WHERE seq > ? ORDER BY seq LIMIT ?;

-- name: history
SELECT version, event_id, type, at, actor_id, actor_name, actor_role, source, reason, changes
FROM ticket_changes WHERE ticket_id = ? ORDER BY version;

-- name: find-customer
-- Three index lookups rather than one OR, which would scan; email wins over
-- external id, which wins over phone.
SELECT id, email, phone, external_id, name, tier, region, organisation FROM (
    SELECT 0 AS rank, c.* FROM customers c WHERE email = ? AND email <> ''
    UNION ALL
    SELECT 1 AS rank, c.* FROM customers c WHERE external_id = ? AND external_id <> ''
    UNION ALL
    SELECT 2 AS rank, c.* FROM customers c WHERE phone = ? AND phone <> ''
) m ORDER BY rank LIMIT 1;

-- name: get-customer
SELECT id, email, phone, external_id, name, tier, region, organisation FROM customers WHERE id = ?;

-- name: insert-customer
INSERT INTO customers (email, phone, external_id, name, tier, region, organisation, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
RETURNING id;

-- name: update-customer
UPDATE customers SET email = ?, phone = ?, external_id = ?, name = ?, tier = ?, region = ?, organisation = ?, updated_at = ?
WHERE id = ?;

-- name: customer-tickets
SELECT id, doc FROM tickets WHERE customer_id = ? ORDER BY created_at DESC, id DESC LIMIT ?;

-- name: insert-comment
INSERT INTO comments (ticket_id, author_id, author_name, body, public, created_at)
VALUES (?, ?, ?, ?, ?, ?)
RETURNING id;

-- name: list-comments
-- publicOnly (the second argument) leaves internal notes out.
SELECT id, author_id, author_name, body, public, created_at FROM comments
WHERE ticket_id = ? AND (public = TRUE OR ? = FALSE)
ORDER BY id;

-- name: field-defs
SELECT def FROM field_defs ORDER BY name;

-- name: put-field-def
INSERT INTO field_defs (name, def, updated_at) VALUES (?, ?, ?)
ON CONFLICT (name) DO UPDATE SET def = excluded.def, updated_at = excluded.updated_at;

-- name: delete-field-def
DELETE FROM field_defs WHERE name = ?;

-- name: get-idempotency
SELECT request_hash, ticket_id FROM idempotency_keys WHERE user_id = ? AND key = ? AND created_at >= ?;

-- name: insert-idempotency
-- An expired key may be reused; a live one (a concurrent request that
-- committed first) updates nothing, which the caller reports as a conflict.
INSERT INTO idempotency_keys (user_id, key, request_hash, ticket_id, created_at) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (user_id, key) DO UPDATE
SET request_hash = excluded.request_hash, ticket_id = excluded.ticket_id, created_at = excluded.created_at
WHERE idempotency_keys.created_at < ?;

-- name: prune-idempotency
DELETE FROM idempotency_keys WHERE created_at < ?;

-- name: insert-user
INSERT INTO users (login, name, email, role, password_hash, active, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?)
RETURNING id;

-- name: get-user
SELECT id, login, name, email, role, password_hash, active, created_at FROM users WHERE id = ?;

-- name: get-user-by-login
SELECT id, login, name, email, role, password_hash, active, created_at FROM users WHERE login = ?;

-- name: list-users
SELECT id, login, name, email, role, password_hash, active, created_at FROM users ORDER BY id;

-- name: update-user
UPDATE users SET name = ?, email = ?, role = ?, password_hash = ?, active = ? WHERE id = ?;

-- name: count-users
SELECT COUNT(*) FROM users;

-- name: insert-token
INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at) VALUES (?, ?, ?, ?, ?)
RETURNING id;

-- name: user-by-token
SELECT u.id, u.login, u.name, u.email, u.role, u.password_hash, u.active, u.created_at
FROM api_tokens t JOIN users u ON u.id = t.user_id
WHERE t.token_hash = ? AND t.revoked_at IS NULL;

-- name: list-tokens
SELECT id, user_id, name, prefix, created_at, revoked_at FROM api_tokens WHERE user_id = ? ORDER BY id;

-- name: revoke-token
UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL;

-- name: insert-session
INSERT INTO sessions (id_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?);

-- name: user-by-session
SELECT u.id, u.login, u.name, u.email, u.role, u.password_hash, u.active, u.created_at
FROM sessions s JOIN users u ON u.id = s.user_id
WHERE s.id_hash = ? AND s.expires_at > ?;

-- name: delete-session
DELETE FROM sessions WHERE id_hash = ?;

-- name: delete-expired-sessions
DELETE FROM sessions WHERE expires_at <= ?;

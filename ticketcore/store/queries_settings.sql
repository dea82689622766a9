-- Versioned, audited settings documents (settings.go).

-- name: get-setting
SELECT kind, name, version, body, updated_at, updated_by FROM settings WHERE kind = ? AND name = ?;

-- name: get-setting-for-update
SELECT kind, name, version, body, updated_at, updated_by FROM settings WHERE kind = ? AND name = ? FOR UPDATE;

-- name: list-settings
SELECT kind, name, version, body, updated_at, updated_by FROM settings WHERE kind = ? ORDER BY name;

-- name: insert-setting
INSERT INTO settings (kind, name, version, body, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?);

-- name: update-setting
UPDATE settings SET version = ?, body = ?, updated_at = ?, updated_by = ? WHERE kind = ? AND name = ? AND version = ?;

-- name: delete-setting
DELETE FROM settings WHERE kind = ? AND name = ? AND version = ?;

-- name: insert-setting-audit
INSERT INTO settings_audit (kind, name, version, at, actor, old_body, new_body) VALUES (?, ?, ?, ?, ?, ?, ?);

-- name: setting-history
SELECT version, at, actor, old_body, new_body FROM settings_audit WHERE kind = ? AND name = ? ORDER BY id;

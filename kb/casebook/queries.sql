-- name: upsert-case
-- A replayed or late event never replaces a newer version. A comment event
-- carries its comment alone in comments, appended to what the case has.
INSERT INTO kb_cases (ticket_id, version, subject, description, comments, resolution, category, product, priority,
                      team, status, tags, resolved, duplicate_of, created_at, resolved_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (ticket_id) DO UPDATE SET
    version = excluded.version, subject = excluded.subject, description = excluded.description,
    comments = CASE WHEN excluded.comments = '' THEN kb_cases.comments
                    WHEN kb_cases.comments = '' THEN excluded.comments
                    ELSE kb_cases.comments || ? || excluded.comments END,
    resolution = excluded.resolution, category = excluded.category, product = excluded.product,
    priority = excluded.priority, team = excluded.team, status = excluded.status, tags = excluded.tags,
    resolved = excluded.resolved, duplicate_of = excluded.duplicate_of, created_at = excluded.created_at, resolved_at = excluded.resolved_at,
    updated_at = excluded.updated_at
WHERE kb_cases.version < excluded.version

-- name: get-case
SELECT ticket_id, version, subject, description, comments, resolution, category, product, priority, team, status,
       tags, resolved, created_at, resolved_at, updated_at
FROM kb_cases WHERE ticket_id = ?

-- name: resolved-page
SELECT ticket_id, version, subject, description, comments, resolution, category, product, priority, team, status,
       tags, resolved, created_at, resolved_at, updated_at
FROM kb_cases WHERE resolved = 1 AND ticket_id > ? ORDER BY ticket_id LIMIT ?

-- name: count-cases
SELECT COUNT(*), COALESCE(SUM(resolved), 0) FROM kb_cases

-- name: duplicate-counts
SELECT duplicate_of, COUNT(*) FROM kb_cases WHERE duplicate_of > 0 GROUP BY duplicate_of

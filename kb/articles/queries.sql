-- Queries shared by both dialects, written with ? placeholders; the
-- PostgreSQL dialect rebinds them to $n, and SQLite drops FOR UPDATE (its
-- one writer already holds the database lock). Optional filters compare a
-- CAST parameter with its empty value so that one prepared query serves
-- every combination.

-- name: insert-candidate
-- DO NOTHING on the live miner key makes concurrent re-mining return the
-- candidate that won, instead of failing the transaction.
INSERT INTO kb_candidates (kind, target_article_id, status, reviewer, author_id, author, miner_key, evidence,
                           consistency, sources, content, article_id, revision, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 1, ?, ?)
ON CONFLICT (miner_key) WHERE miner_key <> '' AND status <> 'rejected' DO NOTHING
RETURNING id;

-- name: candidate-by-miner-key
SELECT id, kind, target_article_id, status, reviewer, author, miner_key, evidence, consistency, sources, content,
       article_id, revision, created_at, updated_at
FROM kb_candidates WHERE miner_key = ? AND miner_key <> '' AND status <> 'rejected';

-- name: get-candidate
SELECT id, kind, target_article_id, status, reviewer, author, miner_key, evidence, consistency, sources, content,
       article_id, revision, created_at, updated_at
FROM kb_candidates WHERE id = ?;

-- name: candidate-exists
SELECT id FROM kb_candidates WHERE id = ?;

-- name: lock-candidate
SELECT id, kind, target_article_id, status, reviewer, author, miner_key, evidence, consistency, sources, content,
       article_id, revision, created_at, updated_at
FROM kb_candidates WHERE id = ? FOR UPDATE;

-- name: update-candidate
UPDATE kb_candidates SET status = ?, reviewer = ?, content = ?, article_id = ?, revision = ?, updated_at = ?
WHERE id = ?;

-- name: list-candidates
SELECT id, kind, target_article_id, status, reviewer, author, miner_key, evidence, consistency, sources, content,
       article_id, revision, created_at, updated_at
FROM kb_candidates
WHERE (CAST(? AS TEXT) = '' OR status = ?)
  AND (CAST(? AS TEXT) = '' OR kind = ?)
  AND (CAST(? AS TEXT) = '' OR reviewer = ?)
  AND (CAST(? AS TEXT) = '' OR author = ?)
ORDER BY id
LIMIT ? OFFSET ?;

-- name: insert-transition
INSERT INTO kb_transitions (entity, entity_id, action, from_status, to_status, actor_id, actor, actor_role, note, at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
RETURNING id;

-- name: list-transitions
SELECT id, entity, entity_id, action, from_status, to_status, actor, actor_role, note, at
FROM kb_transitions WHERE entity = ? AND entity_id = ? ORDER BY id;

-- name: insert-comment
INSERT INTO kb_comments (entity, entity_id, author_id, author, body, created_at)
VALUES (?, ?, ?, ?, ?, ?)
RETURNING id;

-- name: list-comments
SELECT id, entity, entity_id, author, body, created_at
FROM kb_comments WHERE entity = ? AND entity_id = ? ORDER BY id;

-- name: insert-article
INSERT INTO kb_articles (status, current_version, best_practice, source_candidate_id, created_at, updated_at)
VALUES (?, ?, 0, ?, ?, ?)
RETURNING id;

-- name: lock-article
SELECT id, status, current_version, best_practice, created_at, updated_at FROM kb_articles WHERE id = ? FOR UPDATE;

-- name: article-exists
SELECT id FROM kb_articles WHERE id = ?;

-- name: update-article
UPDATE kb_articles SET status = ?, current_version = ?, best_practice = ?, updated_at = ? WHERE id = ?;

-- name: get-article
SELECT a.id, a.status, a.current_version, a.best_practice, a.created_at, a.updated_at, v.content
FROM kb_articles a JOIN kb_versions v ON v.article_id = a.id AND v.number = a.current_version
WHERE a.id = ?;

-- name: list-articles
SELECT a.id, a.status, a.current_version, a.best_practice, a.created_at, a.updated_at, v.content
FROM kb_articles a JOIN kb_versions v ON v.article_id = a.id AND v.number = a.current_version
WHERE (CAST(? AS TEXT) = '' OR a.status = ?)
  AND (CAST(? AS INTEGER) < 0 OR a.best_practice = ?)
  AND (CAST(? AS TEXT) = '' OR EXISTS (SELECT 1 FROM kb_article_labels l
        WHERE l.kind = 'category' AND l.value = ? AND l.article_id = a.id))
  AND (CAST(? AS TEXT) = '' OR EXISTS (SELECT 1 FROM kb_article_labels l
        WHERE l.kind = 'product' AND l.value = ? AND l.article_id = a.id))
  AND (CAST(? AS TEXT) = '' OR EXISTS (SELECT 1 FROM kb_article_labels l
        WHERE l.kind = 'tag' AND l.value = ? AND l.article_id = a.id))
ORDER BY a.id
LIMIT ? OFFSET ?;

-- name: published-articles
SELECT a.id, a.status, a.current_version, a.best_practice, a.created_at, a.updated_at, v.content
FROM kb_articles a JOIN kb_versions v ON v.article_id = a.id AND v.number = a.current_version
WHERE a.status = 'published'
ORDER BY a.id;

-- name: insert-version
INSERT INTO kb_versions (article_id, number, content, author, approved_by, source_candidate_id, rollback_of, note, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: list-versions
SELECT article_id, number, content, author, approved_by, source_candidate_id, rollback_of, note, created_at
FROM kb_versions WHERE article_id = ? ORDER BY number;

-- name: get-version
SELECT article_id, number, content, author, approved_by, source_candidate_id, rollback_of, note, created_at
FROM kb_versions WHERE article_id = ? AND number = ?;

-- name: delete-labels
DELETE FROM kb_article_labels WHERE article_id = ?;

-- name: insert-label
INSERT INTO kb_article_labels (kind, value, article_id) VALUES (?, ?, ?)
ON CONFLICT DO NOTHING;

-- name: insert-feedback
INSERT INTO kb_feedback (at, actor_id, actor, ticket_id, case_ticket_id, article_id, kind, query)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
RETURNING seq;

-- name: feedback-scores
-- One pass over the log; a row counts for its case ticket or its article.
SELECT case_ticket_id, article_id,
       SUM(CASE WHEN kind = 'helpful' THEN 1 ELSE 0 END),
       SUM(CASE WHEN kind = 'not_helpful' THEN 1 ELSE 0 END),
       SUM(CASE WHEN kind = 'used' THEN 1 ELSE 0 END),
       SUM(CASE WHEN kind = 'duplicate' THEN 1 ELSE 0 END)
FROM kb_feedback
GROUP BY case_ticket_id, article_id;

-- name: articles-used
-- The article each ticket was solved with: the latest "used" it got.
SELECT ticket_id, article_id FROM kb_feedback
WHERE kind = 'used' AND article_id > 0
ORDER BY seq;

-- name: unhelped-tickets
SELECT f.ticket_id FROM kb_feedback f
WHERE f.kind = 'not_helpful' AND f.at >= ?
  AND NOT EXISTS (SELECT 1 FROM kb_feedback g WHERE g.ticket_id = f.ticket_id AND g.kind IN ('helpful', 'used'))
GROUP BY f.ticket_id
ORDER BY f.ticket_id;

-- name: insert-event
INSERT INTO kb_events (at, type, actor, entity, entity_id, payload)
VALUES (?, ?, ?, ?, ?, ?);

-- name: events-after
SELECT seq, at, type, actor, entity, entity_id, payload FROM kb_events WHERE seq > ? ORDER BY seq LIMIT ?;

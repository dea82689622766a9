-- Knowledge-base review workflow. Times are unix microseconds (UTC); content
-- and sources are JSON. Every table is prefixed kb_ because the store may
-- share a database with the ticket core.
CREATE TABLE IF NOT EXISTS kb_candidates (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    kind              TEXT NOT NULL,
    target_article_id INTEGER NOT NULL DEFAULT 0,
    status            TEXT NOT NULL,
    reviewer          TEXT NOT NULL DEFAULT '',
    author_id         INTEGER NOT NULL DEFAULT 0,
    author            TEXT NOT NULL,
    miner_key         TEXT NOT NULL DEFAULT '',
    evidence          INTEGER NOT NULL DEFAULT 0,
    consistency       REAL NOT NULL DEFAULT 0,
    sources           TEXT NOT NULL,
    content           TEXT NOT NULL,
    article_id        INTEGER NOT NULL DEFAULT 0,
    revision          INTEGER NOT NULL,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
-- Re-mining a cluster finds its live candidate; a rejected one may be mined again.
CREATE UNIQUE INDEX IF NOT EXISTS kb_candidates_miner_key ON kb_candidates (miner_key)
    WHERE miner_key <> '' AND status <> 'rejected';
CREATE INDEX IF NOT EXISTS kb_candidates_status ON kb_candidates (status, id);
CREATE INDEX IF NOT EXISTS kb_candidates_reviewer ON kb_candidates (reviewer, status, id);

CREATE TABLE IF NOT EXISTS kb_articles (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    status              TEXT NOT NULL,
    current_version     INTEGER NOT NULL,
    best_practice       INTEGER NOT NULL DEFAULT 0,
    source_candidate_id INTEGER NOT NULL DEFAULT 0,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS kb_articles_status ON kb_articles (status, id);

-- Versions are never updated or deleted.
CREATE TABLE IF NOT EXISTS kb_versions (
    article_id          INTEGER NOT NULL REFERENCES kb_articles (id),
    number              INTEGER NOT NULL,
    content             TEXT NOT NULL,
    author              TEXT NOT NULL,
    approved_by         TEXT NOT NULL,
    source_candidate_id INTEGER NOT NULL DEFAULT 0,
    rollback_of         INTEGER NOT NULL DEFAULT 0,
    note                TEXT NOT NULL DEFAULT '',
    created_at          INTEGER NOT NULL,
    PRIMARY KEY (article_id, number)
);

-- The current version's categories, products and tags, lower-cased, for filtering.
CREATE TABLE IF NOT EXISTS kb_article_labels (
    kind       TEXT NOT NULL,
    value      TEXT NOT NULL,
    article_id INTEGER NOT NULL REFERENCES kb_articles (id),
    PRIMARY KEY (kind, value, article_id)
);
CREATE INDEX IF NOT EXISTS kb_article_labels_article ON kb_article_labels (article_id);

CREATE TABLE IF NOT EXISTS kb_transitions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    entity      TEXT NOT NULL,
    entity_id   INTEGER NOT NULL,
    action      TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    actor_id    INTEGER NOT NULL DEFAULT 0,
    actor       TEXT NOT NULL,
    actor_role  TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    at          INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS kb_transitions_entity ON kb_transitions (entity, entity_id, id);

CREATE TABLE IF NOT EXISTS kb_comments (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    entity     TEXT NOT NULL,
    entity_id  INTEGER NOT NULL,
    author_id  INTEGER NOT NULL DEFAULT 0,
    author     TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS kb_comments_entity ON kb_comments (entity, entity_id, id);

-- Append-only; seq is the feedback's sequence number.
CREATE TABLE IF NOT EXISTS kb_feedback (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    at             INTEGER NOT NULL,
    actor_id       INTEGER NOT NULL DEFAULT 0,
    actor          TEXT NOT NULL,
    ticket_id      INTEGER NOT NULL,
    case_ticket_id INTEGER NOT NULL DEFAULT 0,
    article_id     INTEGER NOT NULL DEFAULT 0,
    kind           TEXT NOT NULL,
    query          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS kb_feedback_ticket ON kb_feedback (ticket_id, kind);
CREATE INDEX IF NOT EXISTS kb_feedback_kind_at ON kb_feedback (kind, at);

-- The event log. seq follows commit order because SQLite has one writer.
CREATE TABLE IF NOT EXISTS kb_events (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    at        INTEGER NOT NULL,
    type      TEXT NOT NULL,
    actor     TEXT NOT NULL,
    entity    TEXT NOT NULL,
    entity_id INTEGER NOT NULL,
    payload   TEXT NOT NULL
);

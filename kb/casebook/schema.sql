-- The resolved-case book of the knowledge base: the latest text and
-- labels of every ticket as the change stream delivered it, so that the
-- classifier can retrain, the miner can group resolved tickets and similar
-- cases can be asked for an open ticket, without reading the ticket store.
-- One dialect for SQLite and PostgreSQL: times are Unix milliseconds and
-- flags integers. Every statement is idempotent; `Open` runs them all.

CREATE TABLE IF NOT EXISTS kb_cases (
    ticket_id   BIGINT PRIMARY KEY,
    version     BIGINT NOT NULL,
    subject     TEXT NOT NULL,
    description TEXT NOT NULL,
    comments    TEXT NOT NULL,
    resolution  TEXT NOT NULL,
    category    TEXT NOT NULL,
    product     TEXT NOT NULL,
    priority    TEXT NOT NULL,
    team        TEXT NOT NULL,
    status      TEXT NOT NULL,
    tags        TEXT NOT NULL,
    resolved    INTEGER NOT NULL,
    -- the ticket this one is linked to as a duplicate of, 0 for none:
    -- agents confirming that two tickets are the same problem
    duplicate_of BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    resolved_at BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE INDEX IF NOT EXISTS kb_cases_resolved ON kb_cases (resolved, ticket_id);
CREATE INDEX IF NOT EXISTS kb_cases_duplicate_of ON kb_cases (duplicate_of);

-- Tickets keep their full snapshot in doc; the other columns exist to filter,
-- sort and join. Times are unix microseconds (UTC) in both dialects.
CREATE TABLE customers (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    email        TEXT NOT NULL DEFAULT '',
    phone        TEXT NOT NULL DEFAULT '',
    external_id  TEXT NOT NULL DEFAULT '',
    name         TEXT NOT NULL DEFAULT '',
    tier         TEXT NOT NULL DEFAULT '',
    region       TEXT NOT NULL DEFAULT '',
    organisation TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE UNIQUE INDEX customers_email ON customers (email) WHERE email <> '';
CREATE UNIQUE INDEX customers_phone ON customers (phone) WHERE phone <> '';
CREATE UNIQUE INDEX customers_external_id ON customers (external_id) WHERE external_id <> '';

CREATE TABLE tickets (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    version      INTEGER NOT NULL,
    external_id  TEXT NOT NULL DEFAULT '',
    subject      TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL,
    priority     TEXT NOT NULL,
    team         TEXT NOT NULL DEFAULT '',
    assignee     TEXT NOT NULL DEFAULT '',
    customer_id  INTEGER REFERENCES customers (id),
    requester_id INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    doc          TEXT NOT NULL
);
CREATE UNIQUE INDEX tickets_external_id ON tickets (external_id) WHERE external_id <> '';
CREATE INDEX tickets_status_created ON tickets (status, created_at, id);
CREATE INDEX tickets_team ON tickets (team, created_at, id);
CREATE INDEX tickets_assignee ON tickets (assignee, created_at, id);
CREATE INDEX tickets_customer ON tickets (customer_id, created_at);
CREATE INDEX tickets_requester ON tickets (requester_id, created_at, id);
CREATE INDEX tickets_created ON tickets (created_at, id);
CREATE INDEX tickets_updated ON tickets (updated_at, id);
CREATE INDEX tickets_priority ON tickets (priority, id);

-- The event log (outbox). seq follows commit order because SQLite has one writer.
CREATE TABLE events (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    id             TEXT NOT NULL UNIQUE,
    ticket_id      INTEGER NOT NULL,
    ticket_version INTEGER NOT NULL,
    type           TEXT NOT NULL,
    at             INTEGER NOT NULL,
    payload        TEXT NOT NULL,
    UNIQUE (ticket_id, ticket_version)
);

-- The audit trail: one row per change, without the snapshot.
CREATE TABLE ticket_changes (
    ticket_id  INTEGER NOT NULL,
    version    INTEGER NOT NULL,
    event_id   TEXT NOT NULL,
    type       TEXT NOT NULL,
    at         INTEGER NOT NULL,
    actor_id   INTEGER NOT NULL DEFAULT 0,
    actor_name TEXT NOT NULL,
    actor_role TEXT NOT NULL DEFAULT '',
    source     TEXT NOT NULL,
    reason     TEXT NOT NULL DEFAULT '',
    changes    TEXT NOT NULL,
    PRIMARY KEY (ticket_id, version)
);

CREATE TABLE comments (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id   INTEGER NOT NULL REFERENCES tickets (id),
    author_id   INTEGER NOT NULL DEFAULT 0,
    author_name TEXT NOT NULL,
    body        TEXT NOT NULL,
    public      INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX comments_ticket ON comments (ticket_id, id);

CREATE TABLE field_defs (
    name       TEXT PRIMARY KEY,
    def        TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE idempotency_keys (
    user_id      INTEGER NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    ticket_id    INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (user_id, key)
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    login         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    email         TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL DEFAULT '',
    active        INTEGER NOT NULL DEFAULT 1,
    created_at    INTEGER NOT NULL
);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    prefix       TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    revoked_at   INTEGER
);

CREATE TABLE sessions (
    id_hash    TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

-- Tickets keep their full snapshot in doc; the other columns exist to filter,
-- sort and join. Times are unix microseconds (UTC) in both dialects.
CREATE TABLE customers (
    id           BIGSERIAL PRIMARY KEY,
    email        TEXT NOT NULL DEFAULT '',
    phone        TEXT NOT NULL DEFAULT '',
    external_id  TEXT NOT NULL DEFAULT '',
    name         TEXT NOT NULL DEFAULT '',
    tier         TEXT NOT NULL DEFAULT '',
    region       TEXT NOT NULL DEFAULT '',
    organisation TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE UNIQUE INDEX customers_email ON customers (email) WHERE email <> '';
CREATE UNIQUE INDEX customers_phone ON customers (phone) WHERE phone <> '';
CREATE UNIQUE INDEX customers_external_id ON customers (external_id) WHERE external_id <> '';

CREATE TABLE tickets (
    id           BIGSERIAL PRIMARY KEY,
    version      BIGINT NOT NULL,
    external_id  TEXT NOT NULL DEFAULT '',
    subject      TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL,
    priority     TEXT NOT NULL,
    team         TEXT NOT NULL DEFAULT '',
    assignee     TEXT NOT NULL DEFAULT '',
    customer_id  BIGINT REFERENCES customers (id),
    requester_id BIGINT NOT NULL DEFAULT 0,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
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

-- The event log (outbox). seq follows commit order because writers take an advisory lock before appending.
CREATE TABLE events (
    seq            BIGSERIAL PRIMARY KEY,
    id             TEXT NOT NULL UNIQUE,
    ticket_id      BIGINT NOT NULL,
    ticket_version BIGINT NOT NULL,
    type           TEXT NOT NULL,
    at             BIGINT NOT NULL,
    payload        TEXT NOT NULL,
    UNIQUE (ticket_id, ticket_version)
);

-- The audit trail: one row per change, without the snapshot.
CREATE TABLE ticket_changes (
    ticket_id  BIGINT NOT NULL,
    version    BIGINT NOT NULL,
    event_id   TEXT NOT NULL,
    type       TEXT NOT NULL,
    at         BIGINT NOT NULL,
    actor_id   BIGINT NOT NULL DEFAULT 0,
    actor_name TEXT NOT NULL,
    actor_role TEXT NOT NULL DEFAULT '',
    source     TEXT NOT NULL,
    reason     TEXT NOT NULL DEFAULT '',
    changes    TEXT NOT NULL,
    PRIMARY KEY (ticket_id, version)
);

CREATE TABLE comments (
    id          BIGSERIAL PRIMARY KEY,
    ticket_id   BIGINT NOT NULL REFERENCES tickets (id),
    author_id   BIGINT NOT NULL DEFAULT 0,
    author_name TEXT NOT NULL,
    body        TEXT NOT NULL,
    public      BOOLEAN NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX comments_ticket ON comments (ticket_id, id);

CREATE TABLE field_defs (
    name       TEXT PRIMARY KEY,
    def        TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE idempotency_keys (
    user_id      BIGINT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    ticket_id    BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (user_id, key)
);

CREATE TABLE users (
    id            BIGSERIAL PRIMARY KEY,
    login         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    email         TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL DEFAULT '',
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    BIGINT NOT NULL
);

CREATE TABLE api_tokens (
    id           BIGSERIAL PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users (id),
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    prefix       TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    revoked_at   BIGINT
);

CREATE TABLE sessions (
    id_hash    TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- The analytics tables; the same columns as on ClickHouse (see
-- analytics/columns.go). Rows that a later event replaces (an interval
-- closed later, a ticket's latest state) have their identity as primary key
-- and are written with INSERT OR REPLACE. Event and SLA rows are only ever
-- inserted once: Apply skips events at or below the ticket's stored version,
-- which commits in the same transaction (see store.go); without primary-key
-- indexes they are written twice as fast. Their identities are
-- (ticket_id, ticket_version) and (ticket_id, ticket_version, metric).

-- One row per applied event of a known type, with the ticket after it.
CREATE TABLE IF NOT EXISTS events (
    event_id VARCHAR NOT NULL,
    seq BIGINT NOT NULL,
    ticket_id BIGINT NOT NULL,
    ticket_version BIGINT NOT NULL,
    type VARCHAR NOT NULL,
    "at" TIMESTAMP NOT NULL, -- quoted: AT is a keyword in DuckDB
    recorded_at TIMESTAMP NOT NULL,
    actor_name VARCHAR NOT NULL,
    actor_role VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    changed_fields VARCHAR[] NOT NULL,
    prev_status VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    priority VARCHAR NOT NULL,
    urgency VARCHAR NOT NULL,
    ticket_type VARCHAR NOT NULL,
    category VARCHAR NOT NULL,
    product VARCHAR NOT NULL,
    channel VARCHAR NOT NULL,
    team VARCHAR NOT NULL,
    assignee VARCHAR NOT NULL,
    region VARCHAR NOT NULL,
    customer_tier VARCHAR NOT NULL,
    customer_org VARCHAR NOT NULL,
    customer_region VARCHAR NOT NULL,
    tags VARCHAR[] NOT NULL,
    sla_policy VARCHAR NOT NULL,
    sla_breached BOOLEAN NOT NULL,
    reopen_count BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    resolved_at TIMESTAMP,
    closed_at TIMESTAMP,
    subject VARCHAR NOT NULL
);

-- Tickets in their latest state; written last by every batch (in the same
-- transaction), its version is the watermark of what was applied.
CREATE TABLE IF NOT EXISTS tickets (
    ticket_id BIGINT NOT NULL PRIMARY KEY,
    version BIGINT NOT NULL,
    last_event_id VARCHAR NOT NULL,
    last_at TIMESTAMP NOT NULL,
    first_response_at TIMESTAMP,
    first_response_ms BIGINT,
    resolve_ms BIGINT,
    status VARCHAR NOT NULL,
    priority VARCHAR NOT NULL,
    urgency VARCHAR NOT NULL,
    ticket_type VARCHAR NOT NULL,
    category VARCHAR NOT NULL,
    product VARCHAR NOT NULL,
    channel VARCHAR NOT NULL,
    team VARCHAR NOT NULL,
    assignee VARCHAR NOT NULL,
    region VARCHAR NOT NULL,
    customer_tier VARCHAR NOT NULL,
    customer_org VARCHAR NOT NULL,
    customer_region VARCHAR NOT NULL,
    tags VARCHAR[] NOT NULL,
    sla_policy VARCHAR NOT NULL,
    sla_breached BOOLEAN NOT NULL,
    reopen_count BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    resolved_at TIMESTAMP,
    closed_at TIMESTAMP,
    subject VARCHAR NOT NULL
);

-- State intervals: from one event of a ticket to the next; written open and
-- replaced by the closed row when the next event arrives.
CREATE TABLE IF NOT EXISTS intervals (
    ticket_id BIGINT NOT NULL,
    version BIGINT NOT NULL,
    start_at TIMESTAMP NOT NULL,
    end_at TIMESTAMP,
    end_version BIGINT NOT NULL,
    closed BOOLEAN NOT NULL,
    duration_ms BIGINT NOT NULL,
    status VARCHAR NOT NULL,
    team VARCHAR NOT NULL,
    assignee VARCHAR NOT NULL,
    priority VARCHAR NOT NULL,
    category VARCHAR NOT NULL,
    channel VARCHAR NOT NULL,
    ticket_type VARCHAR NOT NULL,
    customer_tier VARCHAR NOT NULL,
    PRIMARY KEY (ticket_id, version)
);

-- SLA outcomes (see analytics.MetricOverall).
CREATE TABLE IF NOT EXISTS sla_outcomes (
    ticket_id BIGINT NOT NULL,
    ticket_version BIGINT NOT NULL,
    metric VARCHAR NOT NULL,
    event_id VARCHAR NOT NULL,
    "at" TIMESTAMP NOT NULL, -- quoted: AT is a keyword in DuckDB
    cycle BIGINT NOT NULL,
    outcome VARCHAR NOT NULL,
    policy VARCHAR NOT NULL,
    target_seconds BIGINT NOT NULL,
    deadline TIMESTAMP,
    team VARCHAR NOT NULL,
    assignee VARCHAR NOT NULL,
    priority VARCHAR NOT NULL,
    channel VARCHAR NOT NULL,
    customer_tier VARCHAR NOT NULL
);

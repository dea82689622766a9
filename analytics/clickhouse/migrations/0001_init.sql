-- The analytics tables. Every table is a ReplacingMergeTree whose sorting
-- key is the row's identity, so rows written twice (a batch retried after a
-- crash, an event delivered again) collapse; queries read with FINAL.
-- Sorting keys start with the day where rows are read by time; the day is a
-- function of the identity (an event's `at` never changes), so duplicates
-- still meet. Partitions are years: a batch of imported history rarely spans
-- more than the default limit of 100 partitions per insert.

-- One row per applied event of a known type, with the ticket after it.
CREATE TABLE IF NOT EXISTS events (
    event_id String,
    seq Int64,
    ticket_id Int64,
    ticket_version Int64,
    type String,
    at DateTime('UTC'),
    recorded_at DateTime('UTC'),
    actor_name String,
    actor_role String,
    source String,
    changed_fields Array(String),
    prev_status String,
    status String,
    priority String,
    urgency String,
    ticket_type String,
    category String,
    product String,
    channel String,
    team String,
    assignee String,
    region String,
    customer_tier String,
    customer_org String,
    customer_region String,
    tags Array(String),
    sla_policy String,
    sla_breached UInt8,
    reopen_count Int64,
    created_at DateTime('UTC'),
    resolved_at Nullable(DateTime('UTC')),
    closed_at Nullable(DateTime('UTC')),
    subject String
) ENGINE = ReplacingMergeTree()
PARTITION BY toYear(at)
ORDER BY (toDate(at), ticket_id, ticket_version);

-- Tickets in their latest state; the highest version wins. Written last by
-- every batch, so its version is the watermark of what was applied.
CREATE TABLE IF NOT EXISTS tickets (
    ticket_id Int64,
    version Int64,
    last_event_id String,
    last_at DateTime('UTC'),
    first_response_at Nullable(DateTime('UTC')),
    first_response_ms Nullable(Int64),
    resolve_ms Nullable(Int64),
    status String,
    priority String,
    urgency String,
    ticket_type String,
    category String,
    product String,
    channel String,
    team String,
    assignee String,
    region String,
    customer_tier String,
    customer_org String,
    customer_region String,
    tags Array(String),
    sla_policy String,
    sla_breached UInt8,
    reopen_count Int64,
    created_at DateTime('UTC'),
    resolved_at Nullable(DateTime('UTC')),
    closed_at Nullable(DateTime('UTC')),
    subject String
) ENGINE = ReplacingMergeTree(version)
ORDER BY ticket_id;

-- State intervals: from one event of a ticket to the next. A row is written
-- open (closed = 0) and again closed when the next event arrives; the
-- closed row wins.
CREATE TABLE IF NOT EXISTS intervals (
    ticket_id Int64,
    version Int64,
    start_at DateTime('UTC'),
    end_at Nullable(DateTime('UTC')),
    end_version Int64,
    closed UInt8,
    duration_ms Int64,
    status String,
    team String,
    assignee String,
    priority String,
    category String,
    channel String,
    ticket_type String,
    customer_tier String
) ENGINE = ReplacingMergeTree(closed)
PARTITION BY toYear(start_at)
ORDER BY (toDate(start_at), ticket_id, version);

-- SLA outcomes: warnings and breaches, and the overall outcome of each
-- resolution (see analytics.MetricOverall).
CREATE TABLE IF NOT EXISTS sla_outcomes (
    ticket_id Int64,
    ticket_version Int64,
    metric String,
    event_id String,
    at DateTime('UTC'),
    cycle Int64,
    outcome String,
    policy String,
    target_seconds Int64,
    deadline Nullable(DateTime('UTC')),
    team String,
    assignee String,
    priority String,
    channel String,
    customer_tier String
) ENGINE = ReplacingMergeTree()
PARTITION BY toYear(at)
ORDER BY (toDate(at), ticket_id, ticket_version, metric);

-- SLA clocks (ticketcore/slaclock): one row per ticket under an SLA policy,
-- holding its clocks as JSON and the earliest instant something is due, and
-- the keys of the warnings, breaches and escalation steps already written, so
-- that none is written twice.
CREATE TABLE sla_clocks (
    ticket_id  INTEGER PRIMARY KEY REFERENCES tickets (id),
    policy     TEXT NOT NULL,
    version    INTEGER NOT NULL,
    state      TEXT NOT NULL,
    next_due   INTEGER,
    updated_at INTEGER NOT NULL
);
-- What a starting server schedules (every ticket with something due), and
-- what the periodic sweep finds overdue.
CREATE INDEX sla_clocks_due ON sla_clocks (ticket_id) WHERE next_due IS NOT NULL;
CREATE INDEX sla_clocks_next_due ON sla_clocks (next_due) WHERE next_due IS NOT NULL;

CREATE TABLE sla_fired (
    key       TEXT PRIMARY KEY,
    ticket_id INTEGER NOT NULL,
    fired_at  INTEGER NOT NULL
);
CREATE INDEX sla_fired_ticket ON sla_fired (ticket_id);

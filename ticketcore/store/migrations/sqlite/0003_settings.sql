-- Configuration documents (teams, agents, routing rules, calendars, SLA
-- policies): JSON bodies keyed by kind and name, with optimistic versions and
-- an audit of every change.
CREATE TABLE settings (
    kind       TEXT NOT NULL,
    name       TEXT NOT NULL,
    version    INTEGER NOT NULL,
    body       TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (kind, name)
);

CREATE TABLE settings_audit (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    kind     TEXT NOT NULL,
    name     TEXT NOT NULL,
    version  INTEGER NOT NULL,
    at       INTEGER NOT NULL,
    actor    TEXT NOT NULL,
    old_body TEXT,
    new_body TEXT
);
CREATE INDEX settings_audit_doc ON settings_audit (kind, name, id);

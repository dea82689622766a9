-- Step 3: the event log becomes a stream source with cursors, a relay lease,
-- dead letters and pruning.
--
-- events.recorded_at is when the row was stored, by the database's clock: the
-- relay prunes published rows by it, and the payload's recorded_at cannot be
-- trusted for that (a test clock, another host's clock). SQLite cannot add a
-- column with a non-constant default, so the table is rebuilt; existing rows
-- take the time from their payload (to the millisecond: SQLite's date
-- functions keep no more, and pruning needs no more).
CREATE TABLE events_new (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    id             TEXT NOT NULL UNIQUE,
    ticket_id      INTEGER NOT NULL,
    ticket_version INTEGER NOT NULL,
    type           TEXT NOT NULL,
    at             INTEGER NOT NULL,
    payload        TEXT NOT NULL,
    recorded_at    INTEGER NOT NULL DEFAULT (CAST(unixepoch('subsec') * 1000000 AS INTEGER)),
    UNIQUE (ticket_id, ticket_version)
);
INSERT INTO events_new (seq, id, ticket_id, ticket_version, type, at, payload, recorded_at)
SELECT seq, id, ticket_id, ticket_version, type, at, payload,
       COALESCE(CASE WHEN json_valid(payload)
                     THEN CAST(unixepoch(json_extract(payload, '$.recorded_at'), 'subsec') * 1000000 AS INTEGER) END,
                CAST(unixepoch('subsec') * 1000000 AS INTEGER))
FROM events;
-- AUTOINCREMENT must never hand out a seq again, even one whose row is gone.
DELETE FROM sqlite_sequence WHERE name = 'events_new';
INSERT INTO sqlite_sequence (name, seq) SELECT 'events_new', seq FROM sqlite_sequence WHERE name = 'events';
DROP TABLE events;
ALTER TABLE events_new RENAME TO events;

-- Where each reader of the log (the relay, log consumers) has got to.
CREATE TABLE stream_cursors (
    name       TEXT PRIMARY KEY,
    seq        INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

-- One holder at a time (the active relay among several instances).
CREATE TABLE stream_leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);

-- Events a consumer gave up on. One row per place in the stream, so parking
-- again after a crash (before the commit) does not duplicate it.
CREATE TABLE dead_letters (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    consumer    TEXT NOT NULL,
    part        INTEGER NOT NULL,
    off         INTEGER NOT NULL,
    event_id    TEXT NOT NULL,
    ticket_id   INTEGER NOT NULL,
    payload     BLOB NOT NULL,
    error       TEXT NOT NULL,
    attempts    INTEGER NOT NULL,
    parked_at   INTEGER NOT NULL,
    replayed_at INTEGER,
    UNIQUE (consumer, part, off)
);
CREATE INDEX dead_letters_unresolved ON dead_letters (consumer, id) WHERE replayed_at IS NULL;

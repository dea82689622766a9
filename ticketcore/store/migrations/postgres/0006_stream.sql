-- Step 3: the event log becomes a stream source with cursors, a relay lease,
-- dead letters and pruning.
--
-- events.recorded_at is when the row was stored, by the database's clock: the
-- relay prunes published rows by it, and the payload's recorded_at cannot be
-- trusted for that (a test clock, another host's clock). Existing rows take
-- the time from their payload.
ALTER TABLE events ADD COLUMN recorded_at BIGINT;
UPDATE events SET recorded_at = (extract(epoch FROM (payload::jsonb ->> 'recorded_at')::timestamptz) * 1000000)::bigint;
UPDATE events SET recorded_at = (extract(epoch FROM clock_timestamp()) * 1000000)::bigint WHERE recorded_at IS NULL;
ALTER TABLE events
    ALTER COLUMN recorded_at SET DEFAULT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint,
    ALTER COLUMN recorded_at SET NOT NULL;

-- Where each reader of the log (the relay, log consumers) has got to.
CREATE TABLE stream_cursors (
    name       TEXT PRIMARY KEY,
    seq        BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- One holder at a time (the active relay among several instances).
CREATE TABLE stream_leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- Events a consumer gave up on. One row per place in the stream, so parking
-- again after a crash (before the commit) does not duplicate it.
CREATE TABLE dead_letters (
    id          BIGSERIAL PRIMARY KEY,
    consumer    TEXT NOT NULL,
    part        INTEGER NOT NULL,
    off         BIGINT NOT NULL,
    event_id    TEXT NOT NULL,
    ticket_id   BIGINT NOT NULL,
    payload     BYTEA NOT NULL,
    error       TEXT NOT NULL,
    attempts    INTEGER NOT NULL,
    parked_at   BIGINT NOT NULL,
    replayed_at BIGINT,
    UNIQUE (consumer, part, off)
);
CREATE INDEX dead_letters_unresolved ON dead_letters (consumer, id) WHERE replayed_at IS NULL;

-- Per-version facts kept at load time (analytics.Flow), so that state at an
-- instant, handoffs, bounces and reopens are read from rows instead of being
-- recomputed from every ticket's intervals at query time: on the ticket row
-- as of its latest version (and carried to the next batch), on each
-- interval as of its own. Rows written before this migration cover time
-- from their start and have no flow facts; `deskmine ingest --replay`
-- fills them.
ALTER TABLE intervals ADD COLUMN covers_from TIMESTAMP;
UPDATE intervals SET covers_from = start_at;
ALTER TABLE intervals ADD COLUMN covers_to TIMESTAMP;
UPDATE intervals SET covers_to = end_at;
ALTER TABLE intervals ADD COLUMN open_since TIMESTAMP;
ALTER TABLE intervals ADD COLUMN warned BOOLEAN DEFAULT false;
ALTER TABLE intervals ADD COLUMN handoff BOOLEAN DEFAULT false;
ALTER TABLE intervals ADD COLUMN bounce BOOLEAN DEFAULT false;
ALTER TABLE intervals ADD COLUMN prev_team VARCHAR DEFAULT '';
ALTER TABLE intervals ADD COLUMN resolution BOOLEAN DEFAULT false;
ALTER TABLE tickets ADD COLUMN covers_from TIMESTAMP;
UPDATE tickets SET covers_from = last_at;
ALTER TABLE tickets ADD COLUMN open_since TIMESTAMP;
ALTER TABLE tickets ADD COLUMN warned BOOLEAN DEFAULT false;
ALTER TABLE tickets ADD COLUMN handoffs BIGINT DEFAULT 0;
ALTER TABLE tickets ADD COLUMN bounces BIGINT DEFAULT 0;
ALTER TABLE tickets ADD COLUMN team_before VARCHAR DEFAULT '';
ALTER TABLE tickets ADD COLUMN last_open_version BIGINT DEFAULT 0;
ALTER TABLE tickets ADD COLUMN handoff BOOLEAN DEFAULT false;
ALTER TABLE tickets ADD COLUMN bounce BOOLEAN DEFAULT false;
ALTER TABLE tickets ADD COLUMN prev_team VARCHAR DEFAULT '';
ALTER TABLE tickets ADD COLUMN resolution BOOLEAN DEFAULT false;

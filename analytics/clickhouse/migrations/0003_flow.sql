-- Per-version facts kept at load time (analytics.Flow), so that state at an
-- instant, handoffs, bounces and reopens are read from rows instead of being
-- recomputed from every ticket's intervals at query time: on the ticket row
-- as of its latest version (and carried to the next batch), on each
-- interval as of its own. Rows written before this migration cover time
-- from their start (the defaults below) and have no flow facts;
-- `deskmine ingest --replay` fills them.
ALTER TABLE intervals ADD COLUMN covers_from DateTime('UTC') DEFAULT start_at;
ALTER TABLE intervals ADD COLUMN covers_to Nullable(DateTime('UTC')) DEFAULT end_at;
ALTER TABLE intervals ADD COLUMN open_since Nullable(DateTime('UTC'));
ALTER TABLE intervals ADD COLUMN warned UInt8;
ALTER TABLE intervals ADD COLUMN handoff UInt8;
ALTER TABLE intervals ADD COLUMN bounce UInt8;
ALTER TABLE intervals ADD COLUMN prev_team String;
ALTER TABLE intervals ADD COLUMN resolution UInt8;
ALTER TABLE tickets ADD COLUMN covers_from DateTime('UTC') DEFAULT last_at;
ALTER TABLE tickets ADD COLUMN open_since Nullable(DateTime('UTC'));
ALTER TABLE tickets ADD COLUMN warned UInt8;
ALTER TABLE tickets ADD COLUMN handoffs Int64;
ALTER TABLE tickets ADD COLUMN bounces Int64;
ALTER TABLE tickets ADD COLUMN team_before String;
ALTER TABLE tickets ADD COLUMN last_open_version Int64;
ALTER TABLE tickets ADD COLUMN handoff UInt8;
ALTER TABLE tickets ADD COLUMN bounce UInt8;
ALTER TABLE tickets ADD COLUMN prev_team String;
ALTER TABLE tickets ADD COLUMN resolution UInt8;

-- ticket_state: the latest ticket rows read without FINAL. 18.16 merges
-- every selected part of a FINAL read in one stream on one core: reading
-- all tickets' latest state that way cost 110-170 ms per statement at a
-- million tickets. Here each new version is a row with sign = 1, and Apply
-- writes beside it a cancel row (sign = -1, only the key and version set)
-- for the version it replaces. A ticket's live row is therefore its row
-- with sign = 1 that no cancel row names, which a query tests with NOT IN
-- over the cancel rows not merged away yet; merges drop each pair, so that
-- set stays small. Written last by every batch, in one block (one part:
-- the table has no partitions), it is the watermark Apply reads the prior
-- state from: a batch either wrote all its pairs or none, and a retried or
-- replayed batch writes only versions above the watermark, so no pair is
-- written twice.
--
-- The CREATE has no IF NOT EXISTS on purpose: of processes migrating at
-- once, one creates and fills the table (one statement), the others wait for this
-- migration to be recorded (Store.Migrate), so the rows are copied once.
CREATE TABLE ticket_state
ENGINE = CollapsingMergeTree(sign)
ORDER BY (created_at, ticket_id, version)
AS SELECT *, toInt8(1) AS sign FROM tickets_by_creation FINAL;

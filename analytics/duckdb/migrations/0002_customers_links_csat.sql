-- Repeat tickets, custom-field dimensions, ticket chains and CSAT: the
-- customer's identity, custom fields as parallel name/value lists, links as
-- parallel type/target lists and the latest rating, at the end of the event
-- and ticket tables; product and the SLA state on intervals for handoffs by
-- product and the SLA state at an instant. Rows written before this
-- migration get the empty values; `deskmine ingest --replay` fills them.
-- DuckDB cannot add a column with NOT NULL: Apply never writes NULL to these
-- but csat_at.
ALTER TABLE events ADD COLUMN customer_key VARCHAR DEFAULT '';
ALTER TABLE events ADD COLUMN cf_keys VARCHAR[] DEFAULT [];
ALTER TABLE events ADD COLUMN cf_values VARCHAR[] DEFAULT [];
ALTER TABLE events ADD COLUMN link_types VARCHAR[] DEFAULT [];
ALTER TABLE events ADD COLUMN link_targets BIGINT[] DEFAULT [];
ALTER TABLE events ADD COLUMN csat_score BIGINT DEFAULT 0;
ALTER TABLE events ADD COLUMN csat_at TIMESTAMP;
ALTER TABLE tickets ADD COLUMN customer_key VARCHAR DEFAULT '';
ALTER TABLE tickets ADD COLUMN cf_keys VARCHAR[] DEFAULT [];
ALTER TABLE tickets ADD COLUMN cf_values VARCHAR[] DEFAULT [];
ALTER TABLE tickets ADD COLUMN link_types VARCHAR[] DEFAULT [];
ALTER TABLE tickets ADD COLUMN link_targets BIGINT[] DEFAULT [];
ALTER TABLE tickets ADD COLUMN csat_score BIGINT DEFAULT 0;
ALTER TABLE tickets ADD COLUMN csat_at TIMESTAMP;
ALTER TABLE intervals ADD COLUMN product VARCHAR DEFAULT '';
ALTER TABLE intervals ADD COLUMN sla_breached BOOLEAN DEFAULT false;

-- Repeat tickets, custom-field dimensions, ticket chains and CSAT: the
-- customer's identity, custom fields as parallel name/value lists, links as
-- parallel type/target lists and the latest rating, at the end of the event
-- and ticket tables; product and the SLA state on intervals for handoffs by
-- product and the SLA state at an instant. Rows written before this
-- migration get the empty values; `deskmine ingest --replay` fills them.
ALTER TABLE events ADD COLUMN customer_key String;
ALTER TABLE events ADD COLUMN cf_keys Array(String);
ALTER TABLE events ADD COLUMN cf_values Array(String);
ALTER TABLE events ADD COLUMN link_types Array(String);
ALTER TABLE events ADD COLUMN link_targets Array(Int64);
ALTER TABLE events ADD COLUMN csat_score Int64;
ALTER TABLE events ADD COLUMN csat_at Nullable(DateTime('UTC'));
ALTER TABLE tickets ADD COLUMN customer_key String;
ALTER TABLE tickets ADD COLUMN cf_keys Array(String);
ALTER TABLE tickets ADD COLUMN cf_values Array(String);
ALTER TABLE tickets ADD COLUMN link_types Array(String);
ALTER TABLE tickets ADD COLUMN link_targets Array(Int64);
ALTER TABLE tickets ADD COLUMN csat_score Int64;
ALTER TABLE tickets ADD COLUMN csat_at Nullable(DateTime('UTC'));
ALTER TABLE intervals ADD COLUMN product String;
ALTER TABLE intervals ADD COLUMN sla_breached UInt8;

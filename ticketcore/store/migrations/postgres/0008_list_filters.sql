-- The ticket list filters by the analytics hotspot dimensions, so that a
-- dashboard bar (category = Network, created in week W) lands on its
-- tickets. Each dimension the ticket holds as one text gets a column,
-- written with every insert and update of the ticket; existing rows take
-- theirs from doc here. cf_text holds the custom fields as a JSON object of
-- name -> text as the analytics renders them (ticketcore.CustomFieldText);
-- that rendering (shortest decimals, sorted lists) is Go's, so the store
-- fills cf_text of existing rows in Go right after this step (migrate.go).
-- Tags are matched in doc: a list filtered by tag is narrowed by the other
-- filters first, and a tag table would cost a write per tag.
ALTER TABLE tickets
    ADD COLUMN category TEXT NOT NULL DEFAULT '',
    ADD COLUMN product TEXT NOT NULL DEFAULT '',
    ADD COLUMN channel TEXT NOT NULL DEFAULT '',
    ADD COLUMN region TEXT NOT NULL DEFAULT '',
    ADD COLUMN customer_tier TEXT NOT NULL DEFAULT '',
    ADD COLUMN ticket_type TEXT NOT NULL DEFAULT '',
    ADD COLUMN cf_text TEXT NOT NULL DEFAULT '{}';

UPDATE tickets t SET
    category      = COALESCE(d.j ->> 'category', ''),
    product       = COALESCE(d.j ->> 'product', ''),
    channel       = COALESCE(d.j ->> 'channel', ''),
    region        = COALESCE(d.j ->> 'region', ''),
    customer_tier = COALESCE(d.j -> 'customer' ->> 'tier', ''),
    ticket_type   = COALESCE(d.j ->> 'type', '')
FROM (SELECT id, doc::jsonb AS j FROM tickets) d
WHERE t.id = d.id;

-- Category and product have many values, each a small share of the tickets:
-- the drill-down (one value, a week, newest first) reads its page straight
-- from these. Channel, region, tier and type have a few values each; the
-- created_at index with a filter serves them as well.
CREATE INDEX tickets_category ON tickets (category, created_at, id);
CREATE INDEX tickets_product ON tickets (product, created_at, id);

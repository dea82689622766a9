-- Routing and queues read the open tickets by state: the load of every
-- assignee at start-up, an agent's open tickets, a team's unassigned ones
-- (most urgent priority first, then oldest).
CREATE INDEX IF NOT EXISTS tickets_desk ON tickets (status, assignee, team, priority, created_at, id);

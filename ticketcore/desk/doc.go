// Package desk is the live routing desk of the ticket core: skill groups
// (teams) and agents, the routing rules, the assignment of tickets to agents
// and each agent's queue. It wires the pure engine ticketcore/routing to the
// ticket service and the store.
//
// # Configuration
//
// Teams, agents and the rule set are settings documents (ticketcore.Setting)
// of kind "team" (named by the team), "agent" (named by the login) and
// "routing_rules" (named "default"). Every save is validated against the
// whole configuration, stored as a new version and audited with its actor;
// SettingHistory returns the audit. A save that would leave the saved rules
// invalid (deleting a team a rule sends tickets to) is refused with the
// rule's location. Errors are *ticketcore.Error: CodeInvalid (422) with one
// entry per offending field, keyed by paths such as "capacity",
// "working_hours.week.mon[0].start" or "rules[3].conditions.all[1].field";
// CodeConflict (409) for a stale expected version; CodeNotFound (404).
//
// An agent document:
//
//	{
//	  "login": "li.na", "name": "Li Na",
//	  "teams": ["billing", "support"],
//	  "skills": {"refunds": 4, "invoices": 2},
//	  "regions": ["cn-east"], "languages": ["zh", "en"],
//	  "capacity": 12, "level": 1, "status": "online",
//	  "working_hours": {"time_zone": "Asia/Shanghai",
//	    "week": {"mon": [{"start": "09:00", "end": "18:00"}], "tue": [{"start": "09:00", "end": "18:00"}]},
//	    "holidays": ["2026-10-01"]}
//	}
//
// Capacity is in weighted tickets: an open ticket weighs Options.LoadWeights
// by priority (default P1 4, P2 2, P3 1, P4 1). Working hours are a business
// calendar (ticketcore/calendar); without them the agent works around the
// clock. An agent's login must be an active user with role agent, manager
// or admin.
//
// # Dispatch
//
// A Desk holds the compiled rules and a routing.Roster (teams, agents,
// their live loads, round-robin positions and each customer's last agent)
// under one mutex. It is rebuilt from the settings at start and after every
// change of them; loads are counted from the open tickets (workflow states
// of kind new, open and pending) at start and by Reload, and kept right
// between by the desk's after-commit hook: an assignment adds the ticket's
// weight to its agent, and resolving, closing, reassigning or re-prioritising
// moves it.
//
// The desk is the service's Router: a new ticket runs through the rules
// (team, priority, tags, SLA policy, assignment) and, when a rule or the
// caller asks for "auto", through its team's strategy, overflowing to
// backup teams. The created event's reason names the rules that matched,
// the strategy, the agent and any overflow. An agent going offline
// (SetAgentStatus) has their open tickets re-routed by the system actor, each
// event saying why; Update re-routes a ticket whose new assignee is "auto".
//
// With several API replicas each desk sees only its own commits between
// reloads; run Run (or call Reload) to re-count loads and re-read settings
// periodically.
package desk

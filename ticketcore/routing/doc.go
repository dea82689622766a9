// Package routing decides where a ticket goes: which team, which priority and
// SLA policy, which tags, and which agent. It is pure: no database, no HTTP,
// no clock (callers pass the time), no package-level mutable state.
//
// # Pieces
//
//   - A RuleSet is an ordered, versioned list of rules, stored as JSON.
//     ParseRuleSet decodes it (reporting unknown keys and wrong JSON types
//     with their location); RuleSet.Validate checks it against KnownFields
//     and returns every problem with a location such as
//     rules[3].conditions.all[1].field.
//   - Compile turns a valid RuleSet into a Router: all keywords of all rules
//     in one Aho-Corasick automaton, value lists pre-hashed, rules gated by
//     channel. Router.Apply runs the rules (Outcome); Router.Explain says
//     why, rule by rule; Router.Route runs the rules and assigns.
//   - A Roster holds teams, agents and the live assignment state (loads,
//     round-robin positions, each customer's last agent). Roster.Assign
//     runs a team's strategy and returns a Decision; Roster.Commit records
//     it; Roster.Offline re-routes the tickets of an agent who leaves.
//   - Score and OrderQueue rank a queue by customer tier, urgency, priority
//     and SLA time remaining.
//
// # Rule format
//
//	{
//	  "version": 7,
//	  "rules": [
//	    {
//	      "id": "vip-refunds",
//	      "name": "VIP and enterprise refunds go to billing",
//	      "enabled": true,
//	      "stop": true,
//	      "conditions": {
//	        "all": [
//	          {"field": "customer.tier", "op": "in", "value": ["vip", "enterprise"]},
//	          {"field": "text", "op": "keywords", "value": ["退款", "refund*", "money back"]},
//	          {"not": {"field": "tags", "op": "contains", "value": "spam"}},
//	          {"any": [
//	            {"field": "channel", "op": "in", "value": ["email", "web"]},
//	            {"field": "custom_fields.order_total", "op": "gte", "value": 500}
//	          ]}
//	        ]
//	      },
//	      "actions": [
//	        {"type": "set_team", "team": "billing"},
//	        {"type": "set_priority", "priority": "P2"},
//	        {"type": "add_tags", "tags": ["refund", "vip"]},
//	        {"type": "set_sla_policy", "policy": "vip"},
//	        {"type": "add_skills", "skills": ["refunds"]},
//	        {"type": "assign", "agent": "auto"}
//	      ]
//	    }
//	  ]
//	}
//
// A condition is exactly one of "all" (every child holds; an empty list is
// true), "any" (at least one child; must not be empty), "not" (one child) or
// a leaf {"field", "op", "value"}. A rule whose conditions are omitted or
// {} matches every ticket. Nesting is limited to 12 levels.
//
// Fields and the operators they take:
//
//	text   subject, description, text (subject and description), order_ref,
//	       customer.email, customer.organisation, custom text fields:
//	       eq ne in not_in (case-insensitive), contains (case-insensitive
//	       substring), exists, keywords
//	enum   type, category, product, channel, urgency, priority, status, region,
//	       team, assignee, customer.tier, customer.region, custom enum fields:
//	       eq ne in not_in (exact), exists; values are checked against
//	       KnownFields when the list is known
//	list   tags (case-insensitive), custom multi_enum fields: contains (the
//	       value, or all values of a list), in (any overlap), not_in (no
//	       overlap), exists (non-empty)
//	number reopen_count, custom number fields: eq ne in not_in gt lt gte lte exists
//	date   created_at, custom date fields: eq ne gt lt gte lte exists, compared
//	       by calendar day in UTC; values "YYYY-MM-DD" or RFC 3339
//
// An empty or missing value makes eq, in and the comparisons false and ne
// and not_in true. exists takes no value (or true), or false for "is empty".
//
// keywords takes a keyword or a list and holds when any is found. Matching
// is case-insensitive; English (and any script with spaces) matches whole
// words, so "refund" matches "Refund!" but not "refunds" or "non-refundable"
// (write "refund*" for a prefix, "*fund" for a suffix); runs of white space
// match any white space; Chinese, Japanese and Korean characters match as
// substrings ("退款" is found in "我要申请退款") and count as word boundaries
// for Latin text ("refund" is found in "申请refund"). Full-width Latin letters
// match their ASCII forms.
//
// Actions: set_team {team}, set_priority {priority}, add_tags {tags},
// set_sla_policy {policy}, assign {agent: a login or "auto" for the team's
// strategy}, add_skills {skills: needed by the skill_preference strategy}.
// A field that the action type does not use is a validation error.
//
// # Evaluation
//
// Rules run in order; disabled rules are skipped. A matching rule applies its
// actions in order; a later set_team, set_priority, set_sla_policy or assign
// overrides an earlier one, add_tags and add_skills accumulate. Conditions
// see the changes of earlier matching rules (team, priority, tags), so a rule
// can tag a ticket for a later rule to route. A matching rule with "stop"
// (the default in JSON) ends evaluation. The ticket itself is never changed:
// the Outcome says what to change, and Outcome.ApplyTo applies it to a copy.
//
// # Assignment
//
// An agent is available when online (away agents keep their tickets but get
// no new ones), within their working hours, at or above the requested level,
// not excluded, and their weighted load plus the ticket's weight (by
// priority, default P1 4, P2 2, P3 1, P4 1) fits their capacity. Among the
// available members of the team:
//
//   - least_loaded takes the lowest load relative to capacity, then the
//     lowest load, then the one assigned longest ago, then by login;
//   - round_robin takes the next agent by login after the team's last pick,
//     wrapping around; the rotation depends only on the history of commits,
//     so it is deterministic;
//   - sticky takes the customer's last agent if they are an available member
//     of the team, else falls back to least_loaded (the Decision then says
//     least_loaded, and why);
//   - skill_preference takes the agent covering the most needed skills, then
//     with the highest sum of levels in them, then least_loaded; needed
//     skills are the team's, the category's (RosterOptions.CategorySkills)
//     and those added by rules.
//
// Language and region are preferred, never required: a ticket's language is
// its custom field "language" or, failing that, recognised from Chinese,
// Japanese or Korean script; its region is its region or its customer's. An
// agent speaking the language ranks above one who does not, and one in the
// region above one who is not (language first), before the strategy's own
// order (for round_robin: the rotation runs among the best-matching agents).
// For skill_preference, skills rank before language and region.
//
// When a team has no available agent, the ticket overflows to its backup
// team, and so on along the chain; a team already tried ends the chain, so
// cycles are harmless. When no team of the chain has anyone, the Decision has
// no agent and the ticket stays queued in the team asked for.
package routing

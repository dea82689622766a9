package routing

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func testKnown() KnownFields {
	return KnownFields{
		Teams:         []string{"support", "billing", "tier2", "vip"},
		Agents:        []string{"alice", "bob"},
		SLAPolicies:   []string{"standard", "vip"},
		TicketTypes:   []string{"question", "incident", "problem", "request", "complaint"},
		CustomerTiers: []string{"standard", "premium", "vip", "enterprise"},
		CustomFields: map[string]CustomField{
			"plan":        {Kind: FieldEnum, Options: []string{"free", "pro", "enterprise"}},
			"features":    {Kind: FieldMultiEnum, Options: []string{"sso", "api", "audit"}},
			"order_total": {Kind: FieldNumber},
			"due":         {Kind: FieldDate},
			"note":        {Kind: FieldText},
		},
	}
}

func problemsOf(t *testing.T, err error) []string {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want a *ValidationError, got %v", err)
	}
	out := make([]string, len(ve.Problems))
	for i, p := range ve.Problems {
		out[i] = p.String()
	}
	return out
}

func TestParseRuleSetDefaultsAndRoundTrip(t *testing.T) {
	rs, err := ParseRuleSet([]byte(`{"version": 2, "rules": [
		{"id": "a", "conditions": {"field": "channel", "op": "eq", "value": "email"}, "actions": [{"type": "set_team", "team": "billing"}]},
		{"id": "b", "enabled": false, "stop": false, "actions": [{"type": "assign", "agent": "auto"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if rs.Version != 2 || len(rs.Rules) != 2 {
		t.Fatalf("got %+v", rs)
	}
	if a := rs.Rules[0]; !a.Enabled || !a.Stop {
		t.Errorf("enabled and stop must default to true: %+v", a)
	}
	if b := rs.Rules[1]; b.Enabled || b.Stop || !b.Conditions.isZero() {
		t.Errorf("explicit false and omitted conditions not kept: %+v", b)
	}
	if err := rs.Validate(testKnown()); err != nil {
		t.Fatal(err)
	}
}

func TestParseRuleSetShapeProblems(t *testing.T) {
	_, err := ParseRuleSet([]byte(`{"version": "one", "rulez": [], "rules": [
		{"id": 7, "enabled": "yes", "conditons": {}, "conditions": {"all": [{"feild": "x"}, {"any": {}}], "not": []},
		 "actions": [{"type": "add_tags", "tags": ["a", 3], "colour": "red"}]},
		"nope"]}`))
	got := problemsOf(t, err)
	want := []string{
		`rulez: unknown key "rulez"`,
		`version: must be an integer`,
		`rules[0].conditons: unknown key "conditons"`,
		`rules[0].enabled: must be true or false`,
		`rules[0].id: must be a string`,
		`rules[0].conditions.all[0].feild: unknown key "feild"`,
		`rules[0].conditions.all[1].any: must be a list of conditions`,
		`rules[0].conditions.not: must be an object`,
		`rules[0].actions[0].colour: unknown key "colour"`,
		`rules[0].actions[0].tags[1]: must be a string`,
		`rules[1]: must be an object`,
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("problems:\n got %q\nwant %q", got, want)
	}
}

func TestParseRuleSetSyntax(t *testing.T) {
	for _, doc := range []string{`{"version": 1,`, `{"version": 1} {}`, `[]`} {
		if _, err := ParseRuleSet([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", doc)
		}
	}
}

// rule wraps one condition and its actions into a rule set document.
func ruleDoc(cond, actions string) string {
	if actions == "" {
		actions = `[{"type": "set_team", "team": "billing"}]`
	}
	return fmt.Sprintf(`{"version": 1, "rules": [{"id": "r", "conditions": %s, "actions": %s}]}`, cond, actions)
}

func TestValidateLocations(t *testing.T) {
	cases := []struct {
		name string
		doc  string
		want []string // exact problems
	}{
		{"unknown field", ruleDoc(`{"all": [{"field": "channel", "op": "eq", "value": "email"}, {"field": "colour", "op": "eq", "value": "red"}]}`, ""),
			[]string{`rules[0].conditions.all[1].field: unknown field "colour"; fields are ` + builtinFields + ` and custom_fields.NAME`}},
		{"unknown custom field", ruleDoc(`{"field": "custom_fields.size", "op": "exists"}`, ""),
			[]string{`rules[0].conditions.field: unknown custom field "size"`}},
		{"unknown operator", ruleDoc(`{"field": "subject", "op": "like", "value": "x"}`, ""),
			[]string{`rules[0].conditions.op: unknown operator "like"; operators are eq, ne, in, not_in, contains, gt, lt, gte, lte, exists, keywords`}},
		{"operator does not fit enum", ruleDoc(`{"field": "channel", "op": "gt", "value": "email"}`, ""),
			[]string{`rules[0].conditions.op: operator "gt" does not apply to enum field "channel"; use one of eq, ne, in, not_in, exists`}},
		{"keywords on a number", ruleDoc(`{"field": "custom_fields.order_total", "op": "keywords", "value": ["x"]}`, ""),
			[]string{`rules[0].conditions.op: operator "keywords" does not apply to number field "custom_fields.order_total"; use one of eq, ne, in, not_in, gt, lt, gte, lte, exists`}},
		{"contains on enum", ruleDoc(`{"field": "priority", "op": "contains", "value": "P1"}`, ""),
			[]string{`rules[0].conditions.op: operator "contains" does not apply to enum field "priority"; use one of eq, ne, in, not_in, exists`}},
		{"missing field and op", ruleDoc(`{"value": 3}`, ""),
			[]string{`rules[0].conditions.field: is required`, `rules[0].conditions.op: is required`}},
		{"unknown channel", ruleDoc(`{"field": "channel", "op": "eq", "value": "fax"}`, ""),
			[]string{`rules[0].conditions.value: "fax" is not a known channel (email, chat, phone, social, web, api)`}},
		{"unknown tier in list", ruleDoc(`{"field": "customer.tier", "op": "in", "value": ["vip", "gold", "platinum"]}`, ""),
			[]string{`rules[0].conditions.value[1]: "gold" is not a known customer tier (standard, premium, vip, enterprise)`,
				`rules[0].conditions.value[2]: "platinum" is not a known customer tier (standard, premium, vip, enterprise)`}},
		{"unknown enum option", ruleDoc(`{"field": "custom_fields.plan", "op": "ne", "value": "gold"}`, ""),
			[]string{`rules[0].conditions.value: "gold" is not a known option of custom field "plan" (free, pro, enterprise)`}},
		{"unknown multi-enum option", ruleDoc(`{"field": "custom_fields.features", "op": "contains", "value": ["sso", "ldap"]}`, ""),
			[]string{`rules[0].conditions.value[1]: "ldap" is not a known option of custom field "features" (sso, api, audit)`}},
		{"unknown team in condition", ruleDoc(`{"field": "team", "op": "eq", "value": "sales"}`, ""),
			[]string{`rules[0].conditions.value: "sales" is not a known team (support, billing, tier2, vip)`}},
		{"empty in list", ruleDoc(`{"field": "type", "op": "in", "value": []}`, ""),
			[]string{`rules[0].conditions.value: must be a non-empty list`}},
		{"scalar for in", ruleDoc(`{"field": "type", "op": "not_in", "value": "question"}`, ""),
			[]string{`rules[0].conditions.value: must be a non-empty list`}},
		{"string for a number", ruleDoc(`{"field": "custom_fields.order_total", "op": "gte", "value": "100"}`, ""),
			[]string{`rules[0].conditions.value: must be a number`}},
		{"bad number in list", ruleDoc(`{"field": "reopen_count", "op": "in", "value": [1, "two"]}`, ""),
			[]string{`rules[0].conditions.value[1]: must be a number`}},
		{"bad date", ruleDoc(`{"field": "created_at", "op": "lt", "value": "31/12/2025"}`, ""),
			[]string{`rules[0].conditions.value: must be a date as YYYY-MM-DD`}},
		{"list compared with eq", ruleDoc(`{"field": "tags", "op": "eq", "value": "vip"}`, ""),
			[]string{`rules[0].conditions.op: operator "eq" does not apply to list field "tags"; use one of contains, in, not_in, exists`}},
		{"bad tag", ruleDoc(`{"field": "tags", "op": "contains", "value": "no spaces"}`, ""),
			[]string{`rules[0].conditions.value: tag "no spaces" must be letters, digits and _-:./`}},
		{"exists with a string", ruleDoc(`{"field": "order_ref", "op": "exists", "value": "yes"}`, ""),
			[]string{`rules[0].conditions.value: must be true, false or omitted`}},
		{"keywords", ruleDoc(`{"field": "text", "op": "keywords", "value": ["退款", "", "re*fund", "*", 5]}`, ""),
			[]string{`rules[0].conditions.value: must be a keyword or a non-empty list of keywords`}},
		{"keyword problems", ruleDoc(`{"field": "text", "op": "keywords", "value": ["退款", " ", "re*fund", "**", "\u0001\u0002"]}`, ""),
			[]string{`rules[0].conditions.value[1]: keyword is empty`,
				`rules[0].conditions.value[2]: keyword "re*fund": * is only allowed at the start or the end`,
				`rules[0].conditions.value[3]: keyword "**" has no text besides *`,
				`rules[0].conditions.value[4]: keyword "\u0001\u0002" has no visible characters`}},
		{"two kinds of node", ruleDoc(`{"all": [{"field": "subject", "op": "exists", "any": [{"field": "subject", "op": "exists"}]}]}`, ""),
			[]string{`rules[0].conditions.all[0]: must have exactly one of all, any, not or field`}},
		{"empty nested node", ruleDoc(`{"all": [{}]}`, ""),
			[]string{`rules[0].conditions.all[0]: must have exactly one of all, any, not or field`}},
		{"empty any", ruleDoc(`{"any": []}`, ""),
			[]string{`rules[0].conditions.any: needs at least one condition`}},
		{"deep location", ruleDoc(`{"any": [{"not": {"all": [{"field": "subject", "op": "exists"}, {"field": "urgency", "op": "in", "value": ["urgent"]}]}}]}`, ""),
			[]string{`rules[0].conditions.any[0].not.all[1].value[0]: "urgent" is not a known urgency (low, medium, high, critical)`}},
		{"actions", ruleDoc(`{}`, `[{"type": "set_team", "team": "sales"}, {"type": "set_priority", "priority": "P9", "team": "billing"},
			{"type": "set_sla_policy", "policy": "gold"}, {"type": "assign", "agent": "carol"}, {"type": "add_tags", "tags": ["ok", "not ok"]},
			{"type": "add_skills"}, {"type": "escalate"}, {"type": "assign"}, {}]`),
			[]string{`rules[0].actions[0].team: unknown team "sales"`,
				`rules[0].actions[1].priority: unknown priority "P9"`,
				`rules[0].actions[1].team: is not used by set_priority`,
				`rules[0].actions[2].policy: unknown SLA policy "gold"`,
				`rules[0].actions[3].agent: unknown agent "carol"`,
				`rules[0].actions[4].tags[1]: tag "not ok" must be letters, digits and _-:./, at most 50 characters`,
				`rules[0].actions[5].skills: needs at least one skill`,
				`rules[0].actions[6].type: unknown action "escalate"; actions are set_team, set_priority, add_tags, set_sla_policy, assign, add_skills`,
				`rules[0].actions[7].agent: is required`,
				`rules[0].actions[8].type: is required`}},
		{"rule ids and version", `{"version": 0, "rules": [
			{"id": "a", "actions": [{"type": "assign", "agent": "auto"}]},
			{"id": "", "actions": [{"type": "assign", "agent": "auto"}]},
			{"id": "a", "actions": [{"type": "assign", "agent": "auto"}]},
			{"id": "b", "stop": false, "actions": []}]}`,
			[]string{`version: must be at least 1`,
				`rules[1].id: is required`,
				`rules[2].id: duplicate id "a" (also rules[0])`,
				`rules[3].actions: a rule without actions that does not stop has no effect`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rs, err := ParseRuleSet([]byte(c.doc))
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			got := problemsOf(t, rs.Validate(testKnown()))
			if !slices.Equal(got, c.want) {
				t.Errorf("problems:\n got %q\nwant %q", got, c.want)
			}
			if _, err := Compile(rs, testKnown()); err == nil || err.Error() != rs.Validate(testKnown()).Error() {
				t.Errorf("Compile must refuse with the same problems, got %v", err)
			}
		})
	}
}

func TestValidateAllProblemsAtOnce(t *testing.T) {
	rs, err := ParseRuleSet([]byte(`{"version": 1, "rules": [
		{"id": "r0", "conditions": {"field": "colour", "op": "eq", "value": "red"}, "actions": [{"type": "set_team", "team": "nope"}]},
		{"id": "r1", "conditions": {"field": "channel", "op": "in", "value": ["fax"]}, "actions": [{"type": "assign", "agent": "auto"}]},
		{"id": "r2", "conditions": {"field": "custom_fields.order_total", "op": "gt", "value": "x"}, "actions": [{"type": "set_priority", "priority": "high"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	got := problemsOf(t, rs.Validate(testKnown()))
	want := []string{"rules[0].conditions.field", "rules[0].actions[0].team", "rules[1].conditions.value[0]",
		"rules[2].conditions.value", "rules[2].actions[0].priority"}
	if len(got) != len(want) {
		t.Fatalf("got %d problems %q, want %d", len(got), got, len(want))
	}
	for i, p := range got {
		if !strings.HasPrefix(p, want[i]+": ") {
			t.Errorf("problem %d = %q, want location %s", i, p, want[i])
		}
	}
}

func TestValidateNilListsAreNotChecked(t *testing.T) {
	rs := RuleSet{Version: 1, Rules: []Rule{{ID: "r", Enabled: true, Stop: true,
		Conditions: Condition{Field: "customer.tier", Op: OpEq, Value: "gold"},
		Actions: []Action{{Type: ActionSetTeam, Team: "anything"}, {Type: ActionAssign, Agent: "anyone"},
			{Type: ActionSetSLAPolicy, Policy: "any"}}}}}
	if err := rs.Validate(KnownFields{}); err != nil {
		t.Errorf("with nil lists nothing is checked against them: %v", err)
	}
	// channel, urgency and priority have defaults
	rs.Rules[0].Conditions = Condition{Field: "priority", Op: OpEq, Value: "P5"}
	if err := rs.Validate(KnownFields{}); err == nil {
		t.Error("P5 accepted with the default priorities")
	}
}

func TestValidateDepthLimit(t *testing.T) {
	c := Condition{Field: "subject", Op: OpExists}
	for range maxDepth + 2 {
		c = Condition{Not: &c}
	}
	rs := RuleSet{Version: 1, Rules: []Rule{{ID: "deep", Enabled: true, Stop: true, Conditions: c,
		Actions: []Action{{Type: ActionAssign, Agent: AssignAuto}}}}}
	got := problemsOf(t, rs.Validate(KnownFields{}))
	if len(got) != 1 || !strings.Contains(got[0], "nested deeper than") || !strings.HasPrefix(got[0], "rules[0].conditions"+strings.Repeat(".not", maxDepth+1)+":") {
		t.Errorf("got %q", got)
	}
}

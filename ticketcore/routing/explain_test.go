package routing

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestExplain(t *testing.T) {
	rs, err := ParseRuleSet([]byte(`{"version": 5, "rules": [
		{"id": "spam", "name": "Drop spam", "conditions": {"field": "tags", "op": "contains", "value": "spam"}, "actions": []},
		{"id": "enterprise", "conditions": {"all": [
			{"field": "customer.tier", "op": "in", "value": ["enterprise"]},
			{"field": "text", "op": "keywords", "value": ["退款", "refund"]}]},
		 "actions": [{"type": "set_team", "team": "vip"}]},
		{"id": "off", "enabled": false, "actions": [{"type": "set_team", "team": "tier2"}]},
		{"id": "refunds", "name": "Refunds to billing", "conditions": {"all": [
			{"field": "text", "op": "keywords", "value": ["退款", "refund", "money back"]},
			{"field": "custom_fields.order_total", "op": "gte", "value": 100},
			{"not": {"field": "channel", "op": "eq", "value": "phone"}}]},
		 "actions": [{"type": "set_team", "team": "billing"}, {"type": "add_tags", "tags": ["refund"]}, {"type": "assign", "agent": "auto"}]},
		{"id": "after", "actions": [{"type": "set_team", "team": "tier2"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	r, err := Compile(rs, testKnown())
	if err != nil {
		t.Fatal(err)
	}
	ex := r.Explain(baseTicket())
	if ex.RuleSetVersion != 5 || ex.TicketID != 42 || len(ex.Rules) != 5 {
		t.Fatalf("header: %+v", ex)
	}
	results := []string{ResultNotMatched, ResultNotMatched, ResultDisabled, ResultMatched, ResultNotEvaluated}
	for i, want := range results {
		if ex.Rules[i].Result != want || ex.Rules[i].Index != i {
			t.Errorf("rule %d: result %q, want %q", i, ex.Rules[i].Result, want)
		}
	}
	spam := ex.Rules[0]
	if spam.Reason != `tags is ["billing", "repeat"], expected containing "spam"` || spam.Name != "Drop spam" {
		t.Errorf("spam reason: %q", spam.Reason)
	}
	ent := ex.Rules[1]
	if ent.Reason != `customer.tier is "vip", expected one of "enterprise"` {
		t.Errorf("enterprise reason: %q", ent.Reason)
	}
	if len(ent.Checks) != 2 || ent.Checks[0].Path != "rules[1].conditions.all[0]" || ent.Checks[0].Passed ||
		ent.Checks[0].Actual != "vip" || !ent.Checks[1].Passed {
		t.Errorf("enterprise checks: %+v", ent.Checks)
	}
	if kw := ent.Checks[1]; kw.Detail != `text contains "refund"` {
		t.Errorf("keyword check: %+v", kw)
	}
	ref := ex.Rules[3]
	wantReason := `text contains "refund", "money back" and custom_fields.order_total is 250, >= 100 and not (channel is "email", expected equal to "phone")`
	if ref.Reason != wantReason {
		t.Errorf("refunds reason:\n got %q\nwant %q", ref.Reason, wantReason)
	}
	if len(ref.Actions) != 3 || ref.Actions[0].Effect != `team "support" -> "billing"` || ref.Actions[1].Effect != "added tags refund" ||
		ref.Actions[2].Effect != "assign with the team's strategy" {
		t.Errorf("actions: %+v", ref.Actions)
	}
	if ex.Rules[4].Reason != `rule "refunds" matched and stopped evaluation` || ex.Rules[2].Reason != "rule is disabled" {
		t.Errorf("skipped reasons: %q, %q", ex.Rules[4].Reason, ex.Rules[2].Reason)
	}
	if ex.Outcome.Team != "billing" || ex.Outcome.StoppedBy != "refunds" {
		t.Errorf("outcome: %+v", ex.Outcome)
	}
	wantSummary := `1 of 5 rules matched (refunds); refunds stopped evaluation; team "billing", priority "P3", added tags refund, assign with the team's strategy`
	if ex.Summary != wantSummary {
		t.Errorf("summary:\n got %q\nwant %q", ex.Summary, wantSummary)
	}

	// JSON for the API
	b, err := json.Marshal(ex)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"rule_set_version":5`, `"result":"not_evaluated"`, `"path":"rules[3].conditions.all[1]"`,
		`"actual":["refund","money back"]`, `"type":"set_team","team":"billing","effect":"team \"support\" -\u003e \"billing\""`,
		`"expected":["退款","refund","money back"]`, `"outcome":{"team":"billing"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON lacks %s:\n%s", want, b)
		}
	}
}

func TestExplainAnyNotAndMissing(t *testing.T) {
	r, err := Compile(RuleSet{Version: 1, Rules: []Rule{
		{ID: "any", Enabled: true, Stop: false, Conditions: Condition{Any: []Condition{
			leafCond("channel", OpEq, "chat"), leafCond("custom_fields.due", OpLt, "2026-01-01"), leafCond("subject", OpKeywords, []string{"密码", "password"})}},
			Actions: []Action{{Type: ActionAssign, Agent: "alice"}}},
		{ID: "missing", Enabled: true, Stop: false, Conditions: leafCond("custom_fields.order_total", OpExists, nil),
			Actions: []Action{{Type: ActionAssign, Agent: "alice"}}},
		{ID: "no-spam", Enabled: true, Stop: false, Conditions: Condition{Not: &Condition{Field: "tags", Op: OpIn, Value: []string{"repeat", "spam"}}},
			Actions: []Action{{Type: ActionAssign, Agent: "alice"}}},
	}}, testKnown())
	if err != nil {
		t.Fatal(err)
	}
	tk := baseTicket()
	delete(tk.CustomFields, "order_total")
	ex := r.Explain(tk)
	want := []string{
		`none of: channel is "email", expected equal to "chat"; custom_fields.due is 2026-03-01, expected < 2026-01-01; subject contains none of "密码", "password"`,
		`custom_fields.order_total is not set, expected a value`,
		`not (tags is ["billing", "repeat"], one of "repeat", "spam")`,
	}
	for i, w := range want {
		if ex.Rules[i].Reason != w || ex.Rules[i].Result != ResultNotMatched {
			t.Errorf("rule %d: %s %q\nwant %q", i, ex.Rules[i].Result, ex.Rules[i].Reason, w)
		}
	}
	if c := ex.Rules[1].Checks[0]; c.Actual != nil || c.Passed {
		t.Errorf("missing value check: %+v", c)
	}
	if ex.Summary != `no rule of 3 matched; team "support", priority "P3", no assignment requested` {
		t.Errorf("summary %q", ex.Summary)
	}
}

func TestExplainActionEffects(t *testing.T) {
	r, err := Compile(RuleSet{Version: 1, Rules: []Rule{{ID: "all", Enabled: true, Actions: []Action{
		{Type: ActionSetPriority, Priority: "P1"}, {Type: ActionSetSLAPolicy, Policy: "vip"},
		{Type: ActionAddTags, Tags: []string{"Billing", "new"}}, {Type: ActionAddTags, Tags: []string{"new"}},
		{Type: ActionAddSkills, Skills: []string{"zh", "refunds"}}, {Type: ActionAssign, Agent: "bob"}}}}}, testKnown())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range r.Explain(baseTicket()).Rules[0].Actions {
		got = append(got, a.Effect)
	}
	want := []string{`priority "P3" -> "P1"`, `SLA policy "vip"`, `added tags new`, `tags already present`,
		`needs skills zh, refunds`, `assign to "bob"`}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("effects\n got %q\nwant %q", got, want)
	}
}

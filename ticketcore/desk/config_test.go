package desk_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/auth"
	"github.com/deskmine/deskmine/ticketcore/calendar"
	"github.com/deskmine/deskmine/ticketcore/desk"
	"github.com/deskmine/deskmine/ticketcore/routing"
)

func wantFields(t *testing.T, err error, want ...string) {
	t.Helper()
	fields := fieldsOf(t, err, ticketcore.CodeInvalid)
	for _, k := range want {
		if _, ok := fields[k]; !ok {
			t.Errorf("no error on %s; errors: %v", k, fields)
		}
	}
	if len(fields) != len(want) {
		t.Errorf("errors on %d fields, want %d: %v", len(fields), len(want), fields)
	}
}

func TestTeamValidationAndAudit(t *testing.T) {
	f := newFixture(t, testdb.Backends()[0])
	_, err := f.desk.PutTeam(ctx, admin, desk.Team{Name: "bad name!", Strategy: "random", BackupTeam: "nowhere", Skills: []string{"ok", " "}}, 0)
	wantFields(t, err, "name", "strategy", "backup_team", "skills[1]")

	f.team("support", "", "")
	got, err := f.desk.PutTeam(ctx, admin, desk.Team{Name: "billing", Strategy: routing.StrategyRoundRobin, BackupTeam: "support", Skills: []string{"Refunds"}}, 0)
	if err != nil || got.Version != 1 || got.Skills[0] != "refunds" {
		t.Fatalf("put: %+v %v", got, err)
	}
	if _, err := f.desk.PutTeam(ctx, admin, desk.Team{Name: "billing"}, 0); codeOf(err) != ticketcore.CodeConflict {
		t.Fatalf("second create: %v", err)
	}
	if _, err := f.desk.PutTeam(ctx, admin, desk.Team{Name: "billing", BackupTeam: "billing"}, 1); err == nil {
		t.Fatal("own backup accepted")
	}
	manager := ticketcore.Actor{UserID: 2, Name: "mei"}
	got, err = f.desk.PutTeam(ctx, manager, desk.Team{Name: "billing", Strategy: routing.StrategySticky, BackupTeam: "support"}, 1)
	if err != nil || got.Version != 2 || got.UpdatedBy != "mei" {
		t.Fatalf("update: %+v %v", got, err)
	}
	if _, err := f.desk.PutTeam(ctx, admin, desk.Team{Name: "billing"}, 1); codeOf(err) != ticketcore.CodeConflict {
		t.Fatalf("stale update: %v", err)
	}
	read, err := f.desk.Team(ctx, "billing")
	if err != nil || read.Strategy != routing.StrategySticky || read.Version != 2 {
		t.Fatalf("read: %+v %v", read, err)
	}
	if _, err := f.desk.Team(ctx, "nope"); codeOf(err) != ticketcore.CodeNotFound {
		t.Fatalf("missing team: %v", err)
	}
	// the support team backs up billing: it cannot go
	err = f.desk.DeleteTeam(ctx, admin, "support", 1)
	wantFields(t, err, "backup_team")

	h, err := f.desk.History(ctx, desk.KindTeam, "billing")
	if err != nil || len(h) != 2 || h[0].Actor != "admin" || h[1].Actor != "mei" || string(h[0].Old) != "null" {
		t.Fatalf("history: %+v %v", h, err)
	}
	var body map[string]any
	if err := json.Unmarshal(h[1].New, &body); err != nil || body["strategy"] != "sticky" || body["version"] != nil {
		t.Fatalf("audited body %s: %v", h[1].New, err)
	}
	teams, _ := f.desk.Teams(ctx)
	if len(teams) != 2 || teams[0].Name != "billing" {
		t.Fatalf("teams %+v", teams)
	}
}

func TestAgentValidation(t *testing.T) {
	f := newFixture(t, testdb.Backends()[0], "li.na")
	f.team("billing", "", "")
	for _, u := range []auth.NewUser{{Login: "rev", Role: "reviewer"}, {Login: "boss", Role: "manager", Name: "The Boss"}} {
		if _, err := f.auth.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	_, err := f.desk.PutAgent(ctx, admin, desk.Agent{Login: "ghost", Capacity: 5}, 0)
	wantFields(t, err, "login")
	_, err = f.desk.PutAgent(ctx, admin, desk.Agent{Login: "rev", Capacity: 5}, 0)
	if fieldsOf(t, err, ticketcore.CodeInvalid)["login"] == "" || !strings.Contains(err.Error(), "reviewer") {
		t.Fatalf("reviewer accepted: %v", err)
	}
	bad := desk.Agent{Login: "li.na", Teams: []string{"billing", "nope"}, Skills: map[string]int{"refunds": 7},
		Languages: []string{"english!"}, Capacity: 0, Level: -1, Status: "busy",
		WorkingHours: &calendar.Calendar{TimeZone: "Mars/Olympus", Week: map[string][]calendar.Span{"mon": {{Start: "25:00", End: "18:00"}}}}}
	_, err = f.desk.PutAgent(ctx, admin, bad, 0)
	wantFields(t, err, "teams[1]", "skills.refunds", "languages[0]", "capacity", "level", "status",
		"working_hours.time_zone", "working_hours.week", "working_hours.week.mon[0].start")

	good := desk.Agent{Login: "boss", Teams: []string{"billing"}, Skills: map[string]int{"Refunds": 4}, Languages: []string{"zh-CN", "en"},
		Regions: []string{"CN-East"}, Capacity: 12,
		WorkingHours: &calendar.Calendar{TimeZone: "Asia/Shanghai", Week: map[string][]calendar.Span{"mon": {{Start: "09:00", End: "18:00"}}}}}
	a, err := f.desk.PutAgent(ctx, admin, good, 0)
	if err != nil {
		t.Fatal(err)
	}
	if a.Name != "The Boss" || a.Status != routing.StatusOffline || a.Skills["refunds"] != 4 || a.Regions[0] != "cn-east" || a.Version != 1 || *a.Load != 0 {
		t.Fatalf("agent %+v", a)
	}
	// status changes go through SetAgentStatus
	a.Status = routing.StatusOnline
	if _, err := f.desk.PutAgent(ctx, admin, *a, 1); fieldsOf(t, err, ticketcore.CodeInvalid)["status"] == "" {
		t.Fatalf("status change via put: %v", err)
	}
	a.Status, a.Capacity = "", 14
	if a, err = f.desk.PutAgent(ctx, admin, *a, 1); err != nil || a.Capacity != 14 || a.Status != routing.StatusOffline {
		t.Fatalf("update: %+v %v", a, err)
	}
	sc, err := f.desk.SetAgentStatus(ctx, ticketcore.Actor{Name: "boss"}, "boss", routing.StatusOnline)
	if err != nil || sc.Agent.Status != routing.StatusOnline || sc.Agent.Version != 3 {
		t.Fatalf("status: %+v %v", sc, err)
	}
	if _, err := f.desk.SetAgentStatus(ctx, admin, "boss", "sleeping"); codeOf(err) != ticketcore.CodeInvalid {
		t.Fatalf("bad status: %v", err)
	}
	if _, err := f.desk.SetAgentStatus(ctx, admin, "nobody", routing.StatusAway); codeOf(err) != ticketcore.CodeNotFound {
		t.Fatalf("unknown agent: %v", err)
	}
	h, _ := f.desk.History(ctx, desk.KindAgent, "boss")
	if len(h) != 3 || h[2].Actor != "boss" || !strings.Contains(string(h[2].New), `"status":"online"`) {
		t.Fatalf("agent history %+v", h)
	}
	// a team with members cannot be deleted
	team, _ := f.desk.Team(ctx, "billing")
	wantFields(t, f.desk.DeleteTeam(ctx, admin, "billing", team.Version), "agents")
}

func TestRulesValidationVersionsAndHistory(t *testing.T) {
	f := newFixture(t, testdb.Backends()[0], "li.na")
	f.team("billing", "", "")
	f.agent(desk.Agent{Login: "li.na", Teams: []string{"billing"}})
	if err := f.svc.PutFieldDef(ctx, ticketcore.FieldDef{Name: "order_total", Label: "Order total", Kind: ticketcore.FieldNumber}); err != nil {
		t.Fatal(err)
	}
	if err := f.st.PutSetting(ctx, &ticketcore.Setting{Kind: desk.KindSLAPolicy, Name: "vip", Body: json.RawMessage(`{}`), UpdatedAt: time.Now(), UpdatedBy: "admin"}, 0); err != nil {
		t.Fatal(err)
	}

	_, err := f.desk.PutRules(ctx, admin, []byte(`{"rules": [`), 0)
	if fieldsOf(t, err, ticketcore.CodeBadRequest)["body"] == "" {
		t.Fatalf("syntax error: %v", err)
	}
	bad := `{"rules": [
	  {"id": "r1", "conditions": {"field": "team", "op": "eq", "value": "billing"}, "actions": [{"type": "set_team", "team": "sales"}]},
	  {"id": "r2", "conditions": {"all": [{"field": "custom_fields.colour", "op": "eq", "value": "red"}, {"field": "custom_fields.order_total", "op": "gte", "value": "much"}]},
	   "actions": [{"type": "set_sla_policy", "policy": "gold"}, {"type": "assign", "agent": "bob"}]},
	  {"id": "r3", "colour": "blue", "actions": [{"type": "set_priority", "priority": "P9"}]}
	]}`
	_, err = f.desk.PutRules(ctx, admin, []byte(bad), 0)
	fields := fieldsOf(t, err, ticketcore.CodeInvalid)
	if fields["rules[2].colour"] == "" {
		t.Fatalf("shape problems come first: %v", fields)
	}
	bad = strings.Replace(bad, `"colour": "blue", `, "", 1)
	_, err = f.desk.PutRules(ctx, admin, []byte(bad), 0)
	wantFields(t, err, "rules[0].actions[0].team", "rules[1].conditions.all[0].field", "rules[1].conditions.all[1].value",
		"rules[1].actions[0].policy", "rules[1].actions[1].agent", "rules[2].actions[0].priority")

	good := `{"version": 99, "rules": [{"id": "vip", "conditions": {"field": "custom_fields.order_total", "op": "gte", "value": 500},
	  "actions": [{"type": "set_team", "team": "billing"}, {"type": "set_sla_policy", "policy": "vip"}, {"type": "assign", "agent": "li.na"}]}]}`
	r, err := f.desk.PutRules(ctx, admin, []byte(good), 0)
	if err != nil || r.Version != 1 || len(r.Rules) != 1 || !r.Rules[0].Enabled || !r.Rules[0].Stop {
		t.Fatalf("first save: %+v %v", r, err)
	}
	if _, err := f.desk.PutRules(ctx, admin, []byte(good), 0); codeOf(err) != ticketcore.CodeConflict {
		t.Fatalf("stale save: %v", err)
	}
	r = f.rules(strings.Replace(good, `"id": "vip"`, `"id": "vip2"`, 1))
	if r.Version != 2 {
		t.Fatalf("second save v%d", r.Version)
	}
	cur, err := f.desk.Rules(ctx)
	if err != nil || cur.Version != 2 || cur.Rules[0].ID != "vip2" || cur.UpdatedBy != "admin" {
		t.Fatalf("read: %+v %v", cur, err)
	}
	h, err := f.desk.RulesHistory(ctx)
	if err != nil || len(h) != 2 || !strings.Contains(string(h[0].New), `"vip"`) || !strings.Contains(string(h[1].New), `"version":2`) {
		t.Fatalf("history: %+v %v", h, err)
	}

	// the rules name li.na and billing: neither can go while they do
	a, _ := f.desk.Agent(ctx, "li.na")
	_, err = f.desk.DeleteAgent(ctx, admin, "li.na", a.Version)
	wantFields(t, err, "rules[0].actions[2].agent")
	f.rules(`{"rules": [{"id": "b", "actions": [{"type": "set_team", "team": "billing"}]}]}`)
	if _, err := f.desk.DeleteAgent(ctx, admin, "li.na", a.Version); err != nil {
		t.Fatal(err)
	}
	team, _ := f.desk.Team(ctx, "billing")
	wantFields(t, f.desk.DeleteTeam(ctx, admin, "billing", team.Version), "rules[0].actions[0].team")

	// an empty rule set is a valid save: nothing is routed by rules
	if r := f.rules(`{"rules": []}`); r.Version != 4 || len(r.Rules) != 0 {
		t.Fatalf("empty rules: %+v", r)
	}
	if err := f.desk.DeleteTeam(ctx, admin, "billing", team.Version); err != nil {
		t.Fatal(err)
	}
}

func codeOf(err error) ticketcore.Code {
	if e, ok := ticketcore.AsError(err); ok {
		return e.Code
	}
	return ""
}

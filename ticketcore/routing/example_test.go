package routing_test

import (
	"fmt"
	"os"
	"regexp"
	"time"

	"github.com/deskmine/deskmine/ticketcore/events"
	"github.com/deskmine/deskmine/ticketcore/routing"
)

// The rule set of the package documentation, routed end to end.
func Example() {
	src, err := os.ReadFile("doc.go")
	if err != nil {
		panic(err)
	}
	// the JSON example is the indented block between "{" and "}" lines
	block := regexp.MustCompile(`(?s)\n//\t\{\n.*?\n//\t\}\n`).Find(src)
	doc := regexp.MustCompile(`(?m)^//\t?`).ReplaceAll(block, nil)

	rs, err := routing.ParseRuleSet(doc)
	if err != nil {
		panic(err)
	}
	router, err := routing.Compile(rs, routing.KnownFields{
		Teams:         []string{"billing", "support"},
		SLAPolicies:   []string{"standard", "vip"},
		CustomerTiers: []string{"standard", "premium", "vip", "enterprise"},
		CustomFields:  map[string]routing.CustomField{"order_total": {Kind: routing.FieldNumber}},
	})
	if err != nil {
		panic(err)
	}
	roster, err := routing.NewRoster(
		[]routing.Team{{Name: "billing", Strategy: routing.StrategySkillPreference, BackupTeam: "support"}, {Name: "support"}},
		[]routing.Agent{
			{Login: "wang", Teams: []string{"billing"}, Skills: map[string]int{"refunds": 4}, Languages: []string{"zh"}, Capacity: 20, Status: routing.StatusOnline},
			{Login: "lee", Teams: []string{"billing"}, Skills: map[string]int{"refunds": 5}, Languages: []string{"en"}, Capacity: 20, Status: routing.StatusOnline},
		}, routing.RosterOptions{})
	if err != nil {
		panic(err)
	}
	t := events.Ticket{ID: 1, Subject: "申请退款", Channel: "web", Priority: "P3", Team: "support",
		Customer: events.Customer{ID: 9, Tier: "vip"}}
	now := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
	out, d := router.Route(t, roster, now)
	fmt.Println(router.Explain(t).Summary)
	fmt.Println(out.Team, out.Priority, out.SLAPolicy, d.Agent, d.Strategy)
	fmt.Println(d.Reason)
	// Output:
	// 1 of 1 rules matched (vip-refunds); vip-refunds stopped evaluation; team "billing", priority "P2", SLA policy "vip", added tags refund, vip, assign with the team's strategy
	// billing P2 vip lee skill_preference
	// skill_preference in "billing": "lee" has 1 of 1 needed skills (refunds 5, level sum 5), load 0 of 20, among 2 available (does not speak zh)
}

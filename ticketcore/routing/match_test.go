package routing

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deskmine/deskmine/ticketcore/events"
)

func baseTicket() events.Ticket {
	return events.Ticket{
		ID: 42, Version: 1, Subject: "Refund for order 1234", Description: "I was charged twice, please give my money back.",
		Type: "request", Category: "billing", Product: "x200", Channel: "email", Urgency: "high", Priority: "P3",
		Status: "new", Customer: events.Customer{ID: 7, Email: "li@example.cn", Tier: "vip", Region: "cn", Organisation: "ACME"},
		OrderRef: "A-1", Tags: []string{"billing", "repeat"},
		CustomFields: map[string]any{"plan": "pro", "features": []any{"sso", "api"}, "order_total": 250.0, "due": "2026-03-01", "note": "call back tomorrow"},
		Team:         "support", Region: "cn", ReopenCount: 1,
		CreatedAt: time.Date(2026, 2, 10, 15, 30, 0, 0, time.UTC),
	}
}

// matches compiles one rule with the condition and reports whether it
// matches the ticket.
func matches(t *testing.T, c Condition, tk events.Ticket) bool {
	t.Helper()
	r, err := Compile(RuleSet{Version: 1, Rules: []Rule{{ID: "r", Enabled: true, Stop: true, Conditions: c,
		Actions: []Action{{Type: ActionAddTags, Tags: []string{"hit"}}}}}}, testKnown())
	if err != nil {
		t.Fatalf("compile %+v: %v", c, err)
	}
	got := len(r.Apply(tk).Matched) == 1
	if ex := r.Explain(tk); (len(ex.Outcome.Matched) == 1) != got {
		t.Fatalf("Explain and Apply disagree on %+v", c)
	}
	return got
}

func leafCond(field string, op Op, v any) Condition { return Condition{Field: field, Op: op, Value: v} }

func TestOperators(t *testing.T) {
	tk := baseTicket()
	cases := []struct {
		c    Condition
		want bool
	}{
		// enum fields: exact
		{leafCond("channel", OpEq, "email"), true},
		{leafCond("channel", OpEq, "chat"), false},
		{leafCond("channel", OpNe, "chat"), true},
		{leafCond("channel", OpNe, "email"), false},
		{leafCond("channel", OpIn, []string{"chat", "email"}), true},
		{leafCond("channel", OpIn, []any{"chat", "web"}), false},
		{leafCond("channel", OpNotIn, []string{"chat", "web"}), true},
		{leafCond("channel", OpNotIn, []string{"email"}), false},
		{leafCond("customer.tier", OpIn, []string{"vip", "enterprise"}), true},
		{leafCond("customer.region", OpEq, "cn"), true},
		{leafCond("priority", OpEq, "P3"), true},
		{leafCond("urgency", OpIn, []string{"high", "critical"}), true},
		{leafCond("type", OpEq, "request"), true},
		{leafCond("category", OpEq, "billing"), true},
		{leafCond("product", OpEq, "X200"), false}, // enums are case-sensitive
		{leafCond("team", OpEq, "support"), true},
		{leafCond("assignee", OpExists, nil), false},
		{leafCond("assignee", OpExists, false), true},
		{leafCond("assignee", OpNe, "alice"), true}, // ne holds for an empty field
		{leafCond("assignee", OpNotIn, []string{"alice"}), true},
		{leafCond("assignee", OpIn, []string{"alice"}), false},
		{leafCond("custom_fields.plan", OpEq, "pro"), true},
		{leafCond("custom_fields.plan", OpIn, []string{"free", "enterprise"}), false},
		// large lists are hashed
		{leafCond("customer.tier", OpIn, []string{"standard", "premium", "enterprise", "vip", "standard", "premium", "standard", "premium", "enterprise"}), true},
		{leafCond("customer.tier", OpNotIn, []string{"standard", "premium", "enterprise", "standard", "premium", "standard", "premium", "enterprise", "premium"}), true},
		// text fields: case-insensitive
		{leafCond("subject", OpEq, "refund FOR order 1234"), true},
		{leafCond("subject", OpContains, "ORDER 12"), true},
		{leafCond("description", OpContains, "refund"), false},
		{leafCond("customer.email", OpContains, "@example.cn"), true},
		{leafCond("customer.organisation", OpIn, []string{"acme", "globex"}), true},
		{leafCond("order_ref", OpExists, true), true},
		{leafCond("custom_fields.note", OpContains, "tomorrow"), true},
		{leafCond("text", OpContains, "money back"), true},
		// lists
		{leafCond("tags", OpContains, "billing"), true},
		{leafCond("tags", OpContains, "BILLING"), true}, // tags are case-insensitive
		{leafCond("tags", OpContains, []string{"billing", "repeat"}), true},
		{leafCond("tags", OpContains, []string{"billing", "vip"}), false}, // contains all
		{leafCond("tags", OpIn, []string{"vip", "repeat"}), true},         // any overlap
		{leafCond("tags", OpNotIn, []string{"vip", "spam"}), true},
		{leafCond("tags", OpNotIn, []string{"spam", "repeat"}), false},
		{leafCond("tags", OpExists, nil), true},
		{leafCond("custom_fields.features", OpContains, "sso"), true},
		{leafCond("custom_fields.features", OpContains, []string{"sso", "audit"}), false},
		{leafCond("custom_fields.features", OpIn, []string{"audit", "api"}), true},
		// numbers
		{leafCond("custom_fields.order_total", OpGt, 200), true},
		{leafCond("custom_fields.order_total", OpGt, 250), false},
		{leafCond("custom_fields.order_total", OpGte, 250), true},
		{leafCond("custom_fields.order_total", OpLt, 250.5), true},
		{leafCond("custom_fields.order_total", OpLte, 249), false},
		{leafCond("custom_fields.order_total", OpEq, 250), true},
		{leafCond("custom_fields.order_total", OpIn, []any{100.0, 250.0}), true},
		{leafCond("custom_fields.order_total", OpNotIn, []int{100, 250}), false},
		{leafCond("reopen_count", OpGte, 1), true},
		{leafCond("reopen_count", OpLt, 1), false},
		// dates, by calendar day
		{leafCond("created_at", OpEq, "2026-02-10"), true},
		{leafCond("created_at", OpGte, "2026-02-10"), true},
		{leafCond("created_at", OpGt, "2026-02-10"), false},
		{leafCond("created_at", OpLt, "2026-02-11T00:00:00Z"), true},
		{leafCond("custom_fields.due", OpLte, "2026-03-01"), true},
		{leafCond("custom_fields.due", OpGt, "2026-03-01"), false},
		{leafCond("custom_fields.due", OpNe, "2026-01-01"), true},
		// missing custom fields
		{leafCond("custom_fields.due", OpExists, nil), true},
		{Condition{All: []Condition{leafCond("custom_fields.order_total", OpExists, nil)}}, true},
		// trees
		{Condition{All: []Condition{}}, true},
		{Condition{All: []Condition{leafCond("channel", OpEq, "email"), leafCond("priority", OpEq, "P1")}}, false},
		{Condition{Any: []Condition{leafCond("channel", OpEq, "chat"), leafCond("priority", OpEq, "P3")}}, true},
		{Condition{Any: []Condition{leafCond("channel", OpEq, "chat"), leafCond("priority", OpEq, "P1")}}, false},
		{Condition{Not: &Condition{Field: "tags", Op: OpContains, Value: "spam"}}, true},
		{Condition{Not: &Condition{Any: []Condition{leafCond("channel", OpEq, "email")}}}, false},
	}
	for _, c := range cases {
		if got := matches(t, c.c, tk); got != c.want {
			t.Errorf("%s %s %v: got %v, want %v", c.c.Field, c.c.Op, c.c.Value, got, c.want)
		}
	}

	// Missing values: comparisons are false, ne/not_in true.
	empty := events.Ticket{}
	for _, c := range []struct {
		c    Condition
		want bool
	}{
		{leafCond("custom_fields.order_total", OpGt, 0), false},
		{leafCond("custom_fields.order_total", OpLt, 1e9), false},
		{leafCond("custom_fields.order_total", OpNe, 1), true},
		{leafCond("custom_fields.order_total", OpNotIn, []int{1}), true},
		{leafCond("custom_fields.order_total", OpExists, false), true},
		{leafCond("custom_fields.due", OpLt, "2100-01-01"), false},
		{leafCond("custom_fields.due", OpNe, "2100-01-01"), true},
		{leafCond("created_at", OpExists, nil), false},
		{leafCond("tags", OpExists, nil), false},
		{leafCond("tags", OpNotIn, []string{"x"}), true},
		{leafCond("tags", OpContains, "x"), false},
		{leafCond("channel", OpIn, []string{"email"}), false},
		{leafCond("subject", OpExists, nil), false},
	} {
		if got := matches(t, c.c, empty); got != c.want {
			t.Errorf("empty ticket: %s %s %v: got %v, want %v", c.c.Field, c.c.Op, c.c.Value, got, c.want)
		}
	}
}

func TestKeywords(t *testing.T) {
	cases := []struct {
		keywords []string
		text     string
		want     bool
	}{
		// Chinese: substrings, no spaces needed
		{[]string{"退款"}, "你好，我要申请退款，谢谢", true},
		{[]string{"退款"}, "我想退货", false},
		{[]string{"退款", "refund"}, "订单号123的退款还没到账", true},
		{[]string{"x200电池"}, "我的X200电池坏了", true},
		{[]string{"退款"}, "退 款", false},
		// English: case-insensitive whole words
		{[]string{"refund"}, "Please REFUND me!", true},
		{[]string{"refund"}, "refund", true},
		{[]string{"refund"}, "I want refunds", false},
		{[]string{"refund"}, "non-refundable ticket", false},
		{[]string{"refund*"}, "two refunds please", true},
		{[]string{"*fund"}, "a refund", true},
		{[]string{"*fund"}, "a refunds", false},
		{[]string{"api"}, "rapid response", false},
		{[]string{"API"}, "the api is down", true},
		{[]string{"money back"}, "I want my  Money\n back now", true},
		{[]string{"money back"}, "my moneyback", false},
		{[]string{"2fa"}, "no 2FA code", true},
		{[]string{"e1234"}, "error E1234.", true},
		{[]string{"e1234"}, "error E12345", false},
		{[]string{"500 error"}, "got a 500 error", true},
		// English inside Chinese: CJK characters are word boundaries
		{[]string{"refund"}, "申请refund请尽快", true},
		{[]string{"iphone"}, "我的iPhone坏了", true},
		{[]string{"支付宝"}, "用支付宝付款失败", true},
		// full-width Latin letters count as ASCII
		{[]string{"refund"}, "ＲＥＦＵＮＤ", true},
		// accented letters are word characters and fold case
		{[]string{"café"}, "Le CAFÉ est froid", true},
		{[]string{"café"}, "cafés", false},
		{[]string{"straße"}, "die Straße", true},
		// overlapping keywords
		{[]string{"he", "she", "hers"}, "ushers", false},
		{[]string{"*he*", "she"}, "ushers", true},
		// control characters are white space
		{[]string{"refund\u0007"}, "a refund", true},
	}
	for _, c := range cases {
		tk := events.Ticket{Subject: c.text}
		if got := matches(t, leafCond("subject", OpKeywords, c.keywords), tk); got != c.want {
			t.Errorf("%q in %q: got %v, want %v", c.keywords, c.text, got, c.want)
		}
	}
}

func TestKeywordFields(t *testing.T) {
	tk := events.Ticket{Subject: "Question", Description: "我要退款", CustomFields: map[string]any{"note": "asked for a refund"}}
	cases := []struct {
		field string
		want  bool
	}{{"subject", false}, {"description", true}, {"text", true}, {"custom_fields.note", true}}
	for _, c := range cases {
		if got := matches(t, leafCond(c.field, OpKeywords, []string{"退款", "refund"}), tk); got != c.want {
			t.Errorf("%s: got %v, want %v", c.field, got, c.want)
		}
	}
	// a single keyword may be given as a string
	if !matches(t, leafCond("text", OpKeywords, "退款"), tk) {
		t.Error("single keyword")
	}
}

// TestMatcherAgainstBruteForce checks the automaton against a plain search
// in the normalised text, over random texts and overlapping keywords.
func TestMatcherAgainstBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "b", "ab", " ", "退", "款", "A", "-", "1", "é", "É", "\t\n", "Ａ", "\u3000", "_", "\x01"}
	word := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		return b.String()
	}
	for round := range 200 {
		var kws []string
		for len(kws) < 1+rng.IntN(30) {
			k := strings.TrimSpace(word(1 + rng.IntN(4)))
			if rng.IntN(4) == 0 {
				k += "*"
			}
			if keywordProblem(k) == "" {
				kws = append(kws, k)
			}
		}
		pats := make([][]byte, len(kws))
		for i, k := range kws {
			pats[i] = encodeKeyword(k)
		}
		m := newMatcher(pats)
		for range 20 {
			text := word(rng.IntN(40))
			stream := normalize(nil, text)
			bits := make([]uint64, m.words())
			m.scan(stream, bits)
			fused := make([]uint64, m.words())
			m.scanText(text, fused)
			for i, p := range pats {
				if want := bytes.Contains(stream, p); hasBit(bits, int32(i)) != want || hasBit(fused, int32(i)) != want {
					t.Fatalf("round %d: keyword %q in %q: automaton %v, fused %v, brute force %v",
						round, kws[i], text, hasBit(bits, int32(i)), hasBit(fused, int32(i)), want)
				}
			}
		}
	}
}

func TestRuleOrderAndStop(t *testing.T) {
	doc := `{"version": 3, "rules": [
		{"id": "tag-refunds", "stop": false, "conditions": {"field": "text", "op": "keywords", "value": ["退款", "refund"]},
		 "actions": [{"type": "add_tags", "tags": ["Refund"]}, {"type": "set_team", "team": "support"}]},
		{"id": "disabled", "enabled": false, "actions": [{"type": "set_team", "team": "vip"}]},
		{"id": "vip-bump", "stop": false, "conditions": {"field": "customer.tier", "op": "eq", "value": "vip"},
		 "actions": [{"type": "set_priority", "priority": "P2"}]},
		{"id": "refunds-to-billing", "conditions": {"all": [{"field": "tags", "op": "contains", "value": "refund"}, {"field": "priority", "op": "eq", "value": "P2"}]},
		 "actions": [{"type": "set_team", "team": "billing"}, {"type": "set_sla_policy", "policy": "vip"}, {"type": "assign", "agent": "auto"}]},
		{"id": "never", "actions": [{"type": "set_team", "team": "tier2"}]}]}`
	rs, err := ParseRuleSet([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	r, err := Compile(rs, testKnown())
	if err != nil {
		t.Fatal(err)
	}
	if r.Version() != 3 {
		t.Errorf("version %d", r.Version())
	}
	out := r.Apply(baseTicket())
	want := Outcome{Team: "billing", Priority: "P2", Tags: []string{"billing", "repeat", "refund"}, AddedTags: []string{"refund"},
		SLAPolicy: "vip", Assign: AssignAuto, Matched: []string{"tag-refunds", "vip-bump", "refunds-to-billing"}, StoppedBy: "refunds-to-billing"}
	if fmt.Sprint(out) != fmt.Sprint(want) {
		t.Errorf("outcome\n got %+v\nwant %+v", out, want)
	}

	// Without the keyword the tag is not added, so rule 4 does not match and
	// the catch-all does.
	tk := baseTicket()
	tk.Subject, tk.Description = "Login problem", "密码忘了"
	out = r.Apply(tk)
	if !slices.Equal(out.Matched, []string{"vip-bump", "never"}) || out.Team != "tier2" || out.Assign != "" {
		t.Errorf("got %+v", out)
	}

	// The ticket itself is not changed.
	if tk.Team != "support" || len(tk.Tags) != 2 {
		t.Errorf("ticket changed: %+v", tk)
	}
	if got := out.ApplyTo(tk); got.Team != "tier2" || got.Priority != "P2" || got.ID != tk.ID {
		t.Errorf("ApplyTo: %+v", got)
	}
}

func TestLaterActionsOverride(t *testing.T) {
	r, err := Compile(RuleSet{Version: 1, Rules: []Rule{
		{ID: "a", Enabled: true, Actions: []Action{{Type: ActionSetTeam, Team: "support"}, {Type: ActionAssign, Agent: "alice"}, {Type: ActionAddSkills, Skills: []string{"zh"}}}},
		{ID: "b", Enabled: true, Actions: []Action{{Type: ActionSetTeam, Team: "tier2"}, {Type: ActionAssign, Agent: AssignAuto}, {Type: ActionAddSkills, Skills: []string{"billing", "zh"}}}},
	}}, testKnown())
	if err != nil {
		t.Fatal(err)
	}
	out := r.Apply(events.Ticket{})
	if out.Team != "tier2" || out.Assign != AssignAuto || !slices.Equal(out.Skills, []string{"zh", "billing"}) || out.StoppedBy != "" {
		t.Errorf("got %+v", out)
	}
}

// TestExplainAgreesWithApply runs the generated rule set over generated
// tickets: Explain (which evaluates every leaf and skips the channel index)
// must reach the same outcome as Apply.
func TestExplainAgreesWithApply(t *testing.T) {
	s, err := newSetup(100, 300, 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range s.tickets[:500] {
		a, e := s.router.Apply(tk), s.router.Explain(tk).Outcome
		if fmt.Sprint(a) != fmt.Sprint(e) {
			t.Fatalf("ticket %d:\n apply   %+v\n explain %+v", tk.ID, a, e)
		}
	}
}

func TestChannelGate(t *testing.T) {
	r, err := Compile(RuleSet{Version: 1, Rules: []Rule{
		{ID: "chat", Enabled: true, Stop: true, Conditions: Condition{All: []Condition{leafCond("channel", OpIn, []string{"chat", "web"}), leafCond("priority", OpEq, "P3")}},
			Actions: []Action{{Type: ActionSetTeam, Team: "support"}}},
		{ID: "email", Enabled: true, Stop: true, Conditions: leafCond("channel", OpEq, "email"), Actions: []Action{{Type: ActionSetTeam, Team: "billing"}}},
		{ID: "not-email", Enabled: true, Stop: true, Conditions: Condition{Not: &Condition{Field: "channel", Op: OpEq, Value: "email"}},
			Actions: []Action{{Type: ActionSetTeam, Team: "tier2"}}},
	}}, testKnown())
	if err != nil {
		t.Fatal(err)
	}
	for ch, team := range map[string]string{"chat": "support", "web": "support", "email": "billing", "phone": "tier2", "": "tier2"} {
		if got := r.Apply(events.Ticket{Channel: ch, Priority: "P3"}).Team; got != team {
			t.Errorf("channel %q: team %q, want %q", ch, got, team)
		}
	}
}

// TestRouterConcurrent applies one router from several goroutines; run with
// -race. Results must equal the sequential ones.
func TestRouterConcurrent(t *testing.T) {
	s, err := newSetup(100, 300, 5)
	if err != nil {
		t.Fatal(err)
	}
	tickets := s.tickets[:400]
	want := make([]string, len(tickets))
	for i, tk := range tickets {
		want[i] = fmt.Sprint(s.router.Apply(tk))
	}
	errs := make(chan error, 4)
	for g := range 4 {
		go func() {
			for i := range tickets {
				j := (i + g*97) % len(tickets)
				if got := fmt.Sprint(s.router.Apply(tickets[j])); got != want[j] {
					errs <- fmt.Errorf("ticket %d: %s, want %s", tickets[j].ID, got, want[j])
					return
				}
				if g == 0 {
					s.router.Explain(tickets[j])
				}
			}
			errs <- nil
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

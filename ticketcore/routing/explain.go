package routing

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/deskmine/deskmine/ticketcore/events"
)

// Explanation says, rule by rule, why a ticket was routed as it was. It is
// meant to be returned as JSON (POST /api/v1/routing/explain) and read by a
// person.
type Explanation struct {
	RuleSetVersion int         `json:"rule_set_version"`
	TicketID       int64       `json:"ticket_id,omitempty"`
	Rules          []RuleTrace `json:"rules"`
	Outcome        Outcome     `json:"outcome"`
	Summary        string      `json:"summary"`
}

// Results of a rule in an explanation.
const (
	ResultMatched      = "matched"
	ResultNotMatched   = "not_matched"
	ResultDisabled     = "disabled"
	ResultNotEvaluated = "not_evaluated" // an earlier matching rule stopped evaluation
)

// RuleTrace is one rule in an explanation.
type RuleTrace struct {
	Index   int           `json:"index"`
	ID      string        `json:"id"`
	Name    string        `json:"name,omitempty"`
	Result  string        `json:"result"`
	Reason  string        `json:"reason"`
	Checks  []Check       `json:"checks,omitempty"`  // every leaf condition, in document order
	Actions []ActionTrace `json:"actions,omitempty"` // for a matched rule
}

// Check is one leaf condition evaluated against the ticket.
type Check struct {
	Path     string `json:"path"` // e.g. rules[3].conditions.all[1]
	Field    string `json:"field"`
	Op       Op     `json:"op"`
	Expected any    `json:"expected,omitempty"`
	Actual   any    `json:"actual"` // the field's value; for keywords, the keywords found
	Passed   bool   `json:"passed"`
	Detail   string `json:"detail"`
}

// ActionTrace is an applied action and what it changed.
type ActionTrace struct {
	Action
	Effect string `json:"effect"`
}

// Explain runs the rules over a ticket like Apply and records, for each rule
// in order, whether it matched and why (every leaf with its actual and
// expected value), the actions applied and the final outcome. Its Outcome
// always equals Apply's.
func (r *Router) Explain(t events.Ticket) Explanation {
	c := r.newCtx(&t)
	defer c.release()
	ex := Explanation{RuleSetVersion: r.version, TicketID: t.ID, Rules: make([]RuleTrace, 0, len(r.rules))}
	out := Outcome{Team: t.Team, Priority: t.Priority, Matched: []string{}}
	stopped := ""
	for i := range r.rules {
		rule := &r.rules[i]
		tr := RuleTrace{Index: rule.index, ID: rule.id, Name: rule.name}
		switch {
		case stopped != "":
			tr.Result, tr.Reason = ResultNotEvaluated, "rule "+quote(stopped)+" matched and stopped evaluation"
		case !rule.enabled:
			tr.Result, tr.Reason = ResultDisabled, "rule is disabled"
		default:
			ok, why := true, "no conditions: matches every ticket"
			if rule.cond != nil {
				ok, why = c.explain(rule.cond, &tr.Checks)
			}
			tr.Reason = why
			if !ok {
				tr.Result = ResultNotMatched
				break
			}
			tr.Result = ResultMatched
			out.Matched = append(out.Matched, rule.id)
			for j := range rule.actions {
				a := &rule.actions[j]
				tr.Actions = append(tr.Actions, ActionTrace{Action: *a, Effect: c.apply(&out, a, true)})
			}
			if rule.stop {
				out.StoppedBy, stopped = rule.id, rule.id
			}
		}
		ex.Rules = append(ex.Rules, tr)
	}
	c.finish(&out)
	ex.Outcome = out
	ex.Summary = summary(len(r.rules), out)
	return ex
}

func summary(rules int, o Outcome) string {
	var b strings.Builder
	if len(o.Matched) == 0 {
		fmt.Fprintf(&b, "no rule of %d matched", rules)
	} else {
		fmt.Fprintf(&b, "%d of %d rules matched (%s)", len(o.Matched), rules, strings.Join(o.Matched, ", "))
	}
	if o.StoppedBy != "" {
		fmt.Fprintf(&b, "; %s stopped evaluation", o.StoppedBy)
	}
	fmt.Fprintf(&b, "; team %s, priority %s", quoteOrNone(o.Team), quoteOrNone(o.Priority))
	if o.SLAPolicy != "" {
		fmt.Fprintf(&b, ", SLA policy %s", quote(o.SLAPolicy))
	}
	if len(o.AddedTags) > 0 {
		fmt.Fprintf(&b, ", added tags %s", strings.Join(o.AddedTags, ", "))
	}
	switch o.Assign {
	case "":
		b.WriteString(", no assignment requested")
	case AssignAuto:
		b.WriteString(", assign with the team's strategy")
	default:
		fmt.Fprintf(&b, ", assign to %s", quote(o.Assign))
	}
	return b.String()
}

// explain evaluates a node without short-circuiting, so that every leaf is
// reported, and returns the result with the reason that decided it.
func (c *evalCtx) explain(n *node, checks *[]Check) (bool, string) {
	switch n.kind {
	case nAll, nAny:
		var pass, fail []string
		for _, k := range n.kids {
			ok, why := c.explain(k, checks)
			if ok {
				pass = append(pass, why)
			} else {
				fail = append(fail, why)
			}
		}
		if n.kind == nAll {
			if len(fail) > 0 {
				return false, fail[0]
			}
			if len(pass) == 0 {
				return true, "empty all: always true"
			}
			return true, strings.Join(pass, " and ")
		}
		if len(pass) > 0 {
			return true, pass[0]
		}
		return false, "none of: " + strings.Join(fail, "; ")
	case nNot:
		ok, why := c.explain(n.kids[0], checks)
		return !ok, "not (" + why + ")"
	}
	l := n.leaf
	ok := c.test(l)
	actual, detail := c.describe(l, ok)
	*checks = append(*checks, Check{Path: n.path, Field: l.spec.name, Op: l.op, Expected: l.expected,
		Actual: actual, Passed: ok, Detail: detail})
	return ok, detail
}

// describe returns a leaf's actual value and a sentence about the check.
func (c *evalCtx) describe(l *leaf, ok bool) (any, string) {
	f := l.spec.name
	if l.op == OpKeywords {
		found := c.found(l, false)
		if len(found) > 0 {
			return found, fmt.Sprintf("%s contains %s", f, quoteList(found))
		}
		kws := make([]string, len(l.kw))
		for i, k := range l.kw {
			kws[i] = c.r.keywords[k]
		}
		return []string{}, fmt.Sprintf("%s contains none of %s", f, quoteList(kws))
	}
	var actual any
	var shown string
	set := true
	switch l.spec.kind {
	case kText, kEnum:
		v := c.str(&l.spec)
		set = strings.TrimSpace(v) != ""
		actual, shown = clip(v), quote(clip(v))
	case kList:
		v := c.values(&l.spec)
		if v == nil {
			v = []string{}
		}
		set = len(v) > 0
		actual, shown = v, "["+quoteList(v)+"]"
	case kNumber:
		v, has := c.number(&l.spec)
		set = has
		if has {
			actual, shown = v, strconv.FormatFloat(v, 'g', -1, 64)
		}
	case kDate:
		d, has := c.dayValue(&l.spec)
		set = has
		if has {
			actual, shown = dayString(d), dayString(d)
		}
	}
	if !set {
		actual, shown = nil, "not set"
	}
	is := f + " is " + shown
	if !set {
		is = f + " is not set"
	}
	want := expectation(l)
	if l.op == OpExists {
		switch {
		case ok:
			return actual, is
		case l.exists:
			return actual, is + ", expected a value"
		}
		return actual, is + ", expected no value"
	}
	if ok {
		return actual, is + ", " + want
	}
	return actual, is + ", expected " + want
}

func expectation(l *leaf) string {
	switch l.op {
	case OpEq:
		return "equal to " + valueText(l)
	case OpNe:
		return "not " + valueText(l)
	case OpIn:
		return "one of " + valueText(l)
	case OpNotIn:
		return "none of " + valueText(l)
	case OpContains:
		return "containing " + valueText(l)
	case OpGt:
		return "> " + valueText(l)
	case OpLt:
		return "< " + valueText(l)
	case OpGte:
		return ">= " + valueText(l)
	case OpLte:
		return "<= " + valueText(l)
	}
	return string(l.op)
}

func valueText(l *leaf) string {
	switch l.spec.kind {
	case kNumber:
		if l.op == OpIn || l.op == OpNotIn {
			parts := make([]string, len(l.nums))
			for i, n := range l.nums {
				parts[i] = strconv.FormatFloat(n, 'g', -1, 64)
			}
			return strings.Join(parts, ", ")
		}
		return strconv.FormatFloat(l.num, 'g', -1, 64)
	case kDate:
		return dayString(l.day)
	}
	if l.op == OpIn || l.op == OpNotIn || l.spec.kind == kList {
		return quoteList(l.strs)
	}
	return quote(l.str)
}

func quoteList(l []string) string {
	parts := make([]string, len(l))
	for i, s := range l {
		parts[i] = quote(s)
	}
	return strings.Join(parts, ", ")
}

// clip shortens long texts in explanations.
func clip(s string) string {
	const max = 120
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max]) + "..."
}

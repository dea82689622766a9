package routing

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Op is a condition operator.
type Op string

// Condition operators. Which ones apply to a field depends on its kind; see
// the package documentation.
const (
	OpEq       Op = "eq"
	OpNe       Op = "ne"
	OpIn       Op = "in"
	OpNotIn    Op = "not_in"
	OpContains Op = "contains"
	OpGt       Op = "gt"
	OpLt       Op = "lt"
	OpGte      Op = "gte"
	OpLte      Op = "lte"
	OpExists   Op = "exists"
	OpKeywords Op = "keywords"
)

// ActionType names what a matching rule does.
type ActionType string

// Actions of a rule.
const (
	ActionSetTeam      ActionType = "set_team"       // Team
	ActionSetPriority  ActionType = "set_priority"   // Priority
	ActionAddTags      ActionType = "add_tags"       // Tags
	ActionSetSLAPolicy ActionType = "set_sla_policy" // Policy
	ActionAssign       ActionType = "assign"         // Agent: a login, or AssignAuto
	ActionAddSkills    ActionType = "add_skills"     // Skills the ticket needs (for skill_preference)
)

// AssignAuto as the agent of an assign action runs the team's strategy.
const AssignAuto = "auto"

// RuleSet is an ordered, versioned list of routing rules. Rules are tried in
// order; see the package documentation for the evaluation semantics.
type RuleSet struct {
	Version int    `json:"version"`
	Rules   []Rule `json:"rules"`
}

// Rule is one routing rule. In JSON, enabled and stop default to true when
// they are omitted; a Rule built in Go must set them.
type Rule struct {
	ID         string    `json:"id"`
	Name       string    `json:"name,omitempty"`
	Enabled    bool      `json:"enabled"`
	Stop       bool      `json:"stop"` // when the rule matches, later rules are not tried
	Conditions Condition `json:"conditions"`
	Actions    []Action  `json:"actions"`
}

// UnmarshalJSON decodes a rule, defaulting enabled and stop to true.
func (r *Rule) UnmarshalJSON(b []byte) error {
	type plain Rule
	p := plain{Enabled: true, Stop: true}
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*r = Rule(p)
	return nil
}

// Condition is a node of a boolean tree: exactly one of All, Any, Not or
// Field is set. All with no children is true; the zero Condition (also "{}"
// in JSON), allowed only as a rule's whole condition, matches every ticket.
//
// A leaf compares Field with Value using Op. Value is what JSON decodes to
// (string, float64, bool, []any); Go callers may also use []string and
// integer types.
type Condition struct {
	All   []Condition `json:"all,omitempty"`
	Any   []Condition `json:"any,omitempty"`
	Not   *Condition  `json:"not,omitempty"`
	Field string      `json:"field,omitempty"`
	Op    Op          `json:"op,omitempty"`
	Value any         `json:"value,omitempty"`
}

func (c *Condition) isZero() bool {
	return c.All == nil && c.Any == nil && c.Not == nil && c.Field == "" && c.Op == "" && c.Value == nil
}

// Action is one effect of a matching rule; which field is used depends on
// Type, and the others must be empty.
type Action struct {
	Type     ActionType `json:"type"`
	Team     string     `json:"team,omitempty"`
	Priority string     `json:"priority,omitempty"`
	Tags     []string   `json:"tags,omitempty"`
	Policy   string     `json:"policy,omitempty"`
	Agent    string     `json:"agent,omitempty"`
	Skills   []string   `json:"skills,omitempty"`
}

// Problem is one thing wrong with a rule set or roster, at a JSON-path-like
// location such as rules[3].conditions.all[1].field.
type Problem struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

func (p Problem) String() string {
	if p.Path == "" {
		return p.Message
	}
	return p.Path + ": " + p.Message
}

// ValidationError lists every problem found, in document order.
type ValidationError struct {
	Problems []Problem `json:"problems"`
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.String()
	}
	return fmt.Sprintf("%d problem(s): %s", len(e.Problems), strings.Join(parts, "; "))
}

type problems []Problem

func (ps *problems) add(path, format string, args ...any) {
	*ps = append(*ps, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

func (ps problems) err() error {
	if len(ps) == 0 {
		return nil
	}
	return &ValidationError{Problems: ps}
}

// ParseRuleSet decodes a rule set from JSON. It checks the shape of the
// document (unknown keys, wrong JSON types) and reports every such problem
// with its location as a *ValidationError; a syntax error is returned as is.
// It does not check the rules against the helpdesk's fields, teams and
// agents: call Validate, or Compile, which validates.
func ParseRuleSet(b []byte) (RuleSet, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return RuleSet{}, fmt.Errorf("parse rule set: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return RuleSet{}, errors.New("parse rule set: unexpected data after the rule set")
	}
	var ps problems
	shapeRuleSet(&ps, raw)
	if err := ps.err(); err != nil {
		return RuleSet{}, err
	}
	var rs RuleSet
	if err := json.Unmarshal(b, &rs); err != nil {
		return RuleSet{}, fmt.Errorf("parse rule set: %w", err)
	}
	return rs, nil
}

// The shape check walks the generic JSON tree so that every unknown key and
// every value of the wrong JSON type is reported with its location, which
// encoding/json cannot do.

type jsonType int

const (
	jString jsonType = iota
	jBool
	jInt
	jAny
	jStrings
	jObject
)

func shapeObject(ps *problems, path string, v any, keys map[string]jsonType) (map[string]any, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		ps.add(path, "must be an object")
		return nil, false
	}
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		want, known := keys[k]
		p := join(path, k)
		if !known {
			ps.add(p, "unknown key %q", k)
			continue
		}
		val := m[k]
		switch want {
		case jString:
			if _, ok := val.(string); !ok {
				ps.add(p, "must be a string")
			}
		case jBool:
			if _, ok := val.(bool); !ok {
				ps.add(p, "must be true or false")
			}
		case jInt:
			n, ok := val.(json.Number)
			if _, err := n.Int64(); !ok || err != nil {
				ps.add(p, "must be an integer")
			}
		case jStrings:
			list, ok := val.([]any)
			if !ok {
				ps.add(p, "must be a list of strings")
				continue
			}
			for i, e := range list {
				if _, ok := e.(string); !ok {
					ps.add(fmt.Sprintf("%s[%d]", p, i), "must be a string")
				}
			}
		}
	}
	return m, true
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func shapeRuleSet(ps *problems, v any) {
	m, ok := shapeObject(ps, "", v, map[string]jsonType{"version": jInt, "rules": jObject})
	if !ok {
		return
	}
	rules, present := m["rules"]
	if !present {
		return
	}
	list, ok := rules.([]any)
	if !ok {
		ps.add("rules", "must be a list of rules")
		return
	}
	for i, r := range list {
		shapeRule(ps, fmt.Sprintf("rules[%d]", i), r)
	}
}

func shapeRule(ps *problems, path string, v any) {
	m, ok := shapeObject(ps, path, v, map[string]jsonType{
		"id": jString, "name": jString, "enabled": jBool, "stop": jBool,
		"conditions": jObject, "actions": jObject,
	})
	if !ok {
		return
	}
	if c, present := m["conditions"]; present {
		shapeCondition(ps, path+".conditions", c)
	}
	if a, present := m["actions"]; present {
		list, ok := a.([]any)
		if !ok {
			ps.add(path+".actions", "must be a list of actions")
			return
		}
		for i, e := range list {
			shapeObject(ps, fmt.Sprintf("%s.actions[%d]", path, i), e, map[string]jsonType{
				"type": jString, "team": jString, "priority": jString, "tags": jStrings,
				"policy": jString, "agent": jString, "skills": jStrings,
			})
		}
	}
}

func shapeCondition(ps *problems, path string, v any) {
	m, ok := shapeObject(ps, path, v, map[string]jsonType{
		"all": jObject, "any": jObject, "not": jObject, "field": jString, "op": jString, "value": jAny,
	})
	if !ok {
		return
	}
	for _, k := range []string{"all", "any"} {
		sub, present := m[k]
		if !present {
			continue
		}
		list, ok := sub.([]any)
		if !ok {
			ps.add(join(path, k), "must be a list of conditions")
			continue
		}
		for i, e := range list {
			shapeCondition(ps, fmt.Sprintf("%s.%s[%d]", path, k, i), e)
		}
	}
	if sub, present := m["not"]; present {
		shapeCondition(ps, path+".not", sub)
	}
}

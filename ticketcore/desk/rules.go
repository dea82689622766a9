package desk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/routing"
)

// Rules is the saved routing rule set: its version is the settings version
// (each save is a new one; the version in a saved body is ignored).
type Rules struct {
	routing.RuleSet
	UpdatedAt time.Time `json:"updated_at,omitzero"`
	UpdatedBy string    `json:"updated_by,omitempty"`
}

// maxRulesBody bounds a rule set document.
const maxRulesBody = 4 << 20

// parseRules decodes and validates a rule set document against c. A body
// that is not JSON is a CodeBadRequest error on "body"; every other problem
// is a CodeInvalid error keyed by its path, e.g. rules[3].conditions.all[1].field.
func (d *Desk) parseRules(body []byte, c *config, version int) (routing.RuleSet, *routing.Router, error) {
	if len(body) > maxRulesBody {
		return routing.RuleSet{}, nil, ticketcore.Invalid("body", fmt.Sprintf("is larger than %d bytes", maxRulesBody))
	}
	rs, err := routing.ParseRuleSet(body)
	var ve *routing.ValidationError
	if err != nil && !errors.As(err, &ve) {
		return routing.RuleSet{}, nil, &ticketcore.Error{Code: ticketcore.CodeBadRequest, Message: "the rule set is not valid JSON",
			Fields: map[string]string{"body": err.Error()}}
	}
	if err == nil {
		if rs.Rules == nil {
			rs.Rules = []routing.Rule{}
		}
		rs.Version = version
		var router *routing.Router
		if router, err = routing.Compile(rs, d.known(c)); err == nil {
			return rs, router, nil
		}
	}
	f := fieldErrs{}
	f.addProblems("", "body", err)
	return routing.RuleSet{}, nil, f.err("routing rules")
}

// Rules returns the saved rule set; before the first save it is version 0
// with no rules.
func (d *Desk) Rules(ctx context.Context) (*Rules, error) {
	s, err := d.store.Setting(ctx, KindRules, RulesName)
	if errors.Is(err, ticketcore.ErrNotFound) {
		return &Rules{RuleSet: routing.RuleSet{Rules: []routing.Rule{}}}, nil
	}
	if err != nil {
		return nil, err
	}
	out := &Rules{UpdatedAt: s.UpdatedAt, UpdatedBy: s.UpdatedBy}
	if err := json.Unmarshal(s.Body, &out.RuleSet); err != nil {
		return nil, fmt.Errorf("decode routing rules: %w", err)
	}
	out.Version = int(s.Version)
	if out.Rules == nil {
		out.Rules = []routing.Rule{}
	}
	return out, nil
}

// PutRules validates a rule set document (JSON, see package routing)
// against the live configuration (custom fields, teams, agents, SLA
// policies, ticket types, tiers, workflow states, channels) and saves it as
// the next version after expectedVersion (0 for the first save). The new
// rules route the next ticket.
func (d *Desk) PutRules(ctx context.Context, actor ticketcore.Actor, body []byte, expectedVersion int64) (*Rules, error) {
	d.writeMu.Lock()
	defer d.writeMu.Unlock()
	if expectedVersion < 0 {
		return nil, ticketcore.Invalid("version", "must not be negative")
	}
	c, err := d.loadConfig(ctx)
	if err != nil {
		return nil, err
	}
	rs, _, err := d.parseRules(body, c, int(expectedVersion)+1)
	if err != nil {
		return nil, err
	}
	m, err := d.put(ctx, actor, KindRules, RulesName, rs, expectedVersion)
	if err != nil {
		return nil, err
	}
	rs.Version = int(m.Version)
	next := *c
	next.rules, next.rulesAt = rs, m
	d.afterWrite(ctx, &next)
	return &Rules{RuleSet: rs, UpdatedAt: m.UpdatedAt, UpdatedBy: m.UpdatedBy}, nil
}

// RulesHistory returns every saved version of the rules, oldest first:
// each change with its actor, time and the old and new documents.
func (d *Desk) RulesHistory(ctx context.Context) ([]ticketcore.SettingChange, error) {
	return d.store.SettingHistory(ctx, KindRules, RulesName)
}

// ExplainRequest asks how the rules route a ticket: a stored one
// (TicketID) or one described as it would be created (Ticket), under the
// saved rules or a draft rule set (Rules, validated like PutRules).
type ExplainRequest struct {
	TicketID int64                   `json:"ticket_id,omitempty"`
	Ticket   *ticketcore.CreateInput `json:"ticket,omitempty"`
	Rules    json.RawMessage         `json:"rules,omitempty"`
}

// Explanation is the rule-by-rule trace (routing.Explanation) and, when
// the rules ask for an assignment, what the team's strategy would decide
// now. Nothing is changed or reserved.
type Explanation struct {
	routing.Explanation
	Assignment *routing.Decision `json:"assignment,omitempty"`
	DraftRules bool              `json:"draft_rules"`
}

// Explain is a dry run of the routing of one ticket.
func (d *Desk) Explain(ctx context.Context, actor ticketcore.Actor, req ExplainRequest) (*Explanation, error) {
	if (req.TicketID != 0) == (req.Ticket != nil) {
		return nil, &ticketcore.Error{Code: ticketcore.CodeInvalid, Message: "give either ticket_id or ticket",
			Fields: map[string]string{"ticket_id": "give either ticket_id or ticket"}}
	}
	var t *ticketcore.Ticket
	var err error
	if req.TicketID != 0 {
		t, err = d.svc.Get(ctx, req.TicketID)
	} else {
		t, err = d.svc.Draft(ctx, actor, *req.Ticket)
	}
	if err != nil {
		return nil, err
	}
	c, router := d.snapshot()
	draft := len(req.Rules) > 0 && string(req.Rules) != "null"
	if draft {
		if _, router, err = d.parseRules(req.Rules, c, c.rules.Version+1); err != nil {
			return nil, err
		}
	} else if router == nil {
		if router, err = routing.Compile(routing.RuleSet{Version: c.rules.Version}, routing.KnownFields{}); err != nil {
			return nil, err
		}
	}
	ex := &Explanation{Explanation: router.Explain(*t), DraftRules: draft}
	if out := ex.Outcome; out.Assign != "" {
		nt := out.ApplyTo(*t)
		d.mu.Lock()
		dec := d.roster.Assign(nt, routing.Request{Team: out.Team, Agent: out.Assign, Skills: out.Skills}, d.now())
		d.mu.Unlock()
		ex.Assignment = &dec
	}
	return ex, nil
}

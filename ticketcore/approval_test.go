package ticketcore_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/events"
	"github.com/deskmine/deskmine/ticketcore/storetest"
)

func putPolicy(t *testing.T, st ticketcore.SettingsStore, name, body string) {
	t.Helper()
	norm, err := ticketcore.ValidateApprovalPolicy(name, json.RawMessage(body))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutSetting(context.Background(), &ticketcore.Setting{Kind: ticketcore.KindApprovalPolicy, Name: name, Body: norm,
		UpdatedAt: time.Now().UTC(), UpdatedBy: "admin"}, 0); err != nil {
		t.Fatal(err)
	}
}

var (
	lead     = ticketcore.Actor{UserID: 8, Name: "wang.fang", Role: "manager"}
	lead2    = ticketcore.Actor{UserID: 9, Name: "zhao.lei", Role: "manager"}
	reviewer = ticketcore.Actor{UserID: 10, Name: "qa.lin", Role: "reviewer"}
)

func held(t *testing.T, err error) events.Approval {
	t.Helper()
	var ar *ticketcore.ApprovalRequired
	if !errors.As(err, &ar) {
		t.Fatalf("want the change held for approval, got %v", err)
	}
	return ar.Approval
}

func TestApprovalHoldsAndApplies(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			svc, st := storetest.NewService(t, b, nil)
			svc.SetApprovals(st)
			putPolicy(t, st, "refund", `{"field": "category", "values": ["refund"], "approver_roles": ["manager"],
				"description": "Refunds need a team lead"}`)
			putPolicy(t, st, "close_vip", `{"field": "status", "values": ["closed"], "approver_roles": ["manager"], "needed": 2}`)
			id := newTickets(t, svc, 1)[0]

			// A change the policies do not name goes through.
			other := "billing"
			if _, err := svc.Update(ctx, agent, id, 0, ticketcore.Patch{Category: &other}); err != nil {
				t.Fatalf("unheld change: %v", err)
			}
			// The refund is held: the ticket keeps its category, gains a
			// pending approval, in one event.
			refund := "refund"
			got, err := svc.Update(ctx, agent, id, 0, ticketcore.Patch{Category: &refund})
			a := held(t, err)
			if got.Category != "billing" || len(got.Approvals) != 1 || got.Approvals[0].Status != "pending" ||
				a.Summary != "category: billing -> refund" || a.RequestedBy != agent.Name || a.Needed != 1 {
				t.Fatalf("held: %+v / %+v", got, a)
			}
			ev := lastEvent(t, svc)
			if ev.Reason != "approval required: refund" || len(ev.Changes) != 1 || ev.Changes[0].Field != "approvals" {
				t.Fatalf("hold event: %+v", ev)
			}
			// Asking again while it waits is the same request.
			n := len(allEvents(t, svc))
			if _, err := svc.Update(ctx, agent, id, 0, ticketcore.Patch{Category: &refund}); held(t, err).ID != a.ID || len(allEvents(t, svc)) != n {
				t.Fatal("a repeated request made a second approval")
			}

			yes, no := true, false
			// The requester, a non-approver and a missing verdict are refused.
			for _, c := range []struct {
				who  ticketcore.Actor
				in   ticketcore.DecisionInput
				code ticketcore.Code
			}{
				{agent, ticketcore.DecisionInput{Approve: &yes}, ticketcore.CodeForbidden},
				{reviewer, ticketcore.DecisionInput{Approve: &yes}, ticketcore.CodeForbidden},
				{lead, ticketcore.DecisionInput{}, ticketcore.CodeInvalid},
				{lead, ticketcore.DecisionInput{Approve: &no}, ticketcore.CodeInvalid}, // a rejection needs a comment
			} {
				_, err := svc.Decide(ctx, c.who, id, a.ID, c.in)
				if e, ok := ticketcore.AsError(err); !ok || e.Code != c.code {
					t.Errorf("%s deciding %+v: %v, want %s", c.who.Name, c.in, err, c.code)
				}
			}
			if _, err := svc.Decide(ctx, lead, id, "nope", ticketcore.DecisionInput{Approve: &yes}); err == nil {
				t.Error("an unknown approval is decided")
			}

			done, err := svc.Decide(ctx, lead, id, a.ID, ticketcore.DecisionInput{Approve: &yes, Comment: "ok, order 4711"})
			if err != nil {
				t.Fatal(err)
			}
			if done.Category != "refund" || done.Approvals[0].Status != "approved" || done.Approvals[0].DecidedAt == nil ||
				done.Approvals[0].Decisions[0].By != lead.Name {
				t.Fatalf("approved: %+v", done)
			}
			ev = lastEvent(t, svc)
			fields := []string{}
			for _, c := range ev.Changes {
				fields = append(fields, c.Field)
			}
			if ev.Type != events.TicketUpdated || !strings.Contains(ev.Reason, "approved by wang.fang") ||
				strings.Join(fields, ",") != "approvals,category" {
				t.Fatalf("approval event: %s %q %v", ev.Type, ev.Reason, fields)
			}
			if _, err := svc.Decide(ctx, lead2, id, a.ID, ticketcore.DecisionInput{Approve: &yes}); err == nil {
				t.Error("a decided approval is decided again")
			}

			// Closing needs two managers; one rejection ends it, nothing closes.
			closed, err := svc.Transition(ctx, agent, id, 0, ticketcore.TransitionInput{To: "closed"})
			c := held(t, err)
			if closed.Status == "closed" {
				t.Fatal("the held transition was applied")
			}
			if _, err := svc.Decide(ctx, lead, id, c.ID, ticketcore.DecisionInput{Approve: &yes}); err != nil {
				t.Fatal(err)
			}
			if cur, _ := svc.Get(ctx, id); cur.Status == "closed" {
				t.Fatal("closed after one of two approvals")
			}
			if _, err := svc.Decide(ctx, lead, id, c.ID, ticketcore.DecisionInput{Approve: &yes}); err == nil {
				t.Error("one approver decided twice")
			}
			rej, err := svc.Decide(ctx, lead2, id, c.ID, ticketcore.DecisionInput{Approve: &no, Comment: "customer still waiting"})
			if err != nil || rej.Status == "closed" || rej.Approvals[1].Status != "rejected" {
				t.Fatalf("rejected: %+v %v", rej, err)
			}
			// Asked again and approved twice, it closes, as a status change.
			_, err = svc.Transition(ctx, agent, id, 0, ticketcore.TransitionInput{To: "closed"})
			c2 := held(t, err)
			if _, err := svc.Decide(ctx, lead, id, c2.ID, ticketcore.DecisionInput{Approve: &yes}); err != nil {
				t.Fatal(err)
			}
			fin, err := svc.Decide(ctx, lead2, id, c2.ID, ticketcore.DecisionInput{Approve: &yes})
			if err != nil || fin.Status != "closed" || lastEvent(t, svc).Type != events.TicketStatusChanged {
				t.Fatalf("closed after two approvals: %+v %v", fin, err)
			}
		})
	}
}

func TestValidateApprovalPolicy(t *testing.T) {
	for _, c := range []struct{ name, body, field string }{
		{"refund", `{}`, "field"},
		{"refund", `{"field": "category"}`, "approver_roles"},
		{"refund", `{"field": "category", "approver_roles": ["boss"]}`, "approver_roles[0]"},
		{"refund", `{"field": "version", "approver_roles": ["manager"]}`, "field"},
		{"refund", `{"field": "category", "approver_roles": ["manager"], "needed": 11}`, "needed"},
		{"Refund!", `{"field": "category", "approver_roles": ["manager"]}`, "name"},
		{"refund", `{"field": "category", "approver_logins": ["a"], "colour": 1}`, "body"},
	} {
		_, err := ticketcore.ValidateApprovalPolicy(c.name, json.RawMessage(c.body))
		e, ok := ticketcore.AsError(err)
		if !ok || e.Fields[c.field] == "" {
			t.Errorf("%s %s: %v, want an error on %s", c.name, c.body, err, c.field)
		}
	}
	// A numeric threshold on a custom field: 500 and more.
	if _, err := ticketcore.ValidateApprovalPolicy("big_refund", json.RawMessage(`{"field": "custom_fields.refund_amount", "min": 500, "approver_logins": ["cfo"]}`)); err != nil {
		t.Fatal(err)
	}
}

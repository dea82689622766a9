package ticketcore_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/events"
	"github.com/deskmine/deskmine/ticketcore/storetest"
)

func putChecklist(t *testing.T, st ticketcore.SettingsStore, typ, body string) {
	t.Helper()
	norm, err := ticketcore.ValidateChecklist(ticketcore.DefaultOptions().TicketTypes, typ, json.RawMessage(body))
	if err != nil {
		t.Fatal(err)
	}
	prev, err := st.Setting(context.Background(), ticketcore.KindChecklist, typ)
	var version int64
	if err == nil {
		version = prev.Version
	}
	if err := st.PutSetting(context.Background(), &ticketcore.Setting{Kind: ticketcore.KindChecklist, Name: typ, Body: norm,
		UpdatedAt: time.Now().UTC(), UpdatedBy: "admin"}, version); err != nil {
		t.Fatal(err)
	}
}

func TestChecklistBlocksResolving(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			svc, st := storetest.NewService(t, b, nil)
			svc.SetChecklists(st)
			putChecklist(t, st, "incident", `{"items": [
				{"id": "backup_verified", "title": " 确认备份可用 ", "required": true},
				{"id": "customer_told", "title": "Customer informed", "required": true},
				{"id": "kb_linked", "title": "Link a KB article", "required": false}]}`)
			putChecklist(t, st, "problem", `{"items": [
				{"id": "customer_told", "title": "Customer informed", "required": true},
				{"id": "root_cause", "title": "Root cause recorded", "required": true}]}`)

			in := basicInput()
			in.Type = "incident"
			res, err := svc.Create(ctx, agent, in, "")
			if err != nil {
				t.Fatal(err)
			}
			tk := res.Ticket
			if len(tk.Checklist) != 3 || tk.Checklist[0].Title != "确认备份可用" || tk.Checklist[0].Done || !tk.Checklist[0].Required {
				t.Fatalf("new ticket's checklist: %+v", tk.Checklist)
			}
			// Questions have no template: no checklist, and nothing blocks.
			q := basicInput()
			q.Type = "question"
			if res, err := svc.Create(ctx, agent, q, ""); err != nil || res.Ticket.Checklist != nil {
				t.Fatalf("question: %+v %v", res.Ticket, err)
			} else if _, err := svc.Transition(ctx, agent, res.Ticket.ID, 0, ticketcore.TransitionInput{To: "resolved"}); err != nil {
				t.Fatalf("a ticket without a checklist resolves: %v", err)
			}

			_, err = svc.Transition(ctx, agent, tk.ID, 0, ticketcore.TransitionInput{To: "resolved", Resolution: "fixed"})
			e, ok := ticketcore.AsError(err)
			if !ok || e.Code != ticketcore.CodeChecklistIncomplete || !strings.Contains(e.Message, "backup_verified, customer_told") {
				t.Fatalf("resolving with open steps: %v", err)
			}
			if _, err := svc.Transition(ctx, agent, tk.ID, 0, ticketcore.TransitionInput{To: "closed"}); err == nil {
				t.Fatal("closing with open steps is allowed")
			}
			if _, err := svc.Transition(ctx, agent, tk.ID, 0, ticketcore.TransitionInput{To: "open"}); err != nil {
				t.Fatalf("moves that do not resolve are not blocked: %v", err)
			}

			yes, no := true, false
			got, err := svc.Check(ctx, agent, tk.ID, 0, "backup_verified", ticketcore.CheckInput{Done: &yes})
			if err != nil {
				t.Fatal(err)
			}
			if it := got.Checklist[0]; !it.Done || it.DoneBy != agent.Name || it.DoneAt == nil {
				t.Fatalf("ticked: %+v", it)
			}
			ev := lastEvent(t, svc)
			if ev.Type != events.TicketUpdated || len(ev.Changes) != 1 || ev.Changes[0].Field != "checklist" || ev.Reason != "checklist: backup_verified" {
				t.Fatalf("tick event: %+v", ev)
			}
			// Ticking again changes nothing and writes nothing.
			n := len(allEvents(t, svc))
			if _, err := svc.Check(ctx, agent, tk.ID, 0, "backup_verified", ticketcore.CheckInput{Done: &yes}); err != nil || len(allEvents(t, svc)) != n {
				t.Fatalf("ticking twice: %v, %d events (was %d)", err, len(allEvents(t, svc)), n)
			}

			// A type change keeps the state of the steps both types have.
			if _, err := svc.Check(ctx, agent, tk.ID, 0, "customer_told", ticketcore.CheckInput{Done: &yes}); err != nil {
				t.Fatal(err)
			}
			problem := "problem"
			moved, err := svc.Update(ctx, agent, tk.ID, 0, ticketcore.Patch{Type: &problem})
			if err != nil {
				t.Fatal(err)
			}
			if len(moved.Checklist) != 2 || moved.Checklist[0].ID != "customer_told" || !moved.Checklist[0].Done || moved.Checklist[1].Done {
				t.Fatalf("after the type change: %+v", moved.Checklist)
			}
			if _, err := svc.Transition(ctx, agent, tk.ID, 0, ticketcore.TransitionInput{To: "resolved"}); err == nil {
				t.Fatal("the new type's open step does not block")
			}
			if _, err := svc.Check(ctx, agent, tk.ID, 0, "root_cause", ticketcore.CheckInput{Done: &yes}); err != nil {
				t.Fatal(err)
			}
			// Unticking blocks again; ticking again resolves.
			if _, err := svc.Check(ctx, agent, tk.ID, 0, "root_cause", ticketcore.CheckInput{Done: &no}); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Transition(ctx, agent, tk.ID, 0, ticketcore.TransitionInput{To: "resolved"}); err == nil {
				t.Fatal("an unticked step does not block")
			}
			if _, err := svc.Check(ctx, agent, tk.ID, 0, "root_cause", ticketcore.CheckInput{Done: &yes}); err != nil {
				t.Fatal(err)
			}
			if done, err := svc.Transition(ctx, agent, tk.ID, 0, ticketcore.TransitionInput{To: "resolved", Resolution: "fixed"}); err != nil || done.Status != "resolved" {
				t.Fatalf("resolving with every step done: %v", err)
			}

			// Bad input.
			if _, err := svc.Check(ctx, agent, tk.ID, 0, "nope", ticketcore.CheckInput{Done: &yes}); err == nil {
				t.Error("an unknown step is accepted")
			} else if e, _ := ticketcore.AsError(err); e.Code != ticketcore.CodeNotFound {
				t.Errorf("unknown step: %v", err)
			}
			if _, err := svc.Check(ctx, agent, tk.ID, 0, "root_cause", ticketcore.CheckInput{}); err == nil {
				t.Error("a check without done is accepted")
			}
		})
	}
}

func TestValidateChecklist(t *testing.T) {
	types := ticketcore.DefaultOptions().TicketTypes
	for _, c := range []struct {
		name, body, field string
	}{
		{"incident", `{"items": []}`, "items"},
		{"incident", `{"items": [{"id": "A b", "title": "x"}]}`, "items[0].id"},
		{"incident", `{"items": [{"id": "a", "title": "x"}, {"id": "a", "title": "y"}]}`, "items[1].id"},
		{"incident", `{"items": [{"id": "a", "title": "   "}]}`, "items[0].title"},
		{"refund", `{"items": [{"id": "a", "title": "x"}]}`, "type"},
		{"incident", `{"type": "problem", "items": [{"id": "a", "title": "x"}]}`, "type"},
		{"incident", `{"items": [{"id": "a", "title": "x", "colour": "red"}]}`, "body"},
	} {
		_, err := ticketcore.ValidateChecklist(types, c.name, json.RawMessage(c.body))
		e, ok := ticketcore.AsError(err)
		if !ok || e.Fields[c.field] == "" {
			t.Errorf("%s %s: %v, want an error on %s", c.name, c.body, err, c.field)
		}
	}
}

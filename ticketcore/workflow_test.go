package ticketcore

import (
	"strings"
	"testing"
)

func TestDefaultWorkflowIsValid(t *testing.T) {
	if err := DefaultWorkflow().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestWorkflowValidateRefusesBrokenMachines(t *testing.T) {
	cases := map[string]Workflow{
		"no states":       {Initial: "a"},
		"duplicate state": {Initial: "a", States: []State{{Name: "a", Kind: KindNew}, {Name: "a", Kind: KindOpen}}},
		"bad kind":        {Initial: "a", States: []State{{Name: "a", Kind: "limbo"}}},
		"bad initial":     {Initial: "z", States: []State{{Name: "a", Kind: KindNew}}},
		"unknown target":  {Initial: "a", States: []State{{Name: "a", Kind: KindNew}}, Transitions: []Transition{{"a", "b"}}},
		"self loop":       {Initial: "a", States: []State{{Name: "a", Kind: KindNew}}, Transitions: []Transition{{"a", "a"}}},
		"padded name":     {Initial: " a", States: []State{{Name: " a", Kind: KindNew}}},
	}
	for name, w := range cases {
		if err := w.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestCheckTransition(t *testing.T) {
	w := DefaultWorkflow()
	ok := [][2]string{{"new", "open"}, {"open", "pending"}, {"pending", "open"}, {"open", "resolved"},
		{"resolved", "closed"}, {"resolved", "open"}, {"closed", "open"}}
	for _, p := range ok {
		if err := w.CheckTransition(p[0], p[1], ""); err != nil {
			t.Errorf("%s -> %s refused: %v", p[0], p[1], err)
		}
	}
	err := w.CheckTransition("resolved", "pending", "")
	e, isErr := AsError(err)
	if !isErr || e.Code != CodeIllegalTransition || !strings.Contains(e.Message, "closed, open") {
		t.Fatalf("resolved -> pending: %v", err)
	}
	if e, _ := AsError(w.CheckTransition("open", "limbo", "")); e == nil || e.Code != CodeInvalid {
		t.Fatal("unknown target state accepted")
	}
	if err := w.CheckTransition("open", "pending", "waiting_on_customer"); err != nil {
		t.Fatal(err)
	}
	if e, _ := AsError(w.CheckTransition("open", "pending", "lunch")); e == nil || e.Fields["pending_reason"] == "" {
		t.Fatal("unlisted pending reason accepted")
	}
	if e, _ := AsError(w.CheckTransition("open", "resolved", "waiting_on_customer")); e == nil {
		t.Fatal("reason on a non-pending state accepted")
	}
	final := Workflow{Initial: "a", States: []State{{Name: "a", Kind: KindNew}, {Name: "b", Kind: KindClosed}}, Transitions: []Transition{{"a", "b"}}}
	if e, _ := AsError(final.CheckTransition("b", "a", "")); e == nil || !strings.Contains(e.Message, "b is final") {
		t.Fatalf("final state message: %v", e)
	}
}

func TestSetStatusKeepsLifecycleTimes(t *testing.T) {
	s := &Service{opts: DefaultOptions()}
	tk := &Ticket{Status: "new"}
	t1 := mustTime("2026-01-01T10:00:00Z")
	s.setStatus(tk, "resolved", "", t1)
	if tk.ResolvedAt == nil || !tk.ResolvedAt.Equal(t1) || tk.ClosedAt != nil {
		t.Fatalf("resolve: %+v", tk)
	}
	t2 := t1.Add(3600e9)
	s.setStatus(tk, "closed", "", t2)
	if !tk.ResolvedAt.Equal(t1) || !tk.ClosedAt.Equal(t2) {
		t.Fatalf("close keeps resolved_at: %+v", tk)
	}
	s.setStatus(tk, "open", "", t2)
	if tk.ReopenCount != 1 || tk.ResolvedAt != nil || tk.ClosedAt != nil {
		t.Fatalf("reopen: %+v", tk)
	}
	s.setStatus(tk, "pending", "scheduled", t2)
	if tk.PendingReason != "scheduled" {
		t.Fatal("pending reason lost")
	}
	s.setStatus(tk, "open", "", t2)
	if tk.PendingReason != "" || tk.ReopenCount != 1 {
		t.Fatalf("leaving pending: %+v", tk)
	}
	s.setStatus(tk, "closed", "", t2)
	if tk.ResolvedAt == nil {
		t.Fatal("closing unresolved ticket must set resolved_at")
	}
}

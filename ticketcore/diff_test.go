package ticketcore

import (
	"testing"
)

func TestDiff(t *testing.T) {
	old := &Ticket{ID: 1, Version: 1, Subject: "a", Status: "new", Tags: []string{}, CustomFields: map[string]any{"model": "x", "gone": 1.0}}
	new := cloneTicket(old)
	new.Version, new.Subject, new.Team = 2, "b", "network"
	new.CustomFields["model"] = "y"
	delete(new.CustomFields, "gone")
	new.UpdatedAt = mustTime("2026-01-01T00:00:00Z")
	got := Diff(old, new)
	want := map[string][2]string{
		"subject":             {`"a"`, `"b"`},
		"team":                {`null`, `"network"`},
		"custom_fields.model": {`"x"`, `"y"`},
		"custom_fields.gone":  {`1`, `null`},
	}
	if len(got) != len(want) {
		t.Fatalf("changes %+v", got)
	}
	for i, c := range got {
		w, ok := want[c.Field]
		if !ok || string(c.Old) != w[0] || string(c.New) != w[1] {
			t.Errorf("change %s: %s -> %s", c.Field, c.Old, c.New)
		}
		if i > 0 && got[i-1].Field > c.Field {
			t.Error("changes not sorted")
		}
	}
	if d := Diff(old, cloneTicket(old)); len(d) != 0 {
		t.Fatalf("no change reported as %v", d)
	}
	created := Diff(nil, old)
	for _, c := range created {
		if string(c.Old) != "null" {
			t.Fatalf("creation change %s has old %s", c.Field, c.Old)
		}
		if c.Field == "version" || c.Field == "updated_at" {
			t.Fatalf("bookkeeping field %s audited", c.Field)
		}
	}
}

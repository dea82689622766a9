package ticketcore

import (
	"encoding/json"
	"testing"

	"github.com/deskmine/deskmine/ticketcore/events"
)

func TestPolicyHolds(t *testing.T) {
	min := 500.0
	change := func(field, old, new string) []events.Change {
		return []events.Change{{Field: field, Old: json.RawMessage(old), New: json.RawMessage(new)}}
	}
	for _, c := range []struct {
		p       ApprovalPolicy
		changes []events.Change
		want    bool
		summary string
	}{
		{ApprovalPolicy{Field: "custom_fields.refund_amount", Min: &min}, change("custom_fields.refund_amount", "null", "800"), true, "custom_fields.refund_amount:  -> 800"},
		{ApprovalPolicy{Field: "custom_fields.refund_amount", Min: &min}, change("custom_fields.refund_amount", "100", "499.5"), false, ""},
		{ApprovalPolicy{Field: "tags", Values: []string{"grant_admin"}}, change("tags", `["vpn"]`, `["vpn","grant_admin"]`), true, `tags: ["vpn"] -> ["vpn","grant_admin"]`},
		{ApprovalPolicy{Field: "tags", Values: []string{"grant_admin"}}, change("tags", `["grant_admin"]`, `["grant_admin","x"]`), false, ""},
		{ApprovalPolicy{Field: "priority"}, change("priority", `"P3"`, `"P1"`), true, "priority: P3 -> P1"},
		{ApprovalPolicy{Field: "priority"}, change("team", `"a"`, `"b"`), false, ""},
		{ApprovalPolicy{Field: "status", Values: []string{"closed"}}, change("status", `"open"`, `"resolved"`), false, ""},
	} {
		got, summary := c.p.holds(c.changes)
		if got != c.want || summary != c.summary {
			t.Errorf("%+v on %s: %v %q, want %v %q", c.p, c.changes[0].Field, got, summary, c.want, c.summary)
		}
	}
}

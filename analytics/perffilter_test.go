package analytics

import (
	"reflect"
	"strings"
	"testing"
)

func TestFilterClauseSimplify(t *testing.T) {
	in := func(col string) string { return "has(?, " + col + ")" }
	c := NewFilterClause(in, "ticket_id IN (SELECT ticket_id FROM tickets WHERE ")
	q := "SELECT 1 FROM t WHERE a = ? AND " + PerfFilterClause(in) + " AND b IN (SELECT x FROM u WHERE " +
		PerfFilterClause(in) + ") LIMIT ?"
	none := PerfFilterArgs(nil)
	some := PerfFilterArgs(map[string][]string{"team": {"billing"}, "channel": {"email", "chat"}})
	args := append(append(append([]any{"A"}, none...), some...), int64(5))

	got, gotArgs := c.Simplify(q, args)
	want := "SELECT 1 FROM t WHERE a = ? AND (1 = 1) AND b IN (SELECT x FROM u WHERE " +
		"(has(?, channel) AND has(?, team))) LIMIT ?"
	if got != want {
		t.Fatalf("query\n got %s\nwant %s", got, want)
	}
	wantArgs := []any{"A", []string{"email", "chat"}, []string{"billing"}, int64(5)}
	if !reflect.DeepEqual(gotArgs, wantArgs) {
		t.Fatalf("args %v, want %v", gotArgs, wantArgs)
	}
	if strings.Count(got, "?") != len(gotArgs) {
		t.Fatalf("%d placeholders, %d arguments", strings.Count(got, "?"), len(gotArgs))
	}

	// Too few arguments, or a flag of another type: unchanged, so that the
	// database reports the original mismatch.
	if got, gotArgs := c.Simplify(q, args[:5]); got != q || len(gotArgs) != 5 {
		t.Fatalf("short arguments rewritten: %q %v", got, gotArgs)
	}
	bad := append([]any{}, args...)
	bad[1] = "1"
	if got, _ := c.Simplify(q, bad); got != q {
		t.Fatalf("a string flag rewritten: %q", got)
	}
	// A semi-join on the tickets without a filter is dropped; with one it stays.
	semi := "SELECT x FROM i WHERE s >= ? AND ticket_id IN (SELECT ticket_id FROM tickets WHERE " + PerfFilterClause(in) + ") AND y"
	if got, gotArgs := c.Simplify(semi, append([]any{int64(1)}, none...)); got != "SELECT x FROM i WHERE s >= ? AND (1 = 1) AND y" || len(gotArgs) != 1 {
		t.Errorf("unfiltered semi-join: %q %v", got, gotArgs)
	}
	if got, _ := c.Simplify(semi, append([]any{int64(1)}, some...)); got != "SELECT x FROM i WHERE s >= ? AND ticket_id IN (SELECT ticket_id FROM tickets WHERE (has(?, channel) AND has(?, team))) AND y" {
		t.Errorf("filtered semi-join: %q", got)
	}
	qualified := "SELECT x FROM i WHERE i.ticket_id IN (SELECT ticket_id FROM tickets WHERE " + PerfFilterClause(in) + ")"
	if got, _ := c.Simplify(qualified, none); got != "SELECT x FROM i WHERE i.ticket_id IN (SELECT ticket_id FROM tickets WHERE (1 = 1))" {
		t.Errorf("a qualified semi-join: %q", got)
	}
	if got, _ := c.Simplify("SELECT ?", []any{1}); got != "SELECT ?" {
		t.Fatalf("a query without the clause rewritten: %q", got)
	}
}

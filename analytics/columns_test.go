package analytics

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestColumns(t *testing.T) {
	checkCols(t, EventColumns, EventRow{})
	checkCols(t, TicketColumns, TicketRow{})
	checkCols(t, IntervalColumns, IntervalRow{})
	checkCols(t, SLAColumns, SLARow{})
	if len(PriorColumns) != len(PriorDests(&TicketRow{})) {
		t.Fatal("PriorColumns and PriorDests differ in length")
	}
	names := map[string]bool{}
	for _, n := range Names(TicketColumns) {
		names[n] = true
	}
	for _, n := range PriorColumns {
		if !names[n] {
			t.Errorf("prior column %s is not a ticket column", n)
		}
	}
}

func checkCols[R any](t *testing.T, cols []Column[R], zero R) {
	t.Helper()
	seen := map[string]bool{}
	rows := []R{zero, zero}
	for _, c := range cols {
		if seen[c.Name] {
			t.Errorf("column %s twice", c.Name)
		}
		seen[c.Name] = true
		if n := reflect.ValueOf(c.Slice(rows)).Len(); n != 2 {
			t.Errorf("column %s: slice of %d", c.Name, n)
		}
		_ = c.Value(&rows[0])
	}
}

func TestColumnValues(t *testing.T) {
	now := time.Unix(1700000000, 0).UTC()
	ms := int64(5)
	r := TicketRow{TicketID: 3, FirstResponseAt: &now, ResolveMs: &ms, Snapshot: Snapshot{SLABreached: true, Tags: []string{"x"}}}
	got := map[string]any{}
	slices := map[string]any{}
	for _, c := range TicketColumns {
		got[c.Name] = c.Value(&r)
		slices[c.Name] = c.Slice([]TicketRow{r})
	}
	if got["ticket_id"] != int64(3) || got["first_response_at"] != now || got["first_response_ms"] != nil ||
		got["resolve_ms"] != int64(5) || got["sla_breached"] != true || got["resolved_at"] != nil {
		t.Fatalf("values = %v", got)
	}
	if !reflect.DeepEqual(slices["sla_breached"], []uint8{1}) || !reflect.DeepEqual(slices["tags"], [][]string{{"x"}}) {
		t.Fatalf("slices = %v", slices)
	}
}

func TestCheckColumns(t *testing.T) {
	got := map[string][]string{
		TableEvents: Names(EventColumns), TableTickets: Names(TicketColumns),
		TableIntervals: Names(IntervalColumns), TableSLA: Names(SLAColumns),
	}
	if err := CheckColumns(got); err != nil {
		t.Fatalf("matching schema refused: %v", err)
	}
	swapped := slices.Clone(got[TableIntervals])
	swapped[0], swapped[1] = swapped[1], swapped[0]
	got[TableIntervals] = swapped
	if err := CheckColumns(got); err == nil || !strings.Contains(err.Error(), "table intervals") {
		t.Fatalf("swapped columns: %v", err)
	}
	delete(got, TableIntervals)
	if err := CheckColumns(got); err == nil {
		t.Fatal("a missing table passed")
	}
}

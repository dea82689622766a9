package storetest

import (
	"reflect"
	"testing"
)

// TestExpectDeterministic: the generator and the expected answers depend on
// the seed only, and repeated events do not change the answers.
func TestExpectDeterministic(t *testing.T) {
	a, b := History(), History()
	if !reflect.DeepEqual(a, b) {
		t.Fatal("history differs between runs")
	}
	want := Expect(a)
	if got := Expect(append(a, a[:100]...)); !reflect.DeepEqual(got, want) {
		t.Fatalf("repeats change the answers:\n%+v\n%+v", got, want)
	}
	if want.Events < 3000 || want.Tickets != 400 || want.OpenIntervals != 400 {
		t.Fatalf("history too small or odd: %+v", want)
	}
	seen := map[string]bool{}
	for _, e := range a {
		if seen[e.ID] {
			t.Fatalf("event id %s repeated", e.ID)
		}
		seen[e.ID] = true
		if err := e.Validate(); err != nil {
			t.Fatalf("generated event %s invalid: %v", e.ID, err)
		}
	}
}

package demo

import (
	"testing"
	"time"

	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/events"
)

var relNow = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

func historyAt(times ...time.Time) *Ticket {
	t := &Ticket{ExternalID: "T"}
	for _, at := range times {
		t.Changes = append(t.Changes, ticketcore.ImportedChange{At: at})
	}
	return t
}

func TestPlaceKeepsActsBetweenChanges(t *testing.T) {
	t0 := relNow.Add(-10 * time.Hour)
	tk := historyAt(t0, t0.Add(time.Hour), t0.Add(2*time.Hour))
	links := []Link{
		{Type: "related_to", At: t0.Add(time.Hour)},                      // on a change: moved into the gap after it
		{Type: "caused_by", At: t0.Add(30 * time.Minute)},                // inside a gap: kept
		{Type: "duplicate_of", At: t0.Add(90*time.Minute + time.Second)}, // shares the gap of the first
		{Type: "follow_up_of", At: relNow.Add(time.Minute)},              // after Now: dropped
	}
	rating := &Rating{Score: 4, At: t0.Add(5 * time.Hour)}
	got, r := place(tk, links, rating, relNow)
	if len(got) != 3 || r == nil {
		t.Fatalf("placed %d links, rating %v", len(got), r)
	}
	if got[0].Type != "caused_by" || !got[0].At.Equal(t0.Add(30*time.Minute)) {
		t.Errorf("a link inside a gap moved: %+v", got[0])
	}
	for i := 1; i < len(got); i++ {
		if !got[i].At.After(got[i-1].At) {
			t.Errorf("links not in time order: %+v", got)
		}
	}
	for _, l := range got {
		inside := false
		for i := range tk.Changes {
			next := relNow.Add(time.Microsecond)
			if i+1 < len(tk.Changes) {
				next = tk.Changes[i+1].At
			}
			if l.At.After(tk.Changes[i].At) && l.At.Before(next) {
				inside = true
			}
		}
		if !inside || l.At.Truncate(time.Microsecond) != l.At {
			t.Errorf("link %+v is not strictly between two changes at microsecond precision", l)
		}
	}
	if !r.At.Equal(t0.Add(5 * time.Hour)) {
		t.Errorf("rating after the last change moved to %s", r.At)
	}
	// Nothing is written before the ticket exists, nor in a gap that ends
	// at Now exactly.
	if got, _ := place(historyAt(t0), []Link{{At: t0.Add(-time.Second)}}, nil, relNow); len(got) != 0 {
		t.Errorf("a link before the creation was kept: %+v", got)
	}
	if got, r := place(historyAt(t0, relNow), []Link{{At: relNow}}, &Rating{At: relNow.Add(time.Hour)}, relNow); len(got) != 0 || r != nil {
		t.Errorf("acts after the last change at Now: %+v %+v", got, r)
	}
}

// TestPlannedRelations checks the plan of a generated dataset: links and
// ratings sit strictly inside the history, before Now; a ticket has at most
// one parent; targets exist before the link; ratings follow the last
// resolution of a ticket still resolved or closed at Now.
func TestPlannedRelations(t *testing.T) {
	ds, err := Generate(Options{Tickets: 1500, Days: 60, Seed: 3, Now: relNow})
	if err != nil {
		t.Fatal(err)
	}
	created := map[string]time.Time{}
	types := map[string]int{}
	ratings := 0
	for _, tk := range ds.Tickets {
		created[tk.ExternalID] = tk.Changes[0].At
	}
	for _, tk := range ds.Tickets {
		h := readHistory(&tk)
		parents := 0
		for _, l := range tk.Links {
			types[l.Type]++
			if events.ParentLink(l.Type) {
				parents++
			}
			if l.Target == tk.ExternalID || !l.At.After(created[l.Target]) || l.At.After(relNow) || l.Actor == "" {
				t.Fatalf("ticket %s: link %+v", tk.ExternalID, l)
			}
			if h.statusAt(l.At) == "new" {
				t.Errorf("ticket %s: linked before anyone opened it", tk.ExternalID)
			}
		}
		if parents > 1 || h.problem && len(tk.Links) > 0 {
			t.Fatalf("ticket %s (problem %v) has links %+v", tk.ExternalID, h.problem, tk.Links)
		}
		if r := tk.Rating; r != nil {
			ratings++
			if h.problem || h.resolved.IsZero() || !r.At.After(h.resolved) || r.At.After(relNow) || (tk.Status != "resolved" && tk.Status != "closed") ||
				r.Score < 1 || r.Score > 5 || r.Actor == "" {
				t.Fatalf("ticket %s (%s, resolved %s): rating %+v", tk.ExternalID, tk.Status, h.resolved, r)
			}
		}
	}
	t.Logf("planned links %v, %d ratings", types, ratings)
	for _, typ := range events.LinkTypes {
		if types[typ] == 0 {
			t.Errorf("no %s link planned", typ)
		}
	}
	if ratings == 0 {
		t.Error("no rating planned")
	}
}

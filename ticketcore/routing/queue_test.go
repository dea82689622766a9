package routing

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/deskmine/deskmine/ticketcore/events"
)

func TestScore(t *testing.T) {
	w := DefaultScoreWeights()
	tk := events.Ticket{Priority: "P2", Urgency: "high", Customer: events.Customer{Tier: "vip"}}
	cases := []struct {
		remaining time.Duration
		want      float64
	}{
		{NoSLA, 25 + 20 + 20},
		{8 * time.Hour, 65},
		{4 * time.Hour, 65},
		{time.Hour, 65 + 50*0.75},
		{0, 65 + 50},
		{-2 * time.Hour, 65 + 50*1.5},
		{-10 * time.Hour, 65 + 100},
	}
	for _, c := range cases {
		if got := Score(tk, c.remaining, w); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("remaining %v: score %v, want %v", c.remaining, got, c.want)
		}
	}
	if got := Score(events.Ticket{Priority: "P9", Customer: events.Customer{Tier: "gold"}}, NoSLA, w); got != 0 {
		t.Errorf("unknown values score %v", got)
	}
	w.SLAHorizon = 0
	if got := Score(events.Ticket{}, -time.Second, w); got != 100 {
		t.Errorf("no horizon, breached: %v", got)
	}
	if got := Score(events.Ticket{}, time.Second, w); got != 0 {
		t.Errorf("no horizon, not breached: %v", got)
	}
}

func TestOrderQueue(t *testing.T) {
	at := func(m int) time.Time { return time.Date(2026, 1, 5, 9, m, 0, 0, time.UTC) }
	entry := func(id int64, prio, urgency, tier string, created int, remaining time.Duration) QueueEntry {
		return QueueEntry{Ticket: events.Ticket{ID: id, Priority: prio, Urgency: urgency, Customer: events.Customer{Tier: tier},
			CreatedAt: at(created)}, SLARemaining: remaining}
	}
	in := []QueueEntry{
		entry(1, "P4", "low", "standard", 0, NoSLA),                    // 0
		entry(2, "P1", "critical", "enterprise", 5, 3*time.Hour),       // 90 + 12.5
		entry(3, "P3", "medium", "standard", 1, -30*time.Minute),       // 20 + 56.25: breached
		entry(4, "P2", "high", "premium", 2, NoSLA),                    // 55
		entry(5, "P2", "high", "premium", 3, 2*time.Hour),              // 55 + 25 = 80
		entry(6, "P3", "medium", "premium", 4, 2*time.Hour),            // 30 + 25 = 55: ties with 4, less SLA left
		entry(7, "P4", "low", "standard", 0, NoSLA),                    // ties with 1, same age: by id
		entry(8, "P3", "medium", "standard", 0, 4*time.Hour+time.Hour), // 20
		entry(9, "P3", "medium", "standard", 1, NoSLA),                 // 20, ties with 8 on score, NoSLA sorts after
	}
	orig := slices.Clone(in)
	out := OrderQueue(in, DefaultScoreWeights())
	var ids []int64
	for _, e := range out {
		ids = append(ids, e.Ticket.ID)
	}
	want := []int64{2, 5, 3, 6, 4, 8, 9, 1, 7}
	if !slices.Equal(ids, want) {
		t.Errorf("order %v, want %v", ids, want)
	}
	if out[0].Score != 102.5 || out[2].Score != 76.25 {
		t.Errorf("scores %v %v", out[0].Score, out[2].Score)
	}
	for i := range in {
		if in[i].Ticket.ID != orig[i].Ticket.ID || in[i].Score != 0 {
			t.Fatal("input modified")
		}
	}
}

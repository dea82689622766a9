package miner

import (
	"slices"
	"testing"
	"time"
)

func TestCategoryShare(t *testing.T) {
	for _, tc := range []struct {
		cats []string
		want float64
	}{
		{[]string{"a", "a", "b", "a"}, 0.75},
		{[]string{"a", "", "", "b"}, 0.5},
		{[]string{"", ""}, 1},
		{nil, 1},
	} {
		if got := categoryShare(tc.cats); got != tc.want {
			t.Errorf("categoryShare(%q) = %v, want %v", tc.cats, got, tc.want)
		}
	}
}

func TestRankedLabels(t *testing.T) {
	got := rankedLabels([]string{"b", "a", "", "c", "b", "a", "b"})
	if !slices.Equal(got, []string{"b", "a", "c"}) {
		t.Errorf("got %v", got)
	}
}

func TestExistingCovers(t *testing.T) {
	x := newExistingIndex([]Existing{{Key: "k1"}, {Sources: []int64{9, 1, 5, 3, 1}}})
	for _, tc := range []struct {
		key     string
		sources []int64
		want    bool
	}{
		{"k1", []int64{100}, true},
		{"k2", []int64{1, 3, 100, 101}, true},         // 2 of min(4,4)
		{"k2", []int64{1, 100, 101, 102}, false},      // 1 of 4
		{"k2", []int64{1, 3, 5, 9, 20, 21, 22}, true}, // grew past it
		{"k2", []int64{5}, true},
		{"k2", []int64{100, 200}, false},
	} {
		if got := x.covers(tc.key, tc.sources); got != tc.want {
			t.Errorf("covers(%q, %v) = %v, want %v", tc.key, tc.sources, got, tc.want)
		}
	}
}

func TestExamplesMostRecentFirst(t *testing.T) {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := &corpus{}
	for i := range 7 {
		c.tickets = append(c.tickets, Ticket{ID: int64(10 + i), ResolvedAt: base.Add(time.Duration((i*3)%7) * time.Hour)})
	}
	got := c.examples([]int32{0, 1, 2, 3, 4, 5, 6})
	// hours: 0 3 6 2 5 1 4 -> ids 12 14 16 11 13
	if !slices.Equal(got, []int64{12, 14, 16, 11, 13}) {
		t.Errorf("examples %v", got)
	}
}

func TestMatchArticle(t *testing.T) {
	tickets := syntheticTickets(40)
	art := Article{ID: 3, Title: "Print jobs stuck in the queue", Problem: "Documents stay in the printer queue (spooling)",
		Steps: []string{"Stop the Print Spooler service", "Clear the spool folder", "Restart the Print Spooler service"}}
	other := Article{ID: 4, Title: "Order a headset", Steps: []string{"Use the hardware portal"}}
	o, _ := Options{}.withDefaults()
	c, err := newCorpus(t.Context(), Input{Tickets: tickets, Articles: []Article{other, art}}, o)
	if err != nil {
		t.Fatal(err)
	}
	acc := newAccumulator(len(c.terms))
	printer := c.newGroup([]int32{16, 17, 18, 19, 20, 21, 22, 23}, acc)
	idx := c.articleIndex()
	a, sim := c.matchArticle(printer, idx, DefaultDuplicateSimilarity)
	if a < 0 || c.articles[a].ID != 3 || sim < DefaultDuplicateSimilarity {
		t.Errorf("printer group matched article index %d at %.3f", a, sim)
	}
	vpn := c.newGroup([]int32{0, 1, 2, 3, 4, 5, 6, 7}, acc)
	if a, sim := c.matchArticle(vpn, idx, DefaultDuplicateSimilarity); a >= 0 {
		t.Errorf("vpn group matched article %d at %.3f", a, sim)
	}
}

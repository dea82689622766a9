package miner

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// syntheticTickets returns the planted groups (8 tickets each) and n noise
// tickets of random words, without the real data set.
func syntheticTickets(n int) []Ticket {
	r := rand.New(rand.NewPCG(5, 9))
	var out []Ticket
	for _, p := range plantedProblems {
		for k := range 8 {
			out = append(out, p.ticket(r, k))
		}
	}
	words := strings.Fields(`account access adapter alert approval archive backup badge browser budget cable calendar
		certificate chair cloud contract data database desk device disk display document domain download email
		error file firewall folder form group hardware headset invoice keyboard laptop license login meeting
		memory migration mobile monitor mouse network office order password phone portal power printer project
		quota report request router scanner screen server share software storage system tablet team token
		training update upgrade user vendor video wifi window workstation`)
	for range n {
		var b strings.Builder
		for range 6 + r.IntN(10) {
			b.WriteString(words[r.IntN(len(words))])
			b.WriteByte(' ')
		}
		out = append(out, Ticket{Subject: words[r.IntN(len(words))], Description: b.String(),
			Resolution: noiseResolutions[r.IntN(len(noiseResolutions))]})
	}
	for i := range out {
		out[i].ID = int64(i + 1)
	}
	return out
}

func testCorpus(t testing.TB, tickets []Ticket) *corpus {
	t.Helper()
	o, err := Options{}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	c, err := newCorpus(context.Background(), Input{Tickets: tickets}, o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// checkNeighbours compares the indexed neighbour search with all pairs.
func checkNeighbours(t *testing.T, c *corpus, minRecall float64) {
	t.Helper()
	const sim = DefaultSimilarity
	adj, err := c.neighbours(context.Background(), sim, 2)
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for i, es := range adj {
		if !slices.IsSortedFunc(es, func(a, b edge) int { return int(a.to - b.to) }) {
			t.Fatalf("neighbours of %d not sorted", i)
		}
		for _, e := range es {
			if int(e.to) == i || c.prob[i].dot(c.prob[e.to]) < sim-1e-6 {
				t.Fatalf("edge %d-%d at %.3f is no neighbour", i, e.to, e.sim)
			}
			if !slices.ContainsFunc(adj[e.to], func(b edge) bool { return int(b.to) == i }) {
				t.Fatalf("edge %d-%d is one-sided", i, e.to)
			}
			found++
		}
	}
	truth := 0
	for i := range c.prob {
		for j := i + 1; j < len(c.prob); j++ {
			if c.prob[i].dot(c.prob[j]) >= sim {
				truth++
			}
		}
	}
	if truth == 0 {
		t.Fatal("no neighbour pairs at all")
	}
	recall := float64(found/2) / float64(truth)
	t.Logf("%d of %d neighbour pairs found (recall %.3f)", found/2, truth, recall)
	if recall < minRecall {
		t.Errorf("recall %.3f below %.2f", recall, minRecall)
	}
}

func TestNeighboursAgainstAllPairs(t *testing.T) {
	checkNeighbours(t, testCorpus(t, syntheticTickets(300)), 0.95)
}

func TestNeighboursAgainstAllPairsOnRealTickets(t *testing.T) {
	rows := itTickets(t)
	var tickets []Ticket
	for i := 0; i < len(rows); i += 12 {
		tickets = append(tickets, Ticket{ID: int64(i + 1), Description: rows[i][0], Category: rows[i][1]})
	}
	// Requiring two shared top terms loses a few pairs that share one
	// heavy term; about 93% are found on the whole set.
	checkNeighbours(t, testCorpus(t, tickets), 0.85)
}

func edges(n int, pairs ...[2]int) [][]edge {
	adj := make([][]edge, n)
	for _, p := range pairs {
		adj[p[0]] = append(adj[p[0]], edge{to: int32(p[1]), sim: 0.9})
		adj[p[1]] = append(adj[p[1]], edge{to: int32(p[0]), sim: 0.9})
	}
	for i := range adj {
		slices.SortFunc(adj[i], func(a, b edge) int { return int(a.to - b.to) })
	}
	return adj
}

func TestStarClustersDoNotChain(t *testing.T) {
	// 0 is the hub of 1, 2, 3; 3-4-5 continue a chain away from it.
	adj := edges(7, [2]int{0, 1}, [2]int{0, 2}, [2]int{0, 3}, [2]int{3, 4}, [2]int{4, 5})
	got := groupsOf(starClusters(adj))
	want := [][]int32{{0, 1, 2, 3}, {4, 5}, {6}}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("groups %v, want %v", got, want)
	}
}

// vectorCorpus builds a corpus straight from unit vectors.
func vectorCorpus(vs ...sparse) *corpus {
	c := &corpus{prob: vs, terms: make([]string, 10)}
	for i := range vs {
		c.prob[i] = vs[i].normalized()
		c.tickets = append(c.tickets, Ticket{ID: int64(i + 1)})
	}
	return c
}

func TestRefineMovesTicketsToTheCloserCentroid(t *testing.T) {
	c := vectorCorpus(
		vec(0, 1, 1, 1), vec(0, 1, 1, 0.9), vec(0, 1, 1, 1.1), // cluster 0
		vec(0, 1, 1, 1, 2, 0.2), // 3: alone, close to cluster 0
		vec(5, 1, 6, 1),         // 4: alone, far from all
	)
	adj := edges(5, [2]int{0, 1}, [2]int{0, 2}, [2]int{0, 3})
	assign := []int32{0, 0, 0, 1, 2}
	got, err := c.refine(context.Background(), adj, assign, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []int32{0, 0, 0, 0, 2}) {
		t.Errorf("assign %v, want 3 joined to 0 and 4 left alone", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.refine(ctx, adj, assign, 0.5); err == nil {
		t.Error("refine ignored a cancelled context")
	}
}

func TestMergeClustersRejoinsOnlyCloseCentroids(t *testing.T) {
	c := vectorCorpus(
		vec(0, 1, 1, 1), vec(0, 1, 1, 0.8), // cluster 0
		vec(0, 1, 1, 1.2), vec(0, 0.9, 1, 1), // cluster 1: same topic
		vec(1, 0.3, 3, 1), vec(1, 0.2, 3, 1.1), // cluster 2: another topic, linked by one edge
	)
	adj := edges(6, [2]int{0, 1}, [2]int{2, 3}, [2]int{1, 2}, [2]int{4, 5}, [2]int{3, 4})
	got := c.mergeClusters(adj, []int32{0, 0, 1, 1, 2, 2}, 0.5)
	if !slices.Equal(got, []int32{0, 0, 0, 0, 2, 2}) {
		t.Errorf("assign %v, want clusters 0 and 1 merged, 2 apart", got)
	}
}

func TestSharedNeeded(t *testing.T) {
	if sharedNeeded(8, 8) != 2 || sharedNeeded(3, 8) != 1 || sharedNeeded(8, 1) != 1 {
		t.Error("short tickets need one shared term, others two")
	}
}

func TestAddSparse(t *testing.T) {
	got := addSparse(vec(1, 1, 3, 2), vec(0, 5, 3, 1, 4, 1))
	want := vec(0, 5, 1, 1, 3, 3, 4, 1)
	if !slices.Equal(got.idx, want.idx) || !slices.Equal(got.val, want.val) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestClusterFindsPlantedGroupsWithoutRealData(t *testing.T) {
	tickets := syntheticTickets(300)
	c := testCorpus(t, tickets)
	groups, err := c.cluster(context.Background(), DefaultSimilarity, 2)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, g := range groups {
		total += len(g)
	}
	if total != len(tickets) {
		t.Fatalf("%d tickets in groups, want %d", total, len(tickets))
	}
	for p := range plantedProblems {
		want := make([]int32, 8)
		for k := range want {
			want[k] = int32(p*8 + k)
		}
		if !slices.ContainsFunc(groups, func(g []int32) bool { return slices.Equal(g, want) }) {
			t.Errorf("planted group %s not found whole and alone", plantedProblems[p].name)
		}
	}
}

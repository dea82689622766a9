package miner

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
)

// topTerms is how many of its heaviest terms index a ticket for finding
// neighbours. Two tickets about the same problem share some of their most
// distinctive words; eight leaves room for wording to vary.
const topTerms = 8

// postingLimit bounds how many tickets one index term may list before it is
// skipped for candidate generation. Comparing every pair under a term costs
// its list's square; a term in the top eight of that many tickets is not
// distinctive, and those tickets still meet through their other terms.
func postingLimit(n int) int { return max(1000, n/20) }

// sharedNeeded is how many indexed top terms two tickets must share to be
// compared at all. Tickets at cosine 0.5 or more share several of their
// heaviest terms, so asking for two skips most of the pairs that merely share
// a word; a ticket with three terms or fewer may share only one.
func sharedNeeded(a, b int) int {
	if min(a, b) <= 3 {
		return 1
	}
	return 2
}

// edge is one neighbour of a ticket with their cosine.
type edge struct {
	to  int32
	sim float32
}

// cluster groups the tickets and returns each group's members (ticket
// indexes, ascending), groups ordered by their first member. Every ticket
// is in exactly one group, many in groups of one.
//
// Steps: neighbours through an inverted index of top terms (no all-pairs
// pass); star clustering, where the ticket with the most neighbours takes
// all its free neighbours (every member is close to its leader, so there is
// no single-link chaining through noise); one pass moving each ticket to the
// neighbouring group whose centroid it is most similar to; and merging
// groups whose centroids are close, which rejoins a topic the stars split.
func (c *corpus) cluster(ctx context.Context, sim float64, workers int) ([][]int32, error) {
	adj, err := c.neighbours(ctx, sim, workers)
	if err != nil {
		return nil, err
	}
	assign := starClusters(adj)
	if assign, err = c.refine(ctx, adj, assign, sim); err != nil {
		return nil, err
	}
	assign = c.mergeClusters(adj, assign, sim)
	return groupsOf(assign), nil
}

// neighbours returns, for every ticket, the tickets whose cosine with it is
// at least sim, ascending; only pairs sharing an indexed top term are
// compared.
func (c *corpus) neighbours(ctx context.Context, sim float64, workers int) ([][]edge, error) {
	n := len(c.prob)
	tops := make([][]int32, n)
	post := make([][]int32, len(c.terms))
	for i, v := range c.prob {
		tops[i] = v.top(topTerms)
		for _, t := range tops[i] {
			post[t] = append(post[t], int32(i))
		}
	}
	limit := postingLimit(n)
	up := make([][]edge, n)
	type scratch struct {
		dense   []float32 // ticket i's vector, dense, for fast dots
		count   []uint8   // top terms shared with ticket i, per ticket: small to stay in cache
		touched []int32
	}
	pool := make(chan *scratch, workersFor(n, workers))
	for range cap(pool) {
		pool <- &scratch{dense: make([]float32, len(c.terms)), count: make([]uint8, n)}
	}
	err := parallel(ctx, n, workers, func(i int) {
		sc := <-pool
		defer func() { pool <- sc }()
		for _, t := range tops[i] {
			p := post[t]
			if len(p) > limit {
				continue
			}
			k, _ := slices.BinarySearch(p, int32(i+1))
			for _, j := range p[k:] {
				if sc.count[j] == 0 {
					sc.touched = append(sc.touched, j)
				}
				sc.count[j]++
			}
		}
		v := c.prob[i]
		for k, t := range v.idx {
			sc.dense[t] = v.val[k]
		}
		for _, j := range sc.touched {
			if int(sc.count[j]) >= sharedNeeded(len(tops[i]), len(tops[j])) {
				var s float32
				w := c.prob[j]
				for k, t := range w.idx {
					s += sc.dense[t] * w.val[k]
				}
				if float64(s) >= sim {
					up[i] = append(up[i], edge{to: j, sim: s})
				}
			}
			sc.count[j] = 0
		}
		for _, t := range v.idx {
			sc.dense[t] = 0
		}
		sc.touched = sc.touched[:0]
		slices.SortFunc(up[i], func(a, b edge) int { return cmp.Compare(a.to, b.to) })
	})
	if err != nil {
		return nil, err
	}
	deg := make([]int, n)
	for i, es := range up {
		deg[i] += len(es)
		for _, e := range es {
			deg[e.to]++
		}
	}
	adj := make([][]edge, n)
	for i := range adj {
		adj[i] = make([]edge, 0, deg[i])
	}
	// Lower neighbours first, in ascending order, then the upper ones
	// (already ascending): each list ends up sorted.
	for i, es := range up {
		for _, e := range es {
			adj[e.to] = append(adj[e.to], edge{to: int32(i), sim: e.sim})
		}
	}
	for i, es := range up {
		adj[i] = append(adj[i], es...)
	}
	return adj, nil
}

// starClusters assigns each ticket a cluster: tickets in order of most
// neighbours (ties: lowest index) become leaders of their free neighbours.
func starClusters(adj [][]edge) []int32 {
	order := make([]int32, len(adj))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortStableFunc(order, func(a, b int32) int { return cmp.Compare(len(adj[b]), len(adj[a])) })
	assign := make([]int32, len(adj))
	for i := range assign {
		assign[i] = -1
	}
	var next int32
	for _, u := range order {
		if assign[u] >= 0 {
			continue
		}
		assign[u] = next
		for _, e := range adj[u] {
			if assign[e.to] < 0 {
				assign[e.to] = next
			}
		}
		next++
	}
	return assign
}

// clusterSums returns each cluster's sum of member vectors, its squared
// norm and its size.
func (c *corpus) clusterSums(assign []int32) (sums []sparse, norm2 []float64, sizes []int) {
	k := 0
	for _, a := range assign {
		k = max(k, int(a)+1)
	}
	members := make([][]int32, k)
	for i, a := range assign {
		members[a] = append(members[a], int32(i))
	}
	sums = make([]sparse, k)
	norm2 = make([]float64, k)
	sizes = make([]int, k)
	acc := newAccumulator(len(c.terms))
	for a, ms := range members {
		sizes[a] = len(ms)
		if len(ms) == 1 {
			sums[a] = c.prob[ms[0]]
		} else {
			for _, m := range ms {
				acc.addVec(c.prob[m], 1)
			}
			sums[a] = acc.vector()
		}
		n := sums[a].norm()
		norm2[a] = n * n
	}
	return sums, norm2, sizes
}

// refine moves each ticket to the neighbouring cluster whose centroid it is
// most similar to, when that is at least sim and beats its own cluster. A
// ticket is compared with its own cluster's centroid without itself in it,
// so a singleton has nothing pulling it back. All moves use the centroids
// from before the pass, so the result does not depend on visiting order.
func (c *corpus) refine(ctx context.Context, adj [][]edge, assign []int32, sim float64) ([]int32, error) {
	sums, norm2, _ := c.clusterSums(assign)
	out := slices.Clone(assign)
	stamp := make([]int32, len(sums))
	for i := range stamp {
		stamp[i] = -1
	}
	for u := range assign {
		if u%1024 == 0 && ctx.Err() != nil {
			return nil, fmt.Errorf("mine: %w", ctx.Err())
		}
		v := c.prob[u]
		if v.empty() {
			continue
		}
		cur := assign[u]
		best, bestSim := cur, 0.0
		if d := v.dotLookup(sums[cur]); norm2[cur]-2*d+1 > 1e-9 {
			bestSim = (d - 1) / math.Sqrt(norm2[cur]-2*d+1)
		}
		stamp[cur] = int32(u)
		for _, e := range adj[u] {
			k := assign[e.to]
			if stamp[k] == int32(u) {
				continue
			}
			stamp[k] = int32(u)
			s := v.dotLookup(sums[k]) / math.Sqrt(norm2[k])
			if s > bestSim || (s == bestSim && k < best) {
				best, bestSim = k, s
			}
		}
		if best != cur && bestSim >= sim {
			out[u] = best
		}
	}
	return out, nil
}

// mergeClusters joins clusters linked by a neighbour edge whose centroids
// are at least sim alike, closest pairs first, re-checking merged centroids
// so that merging cannot drift along a chain of topics.
func (c *corpus) mergeClusters(adj [][]edge, assign []int32, sim float64) []int32 {
	sums, norm2, sizes := c.clusterSums(assign)
	type pair struct {
		a, b int32
		sim  float64
	}
	seen := map[[2]int32]bool{}
	var pairs []pair
	for u, es := range adj {
		for _, e := range es {
			a, b := assign[u], assign[e.to]
			if a == b || sizes[a] < 2 || sizes[b] < 2 {
				continue
			}
			a, b = min(a, b), max(a, b)
			if seen[[2]int32{a, b}] {
				continue
			}
			seen[[2]int32{a, b}] = true
			s := sums[a].dot(sums[b]) / math.Sqrt(norm2[a]*norm2[b])
			if s >= sim {
				pairs = append(pairs, pair{a, b, s})
			}
		}
	}
	slices.SortFunc(pairs, func(x, y pair) int {
		if x.sim != y.sim {
			return cmp.Compare(y.sim, x.sim)
		}
		if x.a != y.a {
			return cmp.Compare(x.a, y.a)
		}
		return cmp.Compare(x.b, y.b)
	})
	parent := make([]int32, len(sums))
	for i := range parent {
		parent[i] = int32(i)
	}
	var find func(int32) int32
	find = func(x int32) int32 {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	for _, p := range pairs {
		ra, rb := find(p.a), find(p.b)
		if ra == rb {
			continue
		}
		if sums[ra].dot(sums[rb])/math.Sqrt(norm2[ra]*norm2[rb]) < sim {
			continue
		}
		ra, rb = min(ra, rb), max(ra, rb)
		parent[rb] = ra
		sums[ra] = addSparse(sums[ra], sums[rb])
		n := sums[ra].norm()
		norm2[ra] = n * n
	}
	out := make([]int32, len(assign))
	for i, a := range assign {
		out[i] = find(a)
	}
	return out
}

// addSparse returns a+b.
func addSparse(a, b sparse) sparse {
	out := sparse{idx: make([]int32, 0, len(a.idx)+len(b.idx)), val: make([]float32, 0, len(a.idx)+len(b.idx))}
	i, j := 0, 0
	for i < len(a.idx) || j < len(b.idx) {
		switch {
		case j == len(b.idx) || (i < len(a.idx) && a.idx[i] < b.idx[j]):
			out.idx, out.val = append(out.idx, a.idx[i]), append(out.val, a.val[i])
			i++
		case i == len(a.idx) || b.idx[j] < a.idx[i]:
			out.idx, out.val = append(out.idx, b.idx[j]), append(out.val, b.val[j])
			j++
		default:
			out.idx, out.val = append(out.idx, a.idx[i]), append(out.val, a.val[i]+b.val[j])
			i++
			j++
		}
	}
	return out
}

// groupsOf lists each cluster's members ascending, clusters by first member.
func groupsOf(assign []int32) [][]int32 {
	byCluster := map[int32][]int32{}
	var firsts []int32
	for i, a := range assign {
		if _, ok := byCluster[a]; !ok {
			firsts = append(firsts, a)
		}
		byCluster[a] = append(byCluster[a], int32(i))
	}
	out := make([][]int32, 0, len(firsts))
	for _, a := range firsts {
		out = append(out, byCluster[a])
	}
	return out
}

package miner

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
)

// minUnhelped is the fewest unhelped tickets in one topic that make it a
// gap: a single ticket is an anecdote, not a topic.
const minUnhelped = 2

// propose turns the groups into candidates, updates and gaps.
func (c *corpus) propose(ctx context.Context, groups [][]int32, in Input, o Options) (*Result, error) {
	res := &Result{Candidates: []Candidate{}, Updates: []Update{}, Gaps: []Gap{}}
	unhelped := make([]bool, len(c.tickets))
	for _, id := range in.Feedback.Unhelped {
		i, ok := slices.BinarySearchFunc(c.tickets, id, func(t Ticket, id int64) int { return cmp.Compare(t.ID, id) })
		if !ok {
			res.Stats.UnhelpedSkipped++
			continue
		}
		unhelped[i] = true
	}
	arts := c.articleIndex()
	ex := newExistingIndex(in.Existing)
	acc := newAccumulator(len(c.terms))

	for gi, members := range groups {
		if gi%256 == 0 && ctx.Err() != nil {
			return nil, fmt.Errorf("mine: %w", ctx.Err())
		}
		var lost []int32
		for _, m := range members {
			if unhelped[m] {
				lost = append(lost, m)
			}
		}
		if len(lost) >= minUnhelped {
			for _, m := range lost {
				acc.addVec(c.prob[m], 1)
			}
			res.Gaps = append(res.Gaps, Gap{
				Terms:    c.topTermNames(acc.vector(), gapTerms),
				Tickets:  len(lost),
				Examples: c.examples(lost),
				Reason:   GapUnhelped,
			})
		}
		if len(members) < o.MinGroup {
			continue
		}
		res.Stats.Groups++
		g := c.newGroup(members, acc)
		terms := c.topTermNames(g.centroid, max(keyTerms, gapTerms))
		art, artSim := c.matchArticle(g, arts, o.DuplicateSimilarity)
		if art < 0 {
			res.Gaps = append(res.Gaps, Gap{
				Terms:    terms[:min(gapTerms, len(terms))],
				Tickets:  len(members),
				Examples: c.examples(members),
				Reason:   GapNoArticle,
			})
		}
		resVecs := make([]sparse, len(members))
		var cats []string
		for k, m := range members {
			resVecs[k] = c.res[m]
			cats = append(cats, c.tickets[m].Category)
		}
		consistency := meanPairwiseCosine(resVecs, acc)
		if consistency < o.MinConsistency || categoryShare(cats) < o.MinCategoryShare {
			continue
		}
		sources := g.sources(c)
		key := groupKey(terms[:min(keyTerms, len(terms))], sources)
		if ex.covers(key, sources) {
			continue
		}
		cand := c.content(g, o)
		cand.Key, cand.Sources, cand.Evidence, cand.Consistency = key, sources, len(sources), consistency
		if art < 0 {
			res.Candidates = append(res.Candidates, cand)
			continue
		}
		a := c.articles[art]
		if merged, adds := c.mergeArticle(a, cand); adds {
			res.Updates = append(res.Updates, Update{ArticleID: a.ID, ArticleVersion: a.Version, Similarity: artSim, Candidate: merged})
		}
	}
	slices.SortFunc(res.Candidates, func(a, b Candidate) int {
		return cmp.Or(cmp.Compare(b.Evidence, a.Evidence), cmp.Compare(a.Sources[0], b.Sources[0]))
	})
	slices.SortFunc(res.Updates, func(a, b Update) int {
		return cmp.Or(cmp.Compare(b.Evidence, a.Evidence), cmp.Compare(a.ArticleID, b.ArticleID),
			cmp.Compare(a.Sources[0], b.Sources[0]))
	})
	slices.SortFunc(res.Gaps, func(a, b Gap) int {
		return cmp.Or(cmp.Compare(b.Tickets, a.Tickets), strings.Compare(a.Reason, b.Reason),
			cmp.Compare(slices.Min(a.Examples), slices.Min(b.Examples)))
	})
	res.Stats.Proposed = len(res.Candidates) + len(res.Updates)
	return res, nil
}

// examples returns up to five of the tickets, most recently resolved first.
func (c *corpus) examples(members []int32) []int64 {
	ms := slices.Clone(members)
	slices.SortStableFunc(ms, func(a, b int32) int {
		return c.tickets[b].ResolvedAt.Compare(c.tickets[a].ResolvedAt)
	})
	out := make([]int64, 0, 5)
	for _, m := range ms[:min(5, len(ms))] {
		out = append(out, c.tickets[m].ID)
	}
	return out
}

// categoryShare is the share of labelled members that carry the most
// frequent category; with no labels at all there is nothing to disagree on.
func categoryShare(cats []string) float64 {
	ranked := rankedLabels(cats)
	if len(ranked) == 0 {
		return 1
	}
	top, labelled := 0, 0
	for _, l := range cats {
		if l == "" {
			continue
		}
		labelled++
		if l == ranked[0] {
			top++
		}
	}
	return float64(top) / float64(labelled)
}

// posting is one article's weight for a term.
type posting struct {
	art int32
	w   float32
}

// articleIndex maps terms to the articles using them, for scoring a group
// against all articles in one pass over its centroid.
func (c *corpus) articleIndex() map[int32][]posting {
	idx := map[int32][]posting{}
	for a, v := range c.artVec {
		for k, t := range v.idx {
			idx[t] = append(idx[t], posting{art: int32(a), w: v.val[k]})
		}
	}
	return idx
}

// matchArticle returns the article (index) the group nearly duplicates and
// the cosine, or -1. An article qualifies when its cosine with the group's
// centroid reaches threshold, or when at least half the members were
// resolved with it: agents already judged it the answer, whatever the words.
func (c *corpus) matchArticle(g *group, idx map[int32][]posting, threshold float64) (int, float64) {
	if len(c.articles) == 0 {
		return -1, 0
	}
	scores := make([]float64, len(c.articles))
	for k, t := range g.centroid.idx {
		for _, p := range idx[t] {
			scores[p.art] += float64(g.centroid.val[k]) * float64(p.w)
		}
	}
	best := 0
	for a := range scores {
		if scores[a] > scores[best] {
			best = a
		}
	}
	if scores[best] >= threshold {
		return best, scores[best]
	}
	used := map[int64]int{}
	for _, m := range g.members {
		if id := c.tickets[m].ArticleID; id != 0 {
			used[id]++
		}
	}
	for a, art := range c.articles {
		if 2*used[art.ID] >= len(g.members) {
			return a, scores[a]
		}
	}
	return -1, 0
}

// existingIndex answers whether an open candidate already covers a group.
type existingIndex struct {
	keys    map[string]bool
	sources [][]int64 // each sorted
}

func newExistingIndex(ex []Existing) existingIndex {
	idx := existingIndex{keys: map[string]bool{}}
	for _, e := range ex {
		if e.Key != "" {
			idx.keys[e.Key] = true
		}
		if len(e.Sources) > 0 {
			s := slices.Clone(e.Sources)
			slices.Sort(s)
			idx.sources = append(idx.sources, slices.Compact(s))
		}
	}
	return idx
}

// covers reports an open candidate with the same key, or sharing at least
// half of the smaller of the two source lists: measured against the smaller
// one so a group that has since grown well past its open candidate is still
// recognised as the same topic.
func (x existingIndex) covers(key string, sources []int64) bool {
	if x.keys[key] {
		return true
	}
	for _, e := range x.sources {
		shared := 0
		i, j := 0, 0
		for i < len(e) && j < len(sources) {
			switch {
			case e[i] < sources[j]:
				i++
			case e[i] > sources[j]:
				j++
			default:
				shared++
				i++
				j++
			}
		}
		if 2*shared >= min(len(e), len(sources)) && shared > 0 {
			return true
		}
	}
	return false
}

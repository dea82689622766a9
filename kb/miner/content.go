package miner

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"slices"
	"strconv"
	"strings"
)

const (
	// contentMembers caps how many of a group's most central members the
	// title, symptoms and steps are drawn from: text extraction compares
	// sentences with members, and fifty cases say all a big group says.
	contentMembers = 50
	// supportShare is the share of those members that must back a symptom
	// or step (at least two members in any case).
	supportShare = 0.3
	// stepSources is how many of the most central resolutions steps are
	// taken from; further members only vote.
	stepSources = 3
	// symptomCoverage and stepCoverage are the idf-weighted share of a
	// sentence's terms a member's text must contain to back it. Steps are
	// shorter and reworded more freely, hence the lower bar.
	symptomCoverage = 0.6
	stepCoverage    = 0.5
	// sameSentence is the cosine at or above which two sentences say the
	// same thing, so only one of them is listed.
	sameSentence = 0.5
	// keyTerms and keySources make up a group's fingerprint.
	keyTerms   = 5
	keySources = 3
	// gapTerms is how many terms describe a gap.
	gapTerms = 5
)

// sentence is a piece of text with its known terms (unique, ascending) and
// their idf; total also counts terms no ticket uses.
type sentence struct {
	text    string
	terms   []int32
	weights []float64
	total   float64
	support int
	score   float64
	rank    int // centrality rank of the member it came from
	pos     int // position within that member's text
}

func (c *corpus) sentence(text string) sentence {
	s := sentence{text: text}
	words := c.tokenize(text)
	ids := make([]int32, 0, len(words))
	unknown := map[string]bool{}
	for _, w := range words {
		if id, ok := c.termID[w]; ok {
			ids = append(ids, id)
		} else if !unknown[w] {
			unknown[w] = true
			s.total += idfOf(0, len(c.tickets))
		}
	}
	slices.Sort(ids)
	s.terms = slices.Compact(ids)
	s.weights = make([]float64, len(s.terms))
	for k, t := range s.terms {
		s.weights[k] = c.idf[t]
		s.total += c.idf[t]
	}
	return s
}

// termSet returns the sorted unique known terms of text.
func (c *corpus) termSet(text string) []int32 {
	return c.sentence(text).terms
}

// coveredBy is the idf-weighted share of s's terms found in set.
func (s sentence) coveredBy(set []int32) float64 {
	if s.total == 0 {
		return 0
	}
	var in float64
	for k, t := range s.terms {
		if _, ok := slices.BinarySearch(set, t); ok {
			in += s.weights[k]
		}
	}
	return in / s.total
}

// cos is the cosine of two sentences as idf-weighted term sets.
func (s sentence) cos(t sentence) float64 {
	var dot, ns, nt float64
	i, j := 0, 0
	for i < len(s.terms) && j < len(t.terms) {
		switch {
		case s.terms[i] < t.terms[j]:
			i++
		case s.terms[i] > t.terms[j]:
			j++
		default:
			dot += s.weights[i] * t.weights[j]
			i++
			j++
		}
	}
	for _, w := range s.weights {
		ns += w * w
	}
	for _, w := range t.weights {
		nt += w * w
	}
	if ns == 0 || nt == 0 {
		return 0
	}
	return dot / math.Sqrt(ns*nt)
}

// asVector turns the sentence into a unit vector comparable with centroids.
func (s sentence) asVector() sparse {
	v := sparse{idx: s.terms, val: make([]float32, len(s.weights))}
	for k, w := range s.weights {
		v.val[k] = float32(w)
	}
	return v.normalized()
}

// group is one cluster being turned into a proposal.
type group struct {
	members  []int32 // ticket indexes, ascending (so ids ascending)
	centroid sparse  // unit
	ranked   []int32 // members by closeness to the centroid, most central first
}

func (c *corpus) newGroup(members []int32, acc *accumulator) *group {
	g := &group{members: members}
	for _, m := range members {
		acc.addVec(c.prob[m], 1)
	}
	g.centroid = acc.vector().normalized()
	sims := make(map[int32]float64, len(members))
	for _, m := range members {
		sims[m] = c.prob[m].dotLookup(g.centroid)
	}
	g.ranked = slices.Clone(members)
	slices.SortStableFunc(g.ranked, func(a, b int32) int { return cmp.Compare(sims[b], sims[a]) })
	return g
}

func (g *group) sources(c *corpus) []int64 {
	out := make([]int64, len(g.members))
	for i, m := range g.members {
		out[i] = c.tickets[m].ID
	}
	return out
}

// topTermNames returns the k heaviest terms of v as strings.
func (c *corpus) topTermNames(v sparse, k int) []string {
	ids := v.top(k)
	out := make([]string, len(ids))
	for i, t := range ids {
		out[i] = c.terms[t]
	}
	return out
}

// groupKey fingerprints a group by its top terms (as a set) and smallest
// source ids: tickets resolved later have larger ids, so the key survives a
// group growing, and the terms keep apart groups that share an old ticket.
func groupKey(terms []string, sources []int64) string {
	ts := slices.Sorted(slices.Values(terms))
	var b strings.Builder
	b.WriteString(strings.Join(ts, "\x1f"))
	for _, id := range sources[:min(keySources, len(sources))] {
		b.WriteString("|")
		b.WriteString(strconv.FormatInt(id, 10))
	}
	h := sha256.Sum256([]byte(b.String()))
	return "kbm-" + hex.EncodeToString(h[:8])
}

// content fills a candidate's text from the group's most central members.
func (c *corpus) content(g *group, o Options) Candidate {
	considered := g.ranked[:min(len(g.ranked), contentMembers)]
	minSupport := max(2, int(math.Ceil(supportShare*float64(len(considered)))))
	var cand Candidate

	var texts []string
	for _, m := range considered {
		texts = append(texts, c.tickets[m].Subject, c.tickets[m].Description)
	}
	cand.Lang = detectLang(texts...)

	// Title: the subject most like the group, among the central members.
	bestTitle := -1.0
	for _, m := range considered {
		subj := cleanTitle(c.tickets[m].Subject)
		if subj == "" {
			continue
		}
		if s := c.sentence(subj).asVector().dotLookup(g.centroid); s > bestTitle {
			bestTitle, cand.Title = s, subj
		}
	}

	// Problem: the description sentence most like the group, among the
	// five most central members.
	descSets := make([][]int32, len(considered))
	var descSents []sentence
	for r, m := range considered {
		t := c.tickets[m]
		descSets[r] = c.termSet(t.Subject + "\n" + t.Description)
		for p, text := range splitSentences(t.Description) {
			if isBoilerplate(text) {
				continue
			}
			s := c.sentence(text)
			if len(s.terms) < 2 {
				continue
			}
			s.rank, s.pos = r, p
			s.score = s.asVector().dotLookup(g.centroid)
			descSents = append(descSents, s)
		}
	}
	var problem sentence
	for _, s := range descSents {
		if s.rank < 5 && s.score > problem.score {
			problem = s
		}
	}
	cand.Problem = truncateRunes(problem.text, 300)
	if cand.Title == "" {
		cand.Title = cleanTitle(truncateRunes(problem.text, 80))
	}
	if cand.Problem == "" {
		cand.Problem = cand.Title
	}

	// Symptoms: sentences many members' descriptions back, most backed
	// first, each saying something the title, problem and earlier
	// symptoms do not.
	for k := range descSents {
		for _, set := range descSets {
			if descSents[k].coveredBy(set) >= symptomCoverage {
				descSents[k].support++
			}
		}
	}
	slices.SortStableFunc(descSents, func(a, b sentence) int {
		if a.support != b.support {
			return cmp.Compare(b.support, a.support)
		}
		return cmp.Compare(b.score, a.score)
	})
	said := []sentence{c.sentence(cand.Title), problem}
	for _, s := range descSents {
		if len(cand.Symptoms) >= o.MaxSymptoms || s.support < minSupport {
			break
		}
		if similarToAny(s, said) {
			continue
		}
		said = append(said, s)
		cand.Symptoms = append(cand.Symptoms, truncateRunes(s.text, 200))
	}

	cand.Steps = c.steps(considered, minSupport, o.MaxSteps)

	var cats, prods []string
	for _, m := range g.members {
		cats = append(cats, c.tickets[m].Category)
		prods = append(prods, c.tickets[m].Product)
	}
	cand.Categories = rankedLabels(cats)
	cand.Products = rankedLabels(prods)
	return cand
}

// steps takes the resolution steps of the most central members, in their
// order, keeping those at least minSupport members' resolutions back and
// dropping repeats. When no step is backed that widely (short resolutions
// worded differently), it keeps the best-backed steps of the most central
// resolution if another member backs them, and otherwise that resolution's
// steps as they are: the group's resolutions were already found to agree.
func (c *corpus) steps(considered []int32, minSupport, maxSteps int) []string {
	resSets := make([][]int32, len(considered))
	for r, m := range considered {
		resSets[r] = c.res[m].idx
	}
	var sources [][]sentence
	for _, m := range considered {
		if len(sources) == stepSources {
			break
		}
		var steps []sentence
		for _, text := range splitSteps(c.tickets[m].Resolution) {
			if isBoilerplate(text) {
				continue
			}
			s := c.sentence(text)
			if len(s.terms) == 0 {
				continue
			}
			for _, set := range resSets {
				if s.coveredBy(set) >= stepCoverage {
					s.support++
				}
			}
			steps = append(steps, s)
		}
		if len(steps) > 0 {
			sources = append(sources, steps)
		}
	}
	// Steps of the most central resolution are all kept when backed, even
	// alike ones ("Stop the spooler" ... "Start the spooler"): its author
	// meant them as separate steps. A step from a further resolution is
	// kept only when it is mostly new words, otherwise it rewords one
	// already kept ("Restart the spooler and print again" after "Start the
	// spooler again and resend the job").
	pick := func(bar int) []string {
		var kept []sentence
		var said []int32
		var out []string
		for src, steps := range sources {
			for _, s := range steps {
				if len(out) >= maxSteps {
					return out
				}
				if s.support < bar || (src > 0 && (similarToAny(s, kept) || s.coveredBy(said) >= stepCoverage)) {
					continue
				}
				kept = append(kept, s)
				said = slices.Compact(slices.Sorted(slices.Values(append(said, s.terms...))))
				out = append(out, truncateRunes(s.text, 300))
			}
		}
		return out
	}
	if out := pick(minSupport); len(out) > 0 || len(sources) == 0 {
		return out
	}
	best := 0
	for _, s := range sources[0] {
		best = max(best, s.support)
	}
	if best >= 2 {
		sources = sources[:1]
		return pick(best)
	}
	out := make([]string, 0, len(sources[0]))
	for _, s := range sources[0][:min(len(sources[0]), maxSteps)] {
		out = append(out, truncateRunes(s.text, 300))
	}
	return out
}

func similarToAny(s sentence, others []sentence) bool {
	for _, o := range others {
		if s.cos(o) >= sameSentence {
			return true
		}
	}
	return false
}

// mergeArticle builds an update's content: the article as published, plus
// the steps and symptoms the tickets show that no article step or symptom
// already covers, plus new categories and products. It reports whether the
// tickets add anything; an update that adds nothing is not worth a review.
func (c *corpus) mergeArticle(a Article, cand Candidate) (Candidate, bool) {
	out := cand
	out.Title = a.Title
	if out.Title == "" {
		out.Title = cand.Title
	}
	out.Problem = a.Problem
	if out.Problem == "" {
		out.Problem = cand.Problem
	}
	covered := func(text string, have []string) bool {
		s := c.sentence(text)
		for _, h := range have {
			if s.coveredBy(c.termSet(h)) >= stepCoverage {
				return true
			}
		}
		return false
	}
	added := 0
	out.Steps = slices.Clone(a.Steps)
	for _, s := range cand.Steps {
		if !covered(s, a.Steps) {
			out.Steps = append(out.Steps, s)
			added++
		}
	}
	out.Symptoms = slices.Clone(a.Symptoms)
	knownSymptoms := append(slices.Clone(a.Symptoms), a.Title, a.Problem)
	for _, s := range cand.Symptoms {
		if !covered(s, knownSymptoms) {
			out.Symptoms = append(out.Symptoms, s)
			added++
		}
	}
	union := func(have, more []string) []string {
		out := slices.Clone(have)
		for _, m := range more {
			if !slices.Contains(out, m) {
				out = append(out, m)
				added++
			}
		}
		return out
	}
	out.Categories = union(a.Categories, cand.Categories)
	out.Products = union(a.Products, cand.Products)
	return out, added > 0
}

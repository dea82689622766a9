// Package miner proposes knowledge-base articles from resolved tickets. It
// groups tickets that describe the same problem, keeps the groups whose
// resolutions agree, and turns each into an article candidate (title,
// problem, symptoms, steps, with every source ticket as provenance), or into
// an update of the published article it nearly duplicates. Frequent topics
// without an article, and topics where suggestions did not help, come back
// as knowledge gaps.
//
// It is pure computation: the caller feeds tickets and articles and stores
// what comes back. See docs/kb-miner.md for the algorithm and thresholds.
package miner

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Ticket is one resolved ticket as the miner needs it.
type Ticket struct {
	ID          int64
	Subject     string
	Description string
	Resolution  string
	Category    string
	Product     string
	ResolvedAt  time.Time
	ArticleID   int64 // the article used to resolve it, 0 for none
}

// Article is one published knowledge-base article.
type Article struct {
	ID, Version int64
	Title       string
	Problem     string
	Symptoms    []string
	Steps       []string
	Categories  []string
	Products    []string
}

// Existing is an open candidate proposed earlier, so that mining again does
// not propose the same group twice.
type Existing struct {
	Key     string
	Sources []int64
}

// Feedback is what agents said about suggestions.
type Feedback struct {
	// Unhelped are tickets where no suggestion helped. Ids not among
	// Input.Tickets (still open, or outside the mined window) have no text
	// to group and are skipped; Stats.UnhelpedSkipped counts them.
	Unhelped []int64
}

// Input is everything one mining run looks at.
type Input struct {
	Tickets  []Ticket
	Articles []Article
	Existing []Existing
	Feedback Feedback
}

// Options tunes mining. A zero field takes its default; a negative or
// out-of-range one is an error.
type Options struct {
	// Tokenize turns text into terms; nil means DefaultTokenize. The
	// service passes the project's analyser. It is called from several
	// goroutines at once, so it must be safe for concurrent use.
	Tokenize func(string) []string
	// MinGroup is the fewest tickets a group needs to be proposed or to
	// count as a frequent topic. Default 5, at least 2.
	MinGroup int
	// Similarity is the cosine between two tickets' TF-IDF vectors at or
	// above which they are neighbours, and between a ticket and a group's
	// centroid at or above which it may join the group. Default 0.5.
	Similarity float64
	// MinConsistency is the mean pairwise cosine of the members'
	// resolutions a group needs to be proposed. Default 0.4.
	MinConsistency float64
	// MinCategoryShare is the share of members (of those with a category)
	// that must have the group's most frequent category. Default 0.6.
	MinCategoryShare float64
	// DuplicateSimilarity is the cosine between a group's centroid and a
	// published article at or above which the group updates that article
	// instead of proposing a new one (and is no knowledge gap). Default 0.4.
	DuplicateSimilarity float64
	// ResolutionWeight scales resolution terms against subject and
	// description terms in the vectors used for grouping: the problem
	// defines a group, the resolution only nudges it. Default 0.3, at most 1.
	ResolutionWeight float64
	// MaxSymptoms and MaxSteps cap what a candidate lists. Defaults 5 and 12.
	MaxSymptoms int
	MaxSteps    int
	// Workers bounds parallelism; default GOMAXPROCS.
	Workers int
}

// Defaults used for zero Options fields.
const (
	DefaultMinGroup            = 5
	DefaultSimilarity          = 0.5
	DefaultMinConsistency      = 0.4
	DefaultMinCategoryShare    = 0.6
	DefaultDuplicateSimilarity = 0.4
	DefaultResolutionWeight    = 0.3
	DefaultMaxSymptoms         = 5
	DefaultMaxSteps            = 12
)

// withDefaults fills zero fields and checks ranges.
func (o Options) withDefaults() (Options, error) {
	if o.Tokenize == nil {
		o.Tokenize = DefaultTokenize
	}
	setInt := func(v *int, def int) {
		if *v == 0 {
			*v = def
		}
	}
	setFloat := func(v *float64, def float64) {
		if *v == 0 {
			*v = def
		}
	}
	setInt(&o.MinGroup, DefaultMinGroup)
	setInt(&o.MaxSymptoms, DefaultMaxSymptoms)
	setInt(&o.MaxSteps, DefaultMaxSteps)
	setInt(&o.Workers, runtime.GOMAXPROCS(0))
	setFloat(&o.Similarity, DefaultSimilarity)
	setFloat(&o.MinConsistency, DefaultMinConsistency)
	setFloat(&o.MinCategoryShare, DefaultMinCategoryShare)
	setFloat(&o.DuplicateSimilarity, DefaultDuplicateSimilarity)
	setFloat(&o.ResolutionWeight, DefaultResolutionWeight)
	var errs []error
	if o.MinGroup < 2 {
		errs = append(errs, fmt.Errorf("min group %d is below 2", o.MinGroup))
	}
	if o.MaxSymptoms < 0 || o.MaxSteps < 0 || o.Workers < 0 {
		errs = append(errs, fmt.Errorf("max symptoms %d, max steps %d and workers %d must not be negative",
			o.MaxSymptoms, o.MaxSteps, o.Workers))
	}
	for _, f := range []struct {
		name   string
		v      float64
		closed bool // whether 1 itself is allowed
	}{
		{"similarity", o.Similarity, false},
		{"min consistency", o.MinConsistency, true},
		{"min category share", o.MinCategoryShare, true},
		{"duplicate similarity", o.DuplicateSimilarity, true},
		{"resolution weight", o.ResolutionWeight, true},
	} {
		if math.IsNaN(f.v) || f.v < 0 || f.v > 1 || (!f.closed && f.v == 1) {
			errs = append(errs, fmt.Errorf("%s %v is out of range", f.name, f.v))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return o, fmt.Errorf("invalid options: %w", err)
	}
	return o, nil
}

// Candidate is a proposed article. Sources is its provenance: every member
// ticket, so a reviewer can check each claim against real cases.
type Candidate struct {
	// Key fingerprints the group: its top terms and smallest source ids, so
	// it stays the same when a few tickets join later.
	Key         string
	Title       string
	Problem     string
	Symptoms    []string
	Steps       []string
	Sources     []int64 // all member tickets, ascending
	Evidence    int     // len(Sources)
	Categories  []string
	Products    []string
	Consistency float64 // mean pairwise cosine of the members' resolutions
	Lang        string  // "en" or "zh"
}

// Update proposes adding what a group of tickets shows to the published
// article it nearly duplicates. Candidate holds the merged content: the
// article's title and problem, its steps and symptoms followed by the ones
// the tickets add, and the union of categories and products.
type Update struct {
	ArticleID      int64
	ArticleVersion int64
	Similarity     float64
	Candidate
}

// Gap reasons.
const (
	// GapNoArticle is a frequent topic (a group of at least MinGroup
	// tickets, consistent or not) with no article close to it.
	GapNoArticle = "no_article"
	// GapUnhelped is a topic of tickets where no suggestion helped.
	GapUnhelped = "unhelped"
)

// Gap is a topic the knowledge base does not cover well.
type Gap struct {
	Terms    []string // the topic's top terms, heaviest first
	Tickets  int      // tickets in the topic (for unhelped: unhelped ones)
	Examples []int64  // up to 5, most recently resolved first
	Reason   string   // GapNoArticle or GapUnhelped
}

// Stats summarises a run.
type Stats struct {
	Tickets         int           // tickets mined
	Groups          int           // groups of at least MinGroup tickets
	Proposed        int           // candidates plus updates
	Took            time.Duration // wall time of Mine
	UnhelpedSkipped int           // Feedback.Unhelped ids not among the tickets
}

// Result is what one mining run proposes.
type Result struct {
	Candidates []Candidate // most evidence first
	Updates    []Update    // most evidence first
	Gaps       []Gap       // most tickets first
	Stats      Stats
}

// Mine groups similar resolved tickets and proposes article candidates,
// updates of published articles and knowledge gaps. The result depends only
// on the input's content, not its order.
func Mine(ctx context.Context, in Input, opts Options) (*Result, error) {
	began := time.Now()
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := validate(in); err != nil {
		return nil, fmt.Errorf("invalid input: %w", err)
	}
	c, err := newCorpus(ctx, in, o)
	if err != nil {
		return nil, err
	}
	groups, err := c.cluster(ctx, o.Similarity, o.Workers)
	if err != nil {
		return nil, err
	}
	res, err := c.propose(ctx, groups, in, o)
	if err != nil {
		return nil, err
	}
	res.Stats.Tickets = len(in.Tickets)
	res.Stats.Took = time.Since(began)
	return res, nil
}

// validate rejects input the miner cannot interpret unambiguously.
func validate(in Input) error {
	seen := make(map[int64]bool, len(in.Tickets))
	for i, t := range in.Tickets {
		if t.ID <= 0 {
			return fmt.Errorf("ticket %d has id %d: ids must be positive", i, t.ID)
		}
		if seen[t.ID] {
			return fmt.Errorf("ticket id %d appears twice", t.ID)
		}
		seen[t.ID] = true
	}
	arts := make(map[int64]bool, len(in.Articles))
	for i, a := range in.Articles {
		if a.ID <= 0 {
			return fmt.Errorf("article %d has id %d: ids must be positive", i, a.ID)
		}
		if arts[a.ID] {
			return fmt.Errorf("article id %d appears twice", a.ID)
		}
		arts[a.ID] = true
	}
	for i, e := range in.Existing {
		if e.Key == "" && len(e.Sources) == 0 {
			return fmt.Errorf("existing candidate %d has neither key nor sources", i)
		}
	}
	return nil
}

// corpus holds the tickets sorted by id with their vectors. Tickets are
// referred to by index into it everywhere below.
type corpus struct {
	tickets  []Ticket
	tokenize func(string) []string
	terms    []string         // term id -> term
	termID   map[string]int32 // term -> id; read-only once built
	idf      []float64        // per term id
	prob     []sparse         // unit TF-IDF of subject, description and weighted resolution
	res      []sparse         // unit TF-IDF of the resolution alone; empty when there is none
	articles []Article        // sorted by id
	artVec   []sparse         // unit vectors of the articles, built like prob
}

// subjectBoost counts a subject term twice: subjects are short and name the
// problem, descriptions ramble.
const subjectBoost = 2

type fieldTerms struct{ subject, description, resolution []int32 }

func newCorpus(ctx context.Context, in Input, o Options) (*corpus, error) {
	c := &corpus{tokenize: o.Tokenize, termID: make(map[string]int32)}
	c.tickets = slices.Clone(in.Tickets)
	slices.SortFunc(c.tickets, func(a, b Ticket) int { return cmp.Compare(a.ID, b.ID) })
	c.articles = slices.Clone(in.Articles)
	slices.SortFunc(c.articles, func(a, b Article) int { return cmp.Compare(a.ID, b.ID) })
	n := len(c.tickets)

	// Tokenising is the costliest text step and independent per ticket.
	toks := make([][3][]string, n)
	err := parallel(ctx, n, o.Workers, func(i int) {
		t := &c.tickets[i]
		toks[i] = [3][]string{o.Tokenize(t.Subject), o.Tokenize(t.Description), o.Tokenize(t.Resolution)}
	})
	if err != nil {
		return nil, err
	}
	// Interning runs in ticket order so term ids do not depend on
	// scheduling.
	fields := make([]fieldTerms, n)
	var df []int
	stamp := []int{}
	for i := range toks {
		ids := [3][]int32{}
		for f, words := range toks[i] {
			ids[f] = make([]int32, len(words))
			for k, w := range words {
				id, ok := c.termID[w]
				if !ok {
					id = int32(len(c.terms))
					c.termID[w] = id
					c.terms = append(c.terms, w)
					df = append(df, 0)
					stamp = append(stamp, -1)
				}
				ids[f][k] = id
				if stamp[id] != i {
					stamp[id] = i
					df[id]++
				}
			}
		}
		fields[i] = fieldTerms{ids[0], ids[1], ids[2]}
		toks[i] = [3][]string{}
	}
	artFields := make([]fieldTerms, len(c.articles))
	for i, a := range c.articles {
		artFields[i] = fieldTerms{
			subject:     c.intern(o.Tokenize(a.Title)),
			description: c.intern(o.Tokenize(joinText(append([]string{a.Problem}, a.Symptoms...)))),
			resolution:  c.intern(o.Tokenize(joinText(a.Steps))),
		}
	}
	c.idf = make([]float64, len(c.terms))
	for t := range c.idf {
		d := 0
		if t < len(df) {
			d = df[t]
		}
		c.idf[t] = idfOf(d, n)
	}
	c.prob = make([]sparse, n)
	c.res = make([]sparse, n)
	accs := make(chan *accumulator, workersFor(n, o.Workers))
	for range cap(accs) {
		accs <- newAccumulator(len(c.terms))
	}
	err = parallel(ctx, n, o.Workers, func(i int) {
		acc := <-accs
		c.prob[i], c.res[i] = c.vectors(acc, fields[i], o.ResolutionWeight)
		accs <- acc
	})
	if err != nil {
		return nil, err
	}
	acc := <-accs
	c.artVec = make([]sparse, len(c.articles))
	for i := range c.articles {
		c.artVec[i], _ = c.vectors(acc, artFields[i], o.ResolutionWeight)
	}
	return c, nil
}

// intern maps words to term ids, adding unseen ones (document frequency 0,
// so the highest idf: an article's words no ticket uses make it less like
// any group, as they should).
func (c *corpus) intern(words []string) []int32 {
	out := make([]int32, len(words))
	for k, w := range words {
		id, ok := c.termID[w]
		if !ok {
			id = int32(len(c.terms))
			c.termID[w] = id
			c.terms = append(c.terms, w)
		}
		out[k] = id
	}
	return out
}

// vectors builds the grouping vector (subject boosted, resolution damped)
// and the resolution vector of one document, both unit length. Term
// frequency is dampened with log(1+tf) so a repeated word does not dominate.
func (c *corpus) vectors(acc *accumulator, f fieldTerms, resWeight float64) (prob, res sparse) {
	for _, t := range f.subject {
		acc.add(t, subjectBoost)
	}
	for _, t := range f.description {
		acc.add(t, 1)
	}
	for _, t := range f.resolution {
		acc.add(t, resWeight)
	}
	prob = c.tfidf(acc.vector())
	for _, t := range f.resolution {
		acc.add(t, 1)
	}
	res = c.tfidf(acc.vector())
	return prob.normalized(), res.normalized()
}

func (c *corpus) tfidf(tf sparse) sparse {
	for k, t := range tf.idx {
		tf.val[k] = float32(math.Log1p(float64(tf.val[k])) * c.idf[t])
	}
	return tf
}

// chunk is how many items a worker takes at a time.
const chunk = 256

// workersFor is how many goroutines parallel uses for n items: no more than
// there are chunks, so small inputs do not allocate idle scratch space.
func workersFor(n, workers int) int {
	return max(1, min(workers, (n+chunk-1)/chunk))
}

// parallel runs f(0..n-1) on up to workers goroutines, checking ctx between
// chunks.
func parallel(ctx context.Context, n, workers int, f func(i int)) error {
	var (
		mu   sync.Mutex
		next int
		wg   sync.WaitGroup
	)
	take := func() (int, int, bool) {
		mu.Lock()
		defer mu.Unlock()
		if next >= n || ctx.Err() != nil {
			return 0, 0, false
		}
		lo := next
		next = min(n, next+chunk)
		return lo, next, true
	}
	for range workersFor(n, workers) {
		wg.Go(func() {
			for {
				lo, hi, ok := take()
				if !ok {
					return
				}
				for i := lo; i < hi; i++ {
					f(i)
				}
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("mine: %w", err)
	}
	return nil
}

func joinText(parts []string) string { return strings.Join(parts, "\n") }

// rankedLabels returns the non-empty labels by frequency, most frequent
// first, ties alphabetical.
func rankedLabels(labels []string) []string {
	count := map[string]int{}
	for _, l := range labels {
		if l != "" {
			count[l]++
		}
	}
	out := make([]string, 0, len(count))
	for l := range count {
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool {
		if count[out[i]] != count[out[j]] {
			return count[out[i]] > count[out[j]]
		}
		return out[i] < out[j]
	})
	return out
}

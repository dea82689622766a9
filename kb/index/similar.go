package index

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/deskmine/deskmine/kb/textan"
)

// Limits of a SimilarQuery.
const (
	MaxSimilarK        = 100
	MaxSimilarArticles = 20
)

// Query shaping for Similar, tuned on it-tickets (docs/kb-search.md): with
// 30,000 cases and 1,000 held-out queries, 16 terms chosen by tf×idf found
// same-topic neighbours as often as all terms did and did better at rank 1,
// while walking far fewer postings. The cost of a query is the number of
// postings it walks, so the terms are also held to a postings budget.
const (
	// maxQueryTerms caps the terms of a long ticket text.
	maxQueryTerms = 16
	// commonTermShare drops terms found in more than this share of the
	// cases; they barely move a score but are the longest posting lists.
	// Only in an index of at least commonTermMinDocs cases: in a small one
	// a topic's own words (every VPN ticket says "vpn") pass the share, and
	// the postings are short anyway.
	commonTermShare   = 0.2
	commonTermMinDocs = 500
	// postingsBudget caps the postings (summed over the case fields) the
	// chosen terms may walk once minBudgetTerms terms are chosen, which
	// bounds latency whatever the index size.
	postingsBudget = 100_000
	minBudgetTerms = 4
	// rerankDepth is how many text hits are reranked by boost and prior.
	rerankDepth = 50
)

// fieldBoost is a field a query searches and the weight of a match in it.
type fieldBoost struct {
	field string
	boost float64
}

// caseFieldBoosts weigh where a similar ticket matches: its subject says
// most, its resolution least (it describes the fix, not the problem).
func caseFieldBoosts() []fieldBoost {
	return []fieldBoost{{fSubject, 1.5}, {fDescription, 1}, {fResolution, 0.5}}
}

// articleFieldBoosts do the same for articles.
func articleFieldBoosts() []fieldBoost {
	return []fieldBoost{{fTitle, 2}, {fProblem, 1.5}, {fSymptoms, 1}, {fSteps, 0.5}}
}

// SimilarQuery asks for resolved tickets like a text.
type SimilarQuery struct {
	// Text is the new ticket's text, typically subject and description.
	Text string
	// K is the number of cases wanted, 1..MaxSimilarK.
	K int
	// ExcludeTicket leaves this ticket out (the one being looked at), 0 for
	// none.
	ExcludeTicket int64
	// Boost is the agent-feedback multiplier of a ticket; nil means 1 for
	// every ticket and negative values count as 0.
	Boost func(ticketID int64) float64
	// CategoryPrior is P(category | text) from the classifier; cases of
	// likely categories rank higher. Optional.
	CategoryPrior map[string]float64
	// Articles is how many suggested articles to return, 0..MaxSimilarArticles.
	Articles int
}

// CaseHit is one similar resolved ticket.
type CaseHit struct {
	TicketID   int64
	Score      float64
	Subject    string
	Resolution string
	Category   string
	Product    string
	ArticleID  int64
}

// ArticleHit is one suggested article.
type ArticleHit struct {
	ID      int64
	Version int64
	Title   string
	Score   float64
}

func (q SimilarQuery) check() error {
	switch {
	case q.Text == "":
		return &QueryError{Field: "text", Reason: "must not be empty"}
	case q.K < 1 || q.K > MaxSimilarK:
		return &QueryError{Field: "k", Reason: fmt.Sprintf("must be between 1 and %d", MaxSimilarK)}
	case q.Articles < 0 || q.Articles > MaxSimilarArticles:
		return &QueryError{Field: "articles", Reason: fmt.Sprintf("must be between 0 and %d", MaxSimilarArticles)}
	case q.ExcludeTicket < 0:
		return &QueryError{Field: "exclude_ticket", Reason: "must not be negative"}
	}
	return nil
}

// Similar returns the resolved tickets most like q.Text and, when asked,
// the articles most likely to help: articles matching the text, plus those
// that solved the similar tickets. Text made only of stop words finds
// nothing, without error.
func (ix *Index) Similar(ctx context.Context, q SimilarQuery) ([]CaseHit, []ArticleHit, error) {
	if err := q.check(); err != nil {
		return nil, nil, err
	}
	terms, all, err := ix.queryTerms(ctx, q.Text)
	if err != nil {
		return nil, nil, fmt.Errorf("similar cases: %w", err)
	}
	if len(all) == 0 {
		return nil, nil, nil
	}
	cases, err := ix.similarCases(ctx, q, terms)
	if err != nil {
		return nil, nil, fmt.Errorf("similar cases: %w", err)
	}
	if q.Articles == 0 {
		return cases, nil, nil
	}
	// Articles are matched on every term of the text: a word most cases
	// share may be just what names the article, and articles are few.
	articles, err := ix.suggestArticles(ctx, q.Articles, all, cases)
	if err != nil {
		return nil, nil, fmt.Errorf("suggest articles: %w", err)
	}
	return cases, articles, nil
}

// queryTerms analyses text like the indexed fields and keeps at most
// maxQueryTerms distinct terms, those with the highest tf×idf (idf from the
// case fields) that fit the postings budget, leaving out terms no case has
// and, unless nothing else is left, terms most cases have. all is every
// distinct term of the text, in order, at most maxQueryTerms of them.
func (ix *Index) queryTerms(ctx context.Context, text string) (terms, all []string, err error) {
	tf := make(map[string]int)
	var distinct []string
	for _, t := range textan.Tokens(text) {
		if tf[t] == 0 {
			distinct = append(distinct, t)
		}
		tf[t]++
	}
	if len(distinct) == 0 {
		return nil, nil, nil
	}
	all = distinct[:min(len(distinct), maxQueryTerms)]
	n, err := ix.cases.DocCount()
	if err != nil {
		return nil, nil, err
	}
	if n == 0 {
		return all, all, nil
	}
	adv, err := ix.cases.Advanced()
	if err != nil {
		return nil, nil, err
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, nil, err
	}
	defer r.Close()
	type weighted struct {
		term   string
		df     uint64 // the largest of the fields: for idf
		cost   uint64 // the sum over the fields: postings walked
		weight float64
	}
	ws := make([]weighted, 0, len(distinct))
	for _, t := range distinct {
		var df, cost uint64
		for _, f := range caseFieldBoosts() {
			tfr, err := r.TermFieldReader(ctx, []byte(t), f.field, false, false, false)
			if err != nil {
				return nil, nil, err
			}
			df = max(df, tfr.Count())
			cost += tfr.Count()
			_ = tfr.Close()
		}
		if df == 0 {
			// In no case at all: cannot match, costs nothing to skip.
			continue
		}
		idf := math.Log(float64(n+1) / float64(df))
		ws = append(ws, weighted{t, df, cost, float64(tf[t]) * idf})
	}
	slices.SortStableFunc(ws, func(a, b weighted) int { return cmp.Compare(b.weight, a.weight) })
	limit := uint64(math.MaxUint64)
	if n >= commonTermMinDocs {
		limit = uint64(math.Ceil(commonTermShare * float64(n)))
	}
	terms = make([]string, 0, min(len(ws), maxQueryTerms))
	var spent uint64
	for _, w := range ws {
		if len(terms) == maxQueryTerms {
			break
		}
		if w.df > limit || (len(terms) >= minBudgetTerms && spent+w.cost > ix.postingsBudget) {
			continue
		}
		spent += w.cost
		terms = append(terms, w.term)
	}
	if len(terms) == 0 && len(ws) > 0 {
		// Only common words: keep the best of them so something matches.
		terms = append(terms, ws[0].term)
	}
	return terms, all, nil
}

// termsQuery is an OR of every term over every field, with field boosts.
func termsQuery(terms []string, fields []fieldBoost) query.Query {
	qs := make([]query.Query, 0, len(terms)*len(fields))
	for _, t := range terms {
		for _, f := range fields {
			tq := bleve.NewTermQuery(t)
			tq.SetField(f.field)
			tq.SetBoost(f.boost)
			qs = append(qs, tq)
		}
	}
	return bleve.NewDisjunctionQuery(qs...)
}

func (ix *Index) similarCases(ctx context.Context, q SimilarQuery, terms []string) ([]CaseHit, error) {
	var qq query.Query = termsQuery(terms, caseFieldBoosts())
	if q.ExcludeTicket > 0 {
		bq := bleve.NewBooleanQuery()
		bq.AddMust(qq)
		bq.AddMustNot(bleve.NewDocIDQuery([]string{docID(q.ExcludeTicket)}))
		qq = bq
	}
	req := bleve.NewSearchRequestOptions(qq, max(rerankDepth, q.K), 0, false)
	req.Fields = []string{fSubject, fResolution, fCategory, fProduct, fArticleID}
	res, err := ix.cases.SearchInContext(ctx, req)
	if err != nil {
		return nil, err
	}
	hits := make([]CaseHit, 0, len(res.Hits))
	for _, h := range res.Hits {
		id, err := strconv.ParseInt(h.ID, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("case document id %q: %w", h.ID, err)
		}
		c := CaseHit{
			TicketID:   id,
			Subject:    str(h.Fields[fSubject]),
			Resolution: str(h.Fields[fResolution]),
			Category:   str(h.Fields[fCategory]),
			Product:    str(h.Fields[fProduct]),
			ArticleID:  int64(number(h.Fields[fArticleID])),
		}
		boost := 1.0
		if q.Boost != nil {
			boost = max(0, q.Boost(id))
		}
		c.Score = h.Score * boost * (1 + ix.opts.PriorWeight*q.CategoryPrior[c.Category])
		hits = append(hits, c)
	}
	slices.SortStableFunc(hits, func(a, b CaseHit) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return cmp.Compare(a.TicketID, b.TicketID)
	})
	return hits[:min(len(hits), q.K)], nil
}

// suggestArticles ranks articles by their own text match plus a vote from
// every similar case they solved, both scaled to the best one so neither
// signal drowns the other.
func (ix *Index) suggestArticles(ctx context.Context, n int, terms []string, cases []CaseHit) ([]ArticleHit, error) {
	req := bleve.NewSearchRequestOptions(termsQuery(terms, articleFieldBoosts()), max(3*n, 10), 0, false)
	req.Fields = []string{fTitle, fVersion}
	res, err := ix.articles.SearchInContext(ctx, req)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]*ArticleHit)
	add := func(h articleFields, score float64) {
		if a, ok := byID[h.id]; ok {
			a.Score += score
			return
		}
		byID[h.id] = &ArticleHit{ID: h.id, Version: h.version, Title: h.title, Score: score}
	}
	if len(res.Hits) > 0 {
		top := res.Hits[0].Score
		for _, h := range res.Hits {
			f, err := readArticleFields(h.ID, h.Fields)
			if err != nil {
				return nil, err
			}
			add(f, h.Score/top)
		}
	}

	votes := make(map[int64]float64)
	var missing []string
	if len(cases) > 0 && cases[0].Score > 0 {
		for _, c := range cases {
			if c.ArticleID <= 0 {
				continue
			}
			if _, ok := votes[c.ArticleID]; !ok {
				if _, found := byID[c.ArticleID]; !found {
					missing = append(missing, docID(c.ArticleID))
				}
			}
			votes[c.ArticleID] += c.Score / cases[0].Score
		}
	}
	if len(missing) > 0 {
		// Voted for but not matched by text: look them up, which also drops
		// articles that were deleted or unpublished since.
		mreq := bleve.NewSearchRequestOptions(bleve.NewDocIDQuery(missing), len(missing), 0, false)
		mreq.Fields = []string{fTitle, fVersion}
		mreq.Score = "none"
		mres, err := ix.articles.SearchInContext(ctx, mreq)
		if err != nil {
			return nil, err
		}
		for _, h := range mres.Hits {
			f, err := readArticleFields(h.ID, h.Fields)
			if err != nil {
				return nil, err
			}
			add(f, 0)
		}
	}
	out := make([]ArticleHit, 0, len(byID))
	for id, a := range byID {
		a.Score += votes[id]
		out = append(out, *a)
	}
	slices.SortFunc(out, func(a, b ArticleHit) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out[:min(len(out), n)], nil
}

type articleFields struct {
	id, version int64
	title       string
}

func readArticleFields(id string, fields map[string]interface{}) (articleFields, error) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return articleFields{}, fmt.Errorf("article document id %q: %w", id, err)
	}
	return articleFields{id: n, version: int64(number(fields[fVersion])), title: str(fields[fTitle])}, nil
}

// CaseText returns the subject and description of an indexed case, for
// "similar to ticket N"; false when the ticket is not indexed.
func (ix *Index) CaseText(ctx context.Context, ticketID int64) (string, bool, error) {
	if ticketID <= 0 {
		return "", false, &QueryError{Field: "ticket_id", Reason: "must be positive"}
	}
	req := bleve.NewSearchRequestOptions(bleve.NewDocIDQuery([]string{docID(ticketID)}), 1, 0, false)
	req.Fields = []string{fSubject, fDescription}
	req.Score = "none"
	res, err := ix.cases.SearchInContext(ctx, req)
	if err != nil {
		return "", false, fmt.Errorf("case text %d: %w", ticketID, err)
	}
	if len(res.Hits) == 0 {
		return "", false, nil
	}
	h := res.Hits[0]
	s, d := str(h.Fields[fSubject]), str(h.Fields[fDescription])
	switch {
	case s == "":
		return d, true, nil
	case d == "":
		return s, true, nil
	}
	return s + "\n" + d, true, nil
}

// str reads a stored text field; bleve returns a slice for repeated values.
func str(v interface{}) string {
	switch x := v.(type) {
	case string:
		return x
	case []interface{}:
		if len(x) > 0 {
			s, _ := x[0].(string)
			return s
		}
	}
	return ""
}

func number(v interface{}) float64 {
	f, _ := v.(float64)
	return f
}

package index

import (
	"context"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/highlight/highlighter/html"
	"github.com/blevesearch/bleve/v2/search/query"
)

// QueryError is a request the caller got wrong; the HTTP layer maps it to
// 400 and names Field.
type QueryError struct {
	Field  string
	Reason string
}

var _ error = (*QueryError)(nil)

func (e *QueryError) Error() string { return e.Field + ": " + e.Reason }

// Kinds of documents Search can look for.
const (
	KindArticle = "article"
	KindCase    = "case"
)

// Limits of a SearchQuery.
const (
	DefaultSearchSize = 10
	MaxSearchSize     = 100
	MaxSearchFrom     = 10000
	MaxQueryRunes     = 1000
)

// SearchQuery is a full-text search of articles or cases.
type SearchQuery struct {
	// Q is the search text, matched as an OR of its analysed terms.
	Q string
	// Kind is KindArticle (also when empty) or KindCase.
	Kind string
	// Size is the page size, 1..MaxSearchSize; 0 means DefaultSearchSize.
	Size int
	// From is the offset of the page, 0..MaxSearchFrom.
	From int
	// Lang keeps only "zh" or "en" documents; empty keeps all.
	Lang string
	// Category and Product keep only documents with that exact value.
	Category string
	Product  string
}

// SearchHit is one document found; Highlights holds, per text field, HTML
// fragments with the matched terms in <mark> and the rest escaped.
type SearchHit struct {
	Kind       string
	ID         int64
	Version    int64
	Score      float64
	Title      string
	Highlights map[string][]string
}

// SearchResult is one page of hits and the total number of matches.
type SearchResult struct {
	Total uint64
	Hits  []SearchHit
	Took  time.Duration
}

// searchSpec is what differs between searching articles and cases.
type searchSpec struct {
	index         bleve.Index
	text          []fieldBoost
	titleField    string
	categoryField string
	productField  string
}

func (ix *Index) spec(kind string) searchSpec {
	if kind == KindCase {
		return searchSpec{ix.cases, []fieldBoost{{fSubject, 2}, {fDescription, 1}, {fResolution, 1}, {fComments, 0.5}},
			fSubject, fCategory, fProduct}
	}
	return searchSpec{ix.articles, articleFieldBoosts(), fTitle, fCategories, fProducts}
}

func (q *SearchQuery) check() error {
	switch {
	case q.Q == "":
		return &QueryError{Field: "q", Reason: "must not be empty"}
	case utf8.RuneCountInString(q.Q) > MaxQueryRunes:
		return &QueryError{Field: "q", Reason: fmt.Sprintf("must be at most %d characters", MaxQueryRunes)}
	case q.Kind != "" && q.Kind != KindArticle && q.Kind != KindCase:
		return &QueryError{Field: "kind", Reason: "must be article or case"}
	case q.Size < 0 || q.Size > MaxSearchSize:
		return &QueryError{Field: "size", Reason: fmt.Sprintf("must be between 1 and %d", MaxSearchSize)}
	case q.From < 0 || q.From > MaxSearchFrom:
		return &QueryError{Field: "from", Reason: fmt.Sprintf("must be between 0 and %d", MaxSearchFrom)}
	case !validLang(q.Lang):
		return &QueryError{Field: "lang", Reason: "must be zh or en"}
	}
	if q.Kind == "" {
		q.Kind = KindArticle
	}
	if q.Size == 0 {
		q.Size = DefaultSearchSize
	}
	return nil
}

// Search runs a full-text search with highlighted fragments. A query whose
// text analyses to nothing (only stop words or punctuation) matches nothing.
func (ix *Index) Search(ctx context.Context, q SearchQuery) (*SearchResult, error) {
	if err := q.check(); err != nil {
		return nil, err
	}
	sp := ix.spec(q.Kind)
	text := make([]query.Query, 0, len(sp.text))
	for _, f := range sp.text {
		mq := bleve.NewMatchQuery(q.Q)
		mq.SetField(f.field)
		mq.SetBoost(f.boost)
		text = append(text, mq)
	}
	parts := []query.Query{bleve.NewDisjunctionQuery(text...)}
	filter := func(field, value string) {
		if value != "" {
			tq := bleve.NewTermQuery(value)
			tq.SetField(field)
			parts = append(parts, tq)
		}
	}
	filter(fLang, q.Lang)
	filter(sp.categoryField, q.Category)
	filter(sp.productField, q.Product)

	req := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(parts...), q.Size, q.From, false)
	req.Fields = []string{sp.titleField, fVersion}
	req.Highlight = bleve.NewHighlightWithStyle(html.Name)
	for _, f := range sp.text {
		if f.field != fComments { // not stored, so it cannot be shown
			req.Highlight.AddField(f.field)
		}
	}
	res, err := sp.index.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("search %ss: %w", q.Kind, err)
	}
	out := &SearchResult{Total: res.Total, Took: res.Took, Hits: make([]SearchHit, 0, len(res.Hits))}
	for _, h := range res.Hits {
		id, err := strconv.ParseInt(h.ID, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("search %ss: document id %q: %w", q.Kind, h.ID, err)
		}
		out.Hits = append(out.Hits, SearchHit{
			Kind:       q.Kind,
			ID:         id,
			Version:    int64(number(h.Fields[fVersion])),
			Score:      h.Score,
			Title:      str(h.Fields[sp.titleField]),
			Highlights: h.Fragments,
		})
	}
	return out, nil
}

package index

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"

	"github.com/deskmine/deskmine/kb/textan"
)

// Case is a resolved ticket as the knowledge base sees it.
type Case struct {
	TicketID    int64
	Version     int64
	Subject     string
	Description string
	Comments    string
	Resolution  string
	Category    string
	Product     string
	Priority    string
	Team        string
	Tags        []string
	// Lang is "zh" or "en"; empty means derived from subject and description.
	Lang string
	// ArticleID is the KB article used to solve the ticket, 0 if none.
	ArticleID int64
	// ResolvedAt is accepted for the callers' convenience but not indexed
	// yet (see mapping.go).
	ResolvedAt time.Time
}

// Article is a published knowledge-base article. Only published articles
// belong in the index: delete an article when it is unpublished.
type Article struct {
	ID              int64
	Version         int64
	Title           string
	Problem         string
	Symptoms        string
	Steps           string
	Tags            []string
	Products        []string
	ProductVersions []string
	Categories      []string
	BestPractice    bool
	// Lang is "zh" or "en"; empty means derived from title and problem.
	Lang string
	// UpdatedAt is accepted but not indexed yet (see mapping.go).
	UpdatedAt time.Time
}

func docID(id int64) string { return strconv.FormatInt(id, 10) }

func validLang(l string) bool { return l == "" || l == "zh" || l == "en" }

func caseToDoc(c Case) caseDoc {
	lang := c.Lang
	if lang == "" {
		lang = textan.Lang(c.Subject + " " + c.Description)
	}
	return caseDoc{
		Subject: c.Subject, Description: c.Description, Comments: c.Comments, Resolution: c.Resolution,
		Category: c.Category, Product: c.Product, Priority: c.Priority, Team: c.Team,
		Tags: c.Tags, Lang: lang, ArticleID: float64(c.ArticleID), Version: float64(c.Version),
	}
}

func articleToDoc(a Article) articleDoc {
	lang := a.Lang
	if lang == "" {
		lang = textan.Lang(a.Title + " " + a.Problem)
	}
	return articleDoc{
		Title: a.Title, Problem: a.Problem, Symptoms: a.Symptoms, Steps: a.Steps,
		Tags: a.Tags, Products: a.Products, ProductVersions: a.ProductVersions, Categories: a.Categories,
		BestPractice: a.BestPractice, Lang: lang, Version: float64(a.Version),
	}
}

// maxVersion keeps versions exact through the float64 bleve stores.
const maxVersion = 1 << 53

func checkCase(c Case) error {
	switch {
	case c.TicketID <= 0:
		return fmt.Errorf("case ticket id %d: must be positive", c.TicketID)
	case c.Version < 0 || c.Version > maxVersion:
		return fmt.Errorf("case %d version %d: out of range", c.TicketID, c.Version)
	case c.ArticleID < 0:
		return fmt.Errorf("case %d article id %d: must not be negative", c.TicketID, c.ArticleID)
	case !validLang(c.Lang):
		return fmt.Errorf("case %d lang %q: want zh, en or empty", c.TicketID, c.Lang)
	case strings.TrimSpace(c.Subject+c.Description+c.Resolution) == "":
		return fmt.Errorf("case %d: subject, description and resolution are all empty", c.TicketID)
	}
	return nil
}

func checkArticle(a Article) error {
	switch {
	case a.ID <= 0:
		return fmt.Errorf("article id %d: must be positive", a.ID)
	case a.Version < 0 || a.Version > maxVersion:
		return fmt.Errorf("article %d version %d: out of range", a.ID, a.Version)
	case !validLang(a.Lang):
		return fmt.Errorf("article %d lang %q: want zh, en or empty", a.ID, a.Lang)
	case strings.TrimSpace(a.Title) == "":
		return fmt.Errorf("article %d: empty title", a.ID)
	}
	return nil
}

// versioned is one document of a write with its id and version.
type versioned struct {
	id      string
	version int64
	doc     any
}

// IndexCases adds or replaces cases, in batches. Writing a case again
// replaces it; a case whose Version is lower than the one already indexed is
// skipped, so replaying the event log over a newer index changes nothing.
// Within one call the highest version of a ticket wins. Nothing is written
// when any case is invalid.
func (ix *Index) IndexCases(ctx context.Context, cases []Case) error {
	docs := make([]versioned, 0, len(cases))
	for _, c := range cases {
		if err := checkCase(c); err != nil {
			return fmt.Errorf("index cases: %w", err)
		}
		docs = append(docs, versioned{docID(c.TicketID), c.Version, caseToDoc(c)})
	}
	if err := ix.write(ctx, ix.cases, docs); err != nil {
		return fmt.Errorf("index cases: %w", err)
	}
	return nil
}

// IndexArticles adds or replaces articles with the same version rule as
// IndexCases.
func (ix *Index) IndexArticles(ctx context.Context, articles []Article) error {
	docs := make([]versioned, 0, len(articles))
	for _, a := range articles {
		if err := checkArticle(a); err != nil {
			return fmt.Errorf("index articles: %w", err)
		}
		docs = append(docs, versioned{docID(a.ID), a.Version, articleToDoc(a)})
	}
	if err := ix.write(ctx, ix.articles, docs); err != nil {
		return fmt.Errorf("index articles: %w", err)
	}
	return nil
}

// DeleteCase removes a case; removing one that is not indexed is no error.
func (ix *Index) DeleteCase(ctx context.Context, ticketID int64) error {
	if err := ix.delete(ctx, ix.cases, ticketID); err != nil {
		return fmt.Errorf("delete case %d: %w", ticketID, err)
	}
	return nil
}

// DeleteArticle removes an article; removing one that is not indexed is no
// error.
func (ix *Index) DeleteArticle(ctx context.Context, id int64) error {
	if err := ix.delete(ctx, ix.articles, id); err != nil {
		return fmt.Errorf("delete article %d: %w", id, err)
	}
	return nil
}

func (ix *Index) delete(ctx context.Context, b bleve.Index, id int64) error {
	if id <= 0 {
		return fmt.Errorf("id must be positive")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	ix.writeMu.Lock()
	defer ix.writeMu.Unlock()
	batch := b.NewBatch()
	batch.Delete(docID(id))
	return b.Batch(batch)
}

// write indexes docs in batches of Options.BatchSize, dropping those older
// than what the index holds.
func (ix *Index) write(ctx context.Context, b bleve.Index, docs []versioned) error {
	// Keep the highest version per id; on a tie the later one, as a plain
	// re-index would.
	latest := make(map[string]int, len(docs))
	for i, d := range docs {
		if j, ok := latest[d.id]; !ok || docs[j].version <= d.version {
			latest[d.id] = i
		}
	}
	uniq := docs[:0]
	for i, d := range docs {
		if latest[d.id] == i {
			uniq = append(uniq, d)
		}
	}

	ix.writeMu.Lock()
	defer ix.writeMu.Unlock()
	for start := 0; start < len(uniq); start += ix.opts.BatchSize {
		if err := ctx.Err(); err != nil {
			return err
		}
		chunk := uniq[start:min(start+ix.opts.BatchSize, len(uniq))]
		stored, err := storedVersions(ctx, b, chunk)
		if err != nil {
			return err
		}
		batch := b.NewBatch()
		for _, d := range chunk {
			if v, ok := stored[d.id]; ok && v > d.version {
				continue
			}
			if err := batch.Index(d.id, d.doc); err != nil {
				return fmt.Errorf("document %s: %w", d.id, err)
			}
		}
		if batch.Size() == 0 {
			continue
		}
		if err := b.Batch(batch); err != nil {
			return err
		}
	}
	return nil
}

// storedVersions returns the indexed version of those docs already present,
// with one search instead of one lookup per document.
func storedVersions(ctx context.Context, b bleve.Index, docs []versioned) (map[string]int64, error) {
	ids := make([]string, len(docs))
	for i, d := range docs {
		ids[i] = d.id
	}
	req := bleve.NewSearchRequestOptions(bleve.NewDocIDQuery(ids), len(ids), 0, false)
	req.Fields = []string{fVersion}
	req.Score = "none"
	res, err := b.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("read stored versions: %w", err)
	}
	out := make(map[string]int64, len(res.Hits))
	for _, h := range res.Hits {
		if v, ok := h.Fields[fVersion].(float64); ok {
			out[h.ID] = int64(v)
		}
	}
	return out, nil
}

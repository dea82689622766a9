package kb

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/deskmine/deskmine/kb/articles"
	"github.com/deskmine/deskmine/kb/index"
)

// articlePage is how many knowledge-base events one sync step reads.
const articlePage = 500

// syncArticles brings the index's articles up to date with the article
// store by following the store's event log from the cursor the index keeps
// (from the start for a new index): every article an event names is
// indexed as it stands now, or dropped when archived. Every replica runs
// it, so each one's index converges on the same articles.
func (s *Service) syncArticles(ctx context.Context) error {
	s.artSync.Lock()
	defer s.artSync.Unlock()
	cur, err := s.ix.Cursor(ctx)
	after := int64(cur)
	if err != nil {
		return fmt.Errorf("kb: article cursor: %w", err)
	}
	for {
		evs, err := s.arts.EventsAfter(ctx, after, articlePage)
		if err != nil {
			return fmt.Errorf("kb: article events: %w", err)
		}
		if len(evs) == 0 {
			return nil
		}
		touched := map[int64]bool{}
		var order []int64
		for _, e := range evs {
			if e.Entity == articles.EntityArticle && !touched[e.EntityID] {
				touched[e.EntityID] = true
				order = append(order, e.EntityID)
			}
		}
		for _, id := range order {
			if err := s.reindexArticle(ctx, id); err != nil {
				return err
			}
		}
		after = evs[len(evs)-1].Seq
		if err := s.ix.SetCursor(ctx, uint64(after)); err != nil {
			return err
		}
	}
}

// reindexArticle indexes an article's current published version, or takes
// it out of the index when it is archived.
func (s *Service) reindexArticle(ctx context.Context, id int64) error {
	a, err := s.arts.GetArticle(ctx, id)
	if err != nil {
		return fmt.Errorf("kb: article %d: %w", id, err)
	}
	if a.Status != articles.ArticlePublished {
		return s.ix.DeleteArticle(ctx, id)
	}
	return s.ix.IndexArticles(ctx, []index.Article{articleDoc(a)})
}

func articleDoc(a articles.Article) index.Article {
	c := a.Content
	return index.Article{ID: a.ID, Version: int64(a.CurrentVersion), Title: c.Title, Problem: c.Problem,
		Symptoms: strings.Join(c.Symptoms, "\n"), Steps: strings.Join(c.Steps, "\n"), Tags: c.Tags,
		Products: c.Products, ProductVersions: c.ProductVersions, Categories: c.Categories,
		BestPractice: a.BestPractice, Lang: c.Lang, UpdatedAt: a.UpdatedAt}
}

// SyncArticles indexes what changed in the article store since the last
// sync; the API calls it after each change so that its own answers see the
// change at once, and RunArticleSync calls it for changes other processes
// made.
func (s *Service) SyncArticles(ctx context.Context) error { return s.syncArticles(ctx) }

// RunArticleSync follows the article store until ctx ends.
func (s *Service) RunArticleSync(ctx context.Context, every time.Duration) error {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if err := s.syncArticles(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("kb article sync failed", "err", err)
			}
		}
	}
}

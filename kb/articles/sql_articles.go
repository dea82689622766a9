package articles

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// publish turns an approved candidate into a new article or a new version of
// its target. The article event is returned, not emitted, so that it follows
// the candidate's approval in the log.
func (w *wtx) publish(ctx context.Context, c Candidate, note string) (Article, pendingEvent, error) {
	if c.Kind == KindUpdate {
		art, err := w.lockArticle(ctx, c.TargetArticleID)
		if err != nil {
			return Article{}, pendingEvent{}, err
		}
		return w.addVersion(ctx, art, ActAddVersion, Version{Content: c.Content, Author: c.Author,
			SourceCandidateID: c.ID, Note: note}, fmt.Sprintf("version %d from candidate %d", art.CurrentVersion+1, c.ID))
	}
	if err := Authorize(w.actor, ActPublish); err != nil {
		return Article{}, pendingEvent{}, err
	}
	art := Article{Status: ArticlePublished, CurrentVersion: 1, CreatedAt: w.now, UpdatedAt: w.now, Content: c.Content}
	if err := w.queryRow(ctx, "insert-article", string(art.Status), art.CurrentVersion, c.ID, micros(w.now),
		micros(w.now)).Scan(&art.ID); err != nil {
		return Article{}, pendingEvent{}, fmt.Errorf("insert article: %w", err)
	}
	v := Version{ArticleID: art.ID, Number: 1, Content: c.Content, Author: c.Author, ApprovedBy: w.actor.Login,
		SourceCandidateID: c.ID, CreatedAt: w.now, Note: note}
	if err := w.insertVersion(ctx, v); err != nil {
		return Article{}, pendingEvent{}, err
	}
	t, err := w.record(ctx, EntityArticle, art.ID, ActPublish, "", string(art.Status), fmt.Sprintf("version 1 from candidate %d", c.ID))
	if err != nil {
		return Article{}, pendingEvent{}, err
	}
	return art, pendingEvent{typ: EventArticlePublished, entity: EntityArticle, entityID: art.ID,
		payload: ArticleEvent{Article: art, Version: &v, Transition: &t}}, nil
}

// addVersion appends v (content, author, source, note) to a locked article
// and makes it current.
func (w *wtx) addVersion(ctx context.Context, art Article, a Action, v Version, logNote string) (Article, pendingEvent, error) {
	to, err := ArticleStep(w.actor, art, a)
	if err != nil {
		return Article{}, pendingEvent{}, err
	}
	from := art.Status
	v.ArticleID, v.Number, v.ApprovedBy, v.CreatedAt = art.ID, art.CurrentVersion+1, w.actor.Login, w.now
	if err := w.insertVersion(ctx, v); err != nil {
		return Article{}, pendingEvent{}, err
	}
	art.Status, art.CurrentVersion, art.Content = to, v.Number, v.Content
	if err := w.saveArticle(ctx, &art); err != nil {
		return Article{}, pendingEvent{}, err
	}
	t, err := w.record(ctx, EntityArticle, art.ID, a, string(from), string(art.Status), logNote)
	if err != nil {
		return Article{}, pendingEvent{}, err
	}
	return art, pendingEvent{typ: articleEventType(a), entity: EntityArticle, entityID: art.ID,
		payload: ArticleEvent{Article: art, Version: &v, Transition: &t}}, nil
}

func (w *wtx) insertVersion(ctx context.Context, v Version) error {
	content, err := encodeJSON(v.Content)
	if err != nil {
		return fmt.Errorf("encode content: %w", err)
	}
	if err := w.exec(ctx, "insert-version", v.ArticleID, v.Number, content, v.Author, v.ApprovedBy,
		v.SourceCandidateID, v.RollbackOf, v.Note, micros(v.CreatedAt)); err != nil {
		return err
	}
	return w.setLabels(ctx, v.ArticleID, v.Content)
}

// setLabels replaces the article's filterable labels with those of its new
// current version.
func (w *wtx) setLabels(ctx context.Context, articleID int64, c Content) error {
	if err := w.exec(ctx, "delete-labels", articleID); err != nil {
		return err
	}
	for _, l := range []struct {
		kind  string
		items []string
	}{{"category", c.Categories}, {"product", c.Products}, {"tag", c.Tags}} {
		for _, v := range l.items {
			if err := w.exec(ctx, "insert-label", l.kind, strings.ToLower(v), articleID); err != nil {
				return err
			}
		}
	}
	return nil
}

// lockArticle reads an article and its current content for update.
func (w *wtx) lockArticle(ctx context.Context, id int64) (Article, error) {
	art, err := scanArticleRow(w.queryRow(ctx, "lock-article", id))
	if err != nil {
		return Article{}, notFound(err, "article", id)
	}
	v, err := scanVersion(w.queryRow(ctx, "get-version", id, art.CurrentVersion))
	if err != nil {
		return Article{}, fmt.Errorf("read article %d version %d: %w", id, art.CurrentVersion, err)
	}
	art.Content = v.Content
	return art, nil
}

func (w *wtx) saveArticle(ctx context.Context, art *Article) error {
	art.UpdatedAt = w.now
	return w.exec(ctx, "update-article", string(art.Status), art.CurrentVersion, boolInt(art.BestPractice),
		micros(art.UpdatedAt), art.ID)
}

// changeArticle locks an article, lets change apply a step that adds no
// version, saves it and logs it. change returns false when there is nothing
// to do; then nothing is written.
func (s *sqlStore) changeArticle(ctx context.Context, actor Actor, id int64, a Action,
	change func(art *Article) (note string, changed bool)) (Article, error) {
	if err := Authorize(actor, a); err != nil {
		return Article{}, err
	}
	var out Article
	err := s.inTx(ctx, actor, func(w *wtx) error {
		art, err := w.lockArticle(ctx, id)
		if err != nil {
			return err
		}
		to, err := ArticleStep(actor, art, a)
		if err != nil {
			return err
		}
		from := art.Status
		art.Status = to
		note, changed := change(&art)
		if !changed {
			out = art
			return nil
		}
		if err := w.saveArticle(ctx, &art); err != nil {
			return err
		}
		t, err := w.record(ctx, EntityArticle, art.ID, a, string(from), string(art.Status), note)
		if err != nil {
			return err
		}
		w.emit(articleEventType(a), EntityArticle, art.ID, ArticleEvent{Article: art, Transition: &t})
		out = art
		return nil
	})
	return out, err
}

// Archive implements Store.
func (s *sqlStore) Archive(ctx context.Context, actor Actor, articleID int64, note string) (Article, error) {
	note, err := normNote(note, false)
	if err != nil {
		return Article{}, err
	}
	return s.changeArticle(ctx, actor, articleID, ActArchive, func(*Article) (string, bool) { return note, true })
}

// Unarchive implements Store.
func (s *sqlStore) Unarchive(ctx context.Context, actor Actor, articleID int64, note string) (Article, error) {
	note, err := normNote(note, false)
	if err != nil {
		return Article{}, err
	}
	return s.changeArticle(ctx, actor, articleID, ActUnarchive, func(*Article) (string, bool) { return note, true })
}

// SetBestPractice implements Store.
func (s *sqlStore) SetBestPractice(ctx context.Context, actor Actor, articleID int64, on bool) (Article, error) {
	return s.changeArticle(ctx, actor, articleID, ActBestPractice, func(art *Article) (string, bool) {
		if art.BestPractice == on {
			return "", false
		}
		art.BestPractice = on
		if on {
			return "marked best practice", true
		}
		return "unmarked best practice", true
	})
}

// Rollback implements Store.
func (s *sqlStore) Rollback(ctx context.Context, actor Actor, articleID int64, toVersion int, note string) (Article, error) {
	if err := Authorize(actor, ActRollback); err != nil {
		return Article{}, err
	}
	if toVersion < 1 {
		return Article{}, &FieldError{"version", "must be a version number from 1"}
	}
	note, err := normNote(note, false)
	if err != nil {
		return Article{}, err
	}
	var out Article
	err = s.inTx(ctx, actor, func(w *wtx) error {
		art, err := w.lockArticle(ctx, articleID)
		if err != nil {
			return err
		}
		if _, err := ArticleStep(actor, art, ActRollback); err != nil {
			return err
		}
		if toVersion == art.CurrentVersion {
			return fmt.Errorf("article %d is already at version %d: %w", articleID, toVersion, ErrConflict)
		}
		old, err := scanVersion(w.queryRow(ctx, "get-version", articleID, toVersion))
		if err != nil {
			return notFound(err, fmt.Sprintf("article %d version", articleID), int64(toVersion))
		}
		art, pending, err := w.addVersion(ctx, art, ActRollback, Version{Content: old.Content, Author: actor.Login,
			RollbackOf: toVersion, Note: note}, fmt.Sprintf("version %d restores version %d", art.CurrentVersion+1, toVersion))
		if err != nil {
			return err
		}
		w.events = append(w.events, pending)
		out = art
		return nil
	})
	return out, err
}

// CommentArticle implements Store.
func (s *sqlStore) CommentArticle(ctx context.Context, actor Actor, id int64, body string) (Comment, error) {
	if err := Authorize(actor, ActComment); err != nil {
		return Comment{}, err
	}
	body, err := normCommentBody(body)
	if err != nil {
		return Comment{}, err
	}
	var out Comment
	err = s.inTx(ctx, actor, func(w *wtx) error {
		art, err := w.lockArticle(ctx, id)
		if err != nil {
			return err
		}
		if _, err := ArticleStep(actor, art, ActComment); err != nil {
			return err
		}
		if out, err = w.comment(ctx, EntityArticle, id, body); err != nil {
			return err
		}
		w.emit(EventArticleCommented, EntityArticle, id, ArticleEvent{Article: art, Comment: &out})
		return nil
	})
	return out, err
}

// GetArticle implements Store.
func (s *sqlStore) GetArticle(ctx context.Context, id int64) (Article, error) {
	art, err := scanArticle(s.reader("get-article").QueryRowContext(ctx, id))
	if err != nil {
		return Article{}, notFound(err, "article", id)
	}
	if art.Comments, err = s.comments(ctx, EntityArticle, id); err != nil {
		return Article{}, err
	}
	return art, nil
}

// ArticleHistory implements Store.
func (s *sqlStore) ArticleHistory(ctx context.Context, articleID int64) ([]Transition, error) {
	if err := s.articleExists(ctx, articleID); err != nil {
		return nil, err
	}
	return s.transitions(ctx, EntityArticle, articleID)
}

func (s *sqlStore) articleExists(ctx context.Context, id int64) error {
	var n int64
	if err := s.reader("article-exists").QueryRowContext(ctx, id).Scan(&n); err != nil {
		return notFound(err, "article", id)
	}
	return nil
}

// ListArticles implements Store.
func (s *sqlStore) ListArticles(ctx context.Context, f ArticleFilter) ([]Article, error) {
	limit, offset, err := pageBounds(f.Limit, f.Offset)
	if err != nil {
		return nil, err
	}
	best := int64(-1)
	if f.BestPractice != nil {
		best = boolInt(*f.BestPractice)
	}
	category := strings.ToLower(strings.TrimSpace(f.Category))
	product := strings.ToLower(strings.TrimSpace(f.Product))
	tag := strings.ToLower(strings.TrimSpace(f.Tag))
	rows, err := s.reader("list-articles").QueryContext(ctx, string(f.Status), string(f.Status), best, best,
		category, category, product, product, tag, tag, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("list articles: %w", err)
	}
	return collectArticles(rows)
}

// PublishedArticles implements Store.
func (s *sqlStore) PublishedArticles(ctx context.Context) ([]Article, error) {
	rows, err := s.reader("published-articles").QueryContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("published articles: %w", err)
	}
	return collectArticles(rows)
}

func collectArticles(rows *sql.Rows) ([]Article, error) {
	defer rows.Close()
	var out []Article
	for rows.Next() {
		a, err := scanArticle(rows)
		if err != nil {
			return nil, fmt.Errorf("list articles: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list articles: %w", err)
	}
	return out, nil
}

// Versions implements Store.
func (s *sqlStore) Versions(ctx context.Context, articleID int64) ([]Version, error) {
	if err := s.articleExists(ctx, articleID); err != nil {
		return nil, err
	}
	rows, err := s.reader("list-versions").QueryContext(ctx, articleID)
	if err != nil {
		return nil, fmt.Errorf("versions of article %d: %w", articleID, err)
	}
	defer rows.Close()
	var out []Version
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			return nil, fmt.Errorf("versions of article %d: %w", articleID, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("versions of article %d: %w", articleID, err)
	}
	return out, nil
}

// Version implements Store.
func (s *sqlStore) Version(ctx context.Context, articleID int64, number int) (Version, error) {
	v, err := scanVersion(s.reader("get-version").QueryRowContext(ctx, articleID, number))
	if errors.Is(err, sql.ErrNoRows) {
		return Version{}, fmt.Errorf("article %d version %d: %w", articleID, number, ErrNotFound)
	}
	if err != nil {
		return Version{}, fmt.Errorf("read article %d version %d: %w", articleID, number, err)
	}
	return v, nil
}

// Diff implements Store.
func (s *sqlStore) Diff(ctx context.Context, articleID int64, from, to int) (Diff, error) {
	if from < 1 {
		return Diff{}, &FieldError{"from", "must be a version number from 1"}
	}
	if to < 1 {
		return Diff{}, &FieldError{"to", "must be a version number from 1"}
	}
	a, err := s.Version(ctx, articleID, from)
	if err != nil {
		return Diff{}, err
	}
	b, err := s.Version(ctx, articleID, to)
	if err != nil {
		return Diff{}, err
	}
	hunks, text := DiffContent(a.Content, b.Content, fmt.Sprintf("article %d version %d", articleID, from),
		fmt.Sprintf("article %d version %d", articleID, to))
	return Diff{ArticleID: articleID, From: from, To: to, Hunks: hunks, Unified: text}, nil
}

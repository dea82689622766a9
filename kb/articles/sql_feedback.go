package articles

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// RecordFeedback implements Store.
func (s *sqlStore) RecordFeedback(ctx context.Context, actor Actor, f Feedback) (Feedback, error) {
	if err := Authorize(actor, ActFeedback); err != nil {
		return Feedback{}, err
	}
	f, err := f.normalize()
	if err != nil {
		return Feedback{}, err
	}
	var out Feedback
	err = s.inTx(ctx, actor, func(w *wtx) error {
		if f.ArticleID != 0 {
			var n int64
			err := w.queryRow(ctx, "article-exists", f.ArticleID).Scan(&n)
			if errors.Is(err, sql.ErrNoRows) {
				return &FieldError{"article_id", fmt.Sprintf("article %d does not exist", f.ArticleID)}
			}
			if err != nil {
				return fmt.Errorf("read article %d: %w", f.ArticleID, err)
			}
		}
		fb := f
		fb.At, fb.Actor = w.now, actor.Login
		if err := w.queryRow(ctx, "insert-feedback", micros(fb.At), actor.ID, actor.Login, fb.TicketID, fb.CaseTicketID,
			fb.ArticleID, string(fb.Kind), fb.Query).Scan(&fb.Seq); err != nil {
			return fmt.Errorf("insert feedback: %w", err)
		}
		w.emit(EventFeedbackRecorded, EntityFeedback, fb.Seq, fb)
		out = fb
		return nil
	})
	return out, err
}

// FeedbackScores implements Store.
func (s *sqlStore) FeedbackScores(ctx context.Context) (map[int64]Score, map[int64]Score, error) {
	rows, err := s.reader("feedback-scores").QueryContext(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("feedback scores: %w", err)
	}
	defer rows.Close()
	cases, articles := map[int64]Score{}, map[int64]Score{}
	for rows.Next() {
		var caseID, articleID int64
		var sc Score
		if err := rows.Scan(&caseID, &articleID, &sc.Helpful, &sc.NotHelpful, &sc.Used, &sc.Duplicate); err != nil {
			return nil, nil, fmt.Errorf("feedback scores: %w", err)
		}
		// RecordFeedback sets exactly one of the two ids.
		if caseID != 0 {
			cases[caseID] = addScore(cases[caseID], sc)
		}
		if articleID != 0 {
			articles[articleID] = addScore(articles[articleID], sc)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("feedback scores: %w", err)
	}
	return cases, articles, nil
}

func addScore(a, b Score) Score {
	return Score{Helpful: a.Helpful + b.Helpful, NotHelpful: a.NotHelpful + b.NotHelpful, Used: a.Used + b.Used,
		Duplicate: a.Duplicate + b.Duplicate}
}

// UnhelpedTickets implements Store.
func (s *sqlStore) UnhelpedTickets(ctx context.Context, since time.Time) ([]int64, error) {
	rows, err := s.reader("unhelped-tickets").QueryContext(ctx, micros(since))
	if err != nil {
		return nil, fmt.Errorf("unhelped tickets: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("unhelped tickets: %w", err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("unhelped tickets: %w", err)
	}
	return out, nil
}

// ArticlesUsed implements Store.
func (s *sqlStore) ArticlesUsed(ctx context.Context) (map[int64]int64, error) {
	rows, err := s.reader("articles-used").QueryContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("articles used: %w", err)
	}
	defer rows.Close()
	out := map[int64]int64{}
	for rows.Next() {
		var ticket, article int64
		if err := rows.Scan(&ticket, &article); err != nil {
			return nil, fmt.Errorf("articles used: %w", err)
		}
		out[ticket] = article // rows come oldest first: the latest wins
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("articles used: %w", err)
	}
	return out, nil
}

// EventsAfter implements Store.
func (s *sqlStore) EventsAfter(ctx context.Context, seq int64, limit int) ([]Event, error) {
	if seq < 0 {
		return nil, &FieldError{"after", "must not be negative"}
	}
	if limit < 1 {
		return nil, &FieldError{"limit", fmt.Sprintf("must be 1 to %d", MaxEvents)}
	}
	limit = min(limit, MaxEvents)
	rows, err := s.reader("events-after").QueryContext(ctx, seq, limit)
	if err != nil {
		return nil, fmt.Errorf("events after %d: %w", seq, err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var at int64
		var typ, payload string
		if err := rows.Scan(&e.Seq, &at, &typ, &e.Actor, &e.Entity, &e.EntityID, &payload); err != nil {
			return nil, fmt.Errorf("events after %d: %w", seq, err)
		}
		e.At, e.Type, e.Payload = fromMicros(at), EventType(typ), []byte(payload)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("events after %d: %w", seq, err)
	}
	return out, nil
}

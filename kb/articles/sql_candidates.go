package articles

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// CreateCandidate implements Store.
func (s *sqlStore) CreateCandidate(ctx context.Context, actor Actor, in CandidateInput) (Candidate, bool, error) {
	if err := Authorize(actor, ActCreate); err != nil {
		return Candidate{}, false, err
	}
	in, err := in.normalize()
	if err != nil {
		return Candidate{}, false, err
	}
	content, err := encodeJSON(in.Content)
	if err != nil {
		return Candidate{}, false, fmt.Errorf("encode content: %w", err)
	}
	sources, err := encodeJSON(in.Sources)
	if err != nil {
		return Candidate{}, false, fmt.Errorf("encode sources: %w", err)
	}
	var out Candidate
	var created bool
	err = s.inTx(ctx, actor, func(w *wtx) error {
		if in.Kind == KindUpdate {
			var n int64
			err := w.queryRow(ctx, "article-exists", in.TargetArticleID).Scan(&n)
			if errors.Is(err, sql.ErrNoRows) {
				return &FieldError{"target_article_id", fmt.Sprintf("article %d does not exist", in.TargetArticleID)}
			}
			if err != nil {
				return fmt.Errorf("read article %d: %w", in.TargetArticleID, err)
			}
		}
		c := Candidate{Kind: in.Kind, TargetArticleID: in.TargetArticleID, Content: in.Content, Sources: in.Sources,
			Evidence: in.Evidence, Consistency: in.Consistency, MinerKey: in.MinerKey, Status: StatusCandidate,
			Author: actor.Login, Revision: 1, CreatedAt: w.now, UpdatedAt: w.now}
		err := w.queryRow(ctx, "insert-candidate", string(c.Kind), c.TargetArticleID, string(c.Status), "", actor.ID,
			actor.Login, c.MinerKey, c.Evidence, c.Consistency, sources, content, micros(w.now), micros(w.now)).Scan(&c.ID)
		if errors.Is(err, sql.ErrNoRows) {
			// The miner key has a live candidate: re-mining returns it.
			existing, err := scanCandidate(w.queryRow(ctx, "candidate-by-miner-key", c.MinerKey))
			if err != nil {
				return fmt.Errorf("read candidate with miner key %q: %w", c.MinerKey, err)
			}
			out, created = existing, false
			return nil
		}
		if err != nil {
			return fmt.Errorf("insert candidate: %w", err)
		}
		if err := w.logCandidate(ctx, c, "", ActCreate, ""); err != nil {
			return err
		}
		out, created = c, true
		return nil
	})
	if err != nil {
		return Candidate{}, false, err
	}
	return out, created, nil
}

// GetCandidate implements Store.
func (s *sqlStore) GetCandidate(ctx context.Context, id int64) (Candidate, error) {
	c, err := scanCandidate(s.reader("get-candidate").QueryRowContext(ctx, id))
	if err != nil {
		return Candidate{}, notFound(err, "candidate", id)
	}
	if c.Comments, err = s.comments(ctx, EntityCandidate, id); err != nil {
		return Candidate{}, err
	}
	return c, nil
}

// ListCandidates implements Store.
func (s *sqlStore) ListCandidates(ctx context.Context, f CandidateFilter) ([]Candidate, error) {
	limit, offset, err := pageBounds(f.Limit, f.Offset)
	if err != nil {
		return nil, err
	}
	rows, err := s.reader("list-candidates").QueryContext(ctx, string(f.Status), string(f.Status), string(f.Kind),
		string(f.Kind), f.Reviewer, f.Reviewer, f.Author, f.Author, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("list candidates: %w", err)
	}
	defer rows.Close()
	var out []Candidate
	for rows.Next() {
		c, err := scanCandidate(rows)
		if err != nil {
			return nil, fmt.Errorf("list candidates: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list candidates: %w", err)
	}
	return out, nil
}

// UpdateCandidate implements Store.
func (s *sqlStore) UpdateCandidate(ctx context.Context, actor Actor, id int64, content Content, expectedRevision int64) (Candidate, error) {
	if err := Authorize(actor, ActEdit); err != nil {
		return Candidate{}, err
	}
	content, err := content.Normalize()
	if err != nil {
		return Candidate{}, prefixField("content.", err)
	}
	var out Candidate
	err = s.inTx(ctx, actor, func(w *wtx) error {
		c, err := w.lockCandidate(ctx, id)
		if err != nil {
			return err
		}
		if _, err := CandidateStep(actor, c, ActEdit); err != nil {
			return err
		}
		if c.Revision != expectedRevision {
			return fmt.Errorf("candidate %d is at revision %d, not %d: reload it: %w", id, c.Revision, expectedRevision, ErrConflict)
		}
		c.Content = content
		if err := w.saveCandidate(ctx, &c); err != nil {
			return err
		}
		out = c
		return w.logCandidate(ctx, c, c.Status, ActEdit, "")
	})
	return out, err
}

// Assign implements Store.
func (s *sqlStore) Assign(ctx context.Context, actor Actor, id int64, reviewer string) (Candidate, error) {
	if err := Authorize(actor, ActAssign); err != nil {
		return Candidate{}, err
	}
	login, err := normLogin("reviewer", reviewer)
	if err != nil {
		return Candidate{}, err
	}
	var out Candidate
	err = s.inTx(ctx, actor, func(w *wtx) error {
		c, err := w.lockCandidate(ctx, id)
		if err != nil {
			return err
		}
		if _, err := CandidateStep(actor, c, ActAssign); err != nil {
			return err
		}
		if c.Reviewer == login {
			out = c // already assigned: nothing to record
			return nil
		}
		if out, err = w.assign(ctx, c, login); err != nil {
			return err
		}
		return nil
	})
	return out, err
}

// assign saves a new reviewer and records the step.
func (w *wtx) assign(ctx context.Context, c Candidate, login string) (Candidate, error) {
	note := "assigned to " + login
	if c.Reviewer != "" {
		note = fmt.Sprintf("reassigned from %s to %s", c.Reviewer, login)
	}
	c.Reviewer = login
	if err := w.saveCandidate(ctx, &c); err != nil {
		return Candidate{}, err
	}
	return c, w.logCandidate(ctx, c, c.Status, ActAssign, note)
}

// Submit implements Store.
func (s *sqlStore) Submit(ctx context.Context, actor Actor, id int64, reviewer, note string) (Candidate, error) {
	if err := Authorize(actor, ActSubmit); err != nil {
		return Candidate{}, err
	}
	note, err := normNote(note, false)
	if err != nil {
		return Candidate{}, err
	}
	var out Candidate
	err = s.inTx(ctx, actor, func(w *wtx) error {
		c, err := w.lockCandidate(ctx, id)
		if err != nil {
			return err
		}
		login, err := SubmitReviewer(actor, c, reviewer)
		if err != nil {
			return err
		}
		probe := c
		probe.Reviewer = login
		to, err := CandidateStep(actor, probe, ActSubmit)
		if err != nil {
			return err
		}
		if login != c.Reviewer {
			if c, err = w.assign(ctx, c, login); err != nil {
				return err
			}
		}
		from := c.Status
		c.Status = to
		if err := w.saveCandidate(ctx, &c); err != nil {
			return err
		}
		out = c
		return w.logCandidate(ctx, c, from, ActSubmit, note)
	})
	return out, err
}

// Approve implements Store.
func (s *sqlStore) Approve(ctx context.Context, actor Actor, id int64, note string) (Article, error) {
	if err := Authorize(actor, ActApprove); err != nil {
		return Article{}, err
	}
	note, err := normNote(note, false)
	if err != nil {
		return Article{}, err
	}
	var out Article
	err = s.inTx(ctx, actor, func(w *wtx) error {
		c, err := w.lockCandidate(ctx, id)
		if err != nil {
			return err
		}
		to, err := CandidateStep(actor, c, ActApprove)
		if err != nil {
			return err
		}
		art, pending, err := w.publish(ctx, c, note)
		if err != nil {
			return err
		}
		from := c.Status
		c.Status, c.ArticleID = to, art.ID
		if err := w.saveCandidate(ctx, &c); err != nil {
			return err
		}
		if err := w.logCandidate(ctx, c, from, ActApprove, note); err != nil {
			return err
		}
		w.events = append(w.events, pending)
		out = art
		return nil
	})
	return out, err
}

// Reject implements Store.
func (s *sqlStore) Reject(ctx context.Context, actor Actor, id int64, note string) (Candidate, error) {
	return s.decide(ctx, actor, id, ActReject, note)
}

// RequestChanges implements Store.
func (s *sqlStore) RequestChanges(ctx context.Context, actor Actor, id int64, note string) (Candidate, error) {
	return s.decide(ctx, actor, id, ActRequestChanges, note)
}

// decide applies a review decision that needs a reason and publishes nothing.
func (s *sqlStore) decide(ctx context.Context, actor Actor, id int64, a Action, note string) (Candidate, error) {
	if err := Authorize(actor, a); err != nil {
		return Candidate{}, err
	}
	note, err := normNote(note, true)
	if err != nil {
		return Candidate{}, err
	}
	var out Candidate
	err = s.inTx(ctx, actor, func(w *wtx) error {
		c, err := w.lockCandidate(ctx, id)
		if err != nil {
			return err
		}
		to, err := CandidateStep(actor, c, a)
		if err != nil {
			return err
		}
		from := c.Status
		c.Status = to
		if err := w.saveCandidate(ctx, &c); err != nil {
			return err
		}
		out = c
		return w.logCandidate(ctx, c, from, a, note)
	})
	return out, err
}

// CommentCandidate implements Store.
func (s *sqlStore) CommentCandidate(ctx context.Context, actor Actor, id int64, body string) (Comment, error) {
	if err := Authorize(actor, ActComment); err != nil {
		return Comment{}, err
	}
	body, err := normCommentBody(body)
	if err != nil {
		return Comment{}, err
	}
	var out Comment
	err = s.inTx(ctx, actor, func(w *wtx) error {
		c, err := w.lockCandidate(ctx, id)
		if err != nil {
			return err
		}
		if _, err := CandidateStep(actor, c, ActComment); err != nil {
			return err
		}
		if out, err = w.comment(ctx, EntityCandidate, id, body); err != nil {
			return err
		}
		w.emit(EventCandidateCommented, EntityCandidate, id, CandidateEvent{Candidate: c, Comment: &out})
		return nil
	})
	return out, err
}

// History implements Store.
func (s *sqlStore) History(ctx context.Context, candidateID int64) ([]Transition, error) {
	var n int64
	if err := s.reader("candidate-exists").QueryRowContext(ctx, candidateID).Scan(&n); err != nil {
		return nil, notFound(err, "candidate", candidateID)
	}
	return s.transitions(ctx, EntityCandidate, candidateID)
}

func (s *sqlStore) transitions(ctx context.Context, entity string, id int64) ([]Transition, error) {
	rows, err := s.reader("list-transitions").QueryContext(ctx, entity, id)
	if err != nil {
		return nil, fmt.Errorf("history of %s %d: %w", entity, id, err)
	}
	defer rows.Close()
	var out []Transition
	for rows.Next() {
		var t Transition
		var action string
		var at int64
		if err := rows.Scan(&t.ID, &t.Entity, &t.EntityID, &action, &t.From, &t.To, &t.Actor, &t.ActorRole, &t.Note, &at); err != nil {
			return nil, fmt.Errorf("history of %s %d: %w", entity, id, err)
		}
		t.Action, t.At = Action(action), fromMicros(at)
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history of %s %d: %w", entity, id, err)
	}
	return out, nil
}

func (s *sqlStore) comments(ctx context.Context, entity string, id int64) ([]Comment, error) {
	rows, err := s.reader("list-comments").QueryContext(ctx, entity, id)
	if err != nil {
		return nil, fmt.Errorf("comments of %s %d: %w", entity, id, err)
	}
	defer rows.Close()
	var out []Comment
	for rows.Next() {
		var c Comment
		var at int64
		if err := rows.Scan(&c.ID, &c.Entity, &c.EntityID, &c.Author, &c.Body, &at); err != nil {
			return nil, fmt.Errorf("comments of %s %d: %w", entity, id, err)
		}
		c.CreatedAt = fromMicros(at)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("comments of %s %d: %w", entity, id, err)
	}
	return out, nil
}

// lockCandidate reads a candidate for update: concurrent operations on it
// wait, then see its new state (so two approvals cannot both publish).
func (w *wtx) lockCandidate(ctx context.Context, id int64) (Candidate, error) {
	c, err := scanCandidate(w.queryRow(ctx, "lock-candidate", id))
	if err != nil {
		return Candidate{}, notFound(err, "candidate", id)
	}
	return c, nil
}

// saveCandidate writes the changeable fields and moves the revision on.
func (w *wtx) saveCandidate(ctx context.Context, c *Candidate) error {
	content, err := encodeJSON(c.Content)
	if err != nil {
		return fmt.Errorf("encode content: %w", err)
	}
	c.Revision++
	c.UpdatedAt = w.now
	return w.exec(ctx, "update-candidate", string(c.Status), c.Reviewer, content, c.ArticleID, c.Revision,
		micros(c.UpdatedAt), c.ID)
}

// logCandidate records a candidate step in its history and in the event log.
func (w *wtx) logCandidate(ctx context.Context, c Candidate, from Status, a Action, note string) error {
	t, err := w.record(ctx, EntityCandidate, c.ID, a, string(from), string(c.Status), note)
	if err != nil {
		return err
	}
	c.Comments = nil
	w.emit(candidateEventType(a), EntityCandidate, c.ID, CandidateEvent{Candidate: c, Transition: &t})
	return nil
}

func (w *wtx) comment(ctx context.Context, entity string, id int64, body string) (Comment, error) {
	c := Comment{Entity: entity, EntityID: id, Author: w.actor.Login, Body: body, CreatedAt: w.now}
	if err := w.queryRow(ctx, "insert-comment", entity, id, w.actor.ID, w.actor.Login, body, micros(w.now)).Scan(&c.ID); err != nil {
		return Comment{}, fmt.Errorf("insert comment: %w", err)
	}
	return c, nil
}

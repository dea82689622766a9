package kb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/deskmine/deskmine/kb/casebook"
	"github.com/deskmine/deskmine/kb/classify"
	"github.com/deskmine/deskmine/kb/index"
)

// Limits of the similar-case and prediction requests.
const (
	MaxK         = 50
	MaxTextRunes = 20000
	// SuggestedArticles is how many articles a similar-case answer suggests.
	SuggestedArticles = 5
)

// InputError is a request the service refuses; the HTTP layer answers 400
// or 422 naming Field.
type InputError struct{ Field, Reason string }

func (e *InputError) Error() string { return e.Field + ": " + e.Reason }

// ErrUnknownTicket is a ticket the knowledge base has not seen.
var ErrUnknownTicket = errors.New("ticket not known to the knowledge base")

// SimilarRequest asks for resolved cases like a text or like a ticket.
type SimilarRequest struct {
	Text     string
	TicketID int64
	K        int
}

// Similar is the answer: ranked resolved cases and suggested articles, with
// the category prediction that shaped the ranking and the priority
// suggested for the text (so that a new ticket's screen shows both).
type Similar struct {
	Cases      []index.CaseHit
	Articles   []index.ArticleHit
	Prediction *classify.Prediction // the category; nil before any model was trained
	Priority   *classify.Prediction // the priority; nil likewise
	Took       time.Duration
}

// Similar finds resolved cases like the request's text (or the ticket's).
// Ranking: the index's text score, times the agents' feedback on each case,
// times the likelihood of the case's category for this text.
func (s *Service) Similar(ctx context.Context, r SimilarRequest) (*Similar, error) {
	start := time.Now()
	if r.K == 0 {
		r.K = 10
	}
	if r.K < 1 || r.K > MaxK {
		return nil, &InputError{"k", fmt.Sprintf("must be between 1 and %d", MaxK)}
	}
	text := strings.TrimSpace(r.Text)
	switch {
	case text != "" && r.TicketID != 0:
		return nil, &InputError{"ticket", "give either text or ticket, not both"}
	case r.TicketID < 0:
		return nil, &InputError{"ticket", "must be a positive ticket id"}
	case r.TicketID > 0:
		c, err := s.book.Get(ctx, r.TicketID)
		if errors.Is(err, casebook.ErrNotFound) {
			return nil, fmt.Errorf("%w: %d", ErrUnknownTicket, r.TicketID)
		}
		if err != nil {
			return nil, err
		}
		text = caseText(c.Subject, c.Description)
	case text == "":
		return nil, &InputError{"text", "give the text to match, or a ticket id"}
	}
	if utf8.RuneCountInString(text) > MaxTextRunes {
		return nil, &InputError{"text", fmt.Sprintf("longer than %d characters", MaxTextRunes)}
	}
	out := &Similar{}
	q := index.SimilarQuery{Text: text, K: r.K, ExcludeTicket: r.TicketID, Articles: SuggestedArticles,
		Boost: s.caseBoost(ctx)}
	if m := s.category.Load(); m != nil {
		p := m.Predict(text)
		out.Prediction = &p
		q.CategoryPrior = prior(p)
	}
	if m := s.priority.Load(); m != nil {
		p := m.Predict(text)
		out.Priority = &p
	}
	cases, arts, err := s.ix.Similar(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("kb: similar: %w", err)
	}
	out.Cases, out.Articles, out.Took = cases, arts, time.Since(start)
	return out, nil
}

// prior turns a prediction into P(category | text) for the labels it names.
func prior(p classify.Prediction) map[string]float64 {
	m := map[string]float64{p.Label: p.Confidence}
	for _, a := range p.Alternatives {
		m[a.Label] = a.Probability
	}
	return m
}

// Classification is the suggested category and priority of a text.
type Classification struct {
	Category *classify.Prediction
	Priority *classify.Prediction
}

// ErrNoModel means no model could be trained yet (fewer than two labels).
var ErrNoModel = errors.New("no prediction model yet: too few resolved tickets with labels")

// Classify predicts a text's category and priority. It never changes a
// ticket: applying a prediction is a rule's job (Options.AutoApplyConfidence).
func (s *Service) Classify(_ context.Context, text string) (*Classification, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, &InputError{"text", "must not be empty"}
	}
	if utf8.RuneCountInString(text) > MaxTextRunes {
		return nil, &InputError{"text", fmt.Sprintf("longer than %d characters", MaxTextRunes)}
	}
	cat, prio := s.category.Load(), s.priority.Load()
	if cat == nil && prio == nil {
		return nil, ErrNoModel
	}
	out := &Classification{}
	if cat != nil {
		p := cat.Predict(text)
		out.Category = &p
	}
	if prio != nil {
		p := prio.Predict(text)
		out.Priority = &p
	}
	return out, nil
}

package kb

import (
	"context"
	"math"
	"time"

	"github.com/deskmine/deskmine/kb/articles"
	"github.com/deskmine/deskmine/kb/index"
)

// boostRefresh is how stale the feedback a ranking uses may be: reading
// every score on each request would cost more than the search.
const boostRefresh = 15 * time.Second

// boostTable is the ranking multiplier of every case agents gave feedback
// on, as read at one moment.
type boostTable struct {
	at    time.Time
	cases map[int64]float64
}

// Boost turns the feedback on one case into a ranking multiplier: each
// "helpful" and "used" (and a confirmed duplicate) raises it, each "not
// helpful" lowers it, with diminishing effect so that a handful of votes
// reorders close results without burying strong text matches. It stays
// within [0.5, 2].
func Boost(sc articles.Score) float64 {
	up := float64(sc.Helpful) + 1.5*float64(sc.Used) + float64(sc.Duplicate)
	down := float64(sc.NotHelpful)
	b := 1 + 0.25*math.Log1p(up) - 0.25*math.Log1p(down)
	return math.Max(0.5, math.Min(2, b))
}

// caseBoost is the feedback multiplier of the current table, refreshed when
// stale; when the scores cannot be read the ranking goes on without them.
func (s *Service) caseBoost(ctx context.Context) func(int64) float64 {
	t := s.boosts.Load()
	if t == nil || s.opts.Now().Sub(t.at) > boostRefresh {
		cases, _, err := s.arts.FeedbackScores(ctx)
		var dups map[int64]int
		if err == nil {
			dups, err = s.book.DuplicateCounts(ctx)
		}
		if err != nil {
			s.log.Warn("kb feedback scores unavailable; ranking without them", "err", err)
		} else {
			// Tickets agents linked as duplicates of a case confirm it
			// like a "duplicate" vote.
			for id, n := range dups {
				sc := cases[id]
				sc.Duplicate += n
				if cases == nil {
					cases = map[int64]articles.Score{}
				}
				cases[id] = sc
			}
			nt := &boostTable{at: s.opts.Now(), cases: make(map[int64]float64, len(cases))}
			for id, sc := range cases {
				nt.cases[id] = Boost(sc)
			}
			s.boosts.Store(nt)
			t = nt
		}
	}
	if t == nil || len(t.cases) == 0 {
		return nil
	}
	return func(id int64) float64 {
		if b, ok := t.cases[id]; ok {
			return b
		}
		return 1
	}
}

// RecordFeedback stores an agent's feedback on a suggestion (as an event in
// the knowledge-base store) and makes the next ranking read it.
func (s *Service) RecordFeedback(ctx context.Context, actor articles.Actor, f articles.Feedback) (articles.Feedback, error) {
	out, err := s.arts.RecordFeedback(ctx, actor, f)
	if err != nil {
		return out, err
	}
	s.boosts.Store(nil)
	if f.Kind == articles.FeedbackUsed && f.ArticleID > 0 {
		// The ticket was solved with that article: its case, once resolved,
		// says so in similar-case answers.
		if c, err := s.book.Get(ctx, f.TicketID); err == nil && c.Resolved {
			doc := caseDoc(c)
			doc.ArticleID = f.ArticleID
			if err := s.ix.IndexCases(ctx, []index.Case{doc}); err != nil {
				s.log.Warn("kb could not record the article used on its case", "ticket", f.TicketID, "err", err)
			}
		}
	}
	return out, nil
}

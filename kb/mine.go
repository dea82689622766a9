package kb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/deskmine/deskmine/kb/articles"
	"github.com/deskmine/deskmine/kb/casebook"
	"github.com/deskmine/deskmine/kb/miner"
	"github.com/deskmine/deskmine/kb/textan"
)

// MinerActor is who the miner's candidates are drafted by.
var MinerActor = articles.Actor{Login: "deskmine-miner", Role: "agent"}

// unhelpedWindow is how far back tickets where no suggestion helped count
// as knowledge gaps.
const unhelpedWindow = 90 * 24 * time.Hour

// MineReport is what one mining run found and proposed.
type MineReport struct {
	At            time.Time   `json:"at"`
	Tickets       int         `json:"tickets"`
	Groups        int         `json:"groups"`
	NewCandidates []int64     `json:"new_candidates"` // candidate ids created by this run
	Updates       []int64     `json:"update_candidates"`
	Gaps          []miner.Gap `json:"gaps"`
	TookMs        int64       `json:"took_ms"`
	Stats         miner.Stats `json:"-"`
}

// Mine groups the resolved cases, proposes a candidate for every big and
// consistent group (an update proposal when it nearly duplicates a
// published article) and records the knowledge gaps. Runs do not overlap;
// running again proposes nothing twice (the candidates' miner keys and
// sources are passed back in as existing).
func (s *Service) Mine(ctx context.Context) (*MineReport, error) {
	s.mineMu.Lock()
	defer s.mineMu.Unlock()
	start := time.Now()
	var in miner.Input
	used, err := s.arts.ArticlesUsed(ctx)
	if err != nil {
		return nil, fmt.Errorf("kb mine: articles used: %w", err)
	}
	err = s.book.Resolved(ctx, func(c *casebook.Case) error {
		in.Tickets = append(in.Tickets, miner.Ticket{ID: c.TicketID, Subject: c.Subject, Description: c.Description,
			Resolution: c.Resolution, Category: c.Category, Product: c.Product, ResolvedAt: c.ResolvedAt,
			ArticleID: used[c.TicketID]})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("kb mine: read cases: %w", err)
	}
	published, err := s.arts.PublishedArticles(ctx)
	if err != nil {
		return nil, fmt.Errorf("kb mine: read articles: %w", err)
	}
	for _, a := range published {
		c := a.Content
		in.Articles = append(in.Articles, miner.Article{ID: a.ID, Version: int64(a.CurrentVersion), Title: c.Title, Problem: c.Problem,
			Symptoms: c.Symptoms, Steps: c.Steps, Categories: c.Categories, Products: c.Products})
	}
	if in.Existing, err = s.minedCandidates(ctx); err != nil {
		return nil, err
	}
	if in.Feedback.Unhelped, err = s.arts.UnhelpedTickets(ctx, s.opts.Now().Add(-unhelpedWindow)); err != nil {
		return nil, fmt.Errorf("kb mine: read feedback: %w", err)
	}
	res, err := miner.Mine(ctx, in, miner.Options{MinGroup: s.opts.MinGroup, Tokenize: textan.Tokens})
	if err != nil {
		return nil, fmt.Errorf("kb mine: %w", err)
	}
	rep := &MineReport{At: s.opts.Now().UTC(), Tickets: len(in.Tickets), Groups: res.Stats.Groups, Gaps: res.Gaps,
		Stats: res.Stats, NewCandidates: []int64{}, Updates: []int64{}}
	for _, c := range res.Candidates {
		id, err := s.propose(ctx, articles.KindNew, 0, c)
		if err != nil {
			return nil, err
		}
		rep.NewCandidates = append(rep.NewCandidates, id)
	}
	for _, u := range res.Updates {
		id, err := s.propose(ctx, articles.KindUpdate, u.ArticleID, u.Candidate)
		if err != nil {
			return nil, err
		}
		rep.Updates = append(rep.Updates, id)
	}
	if rep.Gaps == nil {
		rep.Gaps = []miner.Gap{}
	}
	rep.TookMs = time.Since(start).Milliseconds()
	if err := s.saveReport(rep); err != nil {
		return nil, err
	}
	s.lastRun.Store(rep)
	s.log.Info("kb mined", "tickets", rep.Tickets, "groups", rep.Groups, "candidates", len(rep.NewCandidates),
		"updates", len(rep.Updates), "gaps", len(rep.Gaps), "took_ms", rep.TookMs)
	return rep, nil
}

// minedCandidates are the miner's earlier proposals that still stand (not
// rejected): the groups it must not propose again.
func (s *Service) minedCandidates(ctx context.Context) ([]miner.Existing, error) {
	var out []miner.Existing
	for offset := 0; ; offset += articles.MaxLimit {
		page, err := s.arts.ListCandidates(ctx, articles.CandidateFilter{Limit: articles.MaxLimit, Offset: offset})
		if err != nil {
			return nil, fmt.Errorf("kb mine: read candidates: %w", err)
		}
		for _, c := range page {
			if c.MinerKey != "" && c.Status != articles.StatusRejected {
				out = append(out, miner.Existing{Key: c.MinerKey, Sources: c.Sources})
			}
		}
		if len(page) < articles.MaxLimit {
			return out, nil
		}
	}
}

// propose stores one mined group as a candidate; a group proposed before
// (same miner key) returns the existing candidate.
func (s *Service) propose(ctx context.Context, kind articles.Kind, target int64, c miner.Candidate) (int64, error) {
	lang := c.Lang
	if lang == "" {
		lang = "en"
	}
	cand, _, err := s.arts.CreateCandidate(ctx, MinerActor, articles.CandidateInput{
		Kind: kind, TargetArticleID: target, MinerKey: c.Key, Sources: c.Sources, Evidence: c.Evidence,
		Consistency: c.Consistency,
		Content: articles.Content{Title: c.Title, Problem: c.Problem, Symptoms: c.Symptoms, Steps: c.Steps,
			Products: c.Products, Categories: c.Categories, Lang: lang},
	})
	if err != nil {
		return 0, fmt.Errorf("kb mine: store candidate %q: %w", c.Title, err)
	}
	return cand.ID, nil
}

// reportPath keeps the last run's report, gaps included, across restarts.
func (s *Service) reportPath() string { return filepath.Join(s.opts.ModelDir, "last-mine.json") }

func (s *Service) saveReport(r *MineReport) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("kb mine: report: %w", err)
	}
	tmp := s.reportPath() + ".tmp"
	if err := os.WriteFile(tmp, b, 0o640); err != nil {
		return fmt.Errorf("kb mine: report: %w", err)
	}
	if err := os.Rename(tmp, s.reportPath()); err != nil {
		return fmt.Errorf("kb mine: report: %w", err)
	}
	return nil
}

// LastMine is the last run's report: this process's, or the one saved by
// an earlier process or by `deskmine mine`; nil when mining never ran.
func (s *Service) LastMine() (*MineReport, error) {
	if r := s.lastRun.Load(); r != nil {
		return r, nil
	}
	b, err := os.ReadFile(s.reportPath())
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("kb: read mine report: %w", err)
	}
	var r MineReport
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("kb: read mine report: %w", err)
	}
	return &r, nil
}

// firstMine is how soon after start the miner first runs (or every, when
// shorter): a fresh installation, or one that was down, should not wait a
// whole interval for its first candidates.
const firstMine = time.Minute

// RunMiner mines every interval until ctx ends.
func (s *Service) RunMiner(ctx context.Context, every time.Duration) error {
	t := time.NewTimer(min(every, firstMine))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if _, err := s.Mine(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("kb mining failed", "err", err)
			}
			t.Reset(every)
		}
	}
}

package kb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/deskmine/deskmine/kb/articles"
	"github.com/deskmine/deskmine/kb/casebook"
	"github.com/deskmine/deskmine/kb/classify"
	"github.com/deskmine/deskmine/kb/index"
	"github.com/deskmine/deskmine/ticketcore/events"
)

// Options configure a Service.
type Options struct {
	// Book and Articles are the knowledge-base stores; the Service does not
	// close them.
	Book     *casebook.Book
	Articles articles.Store
	// IndexDir is the directory of this process's bleve index.
	IndexDir string
	// ModelDir keeps the trained models between restarts.
	ModelDir string
	// MinGroup is the miner's smallest group (config kb.min_group).
	MinGroup int
	// RetrainEvery newly resolved tickets trigger a full retrain.
	RetrainEvery int
	// AutoApplyConfidence, when positive, writes the predicted category
	// to new tickets without one through ApplyCategory.
	AutoApplyConfidence float64
	ApplyCategory       func(ctx context.Context, ticketID, version int64, category string) error
	Logger              *slog.Logger
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Service is the knowledge base of one process.
type Service struct {
	opts Options
	log  *slog.Logger
	book *casebook.Book
	arts articles.Store
	ix   *index.Index

	// rebuilt says the index was empty or recreated at open; consumer is
	// then a new name, which reads the stream from its start.
	rebuilt  bool
	consumer string

	category, priority atomic.Pointer[classify.Model]
	sinceRetrain       atomic.Int64
	retraining         sync.Mutex

	boosts atomic.Pointer[boostTable]

	artSync sync.Mutex
	mineMu  sync.Mutex
	lastRun atomic.Pointer[MineReport]
}

// consumerFile, inside the index directory, names the stream consumer that
// feeds that index.
const consumerFile = "consumer"

// consumerName returns the stream consumer (group) that feeds the index in
// dir. A new index gets a new name, so that its consumer starts at the
// beginning of the stream and the index is rebuilt from the whole history:
// after a mapping change, a lost or unreadable index, or on a new replica.
func consumerName(dir string, fresh bool) (string, error) {
	path := filepath.Join(dir, consumerFile)
	if !fresh {
		b, err := os.ReadFile(path)
		if err == nil && len(strings.TrimSpace(string(b))) > 0 {
			return strings.TrimSpace(string(b)), nil
		}
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("kb: read index consumer: %w", err)
		}
	}
	var r [4]byte
	if _, err := rand.Read(r[:]); err != nil {
		return "", fmt.Errorf("kb: index consumer name: %w", err)
	}
	name := fmt.Sprintf("kb-index-v%d-%s", index.MappingVersion, hex.EncodeToString(r[:]))
	if err := os.WriteFile(path, []byte(name+"\n"), 0o640); err != nil {
		return "", fmt.Errorf("kb: write index consumer: %w", err)
	}
	return name, nil
}

// ConsumerName is the stream consumer that must feed this process's index.
func (s *Service) ConsumerName() string { return s.consumer }

// New opens the index and loads (or trains) the models.
func New(ctx context.Context, o Options) (*Service, error) {
	if o.Book == nil || o.Articles == nil {
		return nil, errors.New("kb: a case book and an article store are required")
	}
	if o.IndexDir == "" || o.ModelDir == "" {
		return nil, errors.New("kb: index and model directories are required")
	}
	if o.MinGroup < 2 {
		o.MinGroup = 5
	}
	if o.RetrainEvery < 1 {
		o.RetrainEvery = 2000
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Service{opts: o, log: o.Logger, book: o.Book, arts: o.Articles}
	// Durable: the stream consumer commits its position once Handle
	// returns, so what Handle wrote must be on disk by then, or a crash
	// would lose it for good.
	ix, err := index.Open(o.IndexDir, index.Options{Durable: true, Logger: o.Logger})
	if err != nil {
		return nil, fmt.Errorf("kb: open index: %w", err)
	}
	s.ix, s.rebuilt = ix, ix.Fresh()
	if s.consumer, err = consumerName(o.IndexDir, s.rebuilt); err != nil {
		ix.Close()
		return nil, err
	}
	if s.rebuilt {
		s.log.Info("kb index created; it is fed from the start of the stream", "dir", o.IndexDir, "mapping", index.MappingVersion)
	}
	if err := os.MkdirAll(o.ModelDir, 0o750); err != nil {
		ix.Close()
		return nil, fmt.Errorf("kb: model directory: %w", err)
	}
	if err := s.loadModels(ctx); err != nil {
		ix.Close()
		return nil, err
	}
	if err := s.syncArticles(ctx); err != nil {
		ix.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the index.
func (s *Service) Close() error { return s.ix.Close() }

// Rebuilt reports whether the index was created empty at open.
func (s *Service) Rebuilt() bool { return s.rebuilt }

// Index is the service's search index (benchmarks and tests).
func (s *Service) Index() *index.Index { return s.ix }

// Handle is the stream consumer's handler: it records the events in the
// case book, then indexes the latest state of every ticket they touch (the
// index keeps the newest version, so a replay is harmless), and folds newly
// resolved tickets into the models.
func (s *Service) Handle(ctx context.Context, evs []events.Event) error {
	changed, err := s.book.Apply(ctx, evs)
	if err != nil {
		return err
	}
	last := map[int64]*events.Event{}
	var order []int64
	for i := range evs {
		if _, ok := last[evs[i].TicketID]; !ok {
			order = append(order, evs[i].TicketID)
		}
		last[evs[i].TicketID] = &evs[i]
	}
	var put []index.Case
	var drop []int64
	for _, id := range order {
		c, err := s.book.Get(ctx, id)
		if err != nil {
			return fmt.Errorf("kb: read case %d: %w", id, err)
		}
		if c.Resolved {
			put = append(put, caseDoc(c))
		} else {
			drop = append(drop, id)
		}
	}
	if len(put) > 0 {
		used, err := s.arts.ArticlesUsed(ctx)
		if err != nil {
			return fmt.Errorf("kb: articles used: %w", err)
		}
		for i := range put {
			put[i].ArticleID = used[put[i].TicketID]
		}
	}
	if err := s.ix.IndexCases(ctx, put); err != nil {
		return fmt.Errorf("kb: index cases: %w", err)
	}
	for _, id := range drop {
		if err := s.ix.DeleteCase(ctx, id); err != nil {
			return fmt.Errorf("kb: unindex case %d: %w", id, err)
		}
	}
	s.learn(ctx, changed, evs, last)
	s.autoApply(ctx, changed, last)
	return nil
}

// caseDoc is the index document of a resolved case.
func caseDoc(c *casebook.Case) index.Case {
	return index.Case{TicketID: c.TicketID, Version: c.Version, Subject: c.Subject, Description: c.Description,
		Comments: c.Comments, Resolution: c.Resolution, Category: c.Category, Product: c.Product,
		Priority: c.Priority, Team: c.Team, Tags: c.Tags, ResolvedAt: c.ResolvedAt}
}

// caseText is what the models and the similar-case search read of a case.
func caseText(subject, description string) string {
	if description == "" {
		return subject
	}
	return subject + "\n" + description
}

// learn folds the tickets that this batch resolved (and that are still
// resolved at its end) into the models, and starts a full retrain when enough
// came in. A ticket resolved by a batch that is retried after a crash is
// not folded in twice: the book reports it changed only once. It is then
// learnt at the next full retrain.
func (s *Service) learn(ctx context.Context, changed []int64, evs []events.Event, last map[int64]*events.Event) {
	resolvedNow := map[int64]bool{}
	for i := range evs {
		if becameResolved(&evs[i]) {
			resolvedNow[evs[i].TicketID] = true
		}
	}
	var cats, prios []classify.Example
	for _, id := range changed {
		t := &last[id].Ticket
		if !resolvedNow[id] || t.ResolvedAt == nil {
			continue
		}
		text := caseText(t.Subject, t.Description)
		if t.Category != "" {
			cats = append(cats, classify.Example{Text: text, Label: t.Category})
		}
		if t.Priority != "" {
			prios = append(prios, classify.Example{Text: text, Label: t.Priority})
		}
	}
	if m := s.category.Load(); m != nil && len(cats) > 0 {
		m.Update(cats)
	}
	if m := s.priority.Load(); m != nil && len(prios) > 0 {
		m.Update(prios)
	}
	n := s.sinceRetrain.Add(int64(len(cats)))
	if (n >= int64(s.opts.RetrainEvery) || s.category.Load() == nil) && len(cats) > 0 {
		go func() {
			if err := s.Retrain(context.WithoutCancel(ctx)); err != nil {
				s.log.Warn("kb retrain failed", "err", err)
			}
		}()
	}
}

// becameResolved reports whether e moved its ticket into a resolved (or
// closed, never resolved) state: resolved_at went from unset to set.
// Closing a resolved ticket, or commenting on it, does not count again.
func becameResolved(e *events.Event) bool {
	if e.Ticket.ResolvedAt == nil {
		return false
	}
	for _, c := range e.Changes {
		if c.Field == "resolved_at" {
			return len(c.Old) == 0 || string(c.Old) == "null"
		}
	}
	return false
}

// autoApply writes the predicted category to new tickets that have none,
// when a rule (AutoApplyConfidence) says so; otherwise a prediction is
// only ever a suggestion.
func (s *Service) autoApply(ctx context.Context, changed []int64, last map[int64]*events.Event) {
	if s.opts.AutoApplyConfidence <= 0 || s.opts.ApplyCategory == nil {
		return
	}
	m := s.category.Load()
	if m == nil {
		return
	}
	for _, id := range changed {
		e := last[id]
		if e.Type != events.TicketCreated || e.Ticket.Category != "" {
			continue
		}
		p := m.Predict(caseText(e.Ticket.Subject, e.Ticket.Description))
		if p.Label == "" || p.Confidence < s.opts.AutoApplyConfidence {
			continue
		}
		if err := s.opts.ApplyCategory(ctx, id, e.TicketVersion, p.Label); err != nil {
			s.log.Warn("kb auto-apply category failed", "ticket", id, "category", p.Label, "err", err)
			continue
		}
		s.log.Info("kb applied predicted category", "ticket", id, "category", p.Label, "confidence", p.Confidence)
	}
}

// modelPath is where a model is saved.
func (s *Service) modelPath(name string) string { return filepath.Join(s.opts.ModelDir, name+".model") }

// loadModels reads the saved models; when there are none it trains from
// the book (no model at all while fewer than two labels were seen).
func (s *Service) loadModels(ctx context.Context) error {
	loaded := 0
	for name, slot := range map[string]*atomic.Pointer[classify.Model]{"category": &s.category, "priority": &s.priority} {
		f, err := os.Open(s.modelPath(name))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("kb: open %s model: %w", name, err)
		}
		m, err := classify.Load(f)
		f.Close()
		if err != nil {
			s.log.Warn("kb model unreadable; retraining", "model", name, "err", err)
			continue
		}
		slot.Store(m)
		loaded++
	}
	if loaded == 2 {
		return nil
	}
	return s.Retrain(ctx)
}

// Retrain trains both models from every resolved case in the book and
// saves them. One retrain runs at a time.
func (s *Service) Retrain(ctx context.Context) error {
	s.retraining.Lock()
	defer s.retraining.Unlock()
	s.sinceRetrain.Store(0)
	var cats, prios []classify.Example
	err := s.book.Resolved(ctx, func(c *casebook.Case) error {
		text := caseText(c.Subject, c.Description)
		if c.Category != "" {
			cats = append(cats, classify.Example{Text: text, Label: c.Category})
		}
		if c.Priority != "" {
			prios = append(prios, classify.Example{Text: text, Label: c.Priority})
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("kb: read resolved cases: %w", err)
	}
	for _, m := range []struct {
		name string
		ex   []classify.Example
		slot *atomic.Pointer[classify.Model]
	}{{"category", cats, &s.category}, {"priority", prios, &s.priority}} {
		if distinctLabels(m.ex) < 2 {
			continue // nothing to tell apart yet
		}
		start := time.Now()
		// The classifier's own tokens (words, word pairs, Han bigrams), not
		// the search analyser's stems: on the it-tickets split they give
		// 0.867 accuracy against 0.857 (docs/kb-classify.md).
		model, err := classify.Train(ctx, m.ex, classify.Options{})
		if err != nil {
			return fmt.Errorf("kb: train %s: %w", m.name, err)
		}
		if err := s.saveModel(m.name, model); err != nil {
			return err
		}
		m.slot.Store(model)
		s.log.Info("kb model trained", "model", m.name, "examples", len(m.ex), "took", time.Since(start).Round(time.Millisecond))
	}
	return nil
}

func (s *Service) saveModel(name string, m *classify.Model) error {
	tmp := s.modelPath(name) + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("kb: save %s model: %w", name, err)
	}
	if err := m.Save(f); err != nil {
		f.Close()
		return fmt.Errorf("kb: save %s model: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("kb: save %s model: %w", name, err)
	}
	// Renamed into place so a crash never leaves half a model behind.
	if err := os.Rename(tmp, s.modelPath(name)); err != nil {
		return fmt.Errorf("kb: save %s model: %w", name, err)
	}
	return nil
}

func distinctLabels(ex []classify.Example) int {
	seen := map[string]bool{}
	for _, e := range ex {
		seen[e.Label] = true
	}
	return len(seen)
}

// Articles is the article store, for the review API.
func (s *Service) Articles() articles.Store { return s.arts }

// Search searches published articles (or resolved cases).
func (s *Service) Search(ctx context.Context, q index.SearchQuery) (*index.SearchResult, error) {
	return s.ix.Search(ctx, q)
}

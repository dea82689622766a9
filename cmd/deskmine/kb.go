package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/deskmine/deskmine/cmd/deskmine/pipeline"
	"github.com/deskmine/deskmine/ingest"
	"github.com/deskmine/deskmine/kb"
	"github.com/deskmine/deskmine/kb/articles"
	"github.com/deskmine/deskmine/kb/casebook"
	"github.com/deskmine/deskmine/kb/httpapi"
	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/api"
	"github.com/deskmine/deskmine/ticketcore/auth"
	"github.com/deskmine/deskmine/ticketcore/events"
)

// kbActor is who writes a predicted category when a rule applies it.
var kbActor = ticketcore.Actor{Name: "deskmine-kb", Role: "system"}

// articleSyncEvery is how often a process indexes article changes other
// processes made (its own changes are indexed at once).
const articleSyncEvery = 5 * time.Second

// kbParts is the knowledge base of one process and what it owns.
type kbParts struct {
	svc  *kb.Service
	book *casebook.Book
	arts articles.Store

	cancel  context.CancelFunc
	wg      sync.WaitGroup
	closers []func() error
}

// openKB opens the knowledge-base stores and service of the configuration.
func openKB(ctx context.Context, a *app) (*kbParts, error) {
	cfg := a.cfg
	dsn := cfg.KBDSN()
	book, err := casebook.Open(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("open kb case book: %w", err)
	}
	arts, err := articles.Open(ctx, dsn)
	if err != nil {
		book.Close()
		return nil, fmt.Errorf("open kb article store: %w", err)
	}
	o := kb.Options{Book: book, Articles: arts, IndexDir: cfg.KBIndexDir(), ModelDir: filepath.Join(cfg.Data, "kb", "models"),
		MinGroup: cfg.KB.MinGroup, RetrainEvery: cfg.KB.RetrainEvery, AutoApplyConfidence: cfg.KB.AutoApplyConfidence,
		Logger: a.log}
	if cfg.KB.AutoApplyConfidence > 0 {
		o.ApplyCategory = func(ctx context.Context, id, version int64, category string) error {
			reason := fmt.Sprintf("category predicted by the knowledge base (confidence at least %g)", cfg.KB.AutoApplyConfidence)
			_, err := a.svc.UpdateWithReason(ctx, kbActor, id, version, ticketcore.Patch{Category: &category}, events.SourceSystem, reason)
			if errors.Is(err, ticketcore.ErrConflict) {
				return nil // someone changed the ticket first; their word stands
			}
			return err
		}
	}
	svc, err := kb.New(ctx, o)
	if err != nil {
		arts.Close()
		book.Close()
		return nil, err
	}
	return &kbParts{svc: svc, book: book, arts: arts}, nil
}

// start runs, in the background, the consumer that feeds the case book and
// the index, the article sync and (every interval, when positive) the miner.
func (k *kbParts) start(ctx context.Context, a *app, reg prometheus.Registerer, mineEvery time.Duration) error {
	d := pipeline.Deps{Store: a.store, Registerer: reg, Logger: a.log}
	src, err := pipeline.NewSource(a.cfg, d, k.svc.ConsumerName())
	if err != nil {
		return err
	}
	k.closers = append(k.closers, src.Close)
	r, err := pipeline.NewConsumer(a.cfg, d, src, ingest.HandlerFunc(k.svc.Handle))
	if err != nil {
		return err
	}
	ctx, k.cancel = context.WithCancel(ctx)
	k.goRun(a, "kb consumer", r.Run, ctx)
	k.goRun(a, "kb article sync", func(ctx context.Context) error { return k.svc.RunArticleSync(ctx, articleSyncEvery) }, ctx)
	if mineEvery > 0 {
		k.goRun(a, "kb miner", func(ctx context.Context) error { return k.svc.RunMiner(ctx, mineEvery) }, ctx)
	}
	a.log.Info("knowledge base started", "consumer", k.svc.ConsumerName(), "index", a.cfg.KBIndexDir(), "mine_every", mineEvery)
	return nil
}

func (k *kbParts) goRun(a *app, name string, run func(context.Context) error, ctx context.Context) {
	k.wg.Add(1)
	go func() {
		defer k.wg.Done()
		if err := run(ctx); err != nil && ctx.Err() == nil {
			a.log.Error(name+" stopped", "err", err)
		}
	}()
}

// close stops the loops and closes the service and its stores.
func (k *kbParts) close() {
	if k.cancel != nil {
		k.cancel()
	}
	k.wg.Wait()
	for i := len(k.closers) - 1; i >= 0; i-- {
		k.closers[i]()
	}
	k.svc.Close()
	k.arts.Close()
	k.book.Close()
}

// catchUp feeds the case book and the index until the stream has nothing
// left for them.
func (k *kbParts) catchUp(ctx context.Context, a *app) error {
	d := pipeline.Deps{Store: a.store, Logger: a.log}
	src, err := pipeline.NewSource(a.cfg, d, k.svc.ConsumerName())
	if err != nil {
		return err
	}
	defer src.Close()
	return pipeline.RunHandlerUntilCaughtUp(ctx, a.cfg, d, src, ingest.HandlerFunc(k.svc.Handle))
}

// kbRoutes are the knowledge-base API's routes, for the ticket API to mount
// behind its login and role check.
func kbRoutes(k *kbParts, a *app) ([]api.ExtraRoute, error) {
	who := func(c echo.Context) (articles.Actor, bool) {
		u := api.CurrentUser(c)
		if u == nil {
			return articles.Actor{}, false
		}
		return articles.Actor{ID: u.ID, Login: u.Login, Role: string(u.Role)}, true
	}
	var out []api.ExtraRoute
	for _, r := range httpapi.Routes(httpapi.New(k.svc, who, a.log)) {
		roles := make([]auth.Role, len(r.Roles))
		for i, name := range r.Roles {
			roles[i] = auth.Role(name)
			if !slices.Contains(auth.Roles, roles[i]) {
				return nil, fmt.Errorf("kb route %s %s names unknown role %q", r.Method, r.Path, name)
			}
		}
		out = append(out, api.ExtraRoute{Method: r.Method, Path: r.Path, Roles: roles, Handler: r.Handler})
	}
	return out, nil
}

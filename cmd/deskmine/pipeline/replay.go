package pipeline

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/ingest"
	"github.com/deskmine/deskmine/internal/config"
)

// Replay rebuilds the analytics store from the start of the stream: it
// empties the store, then loads every event the transport still holds (the
// whole event log; on Kafka, the topic from its oldest message, through a
// consumer group of its own) and returns once it has caught up. The regular
// loader must not run meanwhile: it would apply events to a store being
// emptied.
func Replay(ctx context.Context, cfg config.Config, d Deps, an analytics.Store) error {
	if err := an.Reset(ctx); err != nil {
		return fmt.Errorf("replay: reset analytics store: %w", err)
	}
	name := LoaderName
	if cfg.UsesKafka() {
		// A fresh group starts at the oldest offset; the loader's own group
		// keeps its offsets, and what it applies again later is idempotent.
		name = fmt.Sprintf("%s-replay-%d", LoaderName, time.Now().UnixNano())
	} else if err := d.Store.SaveCursor(ctx, name, 0); err != nil {
		return fmt.Errorf("replay: rewind cursor: %w", err)
	}
	src, err := NewSource(cfg, d, name)
	if err != nil {
		return err
	}
	defer src.Close()
	// Whatever group reads for it, the rebuild is the loader's: what it
	// parks goes under LoaderName, where `deskmine ingest --dead-letters`
	// and --replay-dead look, and replaces the loader's letter for the same
	// place in the stream instead of adding a second one.
	return RunUntilCaughtUp(ctx, cfg, Deps{Store: d.Store, Logger: d.Logger}, renamed{Source: src, name: LoaderName}, an)
}

// renamed is a Source under another consumer name: the name its runner
// parks dead letters and labels metrics with, not its cursor or group.
type renamed struct {
	ingest.Source
	name string
}

func (r renamed) Name() string { return r.name }

// RunUntilCaughtUp runs a loader on src until a fetch comes back empty with
// nothing left to read (everything fetched was committed by then).
func RunUntilCaughtUp(ctx context.Context, cfg config.Config, d Deps, src ingest.Source, an analytics.Store) error {
	return RunHandlerUntilCaughtUp(ctx, cfg, d, src, ingest.HandlerFunc(an.Apply))
}

// RunHandlerUntilCaughtUp runs a consumer with handler h on src, as
// RunUntilCaughtUp does the loader.
func RunHandlerUntilCaughtUp(ctx context.Context, cfg config.Config, d Deps, src ingest.Source, h ingest.Handler) error {
	cu := &caughtUp{Source: src, done: make(chan struct{})}
	r, err := newRunner(cfg, d, cu, h)
	if err != nil {
		return err
	}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- r.Run(rctx) }()
	select {
	case <-cu.done:
		cancel()
		return <-errc
	case err := <-errc:
		if err == nil {
			err = ctx.Err()
		}
		return err
	}
}

// caughtUp is a Source that reports when a fetch found nothing and the
// stream has no lag left.
type caughtUp struct {
	ingest.Source
	once sync.Once
	done chan struct{}
}

func (c *caughtUp) Fetch(ctx context.Context, max int, wait time.Duration) ([]ingest.Message, error) {
	msgs, err := c.Source.Fetch(ctx, max, wait)
	if err == nil && len(msgs) == 0 {
		if lag, lerr := c.Source.Lag(ctx); lerr == nil && lag == 0 {
			c.once.Do(func() { close(c.done) })
		}
	}
	return msgs, err
}

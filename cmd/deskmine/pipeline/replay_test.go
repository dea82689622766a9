package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/deskmine/deskmine/analytics/storetest"
	"github.com/deskmine/deskmine/cmd/deskmine/pipeline"
	"github.com/deskmine/deskmine/ingest"
	"github.com/deskmine/deskmine/internal/config"
	"github.com/deskmine/deskmine/internal/testkafka"
)

// TestReplay: Replay rebuilds an analytics store from the start of the
// stream and answers what the live loader had answered: in place over the
// live store, over a store holding rows of another history, and into
// ClickHouse; through the event log and through Kafka. The live loader
// then resumes where it was.
func TestReplay(t *testing.T) {
	t.Parallel()
	for _, transport := range []string{"log", "kafka"} {
		t.Run(transport, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			dk, st := newDesk(t, sqlite(), 5)
			dk.fill(t, 200)
			cfg := logConfig()
			d := pipeline.Deps{Store: st, Logger: testLogger(t)}
			if transport == "kafka" {
				brokers, _ := testkafka.Start(t)
				cfg = kafkaConfig(brokers, "replay")
				cfg.Stream.Partitions = 3
				startRelay(t, cfg, d)
			}
			live := openDuckDB(t)
			loader := startLoader(t, cfg, d, pipeline.LoaderName, live)
			stopDesk := dk.busy(t, 2*time.Millisecond)
			waitFor(t, 20*time.Second, "500 changes in all, 300 of them while the loader runs", func() (bool, string) {
				n := dk.changes.Load()
				return n >= 500, fmt.Sprintf("%d changes", n)
			})
			stopDesk()
			want, evs := expectLog(t, st, nil)
			waitExact(t, live, want, 30*time.Second)
			loader.stop(t)
			liveResult := mustCheck(t, live)

			foreign := openDuckDB(t)
			if err := foreign.Apply(ctx, storetest.Generate(storetest.GenOptions{Seed: 3, Tickets: 50, FirstID: 1})); err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{"live store in place", "store with another history", "clickhouse"} {
				an := live
				switch name {
				case "store with another history":
					an = foreign
				case "clickhouse":
					an = openClickHouse(t)
				}
				rctx, cancel := context.WithTimeout(ctx, 60*time.Second)
				start := time.Now()
				err := pipeline.Replay(rctx, cfg, d, an)
				cancel()
				if err != nil {
					t.Fatalf("replay into the %s: %v", name, err)
				}
				t.Logf("replay of %d events into the %s: %s", len(evs), name, time.Since(start).Round(time.Millisecond))
				mustEqualResult(t, "replay into the "+name, mustCheck(t, an), liveResult)
				seenAll(t, an, evs)
			}
			if dl := deadLetters(t, st, pipeline.LoaderName); len(dl) != 0 {
				t.Errorf("%d dead letters; want none: %+v", len(dl), dl[0])
			}
			if lag := lagOf(t, cfg, st, pipeline.LoaderName); lag != 0 {
				t.Fatalf("loader lag %d after the replays; want 0", lag)
			}
			if transport == "log" {
				head, _ := st.LogHead(ctx)
				if c, err := st.Cursor(ctx, pipeline.LoaderName); err != nil || c != head {
					t.Fatalf("loader cursor %d (%v) after a replay; want the head %d", c, err, head)
				}
			}

			// The loader resumes after the rebuild with exactly the new events.
			resumed := &hookStore{Store: live}
			loader = startLoader(t, cfg, d, pipeline.LoaderName, resumed)
			before := dk.changes.Load()
			dk.fill(t, 100)
			want, _ = expectLog(t, st, nil)
			waitExact(t, live, want, 30*time.Second)
			loader.stop(t)
			if _, handled := resumed.snapshot(); int64(len(handled)) != dk.changes.Load()-before {
				t.Fatalf("the resumed loader handled %d events; %d were new", len(handled), dk.changes.Load()-before)
			}
		})
	}
}

// TestRunUntilCaughtUp: it returns once the stream is drained (at once on
// an empty log), keeps going while the stream has lag, and returns the
// context's error when that ends first.
func TestRunUntilCaughtUp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dk, st := newDesk(t, sqlite(), 6)
	cfg := logConfig()
	d := pipeline.Deps{Store: st, Logger: testLogger(t)}
	an := openDuckDB(t)

	src := mustSource(t, cfg, d, "until-caught-up")
	start := time.Now()
	if err := pipeline.RunUntilCaughtUp(ctx, cfg, d, src, an); err != nil {
		t.Fatalf("on an empty log: %v", err)
	}
	if el := time.Since(start); el > 10*time.Second {
		t.Fatalf("took %s on an empty log", el)
	}
	mustEqualResult(t, "empty log", mustCheck(t, an), storetest.Expect(nil))

	dk.fill(t, 120)
	cfg.Stream.BatchSize = 25 // several batches
	if err := pipeline.RunUntilCaughtUp(ctx, cfg, d, src, an); err != nil {
		t.Fatal(err)
	}
	want, _ := expectLog(t, st, nil)
	mustEqualResult(t, "after catching up", mustCheck(t, an), want)
	if lag := mustLag(t, src); lag != 0 {
		t.Fatalf("lag %d after catching up", lag)
	}

	// A source that always reports lag never catches up.
	lagging := &laggingSource{Source: mustSource(t, cfg, d, "never-caught-up")}
	tctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	err := pipeline.RunUntilCaughtUp(tctx, cfg, d, lagging, openDuckDB(t))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("with lag left: %v; want the context's deadline", err)
	}
}

func mustSource(t *testing.T, cfg config.Config, d pipeline.Deps, name string) ingest.Source {
	t.Helper()
	src, err := pipeline.NewSource(cfg, d, name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

// laggingSource reports lag forever.
type laggingSource struct{ ingest.Source }

func (laggingSource) Lag(context.Context) (int64, error) { return 1, nil }

package withstore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskmine/deskmine/ingest"
	"github.com/deskmine/deskmine/ingest/sourcetest"
	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/internal/testkafka"
	"github.com/deskmine/deskmine/ticketcore/events"
	"github.com/deskmine/deskmine/ticketcore/store"
)

// The store implements every interface the stream needs.
var (
	_ ingest.EventLog        = (*store.Store)(nil)
	_ ingest.CursorStore     = (*store.Store)(nil)
	_ ingest.LeaseStore      = (*store.Store)(nil)
	_ ingest.LogPruner       = (*store.Store)(nil)
	_ ingest.DeadLetterStore = (*store.Store)(nil)
)

func openStore(t *testing.T, dsn string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// appendLog writes events to the log as the outbox does (the payload
// without its seq, which the database assigns), or a raw payload when
// payload is set.
func appendLog(t testing.TB, st *store.Store, evs []*events.Event) {
	t.Helper()
	q := "INSERT INTO events (id, ticket_id, ticket_version, type, at, payload) VALUES (?, ?, ?, ?, ?, ?)"
	if st.Dialect() == "postgres" {
		q = "INSERT INTO events (id, ticket_id, ticket_version, type, at, payload) VALUES ($1, $2, $3, $4, $5, $6)"
	}
	for _, e := range evs {
		b, err := events.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.DB().Exec(q, e.ID, e.TicketID, e.TicketVersion, string(e.Type), e.At.UnixMicro(), string(b)); err != nil {
			t.Fatalf("append %s: %v", e.ID, err)
		}
	}
}

func TestLogSourceConformance(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			sourcetest.Run(t, func(t *testing.T) sourcetest.Stream {
				st := openStore(t, b.DSN(t))
				return sourcetest.Stream{
					GlobalOrder: true,
					Append:      func(t *testing.T, evs []*events.Event) { appendLog(t, st, evs) },
					Open: func(t *testing.T, name string) ingest.Source {
						src, err := ingest.NewLogSource(ingest.LogSourceConfig{Name: name, Log: st, Cursors: st})
						if err != nil {
							t.Fatal(err)
						}
						return src
					},
				}
			})
		})
	}
}

// TestTwoRelaysOnStore: two relay instances on one database publish while
// events are written; one stops halfway (and, on another round, the log is
// pruned behind them). Every event reaches Kafka, each ticket's in order,
// and the log keeps what the log consumer has not read.
func TestTwoRelaysOnStore(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			st := openStore(t, b.DSN(t))
			brokers, _ := testkafka.Start(t)
			const topic = "deskmine.ticket-events"
			if err := ingest.EnsureTopic(ctx, brokers, topic, 3); err != nil {
				t.Fatal(err)
			}
			evs := sourcetest.Events(300, 10)
			relays := make([]context.CancelFunc, 2)
			var wg sync.WaitGroup
			for i := range relays {
				sink, err := ingest.NewKafkaSink(ingest.KafkaSinkConfig{Brokers: brokers, Topic: topic})
				if err != nil {
					t.Fatal(err)
				}
				defer sink.Close()
				r, err := ingest.NewRelay(ingest.RelayConfig{Log: st, Cursors: st, Leases: st, Pruner: st, Sink: sink,
					Holder: fmt.Sprintf("relay-%d", i), LeaseTTL: time.Second, BatchSize: 16,
					Retention: time.Nanosecond, PruneInterval: time.Millisecond, LogConsumers: []string{"loader"}})
				if err != nil {
					t.Fatal(err)
				}
				rctx, cancel := context.WithCancel(ctx)
				relays[i] = cancel
				wg.Go(func() {
					if err := r.Run(rctx); err != nil {
						t.Error(err)
					}
				})
			}
			defer func() {
				for _, c := range relays {
					c()
				}
				wg.Wait()
			}()
			if err := st.SaveCursor(ctx, "loader", 100); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < len(evs); i += 30 {
				appendLog(t, st, evs[i:i+30])
				if i == 150 {
					relays[0]() // whichever is active, one goes away
				}
				time.Sleep(10 * time.Millisecond)
			}
			waitFor(t, "the relays to publish 300 events", func() bool {
				c, err := st.Cursor(ctx, "relay")
				return err == nil && c == 300
			})
			waitFor(t, "pruning up to the log consumer's cursor", func() bool {
				recs, err := st.ReadLog(ctx, 0, 1)
				return err == nil && len(recs) == 1 && recs[0].Seq == 101
			})

			src, err := ingest.NewKafkaSource(ingest.KafkaSourceConfig{Brokers: brokers, Topic: topic, Group: "check"})
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			last := map[int64]int64{}
			seen := map[string]bool{}
			for len(seen) < len(evs) {
				msgs, err := src.Fetch(ctx, 500, 5*time.Second)
				if err != nil || len(msgs) == 0 {
					t.Fatalf("fetch after %d distinct events: %d messages, %v", len(seen), len(msgs), err)
				}
				for _, m := range msgs {
					e, err := events.Unmarshal(m.Value)
					if err != nil {
						t.Fatal(err)
					}
					switch v := e.TicketVersion; {
					case v <= last[e.TicketID]: // a duplicate
					case v == last[e.TicketID]+1:
						last[e.TicketID] = v
					default:
						t.Fatalf("ticket %d: version %d after %d", e.TicketID, v, last[e.TicketID])
					}
					if e.Seq == 0 {
						t.Fatalf("event %s without its seq", e.ID)
					}
					seen[e.ID] = true
				}
			}
			for id, v := range last {
				if v != 30 {
					t.Errorf("ticket %d: up to version %d, want 30", id, v)
				}
			}
		})
	}
}

type handler struct {
	mu      sync.Mutex
	handled []string
	refuse  string
}

type refused struct{}

func (refused) Error() string   { return "refused" }
func (refused) Permanent() bool { return true }

func (h *handler) Handle(_ context.Context, evs []events.Event) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, e := range evs {
		if e.ID == h.refuse {
			return refused{}
		}
	}
	for _, e := range evs {
		h.handled = append(h.handled, e.ID)
	}
	return nil
}

// TestRunnerDeadLettersOnStore: the runner on the log parks into the
// store's dead letters and replays from there.
func TestRunnerDeadLettersOnStore(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			st := openStore(t, b.DSN(t))
			evs := sourcetest.Events(20, 4)
			appendLog(t, st, evs)
			h := &handler{refuse: evs[7].ID}
			src, err := ingest.NewLogSource(ingest.LogSourceConfig{Name: "loader", Log: st, Cursors: st})
			if err != nil {
				t.Fatal(err)
			}
			r, err := ingest.NewRunner(ingest.RunnerConfig{Source: src, Handler: h, DeadLetters: st, BatchSize: 100,
				FetchWait: 50 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			rctx, cancel := context.WithCancel(ctx)
			done := make(chan error, 1)
			go func() { done <- r.Run(rctx) }()
			waitFor(t, "the batch to be committed", func() bool { c, _ := st.Cursor(ctx, "loader"); return c == 20 })
			cancel()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			if len(h.handled) != 19 || slices.Contains(h.handled, evs[7].ID) {
				t.Fatalf("handled %d events", len(h.handled))
			}
			dead, err := st.DeadLetters(ctx, "loader", true, 10)
			if err != nil || len(dead) != 1 {
				t.Fatalf("dead letters = %+v, %v", dead, err)
			}
			if d := dead[0]; d.EventID != evs[7].ID || d.Offset != 8 || d.TicketID != evs[7].TicketID || !strings.Contains(d.Error, "refused") || d.Attempts != 5 {
				// Five failed calls held it: the batch of 20, then 10, 5, 3 and itself.
				t.Errorf("dead letter %s at %d: %d attempts, error %q; want %s at 8, 5 attempts", d.EventID, d.Offset, d.Attempts, d.Error, evs[7].ID)
			}
			h.refuse = ""
			res, err := r.ReplayDead(ctx)
			if err != nil || res.Replayed != 1 || res.Failed != 0 {
				t.Fatalf("replay = %+v, %v", res, err)
			}
			if dead, _ := st.DeadLetters(ctx, "loader", false, 10); len(dead) != 0 {
				t.Fatalf("unresolved after replay: %+v", dead)
			}
		})
	}
}

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

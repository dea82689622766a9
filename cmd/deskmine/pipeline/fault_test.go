package pipeline_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/analytics/storetest"
	"github.com/deskmine/deskmine/cmd/deskmine/pipeline"
	"github.com/deskmine/deskmine/internal/config"
	"github.com/deskmine/deskmine/internal/testch"
	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/internal/testkafka"
	"github.com/deskmine/deskmine/ticketcore/events"
	"github.com/deskmine/deskmine/ticketcore/store"
)

// The fault tests break one real component while tickets keep being
// written through the ticket core, then check that the analytics store
// ends with exactly what the log holds: nothing lost, nothing counted twice.

// TestBrokerDown: the Kafka broker is unreachable for about two seconds
// while the desk keeps writing; the relay and the loaders (into DuckDB and
// ClickHouse) recover on their own.
func TestBrokerDown(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	start := time.Now()
	dk, st := newDesk(t, sqlite(), 1)
	dk.fill(t, 100)
	brokers, kc := testkafka.Start(t)
	cfg := kafkaConfig(brokers, "broker-down")
	cfg.Stream.Partitions = 4
	d := pipeline.Deps{Store: st, Logger: testLogger(t)}
	duck, click := openDuckDB(t), openClickHouse(t)

	startRelay(t, cfg, d)
	startLoader(t, cfg, d, pipeline.LoaderName, duck)
	startLoader(t, cfg, d, pipeline.LoaderName+"-ch", click)
	stopDesk := dk.busy(t, 3*time.Millisecond)
	waitFor(t, 30*time.Second, "the first 100 events in both stores", func() (bool, string) {
		a, b := mustCheck(t, duck), mustCheck(t, click)
		return a.Events >= 100 && b.Events >= 100, fmt.Sprintf("duckdb %d, clickhouse %d events", a.Events, b.Events)
	})

	t.Logf("flowing after %s", time.Since(start).Round(time.Millisecond))
	kc.SetDown(true)
	downAt, downChanges := time.Now(), dk.changes.Load()
	waitFor(t, 20*time.Second, "two seconds and 100 changes with the broker down", func() (bool, string) {
		n := dk.changes.Load() - downChanges
		return time.Since(downAt) >= 2*time.Second && n >= 100, fmt.Sprintf("%d changes in %s", n, time.Since(downAt))
	})
	// Nothing can have been published since: the relay is behind the log.
	head, err := st.LogHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	relayed, err := st.Cursor(ctx, "relay")
	if err != nil {
		t.Fatal(err)
	}
	kc.SetDown(false)
	if relayed >= head {
		t.Fatalf("relay cursor %d reached the log head %d while the broker was down", relayed, head)
	}
	t.Logf("broker down for %s: %d changes written, relay %d events behind", time.Since(downAt).Round(time.Millisecond),
		dk.changes.Load()-downChanges, head-relayed)

	upChanges := dk.changes.Load()
	waitFor(t, 20*time.Second, "100 more changes with the broker back", func() (bool, string) {
		n := dk.changes.Load() - upChanges
		return n >= 100, fmt.Sprintf("%d changes", n)
	})
	stopDesk()
	stoppedAt := time.Now()
	want, evs := expectLog(t, st, nil)
	waitExact(t, duck, want, 60*time.Second)
	waitExact(t, click, want, 60*time.Second)
	t.Logf("both stores exact %s after the last change", time.Since(stoppedAt).Round(time.Millisecond))
	seenAll(t, duck, evs)
	seenAll(t, click, evs)
	for _, name := range []string{pipeline.LoaderName, pipeline.LoaderName + "-ch"} {
		if lag := lagOf(t, cfg, st, name); lag != 0 {
			t.Errorf("%s: lag %d; want 0", name, lag)
		}
		if dl := deadLetters(t, st, name); len(dl) != 0 {
			t.Errorf("%s: %d dead letters; want none: %+v", name, len(dl), dl[0])
		}
	}
	t.Logf("%d events in the log, %d messages in the topic", len(evs), topicMessages(t, brokers, cfg.Stream.Topic))
}

// TestClickHouseKilled: a private ClickHouse server is killed (SIGKILL)
// in the middle of a batch, after the batch's event rows are in and before
// its latest-ticket rows (the watermark) are written; the desk keeps
// writing; the server is started again. The loader retries the cut batch,
// and the store's FINAL reads collapse the rows written twice.
func TestClickHouseKilled(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("-short: starts a clickhouse-server of its own")
	}
	ctx := context.Background()
	srv := testch.StartPrivate(t)
	dk, st := newDesk(t, sqlite(), 2)
	dk.fill(t, 3000) // a backlog, so that the first batches are large
	dsn := srv.DSN("deskmine")
	an := &hookStore{Store: openAnalytics(t, dsn), entered: make(chan int, 1), gate: make(chan struct{}), at: 3}
	cfg := logConfig()
	cfg.Stream.BatchSize = 1000
	d := pipeline.Deps{Store: st, Logger: testLogger(t)}
	loader := startLoader(t, cfg, d, pipeline.LoaderName, an)
	stopDesk := dk.busy(t, 2*time.Millisecond)

	select {
	case <-an.entered:
	case <-time.After(30 * time.Second):
		t.Fatal("the loader did not reach its third batch within 30s")
	}
	// The third batch is held before it touches the store. A view that
	// sleeps on every insert into intervals keeps the batch in flight for
	// three seconds once its event rows are written, so that the kill
	// lands between them and the watermark whatever the machine's speed.
	conn := chConn(t, dsn)
	if err := conn.Exec(ctx, "CREATE MATERIALIZED VIEW slow_intervals ENGINE = Null AS SELECT sleep(3) AS s FROM intervals"); err != nil {
		t.Fatal(err)
	}
	before := chCount(t, conn, "events")
	close(an.gate)
	written := before
	for deadline := time.Now().Add(10 * time.Second); written == before && time.Now().Before(deadline); {
		written = chCount(t, conn, "events")
	}
	srv.Kill()
	killedAt := time.Now()
	if written == before {
		t.Fatalf("the third batch wrote no event rows within 10s (apply returned %v)", an.errAt(3))
	}
	downChanges := dk.changes.Load()
	waitFor(t, 30*time.Second, "the loader to retry against the dead server while 100 changes are written", func() (bool, string) {
		n, c := metric(loader.reg, "deskmine_ingest_retries_total"), dk.changes.Load()-downChanges
		return n >= 2 && c >= 100, fmt.Sprintf("%v retries, %d changes", n, c)
	})
	if err := an.errAt(3); err == nil || analytics.IsPermanent(err) {
		t.Fatalf("the batch in flight at the kill returned %v; want a transient error", err)
	}
	t.Logf("killed in batch 3 (%d events) after %d event rows were written; its apply returned: %v",
		an.sizeAt(3), written-before, an.errAt(3))

	// Hold the retries while the server comes back, to look at what the
	// kill left: the batch's event rows without its watermark.
	held := an.holdCalls()
	select {
	case <-held:
	case <-time.After(30 * time.Second):
		t.Fatal("the loader did not retry within 30s")
	}
	srv.Start()
	t.Logf("server down for %s", time.Since(killedAt).Round(time.Millisecond))
	conn = chConn(t, dsn)
	if err := conn.Exec(ctx, "DROP TABLE slow_intervals"); err != nil {
		t.Fatal(err)
	}
	cut := an.batch(3)
	var minSeq, maxSeq int64 = cut[0].Seq, cut[0].Seq
	last := map[int64]int64{}
	for _, e := range cut {
		minSeq, maxSeq = min(minSeq, e.Seq), max(maxSeq, e.Seq)
		last[e.TicketID] = max(last[e.TicketID], e.TicketVersion)
	}
	var rows uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM events FINAL WHERE seq BETWEEN ? AND ?", minSeq, maxSeq).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if int(rows) != len(cut) {
		t.Fatalf("%d event rows of the cut batch's %d are stored", rows, len(cut))
	}
	for id, v := range last {
		if ok, err := an.Seen(ctx, id, v); err != nil || ok {
			t.Fatalf("seen(%d, %d) = %v, %v after the cut; the watermark must not have been written", id, v, ok, err)
		}
	}
	an.release()

	more := dk.changes.Load()
	waitFor(t, 20*time.Second, "100 more changes after the restart", func() (bool, string) {
		return dk.changes.Load()-more >= 100, fmt.Sprintf("%d", dk.changes.Load()-more)
	})
	stopDesk()
	want, evs := expectLog(t, st, nil)
	waitExact(t, an, want, 60*time.Second)
	seenAll(t, an, evs)
	loader.stop(t)
	if lag := lagOf(t, cfg, st, pipeline.LoaderName); lag != 0 {
		t.Errorf("lag %d; want 0", lag)
	}
	if lag := metric(loader.reg, "deskmine_ingest_lag"); lag != 0 {
		t.Errorf("lag gauge %v at stop; want 0", lag)
	}
	if dl := deadLetters(t, st, pipeline.LoaderName); len(dl) != 0 {
		t.Errorf("%d dead letters; want none: %+v", len(dl), dl[0])
	}
	// The desk writes known event types only: one events row each, once
	// read with FINAL.
	t.Logf("events table: %d rows without FINAL (duplicates not merged yet included), %d with it", chCount(t, conn, "events"), want.Events)
}

func chConn(t *testing.T, dsn string) driver.Conn {
	t.Helper()
	opts, err := ch.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := ch.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// chCount counts the rows of a ClickHouse table without FINAL; -1 when
// the server does not answer.
func chCount(t *testing.T, conn driver.Conn, table string) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var n uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM "+table).Scan(&n); err != nil {
		return -1
	}
	return int64(n)
}

// hookStore wraps an analytics store: it records each Apply call and lets
// a test act while call number at is in flight (entered receives it), or
// hold every call for a while.
type hookStore struct {
	analytics.Store
	at      int
	entered chan int
	gate    chan struct{} // when set, call at waits for it to close

	mu      sync.Mutex
	calls   int
	batches map[int][]events.Event
	errs    map[int]error
	handled []events.Event // events of the calls that succeeded
	hold    chan struct{}  // when set, calls wait for it to close before touching the store
	held    chan int       // told of each call that waits
}

func (h *hookStore) Apply(ctx context.Context, evs []events.Event) error {
	h.mu.Lock()
	h.calls++
	n := h.calls
	if h.batches == nil {
		h.batches, h.errs = map[int][]events.Event{}, map[int]error{}
	}
	h.batches[n] = slices.Clone(evs)
	hold, held := h.hold, h.held
	h.mu.Unlock()
	if n == h.at && h.entered != nil {
		h.entered <- n
		if h.gate != nil {
			<-h.gate
		}
	}
	if hold != nil {
		select {
		case held <- n:
		default:
		}
		<-hold
	}
	err := h.Store.Apply(ctx, evs)
	h.mu.Lock()
	h.errs[n] = err
	if err == nil {
		h.handled = append(h.handled, evs...)
	}
	h.mu.Unlock()
	return err
}

func (h *hookStore) sizeAt(n int) int { return len(h.batch(n)) }

func (h *hookStore) batch(n int) []events.Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.batches[n]
}

// holdCalls makes the calls from now on wait until release; the channel
// tells of each call that waits.
func (h *hookStore) holdCalls() <-chan int {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.hold, h.held = make(chan struct{}), make(chan int, 1)
	return h.held
}

func (h *hookStore) release() {
	h.mu.Lock()
	defer h.mu.Unlock()
	close(h.hold)
	h.hold, h.held = nil, nil
}

func (h *hookStore) errAt(n int) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.errs[n]
}

func (h *hookStore) snapshot() (calls int, handled []events.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.calls, slices.Clone(h.handled)
}

// TestRelayAndLoaderRestarts: relays and loaders are cancelled at random
// points, several times, while the desk keeps writing, and new instances
// take over on the same ticket store, broker and analytics stores. For a
// while two relays run at once: only the lease holder publishes, and the
// other takes over when it stops. A loader on the event log is restarted
// alongside. Both analytics stores end exact.
func TestRelayAndLoaderRestarts(t *testing.T) {
	t.Parallel()
	for i, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			seed := uint64(time.Now().UnixNano())
			t.Logf("seed %d", seed)

			r := rand.New(rand.NewPCG(seed, 7))
			dk, st := newDesk(t, b, uint64(i)+10)
			dk.fill(t, 50)
			brokers, _ := testkafka.Start(t)
			kcfg := kafkaConfig(brokers, "restarts")
			kcfg.Stream.Partitions = 4
			lcfg := logConfig()
			d := pipeline.Deps{Store: st, Logger: testLogger(t)}
			viaKafka, viaLog := openDuckDB(t), openDuckDB(t)
			const logLoader = "log-loader"
			stopDesk := dk.busy(t, 3*time.Millisecond)

			var relays []*relayLoop
			progress := func(what string) {
				a0, b0 := mustCheck(t, viaKafka).Events, mustCheck(t, viaLog).Events
				waitFor(t, 30*time.Second, what, func() (bool, string) {
					a, b := mustCheck(t, viaKafka).Events, mustCheck(t, viaLog).Events
					return a > a0 && b > b0, fmt.Sprintf("kafka store %d (from %d), log store %d (from %d) events", a, a0, b, b0)
				})
			}
			for round := range 4 {
				two := round%2 == 1
				rs := []*relayLoop{startRelay(t, kcfg, d)}
				if two {
					rs = append(rs, startRelay(t, kcfg, d))
				}
				relays = append(relays, rs...)
				lk := startLoader(t, kcfg, d, pipeline.LoaderName, viaKafka)
				ll := startLoader(t, lcfg, d, logLoader, viaLog)
				progress(fmt.Sprintf("round %d: progress in both stores", round))
				if two {
					leader, follower := leaderOf(t, rs)
					// While both run, only the lease holder publishes.
					published := follower.published()
					for range 10 {
						if follower.active() || follower.published() != published {
							t.Fatalf("round %d: the relay without the lease is active or publishing", round)
						}
						if !leader.active() {
							t.Fatalf("round %d: the lease holder lost the lease while running", round)
						}
						time.Sleep(20 * time.Millisecond)
					}
					leader.stop(t)
					waitFor(t, 10*time.Second, "the other relay to take over and publish", func() (bool, string) {
						return follower.active() && follower.published() > published,
							fmt.Sprintf("active %v, published %v", follower.active(), follower.published())
					})
				}
				// A random point in the stream.
				time.Sleep(time.Duration(50+r.IntN(400)) * time.Millisecond)
				stops := []func(testing.TB){lk.stop, ll.stop}
				for _, rl := range rs {
					stops = append(stops, rl.stop)
				}
				r.Shuffle(len(stops), func(i, j int) { stops[i], stops[j] = stops[j], stops[i] })
				for _, stop := range stops {
					stop(t)
				}
				// However abruptly a relay stopped, it gave the lease up: the
				// next instance must not wait out the lease's ttl.
				var held int
				if err := st.DB().QueryRow("SELECT COUNT(*) FROM stream_leases").Scan(&held); err != nil || held != 0 {
					t.Fatalf("round %d: %d leases held after every relay stopped (%v)", round, held, err)
				}
			}
			stopDesk()

			rs := startRelay(t, kcfg, d)
			relays = append(relays, rs)
			lk := startLoader(t, kcfg, d, pipeline.LoaderName, viaKafka)
			ll := startLoader(t, lcfg, d, logLoader, viaLog)
			want, evs := expectLog(t, st, nil)
			waitExact(t, viaLog, want, 60*time.Second)
			waitExact(t, viaKafka, want, 60*time.Second)
			seenAll(t, viaKafka, evs)
			seenAll(t, viaLog, evs)
			lk.stop(t)
			ll.stop(t)
			rs.stop(t)
			if a, b := metric(lk.reg, "deskmine_ingest_lag"), metric(ll.reg, "deskmine_ingest_lag"); a != 0 || b != 0 {
				t.Errorf("lag gauges %v (kafka) and %v (log) at stop; want 0", a, b)
			}
			for _, c := range []struct {
				cfg  config.Config
				name string
			}{{kcfg, pipeline.LoaderName}, {lcfg, logLoader}} {
				if lag := lagOf(t, c.cfg, st, c.name); lag != 0 {
					t.Errorf("%s: lag %d; want 0", c.name, lag)
				}
				if dl := deadLetters(t, st, c.name); len(dl) != 0 {
					t.Errorf("%s: %d dead letters; want none: %+v", c.name, len(dl), dl[0])
				}
			}
			var published float64
			for _, rl := range relays {
				published += rl.published()
			}
			msgs := topicMessages(t, brokers, kcfg.Stream.Topic)
			if int(published) < len(evs) || int(msgs) < len(evs) {
				t.Errorf("relays published %v events, topic holds %d; the log has %d", published, msgs, len(evs))
			}
			t.Logf("%d events through %d relay and 10 loader instances; %d published twice", len(evs), len(relays), msgs-int64(len(evs)))
		})
	}
}

// leaderOf waits until one of two relays holds the lease and returns it first.
func leaderOf(t *testing.T, rs []*relayLoop) (leader, follower *relayLoop) {
	t.Helper()
	waitFor(t, 10*time.Second, "one of two relays to hold the lease", func() (bool, string) {
		a, b := rs[0].active(), rs[1].active()
		if a && b {
			t.Fatalf("both relays hold the lease")
		}
		return a || b, "neither is active"
	})
	if rs[0].active() {
		return rs[0], rs[1]
	}
	return rs[1], rs[0]
}

// poison are two events no loader can store: a valid event dated 1900
// (outside what analytics stores hold) and a payload of broken JSON.
const (
	poisonOldID     = "0190a000-0000-7000-8000-000000001900"
	poisonOldTicket = 900001
	poisonBadTicket = 900002
	poisonBad       = `{"schema_version":1,"id":"broken","ticket_id":900002,"ticket_version":1,"type":"ticket.cre`
)

func poisonOld() *events.Event {
	at := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	return &events.Event{SchemaVersion: 1, ID: poisonOldID, TicketID: poisonOldTicket, TicketVersion: 1,
		Type: events.TicketCreated, At: at, RecordedAt: time.Now().UTC(), Actor: events.Actor{Name: "importer"},
		Source: events.SourceImport, Changes: []events.Change{},
		Ticket: events.Ticket{ID: poisonOldTicket, Version: 1, Subject: "from the archive", Type: "question",
			Channel: "api", Urgency: "low", Priority: "P4", Status: "new", Tags: []string{}, CustomFields: map[string]any{},
			CreatedAt: at, UpdatedAt: at}}
}

// appendRaw writes a record into the event log as the outbox would, with
// any payload.
func appendRaw(t testing.TB, st *store.Store, id string, ticketID int64, typ string, payload []byte) int64 {
	t.Helper()
	q := "INSERT INTO events (id, ticket_id, ticket_version, type, at, payload) VALUES (?, ?, ?, ?, ?, ?)"
	if st.Dialect() == "postgres" {
		q = "INSERT INTO events (id, ticket_id, ticket_version, type, at, payload) VALUES ($1, $2, $3, $4, $5, $6)"
	}
	if _, err := st.DB().Exec(q, id, ticketID, 1, typ, time.Now().UnixMicro(), string(payload)); err != nil {
		t.Fatalf("append %s: %v", id, err)
	}
	head, err := st.LogHead(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return head
}

// TestPoisonEvents: two events that can never be stored are parked as the
// loader's dead letters, with their errors, while every other event is
// loaded, through the event log and through Kafka. Replaying the dead
// letters fails again (attempts grow), a full Replay parks them again under
// the loader's name, and the lag ends at 0.
func TestPoisonEvents(t *testing.T) {
	t.Parallel()
	for _, transport := range []string{"log", "kafka"} {
		t.Run(transport, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			dk, st := newDesk(t, sqlite(), 3)
			dk.fill(t, 150)
			old, err := events.Marshal(poisonOld())
			if err != nil {
				t.Fatal(err)
			}
			oldSeq := appendRaw(t, st, poisonOldID, poisonOldTicket, string(events.TicketCreated), old)
			dk.fill(t, 100)
			badSeq := appendRaw(t, st, "broken", poisonBadTicket, "ticket.created", []byte(poisonBad))
			dk.fill(t, 100)

			cfg := logConfig()
			cfg.Stream.BatchSize = 64 // several batches, each poison event in one of them
			d := pipeline.Deps{Store: st, Logger: testLogger(t)}
			if transport == "kafka" {
				brokers, _ := testkafka.Start(t)
				cfg.Stream.KafkaBrokers = brokers
				cfg.Stream.Partitions = 3
				startRelay(t, cfg, d)
			}
			an := openDuckDB(t)
			loader := startLoader(t, cfg, d, pipeline.LoaderName, an)
			skip := map[string]bool{poisonOldID: true, poisonBad: true}
			want, evs := expectLog(t, st, skip)
			waitExact(t, an, want, 60*time.Second)
			seenAll(t, an, evs)
			waitFor(t, 10*time.Second, "lag 0", func() (bool, string) {
				lag := lagOf(t, cfg, st, pipeline.LoaderName)
				return lag == 0, fmt.Sprintf("lag %d", lag)
			})

			dl := checkPoisonLetters(t, st, transport, oldSeq, badSeq)
			attempts := map[int64]int{}
			for _, l := range dl {
				attempts[l.TicketID] = l.Attempts
			}
			// Replaying cannot help: both fail again, with their errors, and
			// their attempts grow by one per replay.
			for i := 1; i <= 2; i++ {
				res, err := loader.r.ReplayDead(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if res.Replayed != 0 || res.Failed != 2 {
					t.Fatalf("replay %d: %+v; want 2 failed", i, res)
				}
				for _, l := range checkPoisonLetters(t, st, transport, oldSeq, badSeq) {
					if l.Attempts != attempts[l.TicketID]+i {
						t.Errorf("replay %d: letter %d has %d attempts; want %d", i, l.ID, l.Attempts, attempts[l.TicketID]+i)
					}
				}
			}
			mustEqualResult(t, "after replaying dead letters", mustCheck(t, an), want)
			loader.stop(t)
			if lag := metric(loader.reg, "deskmine_ingest_lag"); lag != 0 {
				t.Errorf("lag gauge %v at stop; want 0", lag)
			}
			if n := metric(loader.reg, "deskmine_ingest_parked_total"); n != 2 {
				t.Errorf("parked counter %v; want 2", n)
			}

			// A rebuild meets them again and parks them under the loader's
			// name, where `deskmine ingest --dead-letters` looks.
			rctx, cancel := context.WithTimeout(ctx, 60*time.Second)
			defer cancel()
			if err := pipeline.Replay(rctx, cfg, d, an); err != nil {
				t.Fatalf("replay: %v", err)
			}
			mustEqualResult(t, "after a rebuild", mustCheck(t, an), want)
			checkPoisonLetters(t, st, transport, oldSeq, badSeq)
			if got := countBy(t, st, "SELECT consumer, COUNT(*) FROM dead_letters GROUP BY consumer"); len(got) != 1 || got[pipeline.LoaderName] != 2 {
				t.Errorf("dead letters per consumer after a rebuild: %v; want only %s: 2", got, pipeline.LoaderName)
			}
		})
	}
}

// checkPoisonLetters checks that the loader's unresolved dead letters are
// exactly the two poison events, with their errors, and returns them.
func checkPoisonLetters(t *testing.T, st *store.Store, transport string, oldSeq, badSeq int64) []events.DeadLetter {
	t.Helper()
	dl := deadLetters(t, st, pipeline.LoaderName)
	if len(dl) != 2 {
		t.Fatalf("%d dead letters; want the 2 poison events: %+v", len(dl), dl)
	}
	var sawOld, sawBad bool
	for _, l := range dl {
		if l.ReplayedAt != nil || l.Attempts < 1 || l.Consumer != pipeline.LoaderName {
			t.Errorf("letter %d: replayed %v, attempts %d, consumer %s", l.ID, l.ReplayedAt, l.Attempts, l.Consumer)
		}
		switch l.TicketID {
		case poisonOldTicket:
			sawOld = true
			var e events.Event
			if err := json.Unmarshal(l.Payload, &e); err != nil || e.ID != poisonOldID || l.EventID != poisonOldID {
				t.Errorf("old event's letter: event id %q, payload %s (%v)", l.EventID, l.Payload, err)
			}
			if !strings.Contains(l.Error, "event "+poisonOldID+" cannot be stored") || !strings.Contains(l.Error, "at 1900-01-01T00:00:00Z is outside 1970..2105") {
				t.Errorf("old event's error: %q", l.Error)
			}
			if transport == "log" && (l.Offset != oldSeq || l.Partition != 0) {
				t.Errorf("old event parked at %d/%d; want 0/%d", l.Partition, l.Offset, oldSeq)
			}
		case poisonBadTicket:
			sawBad = true
			if string(l.Payload) != poisonBad || l.EventID != "" {
				t.Errorf("broken event's letter: event id %q, payload %q", l.EventID, l.Payload)
			}
			if !strings.HasPrefix(l.Error, "unmarshal event: unexpected end of JSON input") {
				t.Errorf("broken event's error: %q", l.Error)
			}
			if transport == "log" && (l.Offset != badSeq || l.Partition != 0) {
				t.Errorf("broken event parked at %d/%d; want 0/%d", l.Partition, l.Offset, badSeq)
			}
		default:
			t.Errorf("unexpected dead letter of ticket %d: %s", l.TicketID, l.Error)
		}
	}
	if !sawOld || !sawBad {
		t.Fatalf("dead letters %+v; want one per poison event", dl)
	}
	return dl
}

// TestLoaderShutdownCommits: a loader cancelled while it holds a batch
// still applies and commits that batch (the commit is the last handled
// event) and fetches nothing more; a new loader resumes right after it,
// so that nothing is lost or handed over twice.
func TestLoaderShutdownCommits(t *testing.T) {
	t.Parallel()
	for _, transport := range []string{"log", "kafka"} {
		t.Run(transport, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			dk, st := newDesk(t, sqlite(), 4)
			dk.fill(t, 400)
			cfg := logConfig()
			cfg.Stream.BatchSize = 50
			d := pipeline.Deps{Store: st, Logger: testLogger(t)}
			if transport == "kafka" {
				brokers, _ := testkafka.Start(t)
				cfg.Stream.KafkaBrokers = brokers
				cfg.Stream.Partitions = 3
				rl := startRelay(t, cfg, d)
				waitRelayCaughtUp(t, st, 30*time.Second)
				rl.stop(t)
			}
			want, all := expectLog(t, st, nil)
			an := openDuckDB(t)
			first := &hookStore{Store: an, at: 3, entered: make(chan int, 1), gate: make(chan struct{})}
			loader := startLoader(t, cfg, d, pipeline.LoaderName, first)
			select {
			case <-first.entered:
			case <-time.After(30 * time.Second):
				t.Fatal("the loader did not reach its third batch within 30s")
			}
			loader.cancel() // a stop while the third batch is being handled
			close(first.gate)
			loader.stop(t)
			calls, handled := first.snapshot()
			if calls != 3 || len(handled) == 0 {
				t.Fatalf("after the stop: %d apply calls, %d events handled; want 3 calls", calls, len(handled))
			}
			mustEqualResult(t, "after the stop", mustCheck(t, an), storetest.Expect(handled))
			lag := lagOf(t, cfg, st, pipeline.LoaderName)
			if want := int64(len(all) - len(handled)); lag != want {
				t.Fatalf("lag %d after the stop; want %d (%d events, %d handled)", lag, want, len(all), len(handled))
			}
			if transport == "log" {
				cursor, err := st.Cursor(ctx, pipeline.LoaderName)
				if err != nil {
					t.Fatal(err)
				}
				if last := handled[len(handled)-1].Seq; cursor != last {
					t.Fatalf("cursor %d after the stop; want %d, the last event handled", cursor, last)
				}
			}

			// The next loader hands over exactly the rest.
			second := &hookStore{Store: an}
			loader = startLoader(t, cfg, d, pipeline.LoaderName, second)
			waitExact(t, an, want, 30*time.Second)
			loader.stop(t)
			_, rest := second.snapshot()
			ids := map[string]bool{}
			for _, e := range append(handled, rest...) {
				if ids[e.ID] {
					t.Fatalf("event %s (ticket %d v%d) handed over twice", e.ID, e.TicketID, e.TicketVersion)
				}
				ids[e.ID] = true
			}
			if len(ids) != len(all) {
				t.Fatalf("%d distinct events handed over; the log has %d", len(ids), len(all))
			}
		})
	}
}

package pipeline_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/deskmine/deskmine/analytics/clickhouse"
	"github.com/deskmine/deskmine/analytics/duckdb"
	"github.com/deskmine/deskmine/cmd/deskmine/pipeline"
	"github.com/deskmine/deskmine/ingest"
	"github.com/deskmine/deskmine/internal/testch"
	"github.com/deskmine/deskmine/internal/testkafka"
)

// TestOpenAnalytics: a clickhouse:// DSN opens ClickHouse, anything else a
// DuckDB file; an unreachable server is an error, not a hang.
func TestOpenAnalytics(t *testing.T) {
	t.Parallel()
	if _, ok := openDuckDB(t).(*duckdb.Store); !ok {
		t.Error("a file path did not open DuckDB")
	}
	if _, ok := openAnalytics(t, testch.DSN(t)).(*clickhouse.Store); !ok {
		t.Error("a clickhouse:// DSN did not open ClickHouse")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if an, err := pipeline.OpenAnalytics(ctx, "clickhouse://127.0.0.1:1/nothing?dial_timeout=1s"); err == nil {
		an.Close()
		t.Error("opening ClickHouse on a closed port succeeded")
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if an, err := pipeline.OpenAnalytics(ctx, filepath.Join(file, "a.duckdb")); err == nil {
		an.Close()
		t.Error("opening DuckDB below a file succeeded")
	}
}

// TestNewSource: without brokers a consumer reads the event log under its
// own cursor; with them it reads the configured topic in its own group.
func TestNewSource(t *testing.T) {
	t.Parallel()
	dk, st := newDesk(t, sqlite(), 7)
	dk.fill(t, 30)
	d := pipeline.Deps{Store: st, Logger: testLogger(t)}

	lcfg := logConfig()
	src := mustSource(t, lcfg, d, "reader")
	if _, ok := src.(*ingest.LogSource); !ok || src.Name() != "reader" {
		t.Fatalf("log config: source %T named %q", src, src.Name())
	}
	if lag := mustLag(t, src); lag != 30 {
		t.Fatalf("log source lag %d; want 30", lag)
	}

	brokers, _ := testkafka.Start(t)
	kcfg := kafkaConfig(brokers, "source")
	kcfg.Stream.Partitions = 2
	rl := startRelay(t, kcfg, d)
	waitRelayCaughtUp(t, st, 20*time.Second)
	rl.stop(t)
	ksrc := mustSource(t, kcfg, d, "group-a")
	if _, ok := ksrc.(*ingest.KafkaSource); !ok || ksrc.Name() != "group-a" {
		t.Fatalf("kafka config: source %T named %q", ksrc, ksrc.Name())
	}
	if lag := mustLag(t, ksrc); lag != 30 {
		t.Fatalf("kafka source lag %d on topic %s; want 30", lag, kcfg.Stream.Topic)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var got int
	for got < 30 {
		msgs, err := ksrc.Fetch(ctx, 100, time.Second)
		if err != nil {
			t.Fatalf("fetch after %d: %v", got, err)
		}
		got += len(msgs)
	}
	if got != 30 {
		t.Fatalf("fetched %d messages; want 30", got)
	}
}

// TestNewLoader: the loader takes its batch size from the configuration,
// registers its metrics under its consumer name and feeds the store.
func TestNewLoader(t *testing.T) {
	t.Parallel()
	dk, st := newDesk(t, sqlite(), 8)
	dk.fill(t, 100)
	cfg := logConfig()
	cfg.Stream.BatchSize = 7
	cfg.Stream.BatchWait = 10 * time.Millisecond
	d := pipeline.Deps{Store: st, Logger: testLogger(t)}
	an := &hookStore{Store: openDuckDB(t)}
	l := startLoader(t, cfg, d, "small-batches", an)
	want, _ := expectLog(t, st, nil)
	waitExact(t, an, want, 30*time.Second)
	l.stop(t)
	calls, handled := an.snapshot()
	if len(handled) != 100 || calls < 100/7 {
		t.Fatalf("%d events in %d calls; want 100 in at least %d", len(handled), calls, 100/7+1)
	}
	for i := 1; i <= calls; i++ {
		if n := an.sizeAt(i); n > 7 {
			t.Fatalf("call %d had %d events; batch size is 7", i, n)
		}
	}
	if n := metric(l.reg, "deskmine_ingest_handled_total"); n != 100 {
		t.Errorf("handled counter %v; want 100", n)
	}
	mfs, err := l.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			labels := fmt.Sprint(m.GetLabel())
			if !strings.Contains(labels, `"consumer"`) || !strings.Contains(labels, `"small-batches"`) {
				t.Errorf("%s is not labelled with the consumer: %s", mf.GetName(), labels)
			}
		}
	}
	// A second loader of the same name on the same registry is refused.
	reg := prometheus.NewRegistry()
	d.Registerer = reg
	for i := range 2 {
		_, err := pipeline.NewLoader(cfg, d, mustSource(t, cfg, d, "twice"), an)
		if (err != nil) != (i == 1) {
			t.Fatalf("loader %d on one registry: %v", i, err)
		}
	}
}

// TestNewRelay: the relay needs brokers, creates its topic with the
// configured partitions, and prunes the log only behind every log
// consumer when a retention is set.
func TestNewRelay(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dk, st := newDesk(t, sqlite(), 9)
	d := pipeline.Deps{Store: st, Logger: testLogger(t)}
	if _, err := pipeline.NewRelay(ctx, logConfig(), d); err == nil || !strings.Contains(err.Error(), "stream.kafka_brokers") {
		t.Fatalf("relay without brokers: %v", err)
	}
	brokers, _ := testkafka.Start(t)
	cfg := kafkaConfig(brokers, "relay")
	cfg.Stream.Partitions = 5
	if _, err := pipeline.NewRelay(ctx, cfg, d, "relay"); err == nil {
		t.Fatal("a log consumer named like the relay's cursor was accepted")
	}

	dk.fill(t, 40)
	if err := st.SaveCursor(ctx, "slow-reader", 10); err != nil {
		t.Fatal(err)
	}
	cfg.Stream.OutboxRetention = time.Nanosecond
	reg := prometheus.NewRegistry()
	d.Registerer = reg
	r, err := pipeline.NewRelay(ctx, cfg, d, "slow-reader")
	if err != nil {
		t.Fatal(err)
	}
	if n := partitionCount(t, brokers, cfg.Stream.Topic); n != 5 {
		t.Fatalf("topic %s has %d partitions; want the configured 5", cfg.Stream.Topic, n)
	}
	l := startLoop(t, "relay", func(ctx context.Context) error { err := r.Run(ctx); r.Close(); return err })
	waitRelayCaughtUp(t, st, 20*time.Second)
	waitFor(t, 10*time.Second, "the relay to prune what the slow reader has read", func() (bool, string) {
		return metric(reg, "deskmine_relay_pruned_total") == 10, fmt.Sprintf("%v pruned", metric(reg, "deskmine_relay_pruned_total"))
	})
	l.stop(t)
	recs, err := pipeline.ReadAll(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 30 || recs[0].Seq != 11 {
		t.Fatalf("log holds %d events from seq %d; want 30 from 11", len(recs), recs[0].Seq)
	}
	if n := topicMessages(t, brokers, cfg.Stream.Topic); n != 40 {
		t.Fatalf("topic holds %d messages; want 40", n)
	}
}

// Package pipeline wires the change stream to its consumers: which transport
// a consumer reads (the store's event log, or Kafka through the relay), which
// analytics store the loader writes, and the loops that run them. It is
// cmd/deskmine's wiring, kept in a package so that the end-to-end tests and
// the pipeline benchmark run exactly what the binary runs.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/analytics/clickhouse"
	"github.com/deskmine/deskmine/analytics/duckdb"
	"github.com/deskmine/deskmine/ingest"
	"github.com/deskmine/deskmine/internal/config"
	"github.com/deskmine/deskmine/ticketcore/store"
)

// LoaderName is the consumer name of the analytics loader: its log cursor,
// its Kafka consumer group and the owner of its dead letters.
const LoaderName = "analytics-loader"

// OpenAnalytics opens the analytics store a DSN names: a clickhouse:// URL
// selects ClickHouse, anything else is a DuckDB file path.
func OpenAnalytics(ctx context.Context, dsn string) (analytics.Store, error) {
	if strings.HasPrefix(dsn, "clickhouse://") {
		return clickhouse.Open(ctx, dsn)
	}
	return duckdb.Open(ctx, dsn)
}

// Deps are what the loops need besides the configuration.
type Deps struct {
	Store      *store.Store // event log, cursors, leases, dead letters
	Registerer prometheus.Registerer
	Logger     *slog.Logger
}

func (d Deps) logger() *slog.Logger {
	if d.Logger == nil {
		return slog.Default()
	}
	return d.Logger
}

// NewSource returns consumer name's view of the stream: its Kafka consumer
// group when brokers are configured, else its cursor on the event log.
func NewSource(cfg config.Config, d Deps, name string) (ingest.Source, error) {
	if cfg.UsesKafka() {
		return ingest.NewKafkaSource(ingest.KafkaSourceConfig{Brokers: cfg.Stream.KafkaBrokers, Topic: cfg.Stream.Topic,
			Group: name, Logger: d.logger()})
	}
	return ingest.NewLogSource(ingest.LogSourceConfig{Name: name, Log: d.Store, Cursors: d.Store})
}

// NewLoader returns the runner that feeds the analytics store from src.
func NewLoader(cfg config.Config, d Deps, src ingest.Source, an analytics.Store) (*ingest.Runner, error) {
	return newRunner(cfg, d, src, ingest.HandlerFunc(an.Apply))
}

// NewConsumer returns the runner that hands src's events to h: a consumer
// other than the analytics loader (the knowledge base's).
func NewConsumer(cfg config.Config, d Deps, src ingest.Source, h ingest.Handler) (*ingest.Runner, error) {
	return newRunner(cfg, d, src, h)
}

func newRunner(cfg config.Config, d Deps, src ingest.Source, h ingest.Handler) (*ingest.Runner, error) {
	return ingest.NewRunner(ingest.RunnerConfig{
		Source:      src,
		Handler:     h,
		DeadLetters: d.Store,
		BatchSize:   cfg.Stream.BatchSize,
		FetchWait:   cfg.Stream.BatchWait,
		Registerer:  d.Registerer,
		Logger:      d.logger(), // the runner adds the consumer name
	})
}

// Relay is the outbox relay with the Kafka producer it owns.
type Relay struct {
	*ingest.Relay
	sink *ingest.KafkaSink
}

// Close closes the producer; call it after Run returned.
func (r *Relay) Close() error { return r.sink.Close() }

// NewRelay creates the topic if needed and returns a relay from the event
// log to Kafka. logConsumers are the consumers that read the log itself:
// pruning never passes their cursors.
func NewRelay(ctx context.Context, cfg config.Config, d Deps, logConsumers ...string) (*Relay, error) {
	if !cfg.UsesKafka() {
		return nil, errors.New("relay: no Kafka brokers configured (stream.kafka_brokers)")
	}
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := ingest.EnsureTopic(tctx, cfg.Stream.KafkaBrokers, cfg.Stream.Topic, cfg.Stream.Partitions); err != nil {
		return nil, fmt.Errorf("relay: %w", err)
	}
	sink, err := ingest.NewKafkaSink(ingest.KafkaSinkConfig{Brokers: cfg.Stream.KafkaBrokers, Topic: cfg.Stream.Topic, Logger: d.logger()})
	if err != nil {
		return nil, err
	}
	r, err := ingest.NewRelay(ingest.RelayConfig{Log: d.Store, Cursors: d.Store, Leases: d.Store, Sink: sink, Pruner: d.Store,
		Retention: cfg.Stream.OutboxRetention, LogConsumers: logConsumers, Registerer: d.Registerer, Logger: d.logger()})
	if err != nil {
		sink.Close()
		return nil, err
	}
	return &Relay{Relay: r, sink: sink}, nil
}

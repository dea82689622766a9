package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/deskmine/deskmine/ticketcore/events"
)

// DefaultTopic is the Kafka topic of ticket change events.
const DefaultTopic = "deskmine.ticket-events"

// KafkaSourceConfig configures a Kafka consumer-group source.
type KafkaSourceConfig struct {
	Brokers []string
	// Topic defaults to DefaultTopic.
	Topic string
	// Group is the consumer group and the consumer name (cursors, lag and
	// dead letters are per group).
	Group string
	// MaxWait bounds one fetch request on the broker (default 250ms); a
	// larger value makes Close slow, since Close waits for it.
	MaxWait time.Duration
	Logger  *slog.Logger
}

// KafkaSource reads a topic in a consumer group with explicit commits.
type KafkaSource struct {
	cfg    KafkaSourceConfig
	r      *kafka.Reader
	client *kafka.Client
}

var _ Source = (*KafkaSource)(nil)

// NewKafkaSource returns a consumer-group source; a new group starts at the
// oldest message, a known one after its committed offsets.
func NewKafkaSource(cfg KafkaSourceConfig) (*KafkaSource, error) {
	if len(cfg.Brokers) == 0 || cfg.Group == "" {
		return nil, errors.New("kafka source: brokers and group are required")
	}
	if cfg.Topic == "" {
		cfg.Topic = DefaultTopic
	}
	if cfg.MaxWait <= 0 {
		cfg.MaxWait = 250 * time.Millisecond
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	log := cfg.Logger.With("consumer", cfg.Group, "topic", cfg.Topic)
	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers:        cfg.Brokers,
		GroupID:        cfg.Group,
		Topic:          cfg.Topic,
		MaxWait:        cfg.MaxWait,
		StartOffset:    kafka.FirstOffset,
		CommitInterval: 0, // synchronous: Commit returns once the broker has the offsets
		// A reader cut off by a broker outage cannot leave its group; on
		// rejoin the group waits out the old member's session. kafka-go's 30 s
		// default would stall the stream that long after every outage.
		SessionTimeout:   10 * time.Second,
		RebalanceTimeout: 10 * time.Second,
		MinBytes:         1,
		MaxBytes:         10 << 20,
		ErrorLogger: kafka.LoggerFunc(func(msg string, args ...any) {
			log.Warn("kafka reader", "err", fmt.Sprintf(msg, args...))
		}),
	})
	return &KafkaSource{cfg: cfg, r: r, client: &kafka.Client{Addr: kafka.TCP(cfg.Brokers...), Timeout: 10 * time.Second}}, nil
}

// Name returns the consumer group.
func (s *KafkaSource) Name() string { return s.cfg.Group }

// idleGap is how long Fetch waits for the next message once it has one: the
// reader hands out a fetched batch message by message, so a short gap means
// the batch is used up.
const idleGap = 5 * time.Millisecond

// Fetch returns up to max messages, waiting at most wait for the first.
func (s *KafkaSource) Fetch(ctx context.Context, max int, wait time.Duration) ([]Message, error) {
	if max <= 0 {
		return nil, fmt.Errorf("kafka source %s: max %d is not positive", s.cfg.Group, max)
	}
	out := []Message{}
	for len(out) < max {
		d := idleGap
		if len(out) == 0 {
			d = wait
		}
		fctx, cancel := context.WithTimeout(ctx, d)
		m, err := s.r.FetchMessage(fctx)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if errors.Is(err, context.DeadlineExceeded) {
				return out, nil
			}
			if len(out) > 0 {
				return out, nil // hand over what came; the error shows again on the next call
			}
			return nil, fmt.Errorf("kafka source %s: fetch: %w", s.cfg.Group, err)
		}
		out = append(out, Message{Partition: m.Partition, Offset: m.Offset, Key: m.Key, Value: m.Value, Time: m.Time})
	}
	return out, nil
}

// Commit commits the offsets of msgs in the group.
func (s *KafkaSource) Commit(ctx context.Context, msgs []Message) error {
	if len(msgs) == 0 {
		return nil
	}
	// One offset per partition is all the group keeps: the highest.
	last := map[int]int64{}
	for _, m := range msgs {
		last[m.Partition] = max(last[m.Partition], m.Offset)
	}
	km := make([]kafka.Message, 0, len(last))
	for p, off := range last {
		km = append(km, kafka.Message{Topic: s.cfg.Topic, Partition: p, Offset: off})
	}
	if err := s.r.CommitMessages(ctx, km...); err != nil {
		return fmt.Errorf("kafka source %s: commit: %w", s.cfg.Group, err)
	}
	return nil
}

// Lag returns the messages after the group's committed offsets, summed over
// partitions (the high watermark minus the committed offset, or minus the
// oldest offset where the group has not committed).
func (s *KafkaSource) Lag(ctx context.Context) (int64, error) {
	meta, err := s.client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{s.cfg.Topic}})
	if err != nil {
		return 0, fmt.Errorf("kafka source %s: lag: %w", s.cfg.Group, err)
	}
	if len(meta.Topics) != 1 || meta.Topics[0].Error != nil {
		if len(meta.Topics) == 1 && errors.Is(meta.Topics[0].Error, kafka.UnknownTopicOrPartition) {
			return 0, nil
		}
		return 0, fmt.Errorf("kafka source %s: lag: topic %s: %v", s.cfg.Group, s.cfg.Topic, meta.Topics)
	}
	var reqs []kafka.OffsetRequest
	var parts []int
	for _, p := range meta.Topics[0].Partitions {
		parts = append(parts, p.ID)
		reqs = append(reqs, kafka.FirstOffsetOf(p.ID), kafka.LastOffsetOf(p.ID))
	}
	offs, err := s.client.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{s.cfg.Topic: reqs}})
	if err != nil {
		return 0, fmt.Errorf("kafka source %s: lag: %w", s.cfg.Group, err)
	}
	committed, err := s.client.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: s.cfg.Group, Topics: map[string][]int{s.cfg.Topic: parts}})
	if err != nil {
		return 0, fmt.Errorf("kafka source %s: lag: %w", s.cfg.Group, err)
	}
	// A group the broker does not know (yet) has committed nothing: kfake
	// answers GROUP_ID_NOT_FOUND for it rather than empty offsets.
	if committed.Error != nil && !errors.Is(committed.Error, kafka.GroupIdNotFound) {
		return 0, fmt.Errorf("kafka source %s: lag: %w", s.cfg.Group, committed.Error)
	}
	done := map[int]int64{}
	for _, p := range committed.Topics[s.cfg.Topic] {
		if p.Error != nil {
			return 0, fmt.Errorf("kafka source %s: lag: partition %d: %w", s.cfg.Group, p.Partition, p.Error)
		}
		done[p.Partition] = p.CommittedOffset
	}
	var lag int64
	for _, p := range offs.Topics[s.cfg.Topic] {
		if p.Error != nil {
			return 0, fmt.Errorf("kafka source %s: lag: partition %d: %w", s.cfg.Group, p.Partition, p.Error)
		}
		from, ok := done[p.Partition]
		if !ok || from < p.FirstOffset {
			from = p.FirstOffset
		}
		lag += max(p.LastOffset-from, 0)
	}
	return lag, nil
}

// Close leaves the group; uncommitted messages go to the next member.
func (s *KafkaSource) Close() error {
	if err := s.r.Close(); err != nil {
		return fmt.Errorf("kafka source %s: close: %w", s.cfg.Group, err)
	}
	return nil
}

// KafkaSinkConfig configures the producer the relay publishes with.
type KafkaSinkConfig struct {
	Brokers []string
	// Topic defaults to DefaultTopic.
	Topic string
	// BatchTimeout is how long the writer waits to fill a batch (default
	// 5ms; kafka-go's own default of a second would stall every publish).
	BatchTimeout time.Duration
	// BatchSize is the most messages in one produce batch per partition
	// (default 1000).
	BatchSize int
	// AutoCreateTopic lets the broker create a missing topic with its
	// defaults; prefer EnsureTopic, which sets the partition count.
	AutoCreateTopic bool
	Logger          *slog.Logger
}

// KafkaSink publishes event records keyed by ticket id, so each ticket's
// events stay in order on one partition.
type KafkaSink struct {
	w *kafka.Writer
}

// NewKafkaSink returns a synchronous producer: Publish returns once every
// in-sync replica has the messages.
func NewKafkaSink(cfg KafkaSinkConfig) (*KafkaSink, error) {
	if len(cfg.Brokers) == 0 {
		return nil, errors.New("kafka sink: brokers are required")
	}
	if cfg.Topic == "" {
		cfg.Topic = DefaultTopic
	}
	if cfg.BatchTimeout <= 0 {
		cfg.BatchTimeout = 5 * time.Millisecond
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 1000
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	log := cfg.Logger.With("topic", cfg.Topic)
	return &KafkaSink{w: &kafka.Writer{
		Addr:  kafka.TCP(cfg.Brokers...),
		Topic: cfg.Topic,
		// Murmur2 as the Java client hashes keys, so other producers and
		// tools agree on a ticket's partition.
		Balancer:               &kafka.Murmur2Balancer{},
		RequiredAcks:           kafka.RequireAll,
		BatchTimeout:           cfg.BatchTimeout,
		BatchSize:              cfg.BatchSize,
		AllowAutoTopicCreation: cfg.AutoCreateTopic,
		ErrorLogger: kafka.LoggerFunc(func(msg string, args ...any) {
			log.Warn("kafka writer", "err", fmt.Sprintf(msg, args...))
		}),
	}}, nil
}

// Publish writes records in order; an error means some may not have been
// written (and some may have: the caller publishes them again).
func (s *KafkaSink) Publish(ctx context.Context, recs []events.Record) error {
	if len(recs) == 0 {
		return nil
	}
	msgs := make([]kafka.Message, len(recs))
	for i, r := range recs {
		msgs[i] = kafka.Message{Key: strconv.AppendInt(nil, r.TicketID, 10), Value: r.Payload, Time: r.RecordedAt}
	}
	if err := s.w.WriteMessages(ctx, msgs...); err != nil {
		return fmt.Errorf("kafka sink: publish %d events: %w", len(recs), err)
	}
	return nil
}

// Close flushes and closes the writer.
func (s *KafkaSink) Close() error {
	if err := s.w.Close(); err != nil {
		return fmt.Errorf("kafka sink: close: %w", err)
	}
	return nil
}

// EnsureTopic creates topic with the given partitions if it does not exist,
// with the brokers' default replication factor.
func EnsureTopic(ctx context.Context, brokers []string, topic string, partitions int) error {
	if len(brokers) == 0 || topic == "" || partitions <= 0 {
		return errors.New("ensure topic: brokers, topic and a positive partition count are required")
	}
	c := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 10 * time.Second}
	res, err := c.CreateTopics(ctx, &kafka.CreateTopicsRequest{Topics: []kafka.TopicConfig{{
		Topic: topic, NumPartitions: partitions, ReplicationFactor: -1,
	}}})
	if err != nil {
		return fmt.Errorf("ensure topic %s: %w", topic, err)
	}
	if err := res.Errors[topic]; err != nil && !errors.Is(err, kafka.TopicAlreadyExists) {
		return fmt.Errorf("ensure topic %s: %w", topic, err)
	}
	return nil
}

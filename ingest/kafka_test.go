package ingest_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/deskmine/deskmine/ingest"
	"github.com/deskmine/deskmine/ingest/sourcetest"
	"github.com/deskmine/deskmine/internal/testkafka"
	"github.com/deskmine/deskmine/ticketcore/events"
)

// records turns events into log records (seq as a log would assign).
func records(t testing.TB, evs []*events.Event, firstSeq int64) []events.Record {
	t.Helper()
	out := make([]events.Record, len(evs))
	for i, e := range evs {
		c := *e
		c.Seq = firstSeq + int64(i)
		b, err := events.Marshal(&c)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = events.Record{Seq: c.Seq, TicketID: e.TicketID, RecordedAt: time.Now(), Payload: b}
	}
	return out
}

func newSink(t testing.TB, brokers []string, topic string) *ingest.KafkaSink {
	t.Helper()
	sink, err := ingest.NewKafkaSink(ingest.KafkaSinkConfig{Brokers: brokers, Topic: topic})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Close() })
	return sink
}

func newKafkaSource(t testing.TB, brokers []string, topic, group string) *ingest.KafkaSource {
	t.Helper()
	src, err := ingest.NewKafkaSource(ingest.KafkaSourceConfig{Brokers: brokers, Topic: topic, Group: group})
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func TestKafkaSourceConformance(t *testing.T) {
	sourcetest.Run(t, func(t *testing.T) sourcetest.Stream {
		brokers, _ := testkafka.Start(t)
		const topic = "deskmine.ticket-events"
		if err := ingest.EnsureTopic(context.Background(), brokers, topic, 3); err != nil {
			t.Fatal(err)
		}
		sink := newSink(t, brokers, topic)
		var seq int64
		return sourcetest.Stream{
			Append: func(t *testing.T, evs []*events.Event) {
				if err := sink.Publish(context.Background(), records(t, evs, seq+1)); err != nil {
					t.Fatal(err)
				}
				seq += int64(len(evs))
			},
			Open: func(t *testing.T, name string) ingest.Source { return newKafkaSource(t, brokers, topic, name) },
		}
	})
}

// TestKafkaSinkKeysByTicket: every event of a ticket lands on one partition,
// the one the Java client's murmur2 partitioner picks, in order.
func TestKafkaSinkKeysByTicket(t *testing.T) {
	ctx := context.Background()
	brokers, _ := testkafka.Start(t)
	const topic, parts = "keyed", 4
	if err := ingest.EnsureTopic(ctx, brokers, topic, parts); err != nil {
		t.Fatal(err)
	}
	if err := ingest.EnsureTopic(ctx, brokers, topic, parts); err != nil {
		t.Fatalf("ensure an existing topic: %v", err)
	}
	evs := sourcetest.Events(40, 8)
	if err := newSink(t, brokers, topic).Publish(ctx, records(t, evs, 1)); err != nil {
		t.Fatal(err)
	}
	src := newKafkaSource(t, brokers, topic, "keys")
	defer src.Close()
	partition := map[string]int{}
	version := map[string]int64{}
	var n int
	for n < len(evs) {
		msgs, err := src.Fetch(ctx, 100, 3*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			n++
			e, err := events.Unmarshal(m.Value)
			if err != nil {
				t.Fatal(err)
			}
			k := string(m.Key)
			if k != strconv.FormatInt(e.TicketID, 10) {
				t.Fatalf("key %q for ticket %d", k, e.TicketID)
			}
			if p, ok := partition[k]; ok && p != m.Partition {
				t.Fatalf("ticket %s on partitions %d and %d", k, p, m.Partition)
			}
			partition[k] = m.Partition
			if want := murmur2Partition(m.Key, parts); m.Partition != want {
				t.Errorf("ticket %s on partition %d, the Java partitioner says %d", k, m.Partition, want)
			}
			if e.TicketVersion != version[k]+1 {
				t.Fatalf("ticket %s: version %d after %d", k, e.TicketVersion, version[k])
			}
			version[k] = e.TicketVersion
		}
	}
	if n != len(evs) || len(partition) != 8 {
		t.Fatalf("read %d events of %d tickets, want 40 of 8", n, len(partition))
	}
}

// murmur2Partition is Kafka's Java default partitioner, written out to check
// the balancer against it.
func murmur2Partition(key []byte, n int) int {
	const seed, m, r = uint32(0x9747b28c), uint32(0x5bd1e995), 24
	h := seed ^ uint32(len(key))
	i := 0
	for ; i+4 <= len(key); i += 4 {
		k := uint32(key[i]) | uint32(key[i+1])<<8 | uint32(key[i+2])<<16 | uint32(key[i+3])<<24
		k *= m
		k ^= k >> r
		k *= m
		h *= m
		h ^= k
	}
	switch len(key) - i {
	case 3:
		h ^= uint32(key[i+2]) << 16
		fallthrough
	case 2:
		h ^= uint32(key[i+1]) << 8
		fallthrough
	case 1:
		h ^= uint32(key[i])
		h *= m
	}
	h ^= h >> 13
	h *= m
	h ^= h >> 15
	return int(h&0x7fffffff) % n
}

func TestKafkaSourceCloseIsPrompt(t *testing.T) {
	brokers, _ := testkafka.Start(t)
	src := newKafkaSource(t, brokers, "idle", "closer")
	if _, err := src.Fetch(context.Background(), 1, 300*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	// Not a performance assertion: without MaxWait, Close hangs for about
	// 9 s; this only guards against going back to that.
	done := make(chan struct{})
	go func() { src.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("close did not return within 5s")
	}
}

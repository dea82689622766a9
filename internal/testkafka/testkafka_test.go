package testkafka

import (
	"context"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

func TestStartDownAndBack(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	brokers, c := Start(t)
	w := &kafka.Writer{Addr: kafka.TCP(brokers...), Topic: "t", RequiredAcks: kafka.RequireAll,
		BatchTimeout: time.Millisecond, AllowAutoTopicCreation: true, MaxAttempts: 3,
		WriteBackoffMin: 10 * time.Millisecond, WriteBackoffMax: 20 * time.Millisecond}
	defer w.Close()
	write := func(v string) error { return w.WriteMessages(ctx, kafka.Message{Value: []byte(v)}) }
	if err := write("a"); err != nil {
		t.Fatalf("write while up: %v", err)
	}
	c.SetDown(true)
	if err := write("b"); err == nil {
		t.Fatal("write while down: want an error")
	}
	c.SetDown(false)
	if err := write("c"); err != nil {
		t.Fatalf("write after back up: %v", err)
	}

	r := kafka.NewReader(kafka.ReaderConfig{Brokers: brokers, Topic: "t", MaxWait: 100 * time.Millisecond})
	defer r.Close()
	var got []string
	for len(got) < 2 {
		m, err := r.ReadMessage(ctx)
		if err != nil {
			t.Fatalf("read: %v (got %q)", err, got)
		}
		got = append(got, string(m.Value))
	}
	if got[0] != "a" || got[1] != "c" {
		t.Fatalf("read %q, want [a c]: the data written before the outage must survive it", got)
	}
}

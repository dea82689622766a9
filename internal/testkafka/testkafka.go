// Package testkafka starts an in-process Kafka-protocol broker (franz-go's
// kfake) on a loopback port for tests, and can make it unreachable for a
// while without losing what it holds.
package testkafka

import (
	"errors"
	"sync/atomic"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Cluster is a running fake broker.
type Cluster struct {
	*kfake.Cluster
	down atomic.Bool
}

// errDown makes kfake close the client's connection, as a broker that went
// away would.
var errDown = errors.New("testkafka: broker is down")

// Start starts a one-broker cluster on a free loopback port that creates
// unknown topics on first use (one partition each; tests that need more
// create their topic). It is closed when the test ends.
func Start(t testing.TB, opts ...kfake.Opt) ([]string, *Cluster) {
	t.Helper()
	base := []kfake.Opt{kfake.NumBrokers(1), kfake.Ports(0), kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(1)}
	kc, err := kfake.NewCluster(append(base, opts...)...)
	if err != nil {
		t.Fatalf("start kfake: %v", err)
	}
	c := &Cluster{Cluster: kc}
	// One control for every request, kept for the cluster's life: while the
	// broker is "down" it drops the connection; otherwise it lets kfake
	// answer. The data stays in the cluster either way.
	kc.Control(func(kmsg.Request) (kmsg.Response, error, bool) {
		kc.KeepControl()
		if c.down.Load() {
			return nil, errDown, true
		}
		return nil, nil, false
	})
	t.Cleanup(kc.Close)
	return kc.ListenAddrs(), c
}

// SetDown makes the broker refuse (close) every connection's requests while
// down is true; clients reconnect and retry, as against a restarting broker.
func (c *Cluster) SetDown(down bool) { c.down.Store(down) }

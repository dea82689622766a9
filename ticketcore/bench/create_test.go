package bench

import (
	"context"
	"testing"
	"time"

	"github.com/deskmine/deskmine/internal/testdb"
)

// TestRunCreateCountsAreTrue runs a very short benchmark and checks that what
// it claims to have created is what the store holds: a benchmark that lost
// writes or counted failures as successes would be worthless.
func TestRunCreateCountsAreTrue(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			res, err := RunCreate(context.Background(), CreateOptions{DSN: b.DSN(t), Duration: 300 * time.Millisecond, Runs: 1,
				Concurrency: 4, Rate: 100})
			if err != nil {
				t.Fatal(err)
			}
			if res.TicketsCreated == 0 || res.TicketsCreated != res.TicketsInStore || res.EventsInStore != res.TicketsInStore {
				t.Fatalf("created %d, store has %d tickets and %d events", res.TicketsCreated, res.TicketsInStore, res.EventsInStore)
			}
			if res.Errors != 0 || res.FixedRateLatency.Count == 0 || res.ThroughputMedian <= 0 || res.BaselineMedian <= 0 {
				t.Fatalf("implausible result %+v", res)
			}
		})
	}
}

func TestSummariseAndMedian(t *testing.T) {
	var lats []time.Duration
	for i := 1; i <= 100; i++ {
		lats = append(lats, time.Duration(i)*time.Millisecond)
	}
	l := summarise(lats)
	if l.P50 != 51 || l.P99 != 99 || l.Max != 100 || l.Count != 100 {
		t.Fatalf("summary %+v", l)
	}
	if median([]float64{3, 1, 2}) != 2 || median([]float64{4, 1, 2, 3}) != 2.5 {
		t.Fatal("median")
	}
}

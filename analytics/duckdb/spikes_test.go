package duckdb

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/analytics/storetest"
)

// TestDetectSpikes runs spike detection over the standard history: sparse
// counts (a few tickets a day per value, nothing before the history
// starts) must give an answer, not an error or a panic, and every spike
// must be consistent with the query.
func TestDetectSpikes(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "analytics.duckdb"))
	if err := s.Apply(ctx, storetest.History()); err != nil {
		t.Fatalf("apply: %v", err)
	}
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, q := range []analytics.SpikeQuery{
		{Dimension: "category", Bucket: analytics.BucketDay, From: from, To: from.AddDate(0, 0, 70)},
		{Dimension: "tag", Bucket: analytics.BucketDay, TZ: "Asia/Shanghai", From: from, To: from.AddDate(0, 0, 70), MinCount: 2, Threshold: 1},
		{Dimension: "team", Bucket: analytics.BucketHour, From: from.AddDate(0, 0, 3), To: from.AddDate(0, 0, 10), MinCount: 2, Threshold: 1},
		{Dimension: "product", Bucket: analytics.BucketDay, From: from, To: from.AddDate(0, 0, 70),
			Filters: map[string][]string{"region": {"eu"}}},
	} {
		spikes, err := analytics.DetectSpikes(ctx, s, q)
		if err != nil {
			t.Fatalf("%s by %s: %v", q.Dimension, q.Bucket, err)
		}
		minCount := int64(q.MinCount)
		if minCount == 0 {
			minCount = analytics.DefaultSpikeMinCount
		}
		for _, sp := range spikes {
			// The first bucket holds From: it may start before it.
			if sp.Dimension != q.Dimension || sp.Bucket.Before(from.AddDate(0, 0, -1)) || !sp.Bucket.Before(q.To) ||
				sp.Z < q.Threshold || sp.Count < minCount {
				t.Errorf("inconsistent spike %+v for %+v", sp, q)
			}
			for _, f := range sp.Explanation {
				if f.Dimension == q.Dimension || f.Support < analytics.MinFindingSupport || f.Count > sp.Count {
					t.Errorf("inconsistent finding %+v of %+v", f, sp)
				}
			}
		}
		t.Logf("%s by %s: %d spikes", q.Dimension, q.Bucket, len(spikes))
	}
}

// TestSpikes: the planted spikes of the generated history are found on
// DuckDB with their planted causes first, and flat data gives none.
func TestSpikes(t *testing.T) {
	storetest.RunSpikes(t, func(t *testing.T) analytics.Store {
		return open(t, filepath.Join(t.TempDir(), "analytics.duckdb"))
	})
}

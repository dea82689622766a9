package querybench

import (
	"math"
	"slices"
	"time"
)

// percentile is the nearest-rank percentile of ds (p in 0..100]: the
// smallest value with at least p% of the values at or below it; 0 for none.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	rank := int(math.Ceil(float64(len(s)) * p / 100))
	return s[min(max(rank, 1), len(s))-1]
}

func ms(d time.Duration) float64 { return round(float64(d) / float64(time.Millisecond)) }

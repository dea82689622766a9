package routing

import (
	"slices"
	"testing"
	"time"
)

// BenchmarkRoute measures one routing decision (rules + assignment + commit)
// with 2,000 agents in 30 teams and 300 bilingual rules, and reports the p99
// of the iterations beside ns/op.
func BenchmarkRoute(b *testing.B) {
	s, err := newSetup(2000, 300, 1)
	if err != nil {
		b.Fatal(err)
	}
	for range 1000 {
		s.decide()
	}
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		s.decide()
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds()), "max-µs")
}

func TestMeasureRoute(t *testing.T) {
	res, err := MeasureRoute(2000, 300, 3000, 7)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", res)
	if res.Decisions != 3000 || res.Agents != 2000 || res.Teams != 30 || res.Rules != 300 {
		t.Errorf("result does not describe the setup: %+v", res)
	}
	if res.Keywords < 100 {
		t.Errorf("only %d keywords: the generated rules are not varied enough", res.Keywords)
	}
	if res.Assigned == 0 || res.Overflowed == 0 {
		t.Errorf("the generated setup should assign and sometimes overflow: %+v", res)
	}
	if !(res.P50 <= res.P90 && res.P90 <= res.P99 && res.P99 <= res.Max) {
		t.Errorf("percentiles out of order: %+v", res)
	}
	if _, err := MeasureRoute(0, 300, 10, 1); err == nil {
		t.Error("zero agents accepted")
	}
}

package evalkit

import (
	"math"
	"slices"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestScoreHandComputed(t *testing.T) {
	gold := []string{"a", "a", "a", "b", "b", "c"}
	pred := []string{"a", "a", "b", "b", "c", "c"}
	m := Score(gold, pred)
	// a: tp 2 of 2 predicted, 3 gold; b: 1 of 2, 2; c: 1 of 2, 1.
	want := map[string]PRF{
		"a": {Precision: 1, Recall: 2.0 / 3, F1: 0.8, Support: 3},
		"b": {Precision: 0.5, Recall: 0.5, F1: 0.5, Support: 2},
		"c": {Precision: 0.5, Recall: 1, F1: 2.0 / 3, Support: 1},
	}
	for l, w := range want {
		g := m.PerLabel[l]
		if !near(g.Precision, w.Precision) || !near(g.Recall, w.Recall) || !near(g.F1, w.F1) || g.Support != w.Support {
			t.Errorf("label %s: %+v, want %+v", l, g, w)
		}
	}
	if !near(m.Accuracy, 4.0/6) || !near(m.MacroF1, (0.8+0.5+2.0/3)/3) || m.N != 6 {
		t.Fatalf("accuracy %v macro-F1 %v n %d", m.Accuracy, m.MacroF1, m.N)
	}
	if got := m.SortedLabels(); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Fatalf("SortedLabels %q", got)
	}
}

func TestScoreEdgeCases(t *testing.T) {
	// A label only ever predicted counts in macro-F1 with F1 0.
	m := Score([]string{"a", "a"}, []string{"a", "z"})
	if !near(m.MacroF1, (2.0/3+0)/2) || m.PerLabel["z"].Support != 0 {
		t.Fatalf("invented label: %+v", m)
	}
	// Missing predictions count as wrong; extra ones are ignored.
	m = Score([]string{"a", "b"}, []string{"a"})
	if !near(m.Accuracy, 0.5) || m.PerLabel["b"].Recall != 0 {
		t.Fatalf("short pred: %+v", m)
	}
	m = Score([]string{"a"}, []string{"a", "b", "c"})
	if !near(m.Accuracy, 1) || len(m.PerLabel) != 1 {
		t.Fatalf("long pred: %+v", m)
	}
	m = Score(nil, []string{"a"})
	if m.Accuracy != 0 || m.MacroF1 != 0 || m.N != 0 || m.PerLabel == nil {
		t.Fatalf("no gold: %+v", m)
	}
}

func TestRetrievalMetricsHandComputed(t *testing.T) {
	ranked := [][]string{{"b", "a", "a"}, {"a"}, {"c", "c", "c"}}
	gold := []string{"a", "a", "b"}
	checks := []struct {
		name string
		got  float64
		want float64
	}{
		{"MRR@3", MRRAt(3, ranked, gold), (0.5 + 1 + 0) / 3},
		{"MRR@1", MRRAt(1, ranked, gold), 1.0 / 3},
		{"Recall@3", RecallAt(3, ranked, gold), 2.0 / 3},
		{"Recall@1", RecallAt(1, ranked, gold), 1.0 / 3},
		{"Precision@3", PrecisionAt(3, ranked, gold), (2.0/3 + 1.0/3 + 0) / 3},
		{"Precision@2", PrecisionAt(2, ranked, gold), (0.5 + 0.5 + 0) / 3},
		{"MRR@0", MRRAt(0, ranked, gold), 0},
		{"no queries", RecallAt(3, nil, nil), 0},
		// A query without a list scores 0 and still counts.
		{"missing list", MRRAt(3, ranked[:1], gold), 0.5 / 3},
	}
	for _, c := range checks {
		if !near(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

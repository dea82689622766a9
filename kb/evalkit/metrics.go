package evalkit

import "sort"

// PRF is one label's precision, recall and F1, with its support (gold count).
type PRF struct {
	Precision, Recall, F1 float64
	Support               int
}

// Metrics summarises a classification run.
type Metrics struct {
	Accuracy float64
	// MacroF1 is the unweighted mean of F1 over every label seen in gold or
	// pred, so a label the classifier invents also pulls it down.
	MacroF1  float64
	PerLabel map[string]PRF
	// N is the number of gold labels scored.
	N int
}

// Score compares predictions with gold labels position by position. It
// scores len(gold) items: a missing prediction (pred shorter than gold)
// counts as wrong and extra predictions are ignored, so a caller that lost
// predictions sees a lower score rather than a flattering one. Precision of a
// label never predicted, and recall of a label never in gold, are 0.
func Score(gold, pred []string) Metrics {
	m := Metrics{PerLabel: map[string]PRF{}, N: len(gold)}
	if len(gold) == 0 {
		return m
	}
	tp := map[string]int{}
	predicted := map[string]int{}
	actual := map[string]int{}
	correct := 0
	for i, g := range gold {
		actual[g]++
		if i >= len(pred) {
			continue
		}
		p := pred[i]
		predicted[p]++
		if p == g {
			tp[g]++
			correct++
		}
	}
	labels := make(map[string]bool, len(actual)+len(predicted))
	for l := range actual {
		labels[l] = true
	}
	for l := range predicted {
		labels[l] = true
	}
	sum := 0.0
	for l := range labels {
		var s PRF
		s.Support = actual[l]
		if predicted[l] > 0 {
			s.Precision = float64(tp[l]) / float64(predicted[l])
		}
		if actual[l] > 0 {
			s.Recall = float64(tp[l]) / float64(actual[l])
		}
		if s.Precision+s.Recall > 0 {
			s.F1 = 2 * s.Precision * s.Recall / (s.Precision + s.Recall)
		}
		m.PerLabel[l] = s
		sum += s.F1
	}
	m.Accuracy = float64(correct) / float64(len(gold))
	m.MacroF1 = sum / float64(len(labels))
	return m
}

// SortedLabels returns the metric's labels in name order, for stable output.
func (m Metrics) SortedLabels() []string {
	out := make([]string, 0, len(m.PerLabel))
	for l := range m.PerLabel {
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

// Retrieval metrics: ranked[i] holds the labels of the documents retrieved
// for query i, best first; gold[i] is query i's own label. A retrieved
// document is relevant when its label equals the query's (same-category
// relevance: the tickets carry no finer judgement). Each function averages
// over len(gold) queries; a query without a ranked list scores 0, and
// k <= 0 or no queries gives 0.

// MRRAt is the mean reciprocal rank of the first relevant document within
// the top k.
func MRRAt(k int, ranked [][]string, gold []string) float64 {
	return meanOver(k, ranked, gold, func(top []string, g string) float64 {
		for i, l := range top {
			if l == g {
				return 1 / float64(i+1)
			}
		}
		return 0
	})
}

// RecallAt is the share of queries with at least one relevant document in
// the top k (success@k). With same-label relevance a query has thousands of
// relevant documents, so the classic "relevant retrieved / all relevant"
// would be near zero for every system and compare nothing.
func RecallAt(k int, ranked [][]string, gold []string) float64 {
	return meanOver(k, ranked, gold, func(top []string, g string) float64 {
		for _, l := range top {
			if l == g {
				return 1
			}
		}
		return 0
	})
}

// PrecisionAt is the mean share of relevant documents in the top k; a list
// shorter than k counts its missing places as irrelevant.
func PrecisionAt(k int, ranked [][]string, gold []string) float64 {
	return meanOver(k, ranked, gold, func(top []string, g string) float64 {
		n := 0
		for _, l := range top {
			if l == g {
				n++
			}
		}
		return float64(n) / float64(k)
	})
}

func meanOver(k int, ranked [][]string, gold []string, score func(top []string, g string) float64) float64 {
	if k <= 0 || len(gold) == 0 {
		return 0
	}
	sum := 0.0
	for i, g := range gold {
		if i >= len(ranked) {
			continue
		}
		top := ranked[i]
		if len(top) > k {
			top = top[:k]
		}
		sum += score(top, g)
	}
	return sum / float64(len(gold))
}

package evalkit

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// itTicketsPath finds the shared data set, skipping when it is absent except
// under CI, where a missing data set must fail the run.
func itTicketsPath(t testing.TB) string {
	t.Helper()
	dir, err := DataDir()
	path := filepath.Join(dir, ITTicketsFile)
	if err == nil {
		_, err = os.Stat(path)
	}
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
		if os.Getenv("CI") != "" {
			t.Fatalf("IT-tickets data set missing under CI: %v", err)
		}
		t.Skipf("IT-tickets data set not available: %v", err)
	}
	return path
}

func TestLoadRealITTickets(t *testing.T) {
	rows, err := LoadITTickets(itTicketsPath(t))
	if err != nil {
		t.Fatal(err)
	}
	labels := map[string]int{}
	for _, r := range rows {
		labels[r.Label]++
	}
	train, test := Split(rows)
	t.Logf("%d rows, %d labels, split %d train / %d test", len(rows), len(labels), len(train), len(test))
	if len(rows) != 38225 || len(labels) != 8 {
		t.Fatalf("%d rows with %d labels, the data set has 38,225 tickets in 8 topic groups", len(rows), len(labels))
	}
}

// TestBM25BeatsChanceOnITTickets: same-topic tickets share vocabulary, so
// the baseline's first hit must be far more often on-topic than the
// majority share of the data (Hardware, about 28 %).
func TestBM25BeatsChanceOnITTickets(t *testing.T) {
	rows, err := LoadITTickets(itTicketsPath(t))
	if err != nil {
		t.Fatal(err)
	}
	train, test := Split(rows)
	b := NewBM25(Texts(train), nil)
	test = test[:500]
	ranked := make([][]string, len(test))
	for i, r := range test {
		ranked[i] = LabelsAt(train, b.Top(r.Text, 10))
	}
	gold := Labels(test)
	p1 := PrecisionAt(1, ranked, gold)
	t.Logf("BM25 on 500 test queries: P@1 %.3f, MRR@10 %.3f, Recall@10 %.3f",
		p1, MRRAt(10, ranked, gold), RecallAt(10, ranked, gold))
	if p1 < 0.5 {
		t.Fatalf("BM25 P@1 %.3f: not better than a guess weighted by topic size", p1)
	}
}

// BenchmarkBM25ITTickets queries the training part with every held-out
// ticket and reports the baseline's retrieval figures.
func BenchmarkBM25ITTickets(b *testing.B) {
	rows, err := LoadITTickets(itTicketsPath(b))
	if err != nil {
		b.Fatal(err)
	}
	train, test := Split(rows)
	idx := NewBM25(Texts(train), nil)
	gold := Labels(test)
	b.ResetTimer()
	for b.Loop() {
		ranked := make([][]string, len(test))
		for i, r := range test {
			ranked[i] = LabelsAt(train, idx.Top(r.Text, 10))
		}
		b.ReportMetric(MRRAt(10, ranked, gold), "MRR@10")
		b.ReportMetric(RecallAt(10, ranked, gold), "Recall@10")
		b.ReportMetric(PrecisionAt(10, ranked, gold), "P@10")
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(test)), "µs/query")
}

func BenchmarkNewBM25ITTickets(b *testing.B) {
	rows, err := LoadITTickets(itTicketsPath(b))
	if err != nil {
		b.Fatal(err)
	}
	train, _ := Split(rows)
	texts := Texts(train)
	b.ResetTimer()
	for b.Loop() {
		NewBM25(texts, nil)
	}
}

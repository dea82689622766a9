package textan

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestChosenMethodNotWorse guards TextChinese: on the labelled Chinese set
// the method AnalyzerText uses must retrieve at least as well as the other.
func TestChosenMethodNotWorse(t *testing.T) {
	got, err := EvalChinese("")
	if err != nil {
		t.Fatal(err)
	}
	chosen, err := textAnalyzerName(TextChinese)
	if err != nil {
		t.Fatal(err)
	}
	other := AnalyzerTextCJK
	if chosen == AnalyzerTextCJK {
		other = AnalyzerTextGse
	}
	c, o := got[chosen], got[other]
	for name, m := range got {
		t.Logf("%-18s MRR@10 %.3f  Recall@10 %.3f  Hit@1 %.3f  (%d docs, %d queries)",
			name, m.MRR10, m.Recall10, m.HitAt1, m.Docs, m.Queries)
	}
	if c.Docs < 200 || c.Queries < 40 {
		t.Fatalf("evaluation set too small: %d docs, %d queries", c.Docs, c.Queries)
	}
	if c.MRR10 < o.MRR10 {
		t.Errorf("chosen %s MRR@10 %.3f < %s %.3f", chosen, c.MRR10, other, o.MRR10)
	}
	if c.Recall10 < o.Recall10 {
		t.Errorf("chosen %s Recall@10 %.3f < %s %.3f", chosen, c.Recall10, other, o.Recall10)
	}
	// An absolute floor catches a change that breaks both methods alike.
	if c.MRR10 < 0.8 {
		t.Errorf("chosen %s MRR@10 %.3f below 0.8", chosen, c.MRR10)
	}
	// The candidates built on the bare Chinese analyzers must agree with
	// them on Chinese-only text.
	if got[AnalyzerGse].MRR10 != got[AnalyzerTextGse].MRR10 {
		t.Errorf("%s and %s disagree on Chinese-only text", AnalyzerGse, AnalyzerTextGse)
	}
}

func writeSet(t *testing.T, tickets, queries string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "tickets.tsv"), []byte(tickets), 0o600); err != nil {
		t.Fatal(err)
	}
	if queries != "" {
		if err := os.WriteFile(filepath.Join(dir, "queries.tsv"), []byte(queries), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestEvalChineseDir(t *testing.T) {
	dir := writeSet(t,
		"topic\ttext\na\t打印机卡纸\na\t打印机没有墨\nb\t退款没有到账\nb\t申请退款\n",
		"topic\ttext\na\t打印机坏了\nb\t退款\n")
	got, err := EvalChinese(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := got[AnalyzerGse]
	if m.Docs != 4 || m.Queries != 2 {
		t.Fatalf("counted %d docs %d queries, want 4 and 2", m.Docs, m.Queries)
	}
	if m.MRR10 != 1 || m.Recall10 != 1 || m.HitAt1 != 1 {
		t.Errorf("separable set scored %+v, want all 1", m)
	}
	// A query sharing no term with its topic scores 0 there.
	dir = writeSet(t, "topic\ttext\na\t打印机卡纸\nb\t退款没有到账\n", "topic\ttext\na\t退款\n")
	got, err = EvalChinese(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m := got[AnalyzerGse]; m.MRR10 != 0 || m.Recall10 != 0 {
		t.Errorf("mislabelled query scored %+v, want 0", m)
	}
}

func TestEvalChineseBadInput(t *testing.T) {
	cases := map[string]struct{ tickets, queries, want string }{
		"missing queries": {"topic\ttext\na\tx\n", "", "queries.tsv"},
		"bad header":      {"label\ttext\na\tx\n", "topic\ttext\na\tx\n", "header"},
		"no rows":         {"topic\ttext\n", "topic\ttext\na\tx\n", "no rows"},
		"empty text":      {"topic\ttext\na\t\n", "topic\ttext\na\tx\n", "empty"},
		"three columns":   {"topic\ttext\na\tx\ty\n", "topic\ttext\na\tx\n", "tickets.tsv"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := EvalChinese(writeSet(t, c.tickets, c.queries))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want one mentioning %q", err, c.want)
			}
		})
	}
}

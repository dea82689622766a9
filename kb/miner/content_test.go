package miner

import (
	"math"
	"slices"
	"strings"
	"testing"
)

func TestGroupKeyIgnoresTermOrderAndLaterTickets(t *testing.T) {
	a := groupKey([]string{"vpn", "809", "error"}, []int64{3, 9, 12, 40})
	if b := groupKey([]string{"error", "vpn", "809"}, []int64{3, 9, 12, 41, 77}); a != b {
		t.Errorf("key changed with term order or later ids: %s %s", a, b)
	}
	if b := groupKey([]string{"vpn", "809", "error"}, []int64{2, 3, 9, 12}); a == b {
		t.Error("key ignores a new smallest id")
	}
	if b := groupKey([]string{"vpn", "809", "timeout"}, []int64{3, 9, 12}); a == b {
		t.Error("key ignores the terms")
	}
	if !strings.HasPrefix(a, "kbm-") || len(a) != 4+16 {
		t.Errorf("key %q", a)
	}
	if k := groupKey(nil, []int64{1}); k == "" {
		t.Error("empty key for a tiny group")
	}
}

func TestSentenceCoverageAndCosine(t *testing.T) {
	c := testCorpus(t, syntheticTickets(50))
	s := c.sentence("Restart the Print Spooler service")
	if len(s.terms) != 4 {
		t.Fatalf("terms %v", s.terms)
	}
	if got := s.coveredBy(c.termSet("stop the print spooler service and restart it")); math.Abs(got-1) > 1e-9 {
		t.Errorf("full coverage %v", got)
	}
	if got := s.coveredBy(c.termSet("print something")); got <= 0 || got >= 0.5 {
		t.Errorf("partial coverage %v", got)
	}
	// A word no ticket uses still counts against coverage.
	u := c.sentence("Restart the Print Spooler zzyzx")
	if got := u.coveredBy(c.termSet("restart print spooler")); got >= 1 || got < 0.5 {
		t.Errorf("coverage with an unknown word %v", got)
	}
	if got := s.cos(s); math.Abs(got-1) > 1e-9 {
		t.Errorf("self cosine %v", got)
	}
	if got := s.cos(c.sentence("reinstall the client")); got != 0 {
		t.Errorf("disjoint cosine %v", got)
	}
}

func TestStepsKeepBackedStepsInOrder(t *testing.T) {
	tickets := []Ticket{
		{ID: 1, Resolution: "1. Stop the print spooler service\n2. Delete the spool files\n3. Start the print spooler service\nThanks, Desk"},
		{ID: 2, Resolution: "Stop print spooler service. Delete spool files. Start the print spooler service. Also replaced the toner."},
		{ID: 3, Resolution: "stop the spooler service, delete all spool files, start spooler service"},
		{ID: 4, Resolution: "Stopped spooler service, deleted the spool files and started the spooler service again; rebooted the printer"},
	}
	c := testCorpus(t, tickets)
	got := c.steps([]int32{0, 1, 2, 3}, 2, 10)
	want := []string{"Stop the print spooler service", "Delete the spool files", "Start the print spooler service"}
	if !slices.Equal(got, want) {
		t.Errorf("steps %q, want %q", got, want)
	}
	if got := c.steps([]int32{0, 1, 2, 3}, 2, 2); len(got) != 2 {
		t.Errorf("max steps ignored: %q", got)
	}
}

func TestStepsFallBackToTheCentralResolution(t *testing.T) {
	tickets := []Ticket{
		{ID: 1, Resolution: "Cleared the cache. Rebooted."},
		{ID: 2, Resolution: "Deleted temporary profile data"},
		{ID: 3, Resolution: "Profile rebuilt by the desk"},
	}
	c := testCorpus(t, tickets)
	if got := c.steps([]int32{0, 1, 2}, 2, 10); !slices.Equal(got, []string{"Cleared the cache", "Rebooted"}) {
		t.Errorf("steps %q, want the central resolution as written", got)
	}
	if got := c.steps([]int32{2, 1, 0}, 3, 10); !slices.Equal(got, []string{"Profile rebuilt by the desk"}) {
		t.Errorf("steps %q", got)
	}
	if got := c.steps(nil, 2, 10); len(got) != 0 {
		t.Errorf("steps without members %q", got)
	}
}

func TestMergeArticleAddsOnlyWhatIsNew(t *testing.T) {
	c := testCorpus(t, syntheticTickets(50))
	a := Article{ID: 1, Title: "Printer queue stuck", Problem: "Jobs stay in the queue",
		Steps: []string{"Stop the Print Spooler service", "Delete the files in the spool folder"}, Categories: []string{"Hardware"}}
	cand := Candidate{Title: "Print jobs stuck", Problem: "x",
		Steps:      []string{"In services.msc stop the Print Spooler service", "Print a test page from the printer's web page"},
		Symptoms:   []string{"Jobs stay in the queue", "The whole floor cannot print"},
		Categories: []string{"Hardware", "Printing"}, Products: []string{"Printers"}, Sources: []int64{4, 5}}
	got, adds := c.mergeArticle(a, cand)
	if !adds {
		t.Fatal("merge adds nothing")
	}
	if got.Title != a.Title || got.Problem != a.Problem {
		t.Errorf("title %q problem %q", got.Title, got.Problem)
	}
	if want := append(slices.Clone(a.Steps), "Print a test page from the printer's web page"); !slices.Equal(got.Steps, want) {
		t.Errorf("steps %q, want %q", got.Steps, want)
	}
	if !slices.Equal(got.Symptoms, []string{"The whole floor cannot print"}) {
		t.Errorf("symptoms %q", got.Symptoms)
	}
	if !slices.Equal(got.Categories, []string{"Hardware", "Printing"}) || !slices.Equal(got.Products, []string{"Printers"}) {
		t.Errorf("categories %v products %v", got.Categories, got.Products)
	}
	if !slices.Equal(got.Sources, cand.Sources) {
		t.Errorf("sources %v", got.Sources)
	}
	same := Candidate{Steps: []string{"stop the print spooler service"}, Categories: []string{"Hardware"}}
	if _, adds := c.mergeArticle(a, same); adds {
		t.Error("a candidate the article already covers adds something")
	}
}

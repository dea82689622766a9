package index

import (
	"context"
	"strings"
	"testing"
)

func caseText(t *testing.T, ix *Index, id int64) (string, bool) {
	t.Helper()
	s, ok, err := ix.CaseText(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return s, ok
}

func TestIndexCasesIdempotentAndOrdered(t *testing.T) {
	ctx := context.Background()
	ix := openT(t, t.TempDir())
	v1 := sampleCase(5)
	v2 := v1
	v2.Version, v2.Subject = 2, "printer jammed"

	for i := 0; i < 3; i++ { // the same write again changes nothing
		if err := ix.IndexCases(ctx, []Case{v1}); err != nil {
			t.Fatal(err)
		}
	}
	if c, _ := mustCount(t, ix); c != 1 {
		t.Fatalf("%d cases after re-indexing one, want 1", c)
	}
	if err := ix.IndexCases(ctx, []Case{v2}); err != nil {
		t.Fatal(err)
	}
	if s, _ := caseText(t, ix, 5); !strings.HasPrefix(s, "printer jammed") {
		t.Fatalf("newer version not applied: %q", s)
	}
	// A replay delivers version 1 again: it must not undo version 2.
	if err := ix.IndexCases(ctx, []Case{v1}); err != nil {
		t.Fatal(err)
	}
	if s, _ := caseText(t, ix, 5); !strings.HasPrefix(s, "printer jammed") {
		t.Fatalf("older version replaced newer: %q", s)
	}
	// Same version again replaces (an edit re-sent with its version).
	v2b := v2
	v2b.Subject = "printer jammed again"
	if err := ix.IndexCases(ctx, []Case{v2b}); err != nil {
		t.Fatal(err)
	}
	if s, _ := caseText(t, ix, 5); !strings.HasPrefix(s, "printer jammed again") {
		t.Fatalf("same version not replaced: %q", s)
	}
}

func TestIndexCasesHighestVersionInOneCall(t *testing.T) {
	ctx := context.Background()
	ix := openT(t, t.TempDir())
	a, b, c := sampleCase(9), sampleCase(9), sampleCase(9)
	a.Version, a.Subject = 3, "third"
	b.Version, b.Subject = 1, "first"
	c.Version, c.Subject = 2, "second"
	if err := ix.IndexCases(ctx, []Case{a, b, c}); err != nil {
		t.Fatal(err)
	}
	if s, _ := caseText(t, ix, 9); !strings.HasPrefix(s, "third") {
		t.Fatalf("got %q, want the version 3 text", s)
	}
}

func TestIndexCasesAcrossBatches(t *testing.T) {
	ctx := context.Background()
	opts := quietOptions()
	opts.BatchSize = 7
	ix, err := Open(t.TempDir(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	var cases []Case
	for id := int64(1); id <= 50; id++ {
		cases = append(cases, sampleCase(id))
	}
	if err := ix.IndexCases(ctx, cases); err != nil {
		t.Fatal(err)
	}
	if c, _ := mustCount(t, ix); c != 50 {
		t.Fatalf("%d cases, want 50", c)
	}
}

func TestIndexArticlesVersioned(t *testing.T) {
	ctx := context.Background()
	ix := openT(t, t.TempDir())
	if err := ix.IndexArticles(ctx, []Article{{ID: 1, Version: 4, Title: "Reset a password"}}); err != nil {
		t.Fatal(err)
	}
	if err := ix.IndexArticles(ctx, []Article{{ID: 1, Version: 3, Title: "Old title"}}); err != nil {
		t.Fatal(err)
	}
	res, err := ix.Search(ctx, SearchQuery{Q: "password"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) != 1 || res.Hits[0].Title != "Reset a password" || res.Hits[0].Version != 4 {
		t.Fatalf("hits %+v, want the version 4 article", res.Hits)
	}
}

func TestDeletes(t *testing.T) {
	ctx := context.Background()
	ix := openT(t, t.TempDir())
	if err := ix.IndexCases(ctx, []Case{sampleCase(1), sampleCase(2)}); err != nil {
		t.Fatal(err)
	}
	if err := ix.IndexArticles(ctx, []Article{{ID: 3, Title: "Printer offline"}}); err != nil {
		t.Fatal(err)
	}
	if err := ix.DeleteCase(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if err := ix.DeleteCase(ctx, 1); err != nil { // already gone: no error
		t.Fatal(err)
	}
	if err := ix.DeleteArticle(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if c, a := mustCount(t, ix); c != 1 || a != 0 {
		t.Fatalf("after deletes %d cases %d articles, want 1 and 0", c, a)
	}
	if _, ok := caseText(t, ix, 1); ok {
		t.Fatal("deleted case still has text")
	}
	hits, _, err := ix.Similar(ctx, SimilarQuery{Text: "printer offline", K: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 1 || hits[0].TicketID != 2 {
		t.Fatalf("similar after delete = %+v, want only ticket 2", hits)
	}
	if err := ix.DeleteCase(ctx, 0); err == nil {
		t.Fatal("DeleteCase(0) succeeded")
	}
	if err := ix.DeleteArticle(ctx, -1); err == nil {
		t.Fatal("DeleteArticle(-1) succeeded")
	}
}

func TestIndexRejectsInvalidDocuments(t *testing.T) {
	ctx := context.Background()
	ix := openT(t, t.TempDir())
	bad := map[string]Case{
		"ticket id": {TicketID: 0, Subject: "x"},
		"version":   {TicketID: 1, Version: -1, Subject: "x"},
		"lang":      {TicketID: 1, Subject: "x", Lang: "fr"},
		"empty":     {TicketID: 1},
		"article":   {TicketID: 1, Subject: "x", ArticleID: -2},
	}
	for name, c := range bad {
		// A valid case in the same call must not be written either.
		if err := ix.IndexCases(ctx, []Case{sampleCase(100), c}); err == nil {
			t.Errorf("%s: invalid case accepted", name)
		}
	}
	if c, _ := mustCount(t, ix); c != 0 {
		t.Fatalf("%d cases written by rejected calls", c)
	}
	for name, a := range map[string]Article{
		"id":    {ID: 0, Title: "x"},
		"title": {ID: 1, Title: "  "},
		"lang":  {ID: 1, Title: "x", Lang: "de"},
	} {
		if err := ix.IndexArticles(ctx, []Article{a}); err == nil {
			t.Errorf("%s: invalid article accepted", name)
		}
	}
}

func TestLangDerived(t *testing.T) {
	ctx := context.Background()
	ix := openT(t, t.TempDir())
	zh := Case{TicketID: 1, Subject: "打印机卡纸", Description: "三楼打印机卡纸了"}
	en := Case{TicketID: 2, Subject: "printer jam", Description: "paper stuck in the printer"}
	if err := ix.IndexCases(ctx, []Case{zh, en}); err != nil {
		t.Fatal(err)
	}
	for lang, want := range map[string]int64{"zh": 1, "en": 2} {
		res, err := ix.Search(ctx, SearchQuery{Q: "printer 打印机", Kind: KindCase, Lang: lang})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Hits) != 1 || res.Hits[0].ID != want {
			t.Errorf("lang %s: hits %+v, want ticket %d only", lang, res.Hits, want)
		}
	}
}

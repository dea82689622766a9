package index

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// backgroundCases are n tickets drawn from a shared IT vocabulary, so the
// planted cases have to win on their specific words, not on being alone.
func backgroundCases(n int, firstID int64) []Case {
	words := strings.Fields("printer offline queue password reset locked account vpn timeout gateway " +
		"outlook mailbox full calendar laptop screen battery keyboard wifi network slow install license " +
		"office excel crash error update windows monitor cable dock access share folder permission")
	zh := []string{"打印机", "密码", "账号", "锁定", "网络", "无线", "邮箱", "附件", "电脑", "蓝屏", "软件", "安装", "许可证", "显示器", "键盘"}
	cats := []string{"Hardware", "Access", "Network", "Email", "Software"}
	r := rand.New(rand.NewPCG(1, 2))
	out := make([]Case, n)
	for i := range out {
		pick := func(k int, from []string) string {
			s := make([]string, k)
			for j := range s {
				s[j] = from[r.IntN(len(from))]
			}
			return strings.Join(s, " ")
		}
		c := Case{TicketID: firstID + int64(i), Version: 1, Category: cats[i%len(cats)]}
		if i%3 == 0 {
			c.Subject, c.Description = pick(3, zh), pick(8, zh)
		} else {
			c.Subject, c.Description = pick(4, words), pick(12, words)
		}
		c.Resolution = pick(5, words)
		out[i] = c
	}
	return out
}

func similarFixture(t *testing.T) *Index {
	t.Helper()
	ix := openT(t, t.TempDir())
	cases := backgroundCases(300, 1)
	cases = append(cases,
		Case{TicketID: 9001, Version: 1, Subject: "Outlook crashes opening shared calendar",
			Description: "outlook crashes every time I open the shared team calendar", Resolution: "repaired the office profile",
			Category: "Email", Product: "Outlook", ArticleID: 77},
		Case{TicketID: 9002, Version: 1, Subject: "VPN客户端报错809",
			Description: "在家连接VPN时客户端报错809，无法建立隧道", Resolution: "放行UDP 500和4500端口",
			Category: "Network", ArticleID: 78},
	)
	ctx := context.Background()
	if err := ix.IndexCases(ctx, cases); err != nil {
		t.Fatal(err)
	}
	articles := []Article{
		{ID: 77, Version: 1, Title: "Repair an Office profile", Problem: "Office applications fail to start"},
		{ID: 78, Version: 1, Title: "L2TP VPN 错误 809", Problem: "防火墙拦截 IPsec 端口"},
		{ID: 79, Version: 1, Title: "Outlook shared calendar does not open", Problem: "Opening a shared calendar crashes Outlook"},
	}
	if err := ix.IndexArticles(ctx, articles); err != nil {
		t.Fatal(err)
	}
	return ix
}

func similar(t *testing.T, ix *Index, q SimilarQuery) ([]CaseHit, []ArticleHit) {
	t.Helper()
	cs, as, err := ix.Similar(context.Background(), q)
	if err != nil {
		t.Fatalf("Similar(%+v): %v", q, err)
	}
	return cs, as
}

func ids(hits []CaseHit) []int64 {
	out := make([]int64, len(hits))
	for i, h := range hits {
		out[i] = h.TicketID
	}
	return out
}

func TestSimilarPlantedNearDuplicatesRankFirst(t *testing.T) {
	ix := similarFixture(t)
	hits, _ := similar(t, ix, SimilarQuery{Text: "Outlook crashed when I opened our team's shared calendar", K: 5})
	if len(hits) == 0 || hits[0].TicketID != 9001 {
		t.Fatalf("english: ranking %v, want 9001 first", ids(hits))
	}
	h := hits[0]
	if h.Subject == "" || h.Resolution != "repaired the office profile" || h.Category != "Email" || h.Product != "Outlook" || h.ArticleID != 77 {
		t.Fatalf("hit fields not filled: %+v", h)
	}
	hits, _ = similar(t, ix, SimilarQuery{Text: "VPN连接报错809，连不上", K: 5})
	if len(hits) == 0 || hits[0].TicketID != 9002 {
		t.Fatalf("chinese: ranking %v, want 9002 first", ids(hits))
	}
	if len(hits) != 5 {
		t.Fatalf("K=5 returned %d hits", len(hits))
	}
	for i := 1; i < len(hits); i++ {
		if hits[i].Score > hits[i-1].Score {
			t.Fatalf("hits not sorted by score: %+v", hits)
		}
	}
}

func TestSimilarExcludeAndBoost(t *testing.T) {
	ix := similarFixture(t)
	text := "Outlook crashes opening the shared calendar"
	hits, _ := similar(t, ix, SimilarQuery{Text: text, K: 10, ExcludeTicket: 9001})
	for _, h := range hits {
		if h.TicketID == 9001 {
			t.Fatal("excluded ticket returned")
		}
	}
	base, _ := similar(t, ix, SimilarQuery{Text: text, K: 10})
	if base[0].TicketID != 9001 || len(base) < 3 {
		t.Fatalf("baseline ranking %v", ids(base))
	}
	third := base[2].TicketID
	// Agent feedback buries the first and lifts the third.
	boosted, _ := similar(t, ix, SimilarQuery{Text: text, K: MaxSimilarK, Boost: func(id int64) float64 {
		switch id {
		case 9001:
			return -3 // negative counts as 0
		case third:
			return 100
		}
		return 1
	}})
	if boosted[0].TicketID != third {
		t.Fatalf("boosted ranking %v, want %d first", ids(boosted), third)
	}
	if last := boosted[len(boosted)-1]; last.TicketID != 9001 || last.Score != 0 {
		t.Fatalf("zero-boosted ticket not last with score 0: %+v", boosted)
	}
}

func TestSimilarCategoryPrior(t *testing.T) {
	ctx := context.Background()
	ix := openT(t, t.TempDir())
	same := "monitor flickers after docking"
	if err := ix.IndexCases(ctx, []Case{
		{TicketID: 1, Subject: same, Category: "Hardware"},
		{TicketID: 2, Subject: same, Category: "Software"},
	}); err != nil {
		t.Fatal(err)
	}
	hits, _ := similar(t, ix, SimilarQuery{Text: same, K: 2})
	if fmt.Sprint(ids(hits)) != "[1 2]" || hits[0].Score != hits[1].Score {
		t.Fatalf("equal texts: %+v, want a tie broken by id", hits)
	}
	hits, _ = similar(t, ix, SimilarQuery{Text: same, K: 2, CategoryPrior: map[string]float64{"Software": 0.9, "Hardware": 0.1}})
	if fmt.Sprint(ids(hits)) != "[2 1]" {
		t.Fatalf("with prior: %v, want the likely category first", ids(hits))
	}
	if r := hits[0].Score / hits[1].Score; r < 1.72 || r > 1.73 { // (1+0.9)/(1+0.1)
		t.Fatalf("prior ratio %.3f, want 1.727", r)
	}
}

func TestSimilarArticles(t *testing.T) {
	ctx := context.Background()
	ix := similarFixture(t)
	_, arts := similar(t, ix, SimilarQuery{Text: "Outlook crashes opening the shared calendar", K: 5, Articles: 2})
	if len(arts) != 2 {
		t.Fatalf("articles %+v, want 2", arts)
	}
	got := map[int64]bool{arts[0].ID: true, arts[1].ID: true}
	// 79 matches the text; 77 shares no term with it but solved the most
	// similar case.
	if !got[79] || !got[77] {
		t.Fatalf("articles %+v, want 77 and 79", arts)
	}
	for _, a := range arts {
		if a.Title == "" || a.Version != 1 || a.Score <= 0 {
			t.Fatalf("article hit not filled: %+v", a)
		}
	}
	// An article deleted since is not suggested even though a case used it.
	if err := ix.DeleteArticle(ctx, 77); err != nil {
		t.Fatal(err)
	}
	_, arts = similar(t, ix, SimilarQuery{Text: "Outlook crashes opening the shared calendar", K: 5, Articles: 5})
	for _, a := range arts {
		if a.ID == 77 {
			t.Fatal("deleted article suggested")
		}
	}
	if _, arts = similar(t, ix, SimilarQuery{Text: "Outlook crashes", K: 5}); arts != nil {
		t.Fatalf("Articles 0 returned %+v", arts)
	}
}

func TestSimilarQueryErrors(t *testing.T) {
	ix := openT(t, t.TempDir())
	for field, q := range map[string]SimilarQuery{
		"text":           {K: 5},
		"k":              {Text: "x", K: 0},
		"articles":       {Text: "x", K: 5, Articles: MaxSimilarArticles + 1},
		"exclude_ticket": {Text: "x", K: 5, ExcludeTicket: -1},
	} {
		_, _, err := ix.Similar(context.Background(), q)
		var qe *QueryError
		if !errors.As(err, &qe) || qe.Field != field {
			t.Errorf("%+v: err %v, want QueryError on %s", q, err, field)
		}
	}
	_, _, err := ix.Similar(context.Background(), SimilarQuery{Text: "x", K: MaxSimilarK + 1})
	var qe *QueryError
	if !errors.As(err, &qe) || qe.Field != "k" {
		t.Errorf("K too large: %v", err)
	}
	hits, arts, err := ix.Similar(context.Background(), SimilarQuery{Text: "的了吗 the of", K: 5, Articles: 3})
	if err != nil || hits != nil || arts != nil {
		t.Errorf("stop words only: %v %v %v, want nothing and no error", hits, arts, err)
	}
}

func TestQueryTermsKeepsRarest(t *testing.T) {
	ctx := context.Background()
	ix := openT(t, t.TempDir())
	var cases []Case
	for i := int64(1); i <= commonTermMinDocs; i++ {
		c := Case{TicketID: i, Subject: "common words everywhere"}
		if i == 1 {
			c.Description = "zeppelin"
		}
		if i <= 5 {
			c.Resolution = "gadget"
		}
		cases = append(cases, c)
	}
	if err := ix.IndexCases(ctx, cases); err != nil {
		t.Fatal(err)
	}
	terms, all, err := ix.queryTerms(ctx, "common gadget zeppelin unknownterm everywhere")
	if err != nil {
		t.Fatal(err)
	}
	// Rarest first; the common ones (in every case) and the unknown one go.
	// Articles are matched on all of them.
	if fmt.Sprint(terms) != "[zeppelin gadget]" || len(all) != 5 {
		t.Fatalf("terms %q, all %q; want [zeppelin gadget] and five", terms, all)
	}
	// Only common terms: the rarest of them is kept so something matches.
	terms, _, err = ix.queryTerms(ctx, "common everywhere")
	if err != nil || len(terms) != 1 {
		t.Fatalf("terms %q, %v; want one", terms, err)
	}
	var long []string
	for i := 0; i < 3*maxQueryTerms; i++ {
		long = append(long, fmt.Sprintf("w%dx", i))
	}
	if err := ix.IndexCases(ctx, []Case{{TicketID: 99, Subject: strings.Join(long, " ")}}); err != nil {
		t.Fatal(err)
	}
	terms, _, err = ix.queryTerms(ctx, strings.Join(long, " "))
	if err != nil || len(terms) != maxQueryTerms {
		t.Fatalf("long text gave %d terms, %v; want %d", len(terms), err, maxQueryTerms)
	}
}

func TestQueryTermsPostingsBudget(t *testing.T) {
	ctx := context.Background()
	ix := openT(t, t.TempDir())
	// Terms t1..t8, each in the subjects of 10 cases, t1 the rarest by a
	// hair so the order is fixed.
	var cases []Case
	for i := int64(1); i <= 40; i++ {
		var words []string
		for k := int64(1); k <= 8; k++ {
			if (i+k)%4 == 0 || (k == 1 && i == 40) {
				words = append(words, fmt.Sprintf("t%d", k))
			}
		}
		cases = append(cases, Case{TicketID: i, Subject: "filler " + strings.Join(words, " ")})
	}
	if err := ix.IndexCases(ctx, cases); err != nil {
		t.Fatal(err)
	}
	text := "t1 t2 t3 t4 t5 t6 t7 t8"
	terms, _, err := ix.queryTerms(ctx, text)
	if err != nil || len(terms) != 8 {
		t.Fatalf("default budget: terms %q, %v; want all 8", terms, err)
	}
	// Each term walks about 10 postings: a budget of 45 admits the first
	// minBudgetTerms terms and no more.
	ix.postingsBudget = 45
	terms, _, err = ix.queryTerms(ctx, text)
	if err != nil || len(terms) != minBudgetTerms {
		t.Fatalf("budget 45: terms %q, %v; want %d", terms, err, minBudgetTerms)
	}
	// Below the minimum the budget does not apply.
	ix.postingsBudget = 1
	if terms, _, err = ix.queryTerms(ctx, text); err != nil || len(terms) != minBudgetTerms {
		t.Fatalf("budget 1: terms %q, %v; want %d", terms, err, minBudgetTerms)
	}
}

func TestCaseText(t *testing.T) {
	ctx := context.Background()
	ix := openT(t, t.TempDir())
	if err := ix.IndexCases(ctx, []Case{
		{TicketID: 1, Subject: "VPN drops", Description: "every ten minutes"},
		{TicketID: 2, Description: "only a description"},
	}); err != nil {
		t.Fatal(err)
	}
	if s, ok := caseText(t, ix, 1); !ok || s != "VPN drops\nevery ten minutes" {
		t.Fatalf("CaseText(1) = %q, %v", s, ok)
	}
	if s, ok := caseText(t, ix, 2); !ok || s != "only a description" {
		t.Fatalf("CaseText(2) = %q, %v", s, ok)
	}
	if _, ok := caseText(t, ix, 3); ok {
		t.Fatal("CaseText(3) found a ticket that was never indexed")
	}
	var qe *QueryError
	if _, _, err := ix.CaseText(ctx, 0); !errors.As(err, &qe) {
		t.Fatalf("CaseText(0): %v, want QueryError", err)
	}
}

package index

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func articleFixture(t *testing.T) *Index {
	t.Helper()
	ix := openT(t, t.TempDir())
	articles := []Article{
		{ID: 1, Version: 1, Title: "Printers show offline", Problem: "Jobs stay in the queue while the printer is offline.",
			Steps: "Restart the print spooler <script>alert(1)</script>", Categories: []string{"Hardware"}, Products: []string{"HP M404"}},
		{ID: 2, Version: 1, Title: "VPN connection times out", Problem: "The VPN client cannot reach the gateway from home.",
			Categories: []string{"Network"}, Products: []string{"AnyConnect"}},
		{ID: 3, Version: 2, Title: "Reset your password", Problem: "Locked out after too many attempts.",
			Categories: []string{"Access"}},
		{ID: 4, Version: 1, Title: "打印机卡纸怎么处理", Problem: "三楼的打印机经常卡纸，纸张取不出来。", Steps: "打开后盖，取出卡住的纸张。",
			Categories: []string{"Hardware"}},
		{ID: 5, Version: 1, Title: "VPN连接超时", Problem: "在家办公时VPN客户端提示连接超时。", Categories: []string{"Network"}},
		{ID: 6, Version: 1, Title: "邮箱容量已满", Problem: "Outlook提示邮箱已满，无法接收新邮件。", Categories: []string{"Email"}},
	}
	if err := ix.IndexArticles(context.Background(), articles); err != nil {
		t.Fatal(err)
	}
	return ix
}

func search(t *testing.T, ix *Index, q SearchQuery) *SearchResult {
	t.Helper()
	res, err := ix.Search(context.Background(), q)
	if err != nil {
		t.Fatalf("Search(%+v): %v", q, err)
	}
	return res
}

func allFragments(h SearchHit) string {
	var b strings.Builder
	for _, fs := range h.Highlights {
		for _, f := range fs {
			b.WriteString(f)
			b.WriteString("\n")
		}
	}
	return b.String()
}

func TestSearchEnglishWithHighlights(t *testing.T) {
	ix := articleFixture(t)
	res := search(t, ix, SearchQuery{Q: "printer offline"})
	if res.Total == 0 || res.Hits[0].ID != 1 {
		t.Fatalf("hits %+v, want article 1 first", res.Hits)
	}
	h := res.Hits[0]
	if h.Kind != KindArticle || h.Title != "Printers show offline" || h.Version != 1 {
		t.Fatalf("hit %+v lacks its stored fields", h)
	}
	frag := allFragments(h)
	// Stemming matches "Printers" for "printer"; the mark keeps the text.
	for _, want := range []string{"<mark>Printers</mark>", "<mark>offline</mark>"} {
		if !strings.Contains(frag, want) {
			t.Errorf("fragments %q lack %q", frag, want)
		}
	}
	steps := search(t, ix, SearchQuery{Q: "spooler"})
	if len(steps.Hits) != 1 {
		t.Fatalf("spooler hits %+v", steps.Hits)
	}
	frag = allFragments(steps.Hits[0])
	if strings.Contains(frag, "<script>") || !strings.Contains(frag, "&lt;script&gt;") {
		t.Errorf("fragment not HTML-escaped: %q", frag)
	}
}

func TestSearchChineseWithHighlights(t *testing.T) {
	ix := articleFixture(t)
	res := search(t, ix, SearchQuery{Q: "打印机卡纸了"})
	if len(res.Hits) == 0 || res.Hits[0].ID != 4 {
		t.Fatalf("hits %+v, want article 4 first", res.Hits)
	}
	frag := allFragments(res.Hits[0])
	for _, want := range []string{"<mark>打印机</mark>", "<mark>卡纸</mark>"} {
		if !strings.Contains(frag, want) {
			t.Errorf("fragments %q lack %q", frag, want)
		}
	}
	res = search(t, ix, SearchQuery{Q: "邮箱满了"})
	if len(res.Hits) == 0 || res.Hits[0].ID != 6 {
		t.Fatalf("hits %+v, want article 6 first", res.Hits)
	}
	// Mixed text: the Latin word is found in Chinese text.
	res = search(t, ix, SearchQuery{Q: "vpn 超时", Lang: "zh"})
	if len(res.Hits) != 1 || res.Hits[0].ID != 5 {
		t.Fatalf("hits %+v, want article 5 only", res.Hits)
	}
	if frag := allFragments(res.Hits[0]); !strings.Contains(frag, "<mark>VPN</mark>") || !strings.Contains(frag, "<mark>超时</mark>") {
		t.Errorf("fragments %q lack the marked terms", frag)
	}
}

func TestSearchFiltersAndPages(t *testing.T) {
	ix := articleFixture(t)
	res := search(t, ix, SearchQuery{Q: "printer 打印机 vpn", Category: "Hardware"})
	if res.Total != 2 {
		t.Fatalf("category filter: total %d, hits %+v; want articles 1 and 4", res.Total, res.Hits)
	}
	for _, h := range res.Hits {
		if h.ID != 1 && h.ID != 4 {
			t.Errorf("category filter let article %d through", h.ID)
		}
	}
	res = search(t, ix, SearchQuery{Q: "vpn", Product: "AnyConnect"})
	if res.Total != 1 || res.Hits[0].ID != 2 {
		t.Fatalf("product filter: %+v", res.Hits)
	}
	res = search(t, ix, SearchQuery{Q: "vpn", Lang: "en"})
	if res.Total != 1 || res.Hits[0].ID != 2 {
		t.Fatalf("lang filter: %+v", res.Hits)
	}
	all := search(t, ix, SearchQuery{Q: "printer 打印机 vpn password 邮箱"})
	if all.Total != 6 {
		t.Fatalf("total %d, want 6", all.Total)
	}
	page := search(t, ix, SearchQuery{Q: "printer 打印机 vpn password 邮箱", Size: 2, From: 2})
	if page.Total != 6 || len(page.Hits) != 2 || page.Hits[0].ID != all.Hits[2].ID || page.Hits[1].ID != all.Hits[3].ID {
		t.Fatalf("page 2 = %+v, want hits 3 and 4 of %+v", page.Hits, all.Hits)
	}
	if res := search(t, ix, SearchQuery{Q: "的 了 吗 the"}); res.Total != 0 {
		t.Fatalf("stop-word query found %d", res.Total)
	}
}

func TestSearchCases(t *testing.T) {
	ctx := context.Background()
	ix := openT(t, t.TempDir())
	cases := []Case{
		{TicketID: 11, Subject: "Outlook keeps asking for password", Description: "prompt appears every minute",
			Resolution: "cleared cached credentials", Category: "Email", Product: "Outlook"},
		{TicketID: 12, Subject: "VPN drops", Description: "disconnects at the hotel", Category: "Network"},
		{TicketID: 13, Subject: "打印机脱机", Description: "打印机显示脱机，无法打印", Category: "Hardware"},
	}
	if err := ix.IndexCases(ctx, cases); err != nil {
		t.Fatal(err)
	}
	res := search(t, ix, SearchQuery{Q: "credentials", Kind: KindCase})
	if res.Total != 1 || res.Hits[0].ID != 11 || res.Hits[0].Kind != KindCase || res.Hits[0].Title != cases[0].Subject {
		t.Fatalf("case search hits %+v", res.Hits)
	}
	if frag := allFragments(res.Hits[0]); !strings.Contains(frag, "<mark>credentials</mark>") {
		t.Errorf("resolution not highlighted: %q", frag)
	}
	res = search(t, ix, SearchQuery{Q: "脱机", Kind: KindCase, Category: "Hardware"})
	if res.Total != 1 || res.Hits[0].ID != 13 || !strings.Contains(allFragments(res.Hits[0]), "<mark>脱机</mark>") {
		t.Fatalf("chinese case search hits %+v", res.Hits)
	}
	// Articles are a different index: the cases are not found there.
	if res := search(t, ix, SearchQuery{Q: "credentials"}); res.Total != 0 {
		t.Fatalf("article search found %d cases", res.Total)
	}
}

func TestSearchQueryErrors(t *testing.T) {
	ix := openT(t, t.TempDir())
	cases := map[string]SearchQuery{
		"q":    {Q: ""},
		"kind": {Q: "x", Kind: "ticket"},
		"size": {Q: "x", Size: MaxSearchSize + 1},
		"from": {Q: "x", From: -1},
		"lang": {Q: "x", Lang: "fr"},
	}
	cases["q "] = SearchQuery{Q: strings.Repeat("打", MaxQueryRunes+1)}
	cases["size "] = SearchQuery{Q: "x", Size: -1}
	cases["from "] = SearchQuery{Q: "x", From: MaxSearchFrom + 1}
	for want, q := range cases {
		_, err := ix.Search(context.Background(), q)
		var qe *QueryError
		if !errors.As(err, &qe) {
			t.Errorf("%+v: err %v, want a QueryError", q, err)
			continue
		}
		if qe.Field != strings.TrimSpace(want) || qe.Reason == "" {
			t.Errorf("%+v: QueryError %+v, want field %q", q, qe, want)
		}
		if !strings.HasPrefix(qe.Error(), qe.Field+": ") {
			t.Errorf("message %q does not name the field", qe.Error())
		}
	}
	// The largest valid values are accepted.
	if _, err := ix.Search(context.Background(), SearchQuery{Q: "x", Size: MaxSearchSize, From: MaxSearchFrom}); err != nil {
		t.Errorf("limits rejected: %v", err)
	}
}

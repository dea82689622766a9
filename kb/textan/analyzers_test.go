package textan

import (
	"reflect"
	"testing"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/registry"
)

func analyze(t testing.TB, cache *registry.Cache, name, text string) []string {
	t.Helper()
	a, err := cache.AnalyzerNamed(name)
	if err != nil {
		t.Fatalf("analyzer %s: %v", name, err)
	}
	return termsOf(a.Analyze([]byte(text)))
}

func termsOf(s analysis.TokenStream) []string {
	out := make([]string, len(s))
	for i, t := range s {
		out[i] = string(t.Term)
	}
	return out
}

func TestAnalyzersRegistered(t *testing.T) {
	cache := registry.NewCache()
	for _, name := range []string{AnalyzerEnglish, AnalyzerGse, AnalyzerCJK, AnalyzerTextGse, AnalyzerTextCJK, AnalyzerText} {
		if _, err := cache.AnalyzerNamed(name); err != nil {
			t.Errorf("analyzer %s: %v", name, err)
		}
	}
}

func TestAnalyzerTextIsTheChosenCandidate(t *testing.T) {
	cache := registry.NewCache()
	chosen, err := textAnalyzerName(TextChinese)
	if err != nil {
		t.Fatal(err)
	}
	other := AnalyzerTextCJK
	if chosen == AnalyzerTextCJK {
		other = AnalyzerTextGse
	}
	const text = "打印机卡纸了，中华人民共和国"
	got := analyze(t, cache, AnalyzerText, text)
	if want := analyze(t, cache, chosen, text); !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %q, want %s = %q", AnalyzerText, got, chosen, want)
	}
	if o := analyze(t, cache, other, text); reflect.DeepEqual(got, o) {
		t.Errorf("%s and %s agree on %q; the test text no longer tells them apart", chosen, other, text)
	}
	if _, err := textAnalyzerName("nope"); err == nil {
		t.Error("unknown chinese method accepted")
	}
}

// English text must be analysed exactly like bleve's "en" analyzer by both
// our English analyzer and the one every text field uses, on real tickets.
func TestEnglishLikeBleveEn(t *testing.T) {
	docs := itTickets(t, 2000)
	docs = append(docs, "The user's laptop won't boot", "Printers are OFFLINE again!", "café résumé naïve")
	cache := registry.NewCache()
	for _, d := range docs {
		want := analyze(t, cache, en.AnalyzerName, d)
		if got := analyze(t, cache, AnalyzerEnglish, d); !reflect.DeepEqual(got, want) {
			t.Fatalf("%s(%q) = %q, en = %q", AnalyzerEnglish, d, got, want)
		}
		if got := analyze(t, cache, AnalyzerText, d); !reflect.DeepEqual(got, want) {
			t.Fatalf("%s(%q) = %q, en = %q", AnalyzerText, d, got, want)
		}
	}
}

func TestTokensMatchesAnalyzerText(t *testing.T) {
	cache := registry.NewCache()
	for _, s := range []string{"VPN连接超时，请帮忙看看", "Outlook keeps crashing"} {
		if got, want := Tokens(s), analyze(t, cache, AnalyzerText, s); !reflect.DeepEqual(got, want) {
			t.Errorf("Tokens(%q) = %q, analyzer = %q", s, got, want)
		}
	}
}

package textan

import (
	"testing"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/token/porter"
)

func stream(terms ...string) analysis.TokenStream {
	out := make(analysis.TokenStream, len(terms))
	for i, s := range terms {
		out[i] = &analysis.Token{Term: []byte(s), Position: i + 1}
	}
	return out
}

func terms(s analysis.TokenStream) []string {
	out := make([]string, len(s))
	for i, t := range s {
		out[i] = string(t.Term)
	}
	return out
}

func TestChineseStopFilter(t *testing.T) {
	got := terms(chineseStopFilter{}.Filter(stream("请", "重置", "的", "密码", "不", "吗")))
	want := []string{"重置", "密码", "不"}
	if len(got) != len(want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
}

func TestLatinStemFilter(t *testing.T) {
	in := stream("printing", "打印", "connections", "ネットワーク", "failed")
	in[4].KeyWord = true
	got := terms(latinStemFilter{porter: porter.NewPorterStemmer()}.Filter(in))
	want := []string{"print", "打印", "connect", "ネットワーク", "failed"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
}

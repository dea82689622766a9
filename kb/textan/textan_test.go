package textan

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"github.com/deskmine/deskmine/internal/testdata"
)

func TestHasHan(t *testing.T) {
	cases := map[string]bool{
		"":                   false,
		"printer offline":    false,
		"ＶＰＮ":                false, // full-width Latin is not Han
		"こんにちは":              false, // Kana only
		"VPN连接失败":            true,
		"打印机":                true,
		"error 0x80070005 错": true,
	}
	for in, want := range cases {
		if got := HasHan(in); got != want {
			t.Errorf("HasHan(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestLang(t *testing.T) {
	if got := Lang("Outlook 打不开"); got != "zh" {
		t.Errorf("Lang(mixed) = %q, want zh", got)
	}
	if got := Lang("Outlook will not open"); got != "en" {
		t.Errorf("Lang(english) = %q, want en", got)
	}
}

func TestTokens(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"，。！？ ...", []string{}},
		{"The printer's queue is stuck; printing failed", []string{"printer", "queue", "stuck", "print", "fail"}},
		// Stop words (请 帮 我 吗) go, negation-free content words stay.
		{"请帮我重置密码吗", []string{"重置", "密码"}},
		// Latin inside Chinese is lower-cased and stemmed like English.
		{"VPN连接Printing失败", []string{"vpn", "连接", "print", "失败"}},
		// Full-width Latin is folded to ASCII.
		{"ＶＰＮ连接", []string{"vpn", "连接"}},
		// A long dictionary word brings its dictionary sub-words first.
		{"中华人民共和国", []string{"中华", "华人", "人民", "共和", "共和国", "中华人民共和国"}},
	}
	for _, c := range cases {
		got := Tokens(c.in)
		if c.want == nil {
			if got != nil {
				t.Errorf("Tokens(%q) = %q, want nil", c.in, got)
			}
			continue
		}
		if len(got) == 0 && len(c.want) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("Tokens(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestTokensConcurrent(t *testing.T) {
	texts := []string{
		"我的域账号密码忘记了，登录不了电脑",
		"打印机显示脱机状态，文件一直在队列里打印不出来",
		"Outlook keeps asking for my password",
		"VPN客户端登录时报错809，无法建立连接",
	}
	want := make([][]string, len(texts))
	for i, s := range texts {
		want[i] = Tokens(s)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := 0; r < 50; r++ {
				i := (g + r) % len(texts)
				if got := Tokens(texts[i]); !reflect.DeepEqual(got, want[i]) {
					errs <- texts[i]
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for s := range errs {
		t.Errorf("concurrent Tokens(%q) differs from the serial result", s)
	}
}

// itTickets returns up to n documents of the shared it-tickets set.
func itTickets(t testing.TB, n int) []string {
	t.Helper()
	dir := os.Getenv("DESKMINE_DATA")
	if dir == "" {
		dir = filepath.Join(testdata.RepoRoot(t), "..", "shared", "data")
	}
	path := filepath.Join(dir, "it-tickets", "tickets.csv")
	f, err := os.Open(path)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("it-tickets data set missing under CI: %v", err)
		}
		t.Skipf("it-tickets data set not available: %v", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	if _, err := r.Read(); err != nil {
		t.Fatalf("read %s header: %v", path, err)
	}
	var out []string
	for len(out) < n {
		rec, err := r.Read()
		if err != nil {
			break
		}
		out = append(out, rec[0])
	}
	if len(out) == 0 {
		t.Fatalf("%s: no rows", path)
	}
	return out
}

func BenchmarkTokensEnglish(b *testing.B) {
	docs := itTickets(b, 38225)
	var bytes int64
	for _, d := range docs {
		bytes += int64(len(d))
	}
	b.SetBytes(bytes / int64(len(docs)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Tokens(docs[i%len(docs)])
	}
}

func BenchmarkTokensChinese(b *testing.B) {
	docs, err := readLabelled(os.DirFS("testdata/zh-tickets"), "tickets.tsv")
	if err != nil {
		b.Fatal(err)
	}
	if err := Warm(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Tokens(docs[i%len(docs)].Text)
	}
}

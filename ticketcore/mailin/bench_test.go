package mailin

import (
	"strconv"
	"strings"
	"testing"
)

// Hostile shapes that once cost quadratic time or memory; the benchmarks
// show the cost per byte stays flat as inputs grow.
var hostile = map[string]func(n int) string{
	"unclosed-blockquotes": func(n int) string {
		return "From: a@b.example\r\nContent-Type: text/html\r\n\r\n" + strings.Repeat("<blockquote>x<br>", n/17)
	},
	"attribution-like-lines": func(n int) string {
		return "From: a@b.example\r\n\r\n" + strings.Repeat("On a Monday I\n", n/14)
	},
	"header-block-lines": func(n int) string {
		return "From: a@b.example\r\n\r\n" + strings.Repeat("From: x\nSent: y\n", n/16)
	},
	"references": func(n int) string {
		return "From: a@b.example\r\nReferences: " + strings.Repeat("<a@b> ", n/6) + "\r\n\r\nx"
	},
}

func TestHostileOutputStaysLinear(t *testing.T) {
	raw := hostile["unclosed-blockquotes"](1 << 20)
	m, err := Parse(strings.NewReader(raw), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Text) > 2*len(raw) {
		t.Errorf("%d bytes of text from %d of input", len(m.Text), len(raw))
	}
	raw = hostile["references"](1 << 20)
	if m, err = Parse(strings.NewReader(raw), Limits{}); err != nil || len(m.References) != 1 {
		t.Errorf("references: %v, %d kept", err, len(m.References))
	}
}

func BenchmarkParseHostile(b *testing.B) {
	for name, gen := range hostile {
		for _, n := range []int{1 << 18, 1 << 20} {
			raw := gen(n)
			b.Run(name+"/"+sizeName(n), func(b *testing.B) {
				b.SetBytes(int64(len(raw)))
				for i := 0; i < b.N; i++ {
					if _, err := Parse(strings.NewReader(raw), Limits{}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func BenchmarkParseSamples(b *testing.B) {
	for _, w := range samples {
		raw := readSample(b, w.file)
		b.Run(w.file, func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			for i := 0; i < b.N; i++ {
				if _, err := Parse(strings.NewReader(string(raw)), Limits{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func sizeName(n int) string {
	if n >= 1<<20 {
		return strconv.Itoa(n>>20) + "MiB"
	}
	return strconv.Itoa(n>>10) + "KiB"
}

package evalkit

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
)

func TestBM25KnownRanking(t *testing.T) {
	docs := []string{
		"printer jam paper",             // 0
		"printer printer printer toner", // 1
		"network down",                  // 2
		"paper tray",                    // 3
		"printer",                       // 4
		"toner toner toner toner toner", // 5
		"Printer, JAM!",                 // 6
		"jam printer",                   // 7
	}
	b := NewBM25(docs, nil)
	cases := []struct {
		query string
		k     int
		want  []int
	}{
		// tf 3 (saturating, in a 4-word document) still beats the 1-word
		// document; among tf 1 shorter documents come first, and equal
		// scores (6 and 7) go to the lower number.
		{"printer", 10, []int{1, 4, 6, 7, 0}},
		// Both terms in a short document beat one term (6, 7 before 0 before 1).
		{"printer jam", 10, []int{6, 7, 0, 1, 4}},
		{"printer jam", 2, []int{6, 7}},
		{"network", 10, []int{2}},
		{"nothing matches", 10, nil},
		{"", 10, nil},
		{"printer", 0, nil},
	}
	for _, c := range cases {
		if got := b.Top(c.query, c.k); !slices.Equal(got, c.want) {
			t.Errorf("Top(%q, %d) = %v, want %v", c.query, c.k, got, c.want)
		}
	}
	if b.Len() != len(docs) {
		t.Fatalf("Len %d", b.Len())
	}
	if got := NewBM25(nil, nil).Top("x", 3); got != nil {
		t.Fatalf("empty index returned %v", got)
	}
}

// referenceBM25 scores every document directly from the textbook formula,
// independently of the inverted index.
func referenceBM25(docs [][]string, query []string, d int) float64 {
	n := float64(len(docs))
	total := 0.0
	for _, doc := range docs {
		total += float64(len(doc))
	}
	avg := total / n
	score := 0.0
	seen := map[string]bool{}
	for _, q := range query {
		if seen[q] {
			continue
		}
		seen[q] = true
		df, tf := 0, 0
		for i, doc := range docs {
			if slices.Contains(doc, q) {
				df++
			}
			if i == d {
				for _, t := range doc {
					if t == q {
						tf++
					}
				}
			}
		}
		if tf == 0 {
			continue
		}
		idf := math.Log(1 + (n-float64(df)+0.5)/(float64(df)+0.5))
		f := float64(tf)
		score += idf * f * (1.2 + 1) / (f + 1.2*(1-0.75+0.75*float64(len(docs[d]))/avg))
	}
	return score
}

func TestBM25MatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	vocab := strings.Fields("a b c d e f g h i j k l m n o p")
	docs := make([]string, 60)
	toks := make([][]string, len(docs))
	for i := range docs {
		n := 1 + rng.IntN(12)
		for j := 0; j < n; j++ {
			// Skewed draws so document frequencies differ.
			toks[i] = append(toks[i], vocab[min(rng.IntN(len(vocab)), rng.IntN(len(vocab)))])
		}
		docs[i] = strings.Join(toks[i], " ")
	}
	b := NewBM25(docs, strings.Fields)
	for q := 0; q < 40; q++ {
		var query []string
		for j := 0; j < 1+rng.IntN(4); j++ {
			query = append(query, vocab[rng.IntN(len(vocab))])
		}
		type scored struct {
			d int
			s float64
		}
		var ref []scored
		for d := range docs {
			if s := referenceBM25(toks, query, d); s > 0 {
				ref = append(ref, scored{d, s})
			}
		}
		sort.SliceStable(ref, func(i, j int) bool { return ref[i].s > ref[j].s })
		got := b.Top(strings.Join(query, " "), 5)
		if len(got) != min(5, len(ref)) {
			t.Fatalf("query %v: %d results, want %d", query, len(got), min(5, len(ref)))
		}
		for i, d := range got {
			// Compare scores, not numbers: float rounding may order exact
			// ties differently.
			if s := referenceBM25(toks, query, d); math.Abs(s-ref[i].s) > 1e-9 {
				t.Fatalf("query %v: rank %d is doc %d (score %v), reference has score %v", query, i, d, s, ref[i].s)
			}
		}
	}
}

func TestBM25ConcurrentTop(t *testing.T) {
	docs := make([]string, 200)
	for i := range docs {
		docs[i] = fmt.Sprintf("ticket %d about topic%d and topic%d", i, i%7, i%11)
	}
	b := NewBM25(docs, nil)
	want := b.Top("topic3 topic5", 10)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				if got := b.Top("topic3 topic5", 10); !slices.Equal(got, want) {
					t.Errorf("concurrent Top gave %v, want %v", got, want)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestSimpleTokenize(t *testing.T) {
	if got := SimpleTokenize("VPN-down: Café 42!"); !slices.Equal(got, []string{"vpn", "down", "café", "42"}) {
		t.Fatalf("SimpleTokenize %q", got)
	}
}

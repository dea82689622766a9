package classify

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// topicWords are the distinctive words of each synthetic queue; common words
// appear in every queue and carry no signal.
var topicWords = map[string][]string{
	"printer": {"printer", "toner", "paper", "jam", "print", "tray"},
	"network": {"vpn", "wifi", "router", "connection", "network", "dns"},
	"account": {"password", "login", "reset", "locked", "account", "mfa"},
	"billing": {"invoice", "refund", "charge", "payment", "billing", "receipt"},
}

var commonWords = []string{"please", "help", "thanks", "issue", "today", "urgent", "team", "office"}

// synthetic makes n texts per label: three topic words and three common
// words in random order.
func synthetic(seed uint64, n int, labels ...string) []Example {
	rng := rand.New(rand.NewPCG(seed, 7))
	var ex []Example
	for i := 0; i < n; i++ {
		for _, l := range labels {
			words := topicWords[l]
			toks := []string{
				words[rng.IntN(len(words))], words[rng.IntN(len(words))], words[rng.IntN(len(words))],
				commonWords[rng.IntN(len(commonWords))], commonWords[rng.IntN(len(commonWords))],
				commonWords[rng.IntN(len(commonWords))],
			}
			rng.Shuffle(len(toks), func(a, b int) { toks[a], toks[b] = toks[b], toks[a] })
			ex = append(ex, Example{Text: strings.Join(toks, " "), Label: l})
		}
	}
	return ex
}

func accuracy(m *Model, ex []Example) float64 {
	ok := 0
	for _, e := range ex {
		if m.Predict(e.Text).Label == e.Label {
			ok++
		}
	}
	return float64(ok) / float64(len(ex))
}

func mustTrain(t *testing.T, ex []Example, opts Options) *Model {
	t.Helper()
	m, err := Train(context.Background(), ex, opts)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestTrainLearnsSyntheticQueues(t *testing.T) {
	m := mustTrain(t, synthetic(1, 60, "printer", "network", "account"), Options{})
	if got := accuracy(m, synthetic(2, 30, "printer", "network", "account")); got < 0.95 {
		t.Fatalf("accuracy on fresh synthetic texts %.3f, want >= 0.95", got)
	}
	p := m.Predict("the printer has a paper jam again")
	if p.Label != "printer" || p.Confidence < 0.6 {
		t.Fatalf("prediction %+v, want printer with confidence >= 0.6", p)
	}
	if len(p.Alternatives) != 2 {
		t.Fatalf("%d alternatives with 3 labels, want 2", len(p.Alternatives))
	}
	sum := p.Confidence
	prev := p.Confidence
	for _, a := range p.Alternatives {
		if a.Probability > prev {
			t.Fatalf("alternatives not in decreasing probability: %+v", p)
		}
		prev = a.Probability
		sum += a.Probability
	}
	if math.Abs(sum-1) > 1e-9 {
		t.Fatalf("probabilities of all 3 labels sum to %v", sum)
	}
}

func TestAlternativesCapAtThree(t *testing.T) {
	m := mustTrain(t, synthetic(1, 20, "printer", "network", "account", "billing"), Options{})
	m2 := mustTrain(t, append(synthetic(1, 20, "printer", "network", "account", "billing"),
		Example{Text: "misc", Label: "other"}, Example{Text: "misc", Label: "other"}), Options{})
	if n := len(m.Predict("vpn down").Alternatives); n != 3 {
		t.Fatalf("%d alternatives with 4 labels, want 3", n)
	}
	if n := len(m2.Predict("vpn down").Alternatives); n != 3 {
		t.Fatalf("%d alternatives with 5 labels, want 3", n)
	}
}

func TestPredictWithoutEvidenceGivesPrior(t *testing.T) {
	ex := append(synthetic(1, 30, "printer", "network"), synthetic(2, 10, "account")...)
	ex = append(ex, synthetic(3, 30, "printer")...) // printer 60, network 30, account 10
	m := mustTrain(t, ex, Options{})
	for _, text := range []string{"", "   ", "zzz qqq", "¿?", "完全未知"} {
		p := m.Predict(text)
		if p.Label != "printer" {
			t.Fatalf("Predict(%q) = %q, want the most frequent label printer", text, p.Label)
		}
		if want := 60.0 / 100; math.Abs(p.Confidence-want) > 1e-9 {
			t.Fatalf("Predict(%q) confidence %v, want the prior %v", text, p.Confidence, want)
		}
		if len(p.Alternatives) != 2 || p.Alternatives[0].Label != "network" || p.Alternatives[1].Label != "account" {
			t.Fatalf("Predict(%q) alternatives %+v, want network then account", text, p.Alternatives)
		}
	}
}

func TestTrainIsDeterministic(t *testing.T) {
	ex := synthetic(5, 40, "printer", "network", "account")
	a, b := mustTrain(t, ex, Options{}), mustTrain(t, ex, Options{})
	for _, e := range synthetic(6, 10, "printer", "network", "account") {
		if pa, pb := a.Predict(e.Text), b.Predict(e.Text); pa.Label != pb.Label || pa.Confidence != pb.Confidence {
			t.Fatalf("two trainings disagree on %q: %+v vs %+v", e.Text, pa, pb)
		}
	}
	c := mustTrain(t, ex, Options{Seed: 99})
	differ := false
	for _, e := range synthetic(6, 10, "printer", "network", "account") {
		if a.Predict(e.Text).Confidence != c.Predict(e.Text).Confidence {
			differ = true
		}
	}
	if !differ {
		t.Fatal("another seed gave identical confidences: the seed is not used")
	}
}

func TestChineseTexts(t *testing.T) {
	var ex []Example
	for i := 0; i < 5; i++ {
		ex = append(ex,
			Example{"打印机卡纸了，请帮忙", "printer"}, Example{"打印机没有墨粉", "printer"},
			Example{"无法连接网络", "network"}, Example{"网络很慢，VPN连不上", "network"})
	}
	m := mustTrain(t, ex, Options{})
	if p := m.Predict("办公室的打印机坏了"); p.Label != "printer" {
		t.Fatalf("Chinese printer text predicted %+v", p)
	}
	if p := m.Predict("网络连接失败"); p.Label != "network" {
		t.Fatalf("Chinese network text predicted %+v", p)
	}
}

func TestCustomTokenizer(t *testing.T) {
	calls := 0
	tok := func(s string) []string { calls++; return strings.Fields(s) }
	m := mustTrain(t, synthetic(1, 10, "printer", "network"), Options{Tokenize: tok})
	m.Predict("printer jam")
	if calls != 21 {
		t.Fatalf("custom tokenizer called %d times, want 20 training texts + 1 prediction", calls)
	}
}

func TestTrainRejectsBadInput(t *testing.T) {
	ctx := context.Background()
	good := synthetic(1, 5, "printer", "network")
	cases := []struct {
		name string
		ex   []Example
		opts Options
		want string
	}{
		{"no examples", nil, Options{}, "no examples"},
		{"one label", synthetic(1, 5, "printer"), Options{}, "at least 2 distinct labels"},
		{"empty label", append(synthetic(1, 5, "printer", "network"), Example{Text: "x"}), Options{}, "example 10 has an empty label"},
		{"ngram", good, Options{NGram: 4}, "ngram"},
		{"negative min df", good, Options{MinDF: -1}, "min df"},
		{"negative epochs", good, Options{Epochs: -2}, "epochs"},
		{"nan lambda", good, Options{Lambda: math.NaN()}, "lambda"},
		{"negative rate", good, Options{LearningRate: -1}, "learning rate"},
	}
	for _, c := range cases {
		m, err := Train(ctx, c.ex, c.opts)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Train error %v, want one containing %q", c.name, err, c.want)
		}
		if m != nil {
			t.Errorf("%s: got a model with the error", c.name)
		}
	}
}

func TestTrainHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Train(ctx, synthetic(1, 5, "printer", "network"), Options{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Train with a cancelled context: %v, want context.Canceled", err)
	}
}

func TestNilModel(t *testing.T) {
	var m *Model
	if p := m.Predict("x"); p.Label != "" {
		t.Fatalf("nil model predicted %+v", p)
	}
	if err := m.Update([]Example{{"x", "y"}}); err == nil {
		t.Fatal("Update on a nil model returned no error")
	}
}

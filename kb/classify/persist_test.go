package classify

import (
	"bytes"
	"encoding/gob"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestSaveLoadRoundTrip(t *testing.T) {
	m := mustTrain(t, synthetic(1, 30, oldQueues...), Options{})
	if err := m.Update(synthetic(2, 10, "billing")); err != nil {
		t.Fatal(err)
	}
	data := saved(t, m)
	l, err := Load(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m.Labels(), l.Labels()) || m.Features() != l.Features() {
		t.Fatalf("loaded labels %q features %d, want %q %d", l.Labels(), l.Features(), m.Labels(), m.Features())
	}
	texts := append(synthetic(3, 5, "printer", "network", "account", "billing"), Example{Text: ""}, Example{Text: "never seen"})
	for _, e := range texts {
		pm, pl := m.Predict(e.Text), l.Predict(e.Text)
		if pm.Label != pl.Label || pm.Confidence != pl.Confidence || !slices.Equal(pm.Alternatives, pl.Alternatives) {
			t.Fatalf("%q: loaded model predicts %+v, original %+v", e.Text, pl, pm)
		}
	}
	if !bytes.Equal(data, saved(t, l)) {
		t.Fatal("saving the loaded model gives other bytes")
	}
	// Rehearsal memory, step count and update counter survive too: the same
	// update on both leaves them identical.
	batch := append(synthetic(4, 5, "billing", "printer"), Example{Text: "escalation desk", Label: "escalation"})
	if err := m.Update(batch); err != nil {
		t.Fatal(err)
	}
	if err := l.Update(batch); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(saved(t, m), saved(t, l)) {
		t.Fatal("original and loaded model diverge after the same update")
	}
}

func TestLoadCustomTokenizer(t *testing.T) {
	m := mustTrain(t, synthetic(1, 10, "printer", "network"), Options{Tokenize: strings.Fields})
	data := saved(t, m)
	if _, err := Load(bytes.NewReader(data)); err == nil || !strings.Contains(err.Error(), "LoadWith") {
		t.Fatalf("Load of a custom-tokenizer model: %v, want an error pointing at LoadWith", err)
	}
	l, err := LoadWith(bytes.NewReader(data), strings.Fields)
	if err != nil {
		t.Fatal(err)
	}
	if p := l.Predict("printer toner"); p.Label != "printer" {
		t.Fatalf("loaded custom-tokenizer model predicts %+v", p)
	}
}

func TestLoadRejectsBadInput(t *testing.T) {
	good := saved(t, mustTrain(t, synthetic(1, 10, oldQueues...), Options{}))
	header := func(magic string, version int) []byte {
		var buf bytes.Buffer
		if err := gob.NewEncoder(&buf).Encode(fileHeader{Magic: magic, Version: version}); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	cases := map[string][]byte{
		"empty":         nil,
		"garbage":       []byte("this is not a model at all"),
		"other magic":   header("something/else", formatVersion),
		"newer version": header(formatMagic, formatVersion+1),
		"header only":   header(formatMagic, formatVersion),
		"truncated":     good[:len(good)/2],
	}
	for name, data := range cases {
		if m, err := Load(bytes.NewReader(data)); err == nil || m != nil {
			t.Errorf("%s: Load returned %v, %v; want an error and no model", name, m, err)
		}
	}
}

// TestLoadRejectsInconsistentModel damages single parts of a well-formed
// file: each must be refused at load, not panic later in Predict.
func TestLoadRejectsInconsistentModel(t *testing.T) {
	good := saved(t, mustTrain(t, synthetic(1, 10, oldQueues...), Options{}))
	damages := map[string]func(f *fileModel){
		"none":              func(*fileModel) {},
		"short weights":     func(f *fileModel) { f.W = f.W[:len(f.W)-1] },
		"extra label":       func(f *fileModel) { f.Labels = append(f.Labels, "x") },
		"one label":         func(f *fileModel) { f.Labels, f.Counts, f.B = f.Labels[:1], f.Counts[:1], f.B[:1] },
		"duplicate label":   func(f *fileModel) { f.Labels[1] = f.Labels[0] },
		"duplicate term":    func(f *fileModel) { f.Terms[1] = f.Terms[0] },
		"pending known":     func(f *fileModel) { f.PendingTerms = []string{f.Terms[0]}; f.PendingCounts = []int32{1} },
		"nan weight":        func(f *fileModel) { f.W[3] = math.NaN() },
		"bad ngram":         func(f *fileModel) { f.NGram = 9 },
		"zero lambda":       func(f *fileModel) { f.Lambda = 0 },
		"df above docs":     func(f *fileModel) { f.DF[0] = int32(f.Docs + 1) },
		"memo unknown term": func(f *fileModel) { f.Memory[0].Idx = []int32{int32(len(f.Terms))}; f.Memory[0].Cnt = []int32{1} },
		"memo bad label":    func(f *fileModel) { f.Memory[0].Y = int32(len(f.Labels)) },
		"no counts":         func(f *fileModel) { clear(f.Counts) },
	}
	for name, damage := range damages {
		dec := gob.NewDecoder(bytes.NewReader(good))
		var h fileHeader
		var f fileModel
		if err := dec.Decode(&h); err != nil {
			t.Fatal(err)
		}
		if err := dec.Decode(&f); err != nil {
			t.Fatal(err)
		}
		damage(&f)
		var buf bytes.Buffer
		enc := gob.NewEncoder(&buf)
		if err := enc.Encode(h); err != nil {
			t.Fatal(err)
		}
		if err := enc.Encode(&f); err != nil {
			t.Fatal(err)
		}
		m, err := Load(&buf)
		if name == "none" {
			if err != nil {
				t.Fatalf("re-encoded undamaged model refused: %v", err)
			}
			continue
		}
		if err == nil || m != nil {
			t.Errorf("%s: Load accepted the damaged model", name)
		}
	}
}

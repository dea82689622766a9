package classify

import (
	"bytes"
	"context"
	"errors"
	"hash/fnv"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/deskmine/deskmine/kb/evalkit"
)

// itTickets loads the shared IT-tickets data set, skipping when it is absent
// except under CI, where a missing data set must fail the run.
func itTickets(t testing.TB) []evalkit.Row {
	t.Helper()
	dir, err := evalkit.DataDir()
	path := filepath.Join(dir, evalkit.ITTicketsFile)
	if err == nil {
		_, err = os.Stat(path)
	}
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
		if os.Getenv("CI") != "" {
			t.Fatalf("IT-tickets data set missing under CI: %v", err)
		}
		t.Skipf("IT-tickets data set not available: %v", err)
	}
	rows, err := evalkit.LoadITTickets(path)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func examples(rows []evalkit.Row) []Example {
	ex := make([]Example, len(rows))
	for i, r := range rows {
		ex[i] = Example{Text: r.Text, Label: r.Label}
	}
	return ex
}

func predictAll(m *Model, rows []evalkit.Row) (pred []string, conf []float64) {
	for _, r := range rows {
		p := m.Predict(r.Text)
		pred = append(pred, p.Label)
		conf = append(conf, p.Confidence)
	}
	return pred, conf
}

// expectedCalibrationError over ten equal-width confidence bins.
func expectedCalibrationError(gold, pred []string, conf []float64) float64 {
	var n, ok [10]float64
	var sum [10]float64
	for i := range gold {
		b := min(int(conf[i]*10), 9)
		n[b]++
		sum[b] += conf[i]
		if pred[i] == gold[i] {
			ok[b]++
		}
	}
	e := 0.0
	for b := range n {
		if n[b] > 0 {
			e += math.Abs(sum[b]-ok[b]) / float64(len(gold))
		}
	}
	return e
}

// TestAccuracyOnITTickets is the project's acceptance figure: trained on the
// fixed training part, at least 0.85 accuracy on the held-out part.
func TestAccuracyOnITTickets(t *testing.T) {
	if raceEnabled {
		t.Skip("a full training run is too slow under -race; the race test covers the locking")
	}
	train, test := evalkit.Split(itTickets(t))
	start := time.Now()
	m, err := Train(context.Background(), examples(train), Options{})
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	gold := evalkit.Labels(test)
	pred, conf := predictAll(m, test)
	s := evalkit.Score(gold, pred)
	ece := expectedCalibrationError(gold, pred, conf)
	t.Logf("train %d, test %d, features %d, trained in %v: accuracy %.4f, macro-F1 %.4f, ECE %.4f",
		len(train), len(test), m.Features(), took.Round(time.Millisecond), s.Accuracy, s.MacroF1, ece)
	for _, l := range s.SortedLabels() {
		p := s.PerLabel[l]
		t.Logf("  %-22s P %.3f R %.3f F1 %.3f (%d)", l, p.Precision, p.Recall, p.F1, p.Support)
	}
	if s.Accuracy < 0.85 {
		t.Errorf("accuracy %.4f below the 0.85 target", s.Accuracy)
	}
	if s.MacroF1 < 0.80 {
		t.Errorf("macro-F1 %.4f below 0.80: small categories are being sacrificed", s.MacroF1)
	}
	if ece > 0.05 {
		t.Errorf("expected calibration error %.4f above 0.05: confidences are not probabilities", ece)
	}
}

// TestUpdateOnITTickets trains on half the training part, then feeds the
// other half through Update in batches, as closed tickets arrive: accuracy
// must not collapse and should gain from the new tickets.
func TestUpdateOnITTickets(t *testing.T) {
	if raceEnabled {
		t.Skip("too slow under -race")
	}
	train, test := evalkit.Split(itTickets(t))
	half := len(train) / 2
	m, err := Train(context.Background(), examples(train[:half]), Options{})
	if err != nil {
		t.Fatal(err)
	}
	gold := evalkit.Labels(test)
	pred, _ := predictAll(m, test)
	before := evalkit.Score(gold, pred).Accuracy
	featuresBefore := m.Features()
	start := time.Now()
	rest := examples(train[half:])
	for i := 0; i < len(rest); i += 500 {
		if err := m.Update(rest[i:min(i+500, len(rest))]); err != nil {
			t.Fatal(err)
		}
	}
	took := time.Since(start)
	pred, _ = predictAll(m, test)
	after := evalkit.Score(gold, pred).Accuracy
	t.Logf("half-trained accuracy %.4f, after %d updates of 500: %.4f (features %d -> %d, updates took %v)",
		before, (len(rest)+499)/500, after, featuresBefore, m.Features(), took.Round(time.Millisecond))
	if m.Features() <= featuresBefore {
		t.Errorf("vocabulary did not grow: %d -> %d", featuresBefore, m.Features())
	}
	if after < before-0.01 {
		t.Errorf("accuracy fell from %.4f to %.4f after updates", before, after)
	}
	if after < 0.83 {
		t.Errorf("accuracy %.4f after updates below 0.83", after)
	}
}

func BenchmarkTrainITTickets(b *testing.B) {
	train, _ := evalkit.Split(itTickets(b))
	ex := examples(train)
	b.ResetTimer()
	for b.Loop() {
		if _, err := Train(context.Background(), ex, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPredictITTickets(b *testing.B) {
	train, test := evalkit.Split(itTickets(b))
	m, err := Train(context.Background(), examples(train), Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	i := 0
	for b.Loop() {
		m.Predict(test[i%len(test)].Text)
		i++
	}
}

// BenchmarkUpdate500 is one Update of 500 closed tickets on a model trained
// on the rest of the training part.
func BenchmarkUpdate500(b *testing.B) {
	train, _ := evalkit.Split(itTickets(b))
	base, err := Train(context.Background(), examples(train[500:]), Options{})
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if err := base.Save(&buf); err != nil {
		b.Fatal(err)
	}
	batch := examples(train[:500])
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		m, err := Load(bytes.NewReader(buf.Bytes()))
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := m.Update(batch); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSaveLoadITTickets(b *testing.B) {
	train, _ := evalkit.Split(itTickets(b))
	m, err := Train(context.Background(), examples(train), Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		var buf bytes.Buffer
		if err := m.Save(&buf); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(buf.Len()), "bytes")
		if _, err := Load(&buf); err != nil {
			b.Fatal(err)
		}
	}
}

// validationSplit divides the training part for tuning: rows whose FNV-1a
// hash of the index is 1 mod 5 (the test part is 0 mod 5) validate. The
// defaults of Options were chosen on it; the test part was not looked at.
func validationSplit(train []evalkit.Row) (fit, val []evalkit.Row) {
	for _, r := range train {
		h := fnv.New32a()
		h.Write([]byte(strconv.Itoa(r.Index)))
		if h.Sum32()%5 == 1 {
			val = append(val, r)
		} else {
			fit = append(fit, r)
		}
	}
	return fit, val
}

// BenchmarkValidationSweep reports validation accuracy around the defaults;
// run with -benchtime 1x. It is how the defaults were picked.
func BenchmarkValidationSweep(b *testing.B) {
	train, _ := evalkit.Split(itTickets(b))
	fit, val := validationSplit(train)
	ex := examples(fit)
	gold := evalkit.Labels(val)
	grid := []struct {
		name string
		opts Options
	}{
		{"default", Options{}},
		{"unigrams", Options{NGram: 1}},
		{"trigrams", Options{NGram: 3}},
		{"mindf1", Options{MinDF: 1}},
		{"mindf3", Options{MinDF: 3}},
		{"lambda1e-5", Options{Lambda: 1e-5}},
		{"lambda1e-6", Options{Lambda: 1e-6}},
		{"rate0.1", Options{LearningRate: 0.1}},
		{"rate1", Options{LearningRate: 1}},
		{"epochs5", Options{Epochs: 5}},
		{"epochs30", Options{Epochs: 30}},
	}
	for _, g := range grid {
		b.Run(g.name, func(b *testing.B) {
			for b.Loop() {
				m, err := Train(context.Background(), ex, g.opts)
				if err != nil {
					b.Fatal(err)
				}
				pred, _ := predictAll(m, val)
				s := evalkit.Score(gold, pred)
				b.ReportMetric(s.Accuracy, "val-acc")
				b.ReportMetric(s.MacroF1, "val-macroF1")
			}
		})
	}
}

package classify

import (
	"bytes"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var oldQueues = []string{"printer", "network", "account"}

func TestUpdateLearnsNewLabel(t *testing.T) {
	m := mustTrain(t, synthetic(1, 60, oldQueues...), Options{})
	fresh := synthetic(20, 30, "billing")
	if got := accuracy(m, fresh); got != 0 {
		t.Fatalf("billing predicted before it was ever seen (%.2f)", got)
	}
	featuresBefore := m.Features()
	if err := m.Update(synthetic(10, 20, "billing")); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(m.Labels(), "billing") {
		t.Fatalf("labels after update %q lack billing", m.Labels())
	}
	if m.Features() <= featuresBefore {
		t.Fatalf("vocabulary did not grow with the new words: %d -> %d", featuresBefore, m.Features())
	}
	if got := accuracy(m, fresh); got < 0.9 {
		t.Fatalf("accuracy on new billing texts %.3f after update, want >= 0.9", got)
	}
	if got := accuracy(m, synthetic(21, 30, oldQueues...)); got < 0.95 {
		t.Fatalf("accuracy on the old queues fell to %.3f after the update", got)
	}
}

// TestRehearsalKeepsOldQueues shows why Update replays remembered tickets: a
// long single-label batch without them drags the other queues' texts
// towards the new label.
func TestRehearsalKeepsOldQueues(t *testing.T) {
	old := synthetic(21, 40, oldQueues...)
	forgetting := func(rehearsal int) float64 {
		m := mustTrain(t, synthetic(1, 60, oldQueues...), Options{Rehearsal: rehearsal, UpdateEpochs: 30})
		before := meanConfidence(m, old)
		if err := m.Update(synthetic(10, 60, "billing")); err != nil {
			t.Fatal(err)
		}
		return before - meanConfidence(m, old)
	}
	with, without := forgetting(0), forgetting(-1)
	t.Logf("mean confidence lost on old queues: %.3f with rehearsal, %.3f without", with, without)
	if with >= without/2 {
		t.Fatalf("rehearsal lost %.3f of old-queue confidence, without it %.3f: want less than half", with, without)
	}
}

// meanConfidence is the mean probability given to the true label.
func meanConfidence(m *Model, ex []Example) float64 {
	sum := 0.0
	for _, e := range ex {
		p := m.Predict(e.Text)
		if p.Label == e.Label {
			sum += p.Confidence
		}
		for _, a := range p.Alternatives {
			if a.Label == e.Label {
				sum += a.Probability
			}
		}
	}
	return sum / float64(len(ex))
}

func TestUpdateRejectsEmptyLabelWithoutChange(t *testing.T) {
	m := mustTrain(t, synthetic(1, 10, oldQueues...), Options{})
	before := saved(t, m)
	bad := append(synthetic(10, 5, "billing"), Example{Text: "refund please"})
	if err := m.Update(bad); err == nil {
		t.Fatal("Update accepted an example without a label")
	}
	if err := m.Update(nil); err != nil {
		t.Fatalf("Update(nil): %v", err)
	}
	if !bytes.Equal(before, saved(t, m)) {
		t.Fatal("a rejected or empty Update changed the model")
	}
}

func saved(t *testing.T, m *Model) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := m.Save(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestConcurrentPredictAndUpdate is meant for -race: predictions, saves and
// updates (growing both vocabulary and labels) interleave.
func TestConcurrentPredictAndUpdate(t *testing.T) {
	m := mustTrain(t, synthetic(1, 20, oldQueues...), Options{UpdateEpochs: 2})
	texts := synthetic(30, 5, "printer", "network", "account", "billing")
	var stop atomic.Bool
	var predictions atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				p := m.Predict(texts[i%len(texts)].Text)
				if p.Label == "" || p.Confidence <= 0 || p.Confidence > 1 {
					t.Errorf("bad prediction during updates: %+v", p)
					return
				}
				predictions.Add(1)
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			var buf bytes.Buffer
			if err := m.Save(&buf); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	// Each update waits for a prediction after the one before, so that the
	// two interleave however busy the machine is (the scheduler may
	// otherwise run every update before any prediction starts).
	waitPrediction := func(after int64) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); predictions.Load() <= after; runtime.Gosched() {
			if time.Now().After(deadline) {
				t.Fatal("no prediction ran within 30s")
			}
		}
	}
	for i := 0; i < 20; i++ {
		waitPrediction(predictions.Load())
		batch := synthetic(uint64(100+i), 3, "printer", "billing")
		batch = append(batch, Example{Text: "brand new words " + string(rune('a'+i)), Label: "queue-" + string(rune('a'+i%5))})
		if err := m.Update(batch); err != nil {
			t.Fatal(err)
		}
	}
	stop.Store(true)
	wg.Wait()
	t.Logf("%d predictions ran during the updates", predictions.Load())
	if predictions.Load() == 0 {
		t.Fatal("no prediction ran during the updates")
	}
	if n := len(m.Labels()); n != 3+1+5 {
		t.Fatalf("%d labels after updates, want 9", n)
	}
}

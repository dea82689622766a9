package store

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/ticketcore"
)

// TestSpikeAlertClaims: a spike is claimed once, also by racing claims of
// two store instances on one database; other spikes (another value, another
// bucket) are separate; a released claim can be made again.
func TestSpikeAlertClaims(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			dsn := b.DSN(t)
			st1, st2 := openStore(t, dsn), openStore(t, dsn)
			bucket := time.Date(2026, 3, 4, 14, 0, 0, 0, time.FixedZone("CET", 3600))
			now := time.Date(2026, 3, 4, 15, 2, 3, 4000, time.UTC)
			spike := []byte(`{"dimension":"category","value":"vpn","count":86}`)

			if _, _, err := st1.SpikeAlert(ctx, "category", "vpn", bucket); !errors.Is(err, ticketcore.ErrNotFound) {
				t.Fatalf("unclaimed spike: %v, want not found", err)
			}
			var wins sync.WaitGroup
			won := make(chan int, 16)
			for i := range 16 {
				wins.Add(1)
				go func() {
					defer wins.Done()
					st := []*Store{st1, st2}[i%2]
					ok, err := st.ClaimSpikeAlert(ctx, "category", "vpn", bucket, spike, now)
					if err != nil {
						t.Errorf("claim %d: %v", i, err)
					}
					if ok {
						won <- i
					}
				}()
			}
			wins.Wait()
			close(won)
			if n := len(won); n != 1 {
				t.Fatalf("%d of 16 racing claims won, want 1", n)
			}
			got, at, err := st2.SpikeAlert(ctx, "category", "vpn", bucket.UTC())
			if err != nil || string(got) != string(spike) || !at.Equal(now) {
				t.Fatalf("stored claim %s at %v, %v", got, at, err)
			}

			for _, other := range []struct {
				value  string
				bucket time.Time
			}{{"login", bucket}, {"vpn", bucket.Add(time.Hour)}} {
				if ok, err := st1.ClaimSpikeAlert(ctx, "category", other.value, other.bucket, spike, now); err != nil || !ok {
					t.Errorf("another spike %s at %v: claimed %v, %v", other.value, other.bucket, ok, err)
				}
			}
			if ok, err := st1.ClaimSpikeAlert(ctx, "product", "vpn", bucket, spike, now); err != nil || !ok {
				t.Errorf("the same value of another dimension: claimed %v, %v", ok, err)
			}

			if err := st2.ReleaseSpikeAlert(ctx, "category", "vpn", bucket); err != nil {
				t.Fatal(err)
			}
			if err := st2.ReleaseSpikeAlert(ctx, "category", "vpn", bucket); err != nil {
				t.Fatalf("releasing again: %v", err)
			}
			if ok, err := st1.ClaimSpikeAlert(ctx, "category", "vpn", bucket, spike, now); err != nil || !ok {
				t.Fatalf("claim after release: %v, %v", ok, err)
			}
			if ok, err := st2.ClaimSpikeAlert(ctx, "category", "vpn", bucket, spike, now); err != nil || ok {
				t.Fatalf("second claim after release: %v, %v", ok, err)
			}
		})
	}
}

package storetest

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/ticketcore/events"
)

// SpikeStart is the first day of SpikeHistory, a Monday.
var SpikeStart = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

// The days of SpikeHistory and its planted spikes.
const (
	SpikeDays = 60
	// PlantedDay is the day (from SpikeStart) on which SpikeHistory(true)
	// gives product X PlantedCount more tickets, all of category vpn: a
	// daily spike of product X whose cause is category vpn.
	PlantedDay   = 45
	PlantedCount = 40
	// BurstDay is the day on which SpikeHistory(true) has BurstCount
	// tickets of region eu, all of priority P1, in the hour from 14:00 UTC:
	// an hourly spike of region eu whose cause is priority P1. Both days
	// are Thursdays: on a weekend's small counts the burst would also be a
	// daily spike of a product.
	BurstDay   = 38
	BurstCount = 30
)

// BurstHour is the start of the hour of the planted burst.
func BurstHour() time.Time { return SpikeStart.AddDate(0, 0, BurstDay).Add(14 * time.Hour) }

var spikeChannels = []string{"email", "chat", "phone", "social", "web", "api"}

// SpikeHistory returns the creation events of SpikeDays days of tickets
// with a weekly pattern (weekends a third of weekdays) and bounded noise, so
// that no day of any product or channel is a spike: per product and day the
// count is base ± sqrt(base), and channels are dealt round-robin. Product X
// rarely has category vpn. With planted, the spikes described at
// PlantedDay and BurstDay are added.
func SpikeHistory(planted bool) []events.Event {
	r := rand.New(rand.NewPCG(11, 13))
	h := &spikeGen{r: r}
	base := map[string]int{"A": 40, "B": 20, "X": 30}
	for day := range SpikeDays {
		date := SpikeStart.AddDate(0, 0, day)
		for _, prod := range []string{"A", "B", "X"} {
			b := base[prod]
			if wd := date.Weekday(); wd == time.Saturday || wd == time.Sunday {
				b /= 3
			}
			noise := int(math.Sqrt(float64(b)))
			n := b - noise + r.IntN(2*noise+1)
			off := r.IntN(len(spikeChannels))
			for i := range n {
				t := h.ticket(date.Add(time.Duration(r.IntN(86400)) * time.Second))
				t.Product, t.Channel = prod, spikeChannels[(i+off)%len(spikeChannels)]
				if prod == "X" && r.IntN(20) != 0 {
					t.Category = []string{"payment", "login", "delivery"}[r.IntN(3)]
				}
				h.add(t)
			}
		}
	}
	if planted {
		date := SpikeStart.AddDate(0, 0, PlantedDay)
		for range PlantedCount {
			t := h.ticket(date.Add(time.Duration(r.IntN(86400)) * time.Second))
			t.Product, t.Category = "X", "vpn"
			h.add(t)
		}
		for i := range BurstCount {
			t := h.ticket(BurstHour().Add(time.Duration(r.IntN(3600)) * time.Second))
			t.Region, t.Priority = "eu", "P1"
			// Dealt in the products' usual proportions (4:2:3), so that
			// the burst is no daily spike of a product.
			t.Product = []string{"A", "A", "A", "A", "B", "B", "X", "X", "X"}[i%9]
			h.add(t)
		}
	}
	slices.SortStableFunc(h.out, func(a, b events.Event) int { return a.At.Compare(b.At) })
	for i := range h.out {
		h.out[i].Seq = int64(i + 1)
	}
	return h.out
}

type spikeGen struct {
	r   *rand.Rand
	out []events.Event
}

// ticket is a new ticket created at with random attributes.
func (g *spikeGen) ticket(at time.Time) events.Ticket {
	r := g.r
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
	id := int64(len(g.out) + 1)
	t := events.Ticket{
		ID: id, Version: 1, Subject: fmt.Sprintf("spike history ticket %d", id),
		Type: pick(types...), Category: pick("payment", "login", "delivery", "vpn", "refund"),
		Product: pick("A", "B", "X"), Channel: pick(spikeChannels...), Urgency: "medium",
		Priority: pick(prios...), Status: "new", Region: pick("eu", "us", "cn-north"),
		Customer: events.Customer{ID: 2000 + id%89, Tier: pick(tiers...)},
		Tags:     []string{}, CustomFields: map[string]any{},
		Team:      pick("accounts", "billing", "network", "returns", "tech"),
		CreatedAt: at, UpdatedAt: at,
	}
	t.Assignee = t.Team + ".agent1"
	if r.IntN(3) == 0 {
		t.Tags = []string{pick("vip", "outage", "refund")}
	}
	return t
}

func (g *spikeGen) add(t events.Ticket) {
	g.out = append(g.out, events.Event{
		SchemaVersion: 1, ID: fmt.Sprintf("5b1ce000-0000-7000-8000-%012x", t.ID), TicketID: t.ID, TicketVersion: 1,
		Type: events.TicketCreated, At: t.CreatedAt, RecordedAt: t.CreatedAt,
		Actor: events.Actor{ID: 7, Name: "shop-bot", Role: "client"}, Source: events.SourceAPI,
		Changes: []events.Change{{Field: "status", Old: raw(nil), New: raw("new")}}, Ticket: t,
	})
}

// SpikeQuery asks for the daily spikes of dim over the days of
// SpikeHistory that have a full baseline (28 days) before them.
func SpikeQuery(dim string) analytics.SpikeQuery {
	return analytics.SpikeQuery{Dimension: dim, Bucket: analytics.BucketDay,
		From: SpikeStart.AddDate(0, 0, 28), To: SpikeStart.AddDate(0, 0, SpikeDays)}
}

// BurstQuery asks for the hourly spikes of region, in Europe/Berlin, over
// the days around the planted burst.
func BurstQuery() analytics.SpikeQuery {
	return analytics.SpikeQuery{Dimension: "region", Bucket: analytics.BucketHour, TZ: "Europe/Berlin",
		From: SpikeStart.AddDate(0, 0, BurstDay-2), To: SpikeStart.AddDate(0, 0, BurstDay+2)}
}

// CheckPlantedSpike fails t unless spikes is exactly the planted daily
// spike of product X with category vpn as its first finding, its findings
// ranked by lift times support.
func CheckPlantedSpike(t testing.TB, spikes []analytics.Spike) {
	t.Helper()
	if len(spikes) != 1 {
		t.Fatalf("want exactly the planted spike, got %d: %+v", len(spikes), spikes)
	}
	s := spikes[0]
	if s.Dimension != "product" || s.Value != "X" || !s.Bucket.Equal(SpikeStart.AddDate(0, 0, PlantedDay)) {
		t.Fatalf("spike %s=%q at %v, want product=X on day %d", s.Dimension, s.Value, s.Bucket, PlantedDay)
	}
	if s.Count < PlantedCount || s.Z < analytics.DefaultSpikeThreshold || s.Baseline <= 0 {
		t.Errorf("spike figures: count %d, baseline %v, z %v", s.Count, s.Baseline, s.Z)
	}
	checkCause(t, s, "category", "vpn")
}

// CheckBurst fails t unless spikes holds the planted hourly burst of region
// eu with priority P1 as its first finding, its bucket in Europe/Berlin.
func CheckBurst(t testing.TB, spikes []analytics.Spike) {
	t.Helper()
	for _, s := range spikes {
		if s.Value == "eu" && s.Bucket.Equal(BurstHour()) {
			if _, off := s.Bucket.Zone(); off != 3600 {
				t.Errorf("burst bucket %v is not in Europe/Berlin", s.Bucket)
			}
			checkCause(t, s, "priority", "P1")
			return
		}
	}
	t.Fatalf("the planted burst of region eu at %v was not found: %+v", BurstHour(), spikes)
}

func checkCause(t testing.TB, s analytics.Spike, dim, value string) {
	t.Helper()
	if len(s.Explanation) == 0 || len(s.Explanation) > analytics.MaxSpikeFindings {
		t.Fatalf("explanation of %s=%s has %d findings: %+v", s.Dimension, s.Value, len(s.Explanation), s.Explanation)
	}
	f := s.Explanation[0]
	if f.Dimension != dim || f.Value != value {
		t.Fatalf("first finding of %s=%s is %s=%q (%s), want the planted cause %s=%q", s.Dimension, s.Value,
			f.Dimension, f.Value, f.Text, dim, value)
	}
	if f.Lift <= 2 || f.Support < 0.5 || f.Share <= f.BaselineShare || !strings.Contains(f.Text, dim+` "`+value+`" is `) {
		t.Errorf("weak or badly worded cause: %+v", f)
	}
	for i, f := range s.Explanation {
		if f.Dimension == s.Dimension || f.Support < analytics.MinFindingSupport || f.Count > s.Count {
			t.Errorf("inconsistent finding %+v of %s=%s", f, s.Dimension, s.Value)
		}
		if p := s.Explanation[max(i-1, 0)]; f.Lift*f.Support > p.Lift*p.Support {
			t.Errorf("findings not ranked by lift*support: %+v", s.Explanation)
		}
	}
}

// RunSpikes checks spike detection on a store: the planted spikes of
// SpikeHistory are found, each with its planted cause first, and flat data
// gives no spike. open returns a new, empty store.
func RunSpikes(t *testing.T, open func(t *testing.T) analytics.Store) {
	load := func(t *testing.T, planted bool) analytics.Hotspotter {
		s := open(t)
		hs, ok := s.(analytics.Hotspotter)
		if !ok {
			t.Fatal("store does not implement analytics.Hotspotter")
		}
		for b := range slices.Chunk(SpikeHistory(planted), 2000) {
			mustApply(t, s, b)
		}
		return hs
	}
	ctx := context.Background()
	t.Run("Planted", func(t *testing.T) {
		hs := load(t, true)
		got, err := analytics.DetectSpikes(ctx, hs, SpikeQuery("product"))
		if err != nil {
			t.Fatal(err)
		}
		CheckPlantedSpike(t, got)
		got, err = analytics.DetectSpikes(ctx, hs, BurstQuery())
		if err != nil {
			t.Fatal(err)
		}
		CheckBurst(t, got)
	})
	t.Run("Flat", func(t *testing.T) {
		hs := load(t, false)
		for _, q := range []analytics.SpikeQuery{SpikeQuery("product"), SpikeQuery("channel"), BurstQuery()} {
			got, err := analytics.DetectSpikes(ctx, hs, q)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 0 {
				t.Errorf("%s by %s: flat data gave spikes: %+v", q.Dimension, q.Bucket, got)
			}
		}
	})
}

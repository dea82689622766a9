package analytics

import (
	"cmp"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// fakeTicket is a ticket of the in-memory history: attrs by column name.
type fakeTicket struct {
	created time.Time
	attrs   map[string]string
	tags    []string
}

// fakeHotspotter answers Hotspots from an in-memory ticket list the way the
// stores do: validated by PlanHotspots, [From, To) on whole seconds,
// filters, one row per tag when the tag dimension is asked for, top Limit
// keys per bucket ordered by bucket, count descending, keys.
type fakeHotspotter struct {
	tickets []fakeTicket
	calls   int
}

func (f *fakeHotspotter) values(t *fakeTicket, col string) []string {
	if col == "tag" {
		return t.tags
	}
	return []string{t.attrs[col]}
}

func (f *fakeHotspotter) Hotspots(_ context.Context, q HotspotQuery) ([]HotspotRow, error) {
	f.calls++
	p, err := PlanHotspots(q)
	if err != nil {
		return nil, err
	}
	type key struct {
		b    int64
		keys string
	}
	counts := map[key]int64{}
	for i := range f.tickets {
		t := &f.tickets[i]
		if s := t.created.Unix(); s < p.From || s >= p.To {
			continue
		}
		ok := true
		for _, fl := range p.Filters {
			ok = ok && slices.ContainsFunc(f.values(t, fl.Column), func(v string) bool { return slices.Contains(fl.Values, v) })
		}
		if !ok {
			continue
		}
		var b int64
		switch p.Bucket {
		case BucketHour:
			b = (&spikePlan{q: SpikeQuery{Bucket: BucketHour}, loc: p.Loc}).floor(t.created).Unix()
		case BucketDay:
			b = (&spikePlan{q: SpikeQuery{Bucket: BucketDay}, loc: p.Loc}).floor(t.created).Unix()
		}
		combos := [][]string{{}}
		for _, c := range p.Columns {
			var next [][]string
			for _, prefix := range combos {
				for _, v := range f.values(t, c) {
					next = append(next, append(slices.Clone(prefix), v))
				}
			}
			combos = next
		}
		for _, k := range combos {
			counts[key{b, strings.Join(k, "\x00")}]++
		}
	}
	rows := []HotspotRow{}
	for k, c := range counts {
		r := HotspotRow{Keys: strings.Split(k.keys, "\x00"), Count: c}
		if p.Bucket != BucketNone {
			r.Bucket = time.Unix(k.b, 0).In(p.Loc)
		}
		rows = append(rows, r)
	}
	slices.SortFunc(rows, func(a, b HotspotRow) int {
		return cmp.Or(a.Bucket.Compare(b.Bucket), cmp.Compare(b.Count, a.Count), slices.Compare(a.Keys, b.Keys))
	})
	var out []HotspotRow
	for i, r := range rows {
		if i > 0 && r.Bucket.Equal(rows[i-1].Bucket) && len(out) > 0 {
			n := 0
			for j := len(out) - 1; j >= 0 && out[j].Bucket.Equal(r.Bucket); j-- {
				n++
			}
			if n >= p.Limit {
				continue
			}
		}
		out = append(out, r)
	}
	return out, nil
}

func (f *fakeHotspotter) Movers(context.Context, HotspotQuery) ([]Mover, error) {
	return nil, errors.New("not implemented")
}

func (f *fakeHotspotter) Backlog(context.Context, BacklogQuery) ([]BacklogRow, error) {
	return nil, errors.New("not implemented")
}

var spikeStart = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC) // a Monday

// spikeHistory is 60 days of tickets with a weekly pattern (weekends a
// third of weekdays) and bounded noise, so no bucket of product or channel
// may be a spike: per product and day the count is base ± sqrt(base), and
// channels are dealt round-robin. Product X rarely has category vpn; region
// team network-l2 appears only when planted.
func spikeHistory(r *rand.Rand) []fakeTicket {
	var out []fakeTicket
	products := map[string]int{"A": 40, "B": 20, "X": 30}
	for day := range 60 {
		date := spikeStart.AddDate(0, 0, day)
		for _, prod := range []string{"A", "B", "X"} {
			base := products[prod]
			if wd := date.Weekday(); wd == time.Saturday || wd == time.Sunday {
				base /= 3
			}
			noise := int(math.Sqrt(float64(base)))
			n := base - noise + r.IntN(2*noise+1)
			off := r.IntN(len(spikeChannels))
			for i := range n {
				t := spikeTicket(r, date)
				t.attrs["product"] = prod
				t.attrs["channel"] = spikeChannels[(i+off)%len(spikeChannels)]
				if prod == "X" && r.IntN(20) != 0 {
					t.attrs["category"] = []string{"payment", "login", "delivery"}[r.IntN(3)]
				}
				out = append(out, t)
			}
		}
	}
	return out
}

var spikeChannels = []string{"email", "chat", "phone", "social", "web", "api"}

// spikeTicket is a ticket created on date at a random second with random
// attributes.
func spikeTicket(r *rand.Rand, date time.Time) fakeTicket {
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
	t := fakeTicket{created: date.Add(time.Duration(r.IntN(86400)) * time.Second), attrs: map[string]string{
		"product":       pick("A", "B", "X"),
		"category":      pick("payment", "login", "delivery", "vpn", "refund"),
		"channel":       pick(spikeChannels...),
		"region":        pick("eu", "us", "cn-north"),
		"customer_tier": pick("standard", "premium", "vip", "enterprise"),
		"priority":      pick("P1", "P2", "P3", "P4"),
		"team":          pick("accounts", "billing", "network", "returns", "tech"),
		"ticket_type":   pick("question", "incident", "problem", "request", "complaint"),
		"assignee":      pick("a1", "a2", "a3"),
		"status":        pick("new", "open", "resolved"),
	}}
	if r.IntN(3) == 0 {
		t.tags = []string{pick("vip", "outage", "refund")}
	}
	return t
}

func spikeQuery(dim string) SpikeQuery {
	return SpikeQuery{Dimension: dim, Bucket: BucketDay, From: spikeStart.AddDate(0, 0, 28), To: spikeStart.AddDate(0, 0, 60)}
}

func TestDetectSpikesFlat(t *testing.T) {
	h := &fakeHotspotter{tickets: spikeHistory(rand.New(rand.NewPCG(1, 2)))}
	for _, dim := range []string{"product", "channel"} {
		got, err := DetectSpikes(context.Background(), h, spikeQuery(dim))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 0 {
			t.Errorf("%s: flat data gave spikes: %+v", dim, got)
		}
	}
}

// plant adds n tickets created on day with the given attributes.
func plant(r *rand.Rand, tickets []fakeTicket, day, n int, attrs map[string]string) []fakeTicket {
	for range n {
		t := spikeTicket(r, spikeStart.AddDate(0, 0, day))
		for k, v := range attrs {
			t.attrs[k] = v
		}
		tickets = append(tickets, t)
	}
	return tickets
}

func checkOneSpike(t *testing.T, got []Spike, dim, value string, day int, causeDim, causeValue string) {
	t.Helper()
	if len(got) != 1 {
		t.Fatalf("want exactly one spike, got %d: %+v", len(got), got)
	}
	s := got[0]
	if s.Dimension != dim || s.Value != value || !s.Bucket.Equal(spikeStart.AddDate(0, 0, day)) {
		t.Fatalf("spike %s=%q at %v, want %s=%q at day %d", s.Dimension, s.Value, s.Bucket, dim, value, day)
	}
	if len(s.Explanation) == 0 || len(s.Explanation) > MaxSpikeFindings {
		t.Fatalf("explanation has %d findings: %+v", len(s.Explanation), s.Explanation)
	}
	f := s.Explanation[0]
	if f.Dimension != causeDim || f.Value != causeValue {
		t.Fatalf("first finding %s=%q (%s), want %s=%q", f.Dimension, f.Value, f.Text, causeDim, causeValue)
	}
	if f.Lift <= 2 || f.Support < 0.5 || f.Share <= f.BaselineShare || !strings.Contains(f.Text, causeDim+` "`+causeValue+`" is `) {
		t.Errorf("weak or badly worded cause: %+v", f)
	}
	for i, f := range s.Explanation {
		if f.Dimension == dim {
			t.Errorf("finding on the spiking dimension: %+v", f)
		}
		if f.Support < MinFindingSupport {
			t.Errorf("finding below the least support: %+v", f)
		}
		if i > 0 && f.Lift*f.Support > s.Explanation[i-1].Lift*s.Explanation[i-1].Support {
			t.Errorf("findings not ranked by lift*support: %+v", s.Explanation)
		}
	}
	t.Logf("%s=%s on %s: count %d, baseline %.1f, z %.1f; %s", s.Dimension, s.Value,
		s.Bucket.Format(time.DateOnly), s.Count, s.Baseline, s.Z, f.Text)
}

func TestDetectSpikesProductByCategory(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	tickets := plant(r, spikeHistory(r), 45, 40, map[string]string{"product": "X", "category": "vpn"})
	got, err := DetectSpikes(context.Background(), &fakeHotspotter{tickets: tickets}, spikeQuery("product"))
	if err != nil {
		t.Fatal(err)
	}
	checkOneSpike(t, got, "product", "X", 45, "category", "vpn")
}

func TestDetectSpikesChannelByTeam(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	tickets := plant(r, spikeHistory(r), 50, 40, map[string]string{"channel": "chat", "team": "network-l2"})
	got, err := DetectSpikes(context.Background(), &fakeHotspotter{tickets: tickets}, spikeQuery("channel"))
	if err != nil {
		t.Fatal(err)
	}
	checkOneSpike(t, got, "channel", "chat", 50, "team", "network-l2")
}

func TestDetectSpikesHourly(t *testing.T) {
	// A burst of 30 tickets of region eu, all P1, in one hour stands out
	// against about one an hour, in a zone other than UTC.
	r := rand.New(rand.NewPCG(5, 6))
	tickets := spikeHistory(r)
	at := spikeStart.AddDate(0, 0, 40).Add(14 * time.Hour)
	for range 30 {
		tk := spikeTicket(r, at)
		tk.created = at.Add(time.Duration(r.IntN(3600)) * time.Second)
		tk.attrs["region"], tk.attrs["priority"] = "eu", "P1"
		tickets = append(tickets, tk)
	}
	q := SpikeQuery{Dimension: "region", Bucket: BucketHour, TZ: "Europe/Berlin",
		From: spikeStart.AddDate(0, 0, 38), To: spikeStart.AddDate(0, 0, 42)}
	got, err := DetectSpikes(context.Background(), &fakeHotspotter{tickets: tickets}, q)
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, s := range got {
		found = found || (s.Value == "eu" && s.Bucket.Equal(at) && len(s.Explanation) > 0 && s.Explanation[0].Value == "P1")
	}
	if !found {
		t.Errorf("hourly burst not found with its cause: %+v", got)
	}
}

func TestDetectSpikesValidation(t *testing.T) {
	ok := spikeQuery("product")
	cases := []struct {
		name  string
		edit  func(q *SpikeQuery)
		field string
	}{
		{"unknown dimension", func(q *SpikeQuery) { q.Dimension = "colour" }, "dimension"},
		{"no dimension", func(q *SpikeQuery) { q.Dimension = "" }, "dimension"},
		{"week bucket", func(q *SpikeQuery) { q.Bucket = BucketWeek }, "bucket"},
		{"no bucket", func(q *SpikeQuery) { q.Bucket = "" }, "bucket"},
		{"bad zone", func(q *SpikeQuery) { q.TZ = "Mars/Olympus" }, "tz"},
		{"local zone", func(q *SpikeQuery) { q.TZ = "Local" }, "tz"},
		{"no from", func(q *SpikeQuery) { q.From = time.Time{} }, "from"},
		{"no to", func(q *SpikeQuery) { q.To = time.Time{} }, "to"},
		{"to before from", func(q *SpikeQuery) { q.To = q.From }, "to"},
		{"too long", func(q *SpikeQuery) { q.To = q.From.AddDate(3, 0, 0) }, "to"},
		{"negative season", func(q *SpikeQuery) { q.Season = -1 }, "season"},
		{"short baseline", func(q *SpikeQuery) { q.Baseline = 14 }, "baseline"},
		{"negative baseline", func(q *SpikeQuery) { q.Baseline = -7 }, "baseline"},
		{"huge baseline", func(q *SpikeQuery) { q.Baseline = MaxSpikeBaseline + 7 }, "baseline"},
		{"negative min count", func(q *SpikeQuery) { q.MinCount = -1 }, "min_count"},
		{"negative threshold", func(q *SpikeQuery) { q.Threshold = -1 }, "threshold"},
		{"NaN threshold", func(q *SpikeQuery) { q.Threshold = math.NaN() }, "threshold"},
		{"baseline before 1970", func(q *SpikeQuery) {
			q.From, q.To = MinTime.AddDate(0, 0, 3), MinTime.AddDate(0, 0, 10)
		}, "from"},
		{"unknown filter", func(q *SpikeQuery) { q.Filters = map[string][]string{"colour": {"red"}} }, "filters"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := ok
			c.edit(&q)
			h := &fakeHotspotter{}
			_, err := DetectSpikes(context.Background(), h, q)
			var qe *QueryError
			if !errors.As(err, &qe) {
				t.Fatalf("error %v is not a *QueryError", err)
			}
			if qe.Field != c.field {
				t.Errorf("field %q, want %q (%v)", qe.Field, c.field, err)
			}
		})
	}
	// Season 1 with a short baseline is fine; the defaults are filled in.
	p, err := planSpikes(SpikeQuery{Dimension: "tag", Bucket: BucketHour, From: ok.From, To: ok.To})
	if err != nil {
		t.Fatal(err)
	}
	if p.q.Baseline != 168 || p.q.Season != 24 || p.q.MinCount != DefaultSpikeMinCount || p.q.Threshold != DefaultSpikeThreshold || p.q.TZ != "UTC" {
		t.Errorf("defaults: %+v", p.q)
	}
	if len(p.starts) != 168+32*24+1 || !p.starts[168].Equal(ok.From) {
		t.Errorf("hour buckets: %d, first examined %v", len(p.starts), p.starts[168])
	}
	if _, err := planSpikes(SpikeQuery{Dimension: "tag", Bucket: BucketDay, Season: 1, Baseline: 3, From: ok.From, To: ok.To}); err != nil {
		t.Errorf("season 1, baseline 3: %v", err)
	}
}

func TestRobustScale(t *testing.T) {
	for _, c := range []struct {
		xs         []float64
		med, scale float64
	}{
		{nil, 0, 1},
		{[]float64{0, 0, 0}, 0, 1},
		{[]float64{100, 100, 100, 100}, 100, 10},                    // sqrt(median) floor
		{[]float64{10, 20, 30, 40, 1000}, 30, 1.4826 * 10},          // MAD 10
		{[]float64{1, 2, 3, 4}, 2.5, max(1.4826*1, math.Sqrt(2.5))}, // even count
	} {
		med, scale := robustScale(c.xs)
		if med != c.med || math.Abs(scale-c.scale) > 1e-9 {
			t.Errorf("robustScale(%v) = %v, %v; want %v, %v", c.xs, med, scale, c.med, c.scale)
		}
	}
}

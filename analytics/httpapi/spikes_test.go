package httpapi_test

import (
	"context"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/analytics/clickhouse"
	"github.com/deskmine/deskmine/analytics/duckdb"
	"github.com/deskmine/deskmine/analytics/httpapi"
	"github.com/deskmine/deskmine/analytics/storetest"
	"github.com/deskmine/deskmine/internal/testch"
)

// serveStore serves the routes over any store, with the OpenAPI document
// the responses are checked against.
func serveStore(t *testing.T, s httpapi.Store) *env {
	t.Helper()
	e := echo.New()
	for _, r := range httpapi.Routes(httpapi.New(s, slog.New(slog.NewTextHandler(io.Discard, nil)))) {
		e.Add(r.Method, r.Path, r.Handler)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	raw, err := os.ReadFile("../../ticketcore/api/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, doc: doc, srv: srv}
}

// fakeSpikes is a Hotspotter with a made-up history: per day, value vpn
// (whatever the dimension) has 10 tickets and other 20, except that on
// the last day of the asked range vpn has 50. Among the tickets of
// category vpn, product router is 45 of the 50 of the last day and 28 of
// the 280 of the 28 days before; laptop has the rest. It records the
// queries it answered.
type fakeSpikes struct {
	httpapi.Store // Performance and Bottlenecks are never called
	mu            sync.Mutex
	queries       []analytics.HotspotQuery
}

func (f *fakeSpikes) Hotspots(_ context.Context, q analytics.HotspotQuery) ([]analytics.HotspotRow, error) {
	f.mu.Lock()
	f.queries = append(f.queries, q)
	f.mu.Unlock()
	loc, err := time.LoadLocation(q.TZ)
	if err != nil {
		return nil, err
	}
	days := func(row func(b time.Time, last bool) []analytics.HotspotRow) []analytics.HotspotRow {
		var rows []analytics.HotspotRow
		from := q.From.In(loc)
		for b := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, loc); b.Before(q.To); b = b.AddDate(0, 0, 1) {
			rows = append(rows, row(b, !b.AddDate(0, 0, 1).Before(q.To))...)
		}
		return rows
	}
	if q.Dimensions[0] == "product" && slices.Equal(q.Filters["category"], []string{"vpn"}) && q.Bucket == analytics.BucketDay {
		// An explanation: the spike's day and its 28 days of baseline.
		return days(func(b time.Time, last bool) []analytics.HotspotRow {
			if last {
				return []analytics.HotspotRow{{Bucket: b, Keys: []string{"router"}, Count: 45}, {Bucket: b, Keys: []string{"laptop"}, Count: 5}}
			}
			return []analytics.HotspotRow{{Bucket: b, Keys: []string{"laptop"}, Count: 9}, {Bucket: b, Keys: []string{"router"}, Count: 1}}
		}), nil
	}
	if len(q.Filters["category"]) > 0 {
		return nil, nil
	}
	if q.Bucket != analytics.BucketNone {
		var rows []analytics.HotspotRow
		from := q.From.In(loc)
		for b := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, loc); b.Before(q.To); b = b.AddDate(0, 0, 1) {
			vpn := int64(10)
			if !b.AddDate(0, 0, 1).Before(q.To) {
				vpn = 50
			}
			rows = append(rows, analytics.HotspotRow{Bucket: b, Keys: []string{"vpn"}, Count: vpn},
				analytics.HotspotRow{Bucket: b, Keys: []string{"other"}, Count: 20})
		}
		return rows, nil
	}
	return nil, nil
}

func TestSpikesFromFakeStore(t *testing.T) {
	f := &fakeSpikes{}
	e := serveStore(t, f)
	var res httpapi.SpikesResponse
	path := "/spikes?dimension=category&bucket=day&tz=Asia/Shanghai&from=2026-03-01T00:00:00%2B08:00&to=2026-03-05T00:00:00%2B08:00&filter.channel=email,chat"
	e.getJSON(path, &res)
	if res.Dimension != "category" || res.Bucket != "day" || res.TZ != "Asia/Shanghai" || res.Baseline != 28 || res.Season != 7 ||
		res.MinCount != analytics.DefaultSpikeMinCount || res.Threshold != analytics.DefaultSpikeThreshold {
		t.Errorf("query echoed with defaults: %+v", res)
	}
	if len(res.Spikes) != 1 {
		t.Fatalf("spikes %+v; want the last day's vpn", res.Spikes)
	}
	s := res.Spikes[0]
	if s.Dimension != "category" || s.Value != "vpn" || s.Count != 50 || s.Baseline != 10 || math.Abs(s.Z-40/math.Sqrt(10)) > 1e-9 {
		t.Errorf("spike %+v", s)
	}
	if len(s.Explanation) != 1 {
		t.Fatalf("findings %+v; want router only (laptop is below the least support)", s.Explanation)
	}
	fd := s.Explanation[0]
	lift := (46.0 / 52) / (29.0 / 282)
	if fd.Dimension != "product" || fd.Value != "router" || fd.Count != 45 || fd.Share != 0.9 || fd.BaselineShare != 0.1 ||
		fd.Support != 0.9 || math.Abs(fd.Lift-lift) > 1e-9 || !strings.HasPrefix(fd.Text, `product "router" is 90% of the spike vs 10% usually`) {
		t.Errorf("finding %+v", fd)
	}
	// The bucket is written in the query's zone.
	raw := string(e.get(path).body)
	if !strings.Contains(raw, `"bucket":"2026-03-04T00:00:00+08:00"`) {
		t.Errorf("bucket not in Asia/Shanghai: %s", raw)
	}
	// The counts reach back a baseline before from, with the filters; the
	// explanations add the spiking value.
	f.mu.Lock()
	first, last := f.queries[0], f.queries[len(f.queries)-1]
	f.mu.Unlock()
	if first.Bucket != "day" || first.TZ != "Asia/Shanghai" || !first.From.Equal(time.Date(2026, 2, 1, 0, 0, 0, 0, time.FixedZone("", 8*3600))) ||
		!slices.Equal(first.Filters["channel"], []string{"email", "chat"}) {
		t.Errorf("counts query %+v", first)
	}
	if !slices.Equal(last.Filters["category"], []string{"vpn"}) || !slices.Equal(last.Filters["channel"], []string{"email", "chat"}) {
		t.Errorf("explanation query %+v", last)
	}

	recs := e.getCSV(path + "&format=csv")
	want := [][]string{
		{"dimension", "value", "bucket", "count", "baseline", "z", "rank", "finding_dimension", "finding_value", "finding_count",
			"share", "baseline_share", "lift", "support", "text"},
		{"category", "vpn", "2026-03-04T00:00:00+08:00", "50", "10", recs[1][5], "1", "product", "router", "45", "0.9", "0.1",
			recs[1][12], "0.9", fd.Text},
	}
	if len(recs) != 2 || !slices.Equal(recs[0], want[0]) || !slices.Equal(recs[1], want[1]) {
		t.Errorf("csv %q\nwant %q", recs, want)
	}

	// A spike without findings keeps one row, its finding columns empty.
	recs = e.getCSV("/spikes?dimension=channel&bucket=day&from=2026-03-01T00:00:00Z&to=2026-03-05T00:00:00Z&format=csv")
	if len(recs) != 2 || recs[1][0] != "channel" || recs[1][1] != "vpn" || recs[1][6] != "" || recs[1][14] != "" || len(recs[1]) != 15 {
		t.Errorf("spike without findings: %q", recs)
	}
}

// TestSpikesOnStores: over DuckDB and ClickHouse holding the generated
// history, the planted spikes come out of the API with their causes first,
// the hourly one in the asked zone; the flat history gives none.
func TestSpikesOnStores(t *testing.T) {
	stores := map[string]func(t *testing.T) analytics.Store{
		"duckdb": func(t *testing.T) analytics.Store {
			s, err := duckdb.Open(context.Background(), filepath.Join(t.TempDir(), "analytics.duckdb"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		},
		"clickhouse": func(t *testing.T) analytics.Store {
			s, err := clickhouse.Open(context.Background(), testch.DSN(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		},
	}
	for _, name := range []string{"duckdb", "clickhouse"} {
		t.Run(name, func(t *testing.T) {
			load := func(planted bool) *env {
				s := stores[name](t)
				for b := range slices.Chunk(storetest.SpikeHistory(planted), 2000) {
					if err := s.Apply(context.Background(), b); err != nil {
						t.Fatal(err)
					}
				}
				return serveStore(t, s.(httpapi.Store))
			}
			params := func(q analytics.SpikeQuery) string {
				p := "/spikes?dimension=" + q.Dimension + "&bucket=" + q.Bucket + "&from=" + q.From.Format(time.RFC3339) + "&to=" + q.To.Format(time.RFC3339)
				if q.TZ != "" {
					p += "&tz=" + q.TZ
				}
				return p
			}
			get := func(e *env, q analytics.SpikeQuery) []analytics.Spike {
				var res httpapi.SpikesResponse
				e.getJSON(params(q), &res)
				if res.Spikes == nil {
					t.Fatalf("%s: spikes is null, want a list", params(q))
				}
				return fromJSON(res.Spikes)
			}

			e := load(true)
			storetest.CheckPlantedSpike(t, get(e, storetest.SpikeQuery("product")))
			storetest.CheckBurst(t, get(e, storetest.BurstQuery()))
			recs := e.getCSV(params(storetest.SpikeQuery("product")) + "&format=csv")
			if len(recs) < 2 || recs[1][1] != "X" || recs[1][6] != "1" || recs[1][7] != "category" || recs[1][8] != "vpn" {
				t.Errorf("csv: %q", recs)
			}

			flat := load(false)
			for _, q := range []analytics.SpikeQuery{storetest.SpikeQuery("product"), storetest.SpikeQuery("channel"), storetest.BurstQuery()} {
				if got := get(flat, q); len(got) != 0 {
					t.Errorf("%s: flat data gave spikes: %+v", params(q), got)
				}
			}
		})
	}
}

func fromJSON(ss []httpapi.Spike) []analytics.Spike {
	out := make([]analytics.Spike, len(ss))
	for i, s := range ss {
		out[i] = analytics.Spike{Dimension: s.Dimension, Value: s.Value, Bucket: s.Bucket, Count: s.Count, Baseline: s.Baseline, Z: s.Z}
		for _, f := range s.Explanation {
			out[i].Explanation = append(out[i].Explanation, analytics.Finding{Dimension: f.Dimension, Value: f.Value, Count: f.Count,
				Share: f.Share, BaselineShare: f.BaselineShare, Lift: f.Lift, Support: f.Support, Text: f.Text})
		}
	}
	return out
}

func TestSpikesBadRequests(t *testing.T) {
	e := serveStore(t, &fakeSpikes{})
	r := "&from=2026-03-01T00:00:00Z&to=2026-03-05T00:00:00Z"
	ok := "/spikes?dimension=category&bucket=day"
	for _, c := range []struct{ path, field, want string }{
		{"/spikes?bucket=day" + r, "dimension", "required; allowed: agent, assignee, category"},
		{"/spikes?dimension=colour&bucket=day" + r, "dimension", "allowed: agent, assignee, category, channel"},
		{"/spikes?dimension=category" + r, "bucket", "required; allowed: hour, day"},
		{"/spikes?dimension=category&bucket=week" + r, "bucket", "allowed: hour or day"},
		{ok + "&tz=Mars/Olympus" + r, "tz", "unknown time zone"},
		{ok + "&to=2026-03-05T00:00:00Z", "from", "required"},
		{ok + "&from=yesterday&to=2026-03-05T00:00:00Z", "from", "RFC 3339"},
		{ok + "&from=2026-03-05T00:00:00Z&to=2026-03-01T00:00:00Z", "to", "must be after from"},
		{ok + "&baseline=many" + r, "baseline", "whole number"},
		{ok + "&baseline=14" + r, "baseline", "at least 3 buckets of each season"},
		{ok + "&baseline=5000" + r, "baseline", "at most 1000"},
		{ok + "&season=-1" + r, "season", "at least 1"},
		{ok + "&min_count=-1" + r, "min_count", "must not be negative"},
		{ok + "&min_count=1.5" + r, "min_count", "whole number"},
		{ok + "&threshold=high" + r, "threshold", "must be a number"},
		{ok + "&threshold=NaN" + r, "threshold", "must be a number"},
		{ok + "&threshold=-2" + r, "threshold", "positive"},
		{ok + "&filter.colour=red" + r, "filters", "unknown dimension"},
		{ok + "&dimensions=team" + r, "dimensions", "not a known parameter"},
		{ok + "&dimension=team" + r, "dimension", "more than once"},
		{ok + "&format=xml" + r, "format", "allowed: json, csv"},
	} {
		e.badRequest(c.path, c.field, c.want)
	}
	// Season 1 (no seasons) takes a short baseline.
	var res httpapi.SpikesResponse
	e.getJSON(ok+"&season=1&baseline=3&min_count=5&threshold=2.5"+r, &res)
	if res.Season != 1 || res.Baseline != 3 || res.MinCount != 5 || res.Threshold != 2.5 {
		t.Errorf("explicit parameters: %+v", res)
	}
	if r := e.get(ok + r); r.status != http.StatusOK {
		t.Errorf("good request: %d %s", r.status, r.body)
	}
}

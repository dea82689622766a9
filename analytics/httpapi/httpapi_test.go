package httpapi_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/analytics/duckdb"
	"github.com/deskmine/deskmine/analytics/httpapi"
	"github.com/deskmine/deskmine/analytics/storetest"
	"github.com/deskmine/deskmine/ticketcore/events"
)

type env struct {
	t     *testing.T
	doc   *openapi3.T
	srv   *httptest.Server
	store *duckdb.Store
	hist  []events.Event
}

// newEnv serves the routes over a DuckDB store holding the standard
// generated history (January to March 2026).
func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	s, err := duckdb.Open(ctx, filepath.Join(t.TempDir(), "analytics.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	h := storetest.History()
	for b := range slices.Chunk(h, 1000) {
		if err := s.Apply(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	e := echo.New()
	hs := httpapi.New(s, slog.New(slog.NewTextHandler(io.Discard, nil)))
	routes := httpapi.Routes(hs)
	// Every endpoint once; endpoints added by others' work do not break it.
	paths := map[string]bool{}
	for _, r := range routes {
		paths[r.Path] = true
	}
	for _, name := range []string{"hotspots", "movers", "backlog", "performance", "bottlenecks", "spikes", "repeats", "painpoints", "rootcause", "open"} {
		if !paths[httpapi.Prefix+"/"+name] {
			t.Fatalf("no route /%s among %d", name, len(routes))
		}
	}
	if len(paths) != len(routes) {
		t.Fatalf("%d routes on %d paths", len(routes), len(paths))
	}
	for _, r := range routes {
		if !slices.Equal(r.Roles, []string{"admin", "manager"}) || r.Method != http.MethodGet {
			t.Errorf("%s %s: roles %v", r.Method, r.Path, r.Roles)
		}
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
	return &env{t: t, doc: doc, srv: srv, store: s, hist: h}
}

type resp struct {
	status int
	ctype  string
	body   []byte
}

func (e *env) get(path string) resp {
	e.t.Helper()
	res, err := http.Get(e.srv.URL + "/api/v1/analytics" + path)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{status: res.StatusCode, ctype: res.Header.Get("Content-Type"), body: b}
}

func (e *env) getJSON(path string, v any) {
	e.t.Helper()
	r := e.get(path)
	if r.status != http.StatusOK || !strings.HasPrefix(r.ctype, "application/json") {
		e.t.Fatalf("GET %s: %d %s %s", path, r.status, r.ctype, r.body)
	}
	if err := json.Unmarshal(r.body, v); err != nil {
		e.t.Fatalf("GET %s: %v", path, err)
	}
	e.conforms(path, http.StatusOK, r.body)
}

// conforms checks a JSON body against the schema the ticket API's OpenAPI
// document gives the route (whose schemas forbid undocumented fields).
func (e *env) conforms(path string, status int, body []byte) {
	e.t.Helper()
	route, _, _ := strings.Cut("/api/v1/analytics"+path, "?")
	item := e.doc.Paths.Value(route)
	if item == nil || item.Get == nil || item.Get.Responses.Status(status) == nil {
		e.t.Fatalf("GET %s %d is not documented", route, status)
	}
	media := item.Get.Responses.Status(status).Value.Content.Get("application/json")
	var v any
	_ = json.Unmarshal(body, &v)
	if err := media.Schema.Value.VisitJSON(v, openapi3.VisitAsResponse(), openapi3.MultiErrors()); err != nil {
		e.t.Errorf("GET %s: the body does not match the document: %v\n%.300s", path, err, body)
	}
}

func (e *env) getCSV(path string) [][]string {
	e.t.Helper()
	r := e.get(path)
	if r.status != http.StatusOK || r.ctype != "text/csv; charset=utf-8" {
		e.t.Fatalf("GET %s: %d %s %s", path, r.status, r.ctype, r.body)
	}
	recs, err := csv.NewReader(strings.NewReader(string(r.body))).ReadAll()
	if err != nil {
		e.t.Fatalf("GET %s: not CSV: %v\n%s", path, err, r.body)
	}
	return recs
}

// badRequest checks a 400 in the API's error shape naming field; the
// reason must contain want.
func (e *env) badRequest(path, field, want string) {
	e.t.Helper()
	r := e.get(path)
	var body struct {
		Error struct {
			Code    string            `json:"code"`
			Message string            `json:"message"`
			Fields  map[string]string `json:"fields"`
		} `json:"error"`
	}
	if r.status != http.StatusBadRequest || json.Unmarshal(r.body, &body) != nil {
		e.t.Errorf("GET %s: want 400 JSON, got %d %s", path, r.status, r.body)
		return
	}
	e.conforms(path, http.StatusBadRequest, r.body)
	if body.Error.Code != "bad_request" || body.Error.Message == "" {
		e.t.Errorf("GET %s: error %+v", path, body.Error)
	}
	if reason, ok := body.Error.Fields[field]; !ok || !strings.Contains(reason, want) {
		e.t.Errorf("GET %s: fields %v, want %s containing %q", path, body.Error.Fields, field, want)
	}
}

const (
	from = "2025-12-01T00:00:00Z"
	to   = "2026-06-01T00:00:00Z"
)

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// createdByChannel counts from the events alone the tickets created in
// [from, to) per channel.
func createdByChannel(h []events.Event, from, to time.Time) map[string]int64 {
	latest := map[int64]*events.Ticket{}
	version := map[int64]int64{}
	for i := range h {
		if v, ok := version[h[i].TicketID]; !ok || h[i].TicketVersion > v {
			version[h[i].TicketID], latest[h[i].TicketID] = h[i].TicketVersion, &h[i].Ticket
		}
	}
	out := map[string]int64{}
	for _, tk := range latest {
		c := tk.CreatedAt.UTC().Truncate(time.Second)
		if !c.Before(from) && c.Before(to) {
			out[tk.Channel]++
		}
	}
	return out
}

func TestHotspots(t *testing.T) {
	e := newEnv(t)
	want := createdByChannel(e.hist, ts(from), ts(to))
	var res httpapi.HotspotsResponse
	e.getJSON("/hotspots?dimensions=channel&from="+from+"&to="+to, &res)
	got := map[string]int64{}
	for _, r := range res.Rows {
		if r.Bucket != nil || len(r.Keys) != 1 {
			t.Fatalf("row %+v", r)
		}
		got[r.Keys[0]] = r.Count
	}
	if len(got) == 0 || !mapsEqual(got, want) {
		t.Errorf("hotspots by channel %v, want %v", got, want)
	}
	if res.TZ != "UTC" || !slices.Equal(res.Dimensions, []string{"channel"}) {
		t.Errorf("echo of the query: %+v", res)
	}

	// Buckets, a zone, two dimensions, a filter and a limit: the answer
	// equals the store's.
	q := analytics.HotspotQuery{Dimensions: []string{"team", "priority"}, Bucket: "week", TZ: "America/New_York",
		From: ts(from), To: ts(to), Limit: 3, Filters: map[string][]string{"channel": {"email", "chat"}}}
	direct, err := e.store.Hotspots(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	path := "/hotspots?dimensions=team,priority&bucket=week&tz=America/New_York&limit=3&filter.channel=email,chat&from=" + from + "&to=" + to
	e.getJSON(path, &res)
	if len(res.Rows) != len(direct) || len(direct) == 0 {
		t.Fatalf("%d rows, store has %d", len(res.Rows), len(direct))
	}
	for i, r := range res.Rows {
		d := direct[i]
		if r.Bucket == nil || !r.Bucket.Equal(d.Bucket) || !slices.Equal(r.Keys, d.Keys) || r.Count != d.Count {
			t.Errorf("row %d: %+v, store %+v", i, r, d)
		}
	}
	recs := e.getCSV(path + "&format=csv")
	if !slices.Equal(recs[0], []string{"bucket", "team", "priority", "count"}) || len(recs) != len(direct)+1 {
		t.Fatalf("csv header %v, %d records", recs[0], len(recs))
	}
	for i, d := range direct {
		rec := recs[i+1]
		if rec[0] != d.Bucket.Format(time.RFC3339) || rec[1] != d.Keys[0] || rec[2] != d.Keys[1] || rec[3] != strconv.FormatInt(d.Count, 10) {
			t.Errorf("csv row %d %v, store %+v", i, rec, d)
		}
	}

	// An empty filter item matches the empty value.
	q = analytics.HotspotQuery{Dimensions: []string{"customer_tier"}, From: ts(from), To: ts(to), Filters: map[string][]string{"region": {""}}}
	if direct, err = e.store.Hotspots(context.Background(), q); err != nil || len(direct) == 0 {
		t.Fatalf("store: %v %v", direct, err)
	}
	e.getJSON("/hotspots?dimensions=customer_tier&filter.region=&from="+from+"&to="+to, &res)
	if len(res.Rows) != len(direct) || res.Rows[0].Count != direct[0].Count {
		t.Errorf("filter.region=: %+v, store %+v", res.Rows, direct)
	}

	// CSV without buckets.
	recs = e.getCSV("/hotspots?format=csv&dimensions=channel&from=" + from + "&to=" + to)
	if !slices.Equal(recs[0], []string{"channel", "count"}) || len(recs) != len(want)+1 {
		t.Fatalf("csv %v", recs)
	}
	for _, rec := range recs[1:] {
		if rec[1] != strconv.FormatInt(want[rec[0]], 10) {
			t.Errorf("csv %v, want %d", rec, want[rec[0]])
		}
	}
}

func TestMovers(t *testing.T) {
	e := newEnv(t)
	mid := "2026-02-04T00:00:00Z"
	end := "2026-03-06T00:00:00Z"
	cur := createdByChannel(e.hist, ts(mid), ts(end))
	prev := createdByChannel(e.hist, ts(mid).Add(-ts(end).Sub(ts(mid))), ts(mid))
	var res httpapi.MoversResponse
	path := "/movers?dimensions=channel&from=" + mid + "&to=" + end
	e.getJSON(path, &res)
	if len(res.Rows) == 0 || res.Dimension != "channel" {
		t.Fatalf("movers %+v", res)
	}
	for _, m := range res.Rows {
		if m.Current != cur[m.Key] || m.Previous != prev[m.Key] || m.Delta != m.Current-m.Previous {
			t.Errorf("mover %+v, want current %d previous %d", m, cur[m.Key], prev[m.Key])
		}
		if (m.Ratio == nil) != (m.Previous == 0) {
			t.Errorf("mover %+v: ratio", m)
		}
	}
	recs := e.getCSV(path + "&format=csv")
	if !slices.Equal(recs[0], []string{"channel", "current", "previous", "delta", "ratio"}) || len(recs) != len(res.Rows)+1 {
		t.Fatalf("csv %v", recs)
	}
	for i, m := range res.Rows {
		if recs[i+1][0] != m.Key || recs[i+1][1] != strconv.FormatInt(m.Current, 10) {
			t.Errorf("csv row %v, json %+v", recs[i+1], m)
		}
	}
}

func TestBacklog(t *testing.T) {
	e := newEnv(t)
	at := "2026-02-15T12:00:00Z"
	q := analytics.BacklogQuery{At: ts(at), By: "status", Filters: map[string][]string{"priority": {"P1", "P2"}}}
	direct, err := e.store.Backlog(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	if len(direct) == 0 {
		t.Fatal("empty backlog: the test data does not exercise the endpoint")
	}
	var res httpapi.BacklogResponse
	path := "/backlog?at=" + at + "&by=status&filter.priority=P1,P2"
	e.getJSON(path, &res)
	if len(res.Rows) != len(direct) {
		t.Fatalf("rows %+v, store %+v", res.Rows, direct)
	}
	for i, d := range direct {
		if res.Rows[i].Key != d.Key || res.Rows[i].Count != d.Count {
			t.Errorf("row %+v, store %+v", res.Rows[i], d)
		}
	}
	recs := e.getCSV(path + "&format=csv")
	if !slices.Equal(recs[0], []string{"status", "count"}) || len(recs) != len(direct)+1 {
		t.Fatalf("csv %v", recs)
	}
	var total httpapi.BacklogResponse
	e.getJSON("/backlog?at="+at, &total)
	if len(total.Rows) != 1 || total.Rows[0].Key != "" {
		t.Errorf("total backlog %+v", total)
	}
	recs = e.getCSV("/backlog?format=csv&at=" + at)
	if !slices.Equal(recs[0], []string{"key", "count"}) || len(recs) != 2 || recs[1][1] != strconv.FormatInt(total.Rows[0].Count, 10) {
		t.Errorf("total csv %v", recs)
	}
}

func TestPerformance(t *testing.T) {
	e := newEnv(t)
	pf, pt := "2026-01-25T00:00:00Z", "2026-02-24T12:00:00Z"
	q := analytics.PerformanceQuery{By: "team", From: ts(pf), To: ts(pt), Filters: map[string][]string{"channel": {"email", "chat", "web"}}, Anonymous: true}
	want := storetest.ExpectPerformance(e.hist, q)
	var res httpapi.PerformanceResponse
	path := "/performance?by=team&from=" + pf + "&to=" + pt + "&filter.channel=email,chat,web&anonymous=true"
	e.getJSON(path, &res)
	if len(res.Rows) != len(want.Rows) || len(res.Previous) != len(want.Previous) || len(want.Rows) == 0 {
		t.Fatalf("rows %d/%d, want %d/%d", len(res.Rows), len(res.Previous), len(want.Rows), len(want.Previous))
	}
	for i, w := range want.Rows {
		g := res.Rows[i]
		if g.Key != w.Key || g.Handled != w.Handled || g.ResolveP90Ms != w.ResolveP90Ms || g.Backlog != w.Backlog ||
			g.SLAPercent != w.SLAPercent() || g.ReopenRate != w.ReopenRate() || g.Handoffs != w.Handoffs ||
			g.CSATRatings != w.CSATRated || g.CSATAverage != w.CSATAverage() || g.CSATResponseRate != w.CSATResponseRate() {
			t.Errorf("row %d: %+v, want %+v", i, g, w)
		}
		if !strings.HasPrefix(g.Key, "Team ") {
			t.Errorf("row %d not anonymous: %q", i, g.Key)
		}
	}
	if !res.PrevFrom.Equal(want.PrevFrom) || !res.PrevTo.Equal(want.PrevTo) {
		t.Errorf("previous period %v..%v, want %v..%v", res.PrevFrom, res.PrevTo, want.PrevFrom, want.PrevTo)
	}
	recs := e.getCSV(path + "&format=csv")
	if recs[0][0] != "team" || recs[0][1] != "handled" || len(recs[0]) != 16 || recs[0][14] != "csat_average" || len(recs) != len(want.Rows)+1 {
		t.Fatalf("csv header %v, %d records", recs[0], len(recs))
	}
	for i, w := range want.Rows {
		if recs[i+1][0] != w.Key || recs[i+1][1] != strconv.FormatInt(w.Handled, 10) ||
			recs[i+1][14] != strconv.FormatFloat(w.CSATAverage(), 'f', -1, 64) {
			t.Errorf("csv row %v, want %+v", recs[i+1], w)
		}
	}
	var named httpapi.PerformanceResponse
	e.getJSON("/performance?by=agent&from="+pf+"&to="+pt, &named)
	if len(named.Rows) == 0 || strings.HasPrefix(named.Rows[0].Key, "Agent ") {
		t.Errorf("by agent: %+v", named.Rows)
	}
}

func TestBottlenecks(t *testing.T) {
	e := newEnv(t)
	bf, bt := "2026-01-10T00:00:00Z", "2026-03-01T00:00:00Z"
	q := analytics.BottleneckQuery{From: ts(bf), To: ts(bt), Filters: map[string][]string{"priority": {"P1", "P2", "P3"}}}
	want := storetest.ExpectBottlenecks(e.hist, q)
	var res httpapi.BottlenecksResponse
	path := "/bottlenecks?from=" + bf + "&to=" + bt + "&filter.priority=P1,P2,P3"
	e.getJSON(path, &res)
	if len(want.StatusTimes) == 0 || len(res.StatusTimes) != len(want.StatusTimes) {
		t.Fatalf("status times %d, want %d", len(res.StatusTimes), len(want.StatusTimes))
	}
	for i, w := range want.StatusTimes {
		g := res.StatusTimes[i]
		if g.Team != w.Team || g.Status != w.Status || g.TotalMs != w.TotalMs || g.Intervals != w.Intervals || g.P50Ms != w.P50Ms {
			t.Errorf("status time %d: %+v, want %+v", i, g, w)
		}
	}
	if res.Handoffs != want.Handoffs || res.TicketsWithHandoff != want.TicketsWithHandoff ||
		len(res.PingPong) != len(want.PingPong) || len(res.TeamTimes) != len(want.TeamTimes) ||
		len(res.PingPongTickets) != len(want.PingPongTickets) || len(res.HandoffsByProduct) != len(want.HandoffsByProduct) {
		t.Errorf("bottlenecks %+v\nwant %+v", res, want)
	}
	recs := e.getCSV(path + "&format=csv")
	if !slices.Equal(recs[0], []string{"team", "status", "total_ms", "intervals", "p50_ms"}) || len(recs) != len(want.StatusTimes)+1 {
		t.Fatalf("csv %v", recs[:1])
	}
	for i, w := range want.StatusTimes {
		if recs[i+1][0] != w.Team || recs[i+1][2] != strconv.FormatInt(w.TotalMs, 10) {
			t.Errorf("csv row %v, want %+v", recs[i+1], w)
		}
	}
}

func TestBadRequests(t *testing.T) {
	e := newEnv(t)
	r := "&from=" + from + "&to=" + to
	e.badRequest("/hotspots?dimensions=colour"+r, "dimensions", "allowed: agent, assignee, category, channel")
	e.badRequest("/hotspots?dimensions=colour"+r, "dimensions", "cf.<name>")
	e.badRequest("/hotspots?dimensions=cf.Colour"+r, "dimensions", "lower-case letter")
	e.badRequest("/movers?dimensions=channel&filter.cf.="+r, "filters", "lower-case letter")
	e.badRequest("/hotspots?dimensions=channel&from=yesterday&to="+to, "from", "RFC 3339")
	e.badRequest("/hotspots?dimensions=channel&to="+to, "from", "required")
	e.badRequest("/hotspots?dimensions=channel&colour=red"+r, "colour", "not a known parameter")
	e.badRequest("/hotspots?dimensions=channel&format=xml"+r, "format", "allowed: json, csv")
	e.badRequest("/hotspots?dimensions=channel&limit=many"+r, "limit", "whole number")
	e.badRequest("/hotspots?dimensions=channel&limit=5000"+r, "limit", "between 1")
	e.badRequest("/hotspots?dimensions=channel&bucket=year"+r, "bucket", "allowed")
	e.badRequest("/hotspots?dimensions=channel&tz=Mars/Olympus"+r, "tz", "unknown time zone")
	e.badRequest("/hotspots?dimensions=channel&filter.colour=red"+r, "filters", "unknown dimension")
	e.badRequest("/hotspots?dimensions=channel&dimensions=team"+r, "dimensions", "more than once")
	e.badRequest("/movers?dimensions=channel,team"+r, "dimensions", "exactly one")
	e.badRequest("/movers?dimensions=channel&bucket=day"+r, "bucket", "not a known parameter")
	e.badRequest("/backlog", "at", "required")
	e.badRequest("/backlog?at=2026-02-01&by=status", "at", "RFC 3339")
	e.badRequest("/backlog?at=2026-02-01T00:00:00Z&by=product", "by", "allowed")
	e.badRequest("/backlog?at=2026-02-01T00:00:00Z&from="+from, "from", "not a known parameter")
	e.badRequest("/performance?by=agent&to="+to, "from", "required")
	e.badRequest("/performance?by=customer"+r, "by", "agent")
	e.badRequest("/performance?by=agent&anonymous=yes"+r, "anonymous", "true or false")
	e.badRequest("/performance?by=agent&format=pdf"+r, "format", "unknown format")
	e.badRequest("/bottlenecks?from="+from, "to", "required")
	e.badRequest("/bottlenecks?from=2026-01-01T00:00:00&to="+to, "from", "RFC 3339")
	e.badRequest("/bottlenecks?by=team"+r, "by", "not a known parameter")
	e.badRequest("/bottlenecks?filter.tag=vip"+r, "filters", "unknown dimension")
}

func mapsEqual(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

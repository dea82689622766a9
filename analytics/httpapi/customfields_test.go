package httpapi_test

import (
	"context"
	"slices"
	"testing"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/analytics/httpapi"
)

// TestCustomFieldDimensions: cf.<name> is a dimension and a filter of the
// hotspot endpoints, answering what the store answers.
func TestCustomFieldDimensions(t *testing.T) {
	e := newEnv(t)
	q := analytics.HotspotQuery{Dimensions: []string{"cf.os", "channel"}, From: ts(from), To: ts(to), Limit: 1000,
		Filters: map[string][]string{"cf.reassignments": {"", "0", "1"}}}
	direct, err := e.store.Hotspots(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]bool{}
	for _, r := range direct {
		values[r.Keys[0]] = true
	}
	if !values[""] || !values["linux"] {
		t.Fatalf("the history lacks tickets with and without the field os: %v", values)
	}
	var res httpapi.HotspotsResponse
	path := "/hotspots?dimensions=cf.os,channel&limit=1000&filter.cf.reassignments=,0,1&from=" + from + "&to=" + to
	e.getJSON(path, &res)
	if len(res.Rows) != len(direct) {
		t.Fatalf("%d rows, store has %d", len(res.Rows), len(direct))
	}
	for i, d := range direct {
		if !slices.Equal(res.Rows[i].Keys, d.Keys) || res.Rows[i].Count != d.Count {
			t.Errorf("row %d: %+v, store %+v", i, res.Rows[i], d)
		}
	}
	recs := e.getCSV(path + "&format=csv")
	if !slices.Equal(recs[0], []string{"cf.os", "channel", "count"}) || len(recs) != len(direct)+1 {
		t.Errorf("csv header %v, %d records", recs[0], len(recs))
	}
	var movers httpapi.MoversResponse
	e.getJSON("/movers?dimensions=cf.modules&from=2026-02-01T00:00:00Z&to=2026-03-01T00:00:00Z", &movers)
	if movers.Dimension != "cf.modules" || len(movers.Rows) < 2 {
		t.Errorf("movers by a custom field: %+v", movers)
	}
}

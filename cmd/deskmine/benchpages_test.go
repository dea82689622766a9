package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestBenchPagesExitCodes(t *testing.T) {
	cases := []struct {
		args []string
		msg  string
	}{
		{[]string{"bench", "pages", "--runs", "0"}, "must be positive"},
		{[]string{"bench", "pages", "--events", "-1"}, "must be positive"},
		{[]string{"bench", "pages", "--warmups", "-1"}, "not negative"},
		{[]string{"bench", "pages", "--pages", "("}, "--pages"},
		{[]string{"bench", "pages", "extra"}, "unexpected argument"},
	}
	for _, c := range cases {
		code, _, stderr := runCmd(t, c.args...)
		if code != 2 || !strings.Contains(stderr, c.msg) {
			t.Errorf("%v: exit %d (want 2), stderr %q", c.args, code, stderr)
		}
	}
}

// TestBenchPagesRendersEveryPage runs the benchmark small: every page must
// render (a page answering anything but 200 fails the run), the analytics
// pages must have made their queries and the baseline must have replayed
// them.
func TestBenchPagesRendersEveryPage(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the demo desk and a generated history")
	}
	code, out, stderr := runCmd(t, "bench", "pages", "--events", "30000", "--runs", "2", "--warmups", "1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var res PagesResult
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		t.Fatalf("last line is not the JSON answer: %v\n%s", err, out)
	}
	if res.Events != 30000 || res.Tickets == 0 || res.FloorP50Ms <= 0 {
		t.Fatalf("result %+v", res)
	}
	seen := map[string]bool{}
	for _, p := range res.Pages {
		seen[p.Name] = true
		if p.Runs != 2 || p.P50Ms <= 0 || p.Bytes == 0 {
			t.Errorf("%s: %+v", p.Name, p)
		}
		if strings.HasPrefix(p.Path, "/ui/") && p.Queries > 0 && p.BaseP50Ms <= 0 {
			t.Errorf("%s: %d queries but no baseline", p.Name, p.Queries)
		}
	}
	for _, name := range []string{"overview-30d", "hotspots-category-90d", "spikes-category-30d", "rootcause-30d", "bottlenecks-30d",
		"performance-team-30d", "timetravel", "tickets-list", "ticket-page", "queue", "board", "skills", "kb-queue", "kb-candidate",
		"kb-articles", "kb-article"} {
		if !seen[name] {
			t.Errorf("page %s not measured", name)
		}
	}
	for _, p := range res.Pages {
		if strings.HasPrefix(p.Name, "overview") && p.Queries != 2 {
			t.Errorf("%s made %d analytics calls, want 2 (this period and the one before)", p.Name, p.Queries)
		}
	}
}

package querybench

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deskmine/deskmine/analytics/httpapi"
	"github.com/deskmine/deskmine/analytics/storetest"
)

func TestCasesCoverEveryRoute(t *testing.T) {
	for _, r := range httpapi.Routes(httpapi.New(nil, nil)) {
		if !slices.ContainsFunc(Cases, func(c Case) bool { return httpapi.Prefix+c.Path == r.Path }) {
			t.Errorf("route %s %s has no case in Cases", r.Method, r.Path)
		}
	}
}

func TestCasesExpand(t *testing.T) {
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	names := map[string]bool{}
	for _, c := range Cases {
		if names[c.Name] {
			t.Errorf("case name %s is used twice", c.Name)
		}
		names[c.Name] = true
		var prev string
		for v := range Variants {
			u, err := c.Expand(v, now)
			if err != nil {
				t.Fatal(err)
			}
			if strings.ContainsAny(u, "{}") {
				t.Errorf("%s variant %d: placeholder left in %s", c.Name, v, u)
			}
			if u == prev {
				t.Errorf("%s: variants %d and %d are the same request %s", c.Name, v-1, v, u)
			}
			prev = u
			path, query, _ := strings.Cut(u, "?")
			if path != httpapi.Prefix+c.Path {
				t.Errorf("%s: path %s", c.Name, path)
			}
			q, err := url.ParseQuery(query)
			if err != nil {
				t.Fatalf("%s: %v", c.Name, err)
			}
			if q.Has("from") {
				from, err1 := time.Parse(time.RFC3339, q.Get("from"))
				to, err2 := time.Parse(time.RFC3339, q.Get("to"))
				if err1 != nil || err2 != nil || to.Sub(from) != c.Window || to.After(SpanStart.Add(Span)) || !to.After(SpanStart) {
					t.Errorf("%s variant %d: window %s..%s", c.Name, v, q.Get("from"), q.Get("to"))
				}
			}
			if at := q.Get("at"); at != "" && !strings.Contains(c.Query, "{now}") {
				a, err := time.Parse(time.RFC3339, at)
				if err != nil || !a.After(SpanStart) || a.After(SpanStart.Add(Span)) {
					t.Errorf("%s variant %d: at %s outside the span", c.Name, v, at)
				}
			}
		}
	}
	if got, _ := (Case{Name: "x", Path: "/backlog", Query: "at={now}"}).Expand(0, now); got != httpapi.Prefix+"/backlog?at=2026-11-25T10%3A00%3A00Z" {
		t.Errorf("now expands to %s", got)
	}
	if _, err := (Case{Name: "x", Path: "/hotspots", Query: "dimensions={dim}"}).Expand(0, now); err == nil || !strings.Contains(err.Error(), "{dim}") {
		t.Errorf("an unknown placeholder gives %v", err)
	}
	if _, err := (Case{Name: "x", Path: "/hotspots", Query: "from={from}&to={to}"}).Expand(0, now); err == nil {
		t.Error("a window placeholder without a window is accepted")
	}
}

// The placeholders' values must be values the generator writes, or the
// filtered cases would measure empty answers.
func TestPlaceholderValuesExist(t *testing.T) {
	seen := map[string]map[string]bool{}
	add := func(dim, v string) {
		if seen[dim] == nil {
			seen[dim] = map[string]bool{}
		}
		seen[dim][v] = true
	}
	for _, e := range storetest.Generate(storetest.GenOptions{Seed: 3, Tickets: 2000}) {
		tk := e.Ticket
		add("team", tk.Team)
		add("channel", tk.Channel)
		add("category", tk.Category)
		add("tier", tk.Customer.Tier)
		add("priority", tk.Priority)
		for _, tag := range tk.Tags {
			add("tag", tag)
		}
	}
	for dim, vals := range map[string][]string{"team": valTeams, "channel": valChannels, "category": valCategories,
		"tier": valTiers, "priority": valPriorities, "tag": valTags} {
		for _, v := range vals {
			if !seen[dim][v] {
				t.Errorf("the generator writes no %s %q", dim, v)
			}
		}
	}
}

func TestSelect(t *testing.T) {
	if got := Select(Cases, nil); len(got) != len(Cases) {
		t.Errorf("nil selects %d of %d", len(got), len(Cases))
	}
	got := Select(Cases, regexp.MustCompile("^backlog-"))
	if len(got) == 0 {
		t.Fatal("no backlog case")
	}
	for _, c := range got {
		if c.Path != "/backlog" {
			t.Errorf("selected %s", c.Name)
		}
	}
}

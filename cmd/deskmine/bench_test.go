package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestBenchRouteExitCodes(t *testing.T) {
	cases := []struct {
		args []string
		msg  string
	}{
		{[]string{"bench"}, "usage: deskmine bench"},
		{[]string{"bench", "frobnicate"}, `unknown benchmark "frobnicate"`},
		{[]string{"bench", "route", "--runs", "0"}, "must be positive"},
		{[]string{"bench", "route", "--agents", "-5"}, "must be positive"},
		{[]string{"bench", "route", "--decisions", "0"}, "must be positive"},
		{[]string{"bench", "route", "--sla-items", "-1"}, "must not be negative"},
		{[]string{"bench", "route", "--sla-spread", "-1s"}, "must not be negative"},
		{[]string{"bench", "route", "--sla-spread", "soon"}, "invalid value"},
		{[]string{"bench", "route", "--turbo"}, "flag provided but not defined"},
		{[]string{"bench", "route", "extra"}, "unexpected argument"},
	}
	for _, c := range cases {
		code, _, stderr := runCmd(t, c.args...)
		if code != 2 || !strings.Contains(stderr, c.msg) {
			t.Errorf("%v: exit %d (want 2), stderr %q", c.args, code, stderr)
		}
	}
	if code, _, _ := runCmd(t, "bench", "route", "--help"); code != 0 {
		t.Errorf("--help: exit %d", code)
	}
}

func TestBenchRoutePrintsJSON(t *testing.T) {
	code, out, stderr := runCmd(t, "bench", "route", "--agents", "200", "--rules", "30", "--decisions", "500",
		"--sla-items", "2000", "--sla-spread", "100ms", "--runs", "1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var res struct {
		Benchmark string `json:"benchmark"`
		Pass      *bool  `json:"pass"`
		Route     struct {
			Agents int     `json:"agents"`
			P99    float64 `json:"median_p99_us"`
			Runs   []any   `json:"runs"`
			Pass   *bool   `json:"pass"`
		} `json:"route"`
		SLA struct {
			Items   int     `json:"items"`
			MaxLate float64 `json:"median_max_late_ms"`
			Pass    *bool   `json:"pass"`
		} `json:"sla"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		t.Fatalf("last line is not JSON: %v\n%s", err, out)
	}
	if res.Benchmark != "route" || res.Pass == nil || res.Route.Agents != 200 || len(res.Route.Runs) != 1 || res.Route.P99 <= 0 ||
		res.Route.Pass == nil || res.SLA.Items != 2000 || res.SLA.Pass == nil {
		t.Fatalf("result %s", lines[len(lines)-1])
	}
}

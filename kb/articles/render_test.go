package articles

import (
	"strings"
	"testing"
)

func TestRender(t *testing.T) {
	c := Content{
		Title:      "VPN drops",
		Problem:    "The tunnel closes.\nOnly on Wi-Fi.",
		Symptoms:   []string{"error 809"},
		Steps:      []string{"Open settings", "Disable IPv6\non the adapter"},
		Tags:       []string{"vpn", "wifi"},
		Categories: []string{"Network"},
		Lang:       "en",
	}
	want := "# VPN drops\nLanguage: en\n\n## Problem\nThe tunnel closes.\nOnly on Wi-Fi.\n\n## Symptoms\n- error 809\n\n" +
		"## Steps\n1. Open settings\n2. Disable IPv6 on the adapter\n\nTags: vpn, wifi\nCategories: Network\n"
	if got := Render(c); got != want {
		t.Errorf("Render =\n%s\nwant\n%s", got, want)
	}
	c.Symptoms, c.Tags, c.Categories = nil, nil, nil
	if got := Render(c); strings.Contains(got, "Symptoms") || strings.Contains(got, "Tags") || !strings.HasSuffix(got, "2. Disable IPv6 on the adapter\n") {
		t.Errorf("empty sections rendered:\n%s", got)
	}
}

func TestUnified(t *testing.T) {
	cases := []struct {
		name, a, b, want string
	}{
		{"same", "a\nb\n", "a\nb\n", ""},
		{"one line changed", "a\nb\nc\n", "a\nB\nc\n", "--- x\n+++ y\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"},
		{"insert into empty", "", "x\n", "--- x\n+++ y\n@@ -0,0 +1 @@\n+x\n"},
		{"delete all", "x\n", "", "--- x\n+++ y\n@@ -1 +0,0 @@\n-x\n"},
		{"append", "a\nb\n", "a\nb\nc\n", "--- x\n+++ y\n@@ -1,2 +1,3 @@\n a\n b\n+c\n"},
	}
	for _, tc := range cases {
		_, got := diffLines(tc.a, tc.b, "x", "y")
		if got != tc.want {
			t.Errorf("%s: unified =\n%q\nwant\n%q", tc.name, got, tc.want)
		}
	}
}

func TestUnifiedSplitsDistantChanges(t *testing.T) {
	var a, b []string
	for i := range 20 {
		line := string(rune('a' + i))
		a = append(a, line)
		switch i {
		case 1:
			b = append(b, "B")
		case 17:
			b = append(b, "R")
		default:
			b = append(b, line)
		}
	}
	hunks, u := diffLines(strings.Join(a, "\n")+"\n", strings.Join(b, "\n")+"\n", "x", "y")
	if n := strings.Count(u, "@@ -"); n != 2 {
		t.Fatalf("%d hunks in\n%s", n, u)
	}
	if !strings.Contains(u, "@@ -1,5 +1,5 @@\n a\n-b\n+B\n c\n d\n e\n") || !strings.Contains(u, "@@ -15,6 +15,6 @@\n o\n p\n q\n-r\n+R\n s\n t\n") {
		t.Errorf("unexpected hunks:\n%s", u)
	}
	var ins, del int
	for _, h := range hunks {
		switch h.Op {
		case OpInsert:
			ins++
		case OpDelete:
			del++
		}
	}
	if ins != 2 || del != 2 || len(hunks) != 7 {
		t.Errorf("hunks = %+v", hunks)
	}
}

func TestDiffContentRebuildsBothSides(t *testing.T) {
	a := Content{Title: "标题一", Problem: "问题", Steps: []string{"第一步", "第二步"}, Lang: "zh"}
	b := a
	b.Steps = []string{"第一步", "第二步（新）", "第三步"}
	hunks, u := DiffContent(a, b, "v1", "v2")
	var left, right strings.Builder
	for _, h := range hunks {
		if h.Op != OpInsert {
			left.WriteString(h.Text)
		}
		if h.Op != OpDelete {
			right.WriteString(h.Text)
		}
	}
	if left.String() != Render(a) || right.String() != Render(b) {
		t.Errorf("hunks do not rebuild the inputs: %+v", hunks)
	}
	if !strings.Contains(u, "-2. 第二步\n") || !strings.Contains(u, "+2. 第二步（新）\n+3. 第三步\n") {
		t.Errorf("unified:\n%s", u)
	}
	if (Diff{Hunks: hunks}).Changed() != true || (Diff{Hunks: []Hunk{{OpEqual, "x\n"}}}).Changed() {
		t.Error("Changed")
	}
}

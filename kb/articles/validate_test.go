package articles

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func validContent() Content {
	return Content{Title: "Printer offline", Problem: "Jobs stay queued", Steps: []string{"Restart the spooler"}, Lang: "en"}
}

func TestNormalizeBounds(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(c *Content)
		field string // empty: valid
	}{
		{"valid", func(*Content) {}, ""},
		{"title of 3 runes", func(c *Content) { c.Title = "打印机" }, ""},
		{"title of 2 runes", func(c *Content) { c.Title = "打印" }, "title"},
		{"title of 200 runes", func(c *Content) { c.Title = strings.Repeat("é", 200) }, ""},
		{"title of 201 runes", func(c *Content) { c.Title = strings.Repeat("é", 201) }, "title"},
		{"invalid UTF-8", func(c *Content) { c.Title = "ab\xffcd" }, "title"},
		{"empty problem", func(c *Content) { c.Problem = "" }, "problem"},
		{"100 steps", func(c *Content) { c.Steps = make([]string, 100); fill(c.Steps) }, ""},
		{"101 steps", func(c *Content) { c.Steps = make([]string, 101); fill(c.Steps) }, "steps"},
		{"long step", func(c *Content) { c.Steps = []string{strings.Repeat("s", 2001)} }, "steps[0]"},
		{"51 symptoms", func(c *Content) { c.Symptoms = make([]string, 51); fill(c.Symptoms) }, "symptoms"},
		{"31 categories", func(c *Content) { c.Categories = make([]string, 31); fill(c.Categories) }, "categories"},
		{"blank version", func(c *Content) { c.ProductVersions = []string{"1.0", " "} }, "product_versions[1]"},
		{"zh", func(c *Content) { c.Lang = "ZH" }, ""},
		{"de", func(c *Content) { c.Lang = "de" }, "lang"},
	}
	for _, tc := range cases {
		c := validContent()
		tc.edit(&c)
		_, err := c.Normalize()
		var fe *FieldError
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.field != "" && (!errors.As(err, &fe) || fe.Field != tc.field):
			t.Errorf("%s: got %v, want a field error on %s", tc.name, err, tc.field)
		}
	}
}

func fill(s []string) {
	for i := range s {
		s[i] = "item " + strings.Repeat("i", i%5+1)
	}
}

func TestNormalizeCleansUp(t *testing.T) {
	c := Content{Title: " Printer offline ", Problem: "\tJobs stay queued\n", Symptoms: []string{}, Steps: []string{" one ", "one"},
		Tags: []string{"Print", " print ", "spool"}, Products: []string{"HP 400", "hp 400"}, Lang: " En"}
	got, err := c.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	want := Content{Title: "Printer offline", Problem: "Jobs stay queued", Steps: []string{"one", "one"},
		Tags: []string{"Print", "spool"}, Products: []string{"HP 400"}, Lang: "en"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if c.Title != " Printer offline " || c.Tags[1] != " print " {
		t.Error("Normalize changed its receiver")
	}
}

func TestCandidateInputNormalize(t *testing.T) {
	in := CandidateInput{Content: validContent(), Sources: []int64{4, 2, 4}, MinerKey: " k "}
	got, err := in.normalize()
	if err != nil {
		t.Fatal(err)
	}
	if got.Kind != KindNew || !reflect.DeepEqual(got.Sources, []int64{4, 2}) || got.MinerKey != "k" {
		t.Errorf("normalised input %+v", got)
	}
	in.Content.Title = ""
	_, err = in.normalize()
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "content.title" || fe.Error() != "content.title: is required" {
		t.Errorf("got %v", err)
	}
	tooMany := CandidateInput{Content: validContent(), Sources: make([]int64, maxSources+1)}
	if _, err := tooMany.normalize(); !errors.As(err, &fe) || fe.Field != "sources" {
		t.Errorf("too many sources: %v", err)
	}
}

func TestFeedbackNormalize(t *testing.T) {
	ok := Feedback{TicketID: 1, ArticleID: 2, Kind: FeedbackUsed, Query: "  q  ", Seq: 9, Actor: "spoofed"}
	got, err := ok.normalize()
	if err != nil || got.Query != "q" || got.Seq != 0 || got.Actor != "" {
		t.Errorf("normalize = %+v, %v (the store assigns seq and actor)", got, err)
	}
	var fe *FieldError
	for _, f := range []Feedback{{TicketID: 1, CaseTicketID: -1, ArticleID: 2, Kind: FeedbackUsed}, {TicketID: -5, CaseTicketID: 1, Kind: FeedbackUsed}} {
		if _, err := f.normalize(); !errors.As(err, &fe) {
			t.Errorf("%+v: %v", f, err)
		}
	}
}

func TestPageBounds(t *testing.T) {
	cases := []struct{ limit, offset, wantLimit int }{{0, 0, DefaultLimit}, {10, 5, 10}, {MaxLimit + 1, 0, MaxLimit}}
	for _, tc := range cases {
		l, o, err := pageBounds(tc.limit, tc.offset)
		if err != nil || l != tc.wantLimit || o != tc.offset {
			t.Errorf("pageBounds(%d, %d) = %d, %d, %v", tc.limit, tc.offset, l, o, err)
		}
	}
	if _, _, err := pageBounds(-1, 0); err == nil {
		t.Error("negative limit accepted")
	}
}

func TestNormLoginAndNote(t *testing.T) {
	if l, err := normLogin("reviewer", " rita "); err != nil || l != "rita" {
		t.Errorf("normLogin = %q, %v", l, err)
	}
	for _, bad := range []string{"", "a b", strings.Repeat("x", 101)} {
		if _, err := normLogin("reviewer", bad); err == nil {
			t.Errorf("normLogin(%q) accepted", bad)
		}
	}
	if n, err := normNote("  ", false); err != nil || n != "" {
		t.Errorf("optional empty note: %q, %v", n, err)
	}
	if _, err := normNote("  ", true); err == nil {
		t.Error("required empty note accepted")
	}
	if _, err := normNote(strings.Repeat("n", maxNote+1), false); err == nil {
		t.Error("long note accepted")
	}
}

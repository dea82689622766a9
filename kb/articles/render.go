package articles

import (
	"fmt"
	"strings"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// DiffOp is the kind of one diff hunk.
type DiffOp string

// Diff operations.
const (
	OpEqual  DiffOp = "equal"
	OpInsert DiffOp = "insert"
	OpDelete DiffOp = "delete"
)

// Hunk is a run of whole lines that are equal, inserted or deleted.
type Hunk struct {
	Op   DiffOp `json:"op"`
	Text string `json:"text"`
}

// Diff compares the rendered text of two versions of an article.
type Diff struct {
	ArticleID int64  `json:"article_id"`
	From      int    `json:"from"`
	To        int    `json:"to"`
	Hunks     []Hunk `json:"hunks"`
	// Unified is the same comparison as a unified diff with three lines of
	// context; it is empty when the versions render the same.
	Unified string `json:"unified"`
}

// Changed reports whether the two versions differ.
func (d Diff) Changed() bool {
	for _, h := range d.Hunks {
		if h.Op != OpEqual {
			return true
		}
	}
	return false
}

// Render lays out content as the text reviewers compare: one line per list
// item, so that a diff points at the step or symptom that changed.
func Render(c Content) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n", oneLine(c.Title))
	fmt.Fprintf(&b, "Language: %s\n", c.Lang)
	b.WriteString("\n## Problem\n")
	b.WriteString(strings.TrimRight(c.Problem, "\n"))
	b.WriteString("\n")
	if len(c.Symptoms) > 0 {
		b.WriteString("\n## Symptoms\n")
		for _, s := range c.Symptoms {
			fmt.Fprintf(&b, "- %s\n", oneLine(s))
		}
	}
	b.WriteString("\n## Steps\n")
	for i, s := range c.Steps {
		fmt.Fprintf(&b, "%d. %s\n", i+1, oneLine(s))
	}
	labels := []struct {
		name  string
		items []string
	}{{"Tags", c.Tags}, {"Products", c.Products}, {"Product versions", c.ProductVersions}, {"Categories", c.Categories}}
	first := true
	for _, l := range labels {
		if len(l.items) == 0 {
			continue
		}
		if first {
			b.WriteString("\n")
			first = false
		}
		fmt.Fprintf(&b, "%s: %s\n", l.name, strings.Join(l.items, ", "))
	}
	return b.String()
}

// oneLine keeps a list item on its line: a newline inside a step would
// otherwise look like a new step in the diff.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
}

// DiffContent compares the rendered text of two contents line by line.
func DiffContent(from, to Content, fromLabel, toLabel string) ([]Hunk, string) {
	return diffLines(Render(from), Render(to), fromLabel, toLabel)
}

func diffLines(a, b, fromLabel, toLabel string) ([]Hunk, string) {
	dmp := diffmatchpatch.New()
	ca, cb, lines := dmp.DiffLinesToChars(a, b)
	diffs := dmp.DiffCharsToLines(dmp.DiffMain(ca, cb, false), lines)
	var hunks []Hunk
	for _, d := range diffs {
		if d.Text == "" {
			continue
		}
		op := OpEqual
		switch d.Type {
		case diffmatchpatch.DiffInsert:
			op = OpInsert
		case diffmatchpatch.DiffDelete:
			op = OpDelete
		}
		if n := len(hunks); n > 0 && hunks[n-1].Op == op {
			hunks[n-1].Text += d.Text
			continue
		}
		hunks = append(hunks, Hunk{Op: op, Text: d.Text})
	}
	return hunks, unified(hunks, fromLabel, toLabel, 3)
}

type diffLine struct {
	op   DiffOp
	text string
}

// unified renders hunks in the unified diff format, grouping changes that
// are within 2*context lines of each other.
func unified(hunks []Hunk, fromLabel, toLabel string, context int) string {
	var lines []diffLine
	for _, h := range hunks {
		for _, l := range strings.SplitAfter(h.Text, "\n") {
			if l != "" {
				lines = append(lines, diffLine{h.Op, strings.TrimSuffix(l, "\n")})
			}
		}
	}
	var changed []int
	for i, l := range lines {
		if l.op != OpEqual {
			changed = append(changed, i)
		}
	}
	if len(changed) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "--- %s\n+++ %s\n", fromLabel, toLabel)
	// aLine and bLine hold, for each index, the 1-based line number it has in
	// the old and new text (the next one, for lines absent from that side).
	aLine, bLine := make([]int, len(lines)+1), make([]int, len(lines)+1)
	a, bn := 1, 1
	for i, l := range lines {
		aLine[i], bLine[i] = a, bn
		if l.op != OpInsert {
			a++
		}
		if l.op != OpDelete {
			bn++
		}
	}
	aLine[len(lines)], bLine[len(lines)] = a, bn
	for i := 0; i < len(changed); {
		start := max(changed[i]-context, 0)
		j := i
		for j+1 < len(changed) && changed[j+1]-changed[j] <= 2*context {
			j++
		}
		end := min(changed[j]+context+1, len(lines))
		var aCount, bCount int
		for _, l := range lines[start:end] {
			if l.op != OpInsert {
				aCount++
			}
			if l.op != OpDelete {
				bCount++
			}
		}
		fmt.Fprintf(&b, "@@ -%s +%s @@\n", hunkRange(aLine[start], aCount), hunkRange(bLine[start], bCount))
		for _, l := range lines[start:end] {
			prefix := " "
			switch l.op {
			case OpInsert:
				prefix = "+"
			case OpDelete:
				prefix = "-"
			}
			b.WriteString(prefix + l.text + "\n")
		}
		i = j + 1
	}
	return b.String()
}

// hunkRange follows diff -u: an empty range names the line before it.
func hunkRange(start, count int) string {
	if count == 0 {
		return fmt.Sprintf("%d,0", start-1)
	}
	if count == 1 {
		return fmt.Sprintf("%d", start)
	}
	return fmt.Sprintf("%d,%d", start, count)
}

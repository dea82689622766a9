package sqlnamed

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	q, err := Parse("-- header\n-- name: a\n-- a comment\nSELECT ? , ?;\n\n-- name: b\nSELECT\n  2\n")
	if err != nil || q["a"] != "SELECT ? , ?" || q["b"] != "SELECT\n  2" || len(q) != 2 {
		t.Fatalf("got %q, %v", q, err)
	}
	for in, want := range map[string]string{
		"-- name: a\nSELECT 1;\n-- name: a\nSELECT 2;": "defined twice",
		"-- name: a\n-- only a comment\n":              "empty",
		"-- name: a\n-- name: b\nSELECT 1":             "empty",
	} {
		if _, err := Parse(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", in, err, want)
		}
	}
}

func TestDollar(t *testing.T) {
	for in, want := range map[string]string{
		"SELECT '?' FROM t WHERE a = ? AND b = 'x?y' AND c = ?": "SELECT '?' FROM t WHERE a = $1 AND b = 'x?y' AND c = $2",
		"SELECT 1":        "SELECT 1",
		"? || '''?' || ?": "$1 || '''?' || $2",
	} {
		if got := Dollar(in); got != want {
			t.Errorf("Dollar(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseSections(t *testing.T) {
	in := `-- file header, before any section: dropped
SELECT 'orphan';

-- name: one
-- a comment inside a section is dropped
SELECT 1;

-- name:   two  
SELECT a,
       b -- a trailing comment stays: it is not a whole-line comment
FROM t;
`
	got, err := Parse(in)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	want := map[string]string{
		"one": "SELECT 1",
		"two": "SELECT a,\n       b -- a trailing comment stays: it is not a whole-line comment\nFROM t",
	}
	if len(got) != len(want) {
		t.Fatalf("got %d queries %q, want %d", len(got), got, len(want))
	}
	for name, q := range want {
		if got[name] != q {
			t.Errorf("query %s = %q, want %q", name, got[name], q)
		}
	}

	for _, tc := range []struct{ name, in, errHas string }{
		{"duplicate", "-- name: a\nSELECT 1;\n-- name: a\nSELECT 2;\n", "a is defined twice"},
		{"empty between", "-- name: a\n-- name: b\nSELECT 1;\n", "a is empty"},
		{"empty last", "-- name: a\nSELECT 1;\n-- name: b\n  \n-- only a comment\n", "b is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Parse(tc.in); err == nil || !strings.Contains(err.Error(), tc.errHas) {
				t.Fatalf("want error containing %q, got %v", tc.errHas, err)
			}
		})
	}
}

func TestDollarCases(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"SELECT * FROM t WHERE a = ? AND b = ?", "SELECT * FROM t WHERE a = $1 AND b = $2"},
		{"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"},
		{"SELECT '?' , ?", "SELECT '?' , $1"},
		{"WHERE a = 'why?' AND b = ? AND c = 'it''s ?' AND d = ?", "WHERE a = 'why?' AND b = $1 AND c = 'it''s ?' AND d = $2"},
		{`subject LIKE ? ESCAPE '\' OR external_id = ?`, `subject LIKE $1 ESCAPE '\' OR external_id = $2`},
		{"SELECT '中文?' || ?", "SELECT '中文?' || $1"},
	} {
		if got := Dollar(tc.in); got != tc.want {
			t.Errorf("Dollar(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

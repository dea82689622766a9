package analytics

import (
	"slices"
	"testing"
)

// TestFillSQL: arguments follow the placeholders in the order they appear,
// whether the template's own or a piece's; comments and quoted strings are
// copied untouched; a disagreement between SQL and code is an error.
func TestFillSQL(t *testing.T) {
	q, args, err := fillSQL("t", "SELECT {a}, ? -- why? {not}\nFROM x WHERE y = '?{b}' AND z IN ({b}) AND w = ?",
		[]any{1, 2}, map[string]sqlPiece{"a": piece("f(?)", "A"), "b": piece("g(?, ?)", "B1", "B2")})
	if err != nil {
		t.Fatal(err)
	}
	want := "SELECT f(?), ? -- why? {not}\nFROM x WHERE y = '?{b}' AND z IN (g(?, ?)) AND w = ?"
	if q != want || !slices.Equal(args, []any{"A", 1, "B1", "B2", 2}) {
		t.Fatalf("got %q %v", q, args)
	}
	// A piece's text is not scanned again: its braces and marks stay.
	if q, args, err = fillSQL("t", "{a} ?", []any{3}, map[string]sqlPiece{"a": piece("'{b}' ?", 4)}); err != nil ||
		q != "'{b}' ? ?" || !slices.Equal(args, []any{4, 3}) {
		t.Fatalf("got %q %v %v", q, args, err)
	}
	if q, _, err = fillSQL("t", `SELECT 'it''s', '\x1F'`, nil, nil); err != nil || q != `SELECT 'it''s', '\x1F'` {
		t.Fatalf("quotes: %q %v", q, err)
	}
	for name, c := range map[string]struct {
		tmpl string
		own  []any
	}{
		"too few arguments":   {"? ?", []any{1}},
		"too many arguments":  {"?", []any{1, 2}},
		"unknown placeholder": {"{nope}", nil},
		"unclosed brace":      {"{a", nil},
		"unclosed string":     {"'abc", nil},
	} {
		if _, _, err := fillSQL("t", c.tmpl, c.own, nil); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

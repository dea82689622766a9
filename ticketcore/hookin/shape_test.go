package hookin

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckShape(t *testing.T) {
	s := object(map[string]*shape{
		"a":  str(),
		"n":  uint64Shape(),
		"o":  object(map[string]*shape{"b": str()}),
		"l":  array(str(), 2),
		"lo": array(object(map[string]*shape{"x": uint64Shape()}), 3),
	})
	ok := []string{
		`{}`, ` { } `, `{"a":"x"}`, `{"a":null,"n":null,"o":null,"l":null}`, `{"n":0}`, `{"n":9223372036854775807}`,
		`{"o":{"b":"y"}}`, `{"l":[]}`, `{"l":["1",null]}`, `{"lo":[{"x":1},{},null]}`, "{\"a\":\"\\u00e9\"}\n",
	}
	for _, b := range ok {
		if err := checkShape([]byte(b), s); err != nil {
			t.Errorf("checkShape(%s) = %v, want nil", b, err)
		}
	}
	fields := []struct{ body, field, reason string }{
		{`{"z":1}`, "z", "not a known field"},
		{`{"A":"x"}`, "A", "not a known field"},
		{`{"o":{"c":1}}`, "o.c", "not a known field"},
		{`{"lo":[{"x":1},{"y":1}]}`, "lo[1].y", "not a known field"},
		{`{"a":"x","a":"y"}`, "a", "more than once"},
		{`{"a":null,"a":"y"}`, "a", "more than once"},
		{`{"o":{"b":"1","b":"2"}}`, "o.b", "more than once"},
		{`{"a":1}`, "a", "must be a string"},
		{`{"a":true}`, "a", "must be a string"},
		{`{"a":["x"]}`, "a", "must be a string"},
		{`{"n":"1"}`, "n", "non-negative integer"},
		{`{"n":-1}`, "n", "non-negative integer"},
		{`{"n":1.0}`, "n", "non-negative integer"},
		{`{"n":9223372036854775808}`, "n", "non-negative integer"},
		{`{"o":[]}`, "o", "must be an object"},
		{`{"l":{}}`, "l", "must be an array"},
		{`{"l":["1","2","3"]}`, "l", "more than 2"},
		{`{"l":[1]}`, "l[0]", "must be a string"},
		{`{"lo":[{"x":"1"}]}`, "lo[0].x", "non-negative integer"},
		{`{"very.odd key!":1}`, "(body)", `unknown field "very.odd key!"`},
		{`{"o":{"` + strings.Repeat("k", 50) + `":1}}`, "o", "unknown field"},
	}
	for _, tt := range fields {
		err := checkShape([]byte(tt.body), s)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tt.field || !strings.Contains(fe.Reason, tt.reason) {
			t.Errorf("checkShape(%s) = %v, want %s: ...%s...", tt.body, err, tt.field, tt.reason)
		}
	}
	malformed := []string{
		``, `{`, `}`, `[]`, `null`, `"x"`, `{"a":"x"`, `{"a" "x"}`, `{"a":"x",}`, `{"a":"x"}}`, `{} {}`, `{}x`,
		`{"o":{"b":"y"}`, `{"l":["1"`, `{"a":tru}`, `{"n":01}`,
	}
	for _, b := range malformed {
		if err := checkShape([]byte(b), s); !errors.Is(err, ErrMalformedJSON) {
			t.Errorf("checkShape(%q) = %v, want ErrMalformedJSON", b, err)
		}
	}
}

// Deep nesting under a known field stops at the first wrong type, so the
// walk never recurses further than the shape does.
func TestCheckShapeDeepNesting(t *testing.T) {
	body := `{"attachments":[` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + `]}`
	var fe *FieldError
	if err := checkShape([]byte(body), payloadShape()); !errors.As(err, &fe) || fe.Field != "attachments[0]" {
		t.Fatalf("checkShape(deep) = %v", err)
	}
}

func TestIsUint(t *testing.T) {
	for n, want := range map[string]bool{
		"0": true, "7": true, "86400": true, "922337203685477580": true,
		"": false, "-1": false, "1.0": false, "1e3": false, "9223372036854775807": true, "9223372036854775808": false, "+1": false,
	} {
		if isUint(n) != want {
			t.Errorf("isUint(%q) = %v", n, !want)
		}
	}
}

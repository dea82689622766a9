package ticketcore

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func fp(f float64) *float64 { return &f }

func TestFieldDefValidate(t *testing.T) {
	good := []FieldDef{
		{Name: "os", Kind: FieldText},
		{Name: "amount", Kind: FieldNumber, Min: fp(0), Max: fp(10)},
		{Name: "bought_on", Kind: FieldDate},
		{Name: "model", Kind: FieldEnum, Options: []string{"a", "b"}},
		{Name: "features", Kind: FieldMultiEnum, Options: []string{"x"}},
	}
	for _, d := range good {
		if err := d.Validate(); err != nil {
			t.Errorf("%s refused: %v", d.Name, err)
		}
	}
	bad := map[string]FieldDef{
		"name":        {Name: "Bad Name", Kind: FieldText},
		"reserved":    {Name: "subject", Kind: FieldText},
		"kind":        {Name: "x", Kind: "colour"},
		"no options":  {Name: "x", Kind: FieldEnum},
		"dup options": {Name: "x", Kind: FieldEnum, Options: []string{"a", "a"}},
		"text opts":   {Name: "x", Kind: FieldText, Options: []string{"a"}},
		"min > max":   {Name: "x", Kind: FieldNumber, Min: fp(2), Max: fp(1)},
		"neg length":  {Name: "x", Kind: FieldText, MaxLength: -1},
	}
	for name, d := range bad {
		if err := d.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestFieldDefNormalize(t *testing.T) {
	cases := []struct {
		def  FieldDef
		in   any
		want any
		ok   bool
	}{
		{FieldDef{Kind: FieldText}, "路由器", "路由器", true},
		{FieldDef{Kind: FieldText, MaxLength: 2}, "abc", nil, false},
		{FieldDef{Kind: FieldText}, 3.0, nil, false},
		{FieldDef{Kind: FieldNumber}, 3.5, 3.5, true},
		{FieldDef{Kind: FieldNumber}, json.Number("7"), 7.0, true},
		{FieldDef{Kind: FieldNumber}, "7", nil, false},
		{FieldDef{Kind: FieldNumber, Min: fp(0)}, -1.0, nil, false},
		{FieldDef{Kind: FieldNumber, Max: fp(10)}, 11.0, nil, false},
		{FieldDef{Kind: FieldDate}, "2026-02-28", "2026-02-28", true},
		{FieldDef{Kind: FieldDate}, "2026-02-30", nil, false},
		{FieldDef{Kind: FieldDate}, "2026-02-28T23:30:00-02:00", "2026-03-01", true},
		{FieldDef{Kind: FieldDate}, 20260228.0, nil, false},
		{FieldDef{Kind: FieldEnum, Options: []string{"a"}}, "a", "a", true},
		{FieldDef{Kind: FieldEnum, Options: []string{"a"}}, "b", nil, false},
		{FieldDef{Kind: FieldMultiEnum, Options: []string{"a", "b"}}, []any{"b", "a", "b"}, []string{"a", "b"}, true},
		{FieldDef{Kind: FieldMultiEnum, Options: []string{"a", "b"}}, []string{"a"}, []string{"a"}, true},
		{FieldDef{Kind: FieldMultiEnum, Options: []string{"a"}}, []any{"c"}, nil, false},
		{FieldDef{Kind: FieldMultiEnum, Options: []string{"a"}}, "a", nil, false},
	}
	for i, c := range cases {
		got, err := c.def.Normalize(c.in)
		if (err == nil) != c.ok {
			t.Errorf("case %d (%s %v): err %v", i, c.def.Kind, c.in, err)
			continue
		}
		if c.ok && !reflect.DeepEqual(got, c.want) {
			t.Errorf("case %d: got %#v want %#v", i, got, c.want)
		}
	}
}

func TestValidateCustomFields(t *testing.T) {
	defs := map[string]FieldDef{
		"refund": {Name: "refund", Kind: FieldNumber, RequiredFor: []string{"complaint"}},
		"model":  {Name: "model", Kind: FieldEnum, Options: []string{"ax3000"}},
	}
	fe := fieldErrors{}
	vals := map[string]any{"model": "ax3000", "typo": 1.0, "gone": nil}
	validateCustomFields(defs, "complaint", vals, fe)
	if fe["custom_fields.typo"] == "" || fe["custom_fields.refund"] == "" || len(fe) != 2 {
		t.Fatalf("errors %v", fe)
	}
	fe = fieldErrors{}
	validateCustomFieldsOf(defs, "complaint", map[string]any{"legacy": "x"}, map[string]any{}, false, fe)
	if len(fe) != 0 {
		t.Fatalf("unchanged legacy field checked: %v", fe)
	}
}

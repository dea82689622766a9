package ticketcore_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/ticketcore"
)

// TestCustomFieldTextMatchesAnalytics holds the list's rendering of custom
// field values to the analytics one, for values as written by Go callers
// and as decoded from a stored doc or an event.
func TestCustomFieldTextMatchesAnalytics(t *testing.T) {
	values := []any{nil, "", "linux", "a,b", 0.0, 3.0, -2.5, 1e21, 1e-7, 123456789012345678.0, 0.1 + 0.2, 7, int64(-9),
		true, false, []any{"vpn", "sso"}, []any{}, []any{"b", 2.0, nil, true}, []string{"z", "a"}, map[string]any{"x": 1.0}}
	for _, v := range values {
		if got, want := ticketcore.CustomFieldText(v), analytics.CustomFieldText(v); got != want {
			t.Errorf("%#v: %q, analytics renders %q", v, got, want)
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var decoded any
		if err := json.Unmarshal(b, &decoded); err != nil {
			t.Fatal(err)
		}
		if got, want := ticketcore.CustomFieldText(decoded), analytics.CustomFieldText(decoded); got != want {
			t.Errorf("decoded %s: %q, analytics renders %q", b, got, want)
		}
	}
	if got := ticketcore.CustomFieldText(1e21); got != "1000000000000000000000" {
		t.Errorf("1e21 renders %q", got)
	}
	texts := ticketcore.CustomFieldTexts(map[string]any{"os": "linux", "gone": nil, "n": 2.0})
	if len(texts) != 2 || texts["os"] != "linux" || texts["n"] != "2" {
		t.Errorf("CustomFieldTexts = %v", texts)
	}
}

func TestValidCustomFieldName(t *testing.T) {
	for name, want := range map[string]bool{
		"os": true, "a": true, "os_2": true, strings.Repeat("a", 64): true,
		"": false, "OS": false, "2os": false, "_os": false, "os-x": false, "os.x": false, strings.Repeat("a", 65): false,
	} {
		if got := ticketcore.ValidCustomFieldName(name); got != want {
			t.Errorf("ValidCustomFieldName(%q) = %v", name, got)
		}
		// The analytics dimension takes exactly the same names.
		if _, ok := analytics.CustomField("cf." + name); ok != want {
			t.Errorf("analytics.CustomField(cf.%s) = %v, want %v", name, ok, want)
		}
	}
}

func TestListRefusesBadFilters(t *testing.T) {
	svc, _ := newService(t, testdb.Backends()[0])
	at := time.Date(2024, 6, 3, 0, 0, 0, 0, time.UTC)
	long := strings.Repeat("x", ticketcore.MaxFilterValueLen+1)
	many := make([]string, ticketcore.MaxFilterValues+1)
	tooManyFields := map[string][]string{}
	for i := 0; i <= ticketcore.MaxCustomFields; i++ {
		tooManyFields["f"+strings.Repeat("x", i)] = []string{"v"}
	}
	for _, c := range []struct {
		name  string
		q     ticketcore.ListQuery
		field string
		code  ticketcore.Code
	}{
		{"unknown channel", ticketcore.ListQuery{Channel: []string{"email", "pigeon"}}, "channel", ticketcore.CodeBadRequest},
		{"long category", ticketcore.ListQuery{Category: []string{long}}, "category", ticketcore.CodeBadRequest},
		{"many products", ticketcore.ListQuery{Product: many}, "product", ticketcore.CodeBadRequest},
		{"long tag", ticketcore.ListQuery{Tag: []string{long}}, "tag", ticketcore.CodeBadRequest},
		{"long team", ticketcore.ListQuery{Team: []string{long}}, "team", ticketcore.CodeBadRequest},
		{"bad custom field name", ticketcore.ListQuery{CustomFields: map[string][]string{"Os": {"x"}}}, "cf.Os", ticketcore.CodeBadRequest},
		{"long custom field value", ticketcore.ListQuery{CustomFields: map[string][]string{"os": {long}}}, "cf.os", ticketcore.CodeBadRequest},
		{"too many custom fields", ticketcore.ListQuery{CustomFields: tooManyFields}, "custom_fields", ticketcore.CodeBadRequest},
		{"empty range", ticketcore.ListQuery{CreatedFrom: at, CreatedTo: at}, "created_to", ticketcore.CodeBadRequest},
		{"inverted range", ticketcore.ListQuery{CreatedFrom: at, CreatedTo: at.Add(-time.Second)}, "created_to", ticketcore.CodeBadRequest},
		{"unknown priority", ticketcore.ListQuery{Priority: []string{"P1", "P9"}}, "priority", ticketcore.CodeInvalid},
	} {
		_, err := svc.List(context.Background(), c.q)
		e, ok := ticketcore.AsError(err)
		if !ok || e.Code != c.code || e.Fields[c.field] == "" {
			t.Errorf("%s: got %v, want %s naming %s", c.name, err, c.code, c.field)
		}
	}
	ok := ticketcore.ListQuery{Channel: ticketcore.Channels, Priority: []string{"P1", "P4"}, Category: []string{""},
		CreatedFrom: at, CreatedTo: at.Add(time.Second), CustomFields: map[string][]string{"os": {"", "linux"}}}
	if _, err := svc.List(context.Background(), ok); err != nil {
		t.Errorf("valid filters refused: %v", err)
	}
}

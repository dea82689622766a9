package ticketcore

import (
	"fmt"
	"slices"
	"strings"

	"github.com/deskmine/deskmine/internal/cftext"
)

// List filter limits: a drill-down link names a handful of values, so these
// only stop a request from building an unbounded statement.
const (
	MaxFilterValues    = 100 // values of one list filter
	MaxFilterValueLen  = 200 // bytes of one value
	MaxCustomFields    = 20  // custom fields filtered at once
	MaxCustomFieldName = 64  // as the analytics dimension cf.<name> allows
)

// CustomFieldParam starts the name of a custom-field filter: cf.<name>, as
// the analytics dimension is named.
const CustomFieldParam = "cf."

// ValidCustomFieldName reports whether name can be filtered on: a
// lower-case letter followed by lower-case letters, digits or _, at most
// MaxCustomFieldName bytes (the analytics dimension's rule, so that every
// cf.<name> bar of a dashboard has a list to land on).
func ValidCustomFieldName(name string) bool {
	if name == "" || len(name) > MaxCustomFieldName || name[0] < 'a' || name[0] > 'z' {
		return false
	}
	for _, c := range []byte(name) {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}

// CustomFieldText is the text a custom field value is filtered by. It must
// render exactly as analytics.CustomFieldText does, or a list reached from a
// cf.<name> hotspot would hold other tickets than the bar counted: strings as
// they are, numbers in their shortest decimal form without exponent,
// booleans as true/false, lists sorted and joined with commas.
func CustomFieldText(v any) string { return cftext.Text(v) }

// CustomFieldTexts renders every custom field that has a value; a null
// value counts as absent, as analytics leaves it out.
func CustomFieldTexts(m map[string]any) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		if v != nil {
			out[k] = CustomFieldText(v)
		}
	}
	return out
}

// checkFilters refuses list filters no ticket could be asked for with: too
// many or too long values, a channel that does not exist, a custom field
// name the analytics would not accept, an empty or inverted time range.
// These are malformed requests (CodeBadRequest), named by the API's
// parameter names.
func (q ListQuery) checkFilters() error {
	fe := fieldErrors{}
	lists := []struct {
		name string
		vals []string
	}{
		{"team", q.Team}, {"assignee", q.Assignee}, {"priority", q.Priority}, {"category", q.Category},
		{"product", q.Product}, {"channel", q.Channel}, {"region", q.Region}, {"customer_tier", q.CustomerTier},
		{"type", q.Type}, {"tag", q.Tag},
	}
	for _, l := range lists {
		checkValues(fe, l.name, l.vals)
	}
	for _, c := range q.Channel {
		if !slices.Contains(Channels, c) {
			fe.add("channel", fmt.Sprintf("unknown channel %q; channels are %s", c, strings.Join(Channels, ", ")))
		}
	}
	if len(q.CustomFields) > MaxCustomFields {
		fe.add("custom_fields", fmt.Sprintf("at most %d custom fields can be filtered at once", MaxCustomFields))
	}
	for name, vals := range q.CustomFields {
		field := CustomFieldParam + name
		if !ValidCustomFieldName(name) {
			fe.add(field, fmt.Sprintf("the name after %q must be a lower-case letter followed by lower-case letters, "+
				"digits or _, at most %d characters", CustomFieldParam, MaxCustomFieldName))
			continue
		}
		checkValues(fe, field, vals)
	}
	if !q.CreatedFrom.IsZero() && !q.CreatedTo.IsZero() && !q.CreatedFrom.Before(q.CreatedTo) {
		fe.add("created_to", "must be after created_from (the range is [created_from, created_to))")
	}
	if len(fe) == 0 {
		return nil
	}
	return &Error{Code: CodeBadRequest, Message: "bad list filter", Fields: fe}
}

func checkValues(fe fieldErrors, field string, vals []string) {
	if len(vals) > MaxFilterValues {
		fe.add(field, fmt.Sprintf("at most %d values", MaxFilterValues))
	}
	for _, v := range vals {
		if len(v) > MaxFilterValueLen {
			fe.add(field, fmt.Sprintf("a value is longer than %d bytes", MaxFilterValueLen))
		}
	}
}

package ticketcore

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// FieldKind is the type of a custom field.
type FieldKind string

// Custom field kinds.
const (
	FieldText      FieldKind = "text"
	FieldNumber    FieldKind = "number"
	FieldDate      FieldKind = "date" // YYYY-MM-DD
	FieldEnum      FieldKind = "enum"
	FieldMultiEnum FieldKind = "multi_enum"
)

// FieldDef defines a custom ticket field.
type FieldDef struct {
	Name        string    `json:"name"`
	Label       string    `json:"label"`
	Kind        FieldKind `json:"kind"`
	Options     []string  `json:"options,omitempty"`      // for enum and multi_enum
	RequiredFor []string  `json:"required_for,omitempty"` // ticket types that must carry it
	MaxLength   int       `json:"max_length,omitempty"`   // for text; 0 means 2000
	Min         *float64  `json:"min,omitempty"`          // for number
	Max         *float64  `json:"max,omitempty"`          // for number
}

var fieldNameRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

// reservedFields cannot be custom field names: they would shadow ticket fields in imports.
var reservedFields = []string{"id", "version", "external_id", "subject", "description", "type", "category",
	"product", "channel", "urgency", "priority", "status", "pending_reason", "customer", "order_ref", "tags",
	"custom_fields", "assignee", "team", "region", "resolution", "sla_breached", "created_at", "updated_at",
	"links", "csat"}

// Validate checks a field definition.
func (d FieldDef) Validate() error {
	fe := fieldErrors{}
	if !fieldNameRE.MatchString(d.Name) {
		fe.add("name", "must be lower-case letters, digits and _, starting with a letter, at most 63 characters")
	} else if slices.Contains(reservedFields, d.Name) {
		fe.add("name", "is a built-in ticket field")
	}
	switch d.Kind {
	case FieldEnum, FieldMultiEnum:
		if len(d.Options) == 0 {
			fe.add("options", "an enum field needs at least one option")
		}
		seen := map[string]bool{}
		for _, o := range d.Options {
			if o == "" || seen[o] {
				fe.add("options", "options must be non-empty and distinct")
			}
			seen[o] = true
		}
	case FieldText, FieldNumber, FieldDate:
		if len(d.Options) > 0 {
			fe.add("options", "only enum and multi_enum fields take options")
		}
	default:
		fe.add("kind", "must be one of text, number, date, enum, multi_enum")
	}
	if d.Min != nil && d.Max != nil && *d.Min > *d.Max {
		fe.add("min", "is greater than max")
	}
	if d.MaxLength < 0 {
		fe.add("max_length", "must not be negative")
	}
	return fe.err()
}

// Normalize checks a value against the definition and returns it in its
// canonical form (float64, "YYYY-MM-DD" string, []string for multi_enum).
func (d FieldDef) Normalize(v any) (any, error) {
	switch d.Kind {
	case FieldText:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("must be text")
		}
		limit := d.MaxLength
		if limit == 0 {
			limit = 2000
		}
		if utf8.RuneCountInString(s) > limit {
			return nil, fmt.Errorf("is longer than %d characters", limit)
		}
		return s, nil
	case FieldNumber:
		var f float64
		switch n := v.(type) {
		case float64:
			f = n
		case int:
			f = float64(n)
		case int64:
			f = float64(n)
		case json.Number:
			x, err := n.Float64()
			if err != nil {
				return nil, fmt.Errorf("must be a number")
			}
			f = x
		default:
			return nil, fmt.Errorf("must be a number")
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("must be a finite number")
		}
		if d.Min != nil && f < *d.Min {
			return nil, fmt.Errorf("must be at least %g", *d.Min)
		}
		if d.Max != nil && f > *d.Max {
			return nil, fmt.Errorf("must be at most %g", *d.Max)
		}
		return f, nil
	case FieldDate:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("must be a date as YYYY-MM-DD")
		}
		if t, err := time.Parse("2006-01-02", s); err == nil {
			return t.Format("2006-01-02"), nil
		}
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return t.UTC().Format("2006-01-02"), nil
		}
		return nil, fmt.Errorf("must be a date as YYYY-MM-DD")
	case FieldEnum:
		s, ok := v.(string)
		if !ok || !slices.Contains(d.Options, s) {
			return nil, fmt.Errorf("must be one of %s", strings.Join(d.Options, ", "))
		}
		return s, nil
	case FieldMultiEnum:
		list, ok := v.([]any)
		if !ok {
			if ss, ok2 := v.([]string); ok2 {
				for _, s := range ss {
					list = append(list, s)
				}
			} else {
				return nil, fmt.Errorf("must be a list of %s", strings.Join(d.Options, ", "))
			}
		}
		out := make([]string, 0, len(list))
		for _, item := range list {
			s, ok := item.(string)
			if !ok || !slices.Contains(d.Options, s) {
				return nil, fmt.Errorf("every item must be one of %s", strings.Join(d.Options, ", "))
			}
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
		slices.Sort(out)
		return out, nil
	}
	return nil, fmt.Errorf("has unknown kind %q", d.Kind)
}

// validateCustomFields normalises values in place and checks required fields
// for the ticket type. Unknown fields are refused so typos do not pass silently.
func validateCustomFields(defs map[string]FieldDef, ticketType string, values map[string]any, fe fieldErrors) {
	validateCustomFieldsOf(defs, ticketType, values, nil, true, fe)
}

// validateCustomFieldsOf checks only the named fields (all when only is nil),
// and the required ones when checkRequired is set. Updates check just what
// they change, so a ticket carrying a value of a since-deleted field, or
// created before a field became required, can still be edited.
func validateCustomFieldsOf(defs map[string]FieldDef, ticketType string, values map[string]any, only map[string]any, checkRequired bool, fe fieldErrors) {
	for name, v := range values {
		if only != nil {
			if _, changed := only[name]; !changed {
				continue
			}
		}
		key := "custom_fields." + name
		if v == nil {
			delete(values, name) // clearing is always allowed, also for retired fields
			continue
		}
		def, ok := defs[name]
		if !ok {
			fe.add(key, "is not a defined custom field")
			continue
		}
		nv, err := def.Normalize(v)
		if err != nil {
			fe.add(key, err.Error())
			continue
		}
		values[name] = nv
	}
	if !checkRequired {
		return
	}
	for name, def := range defs {
		if slices.Contains(def.RequiredFor, ticketType) {
			if _, ok := values[name]; !ok {
				fe.add("custom_fields."+name, fmt.Sprintf("is required for tickets of type %s", ticketType))
			}
		}
	}
}

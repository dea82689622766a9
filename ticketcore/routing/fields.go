package routing

import (
	"encoding/json"
	"math"
	"strings"
	"time"
)

// FieldKind is the type of a custom field; the values are those of
// ticketcore.FieldKind, so a caller converts with FieldKind(def.Kind).
type FieldKind string

// Custom field kinds.
const (
	FieldText      FieldKind = "text"
	FieldNumber    FieldKind = "number"
	FieldDate      FieldKind = "date"
	FieldEnum      FieldKind = "enum"
	FieldMultiEnum FieldKind = "multi_enum"
)

// CustomField describes one custom ticket field for validation.
type CustomField struct {
	Kind    FieldKind
	Options []string // for enum and multi_enum
}

// KnownFields is what the helpdesk knows, against which rules are validated.
// A nil list switches off the check of that category (any value passes);
// Channels, Urgencies and Priorities default to the ticket core's lists.
type KnownFields struct {
	CustomFields  map[string]CustomField // by name, as in custom_fields.NAME
	Teams         []string
	Agents        []string // logins
	SLAPolicies   []string
	TicketTypes   []string
	CustomerTiers []string
	Statuses      []string
	Channels      []string // nil: email, chat, phone, social, web, api
	Urgencies     []string // nil: low, medium, high, critical
	Priorities    []string // nil: P1, P2, P3, P4
	Categories    []string
	Products      []string
	Regions       []string // for region and customer.region
}

func defaultChannels() []string   { return []string{"email", "chat", "phone", "social", "web", "api"} }
func defaultUrgencies() []string  { return []string{"low", "medium", "high", "critical"} }
func defaultPriorities() []string { return []string{"P1", "P2", "P3", "P4"} }

func orDefault(list []string, def func() []string) []string {
	if list == nil {
		return def()
	}
	return list
}

// kind is how a field's values compare.
type kind uint8

const (
	kText   kind = iota + 1 // free text: case-insensitive, keywords
	kEnum                   // one value out of a list (or a free identifier): exact
	kList                   // several values (tags, multi_enum)
	kNumber                 // float64
	kDate                   // compared by calendar day (UTC)
)

func (k kind) String() string {
	switch k {
	case kText:
		return "text"
	case kEnum:
		return "enum"
	case kList:
		return "list"
	case kNumber:
		return "number"
	case kDate:
		return "date"
	}
	return "?"
}

// opsByKind lists the operators each kind accepts.
func opsFor(k kind) []Op {
	switch k {
	case kText:
		return []Op{OpEq, OpNe, OpIn, OpNotIn, OpContains, OpExists, OpKeywords}
	case kEnum:
		return []Op{OpEq, OpNe, OpIn, OpNotIn, OpExists}
	case kList:
		return []Op{OpContains, OpIn, OpNotIn, OpExists}
	case kNumber:
		return []Op{OpEq, OpNe, OpIn, OpNotIn, OpGt, OpLt, OpGte, OpLte, OpExists}
	case kDate:
		return []Op{OpEq, OpNe, OpGt, OpLt, OpGte, OpLte, OpExists}
	}
	return nil
}

func knownOp(op Op) bool {
	switch op {
	case OpEq, OpNe, OpIn, OpNotIn, OpContains, OpGt, OpLt, OpGte, OpLte, OpExists, OpKeywords:
		return true
	}
	return false
}

type fieldID uint8

const (
	fSubject fieldID = iota + 1
	fDescription
	fText // subject and description
	fType
	fCategory
	fProduct
	fChannel
	fUrgency
	fPriority
	fStatus
	fRegion
	fTeam
	fAssignee
	fOrderRef
	fTags
	fReopenCount
	fCreatedAt
	fCustTier
	fCustRegion
	fCustOrg
	fCustEmail
	fCustom
)

// fieldSpec is a resolved condition field.
type fieldSpec struct {
	id      fieldID
	kind    kind
	name    string   // as written in the rule
	custom  string   // custom field name for fCustom
	options []string // allowed values; nil: not checked
	what    string   // what an option is called in messages: "channel", "team"
	fold    bool     // list values compare case-insensitively (tags)
}

// builtinFields lists the ticket fields a condition can name, besides
// custom_fields.NAME.
const builtinFields = "subject, description, text, type, category, product, channel, urgency, priority, " +
	"status, region, team, assignee, order_ref, tags, reopen_count, created_at, customer.tier, " +
	"customer.region, customer.organisation, customer.email"

// lookupField resolves a field name; ok is false with a message when unknown.
func lookupField(name string, k *KnownFields) (fieldSpec, string) {
	s := fieldSpec{name: name}
	switch name {
	case "subject":
		s.id, s.kind = fSubject, kText
	case "description":
		s.id, s.kind = fDescription, kText
	case "text":
		s.id, s.kind = fText, kText
	case "type":
		s.id, s.kind, s.options, s.what = fType, kEnum, k.TicketTypes, "ticket type"
	case "category":
		s.id, s.kind, s.options, s.what = fCategory, kEnum, k.Categories, "category"
	case "product":
		s.id, s.kind, s.options, s.what = fProduct, kEnum, k.Products, "product"
	case "channel":
		s.id, s.kind, s.options, s.what = fChannel, kEnum, orDefault(k.Channels, defaultChannels), "channel"
	case "urgency":
		s.id, s.kind, s.options, s.what = fUrgency, kEnum, orDefault(k.Urgencies, defaultUrgencies), "urgency"
	case "priority":
		s.id, s.kind, s.options, s.what = fPriority, kEnum, orDefault(k.Priorities, defaultPriorities), "priority"
	case "status":
		s.id, s.kind, s.options, s.what = fStatus, kEnum, k.Statuses, "status"
	case "region":
		s.id, s.kind, s.options, s.what = fRegion, kEnum, k.Regions, "region"
	case "team":
		s.id, s.kind, s.options, s.what = fTeam, kEnum, k.Teams, "team"
	case "assignee":
		s.id, s.kind, s.options, s.what = fAssignee, kEnum, k.Agents, "agent"
	case "order_ref":
		s.id, s.kind = fOrderRef, kText
	case "tags":
		s.id, s.kind, s.fold = fTags, kList, true
	case "reopen_count":
		s.id, s.kind = fReopenCount, kNumber
	case "created_at":
		s.id, s.kind = fCreatedAt, kDate
	case "customer.tier":
		s.id, s.kind, s.options, s.what = fCustTier, kEnum, k.CustomerTiers, "customer tier"
	case "customer.region":
		s.id, s.kind, s.options, s.what = fCustRegion, kEnum, k.Regions, "region"
	case "customer.organisation":
		s.id, s.kind = fCustOrg, kText
	case "customer.email":
		s.id, s.kind = fCustEmail, kText
	default:
		cf, ok := strings.CutPrefix(name, "custom_fields.")
		if !ok {
			return s, "unknown field " + quote(name) + "; fields are " + builtinFields + " and custom_fields.NAME"
		}
		def, ok := k.CustomFields[cf]
		if !ok {
			return s, "unknown custom field " + quote(cf)
		}
		s.id, s.custom = fCustom, cf
		s.what = "option of custom field " + quote(cf)
		switch def.Kind {
		case FieldText:
			s.kind = kText
		case FieldNumber:
			s.kind = kNumber
		case FieldDate:
			s.kind = kDate
		case FieldEnum:
			s.kind, s.options = kEnum, def.Options
		case FieldMultiEnum:
			s.kind, s.options = kList, def.Options
		default:
			return s, "custom field " + quote(cf) + " has unknown kind " + quote(string(def.Kind))
		}
	}
	return s, ""
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// Value conversions shared by validation and evaluation.

func asString(v any) (string, bool) {
	s, ok := v.(string)
	return s, ok
}

// asStrings accepts a list of strings in any of the forms JSON or Go give.
func asStrings(v any) ([]string, bool) {
	switch l := v.(type) {
	case []string:
		return l, true
	case []any:
		out := make([]string, 0, len(l))
		for _, e := range l {
			s, ok := e.(string)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	return nil, false
}

func asList(v any) ([]any, bool) {
	switch l := v.(type) {
	case []any:
		return l, true
	case []string:
		out := make([]any, len(l))
		for i, s := range l {
			out[i] = s
		}
		return out, true
	case []float64:
		out := make([]any, len(l))
		for i, s := range l {
			out[i] = s
		}
		return out, true
	case []int:
		out := make([]any, len(l))
		for i, s := range l {
			out[i] = s
		}
		return out, true
	}
	return nil, false
}

func asNumber(v any) (float64, bool) {
	var f float64
	switch n := v.(type) {
	case float64:
		f = n
	case float32:
		f = float64(n)
	case int:
		f = float64(n)
	case int64:
		f = float64(n)
	case int32:
		f = float64(n)
	case json.Number:
		x, err := n.Float64()
		if err != nil {
			return 0, false
		}
		f = x
	default:
		return 0, false
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// asDay reads a date as days since 1970-01-01 UTC: "YYYY-MM-DD", RFC 3339 or
// a time.Time.
func asDay(v any) (int64, bool) {
	switch d := v.(type) {
	case time.Time:
		if d.IsZero() {
			return 0, false
		}
		return dayOf(d), true
	case string:
		if t, err := time.Parse("2006-01-02", d); err == nil {
			return dayOf(t), true
		}
		if t, err := time.Parse(time.RFC3339, d); err == nil {
			return dayOf(t), true
		}
	}
	return 0, false
}

func dayOf(t time.Time) int64 {
	u := t.Unix()
	if u < 0 && u%86400 != 0 {
		return u/86400 - 1
	}
	return u / 86400
}

func dayString(d int64) string { return time.Unix(d*86400, 0).UTC().Format("2006-01-02") }

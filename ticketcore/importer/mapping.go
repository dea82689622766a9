package importer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	// Embedded zone data, so a mapping's "timezone" resolves the same way on
	// a minimal container without /usr/share/zoneinfo as on a workstation.
	_ "time/tzdata"

	"github.com/deskmine/deskmine/ticketcore"
)

// Mapping says how another helpdesk's export maps onto Deskmine tickets. It
// is read from a JSON file. The value maps and defaults apply to both
// formats; the *_column keys, columns, status_from, time_layout, timezone and
// csv_separator are read only for CSV, so one file can serve both.
type Mapping struct {
	// Description is free text for the people who maintain the file.
	Description string `json:"description,omitempty"`

	// Status maps a source status to a workflow state. A source value that
	// is not in the map must already be a state name.
	Status map[string]string `json:"status,omitempty"`
	// PendingReason maps a source status to the pending reason recorded with
	// it; "" clears the reason. Lines carrying pending_reason keep theirs.
	PendingReason map[string]string `json:"pending_reason,omitempty"`
	// SourceStatusField, when set, keeps the unmapped source status in this
	// custom field, so that finer source states survive the mapping.
	SourceStatusField string `json:"source_status_field,omitempty"`
	// Priority maps source priorities to P1..P4 (e.g. "1" -> "P1", "High" -> "P2").
	Priority map[string]string `json:"priority,omitempty"`
	// Urgency maps source urgencies or impacts to low, medium, high, critical.
	Urgency map[string]string `json:"urgency,omitempty"`
	// Values maps source values of any other field (built-in or custom),
	// keyed by field name, e.g. {"channel": {"E-mail": "email"}}.
	Values map[string]map[string]string `json:"values,omitempty"`
	// Defaults are set on a ticket's created line when the line lacks the
	// field, e.g. {"channel": "phone", "type": "incident"}. They pass through
	// the value maps like any source value.
	Defaults map[string]any `json:"defaults,omitempty"`
	// CustomFields are explicit definitions, created when missing. Custom
	// fields the data uses without a definition here are created as text.
	CustomFields []ticketcore.FieldDef `json:"custom_fields,omitempty"`

	// TicketColumn holds the external ticket id (CSV, required).
	TicketColumn string `json:"ticket_column,omitempty"`
	// TimeColumn holds when the change happened (CSV, required).
	TimeColumn string `json:"time_column,omitempty"`
	// TimeLayout is a Go time layout such as "02-01-2006 15:04"; default RFC 3339.
	TimeLayout string `json:"time_layout,omitempty"`
	// Timezone is the IANA zone of times written without an offset; default UTC.
	Timezone string `json:"timezone,omitempty"`
	// ActorColumn holds who made the change (optional).
	ActorColumn string `json:"actor_column,omitempty"`
	// TypeColumn holds the change type (created, updated, commented,
	// status_changed). Without it a ticket's earliest line is its creation
	// and later lines are updates, or comments when they carry one.
	TypeColumn string `json:"type_column,omitempty"`
	// CommentColumn holds a comment body (optional).
	CommentColumn string `json:"comment_column,omitempty"`
	// PublicColumn says whether the comment was visible to the customer
	// (true/false, 1/0; optional; default internal note).
	PublicColumn string `json:"public_column,omitempty"`
	// Columns maps CSV columns to ticket fields; names that are not built-in
	// fields are custom fields. Empty cells are left out, not cleared.
	Columns map[string]string `json:"columns,omitempty"`
	// StatusFrom lists the columns whose non-empty values, joined with "/",
	// form the source status (e.g. ["Status", "Sub Status"] gives
	// "Accepted/In Progress").
	StatusFrom []string `json:"status_from,omitempty"`
	// CSVSeparator is the field separator, one character; default ",".
	CSVSeparator string `json:"csv_separator,omitempty"`
}

// importableFields are the built-in ticket fields a line may set. It mirrors
// the ticket core's own list (which is unexported); names missing here would
// be taken for custom fields and then refused by the core's field-name rules,
// so a drift shows up as a clear error, never as silently lost data.
var importableFields = []string{"subject", "description", "type", "category", "product", "channel", "urgency",
	"priority", "status", "pending_reason", "customer", "order_ref", "tags", "assignee", "team", "region",
	"resolution", "sla_breached"}

// derivedFields are ticket fields an import cannot set: Deskmine assigns them
// or takes them from the line itself.
var derivedFields = map[string]string{
	"id":            "is assigned by Deskmine",
	"version":       "is assigned by Deskmine",
	"external_id":   `is taken from the line's "ticket"`,
	"created_at":    `is taken from the "at" of the ticket's first change`,
	"updated_at":    `is taken from the "at" of each change`,
	"resolved_at":   "follows from the status changes",
	"closed_at":     "follows from the status changes",
	"reopen_count":  "follows from the status changes",
	"requester_id":  "is set only for tickets created through the API",
	"custom_fields": "custom fields go directly into fields",
	"links":         "cannot be imported: make links after the import (POST /api/v1/tickets/{id}/links), where they are checked against the other tickets",
	"csat":          "cannot be imported: record ratings after the import (PUT /api/v1/tickets/{id}/csat)",
}

// BuiltinFields lists the built-in ticket fields an import line may set;
// every other name in "fields" is a custom field.
func BuiltinFields() []string { return slices.Clone(importableFields) }

func isImportable(name string) bool { return slices.Contains(importableFields, name) }

// checkFieldName returns why name cannot be a field of an import line, or "".
func checkFieldName(name string) string {
	if isImportable(name) {
		return ""
	}
	if why, ok := derivedFields[name]; ok {
		return why
	}
	if err := (ticketcore.FieldDef{Name: name, Kind: ticketcore.FieldText}).Validate(); err != nil {
		return "is not a built-in field, and not a valid custom field name (" + fieldReason(err, "name") + ")"
	}
	return ""
}

// fieldReason extracts the reason for one field from a core validation error.
func fieldReason(err error, field string) string {
	if e, ok := ticketcore.AsError(err); ok {
		if r, ok := e.Fields[field]; ok {
			return r
		}
	}
	return err.Error()
}

// LoadMapping reads a mapping file. Unknown keys are refused so that a typo
// does not silently drop a mapping.
func LoadMapping(path string) (*Mapping, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read mapping: %w", err)
	}
	b = bytes.TrimPrefix(b, utf8BOM)
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var m Mapping
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("mapping %s: %w", path, err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("mapping %s: unexpected data after the JSON object", path)
	}
	return &m, nil
}

// plan is a validated mapping, ready to apply.
type plan struct {
	m        Mapping
	format   Format
	workflow ticketcore.Workflow
	loc      *time.Location
	layout   string
	sep      rune
	defs     map[string]ticketcore.FieldDef // explicit custom field definitions
}

// Validate checks the mapping against a workflow for the given format. The
// error lists every problem found, each naming the offending key and value.
func (m *Mapping) Validate(wf ticketcore.Workflow, format Format) error {
	_, err := m.compile(wf, format)
	return err
}

func (m *Mapping) compile(wf ticketcore.Workflow, format Format) (*plan, error) {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	p := &plan{m: *m, format: format, workflow: wf, loc: time.UTC, layout: time.RFC3339, sep: ',', defs: map[string]ticketcore.FieldDef{}}

	if unknown := unknownTargets(m.Status, func(v string) bool { _, ok := wf.State(v); return ok }); len(unknown) > 0 {
		bad("status: unknown workflow states %s; states are %s", strings.Join(unknown, ", "), strings.Join(wf.StateNames(), ", "))
	}
	if unknown := unknownTargets(m.Priority, func(v string) bool { return slices.Contains(ticketcore.Priorities, v) }); len(unknown) > 0 {
		bad("priority: unknown priorities %s; priorities are %s", strings.Join(unknown, ", "), strings.Join(ticketcore.Priorities, ", "))
	}
	if unknown := unknownTargets(m.Urgency, func(v string) bool { return slices.Contains(ticketcore.Urgencies, v) }); len(unknown) > 0 {
		bad("urgency: unknown urgencies %s; urgencies are %s", strings.Join(unknown, ", "), strings.Join(ticketcore.Urgencies, ", "))
	}
	for _, src := range slices.Sorted(maps.Keys(m.PendingReason)) {
		reason := m.PendingReason[src]
		stateName := src
		if to, ok := m.Status[src]; ok {
			stateName = to
		}
		st, ok := wf.State(stateName)
		switch {
		case !ok:
			bad("pending_reason: %q is neither a key of status nor a workflow state", src)
		case reason == "":
		case st.Kind != ticketcore.KindPending:
			bad("pending_reason: %q maps to state %s, which is not a pending state and takes no reason", src, st.Name)
		case len(st.PendingReasons) > 0 && !slices.Contains(st.PendingReasons, reason):
			bad("pending_reason: %q is not a reason of state %s; reasons are %s", reason, st.Name, strings.Join(st.PendingReasons, ", "))
		}
	}
	for _, field := range slices.Sorted(maps.Keys(m.Values)) {
		switch {
		case field == "status" || field == "priority" || field == "urgency":
			bad("values: %s has its own top-level map; put it there", field)
		case checkFieldName(field) != "":
			bad("values: %s %s", field, checkFieldName(field))
		}
	}
	for _, field := range slices.Sorted(maps.Keys(m.Defaults)) {
		if why := checkFieldName(field); why != "" {
			bad("defaults: %s %s", field, why)
		}
	}
	if f := m.SourceStatusField; f != "" {
		if isImportable(f) {
			bad("source_status_field: %s is a built-in field; name a custom field", f)
		} else if why := checkFieldName(f); why != "" {
			bad("source_status_field: %s %s", f, why)
		}
	}
	for _, d := range m.CustomFields {
		if err := d.Validate(); err != nil {
			bad("custom_fields: %s: %w", d.Name, err)
			continue
		}
		if _, dup := p.defs[d.Name]; dup {
			bad("custom_fields: %s is defined twice", d.Name)
		}
		p.defs[d.Name] = d
	}

	switch format {
	case FormatJSONL:
	case FormatCSV:
		errs = append(errs, p.compileCSV()...)
	default:
		bad("format %q is unknown; use %s or %s", format, FormatJSONL, FormatCSV)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("invalid mapping: %w", errors.Join(errs...))
	}
	return p, nil
}

func (p *plan) compileCSV() []error {
	m := &p.m
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if strings.TrimSpace(m.TicketColumn) == "" {
		bad("ticket_column is required for csv")
	}
	if strings.TrimSpace(m.TimeColumn) == "" {
		bad("time_column is required for csv")
	}
	if m.TimeLayout != "" {
		p.layout = m.TimeLayout
		// A layout that Go does not understand formats as literal text and
		// parses back to the zero time; require at least a full date.
		ref := time.Date(2006, time.January, 2, 15, 4, 5, 0, time.UTC)
		got, err := time.Parse(p.layout, ref.Format(p.layout))
		if err != nil || got.Year() != 2006 || got.Month() != time.January || got.Day() != 2 {
			bad("time_layout %q is not a Go time layout with year, month and day (write the reference time 2006-01-02 15:04:05 in your format, e.g. \"02-01-2006 15:04\")", m.TimeLayout)
		}
	}
	if m.Timezone != "" {
		loc, err := time.LoadLocation(m.Timezone)
		if err != nil {
			bad("timezone %q: %w", m.Timezone, err)
		} else {
			p.loc = loc
		}
	}
	if m.CSVSeparator != "" {
		r, size := utf8.DecodeRuneInString(m.CSVSeparator)
		if size != len(m.CSVSeparator) || r == utf8.RuneError || r == '"' || r == '\r' || r == '\n' {
			bad("csv_separator %q must be one character other than a quote or a line break", m.CSVSeparator)
		} else {
			p.sep = r
		}
	}
	if m.TypeColumn != "" && m.TypeColumn == m.CommentColumn {
		bad("type_column and comment_column are both %q", m.TypeColumn)
	}
	targets := map[string]string{}
	for _, col := range slices.Sorted(maps.Keys(m.Columns)) {
		field := m.Columns[col]
		if why := checkFieldName(field); why != "" {
			bad("columns: %q -> %s: %s %s", col, field, field, why)
			continue
		}
		if prev, dup := targets[field]; dup {
			bad("columns: %q and %q both map to %s", prev, col, field)
		}
		targets[field] = col
	}
	if len(m.StatusFrom) > 0 {
		if col, ok := targets["status"]; ok {
			bad("status comes both from status_from and from column %q; keep one", col)
		}
		for _, c := range m.StatusFrom {
			if strings.TrimSpace(c) == "" {
				bad("status_from has an empty column name")
			}
		}
	}
	return errs
}

// unknownTargets lists the distinct map values that ok refuses, each with
// the source values that map to it, e.g. `"finished" (from "Done", "Closed")`.
func unknownTargets(m map[string]string, ok func(string) bool) []string {
	from := map[string][]string{}
	for _, src := range slices.Sorted(maps.Keys(m)) {
		if v := m[src]; !ok(v) {
			from[v] = append(from[v], src)
		}
	}
	out := make([]string, 0, len(from))
	for _, v := range slices.Sorted(maps.Keys(from)) {
		out = append(out, fmt.Sprintf("%q (from %s)", v, quoteAll(from[v])))
	}
	return out
}

func quoteAll(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(q, ", ")
}

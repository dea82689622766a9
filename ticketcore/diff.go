package ticketcore

import (
	"bytes"
	"encoding/json"
	"sort"

	"github.com/deskmine/deskmine/ticketcore/events"
)

// bookkeeping fields change on every write; they are not audited as changes.
var bookkeeping = map[string]bool{"version": true, "updated_at": true}

var jsonNull = json.RawMessage("null")

// Diff lists the fields that differ between two snapshots, old -> new, in a
// stable order. Custom fields are compared one by one as "custom_fields.NAME".
// A nil old ticket means creation: every set field is a change from null.
func Diff(old, new *Ticket) []events.Change {
	oldFields := flatten(old)
	newFields := flatten(new)
	keys := map[string]bool{}
	for k := range oldFields {
		keys[k] = true
	}
	for k := range newFields {
		keys[k] = true
	}
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	var out []events.Change
	for _, k := range names {
		o, n := oldFields[k], newFields[k]
		if o == nil {
			o = jsonNull
		}
		if n == nil {
			n = jsonNull
		}
		if bytes.Equal(o, n) {
			continue
		}
		out = append(out, events.Change{Field: k, Old: o, New: n})
	}
	return out
}

// flatten renders a ticket as field -> JSON value, leaving out empty values so
// that "" and unset compare equal.
func flatten(t *Ticket) map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	if t == nil {
		return out
	}
	b, err := json.Marshal(t)
	if err != nil {
		return out // a Ticket always marshals; nothing sensible to diff otherwise
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return out
	}
	for k, v := range m {
		if bookkeeping[k] || isEmptyJSON(v) {
			continue
		}
		if k == "custom_fields" {
			var cf map[string]json.RawMessage
			if json.Unmarshal(v, &cf) == nil {
				for name, val := range cf {
					if !isEmptyJSON(val) {
						out["custom_fields."+name] = val
					}
				}
			}
			continue
		}
		out[k] = v
	}
	return out
}

func isEmptyJSON(v json.RawMessage) bool {
	switch string(v) {
	case "null", `""`, "[]", "{}":
		return true
	}
	return false
}

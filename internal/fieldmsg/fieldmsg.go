// Package fieldmsg renders per-field problems as one stable message.
package fieldmsg

import (
	"sort"
	"strings"
)

// Join renders fields as "a: reason; b: reason", sorted by field name so the
// message does not change between runs.
func Join(fields map[string]string) string {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + fields[k]
	}
	return strings.Join(parts, "; ")
}

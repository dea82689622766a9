// Package cftext renders a custom field's value as the text analytics
// counts it by and the ticket list filters it by: one rendering, so that a
// cf.<name> hotspot bar and the list it opens hold the same tickets.
package cftext

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Text renders v: strings as they are, numbers in their shortest decimal
// form without exponent, booleans as true/false, lists sorted and joined
// with commas, nil as "".
func Text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case bool:
		return strconv.FormatBool(x)
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			parts = append(parts, Text(e))
		}
		slices.Sort(parts)
		return strings.Join(parts, ",")
	case []string:
		return strings.Join(slices.Sorted(slices.Values(x)), ",")
	}
	return fmt.Sprint(v)
}

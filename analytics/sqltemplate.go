package analytics

import (
	"fmt"
	"strings"
)

// sqlPiece is SQL text put in place of a {name} placeholder of a template,
// with the arguments of its own ? placeholders in order.
type sqlPiece struct {
	text string
	args []any
}

func piece(text string, args ...any) sqlPiece { return sqlPiece{text: text, args: args} }

// fillSQL expands a query template: each ? of the template takes the next
// of own, each {name} the piece of that name, whose arguments join at the
// place the piece lands. The arguments therefore follow the order in which
// the placeholders appear, wherever a store's SQL puts them (a custom
// field's name bound inside a filter comes before or after the filter's
// values as the fragment has it). Pieces are inserted as they are, never
// scanned again; comments and quoted strings of the template are copied
// untouched. Unknown placeholders and a wrong number of own arguments are
// errors: a store's SQL and the code disagree.
func fillSQL(name, tmpl string, own []any, pieces map[string]sqlPiece) (string, []any, error) {
	var b strings.Builder
	var args []any
	next := 0
	for i := 0; i < len(tmpl); {
		c := tmpl[i]
		switch {
		case c == '-' && strings.HasPrefix(tmpl[i:], "--"):
			end := strings.IndexByte(tmpl[i:], '\n')
			if end < 0 {
				end = len(tmpl) - i
			}
			b.WriteString(tmpl[i : i+end])
			i += end
		case c == '\'':
			end := i + 1
			for end < len(tmpl) {
				if tmpl[end] == '\\' {
					end += 2
					continue
				}
				if tmpl[end] == '\'' {
					if end+1 < len(tmpl) && tmpl[end+1] == '\'' {
						end += 2
						continue
					}
					break
				}
				end++
			}
			if end >= len(tmpl) {
				return "", nil, fmt.Errorf("query %s: unterminated string", name)
			}
			b.WriteString(tmpl[i : end+1])
			i = end + 1
		case c == '?':
			if next >= len(own) {
				return "", nil, fmt.Errorf("query %s has more parameters than the %d the code binds", name, len(own))
			}
			b.WriteByte('?')
			args = append(args, own[next])
			next++
			i++
		case c == '{':
			end := strings.IndexByte(tmpl[i:], '}')
			if end < 0 {
				return "", nil, fmt.Errorf("query %s: unclosed {", name)
			}
			key := tmpl[i+1 : i+end]
			p, ok := pieces[key]
			if !ok {
				return "", nil, fmt.Errorf("query %s: unknown placeholder {%s}", name, key)
			}
			b.WriteString(p.text)
			args = append(args, p.args...)
			i += end + 1
		default:
			b.WriteByte(c)
			i++
		}
	}
	if next != len(own) {
		return "", nil, fmt.Errorf("query %s has %d parameters, the code binds %d", name, next, len(own))
	}
	return b.String(), args, nil
}

package analytics

import (
	"strings"
)

// FilterClause turns the constant filter condition of PerfFilterClause,
// which a query file holds once for all requests, into the condition of
// one request: only the dimensions it filters, each with its values still
// bound. ClickHouse 18.16 folds neither `1 = 1 OR ...` nor a `has` of a
// bound list, so the constant form costs every scanned row nine tests.
type FilterClause struct {
	text  string   // PerfFilterClause(in)
	terms []string // in(column) of each of PerfFilterDimensions
	// ids is the text before the clause of a semi-join on the tickets
	// table, "ticket_id IN (SELECT ticket_id FROM tickets WHERE ": without
	// a filter the whole semi-join becomes true, so that the tickets table
	// is not read at all.
	ids string
}

// NewFilterClause is the clause of a store whose membership test is in and
// whose semi-join on the filtered tickets starts with ids.
func NewFilterClause(in func(column string) string, ids string) *FilterClause {
	c := &FilterClause{text: PerfFilterClause(in), ids: ids}
	for _, d := range PerfFilterDimensions {
		c.terms = append(c.terms, in(d.Column))
	}
	return c
}

// Simplify rewrites every occurrence of the clause in query, whose
// parameters (PerfFilterArgs) sit at their place in args, to the filters
// they set ("1 = 1" for none). A query without the clause, or whose
// arguments do not have the clause's shape, comes back unchanged.
func (c *FilterClause) Simplify(query string, args []any) (string, []any) {
	if !strings.Contains(query, c.text) {
		return query, args
	}
	orig, origArgs := query, args
	per := len(PerfFilterDimensions)
	var b strings.Builder
	out := make([]any, 0, len(args))
	next := 0 // the argument of the next placeholder
	for {
		i := strings.Index(query, c.text)
		if i < 0 {
			break
		}
		n := strings.Count(query[:i], "?")
		if next+n+2*per > len(args) {
			return orig, origArgs // the database reports the mismatch
		}
		out = append(out, args[next:next+n]...)
		next += n
		var terms []string
		for d := range per {
			flag, ok := args[next+2*d].(int64)
			if !ok {
				return orig, origArgs // the database reports the mismatch
			}
			if flag == 0 {
				terms = append(terms, c.terms[d])
				out = append(out, args[next+2*d+1])
			}
		}
		next += 2 * per
		head, tail := query[:i], query[i+len(c.text):]
		if len(terms) == 0 && c.ids != "" && strings.HasSuffix(head, c.ids) && strings.HasPrefix(tail, ")") &&
			startsWord(head, len(head)-len(c.ids)) {
			head, tail = strings.TrimSuffix(head, c.ids), tail[1:]
		}
		b.WriteString(head)
		if len(terms) == 0 {
			b.WriteString("(1 = 1)")
		} else {
			b.WriteString("(" + strings.Join(terms, " AND ") + ")")
		}
		query = tail
	}
	b.WriteString(query)
	return b.String(), append(out, args[next:]...)
}

// startsWord reports whether s[i:] starts a word: at the start, or after a
// space or a parenthesis (not "t.ticket_id ...", whose prefix would stay).
func startsWord(s string, i int) bool {
	return i == 0 || strings.ContainsRune(" \t\n(", rune(s[i-1]))
}

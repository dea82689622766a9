package analytics

import (
	"fmt"
	"io/fs"
	"strings"

	"github.com/deskmine/deskmine/analytics/internal/sqlfile"
)

// Queries with named parameters. The root-cause and time-travel queries are
// run by shared code for both stores, but each store orders its SQL its own
// way (DuckDB with CTEs and window functions, ClickHouse 18.16 with nested
// subqueries and arrays), so the order of the ? placeholders differs. Each
// such query therefore starts with a comment line
//
//	-- params: from, to, filters, ids
//
// naming its parameters in the order of its placeholders; BindNamed builds
// the argument list from the values by name and checks that their number
// equals the placeholders'. Comments of these queries never contain a
// question mark.

// LoadNamedQueries reads a store's query file, puts PerfFilterClause(in) in
// place of {{filters}} and in(col) in place of each {{in:col}} (col is
// written in the file, never taken from a request), and checks that every
// name of need is there and declares its parameters.
func LoadNamedQueries(fsys fs.FS, file string, in func(col string) string, need ...string) (map[string]string, error) {
	q, err := sqlfile.Queries(fsys, file)
	if err != nil {
		return nil, err
	}
	if err := sqlfile.Need(q, need...); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	clause := PerfFilterClause(in)
	for name, text := range q {
		text = strings.ReplaceAll(text, "{{filters}}", clause)
		for {
			i := strings.Index(text, "{{in:")
			if i < 0 {
				break
			}
			j := strings.Index(text[i:], "}}")
			if j < 0 {
				return nil, fmt.Errorf("%s: query %s: unclosed {{in:", file, name)
			}
			text = text[:i] + in(text[i+len("{{in:"):i+j]) + text[i+j+2:]
		}
		q[name] = text
	}
	for _, name := range need {
		if _, err := ParamNames(q[name]); err != nil {
			return nil, fmt.Errorf("%s: query %s: %w", file, name, err)
		}
	}
	return q, nil
}

// ParamNames reads the names of a query's "-- params:" line.
func ParamNames(query string) ([]string, error) {
	for line := range strings.Lines(query) {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), "-- params:")
		if !ok {
			continue
		}
		var names []string
		for n := range strings.SplitSeq(rest, ",") {
			if n = strings.TrimSpace(n); n != "" {
				names = append(names, n)
			}
		}
		return names, nil
	}
	return nil, fmt.Errorf("no -- params: line")
}

// BindNamed returns the arguments of query in the order of its params line:
// each name stands for all values of vals[name], in order (a filter clause
// takes several). It fails when a name has no values or when the number of
// arguments differs from the placeholders.
func BindNamed(name, query string, vals map[string][]any) ([]any, error) {
	names, err := ParamNames(query)
	if err != nil {
		return nil, fmt.Errorf("query %s: %w", name, err)
	}
	var args []any
	for _, n := range names {
		v, ok := vals[n]
		if !ok {
			return nil, fmt.Errorf("query %s: no value for parameter %q", name, n)
		}
		args = append(args, v...)
	}
	if c := strings.Count(query, "?"); c != len(args) {
		return nil, fmt.Errorf("query %s has %d placeholders, its params bind %d values", name, c, len(args))
	}
	return args, nil
}

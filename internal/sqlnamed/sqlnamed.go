// Package sqlnamed reads the named-query files the SQL stores embed
// ("-- name: x" sections) and numbers placeholders for PostgreSQL, so that
// every store writes its statements once, with ?, for SQLite and PostgreSQL.
package sqlnamed

import (
	"fmt"
	"strconv"
	"strings"
)

// Parse splits a file of "-- name: x" sections into statements by name.
// Comment lines and a trailing semicolon are dropped; an empty or repeated
// name is an error.
func Parse(text string) (map[string]string, error) {
	out := map[string]string{}
	var name string
	var b strings.Builder
	flush := func() error {
		if name == "" {
			return nil
		}
		q := strings.TrimSuffix(strings.TrimSpace(b.String()), ";")
		if q == "" {
			return fmt.Errorf("query %s is empty", name)
		}
		if _, dup := out[name]; dup {
			return fmt.Errorf("query %s is defined twice", name)
		}
		out[name] = q
		return nil
	}
	for line := range strings.SplitSeq(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if n, ok := strings.CutPrefix(trimmed, "-- name:"); ok {
			if err := flush(); err != nil {
				return nil, err
			}
			name = strings.TrimSpace(n)
			b.Reset()
			continue
		}
		if strings.HasPrefix(trimmed, "--") || name == "" {
			continue
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return out, nil
}

// Dollar replaces each ? outside single quotes with $1, $2, ...
func Dollar(q string) string {
	var b strings.Builder
	n := 0
	inQuote := false
	for _, r := range q {
		switch {
		case r == '\'':
			inQuote = !inQuote
			b.WriteRune(r)
		case r == '?' && !inQuote:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

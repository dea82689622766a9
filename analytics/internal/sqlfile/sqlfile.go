// Package sqlfile reads the embedded SQL of the analytics stores: named
// query blocks and numbered migration files.
package sqlfile

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Queries parses a file of blocks, each starting with a line "-- name: NAME",
// into a map of name to SQL (trimmed, without a trailing semicolon).
func Queries(fsys fs.FS, name string) (map[string]string, error) {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	out := map[string]string{}
	var cur string
	var body strings.Builder
	flush := func() error {
		if cur == "" {
			return nil
		}
		q := strings.TrimSuffix(strings.TrimSpace(body.String()), ";")
		if q == "" {
			return fmt.Errorf("%s: query %q is empty", name, cur)
		}
		if _, dup := out[cur]; dup {
			return fmt.Errorf("%s: query %q defined twice", name, cur)
		}
		out[cur] = q
		return nil
	}
	for line := range strings.Lines(string(b)) {
		if n, ok := strings.CutPrefix(strings.TrimSpace(line), "-- name:"); ok {
			if err := flush(); err != nil {
				return nil, err
			}
			cur = strings.TrimSpace(n)
			body.Reset()
			continue
		}
		if cur != "" {
			body.WriteString(line)
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return out, nil
}

// Need returns the named queries, failing at start-up when one is missing.
func Need(qs map[string]string, names ...string) error {
	for _, n := range names {
		if _, ok := qs[n]; !ok {
			return fmt.Errorf("query %q is missing", n)
		}
	}
	return nil
}

// Migration is one numbered schema migration file.
type Migration struct {
	Version    int
	Name       string
	Statements []string
}

var migrationName = regexp.MustCompile(`^(\d+)_[a-z0-9_]+\.sql$`)

// Migrations reads dir's files named NNNN_name.sql in version order and
// splits each into statements at semicolons that end a line. Comment lines
// (starting with --) are dropped.
func Migrations(fsys fs.FS, dir string) ([]Migration, error) {
	ents, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var out []Migration
	for _, e := range ents {
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migration file %s is not named NNNN_name.sql", e.Name())
		}
		v, _ := strconv.Atoi(m[1])
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		mig := Migration{Version: v, Name: e.Name()}
		var stmt strings.Builder
		for line := range strings.Lines(string(b)) {
			t := strings.TrimSpace(line)
			if t == "" || strings.HasPrefix(t, "--") {
				continue
			}
			stmt.WriteString(line)
			if strings.HasSuffix(t, ";") {
				mig.Statements = append(mig.Statements, strings.TrimSuffix(strings.TrimSpace(stmt.String()), ";"))
				stmt.Reset()
			}
		}
		if s := strings.TrimSpace(stmt.String()); s != "" {
			mig.Statements = append(mig.Statements, s)
		}
		if len(mig.Statements) == 0 {
			return nil, fmt.Errorf("migration %s is empty", e.Name())
		}
		out = append(out, mig)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i := 1; i < len(out); i++ {
		if out[i].Version == out[i-1].Version {
			return nil, fmt.Errorf("migrations %s and %s have the same version", out[i-1].Name, out[i].Name)
		}
	}
	return out, nil
}

// Rows is what both database/sql and clickhouse-go query results offer.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// ReadColumns reads (table, column) rows in column order into column lists per table.
func ReadColumns(rows Rows) (map[string][]string, error) {
	got := map[string][]string{}
	for rows.Next() {
		var table, name string
		if err := rows.Scan(&table, &name); err != nil {
			return nil, fmt.Errorf("read columns: %w", err)
		}
		got[table] = append(got[table], name)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read columns: %w", err)
	}
	return got, nil
}

// ReadVersions reads one-column rows of applied migration versions.
func ReadVersions(rows Rows) (map[int]bool, error) {
	done := map[int]bool{}
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("read schema_migrations: %w", err)
		}
		done[int(v)] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	return done, nil
}

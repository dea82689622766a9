package sqlfile

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestQueries(t *testing.T) {
	fsys := fstest.MapFS{"q.sql": {Data: []byte("-- header\n-- name: a\nSELECT 1;\n\n-- name: b\nSELECT *\nFROM t\n")}}
	qs, err := Queries(fsys, "q.sql")
	if err != nil {
		t.Fatal(err)
	}
	if qs["a"] != "SELECT 1" || qs["b"] != "SELECT *\nFROM t" || len(qs) != 2 {
		t.Fatalf("queries = %q", qs)
	}
	if err := Need(qs, "a", "c"); err == nil {
		t.Fatal("missing query c not reported")
	}
	dup := fstest.MapFS{"q.sql": {Data: []byte("-- name: a\nSELECT 1\n-- name: a\nSELECT 2\n")}}
	if _, err := Queries(dup, "q.sql"); err == nil {
		t.Fatal("duplicate query not reported")
	}
}

func TestMigrations(t *testing.T) {
	fsys := fstest.MapFS{
		"m/0002_more.sql": {Data: []byte("-- why\nCREATE TABLE b (x INT);\nCREATE TABLE c (\n  y INT\n);\n")},
		"m/0001_init.sql": {Data: []byte("CREATE TABLE a (x INT)\n")},
	}
	ms, err := Migrations(fsys, "m")
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0].Version != 1 || ms[1].Version != 2 {
		t.Fatalf("migrations = %+v", ms)
	}
	if len(ms[1].Statements) != 2 || ms[1].Statements[1] != "CREATE TABLE c (\n  y INT\n)" {
		t.Fatalf("statements = %q", ms[1].Statements)
	}
	bad := fstest.MapFS{"m/init.sql": {Data: []byte("SELECT 1")}}
	if _, err := Migrations(bad, "m"); err == nil {
		t.Fatal("badly named migration accepted")
	}
}

type fakeRows struct {
	rows [][]any
	i    int
}

func (f *fakeRows) Next() bool { f.i++; return f.i <= len(f.rows) }
func (f *fakeRows) Err() error { return nil }
func (f *fakeRows) Scan(dest ...any) error {
	for k, d := range dest {
		switch d := d.(type) {
		case *string:
			*d = f.rows[f.i-1][k].(string)
		case *int64:
			*d = f.rows[f.i-1][k].(int64)
		}
	}
	return nil
}

func TestReadColumnsAndVersions(t *testing.T) {
	got, err := ReadColumns(&fakeRows{rows: [][]any{{"a", "x"}, {"b", "y"}, {"a", "z"}}})
	if err != nil || strings.Join(got["a"], ",") != "x,z" || strings.Join(got["b"], ",") != "y" {
		t.Fatalf("columns %v, %v", got, err)
	}
	done, err := ReadVersions(&fakeRows{rows: [][]any{{int64(1)}, {int64(3)}}})
	if err != nil || !done[1] || done[2] || !done[3] {
		t.Fatalf("versions %v, %v", done, err)
	}
}

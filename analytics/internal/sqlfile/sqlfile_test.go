package sqlfile

import (
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

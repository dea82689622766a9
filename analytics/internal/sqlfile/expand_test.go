package sqlfile

import (
	"io"
	"io/fs"
	"testing"
	"testing/fstest"
)

func TestExpand(t *testing.T) {
	fsys := Expand(fstest.MapFS{
		"q.sql":     {Data: []byte("-- name: a\nSELECT 1 FROM t WHERE {{live}} AND {{live}} AND {{other}}\n")},
		"dir/x.sql": {Data: []byte("x")},
		"plain.sql": {Data: []byte("no macro")},
	}, map[string]string{"live": "sign = 1"})
	q, err := Queries(fsys, "q.sql")
	if err != nil {
		t.Fatal(err)
	}
	if want := "SELECT 1 FROM t WHERE sign = 1 AND sign = 1 AND {{other}}"; q["a"] != want {
		t.Fatalf("expanded %q, want %q", q["a"], want)
	}
	f, err := fsys.Open("q.sql")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(f)
	st, _ := f.Stat()
	if st.Size() != int64(len(b)) || string(b) != "-- name: a\nSELECT 1 FROM t WHERE sign = 1 AND sign = 1 AND {{other}}\n" {
		t.Fatalf("open: size %d, text %q", st.Size(), b)
	}
	ents, err := fs.ReadDir(fsys, "dir")
	if err != nil || len(ents) != 1 || ents[0].Name() != "x.sql" {
		t.Fatalf("read dir: %v %v", ents, err)
	}
	if _, err := fs.ReadFile(fsys, "missing.sql"); err == nil {
		t.Fatal("reading a missing file succeeded")
	}
}

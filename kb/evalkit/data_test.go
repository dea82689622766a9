package evalkit

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestReadITTickets(t *testing.T) {
	in := "Document,Topic_group\n" +
		"printer jam,Hardware\n" +
		"\"vpn, again\",Access\n" +
		",Miscellaneous\n"
	rows, err := ReadITTickets(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []Row{{0, "printer jam", "Hardware"}, {1, "vpn, again", "Access"}, {2, "", "Miscellaneous"}}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(rows), len(want))
	}
	for i := range want {
		if rows[i] != want[i] {
			t.Errorf("row %d = %+v, want %+v", i, rows[i], want[i])
		}
	}
}

func TestReadITTicketsRejectsMalformed(t *testing.T) {
	cases := map[string]string{
		"empty":          "",
		"header only":    "Document,Topic_group\n",
		"other header":   "text,label\nx,y\n",
		"extra field":    "Document,Topic_group\nx,y,z\n",
		"missing field":  "Document,Topic_group\nx\n",
		"empty label":    "Document,Topic_group\nx,\n",
		"unclosed quote": "Document,Topic_group\n\"x,y\n",
	}
	for name, in := range cases {
		if rows, err := ReadITTickets(strings.NewReader(in)); err == nil {
			t.Errorf("%s: accepted, %d rows", name, len(rows))
		}
	}
}

func TestLoadITTicketsMissingFile(t *testing.T) {
	_, err := LoadITTickets(filepath.Join(t.TempDir(), "none.csv"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing file: %v, want fs.ErrNotExist", err)
	}
}

// fnv1a32 is an independent FNV-1a so the split rule is checked against its
// definition, not against the code under test.
func fnv1a32(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

func TestSplitIsTheFixedRule(t *testing.T) {
	rows := make([]Row, 10000)
	for i := range rows {
		rows[i] = Row{Index: i}
	}
	train, test := Split(rows)
	if len(train)+len(test) != len(rows) {
		t.Fatalf("split lost rows: %d + %d", len(train), len(test))
	}
	for _, r := range test {
		if fnv1a32(strconv.Itoa(r.Index))%5 != 0 {
			t.Fatalf("row %d in test, but its hash mod 5 is not 0", r.Index)
		}
	}
	for _, r := range train {
		if fnv1a32(strconv.Itoa(r.Index))%5 == 0 {
			t.Fatalf("row %d in train, but its hash mod 5 is 0", r.Index)
		}
	}
	if share := float64(len(test)) / float64(len(rows)); share < 0.18 || share > 0.22 {
		t.Fatalf("test share %.3f, want about 0.2", share)
	}
	// Order within each part is kept.
	for i := 1; i < len(test); i++ {
		if test[i].Index <= test[i-1].Index {
			t.Fatal("test part out of order")
		}
	}
}

func TestLabelHelpers(t *testing.T) {
	rows := []Row{{0, "a", "x"}, {1, "b", "y"}, {2, "c", "z"}}
	if got := strings.Join(Texts(rows), ","); got != "a,b,c" {
		t.Fatalf("Texts %q", got)
	}
	if got := strings.Join(Labels(rows), ","); got != "x,y,z" {
		t.Fatalf("Labels %q", got)
	}
	if got := strings.Join(LabelsAt(rows, []int{2, 0, 7, -1}), ","); got != "z,x,," {
		t.Fatalf("LabelsAt %q", got)
	}
}

func TestDataDirFromEnv(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("DESKMINE_DATA", dir)
	if got, err := DataDir(); err != nil || got != dir {
		t.Fatalf("DataDir() = %q, %v; want %q", got, err, dir)
	}
	t.Setenv("DESKMINE_DATA", filepath.Join(dir, "missing"))
	if _, err := DataDir(); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing env dir: %v, want fs.ErrNotExist", err)
	}
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DESKMINE_DATA", file)
	if _, err := DataDir(); err == nil {
		t.Fatal("a file accepted as the data dir")
	}
}

func TestDataDirBesideModuleRoot(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "repo")
	pkg := filepath.Join(root, "kb", "x")
	data := filepath.Join(base, "shared", "data")
	for _, d := range []string{pkg, data} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "go.mod"), []byte("module x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DESKMINE_DATA", "")
	t.Chdir(pkg)
	got, err := DataDir()
	if err != nil {
		t.Fatal(err)
	}
	want, _ := filepath.EvalSymlinks(data)
	if gotReal, _ := filepath.EvalSymlinks(got); gotReal != want {
		t.Fatalf("DataDir() = %q, want %q", got, data)
	}
	if err := os.RemoveAll(data); err != nil {
		t.Fatal(err)
	}
	if _, err := DataDir(); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("absent shared data: %v, want fs.ErrNotExist", err)
	}
}

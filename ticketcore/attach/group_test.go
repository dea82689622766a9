package attach

import (
	"reflect"
	"testing"
)

func TestGroup(t *testing.T) {
	in := []Blob{
		{SHA256: "3", Filename: "b.png", Kind: KindImage},
		{SHA256: "1", Filename: "发票.pdf", Kind: KindPDF},
		{SHA256: "2", Filename: "A.png", Kind: KindImage},
		{SHA256: "5", Filename: "a.png", Kind: KindImage},
		{SHA256: "4", Filename: "a.png", Kind: KindImage},
		{SHA256: "6", Filename: "mystery", Kind: "hologram"},
		{SHA256: "7", Filename: "x.bin", Kind: KindOther},
		{SHA256: "8", Filename: "orders.csv", Kind: KindSpreadsheet},
	}
	orig := append([]Blob(nil), in...)
	got := Group(in)
	shas := func(bs []Blob) []string {
		var s []string
		for _, b := range bs {
			s = append(s, b.SHA256)
		}
		return s
	}
	want := map[string][]string{
		KindImage:       {"2", "4", "5", "3"}, // A.png, a.png (by hash), a.png, b.png
		KindPDF:         {"1"},
		KindOther:       {"6", "7"},
		KindSpreadsheet: {"8"},
	}
	if len(got) != len(want) {
		t.Fatalf("groups %v", got)
	}
	for k, w := range want {
		if s := shas(got[k]); !reflect.DeepEqual(s, w) {
			t.Errorf("group %s = %v, want %v", k, s, w)
		}
	}
	if !reflect.DeepEqual(in, orig) {
		t.Error("Group reordered its input")
	}
	if g := Group(nil); len(g) != 0 {
		t.Errorf("Group(nil) = %v", g)
	}
}

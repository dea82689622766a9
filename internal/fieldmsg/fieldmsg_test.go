package fieldmsg

import "testing"

func TestJoin(t *testing.T) {
	if got := Join(map[string]string{"b": "y", "a": "x"}); got != "a: x; b: y" {
		t.Fatal(got)
	}
	if Join(nil) != "" {
		t.Fatal("empty")
	}
}

package httpapi

import "testing"

func TestCSVCellsCannotRunFormulas(t *testing.T) {
	for in, want := range map[string]string{
		"=HYPERLINK(\"x\")": "'=HYPERLINK(\"x\")", "+1+1": "'+1+1", "@SUM(A1)": "'@SUM(A1)", "-cmd": "'-cmd",
		"\tx": "'\tx", "-3": "-3", "-1.5": "-1.5", "network": "network", "": "",
	} {
		if got := defuse(in); got != want {
			t.Errorf("defuse(%q) = %q, want %q", in, got, want)
		}
	}
}

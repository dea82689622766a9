package cftext

import (
	"encoding/json"
	"testing"
)

func TestText(t *testing.T) {
	var decoded any
	if err := json.Unmarshal([]byte(`["wifi", "vpn", 2]`), &decoded); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		in   any
		want string
	}{
		{nil, ""}, {"Windows 11", "Windows 11"}, {1e21, "1000000000000000000000"}, {2.5, "2.5"},
		{3, "3"}, {int64(-4), "-4"}, {true, "true"}, {decoded, "2,vpn,wifi"},
		{[]string{"b", "a"}, "a,b"}, {map[string]int{"x": 1}, "map[x:1]"},
	} {
		if got := Text(c.in); got != c.want {
			t.Errorf("Text(%#v) = %q, want %q", c.in, got, c.want)
		}
	}
}

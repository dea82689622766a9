package querybench

import (
	"strings"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	var ds []time.Duration
	for i := 50; i >= 1; i-- { // unsorted on purpose
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{50, 25 * time.Millisecond}, {95, 48 * time.Millisecond}, {100, 50 * time.Millisecond}, {1, time.Millisecond}} {
		if got := percentile(ds, c.p); got != c.want {
			t.Errorf("p%v = %v, want %v", c.p, got, c.want)
		}
	}
	if ds[0] != 50*time.Millisecond {
		t.Error("percentile sorted its argument")
	}
	if percentile(nil, 95) != 0 || percentile([]time.Duration{7}, 95) != 7 {
		t.Error("empty or single")
	}
	if ms(1234567*time.Nanosecond) != 1.23 {
		t.Errorf("ms = %v", ms(1234567*time.Nanosecond))
	}
}

func TestSQLHead(t *testing.T) {
	q := "-- name: x\n-- params: by\nSELECT k,   count(*)\nFROM t -- a comment\nWHERE a = '-'"
	if got := sqlHead(q); got != "SELECT k, count(*) FROM t WHERE a = '-'" {
		t.Errorf("sqlHead = %q", got)
	}
	long := sqlHead("SELECT " + strings.Repeat("a, ", 100) + "b FROM t")
	if len(long) != 103 || !strings.HasSuffix(long, "...") {
		t.Errorf("long statement head %q", long)
	}
}

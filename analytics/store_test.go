package analytics

import (
	"errors"
	"testing"
)

func TestRunChecksFillsEveryField(t *testing.T) {
	var asked []string
	one := func(name string, dest ...any) error {
		asked = append(asked, name)
		for i, d := range dest {
			*d.(*int64) = int64(len(name) + i)
		}
		return nil
	}
	each := func(name string, fn func(string, int64)) error {
		asked = append(asked, name)
		fn("k", int64(len(name)))
		return nil
	}
	r, err := RunChecks(one, each)
	if err != nil {
		t.Fatal(err)
	}
	if len(asked) != 10 || r.CustomFields != int64(len("check-tail")+4) || r.Events != int64(len("check-events")) || r.DayChecksum != int64(len("check-days")+1) ||
		r.EventsByType["k"] != int64(len("check-events-by-type")) || len(r.IntervalMsByTeam) != 1 || r.SLAOutcomes["k"] != 9 {
		t.Fatalf("queries %v, result %+v", asked, r)
	}
	boom := errors.New("boom")
	if _, err := RunChecks(one, func(string, func(string, int64)) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("error not passed on: %v", err)
	}
}

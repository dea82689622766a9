package ingest_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/deskmine/deskmine/ingest"
)

func TestLeaseLost(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errors.New("connection refused"), false},
		{leaseLost{}, true},
		{fmt.Errorf("save cursor relay: %w", leaseLost{}), true},
		{errors.Join(errors.New("x"), fmt.Errorf("y: %w", leaseLost{})), true},
	} {
		if got := ingest.LeaseLost(tc.err); got != tc.want {
			t.Errorf("LeaseLost(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

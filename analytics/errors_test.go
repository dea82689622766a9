package analytics

import (
	"errors"
	"fmt"
	"testing"
)

func TestPermanentError(t *testing.T) {
	cause := errors.New("at is out of range")
	err := fmt.Errorf("apply: %w", &PermanentError{EventID: "e1", Err: cause})
	if !IsPermanent(err) || !errors.Is(err, cause) {
		t.Fatalf("wrapped permanent error lost: %v", err)
	}
	var p interface{ Permanent() bool }
	if !errors.As(err, &p) || !p.Permanent() {
		t.Fatal("Permanent() not found through wrapping")
	}
	if IsPermanent(cause) {
		t.Fatal("plain error reported permanent")
	}
	if got := err.Error(); got != "apply: event e1 cannot be stored: at is out of range" {
		t.Fatalf("message = %q", got)
	}
}

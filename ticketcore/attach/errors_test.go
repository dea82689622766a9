package attach

import (
	"errors"
	"fmt"
	"testing"
)

func TestErrorMessages(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&FieldError{"sha256", "must be 64 hex digits"}, "sha256: must be 64 hex digits"},
		{&LimitError{1024}, "attachment is larger than 1024 bytes"},
		{&TypeError{"application/x-executable", "ELF executable disguised as .pdf"}, "attachment refused: ELF executable disguised as .pdf (detected application/x-executable)"},
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("%T: %q, want %q", tc.err, got, tc.want)
		}
	}
	var le *LimitError
	if !errors.As(fmt.Errorf("put: %w", &LimitError{1}), &le) || le.Limit != 1 {
		t.Error("LimitError does not survive wrapping")
	}
}

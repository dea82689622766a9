package mailin

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

// parseBytes parses raw with default limits.
func parseBytes(raw []byte) (*Message, error) {
	return Parse(bytes.NewReader(raw), Limits{})
}

func TestErrorMessages(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{&LimitError{Limit: "MaxBytes", Max: 10}, "message exceeds MaxBytes of 10"},
		{&ParseError{Where: "From", Reason: "no sender address"}, "malformed message: From: no sender address"},
		{&FieldError{Field: "To", Reason: "at least one recipient is required"}, "invalid To: at least one recipient is required"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
		wrapped := fmt.Errorf("intake: %w", tt.err)
		var le *LimitError
		var pe *ParseError
		var fe *FieldError
		if !errors.As(wrapped, &le) && !errors.As(wrapped, &pe) && !errors.As(wrapped, &fe) {
			t.Errorf("%T not found through wrapping", tt.err)
		}
	}
}

package attach

import (
	"errors"
	"fmt"
)

// ErrNotFound is returned by Store.Open for a blob that is not stored.
var ErrNotFound = errors.New("attachment not found")

// ErrEmpty is returned by Store.Put for a zero-byte upload: an empty
// attachment is almost always a client or parser mistake, and refusing it
// lets the caller say so instead of showing a file that opens as nothing.
var ErrEmpty = errors.New("attachment is empty")

// FieldError is a refused argument or configuration field; the HTTP layer
// maps it to 422 like the other packages' field errors.
type FieldError struct{ Field, Reason string }

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

// LimitError is returned by Store.Put when the upload is larger than
// Limits.MaxBytes (HTTP 413).
type LimitError struct{ Limit int64 }

func (e *LimitError) Error() string {
	return fmt.Sprintf("attachment is larger than %d bytes", e.Limit)
}

// TypeError is returned by Store.Put when the content is refused by type:
// an executable or script, an office document with macros, a dangerous
// extension, or a type outside Limits.Allowed (HTTP 415). Detected is the
// type found in the content, never the declared one.
type TypeError struct{ Detected, Reason string }

func (e *TypeError) Error() string {
	return fmt.Sprintf("attachment refused: %s (detected %s)", e.Reason, e.Detected)
}

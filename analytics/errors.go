package analytics

import (
	"errors"
	"fmt"
)

// PermanentError says that an event can never be stored, so retrying the
// batch cannot help: the ingest runner narrows the batch down to the event
// and parks it. It is recognised by its Permanent method, so callers need
// not import this package.
type PermanentError struct {
	EventID string // the first offending event of the batch
	Err     error
}

func (e *PermanentError) Error() string {
	return fmt.Sprintf("event %s cannot be stored: %v", e.EventID, e.Err)
}

// Permanent reports true: see the type's comment.
func (e *PermanentError) Permanent() bool { return true }

// Unwrap returns the cause.
func (e *PermanentError) Unwrap() error { return e.Err }

// IsPermanent reports whether err is or wraps a PermanentError.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}

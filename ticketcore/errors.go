package ticketcore

import (
	"errors"
	"fmt"

	"github.com/deskmine/deskmine/internal/fieldmsg"
)

// Code is a machine-readable error code that the API maps to an HTTP status.
type Code string

// Error codes.
const (
	CodeInvalid           Code = "invalid"            // 422: a field's value is wrong
	CodeBadRequest        Code = "bad_request"        // 400: the request itself is malformed
	CodeNotFound          Code = "not_found"          // 404
	CodeConflict          Code = "version_conflict"   // 409: stale version
	CodeIllegalTransition Code = "illegal_transition" // 422
	CodeIdempotencyReuse  Code = "idempotency_key_reused"
	CodeForbidden         Code = "forbidden"
	CodeUnauthorized      Code = "unauthorized"
	CodePrecondition      Code = "precondition_required" // 428: If-Match missing
)

// Error is the typed error of the ticket core. Fields maps field names to the
// reason each one was refused.
type Error struct {
	Code    Code
	Message string
	Fields  map[string]string
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return e.Message
	}
	return e.Message + " (" + fieldmsg.Join(e.Fields) + ")"
}

// Invalid is a CodeInvalid error about one field.
func Invalid(field, reason string) *Error {
	return &Error{Code: CodeInvalid, Message: "invalid " + field, Fields: map[string]string{field: reason}}
}

// NotFound is a CodeNotFound error.
func NotFound(what string, id any) *Error {
	return &Error{Code: CodeNotFound, Message: fmt.Sprintf("%s %v not found", what, id)}
}

// ErrConflict is returned by stores when the version in an update is stale.
var ErrConflict = errors.New("version conflict")

// ErrRetry is returned by stores when a concurrent transaction created the
// same row first, or when the database aborted the transaction to break a
// deadlock; running the whole transaction again will see the other's work.
var ErrRetry = errors.New("concurrent insert; retry")

// ErrNotFound is returned by stores when a row does not exist.
var ErrNotFound = errors.New("not found")

// fieldErrors collects per-field problems and turns them into one *Error.
type fieldErrors map[string]string

func (f fieldErrors) add(field, reason string) {
	if _, ok := f[field]; !ok {
		f[field] = reason
	}
}

func (f fieldErrors) err() error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Code: CodeInvalid, Message: "validation failed", Fields: f}
}

// AsError extracts a *Error from err.
func AsError(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

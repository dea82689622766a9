package mailin

import "fmt"

// LimitError reports that a message is larger or more complex than the
// Limits allow. The HTTP layer maps it to 413 Payload Too Large; the IMAP
// poller should move the message aside instead of retrying it forever.
type LimitError struct {
	Limit string // the Limits field that was exceeded, e.g. "MaxBytes"
	Max   int64  // the limit in force
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("message exceeds %s of %d", e.Limit, e.Max)
}

// ParseError reports input that cannot be read as an email message at all,
// as opposed to the many small defects real mail has, which Parse tolerates.
// The HTTP layer maps it to 400 or 422.
type ParseError struct {
	Where  string // the header or MIME part concerned, e.g. "From" or "part 1.2"
	Reason string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("malformed message: %s: %s", e.Where, e.Reason)
}

// FieldError reports an Outgoing or template field that Compose or Render
// refuses to use.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("invalid %s: %s", e.Field, e.Reason)
}

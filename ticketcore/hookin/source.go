package hookin

import (
	"errors"
	"fmt"
	"net/http"
)

// Channels a source can feed.
const (
	ChannelChat   = "chat"
	ChannelSocial = "social"
	ChannelPhone  = "phone"
	ChannelIVR    = "ivr"
)

// MinSecretLen is the shortest secret Verify uses. Shorter secrets are
// ignored rather than trusted: an empty HMAC key is one anybody can sign
// with, and a short one can be guessed.
const MinSecretLen = 16

// maxSecrets bounds the secrets of a source; rotation needs two.
const maxSecrets = 8

// Source is one configured sender of webhooks.
type Source struct {
	// Name identifies the source in URLs, logs and the replay guard:
	// 1 to 64 of a-z, 0-9, '.', '_' and '-', starting with a letter or digit.
	Name string
	// Channel is one of ChannelChat, ChannelSocial, ChannelPhone, ChannelIVR.
	Channel string
	// Secrets are the active signing secrets, used as raw bytes (not
	// decoded from hex or base64). A request signed with any of them is
	// accepted, which lets a provider move to a new secret before the old
	// one is removed.
	Secrets [][]byte
	// CallingCode is the country calling code (e.g. "86") assumed for phone
	// numbers the source sends without one. Empty: such numbers are kept as
	// their digits, because guessing a country would merge the customers of
	// different countries.
	CallingCode string
}

// Errors, each mapped to an HTTP status by HTTPStatus. Returned errors wrap
// one of them (or are a *FieldError) and add detail for logs; the detail is
// safe to show to the sender, as it names only what the sender sent.
var (
	// ErrBodyTooLarge: the body is over Verifier.MaxBody (413).
	ErrBodyTooLarge = errors.New("body too large")
	// ErrMissingHeader: the timestamp or signature header is absent (401).
	ErrMissingHeader = errors.New("missing signature header")
	// ErrMalformedHeader: the timestamp or signature header is garbled (401).
	ErrMalformedHeader = errors.New("malformed signature header")
	// ErrSignatureMismatch: no signature matches any secret (401).
	ErrSignatureMismatch = errors.New("signature does not match")
	// ErrTimestampOutOfRange: the signed timestamp is too far from now (401).
	ErrTimestampOutOfRange = errors.New("signature timestamp outside tolerance")
	// ErrNoSecret: the source has no usable secret, so nothing can be
	// verified (401 to the sender; an operator should fix the source).
	ErrNoSecret = errors.New("source has no usable secret")
	// ErrMalformedJSON: the body is not one UTF-8 JSON object (400).
	ErrMalformedJSON = errors.New("malformed json")
	// ErrInvalidSource: the Source itself is misconfigured (500).
	ErrInvalidSource = errors.New("invalid source")
)

// FieldError is a refused field of a payload (422). Field is its JSON path,
// such as "customer.phone" or "attachments[0].url".
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

// HTTPStatus is the status to answer for an error of Verify, ReadBody or
// Parse: 401 for anything about authenticity, so that a sender without the
// secret learns nothing else; 413, 400 and 422 for bodies that are too big,
// not JSON, or wrong in a field; 500 for anything else.
func HTTPStatus(err error) int {
	var fe *FieldError
	switch {
	case err == nil:
		return http.StatusOK
	case errors.Is(err, ErrMissingHeader), errors.Is(err, ErrMalformedHeader),
		errors.Is(err, ErrSignatureMismatch), errors.Is(err, ErrTimestampOutOfRange),
		errors.Is(err, ErrNoSecret):
		return http.StatusUnauthorized
	case errors.Is(err, ErrBodyTooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, ErrMalformedJSON):
		return http.StatusBadRequest
	case errors.As(err, &fe):
		return http.StatusUnprocessableEntity
	default:
		return http.StatusInternalServerError
	}
}

// Validate checks a source's configuration; call it when loading sources so
// that a bad one fails at start-up rather than on its first message.
func (s Source) Validate() error {
	if !validName(s.Name) {
		return fmt.Errorf("%w: name %q must be 1 to 64 of a-z, 0-9, '.', '_', '-', starting with a letter or digit", ErrInvalidSource, s.Name)
	}
	if err := s.checkParsing(); err != nil {
		return err
	}
	if len(s.Secrets) > maxSecrets {
		return fmt.Errorf("%w: source %s has %d secrets, at most %d", ErrInvalidSource, s.Name, len(s.Secrets), maxSecrets)
	}
	for i, sec := range s.Secrets {
		if len(sec) < MinSecretLen {
			return fmt.Errorf("%w: secret %d of source %s is shorter than %d bytes", ErrInvalidSource, i, s.Name, MinSecretLen)
		}
	}
	if len(s.Secrets) == 0 {
		return fmt.Errorf("%w: source %s has no secret", ErrInvalidSource, s.Name)
	}
	return nil
}

// checkParsing checks what Parse depends on: the channel and calling code.
func (s Source) checkParsing() error {
	switch s.Channel {
	case ChannelChat, ChannelSocial, ChannelPhone, ChannelIVR:
	default:
		return fmt.Errorf("%w: channel %q must be chat, social, phone or ivr", ErrInvalidSource, s.Channel)
	}
	if s.CallingCode != "" && !validCallingCode(s.CallingCode) {
		return fmt.Errorf("%w: calling code %q must be 1 to 3 digits not starting with 0", ErrInvalidSource, s.CallingCode)
	}
	return nil
}

func validName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case (c == '.' || c == '_' || c == '-') && i > 0:
		default:
			return false
		}
	}
	return true
}

func validCallingCode(s string) bool {
	if s == "" || len(s) > 3 || s[0] == '0' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

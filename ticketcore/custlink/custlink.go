// Package custlink issues and checks the links Deskmine sends customers: to
// confirm that a ticket is resolved, and to rate it. A link carries its
// ticket, its purpose, an expiry and the resolution it was issued for, and
// is signed with the server's secret: a forged or altered link fails the
// signature, an old one its expiry, and a used one its resolution stamp (the
// service refuses a link whose resolution is no longer the ticket's, so each
// link works once without the server remembering it).
package custlink

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Purposes of a link.
const (
	Confirm = "confirm"
	Rate    = "csat"
)

// Errors of Check; the API answers each with its own status.
var (
	ErrMalformed = errors.New("the link is malformed")
	ErrForged    = errors.New("the link's signature does not match")
	ErrExpired   = errors.New("the link has expired")
	ErrPurpose   = errors.New("the link is for something else")
)

// Link is what a link says.
type Link struct {
	Purpose  string
	TicketID int64
	// Stamp is the ticket's resolution time (Unix microseconds) the link
	// was issued for.
	Stamp   int64
	Expires time.Time
}

// MinSecret is the shortest secret accepted.
const MinSecret = 32

// Issue signs a link.
func Issue(secret []byte, l Link) (string, error) {
	if len(secret) < MinSecret {
		return "", fmt.Errorf("custlink: secret shorter than %d bytes", MinSecret)
	}
	if l.Purpose != Confirm && l.Purpose != Rate {
		return "", fmt.Errorf("custlink: unknown purpose %q", l.Purpose)
	}
	body := make([]byte, 0, 1+8+8+8)
	body = append(body, purposeByte(l.Purpose))
	body = binary.BigEndian.AppendUint64(body, uint64(l.TicketID))
	body = binary.BigEndian.AppendUint64(body, uint64(l.Stamp))
	body = binary.BigEndian.AppendUint64(body, uint64(l.Expires.Unix()))
	enc := base64.RawURLEncoding
	return enc.EncodeToString(body) + "." + enc.EncodeToString(sign(secret, body)), nil
}

// Check verifies a token for purpose at now.
func Check(secret []byte, token, purpose string, now time.Time) (Link, error) {
	b64, sig64, ok := strings.Cut(token, ".")
	enc := base64.RawURLEncoding
	body, err1 := enc.DecodeString(b64)
	sig, err2 := enc.DecodeString(sig64)
	if !ok || err1 != nil || err2 != nil || len(body) != 25 || len(sig) != sha256.Size {
		return Link{}, ErrMalformed
	}
	// Constant time: a timing difference must not reveal a valid prefix.
	if !hmac.Equal(sig, sign(secret, body)) {
		return Link{}, ErrForged
	}
	l := Link{TicketID: int64(binary.BigEndian.Uint64(body[1:9])), Stamp: int64(binary.BigEndian.Uint64(body[9:17])),
		Expires: time.Unix(int64(binary.BigEndian.Uint64(body[17:25])), 0).UTC()}
	switch body[0] {
	case 'c':
		l.Purpose = Confirm
	case 'r':
		l.Purpose = Rate
	default:
		return Link{}, ErrMalformed
	}
	if l.Purpose != purpose {
		return Link{}, ErrPurpose
	}
	if !now.Before(l.Expires) {
		return Link{}, ErrExpired
	}
	return l, nil
}

func purposeByte(p string) byte {
	if p == Confirm {
		return 'c'
	}
	return 'r'
}

func sign(secret, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("deskmine customer link v1\x00"))
	m.Write(body)
	return m.Sum(nil)
}

package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Headers of a webhook request.
const (
	// HeaderSignature carries "t=<unix seconds>,v1=<hex HMAC-SHA256>", with
	// one v1 per secret while a secret is being rotated.
	HeaderSignature = "X-Deskmine-Signature"
	// HeaderEvent carries the Kind of the message.
	HeaderEvent = "X-Deskmine-Event"
	// HeaderDelivery carries the Delivery ID; it is the same on every retry
	// of a delivery, so a receiver deduplicates on it.
	HeaderDelivery = "X-Deskmine-Delivery"
)

// DefaultTolerance is how far a signature's timestamp may be from the
// receiver's clock when Verify is given no tolerance.
const DefaultTolerance = 5 * time.Minute

// maxSignatures bounds the v1 values Verify looks at; rotation needs two.
const maxSignatures = 8

// Errors of Verify; the returned error wraps one of them.
var (
	ErrNoSecret          = errors.New("no secret to verify with")
	ErrMalformedHeader   = errors.New("malformed signature header")
	ErrSignatureMismatch = errors.New("signature does not match")
	ErrStaleTimestamp    = errors.New("signature timestamp outside tolerance")
)

// Sign returns the value of the X-Deskmine-Signature header for body signed
// with secret at time t:
//
//	t=<t as unix seconds>,v1=<lowercase hex of HMAC-SHA256(secret, "<t as unix seconds>.<body>")>
//
// The timestamp is part of what is signed, so it cannot be changed without
// breaking the signature; that is what lets Verify refuse replays.
func Sign(secret string, body []byte, t time.Time) string {
	return signHeader(t, body, secret)
}

// signHeader signs body with every secret, in order, under one timestamp.
func signHeader(t time.Time, body []byte, secrets ...string) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	var b strings.Builder
	b.WriteString("t=")
	b.WriteString(ts)
	for _, s := range secrets {
		b.WriteString(",v1=")
		b.WriteString(hex.EncodeToString(mac(s, ts, body)))
	}
	return b.String()
}

func mac(secret, ts string, body []byte) []byte {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(ts))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// Verify checks a webhook request: header is its X-Deskmine-Signature value,
// body its raw body (before any JSON decoding), now the receiver's clock. It
// succeeds when one of the header's v1 values is the HMAC of the header's
// timestamp and body under secret (compared in constant time), and the
// timestamp is within tolerance of now, either way (tolerance <= 0 means
// DefaultTolerance). Unknown keys in the header (a future v2) are ignored.
//
// A receiver rotating its own secret calls Verify once with each secret.
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	if secret == "" {
		return ErrNoSecret
	}
	ts, sigs, err := parseSignatureHeader(header)
	if err != nil {
		return err
	}
	want := mac(secret, ts, body)
	ok := false
	for _, s := range sigs {
		if hmac.Equal(s, want) {
			ok = true
		}
	}
	if !ok {
		return ErrSignatureMismatch
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	sec, _ := strconv.ParseInt(ts, 10, 64) // checked by parseSignatureHeader
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: signed at %d, %s from now, tolerance %s", ErrStaleTimestamp, sec, d.Round(time.Second), tolerance)
	}
	return nil
}

// parseSignatureHeader returns the timestamp, exactly as signed, and the
// decoded v1 signatures of a signature header.
func parseSignatureHeader(h string) (ts string, sigs [][]byte, err error) {
	bad := func(why string) error { return fmt.Errorf("%w: %s", ErrMalformedHeader, why) }
	if h == "" {
		return "", nil, bad("empty")
	}
	if len(h) > 1024 {
		return "", nil, bad("too long")
	}
	seenT := false
	for part := range strings.SplitSeq(h, ",") {
		k, v, found := strings.Cut(strings.TrimSpace(part), "=")
		if !found {
			return "", nil, bad(fmt.Sprintf("element %q is not key=value", part))
		}
		switch k {
		case "t":
			if seenT {
				return "", nil, bad("more than one t")
			}
			seenT = true
			if !isUnixSeconds(v) {
				return "", nil, bad("t is not unix seconds")
			}
			ts = v
		case "v1":
			if len(sigs) == maxSignatures {
				return "", nil, bad("too many v1 values")
			}
			s, err := hex.DecodeString(v)
			if err != nil || len(s) != sha256.Size {
				return "", nil, bad("v1 is not a hex SHA-256 HMAC")
			}
			sigs = append(sigs, s)
		}
	}
	if !seenT {
		return "", nil, bad("no t")
	}
	if len(sigs) == 0 {
		return "", nil, bad("no v1")
	}
	return ts, sigs, nil
}

// isUnixSeconds accepts what strconv.FormatInt writes for a non-negative
// time: decimal digits without sign or leading zero.
func isUnixSeconds(s string) bool {
	if s == "" || len(s) > 18 || (s[0] == '0' && len(s) > 1) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

package hookin

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Headers of a signed webhook request.
const (
	HeaderTimestamp = "X-Deskmine-Timestamp"
	HeaderSignature = "X-Deskmine-Signature"
)

// Defaults of a zero Verifier.
const (
	DefaultTolerance = 5 * time.Minute
	DefaultMaxBody   = 256 << 10
)

const (
	// maxSignatures bounds the work one request can cause; rotation needs
	// two, a provider signing with every secret of a long history does not
	// need more.
	maxSignatures = 8
	// maxSignatureHeader bounds the header before it is split.
	maxSignatureHeader = 2048
	// maxTimestampDigits keeps the timestamp far from int64 overflow; twelve
	// digits reach past the year 30000.
	maxTimestampDigits = 12
	signaturePrefix    = "sha256="
)

// Verifier checks the signature of webhook requests. The zero value uses
// DefaultTolerance, DefaultMaxBody and time.Now.
type Verifier struct {
	// Tolerance is how far the signed timestamp may be from Now, either way.
	Tolerance time.Duration
	// MaxBody is the largest body accepted, in bytes.
	MaxBody int64
	// Now is the server's clock.
	Now func() time.Time
}

func (v Verifier) tolerance() time.Duration {
	if v.Tolerance <= 0 {
		return DefaultTolerance
	}
	return v.Tolerance
}

func (v Verifier) maxBody() int64 {
	if v.MaxBody <= 0 {
		return DefaultMaxBody
	}
	return v.MaxBody
}

func (v Verifier) now() time.Time {
	if v.Now == nil {
		return time.Now()
	}
	return v.Now()
}

// ReadBody reads a request body, stopping one byte past MaxBody so that an
// oversized body costs no more than that to refuse.
func (v Verifier) ReadBody(r io.Reader) ([]byte, error) {
	limit := v.maxBody()
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrBodyTooLarge, limit)
	}
	return b, nil
}

// Sign returns the X-Deskmine-Signature value for body sent at ts:
// "sha256=" and the lowercase hex HMAC-SHA256 of "<ts as unix seconds>.<body>"
// under secret. The matching X-Deskmine-Timestamp value is
// strconv.FormatInt(ts.Unix(), 10).
func Sign(secret []byte, ts time.Time, body []byte) string {
	return signaturePrefix + hex.EncodeToString(mac(secret, strconv.FormatInt(ts.Unix(), 10), body))
}

func mac(secret []byte, ts string, body []byte) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(ts))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// Verify checks that body, with header, was signed by src within the
// tolerance. It reads only the two signature headers and never parses the
// body, so a forged request is refused before any of it is interpreted.
// The error wraps ErrBodyTooLarge, ErrMissingHeader, ErrMalformedHeader,
// ErrNoSecret, ErrSignatureMismatch or ErrTimestampOutOfRange.
//
// The timestamp is checked after the signature so that only a holder of the
// secret learns that its clock is off.
func (v Verifier) Verify(src Source, header http.Header, body []byte) error {
	if limit := v.maxBody(); int64(len(body)) > limit {
		return fmt.Errorf("%w: %d bytes, at most %d", ErrBodyTooLarge, len(body), limit)
	}
	ts, sec, err := timestampHeader(header)
	if err != nil {
		return err
	}
	sigs, err := signatureHeader(header)
	if err != nil {
		return err
	}
	usable := 0
	ok := false
	for _, secret := range src.Secrets {
		if len(secret) < MinSecretLen {
			continue
		}
		usable++
		want := mac(secret, ts, body)
		for _, s := range sigs {
			// hmac.Equal takes the same time wherever the first difference
			// is, so a sender cannot find the signature byte by byte. No
			// early exit either: the loop costs the same whichever matches.
			if hmac.Equal(s, want) {
				ok = true
			}
		}
	}
	if usable == 0 {
		return fmt.Errorf("%w: source %s has no secret of at least %d bytes", ErrNoSecret, src.Name, MinSecretLen)
	}
	if !ok {
		return ErrSignatureMismatch
	}
	tol := v.tolerance()
	if d := v.now().Sub(time.Unix(sec, 0)); d > tol || d < -tol {
		return fmt.Errorf("%w: signed at %d, %s from the server's clock, tolerance %s", ErrTimestampOutOfRange, sec, d.Round(time.Second), tol)
	}
	return nil
}

// timestampHeader returns the timestamp exactly as sent, since that is what
// was signed, and its value.
func timestampHeader(h http.Header) (string, int64, error) {
	vals := h.Values(HeaderTimestamp)
	if len(vals) == 0 {
		return "", 0, fmt.Errorf("%w: no %s", ErrMissingHeader, HeaderTimestamp)
	}
	if len(vals) > 1 {
		return "", 0, fmt.Errorf("%w: more than one %s", ErrMalformedHeader, HeaderTimestamp)
	}
	ts := strings.Trim(vals[0], " \t")
	if ts == "" {
		return "", 0, fmt.Errorf("%w: empty %s", ErrMissingHeader, HeaderTimestamp)
	}
	// Only the form strconv.FormatInt writes, so that one time has one
	// signed text and "+1700000000" or "01700000000" are not alternatives.
	if len(ts) > maxTimestampDigits || (ts[0] == '0' && len(ts) > 1) {
		return "", 0, fmt.Errorf("%w: %s is not unix seconds", ErrMalformedHeader, HeaderTimestamp)
	}
	for i := 0; i < len(ts); i++ {
		if ts[i] < '0' || ts[i] > '9' {
			return "", 0, fmt.Errorf("%w: %s is not unix seconds", ErrMalformedHeader, HeaderTimestamp)
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return "", 0, fmt.Errorf("%w: %s is not unix seconds", ErrMalformedHeader, HeaderTimestamp)
	}
	return ts, sec, nil
}

// signatureHeader returns the decoded sha256 signatures. Several header
// lines count as one comma-separated list, as HTTP defines them.
func signatureHeader(h http.Header) ([][]byte, error) {
	vals := h.Values(HeaderSignature)
	if len(vals) == 0 {
		return nil, fmt.Errorf("%w: no %s", ErrMissingHeader, HeaderSignature)
	}
	total := 0
	for _, v := range vals {
		total += len(v) + 1
	}
	if total > maxSignatureHeader {
		return nil, fmt.Errorf("%w: %s is longer than %d bytes", ErrMalformedHeader, HeaderSignature, maxSignatureHeader)
	}
	joined := strings.Trim(strings.Join(vals, ","), " \t")
	if joined == "" {
		return nil, fmt.Errorf("%w: empty %s", ErrMissingHeader, HeaderSignature)
	}
	var sigs [][]byte
	for el := range strings.SplitSeq(joined, ",") {
		el = strings.Trim(el, " \t")
		scheme, val, found := strings.Cut(el, "=")
		if !found || !validScheme(scheme) || val == "" {
			return nil, fmt.Errorf("%w: %s element is not scheme=value", ErrMalformedHeader, HeaderSignature)
		}
		if scheme != "sha256" {
			continue
		}
		if len(sigs) == maxSignatures {
			return nil, fmt.Errorf("%w: more than %d sha256 signatures", ErrMalformedHeader, maxSignatures)
		}
		s, err := hex.DecodeString(val)
		if err != nil || len(s) != sha256.Size {
			return nil, fmt.Errorf("%w: sha256 value is not %d hex digits", ErrMalformedHeader, 2*sha256.Size)
		}
		sigs = append(sigs, s)
	}
	if len(sigs) == 0 {
		return nil, fmt.Errorf("%w: no sha256 signature in %s", ErrMalformedHeader, HeaderSignature)
	}
	return sigs, nil
}

// validScheme accepts names like sha256 or sha512 so that unknown schemes
// can be skipped, while anything else marks the header as garbled.
func validScheme(s string) bool {
	if s == "" || len(s) > 16 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// VerifyParse verifies body and only then parses it, the order a handler
// must keep so that nothing from an unauthenticated sender is interpreted.
func (v Verifier) VerifyParse(src Source, header http.Header, body []byte) (*Inbound, error) {
	if err := v.Verify(src, header, body); err != nil {
		return nil, err
	}
	return Parse(src, body)
}

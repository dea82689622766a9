package notify_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/deskmine/deskmine/ticketcore/notify"
)

const testSecret = "whsec_test_secret_0123456789"

var signedAt = time.Unix(1700000000, 0)

// A fixed vector, computed independently (Python's hmac module), so that
// receivers in other languages can check their implementation against it.
func TestSignKnownVector(t *testing.T) {
	body := []byte(`{"kind":"assignment","ticket_id":42}`)
	got := notify.Sign(testSecret, body, signedAt)
	want := "t=1700000000,v1=3ee166ddf9455a023ebf3f2e369c4cea2badaa4988e403df05e57e2dcbbe1822"
	if got != want {
		t.Fatalf("Sign = %q\nwant   %q", got, want)
	}
}

func TestSignVerifyRoundTrip(t *testing.T) {
	body := []byte(`{"id":"x","kind":"mention"}`)
	h := notify.Sign(testSecret, body, signedAt)
	if !regexp.MustCompile(`^t=1700000000,v1=[0-9a-f]{64}$`).MatchString(h) {
		t.Fatalf("header %q has the wrong shape", h)
	}
	for _, now := range []time.Time{signedAt, signedAt.Add(notify.DefaultTolerance), signedAt.Add(-notify.DefaultTolerance)} {
		if err := notify.Verify(testSecret, h, body, now, 0); err != nil {
			t.Errorf("verify at %s from signing: %v", now.Sub(signedAt), err)
		}
	}
	if err := notify.Verify(testSecret, h, body, signedAt.Add(time.Hour), 2*time.Hour); err != nil {
		t.Errorf("verify an hour later with a 2h tolerance: %v", err)
	}
	if err := notify.Verify(testSecret, " t=1700000000 , "+strings.TrimPrefix(h, "t=1700000000,")+",v9=future", body, signedAt, 0); err != nil {
		t.Errorf("spaces and an unknown scheme should be tolerated: %v", err)
	}
	if err := notify.Verify(testSecret, notify.Sign(testSecret, nil, signedAt), []byte{}, signedAt, 0); err != nil {
		t.Errorf("empty body: %v", err)
	}
}

func TestVerifyRefuses(t *testing.T) {
	body := []byte(`{"id":"x","kind":"sla_breach","ticket_id":9}`)
	h := notify.Sign(testSecret, body, signedAt)
	v1 := strings.TrimPrefix(h, "t=1700000000,")
	tests := []struct {
		name   string
		secret string
		header string
		body   string
		now    time.Time
		tol    time.Duration
		want   error
	}{
		{"wrong secret", "whsec_some_other_secret_000", h, string(body), signedAt, 0, notify.ErrSignatureMismatch},
		{"no secret", "", h, string(body), signedAt, 0, notify.ErrNoSecret},
		{"tampered body", testSecret, h, strings.Replace(string(body), "9", "8", 1), signedAt, 0, notify.ErrSignatureMismatch},
		{"body with a trailing newline", testSecret, h, string(body) + "\n", signedAt, 0, notify.ErrSignatureMismatch},
		{"tampered timestamp", testSecret, "t=1700000300," + v1, string(body), signedAt.Add(300 * time.Second), 0, notify.ErrSignatureMismatch},
		{"stale", testSecret, h, string(body), signedAt.Add(notify.DefaultTolerance + time.Second), 0, notify.ErrStaleTimestamp},
		{"from the future", testSecret, h, string(body), signedAt.Add(-notify.DefaultTolerance - time.Second), 0, notify.ErrStaleTimestamp},
		{"stale under a short tolerance", testSecret, h, string(body), signedAt.Add(31 * time.Second), 30 * time.Second, notify.ErrStaleTimestamp},
		{"empty header", testSecret, "", string(body), signedAt, 0, notify.ErrMalformedHeader},
		{"garbage", testSecret, "garbage", string(body), signedAt, 0, notify.ErrMalformedHeader},
		{"no v1", testSecret, "t=1700000000", string(body), signedAt, 0, notify.ErrMalformedHeader},
		{"only an unknown scheme", testSecret, "t=1700000000,v0=" + strings.TrimPrefix(v1, "v1="), string(body), signedAt, 0, notify.ErrMalformedHeader},
		{"no t", testSecret, v1, string(body), signedAt, 0, notify.ErrMalformedHeader},
		{"two t", testSecret, "t=1700000000,t=1700000000," + v1, string(body), signedAt, 0, notify.ErrMalformedHeader},
		{"t not a number", testSecret, "t=soon," + v1, string(body), signedAt, 0, notify.ErrMalformedHeader},
		{"t with a sign", testSecret, "t=+1700000000," + v1, string(body), signedAt, 0, notify.ErrMalformedHeader},
		{"t negative", testSecret, "t=-1700000000," + v1, string(body), signedAt, 0, notify.ErrMalformedHeader},
		{"t with a leading zero", testSecret, "t=01700000000," + v1, string(body), signedAt, 0, notify.ErrMalformedHeader},
		{"t in milliseconds overflowing", testSecret, "t=1700000000000000000000," + v1, string(body), signedAt, 0, notify.ErrMalformedHeader},
		{"v1 not hex", testSecret, "t=1700000000,v1=" + strings.Repeat("zz", 32), string(body), signedAt, 0, notify.ErrMalformedHeader},
		{"v1 too short", testSecret, "t=1700000000,v1=abcd", string(body), signedAt, 0, notify.ErrMalformedHeader},
		{"v1 upper-case prefix", testSecret, "T=1700000000,V1=" + strings.TrimPrefix(v1, "v1="), string(body), signedAt, 0, notify.ErrMalformedHeader},
		{"element without =", testSecret, h + ",v1", string(body), signedAt, 0, notify.ErrMalformedHeader},
		{"too many v1", testSecret, h + strings.Repeat(","+v1, 8), string(body), signedAt, 0, notify.ErrMalformedHeader},
		{"too long", testSecret, h + ",x=" + strings.Repeat("a", 2000), string(body), signedAt, 0, notify.ErrMalformedHeader},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := notify.Verify(tc.secret, tc.header, []byte(tc.body), tc.now, tc.tol)
			if !errors.Is(err, tc.want) {
				t.Errorf("Verify = %v, want %v", err, tc.want)
			}
		})
	}
}

// While an endpoint's secret is rotated, the header carries one v1 per
// secret and a receiver holding either one accepts it.
func TestVerifyRotatedSecrets(t *testing.T) {
	const oldSecret, newSecret = "whsec_old_secret_0123456789", "whsec_new_secret_0123456789"
	body := []byte(`{"kind":"escalation"}`)
	h := notify.Sign(newSecret, body, signedAt) + "," + strings.TrimPrefix(notify.Sign(oldSecret, body, signedAt), "t=1700000000,")
	if strings.Count(h, "v1=") != 2 {
		t.Fatalf("rotated header %q", h)
	}
	for _, s := range []string{oldSecret, newSecret} {
		if err := notify.Verify(s, h, body, signedAt, 0); err != nil {
			t.Errorf("verify with %s: %v", s, err)
		}
	}
	if err := notify.Verify("whsec_third_secret_0123456789", h, body, signedAt, 0); !errors.Is(err, notify.ErrSignatureMismatch) {
		t.Errorf("verify with an unrelated secret: %v", err)
	}
	// A stale rotated header is still stale.
	if err := notify.Verify(oldSecret, h, body, signedAt.Add(time.Hour), 0); !errors.Is(err, notify.ErrStaleTimestamp) {
		t.Errorf("verify an hour later: %v", err)
	}
}

package hookin

import (
	"bytes"
	"crypto/hmac"
	"encoding/hex"
	"errors"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

var (
	testSecret = []byte("whsec_deskmine_test_secret_01")
	oldSecret  = []byte("whsec_deskmine_old_secret_00")
	otherSecr  = []byte("whsec_somebody_else_secret_9")
	signedAt   = time.Unix(1714527000, 0)
)

// The vector was computed with openssl and Python's hmac module, not with
// this package, and appears in docs/intake-webhooks.md so that integrators
// can check their own code against it.
func TestSignKnownVector(t *testing.T) {
	body, err := os.ReadFile("testdata/signed.json")
	if err != nil {
		t.Fatal(err)
	}
	want := "sha256=6842cf89614c9389d195e09ecca84764bfa600536871eaa76810eea592d77d89"
	if got := Sign(testSecret, signedAt, body); got != want {
		t.Fatalf("Sign = %s\nwant   %s", got, want)
	}
}

func signed(secret []byte, ts time.Time, body []byte) http.Header {
	h := http.Header{}
	h.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	h.Set(HeaderSignature, Sign(secret, ts, body))
	return h
}

func testSource() Source {
	return Source{Name: "acme-chat", Channel: ChannelChat, Secrets: [][]byte{testSecret}}
}

func at(t time.Time) func() time.Time { return func() time.Time { return t } }

func TestVerifyAccepts(t *testing.T) {
	body := []byte(`{"event_id":"e1"}`)
	v := Verifier{Now: at(signedAt)}
	if err := v.Verify(testSource(), signed(testSecret, signedAt, body), body); err != nil {
		t.Fatalf("valid request: %v", err)
	}
	// An empty body can be signed too; Parse refuses it later.
	if err := v.Verify(testSource(), signed(testSecret, signedAt, nil), []byte{}); err != nil {
		t.Fatalf("empty body: %v", err)
	}
	// Optional whitespace around values and elements, upper-case hex, and
	// an unknown scheme next to sha256 are all fine.
	h := http.Header{}
	h.Set(HeaderTimestamp, " 1714527000 ")
	sig := strings.TrimPrefix(Sign(testSecret, signedAt, body), "sha256=")
	h.Set(HeaderSignature, " sha512=abcd , sha256="+strings.ToUpper(sig)+" ")
	if err := v.Verify(testSource(), h, body); err != nil {
		t.Fatalf("lenient header forms: %v", err)
	}
}

func TestVerifyRotation(t *testing.T) {
	body := []byte(`{"event_id":"rot"}`)
	v := Verifier{Now: at(signedAt)}
	both := Source{Name: "s", Channel: ChannelChat, Secrets: [][]byte{oldSecret, testSecret}}
	onlyNew := Source{Name: "s", Channel: ChannelChat, Secrets: [][]byte{testSecret}}
	ts := strconv.FormatInt(signedAt.Unix(), 10)
	oldSig, newSig, otherSig := Sign(oldSecret, signedAt, body), Sign(testSecret, signedAt, body), Sign(otherSecr, signedAt, body)
	tests := []struct {
		name   string
		src    Source
		values []string // X-Deskmine-Signature lines
		want   error
	}{
		{"old secret while both are active", both, []string{oldSig}, nil},
		{"new secret while both are active", both, []string{newSig}, nil},
		{"provider sends both", both, []string{oldSig + "," + newSig}, nil},
		{"provider sends both on two lines", both, []string{oldSig, newSig}, nil},
		{"unknown first, known second", both, []string{otherSig + ", " + newSig}, nil},
		{"old secret after it was removed", onlyNew, []string{oldSig}, ErrSignatureMismatch},
		{"list of wrong signatures", onlyNew, []string{oldSig + "," + otherSig}, ErrSignatureMismatch},
		{"short secrets are not used", Source{Name: "s", Channel: ChannelChat, Secrets: [][]byte{[]byte("short"), testSecret}}, []string{Sign([]byte("short"), signedAt, body)}, ErrSignatureMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{HeaderTimestamp: {ts}, HeaderSignature: tt.values}
			err := v.Verify(tt.src, h, body)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestVerifyTolerance(t *testing.T) {
	body := []byte(`{}`)
	h := signed(testSecret, signedAt, body)
	tests := []struct {
		name string
		tol  time.Duration
		now  time.Time
		ok   bool
	}{
		{"same second", 0, signedAt, true},
		{"exactly 5 min late", 0, signedAt.Add(5 * time.Minute), true},
		{"5 min 1 s late", 0, signedAt.Add(5*time.Minute + time.Second), false},
		{"exactly 5 min early", 0, signedAt.Add(-5 * time.Minute), true},
		{"5 min 1 s early", 0, signedAt.Add(-5*time.Minute - time.Second), false},
		{"a day late", 0, signedAt.Add(24 * time.Hour), false},
		{"custom 30 s, 30 s late", 30 * time.Second, signedAt.Add(30 * time.Second), true},
		{"custom 30 s, 31 s late", 30 * time.Second, signedAt.Add(31 * time.Second), false},
		{"custom 30 s, 31 s early", 30 * time.Second, signedAt.Add(-31 * time.Second), false},
		{"negative tolerance means default", -time.Second, signedAt.Add(4 * time.Minute), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verifier{Tolerance: tt.tol, Now: at(tt.now)}.Verify(testSource(), h, body)
			if tt.ok && err != nil {
				t.Fatalf("Verify = %v, want nil", err)
			}
			if !tt.ok && !errors.Is(err, ErrTimestampOutOfRange) {
				t.Fatalf("Verify = %v, want ErrTimestampOutOfRange", err)
			}
		})
	}
}

// Every refusal, each with its own error and status. Several cases carry a
// body that is not even JSON: Verify must refuse on the signature alone.
func TestVerifyRefuses(t *testing.T) {
	body := []byte(`{"event_id":"e1","text":"hi"}`)
	good := signed(testSecret, signedAt, body)
	ts := good.Get(HeaderTimestamp)
	sig := good.Get(HeaderSignature)
	hexSig := strings.TrimPrefix(sig, "sha256=")
	with := func(kv ...string) http.Header {
		h := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			h.Add(kv[i], kv[i+1])
		}
		return h
	}
	flipped := []byte(hexSig)
	flipped[63] ^= 1 // '9' -> '8': still hex, one bit wrong
	if flipped[63] == hexSig[63] {
		t.Fatal("flip did nothing")
	}
	tests := []struct {
		name   string
		v      Verifier
		src    Source
		header http.Header
		body   []byte
		want   error
		status int
	}{
		{"no headers", Verifier{}, testSource(), http.Header{}, body, ErrMissingHeader, 401},
		{"no timestamp", Verifier{}, testSource(), with(HeaderSignature, sig), body, ErrMissingHeader, 401},
		{"empty timestamp", Verifier{}, testSource(), with(HeaderTimestamp, " ", HeaderSignature, sig), body, ErrMissingHeader, 401},
		{"no signature", Verifier{}, testSource(), with(HeaderTimestamp, ts), body, ErrMissingHeader, 401},
		{"empty signature", Verifier{}, testSource(), with(HeaderTimestamp, ts, HeaderSignature, ""), body, ErrMissingHeader, 401},
		{"timestamp with letters", Verifier{}, testSource(), with(HeaderTimestamp, "17145x7000", HeaderSignature, sig), body, ErrMalformedHeader, 401},
		{"timestamp with sign", Verifier{}, testSource(), with(HeaderTimestamp, "+"+ts, HeaderSignature, sig), body, ErrMalformedHeader, 401},
		{"negative timestamp", Verifier{}, testSource(), with(HeaderTimestamp, "-1", HeaderSignature, sig), body, ErrMalformedHeader, 401},
		{"timestamp with leading zero", Verifier{}, testSource(), with(HeaderTimestamp, "0"+ts, HeaderSignature, sig), body, ErrMalformedHeader, 401},
		{"timestamp in milliseconds", Verifier{}, testSource(), with(HeaderTimestamp, ts+"000", HeaderSignature, sig), body, ErrMalformedHeader, 401},
		{"huge timestamp", Verifier{}, testSource(), with(HeaderTimestamp, "99999999999999999999999", HeaderSignature, sig), body, ErrMalformedHeader, 401},
		{"decimal timestamp", Verifier{}, testSource(), with(HeaderTimestamp, ts+".5", HeaderSignature, sig), body, ErrMalformedHeader, 401},
		{"two timestamps", Verifier{}, testSource(), with(HeaderTimestamp, ts, HeaderTimestamp, ts, HeaderSignature, sig), body, ErrMalformedHeader, 401},
		{"signature without scheme", Verifier{}, testSource(), with(HeaderTimestamp, ts, HeaderSignature, hexSig), body, ErrMalformedHeader, 401},
		{"signature with empty value", Verifier{}, testSource(), with(HeaderTimestamp, ts, HeaderSignature, "sha256="), body, ErrMalformedHeader, 401},
		{"signature not hex", Verifier{}, testSource(), with(HeaderTimestamp, ts, HeaderSignature, "sha256="+strings.Repeat("zz", 32)), body, ErrMalformedHeader, 401},
		{"signature too short", Verifier{}, testSource(), with(HeaderTimestamp, ts, HeaderSignature, sig[:len(sig)-2]), body, ErrMalformedHeader, 401},
		{"signature too long", Verifier{}, testSource(), with(HeaderTimestamp, ts, HeaderSignature, sig+"00"), body, ErrMalformedHeader, 401},
		{"signature base64", Verifier{}, testSource(), with(HeaderTimestamp, ts, HeaderSignature, "sha256=aGVsbG8gd29ybGQgaGVsbG8gd29ybGQgaGVsbG8gd29y"), body, ErrMalformedHeader, 401},
		{"trailing comma", Verifier{}, testSource(), with(HeaderTimestamp, ts, HeaderSignature, sig+","), body, ErrMalformedHeader, 401},
		{"upper-case scheme", Verifier{}, testSource(), with(HeaderTimestamp, ts, HeaderSignature, "SHA256="+hexSig), body, ErrMalformedHeader, 401},
		{"only an unknown scheme", Verifier{}, testSource(), with(HeaderTimestamp, ts, HeaderSignature, "sha512="+hexSig), body, ErrMalformedHeader, 401},
		{"notify's outbound format", Verifier{}, testSource(), with(HeaderTimestamp, ts, HeaderSignature, "t="+ts+",v1="+hexSig), body, ErrMalformedHeader, 401},
		{"too many signatures", Verifier{}, testSource(), with(HeaderTimestamp, ts, HeaderSignature, strings.Repeat(sig+",", 8)+sig), body, ErrMalformedHeader, 401},
		{"header too long", Verifier{}, testSource(), with(HeaderTimestamp, ts, HeaderSignature, sig+","+strings.Repeat("x=y,", 600)+"x=y"), body, ErrMalformedHeader, 401},
		{"one bit of the signature wrong", Verifier{}, testSource(), with(HeaderTimestamp, ts, HeaderSignature, "sha256="+string(flipped)), body, ErrSignatureMismatch, 401},
		{"other secret", Verifier{}, testSource(), signed(otherSecr, signedAt, body), body, ErrSignatureMismatch, 401},
		{"body changed", Verifier{}, testSource(), good, []byte(`{"event_id":"e2","text":"hi"}`), ErrSignatureMismatch, 401},
		{"body with a byte appended", Verifier{}, testSource(), good, append(append([]byte{}, body...), ' '), ErrSignatureMismatch, 401},
		{"timestamp changed", Verifier{}, testSource(), with(HeaderTimestamp, "1714527001", HeaderSignature, sig), body, ErrSignatureMismatch, 401},
		{"garbage body, forged signature", Verifier{}, testSource(), with(HeaderTimestamp, ts, HeaderSignature, "sha256="+strings.Repeat("ab", 32)), []byte("\x00\xff not json {{{"), ErrSignatureMismatch, 401},
		{"source without secrets", Verifier{}, Source{Name: "s", Channel: ChannelChat}, good, body, ErrNoSecret, 401},
		{"source with only an empty secret", Verifier{}, Source{Name: "s", Channel: ChannelChat, Secrets: [][]byte{{}}}, signed([]byte{}, signedAt, body), body, ErrNoSecret, 401},
		{"body over a custom limit", Verifier{MaxBody: 10}, testSource(), good, body, ErrBodyTooLarge, 413},
		{"body over the default limit", Verifier{}, testSource(), signed(testSecret, signedAt, bytes.Repeat([]byte("a"), DefaultMaxBody+1)), bytes.Repeat([]byte("a"), DefaultMaxBody+1), ErrBodyTooLarge, 413},
		{"over the limit and unsigned", Verifier{MaxBody: 10}, testSource(), http.Header{}, body, ErrBodyTooLarge, 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.v.Now == nil {
				tt.v.Now = at(signedAt)
			}
			err := tt.v.Verify(tt.src, tt.header, tt.body)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
			if got := HTTPStatus(err); got != tt.status {
				t.Fatalf("HTTPStatus(%v) = %d, want %d", err, got, tt.status)
			}
		})
	}
}

func TestVerifyBodyAtLimit(t *testing.T) {
	body := bytes.Repeat([]byte("a"), 100)
	v := Verifier{MaxBody: 100, Now: at(signedAt)}
	if err := v.Verify(testSource(), signed(testSecret, signedAt, body), body); err != nil {
		t.Fatalf("body of exactly MaxBody: %v", err)
	}
}

func TestReadBody(t *testing.T) {
	v := Verifier{MaxBody: 8}
	b, err := v.ReadBody(strings.NewReader("12345678"))
	if err != nil || string(b) != "12345678" {
		t.Fatalf("ReadBody at the limit = %q, %v", b, err)
	}
	r := &countingReader{r: strings.NewReader(strings.Repeat("x", 1<<20))}
	if _, err := v.ReadBody(r); !errors.Is(err, ErrBodyTooLarge) {
		t.Fatalf("ReadBody over the limit = %v", err)
	}
	if r.n > 64 {
		t.Fatalf("ReadBody read %d bytes of an oversized body, want it to stop near 9", r.n)
	}
	if _, err := v.ReadBody(errReader{}); err == nil || errors.Is(err, ErrBodyTooLarge) {
		t.Fatalf("ReadBody of a failing reader = %v", err)
	}
}

type countingReader struct {
	r interface{ Read([]byte) (int, error) }
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

// Constant-time comparison is checked by review, not by timing: Verify
// compares with hmac.Equal (crypto/subtle underneath), never with ==,
// bytes.Equal or a hex string comparison. This test fails if the source
// stops saying so, so that a change there gets a reviewer's attention.
func TestVerifyUsesConstantTimeCompare(t *testing.T) {
	src, err := os.ReadFile("verify.go")
	if err != nil {
		t.Fatal(err)
	}
	s := string(src)
	if !strings.Contains(s, "hmac.Equal(s, want)") {
		t.Fatal("verify.go no longer compares signatures with hmac.Equal")
	}
	for _, bad := range []string{"bytes.Equal", "string(s) ==", "== want", "hex.EncodeToString(want)"} {
		if strings.Contains(s, bad) {
			t.Fatalf("verify.go contains %q: signatures must be compared in constant time", bad)
		}
	}
}

func TestSignMatchesVerify(t *testing.T) {
	body := []byte("any bytes \x00\xff")
	got := Sign(testSecret, signedAt, body)
	raw, err := hex.DecodeString(strings.TrimPrefix(got, "sha256="))
	if err != nil {
		t.Fatal(err)
	}
	if !hmac.Equal(raw, mac(testSecret, "1714527000", body)) {
		t.Fatal("Sign disagrees with mac")
	}
	// Sub-second parts of the time are not signed: the header carries
	// whole seconds.
	if Sign(testSecret, signedAt.Add(999*time.Millisecond), body) != got {
		t.Fatal("Sign depends on sub-second time")
	}
}

// FuzzVerify: no input panics, and nothing verifies unless the header
// carries the HMAC of the timestamp and body under the source's secret, as
// computed independently here.
func FuzzVerify(f *testing.F) {
	for _, name := range []string{"chat.json", "social.json", "phone.json", "ivr.json", "signed.json"} {
		body, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add("1714527000", Sign(testSecret, signedAt, body), body)
		f.Add("1714527000", Sign(otherSecr, signedAt, body)+","+Sign(testSecret, signedAt, body), body)
		f.Add("1714527001", Sign(testSecret, signedAt, body), body)
	}
	f.Add("", "", []byte{})
	f.Add("0", "sha256=", []byte("{}"))
	f.Add("1714527000\n1714527000", "sha256=00,sha512=11", []byte("x"))
	f.Add(" 1714527000", "sha256="+strings.Repeat("0", 64)+"\n"+"x=y", []byte(nil))
	v := Verifier{Now: at(signedAt), MaxBody: 4096}
	src := Source{Name: "fuzz", Channel: ChannelChat, Secrets: [][]byte{oldSecret, testSecret}}
	f.Fuzz(func(t *testing.T, ts, sig string, body []byte) {
		h := http.Header{}
		// A newline in the fuzzed value stands for a second header line.
		if ts != "" {
			h[HeaderTimestamp] = strings.Split(ts, "\n")
		}
		if sig != "" {
			h[HeaderSignature] = strings.Split(sig, "\n")
		}
		err := v.Verify(src, h, body)
		if HTTPStatus(err) == 500 {
			t.Fatalf("Verify returned an unmapped error: %v", err)
		}
		if err != nil {
			return
		}
		stamp := strings.Trim(h.Get(HeaderTimestamp), " \t")
		found := false
		for _, secret := range src.Secrets {
			want := "sha256=" + hex.EncodeToString(mac(secret, stamp, body))
			for _, line := range h[HeaderSignature] {
				for el := range strings.SplitSeq(line, ",") {
					if strings.EqualFold(strings.Trim(el, " \t"), want) {
						found = true
					}
				}
			}
		}
		if !found {
			t.Fatalf("verified without a correct signature: ts=%q sig=%q body=%q", ts, sig, body)
		}
		// With none of the signing secrets, the same request must fail.
		stranger := Source{Name: "fuzz", Channel: ChannelChat, Secrets: [][]byte{[]byte("whsec_never_given_to_the_fuzzer")}}
		if err := v.Verify(stranger, h, body); !errors.Is(err, ErrSignatureMismatch) {
			t.Fatalf("verified with a secret that did not sign: %v", err)
		}
	})
}

func TestVerifyParse(t *testing.T) {
	body := readTestdata(t, "chat.json")
	src := testSource()
	v := Verifier{Now: at(signedAt)}
	in, err := v.VerifyParse(src, signed(testSecret, signedAt, body), body)
	if err != nil || in.EventID != "msg-8f14e45f" {
		t.Fatalf("VerifyParse = %+v, %v", in, err)
	}
	// A forged request with a body Parse would refuse: the signature error
	// comes first, so the body was never looked at.
	junk := []byte(`{"event_id": 1, "unknown": true`)
	if _, err := v.VerifyParse(src, signed(otherSecr, signedAt, junk), junk); !errors.Is(err, ErrSignatureMismatch) {
		t.Fatalf("VerifyParse(forged junk) = %v, want ErrSignatureMismatch", err)
	}
	// A genuine request with a bad body gets the parse error.
	var fe *FieldError
	if _, err := v.VerifyParse(src, signed(testSecret, signedAt, junk), junk); !errors.As(err, &fe) || fe.Field != "event_id" {
		t.Fatalf("VerifyParse(signed junk) = %v, want a FieldError on event_id", err)
	}
}

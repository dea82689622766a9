package custlink

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

var secret = bytes.Repeat([]byte("k"), 32)

func TestIssueCheck(t *testing.T) {
	now := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	l := Link{Purpose: Confirm, TicketID: 1042, Stamp: now.UnixMicro(), Expires: now.Add(72 * time.Hour)}
	tok, err := Issue(secret, l)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Check(secret, tok, Confirm, now.Add(time.Hour))
	if err != nil || got != l {
		t.Fatalf("check: %+v %v, want %+v", got, err, l)
	}
	for _, c := range []struct {
		name    string
		tok     string
		purpose string
		at      time.Time
		want    error
	}{
		{"expired", tok, Confirm, now.Add(72 * time.Hour), ErrExpired},
		{"other purpose", tok, Rate, now, ErrPurpose},
		{"other secret", mustIssue(t, bytes.Repeat([]byte("x"), 32), l), Confirm, now, ErrForged},
		{"altered ticket", alter(tok, 3), Confirm, now, ErrForged},
		{"altered signature", tok[:len(tok)-2] + "AA", Confirm, now, ErrForged},
		{"no dot", strings.ReplaceAll(tok, ".", ""), Confirm, now, ErrMalformed},
		{"empty", "", Confirm, now, ErrMalformed},
		{"junk", "a.b.c", Confirm, now, ErrMalformed},
	} {
		if _, err := Check(secret, c.tok, c.purpose, c.at); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if _, err := Issue([]byte("short"), l); err == nil {
		t.Error("a short secret is accepted")
	}
	if _, err := Issue(secret, Link{Purpose: "pay"}); err == nil {
		t.Error("an unknown purpose is accepted")
	}
}

func mustIssue(t *testing.T, s []byte, l Link) string {
	t.Helper()
	tok, err := Issue(s, l)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// alter flips one character of the body part.
func alter(tok string, i int) string {
	b := []byte(tok)
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

func FuzzCheck(f *testing.F) {
	now := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	tok, _ := Issue(secret, Link{Purpose: Rate, TicketID: 7, Stamp: 1, Expires: now.Add(time.Hour)})
	f.Add(tok)
	f.Add("")
	f.Add("....")
	f.Fuzz(func(t *testing.T, s string) {
		l, err := Check(secret, s, Rate, now)
		if err == nil && s != tok && l.TicketID != 7 {
			// Only a signed body passes; any other passing token must
			// carry a body the secret signed.
			t.Fatalf("an unsigned token passed: %q", s)
		}
	})
}

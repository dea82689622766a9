package ticketcore_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/ticketcore"
)

// verifier answers as told and counts the checks.
type verifier struct {
	err   error
	calls int
}

func (v *verifier) VerifyClose(context.Context, *ticketcore.Ticket) error {
	v.calls++
	return v.err
}

func TestClosedLoop(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			t0 := time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
			svc, clock := newClockedService(t, b, t0)
			v := &verifier{}
			if err := svc.SetLoop(ticketcore.LoopOptions{Secret: bytes.Repeat([]byte("s"), 32), LinkTTL: 48 * time.Hour, Verifier: v}); err != nil {
				t.Fatal(err)
			}
			ids := newTickets(t, svc, 3)
			if _, err := svc.CustomerLinks(ctx, ids[0]); codeOf(err) != ticketcore.CodeInvalid {
				t.Fatalf("links of an open ticket: %v", err)
			}
			resolve := func(id int64) *ticketcore.Links {
				t.Helper()
				clock.Advance(time.Minute)
				if _, err := svc.Transition(ctx, agent, id, 0, ticketcore.TransitionInput{To: "resolved", Resolution: "token reset"}); err != nil {
					t.Fatal(err)
				}
				l, err := svc.CustomerLinks(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				return l
			}
			yes, no := true, false

			// Confirm: closes, after the verification; a second use is gone.
			l := resolve(ids[0])
			v.err = errors.New("the service still answers 503")
			if _, err := svc.ConfirmByLink(ctx, l.Confirm, ticketcore.ConfirmInput{Resolved: &yes}); codeOf(err) != ticketcore.CodeNotVerified {
				t.Fatalf("confirm while the verification refuses: %v", err)
			}
			v.err = nil
			closed, err := svc.ConfirmByLink(ctx, l.Confirm, ticketcore.ConfirmInput{Resolved: &yes})
			if err != nil || closed.Status != "closed" {
				t.Fatalf("confirm: %+v %v", closed, err)
			}
			if ev := lastEvent(t, svc); ev.Actor.Name != "customer" || ev.Reason != "the customer confirmed the resolution" {
				t.Fatalf("confirm event: %+v", ev)
			}
			if _, err := svc.ConfirmByLink(ctx, l.Confirm, ticketcore.ConfirmInput{Resolved: &yes}); codeOf(err) != ticketcore.CodeLinkGone {
				t.Fatalf("reuse: %v", err)
			}
			// The survey link still works once after the close.
			if r, err := svc.RateByLink(ctx, l.Rate, ticketcore.CSATInput{Score: 5, Comment: "很快"}); err != nil || r.CSAT == nil || r.CSAT.Score != 5 {
				t.Fatalf("rate: %+v %v", r, err)
			}
			if _, err := svc.RateByLink(ctx, l.Rate, ticketcore.CSATInput{Score: 1}); codeOf(err) != ticketcore.CodeLinkGone {
				t.Fatalf("rate twice: %v", err)
			}
			// A link for one purpose does not do the other; forged and
			// garbled links are refused.
			if _, err := svc.RateByLink(ctx, l.Confirm, ticketcore.CSATInput{Score: 3}); codeOf(err) != ticketcore.CodeLinkInvalid {
				t.Fatalf("confirm link used to rate: %v", err)
			}
			forged := l.Confirm[:4] + strings.Map(func(r rune) rune {
				if r == 'A' {
					return 'B'
				}
				return 'A'
			}, l.Confirm[4:5]) + l.Confirm[5:]
			for _, tok := range []string{forged, "nonsense", ""} {
				if _, err := svc.ConfirmByLink(ctx, tok, ticketcore.ConfirmInput{Resolved: &yes}); codeOf(err) != ticketcore.CodeLinkInvalid {
					t.Errorf("forged %q: %v", tok, err)
				}
			}

			// "Not resolved" reopens with the customer's words; the link is
			// then used up, and a new resolution gets new links.
			l2 := resolve(ids[1])
			re, err := svc.ConfirmByLink(ctx, l2.Confirm, ticketcore.ConfirmInput{Resolved: &no, Comment: "还是连不上"})
			if err != nil || re.Status != "open" || re.ReopenCount != 1 || !strings.Contains(lastEvent(t, svc).Reason, "还是连不上") {
				t.Fatalf("not resolved: %+v %v", re, err)
			}
			if _, err := svc.ConfirmByLink(ctx, l2.Confirm, ticketcore.ConfirmInput{Resolved: &yes}); codeOf(err) != ticketcore.CodeLinkGone {
				t.Fatalf("the old resolution's link after a reopen: %v", err)
			}
			if _, err := svc.ConfirmByLink(ctx, "x", ticketcore.ConfirmInput{}); codeOf(err) != ticketcore.CodeInvalid {
				t.Fatalf("no answer: %v", err)
			}

			// Expiry.
			l3 := resolve(ids[2])
			clock.Advance(49 * time.Hour)
			if _, err := svc.ConfirmByLink(ctx, l3.Confirm, ticketcore.ConfirmInput{Resolved: &yes}); codeOf(err) != ticketcore.CodeLinkGone {
				t.Fatalf("expired: %v", err)
			}

			// Auto-close: ticket 3 was resolved 49 h ago, ticket 2 is open.
			v.err = errors.New("not yet")
			if n, err := svc.AutoClose(ctx, 24*time.Hour, 100); err != nil || n != 0 {
				t.Fatalf("auto-close while the verification refuses: %d %v", n, err)
			}
			v.err = nil
			if n, err := svc.AutoClose(ctx, 72*time.Hour, 100); err != nil || n != 0 {
				t.Fatalf("auto-close before the time: %d %v", n, err)
			}
			if n, err := svc.AutoClose(ctx, 24*time.Hour, 100); err != nil || n != 1 {
				t.Fatalf("auto-close: %d %v", n, err)
			}
			if t3, _ := svc.Get(ctx, ids[2]); t3.Status != "closed" {
				t.Fatalf("ticket 3 is %s", t3.Status)
			}
			// Agents' closes are verified too.
			v.err = errors.New("down")
			if _, err := svc.Transition(ctx, agent, ids[1], 0, ticketcore.TransitionInput{To: "closed"}); codeOf(err) != ticketcore.CodeNotVerified {
				t.Fatalf("agent close while the verification refuses: %v", err)
			}
		})
	}
}

func TestSetLoopRefusesAShortSecret(t *testing.T) {
	svc, _ := newClockedService(t, testdb.Backends()[0], time.Now())
	if err := svc.SetLoop(ticketcore.LoopOptions{Secret: []byte("short")}); err == nil {
		t.Fatal("a short secret is accepted")
	}
}

// Package imapin polls a mailbox over IMAP and hands every unread message
// to the ticket intake. A message is marked \Seen only after the intake
// stored it (or refused it for good), so a crash or a failed write leaves
// it unread for the next poll: nothing is lost, and the intake's
// de-duplication by Message-ID makes a second delivery harmless.
package imapin

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/client"
)

// Handle stores one raw message. An error wrapping ErrRejected means the
// message can never be stored (malformed, too large): it is marked read
// and left in the mailbox; any other error stops the poll for a retry.
type Handle func(ctx context.Context, raw []byte) error

// ErrRejected marks a message the intake refuses for good.
var ErrRejected = errors.New("message rejected")

// Poller reads one mailbox.
type Poller struct {
	Addr     string // host:port
	TLS      bool   // implicit TLS (port 993); otherwise STARTTLS when offered
	Username string
	Password string
	Mailbox  string // "" is INBOX
	Handle   Handle
	Logger   *slog.Logger
	// Insecure skips certificate checks (tests only).
	Insecure bool
}

// PollOnce stores every unread message and returns how many it stored.
func (p *Poller) PollOnce(ctx context.Context) (int, error) {
	c, err := p.dial()
	if err != nil {
		return 0, fmt.Errorf("imap connect %s: %w", p.Addr, err)
	}
	defer c.Logout()
	if err := c.Login(p.Username, p.Password); err != nil {
		return 0, fmt.Errorf("imap login: %w", err)
	}
	box := p.Mailbox
	if box == "" {
		box = "INBOX"
	}
	if _, err := c.Select(box, false); err != nil {
		return 0, fmt.Errorf("imap select %s: %w", box, err)
	}
	crit := imap.NewSearchCriteria()
	crit.WithoutFlags = []string{imap.SeenFlag}
	uids, err := c.UidSearch(crit)
	if err != nil {
		return 0, fmt.Errorf("imap search: %w", err)
	}
	stored := 0
	for _, uid := range uids {
		if err := ctx.Err(); err != nil {
			return stored, err
		}
		raw, err := fetch(c, uid)
		if err != nil {
			return stored, err
		}
		if err := p.Handle(ctx, raw); err != nil {
			if !errors.Is(err, ErrRejected) {
				return stored, fmt.Errorf("imap message %d: %w", uid, err)
			}
			p.log().Warn("imap message rejected; marked read", "mailbox", box, "uid", uid, "err", err)
		} else {
			stored++
		}
		set := new(imap.SeqSet)
		set.AddNum(uid)
		if err := c.UidStore(set, imap.FormatFlagsOp(imap.AddFlags, true), []any{imap.SeenFlag}, nil); err != nil {
			return stored, fmt.Errorf("imap mark %d read: %w", uid, err)
		}
	}
	return stored, nil
}

func (p *Poller) dial() (*client.Client, error) {
	cfg := &tls.Config{InsecureSkipVerify: p.Insecure} //nolint:gosec // only when the operator asks for it
	if p.TLS {
		return client.DialTLS(p.Addr, cfg)
	}
	c, err := client.Dial(p.Addr)
	if err != nil {
		return nil, err
	}
	if ok, _ := c.SupportStartTLS(); ok {
		if err := c.StartTLS(cfg); err != nil {
			c.Logout()
			return nil, err
		}
	}
	return c, nil
}

// fetch reads one message's full source without setting \Seen (BODY.PEEK).
func fetch(c *client.Client, uid uint32) ([]byte, error) {
	set := new(imap.SeqSet)
	set.AddNum(uid)
	section := &imap.BodySectionName{Peek: true}
	msgs := make(chan *imap.Message, 1)
	done := make(chan error, 1)
	go func() { done <- c.UidFetch(set, []imap.FetchItem{section.FetchItem()}, msgs) }()
	var raw []byte
	for m := range msgs {
		if r := m.GetBody(section); r != nil {
			b, err := io.ReadAll(r)
			if err != nil {
				return nil, fmt.Errorf("imap read %d: %w", uid, err)
			}
			raw = b
		}
	}
	if err := <-done; err != nil {
		return nil, fmt.Errorf("imap fetch %d: %w", uid, err)
	}
	if raw == nil {
		return nil, fmt.Errorf("imap fetch %d: no body", uid)
	}
	return raw, nil
}

// Run polls every interval until ctx ends.
func (p *Poller) Run(ctx context.Context, every time.Duration) error {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := p.PollOnce(ctx); err != nil && ctx.Err() == nil {
			p.log().Warn("imap poll failed", "addr", p.Addr, "err", err)
		} else if n > 0 {
			p.log().Info("imap messages stored", "count", n)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func (p *Poller) log() *slog.Logger {
	if p.Logger == nil {
		return slog.Default()
	}
	return p.Logger
}

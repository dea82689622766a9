package imapin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/backend/memory"
	"github.com/emersion/go-imap/client"
	"github.com/emersion/go-imap/server"
)

// startIMAP runs a real IMAP server (go-imap's, memory backend; its INBOX
// holds one read message) and returns its address.
func startIMAP(t *testing.T) string {
	t.Helper()
	s := server.New(memory.New())
	s.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.Serve(ln) }()
	t.Cleanup(func() { _ = s.Close() })
	return ln.Addr().String()
}

// deliver appends an unread message over IMAP, as a mail server would.
func deliver(t *testing.T, addr, subject string) {
	t.Helper()
	c, err := client.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Logout()
	if err := c.Login("username", "password"); err != nil {
		t.Fatal(err)
	}
	msg := fmt.Sprintf("From: li@example.cn\r\nTo: support@example.com\r\nSubject: %s\r\nMessage-ID: <%s@example.cn>\r\n\r\nbody of %s\r\n", subject, subject, subject)
	if err := c.Append("INBOX", nil, time.Now(), bytes.NewBufferString(msg)); err != nil {
		t.Fatal(err)
	}
}

func unseen(t *testing.T, addr string) int {
	t.Helper()
	c, err := client.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Logout()
	if err := c.Login("username", "password"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select("INBOX", true); err != nil {
		t.Fatal(err)
	}
	crit := imap.NewSearchCriteria()
	crit.WithoutFlags = []string{imap.SeenFlag}
	ids, err := c.Search(crit)
	if err != nil {
		t.Fatal(err)
	}
	return len(ids)
}

func TestPollOnce(t *testing.T) {
	addr := startIMAP(t)
	for _, s := range []string{"one", "two", "bad", "three"} {
		deliver(t, addr, s)
	}
	var mu sync.Mutex
	var got []string
	fail := errors.New("store down")
	failing := true
	p := &Poller{Addr: addr, Username: "username", Password: "password", Handle: func(_ context.Context, raw []byte) error {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case bytes.Contains(raw, []byte("Subject: bad")):
			return fmt.Errorf("%w: unreadable", ErrRejected)
		case failing && bytes.Contains(raw, []byte("Subject: two")):
			return fail
		}
		got = append(got, string(raw[bytes.Index(raw, []byte("Subject: "))+9:][:3]))
		return nil
	}}
	// The store fails on "two": the poll stops there, "one" is read, the
	// rest stays unread for the next poll.
	n, err := p.PollOnce(context.Background())
	if !errors.Is(err, fail) || n != 1 || unseen(t, addr) != 3 {
		t.Fatalf("first poll: %d stored, %v, %d unread", n, err, unseen(t, addr))
	}
	failing = false
	n, err = p.PollOnce(context.Background())
	if err != nil || n != 2 || unseen(t, addr) != 0 {
		t.Fatalf("second poll: %d stored, %v, %d unread", n, err, unseen(t, addr))
	}
	if fmt.Sprint(got) != "[one two thr]" {
		t.Fatalf("stored %v", got)
	}
	// Nothing new: nothing stored.
	if n, err := p.PollOnce(context.Background()); err != nil || n != 0 {
		t.Fatalf("idle poll: %d %v", n, err)
	}
	bad := &Poller{Addr: addr, Username: "username", Password: "nope", Handle: p.Handle}
	if _, err := bad.PollOnce(context.Background()); err == nil {
		t.Fatal("a wrong password polled")
	}
}

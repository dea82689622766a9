package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

type inbox struct {
	mu   sync.Mutex
	msgs [][]byte
}

type smtpSession struct{ box *inbox }

func (s smtpSession) Reset()                               {}
func (s smtpSession) Logout() error                        { return nil }
func (s smtpSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s smtpSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	s.box.mu.Lock()
	s.box.msgs = append(s.box.msgs, b)
	s.box.mu.Unlock()
	return err
}

func (b *inbox) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.msgs)
}

// TestServeMailsCustomers: with a relay configured, an agent's public reply
// reaches the customer by mail, an internal note does not.
func TestServeMailsCustomers(t *testing.T) {
	box := &inbox{}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return smtpSession{box}, nil }))
	srv.Domain = "localhost"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	t.Setenv("DESKMINE_MAIL__SMTP_ADDR", ln.Addr().String())
	t.Setenv("DESKMINE_MAIL__FROM", "support@deskmine.example")
	t.Setenv("DESKMINE_MAIL__PUBLIC_URL", "https://help.example.com")

	data := t.TempDir()
	token := adminToken(t, "--data", data)
	addr, stop := serve(t, data, "--mine-interval", "0")
	defer stop()
	base := "http://" + addr + "/api/v1"
	var tk struct{ ID int64 }
	if code := apiCall(t, "POST", base+"/tickets", token, `{"subject":"发票开错了","channel":"email","customer":{"email":"li@example.cn"}}`, &tk); code != 201 {
		t.Fatalf("create: %d", code)
	}
	for _, c := range []string{`{"body":"INTERNAL: check the ledger first","public":false}`, `{"body":"我们已重新开具发票。","public":true}`} {
		if code := apiCall(t, "POST", fmt.Sprintf("%s/tickets/%d/comments", base, tk.ID), token, c, nil); code != 201 && code != 200 {
			t.Fatalf("comment: %d", code)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for box.count() < 1 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // an internal note, were it mailed, would follow
	box.mu.Lock()
	defer box.mu.Unlock()
	if len(box.msgs) != 1 || bytes.Contains(box.msgs[0], []byte("INTERNAL")) || !bytes.Contains(box.msgs[0], []byte(fmt.Sprintf("[#%d]", tk.ID))) {
		t.Fatalf("%d mails: %q", len(box.msgs), box.msgs)
	}
}

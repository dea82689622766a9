package main

import (
	"bytes"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/backend/memory"
	"github.com/emersion/go-imap/client"
	"github.com/emersion/go-imap/server"
)

// TestServePollsAMailbox: a mail waiting in the IMAP mailbox becomes a
// ticket once serve polls.
func TestServePollsAMailbox(t *testing.T) {
	s := server.New(memory.New())
	s.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.Serve(ln) }()
	defer s.Close()
	c, err := client.Dial(ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Login("username", "password"); err != nil {
		t.Fatal(err)
	}
	msg := "From: Li Wei <li.wei@example.cn>\r\nTo: support@example.com\r\nSubject: =?UTF-8?B?5Y+R56Wo5byA6ZSZ5LqG?=\r\n" +
		"Message-ID: <imap-1@example.cn>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n请帮我重开发票\r\n"
	if err := c.Append("INBOX", nil, time.Now(), bytes.NewBufferString(msg)); err != nil {
		t.Fatal(err)
	}
	c.Logout()
	t.Setenv("DESKMINE_MAIL__IMAP_ADDR", ln.Addr().String())
	t.Setenv("DESKMINE_MAIL__IMAP_USER", "username")
	t.Setenv("DESKMINE_MAIL__IMAP_PASSWORD", "password")

	data := t.TempDir()
	token := adminToken(t, "--data", data)
	addr, stop := serve(t, data, "--mine-interval", "0")
	defer stop()
	var page struct {
		Tickets []struct {
			Subject string
			Channel string
		}
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		apiCall(t, "GET", "http://"+addr+"/api/v1/tickets", token, "", &page)
		if len(page.Tickets) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no ticket from the mailbox after 30s")
		}
	}
	if !strings.Contains(page.Tickets[0].Subject, "发票开错了") || page.Tickets[0].Channel != "email" {
		t.Fatalf("ticket: %+v", page.Tickets[0])
	}
}

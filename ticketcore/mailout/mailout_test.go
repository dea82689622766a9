package mailout

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/events"
	"github.com/deskmine/deskmine/ticketcore/mailin"
)

// mailbox is a real SMTP server (go-smtp) that keeps what it receives.
type mailbox struct {
	mu   sync.Mutex
	msgs []received
}

type received struct {
	from string
	to   []string
	data []byte
}

type session struct {
	box  *mailbox
	from string
	to   []string
}

func (s *session) Reset()        {}
func (s *session) Logout() error { return nil }
func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.box.mu.Lock()
	defer s.box.mu.Unlock()
	s.box.msgs = append(s.box.msgs, received{from: s.from, to: s.to, data: b})
	return nil
}

func startSMTP(t *testing.T) (*mailbox, string) {
	t.Helper()
	box := &mailbox{}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{box: box}, nil }))
	srv.Domain = "localhost"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return box, ln.Addr().String()
}

// links stands in for the ticket service at its one seam.
type links struct{ err error }

func (l links) CustomerLinks(_ context.Context, id int64) (*ticketcore.Links, error) {
	if l.err != nil {
		return nil, l.err
	}
	return &ticketcore.Links{Confirm: "CONFIRM-TOKEN", Rate: "RATE-TOKEN", Expires: time.Now().Add(time.Hour)}, nil
}

func ticket() events.Ticket {
	return events.Ticket{ID: 1042, Subject: "VPN 连接失败", ExternalID: "mail:first@example.cn", Status: "open",
		Customer: events.Customer{Email: "li.wei@example.cn", Name: "李伟"}}
}

func TestMailer(t *testing.T) {
	box, addr := startSMTP(t)
	m := &Mailer{From: mailin.Address{Name: "Deskmine", Email: "support@deskmine.example"}, Domain: "deskmine.example",
		PublicURL: "https://help.example.com/", Sender: SMTP{Addr: addr}, Links: links{}}
	agent := events.Actor{ID: 3, Name: "wang.fang", Role: "agent"}
	at := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	reply := events.Event{TicketID: 1042, TicketVersion: 3, Type: events.TicketCommented, At: at, Actor: agent,
		Comment: &events.Comment{ID: 7, Body: "请重启一下客户端 / please restart the client", Public: true}, Ticket: ticket()}
	note := reply
	note.TicketVersion, note.Comment = 4, &events.Comment{ID: 8, Body: "INTERNAL: customer is difficult", Public: false}
	custReply := reply
	custReply.TicketVersion, custReply.Actor = 5, events.Actor{Name: "customer", Role: "customer"}
	resolved := events.Event{TicketID: 1042, TicketVersion: 6, Type: events.TicketStatusChanged, At: at, Actor: agent, Ticket: ticket(),
		Changes: []events.Change{{Field: "resolved_at", Old: json.RawMessage("null"), New: json.RawMessage(`"2026-05-04T10:00:00Z"`)}}}
	resolved.Ticket.Resolution, resolved.Ticket.Status = "Reset the VPN token.", "resolved"
	if err := m.Handle(context.Background(), []events.Event{reply, note, custReply, resolved}); err != nil {
		t.Fatal(err)
	}
	if len(box.msgs) != 2 {
		t.Fatalf("%d mails, want 2 (the reply and the resolution; no internal note, no echo of the customer)", len(box.msgs))
	}
	for _, got := range box.msgs {
		if bytes.Contains(got.data, []byte("INTERNAL")) {
			t.Fatal("an internal note went out by mail")
		}
		if got.from != "support@deskmine.example" || len(got.to) != 1 || got.to[0] != "li.wei@example.cn" {
			t.Fatalf("envelope: %+v", got)
		}
	}
	first, err := mailin.Parse(bytes.NewReader(box.msgs[0].data), mailin.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if id, _, ok := mailin.ParseOutgoingMessageID(first.MessageID); !ok || id != 1042 {
		t.Errorf("Message-ID %q does not name the ticket", first.MessageID)
	}
	if ref, ok := mailin.TicketRef(first.Subject); !ok || ref != 1042 || !strings.Contains(first.Subject, "VPN 连接失败") {
		t.Errorf("subject %q", first.Subject)
	}
	if len(first.InReplyTo) != 1 || first.InReplyTo[0] != "first@example.cn" || !strings.Contains(first.Text, "请重启一下客户端") || !first.AutoReply {
		t.Errorf("reply mail: in-reply-to %v, auto %v, text %q", first.InReplyTo, first.AutoReply, first.Text)
	}
	second, err := mailin.Parse(bytes.NewReader(box.msgs[1].data), mailin.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(second.Text, "https://help.example.com/confirm?token=CONFIRM-TOKEN") || !strings.Contains(second.Text, "rate?token=RATE-TOKEN") {
		t.Errorf("resolution mail lacks the links: %q", second.Text)
	}
	// The same event mails the same message again (a redelivery after a crash).
	if err := m.Handle(context.Background(), []events.Event{reply}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(box.msgs[2].data, box.msgs[0].data) {
		t.Error("a redelivered event composed a different message")
	}
	// A failing relay fails the batch, so the stream retries it.
	bad := &Mailer{From: m.From, Domain: m.Domain, Sender: SMTP{Addr: "127.0.0.1:1"}, Links: links{}}
	if err := bad.Handle(context.Background(), []events.Event{reply}); err == nil {
		t.Error("a send to a dead relay succeeded")
	}
	// A ticket reopened before its resolution mail goes out needs no mail.
	gone := &Mailer{From: m.From, Domain: m.Domain, Sender: SMTP{Addr: addr}, Links: links{err: &ticketcore.Error{Code: ticketcore.CodeInvalid}}}
	if err := gone.Handle(context.Background(), []events.Event{resolved}); err != nil {
		t.Errorf("resolution mail for a reopened ticket: %v", err)
	}
	other := &Mailer{From: m.From, Domain: m.Domain, Sender: SMTP{Addr: addr}, Links: links{err: errors.New("db down")}}
	if err := other.Handle(context.Background(), []events.Event{resolved}); err == nil {
		t.Error("a store failure while issuing links was swallowed")
	}
}

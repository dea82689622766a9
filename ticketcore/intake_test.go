package ticketcore_test

import (
	"context"
	"testing"

	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/events"
	"github.com/deskmine/deskmine/ticketcore/storetest"
)

func TestReceive(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			svc, _ := storetest.NewService(t, b, nil)
			mailbox := ticketcore.Actor{Name: "mail-in", Role: "system"}
			li := ticketcore.CustomerInput{Email: "Li.Wei@Example.cn"}
			first := ticketcore.Inbound{Channel: "email", Customer: li, Subject: "VPN 连接失败", Body: "从今天早上开始连不上",
				DedupKey: "mail:<a1@example.cn>", NewThread: "mail:a1@example.cn"}
			r, err := svc.Receive(ctx, mailbox, first)
			if err != nil || !r.Created || r.Ticket.ExternalID != "mail:a1@example.cn" || r.Ticket.Channel != "email" {
				t.Fatalf("first message: %+v %v", r, err)
			}
			id := r.Ticket.ID
			n := len(allEvents(t, svc))
			// The same message again (a retried delivery) changes nothing.
			if again, err := svc.Receive(ctx, mailbox, first); err != nil || !again.Duplicate || again.Ticket.ID != id || len(allEvents(t, svc)) != n {
				t.Fatalf("duplicate: %+v %v", again, err)
			}
			// A reply in the thread is a public comment on the ticket.
			reply := ticketcore.Inbound{Channel: "email", Customer: ticketcore.CustomerInput{Email: "li.wei@example.cn"}, Body: "还是不行",
				DedupKey: "mail:<a2@example.cn>", Threads: []string{"mail:nothing@x", "mail:a1@example.cn"}, NewThread: "mail:a2@example.cn"}
			r2, err := svc.Receive(ctx, mailbox, reply)
			if err != nil || r2.Created || r2.Ticket.ID != id {
				t.Fatalf("reply: %+v %v", r2, err)
			}
			ev := lastEvent(t, svc)
			if ev.Type != events.TicketCommented || ev.Comment == nil || !ev.Comment.Public || ev.Comment.Body != "还是不行" {
				t.Fatalf("reply event: %+v", ev)
			}
			// A reply after the resolution reopens the ticket.
			if _, err := svc.Transition(ctx, agent, id, 0, ticketcore.TransitionInput{To: "resolved"}); err != nil {
				t.Fatal(err)
			}
			reply.DedupKey = "mail:<a3@example.cn>"
			r3, err := svc.Receive(ctx, mailbox, reply)
			if err != nil || !r3.Reopened || r3.Ticket.Status != "open" || r3.Ticket.ReopenCount != 1 || lastEvent(t, svc).Reason != "the customer replied" {
				t.Fatalf("reply to a resolved ticket: %+v %v", r3, err)
			}
			// Naming the ticket directly works for its customer only: someone
			// else's message that claims it opens a ticket of their own.
			named := ticketcore.Inbound{Channel: "email", Customer: li, Body: "by id", DedupKey: "mail:<a4@x>", TicketID: id}
			if r4, err := svc.Receive(ctx, mailbox, named); err != nil || r4.Created || r4.Ticket.ID != id {
				t.Fatalf("reply naming the ticket: %+v %v", r4, err)
			}
			forged := ticketcore.Inbound{Channel: "email", Customer: ticketcore.CustomerInput{Email: "mallory@evil.example"}, Body: "let me in",
				DedupKey: "mail:<m1@evil>", TicketID: id, Threads: []string{"mail:a1@example.cn"}, NewThread: "mail:m1@evil"}
			r5, err := svc.Receive(ctx, mailbox, forged)
			if err != nil || !r5.Created || r5.Ticket.ID == id {
				t.Fatalf("a stranger's reply landed on the ticket: %+v %v", r5, err)
			}
			if r5.Ticket.Subject != "let me in" {
				t.Errorf("subject from the body: %q", r5.Ticket.Subject)
			}
			// Bad input.
			if _, err := svc.Receive(ctx, mailbox, ticketcore.Inbound{Channel: "email", Customer: li, DedupKey: "k"}); err == nil {
				t.Error("an empty message is accepted")
			}
			if _, err := svc.Receive(ctx, mailbox, ticketcore.Inbound{Channel: "email", Customer: li, Body: "x"}); err == nil {
				t.Error("a message without a dedup key is accepted")
			}
		})
	}
}

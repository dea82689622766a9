package notify_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/notify"
	"github.com/deskmine/deskmine/ticketcore/notify/notifytest"
)

func newNotifier(t *testing.T, s *notifytest.MemStore, clock *fakeClock, onEnqueue func()) *notify.Notifier {
	t.Helper()
	seq := 0
	n, err := notify.NewNotifier(s, s, s, notify.NotifierOptions{
		Now:       clock.Now,
		NewID:     func() string { seq++; return fmt.Sprintf("id-%d", seq) },
		OnEnqueue: onEnqueue,
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestNotifyFansOut(t *testing.T) {
	ctx := context.Background()
	s := notifytest.NewMemStore()
	clock := newFakeClock()
	all := s.PutEndpoint(notify.Endpoint{URL: "https://a.example/h", Secret: testSecret, Active: true})
	s.PutEndpoint(notify.Endpoint{URL: "https://b.example/h", Secret: testSecret, Active: true, Kinds: []notify.Kind{notify.KindMention}})
	s.PutEndpoint(notify.Endpoint{URL: "https://c.example/h", Secret: testSecret, Active: false})
	sla := s.PutEndpoint(notify.Endpoint{URL: "https://d.example/h", Secret: testSecret, Active: true, Kinds: []notify.Kind{notify.KindSLABreach, notify.KindAssignment}})
	kicks := 0
	n := newNotifier(t, s, clock, func() { kicks++ })

	m, err := n.Notify(ctx, notify.Message{Kind: notify.KindAssignment, TicketID: 42, UserIDs: []int64{7, 8}, Title: "Ticket #42 assigned to you", Body: "Printer on fire"})
	if err != nil {
		t.Fatalf("notify: %v", err)
	}
	if m.ID != "id-1" || m.SchemaVersion != notify.PayloadVersion || !m.At.Equal(clock.Now()) {
		t.Errorf("message as sent: %+v", m)
	}
	for _, u := range []int64{7, 8} {
		p, err := n.List(ctx, u, notify.ListRequest{})
		if err != nil || len(p.Notifications) != 1 || p.Unread != 1 {
			t.Fatalf("user %d: %+v, %v", u, p, err)
		}
		got := p.Notifications[0]
		if got.UserID != u || got.Kind != notify.KindAssignment || got.TicketID != 42 || got.Title != m.Title || got.Body != m.Body || !got.CreatedAt.Equal(clock.Now()) || got.ReadAt != nil {
			t.Errorf("user %d notification: %+v", u, got)
		}
	}
	ds := s.Deliveries()
	if len(ds) != 2 || ds[0].EndpointID != all.ID || ds[1].EndpointID != sla.ID {
		t.Fatalf("deliveries %+v; want one each to endpoints %d and %d", ds, all.ID, sla.ID)
	}
	if ds[0].ID == ds[1].ID || ds[0].ID == m.ID {
		t.Errorf("delivery ids %q, %q (message %q) must all differ", ds[0].ID, ds[1].ID, m.ID)
	}
	var sent notify.Message
	if err := json.Unmarshal(ds[0].Payload, &sent); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(sent) != fmt.Sprint(m) {
		t.Errorf("payload decodes to %+v, want %+v", sent, m)
	}
	if d := ds[0]; d.Status != notify.StatusPending || d.Kind != notify.KindAssignment || !d.NextAttemptAt.Equal(clock.Now()) || d.Attempts != 0 {
		t.Errorf("delivery: %+v", d)
	}
	if kicks != 1 {
		t.Errorf("OnEnqueue called %d times, want 1", kicks)
	}

	// A kind nobody but "all" wants, and no in-app recipients.
	if _, err := n.Notify(ctx, notify.Message{Kind: notify.KindEscalation, TicketID: 42, Title: "Escalated"}); err != nil {
		t.Fatal(err)
	}
	if ds := s.Deliveries(); len(ds) != 3 || ds[2].EndpointID != all.ID {
		t.Errorf("escalation deliveries: %+v", ds)
	}
}

func TestNotifyRefusesBadMessages(t *testing.T) {
	s := notifytest.NewMemStore()
	n := newNotifier(t, s, newFakeClock(), nil)
	for name, m := range map[string]notify.Message{
		"kind":      {Kind: "paged", TicketID: 1, Title: "x"},
		"ticket_id": {Kind: notify.KindMention, Title: "x"},
		"title":     {Kind: notify.KindMention, TicketID: 1, Title: "  "},
		"user_ids":  {Kind: notify.KindMention, TicketID: 1, Title: "x", UserIDs: []int64{3, 0}},
		"body":      {Kind: notify.KindMention, TicketID: 1, Title: "x", Body: string(make([]byte, notify.MaxBodyLen+1))},
	} {
		_, err := n.Notify(context.Background(), m)
		if e, ok := ticketcore.AsError(err); !ok || e.Code != ticketcore.CodeInvalid || e.Fields[name] == "" {
			t.Errorf("%s: %v, want an invalid %s", name, err, name)
		}
	}
	if len(s.Deliveries()) != 0 {
		t.Errorf("refused messages were enqueued")
	}
	if c, _ := n.UnreadCount(context.Background(), 3); c != 0 {
		t.Errorf("refused messages were stored")
	}
}

func TestNotificationListAndRead(t *testing.T) {
	ctx := context.Background()
	s := notifytest.NewMemStore()
	clock := newFakeClock()
	n := newNotifier(t, s, clock, nil)
	notifyUser := func(user int64, title string) {
		t.Helper()
		clock.Advance(time.Minute)
		if _, err := n.Notify(ctx, notify.Message{Kind: notify.KindMention, TicketID: 5, UserIDs: []int64{user}, Title: title}); err != nil {
			t.Fatal(err)
		}
	}
	for i := 1; i <= 5; i++ {
		notifyUser(1, fmt.Sprint("n", i))
		notifyUser(2, fmt.Sprint("other", i))
	}
	titles := func(p notify.Page) string {
		var out []string
		for _, x := range p.Notifications {
			out = append(out, x.Title)
		}
		return fmt.Sprint(out)
	}
	// Paging, newest first, own notifications only.
	var pages []string
	cursor := ""
	for range 5 {
		p, err := n.List(ctx, 1, notify.ListRequest{Cursor: cursor, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, titles(p))
		if p.Unread != 5 {
			t.Errorf("unread %d, want 5 on every page", p.Unread)
		}
		if cursor = p.NextCursor; cursor == "" {
			break
		}
	}
	if got := fmt.Sprint(pages); got != "[[n5 n4] [n3 n2] [n1]]" {
		t.Errorf("pages %s", got)
	}

	// Read one; the unread filter and count follow.
	first, _ := n.List(ctx, 1, notify.ListRequest{})
	n4 := first.Notifications[1]
	clock.Advance(time.Minute)
	readAt := clock.Now()
	if err := n.MarkRead(ctx, 1, n4.ID); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)
	if err := n.MarkRead(ctx, 1, n4.ID); err != nil {
		t.Errorf("marking read twice: %v", err)
	}
	p, _ := n.List(ctx, 1, notify.ListRequest{})
	if r := p.Notifications[1].ReadAt; r == nil || !r.Equal(readAt) {
		t.Errorf("read at %v, want %v (the first mark)", r, readAt)
	}
	if p.Unread != 4 {
		t.Errorf("unread %d, want 4", p.Unread)
	}
	p, _ = n.List(ctx, 1, notify.ListRequest{UnreadOnly: true, Limit: 3})
	if titles(p) != "[n5 n3 n2]" || p.NextCursor == "" {
		t.Errorf("unread page: %s next %q", titles(p), p.NextCursor)
	}
	p, _ = n.List(ctx, 1, notify.ListRequest{UnreadOnly: true, Limit: 3, Cursor: p.NextCursor})
	if titles(p) != "[n1]" || p.NextCursor != "" {
		t.Errorf("second unread page: %s next %q", titles(p), p.NextCursor)
	}

	// Another user's notification is not found, and stays unread.
	other, _ := n.List(ctx, 2, notify.ListRequest{Limit: 1})
	err := n.MarkRead(ctx, 1, other.Notifications[0].ID)
	if e, ok := ticketcore.AsError(err); !ok || e.Code != ticketcore.CodeNotFound {
		t.Errorf("marking another user's notification: %v, want not found", err)
	}
	if c, _ := n.UnreadCount(ctx, 2); c != 5 {
		t.Errorf("user 2 unread %d, want 5", c)
	}

	// Mark all read up to what the client has seen (n3): n5 stays unread.
	n3 := first.Notifications[2]
	if c, err := n.MarkAllRead(ctx, 1, n3.ID); err != nil || c != 3 {
		t.Errorf("mark all read up to n3: %d, %v; want 3 (n3, n2, n1)", c, err)
	}
	p, _ = n.List(ctx, 1, notify.ListRequest{UnreadOnly: true})
	if titles(p) != "[n5]" || p.Unread != 1 {
		t.Errorf("after mark all up to n3: %s unread %d", titles(p), p.Unread)
	}
	if c, err := n.MarkAllRead(ctx, 1, 0); err != nil || c != 1 {
		t.Errorf("mark all read: %d, %v; want 1", c, err)
	}
	if c, _ := n.UnreadCount(ctx, 1); c != 0 {
		t.Errorf("unread %d after mark all", c)
	}
	p, _ = n.List(ctx, 1, notify.ListRequest{UnreadOnly: true})
	if p.Notifications == nil || len(p.Notifications) != 0 {
		t.Errorf("empty page should list [] not null: %#v", p.Notifications)
	}
}

func TestNotificationListRefusesBadRequests(t *testing.T) {
	n := newNotifier(t, notifytest.NewMemStore(), newFakeClock(), nil)
	for field, r := range map[string][]notify.ListRequest{
		"cursor": {{Cursor: "garbage!"}, {Cursor: "bjE6MA"} /* n1:0 */, {Cursor: "eDox"} /* x:1 */, {Cursor: "bjE6MDE"} /* n1:01 */},
		"limit":  {{Limit: -1}, {Limit: notify.MaxPageSize + 1}},
	} {
		for _, req := range r {
			_, err := n.List(context.Background(), 1, req)
			if e, ok := ticketcore.AsError(err); !ok || e.Code != ticketcore.CodeInvalid || e.Fields[field] == "" {
				t.Errorf("%+v: %v, want invalid %s", req, err, field)
			}
		}
	}
	if _, err := n.MarkAllRead(context.Background(), 1, -1); err == nil {
		t.Errorf("negative up_to accepted")
	}
}

// From Notify to a receiver that verifies the signature and decodes the message.
func TestNotifyToReceiverEndToEnd(t *testing.T) {
	e := newEnv(t, nil)
	d := e.dispatcher(t)
	n := newNotifier(t, e.store, e.clock, d.Kick)
	stop := start(t, d)
	m, err := n.Notify(context.Background(), notify.Message{Kind: notify.KindSLAWarning, TicketID: 9, Title: "SLA due in 15 minutes"})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "the webhook", func() bool { return len(e.rc.requests()) == 1 })
	stop(5 * time.Second)
	r := e.rc.requests()[0]
	if err := notify.Verify(testSecret, r.Signature, r.Body, e.clock.Now(), 0); err != nil {
		t.Fatalf("verify: %v", err)
	}
	var got notify.Message
	if err := json.Unmarshal(r.Body, &got); err != nil {
		t.Fatal(err)
	}
	if got.ID != m.ID || got.Kind != notify.KindSLAWarning || got.TicketID != 9 || r.Event != "sla_warning" || r.Delivery == "" || r.Delivery == m.ID {
		t.Errorf("received %+v with headers %+v", got, r)
	}
}

func TestNotificationValidate(t *testing.T) {
	ok := notify.Notification{UserID: 1, Kind: notify.KindEscalation, TicketID: 2, Title: "Escalated to tier 2", CreatedAt: time.Now()}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid notification: %v", err)
	}
	bad := notify.Notification{Kind: "paged", Title: string([]byte{0xff}), Body: string(make([]rune, notify.MaxBodyLen+1))}
	e, isTyped := ticketcore.AsError(bad.Validate())
	if !isTyped || e.Code != ticketcore.CodeInvalid {
		t.Fatalf("invalid notification: %v", bad.Validate())
	}
	for _, f := range []string{"user_id", "kind", "ticket_id", "title", "body", "created_at"} {
		if e.Fields[f] == "" {
			t.Errorf("no complaint about %s in %v", f, e)
		}
	}
	if _, err := notify.NewNotifier(nil, nil, nil, notify.NotifierOptions{}); err == nil {
		t.Errorf("a notifier without a store was made")
	}
	s := notifytest.NewMemStore()
	if _, err := notify.NewNotifier(s, s, nil, notify.NotifierOptions{}); err == nil {
		t.Errorf("a notifier with endpoints but no delivery store was made")
	}
	if _, err := notify.NewNotifier(s, nil, nil, notify.NotifierOptions{}); err != nil {
		t.Errorf("a notifier without webhooks: %v", err)
	}
}

// TestNotifySpike: a spike is about no ticket (ticket_id 0, allowed for
// this kind only) and carries the spike as data in the webhook payload,
// not in the in-app notification.
func TestNotifySpike(t *testing.T) {
	ctx := context.Background()
	s := notifytest.NewMemStore()
	spikes := s.PutEndpoint(notify.Endpoint{URL: "https://a.example/h", Secret: testSecret, Active: true, Kinds: []notify.Kind{notify.KindSpike}})
	s.PutEndpoint(notify.Endpoint{URL: "https://b.example/h", Secret: testSecret, Active: true, Kinds: []notify.Kind{notify.KindAssignment}})
	n := newNotifier(t, s, newFakeClock(), nil)
	data := json.RawMessage(`{"dimension":"category","value":"vpn","count":86}`)
	m, err := n.Notify(ctx, notify.Message{Kind: notify.KindSpike, UserIDs: []int64{3}, Title: "Spike: category=vpn 86 tickets", Data: data})
	if err != nil {
		t.Fatalf("spike without a ticket: %v", err)
	}
	p, err := n.List(ctx, 3, notify.ListRequest{})
	if err != nil || len(p.Notifications) != 1 || p.Notifications[0].Kind != notify.KindSpike || p.Notifications[0].TicketID != 0 {
		t.Fatalf("in-app: %+v, %v", p, err)
	}
	ds := s.Deliveries()
	if len(ds) != 1 || ds[0].EndpointID != spikes.ID || ds[0].Kind != notify.KindSpike {
		t.Fatalf("deliveries %+v; want one to the spike endpoint", ds)
	}
	var sent struct {
		ID       string          `json:"id"`
		Kind     string          `json:"kind"`
		TicketID *int64          `json:"ticket_id"`
		Data     json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(ds[0].Payload, &sent); err != nil {
		t.Fatal(err)
	}
	if sent.ID != m.ID || sent.Kind != "spike" || sent.TicketID == nil || *sent.TicketID != 0 || string(sent.Data) != string(data) {
		t.Errorf("payload %s", ds[0].Payload)
	}
	// Without data the field is left out, as before it existed.
	if _, err := n.Notify(ctx, notify.Message{Kind: notify.KindMention, TicketID: 5, Title: "x"}); err != nil {
		t.Fatal(err)
	}
	for _, d := range s.Deliveries() {
		if d.Kind == notify.KindMention && strings.Contains(string(d.Payload), `"data"`) {
			t.Errorf("payload without data has the field: %s", d.Payload)
		}
	}

	for name, m := range map[string]notify.Message{
		"ticket_id": {Kind: notify.KindSpike, TicketID: -1, Title: "x"},
		"data":      {Kind: notify.KindSpike, Title: "x", Data: json.RawMessage(`{"open":`)},
	} {
		_, err := n.Notify(ctx, m)
		if e, ok := ticketcore.AsError(err); !ok || e.Code != ticketcore.CodeInvalid || e.Fields[name] == "" {
			t.Errorf("%s: %v, want an invalid %s", name, err, name)
		}
	}
	big := json.RawMessage(`"` + strings.Repeat("x", notify.MaxDataLen) + `"`)
	if _, err := n.Notify(ctx, notify.Message{Kind: notify.KindSpike, Title: "x", Data: big}); err == nil {
		t.Error("data over the limit was accepted")
	}
	ok := notify.Notification{UserID: 1, Kind: notify.KindSpike, Title: "Spike", CreatedAt: time.Now()}
	if err := ok.Validate(); err != nil {
		t.Errorf("spike notification without a ticket: %v", err)
	}
	ok.Kind = notify.KindAssignment
	if e, isTyped := ticketcore.AsError(ok.Validate()); !isTyped || e.Fields["ticket_id"] == "" {
		t.Errorf("assignment without a ticket: %v", ok.Validate())
	}
}

package api_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/ticketcore/auth"
	"github.com/deskmine/deskmine/ticketcore/mailin"
)

func readSample(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("../mailin/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestMailIntake threads real-world messages: a GBK Outlook mail opens a
// ticket, replies by In-Reply-To and to Deskmine's own Message-ID continue
// it, a stranger's reply does not, auto-replies are not stored.
func TestMailIntake(t *testing.T) {
	e := newEnv(t, testdb.Backends()[0])
	post := func(role auth.Role, raw []byte, ct string) resp {
		t.Helper()
		return e.do(role, "POST", "/api/v1/intake/email", string(raw), "Content-Type", ct)
	}
	var res struct {
		TicketID  int64 `json:"ticket_id"`
		Created   bool
		Duplicate bool
		Ignored   string
	}
	first := readSample(t, "outlook_gbk.eml")
	parsed, err := mailin.Parse(bytes.NewReader(first), mailin.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	r := post(auth.RoleClient, first, "message/rfc822")
	r.json(t, &res)
	if r.Status != http.StatusCreated || !res.Created {
		t.Fatalf("first mail: %d %s", r.Status, r.Body)
	}
	id := res.TicketID
	tk, err := e.svc.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if tk.Subject != parsed.Subject || tk.Channel != "email" || tk.Customer.Email != "zhang.wei@example.cn" {
		t.Fatalf("ticket from the GBK mail: subject %q (want %q), %+v", tk.Subject, parsed.Subject, tk.Customer)
	}
	if r := post(auth.RoleClient, first, "message/rfc822"); r.Status != 200 || !bytes.Contains(r.Body, []byte(`"duplicate":true`)) {
		t.Fatalf("the same mail again: %d %s", r.Status, r.Body)
	}
	// The same mail under another Message-ID (sent twice) is stored once too.
	resent := bytes.Replace(first, []byte("Message-ID: <000001db8c9a$1f2e3d40$5d6cb7c0$@Example.CN>"), []byte("Message-ID: <resent-1@example.cn>"), 1)
	if bytes.Equal(resent, first) {
		t.Fatal("the sample's Message-ID was not replaced")
	}
	if r := post(auth.RoleClient, resent, "message/rfc822"); r.Status != 200 || !bytes.Contains(r.Body, []byte(`"duplicate":true`)) {
		t.Fatalf("the same mail under another id: %d %s", r.Status, r.Body)
	}
	reply := func(from, inReplyTo, body string) []byte {
		raw, err := mailin.Compose(mailin.Outgoing{From: mailin.Address{Email: from}, To: []mailin.Address{{Email: "support@deskmine.example"}},
			Subject: "回复：" + parsed.Subject, Text: body, InReplyTo: inReplyTo, Date: time.Date(2025, 3, 5, 8, 0, 0, 0, time.UTC),
			MessageID: fmt.Sprintf("r%d@example.cn", len(body))})
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	for _, c := range []struct {
		name, from, inReplyTo, body string
		sameTicket                  bool
	}{
		{"reply to the customer's mail", "Zhang.Wei@example.cn", parsed.MessageID, "补充：截图见附件", true},
		{"reply to Deskmine's answer", "zhang.wei@example.cn", mailin.OutgoingMessageID(id, 7, "deskmine.example"), "谢谢，已经好了。", true},
		{"a stranger replying", "mallory@evil.example", mailin.OutgoingMessageID(id, 7, "deskmine.example"), "I take over this ticket now", false},
	} {
		r := post(auth.RoleAdmin, reply(c.from, c.inReplyTo, c.body), "message/rfc822")
		var got struct {
			TicketID int64 `json:"ticket_id"`
			Created  bool
		}
		r.json(t, &got)
		if (got.TicketID == id) != c.sameTicket || got.Created == c.sameTicket {
			t.Errorf("%s: %d %s", c.name, r.Status, r.Body)
		}
	}
	r = post(auth.RoleClient, readSample(t, "auto_reply.eml"), "message/rfc822")
	r.json(t, &res)
	if r.Status != http.StatusAccepted || res.Ignored == "" {
		t.Fatalf("auto-reply: %d %s", r.Status, r.Body)
	}
	if r := post(auth.RoleClient, first, "text/plain"); r.Status != http.StatusUnsupportedMediaType {
		t.Fatalf("wrong content type: %d", r.Status)
	}
	if r := post(auth.RoleAgent, first, "message/rfc822"); r.Status != http.StatusForbidden {
		t.Fatalf("agent posting mail: %d", r.Status)
	}
	if r := post(auth.RoleClient, []byte("\x00\x01 not mail"), "message/rfc822"); r.Status < 400 || r.Status >= 500 {
		t.Fatalf("garbage: %d %s", r.Status, r.Body)
	}
}

package api_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/ticketcore/auth"
	"github.com/deskmine/deskmine/ticketcore/hookin"
)

// TestWebhookIntake: a signed chat message opens a ticket, its conversation
// continues it, a repeat is a duplicate; unsigned, forged, stale and
// oversized requests are refused and store nothing.
func TestWebhookIntake(t *testing.T) {
	e := newEnv(t, testdb.Backends()[0])
	secret := []byte("0123456789abcdef0123456789abcdef")
	src := map[string]any{"name": "wechat", "channel": "chat", "secrets": []string{base64.StdEncoding.EncodeToString(secret)}, "calling_code": "86"}
	if r := e.do(auth.RoleManager, "POST", "/api/v1/intake-sources", src); r.Status != http.StatusForbidden {
		t.Fatalf("manager creates a source: %d", r.Status)
	}
	if r := e.do(auth.RoleAdmin, "POST", "/api/v1/intake-sources", map[string]any{"name": "x", "channel": "fax", "secrets": []string{}}); r.Status != 422 {
		t.Fatalf("bad source: %d %s", r.Status, r.Body)
	}
	if r := e.do(auth.RoleAdmin, "POST", "/api/v1/intake-sources", src); r.Status != http.StatusCreated {
		t.Fatalf("create source: %d %s", r.Status, r.Body)
	}
	msg := func(event, text string) string {
		return fmt.Sprintf(`{"event_id": %q, "conversation_id": "conv-1", "occurred_at": "2026-05-01T09:30:00+08:00",
			"customer": {"external_id": "wx-openid-123", "phone": "138 0013 8000", "name": "李雷"}, "text": %q}`, event, text)
	}
	send := func(body string, sign func(string) (string, string)) resp {
		ts, sig := sign(body)
		return e.do("", "POST", "/api/v1/intake/hook/wechat", body, "X-Deskmine-Timestamp", ts, "X-Deskmine-Signature", sig)
	}
	good := func(body string) (string, string) {
		now := time.Now()
		return fmt.Sprint(now.Unix()), hookin.Sign(secret, now, []byte(body))
	}
	events := func() int {
		evs, err := e.svc.Events(context.Background(), 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		return len(evs)
	}
	before := events()
	for _, c := range []struct {
		name   string
		body   string
		sign   func(string) (string, string)
		status int
	}{
		{"no signature", msg("m0", "hi"), func(string) (string, string) { return "", "" }, 401},
		{"forged", msg("m0", "hi"), func(b string) (string, string) {
			now := time.Now()
			return fmt.Sprint(now.Unix()), hookin.Sign([]byte("another-secret-of-32-bytes-long!!"), now, []byte(b))
		}, 401},
		{"altered body", msg("m0", "hi"), func(string) (string, string) { return good(msg("m0", "changed")) }, 401},
		{"stale", msg("m0", "hi"), func(b string) (string, string) {
			old := time.Now().Add(-time.Hour)
			return fmt.Sprint(old.Unix()), hookin.Sign(secret, old, []byte(b))
		}, 401},
		{"too large", msg("m0", strings.Repeat("x", 300<<10)), good, 413},
		{"unknown field", `{"event_id": "m0", "colour": 1}`, good, 422},
	} {
		if r := send(c.body, c.sign); r.Status != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, r.Status, r.Body, c.status)
		}
	}
	if n := events(); n != before {
		t.Fatalf("refused requests stored %d events", n-before)
	}
	r := send(msg("m1", "我的订单还没到"), good)
	var res struct {
		TicketID  int64 `json:"ticket_id"`
		Created   bool
		Duplicate bool
	}
	r.json(t, &res)
	if r.Status != http.StatusCreated || !res.Created {
		t.Fatalf("first message: %d %s", r.Status, r.Body)
	}
	tk, err := e.svc.Get(context.Background(), res.TicketID)
	if err != nil || tk.Channel != "chat" || tk.Customer.Phone != "+8613800138000" || tk.Subject != "我的订单还没到" {
		t.Fatalf("ticket: %+v %v", tk, err)
	}
	if r := send(msg("m1", "我的订单还没到"), good); r.Status != 200 || !strings.Contains(string(r.Body), `"duplicate":true`) {
		t.Fatalf("repeat: %d %s", r.Status, r.Body)
	}
	if r := send(msg("m2", "还在等"), good); r.Status != 200 || !strings.Contains(string(r.Body), fmt.Sprintf(`"ticket_id":%d`, res.TicketID)) {
		t.Fatalf("same conversation: %d %s", r.Status, r.Body)
	}
	// The same text again under a new event id (the customer pressed send
	// twice) is stored once.
	n := events()
	if r := send(msg("m3", "还在等"), good); r.Status != 200 || !strings.Contains(string(r.Body), `"duplicate":true`) || events() != n {
		t.Fatalf("identical message: %d %s", r.Status, r.Body)
	}
	if r := e.do("", "POST", "/api/v1/intake/hook/nowhere", msg("m4", "x")); r.Status != 404 {
		t.Fatalf("unknown source: %d", r.Status)
	}
}

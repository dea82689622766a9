package closecheck

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/deskmine/deskmine/ticketcore/events"
)

func TestVerifyClose(t *testing.T) {
	var got struct{ Ticket events.Ticket }
	answer, status := `{"ok": true}`, 200
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("request %s %s", r.Method, r.Header.Get("Content-Type"))
		}
		_ = json.NewDecoder(r.Body).Decode(&got)
		w.WriteHeader(status)
		_, _ = w.Write([]byte(answer))
	}))
	defer srv.Close()
	c := Checker{URL: srv.URL}
	tk := &events.Ticket{ID: 42, Subject: "VPN down", Status: "resolved"}
	if err := c.VerifyClose(context.Background(), tk); err != nil || got.Ticket.ID != 42 {
		t.Fatalf("ok: %v, sent %+v", err, got.Ticket)
	}
	for _, c2 := range []struct {
		answer string
		status int
		want   string
	}{
		{`{"ok": false, "reason": "probe still failing"}`, 200, "probe still failing"},
		{`{"ok": true}`, 503, "answered 503"},
		{`OK`, 200, "without"},
		{`{}`, 200, "without"},
	} {
		answer, status = c2.answer, c2.status
		if err := c.VerifyClose(context.Background(), tk); err == nil || !strings.Contains(err.Error(), c2.want) {
			t.Errorf("%d %s: %v, want %q", c2.status, c2.answer, err, c2.want)
		}
	}
	srv.Close()
	if err := c.VerifyClose(context.Background(), tk); err == nil || !strings.Contains(err.Error(), "unreachable") {
		t.Errorf("down: %v", err)
	}
}

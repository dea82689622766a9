package notify_test

import (
	"strings"
	"testing"

	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/notify"
)

func TestValidateURL(t *testing.T) {
	good := []string{
		"https://hooks.example.com/deskmine",
		"http://127.0.0.1:8080/hook?token=abc",
		"HTTPS://Example.COM",
		"https://[::1]:9000/x",
	}
	for _, u := range good {
		if err := notify.ValidateURL(u); err != nil {
			t.Errorf("ValidateURL(%q) = %v, want nil", u, err)
		}
	}
	bad := []string{
		"",
		"example.com/hook",
		"/relative/path",
		"ftp://example.com/hook",
		"file:///etc/passwd",
		"javascript:alert(1)",
		"https:opaque",
		"https://",
		"https://:443/x",
		"https://user:pass@example.com/hook",
		"https://user@example.com/hook",
		"https://@example.com/hook",
		"https://example.com/hook#frag",
		"https://example.com/hook#",
		" https://example.com",
		"https://exa mple.com",
		"https://example.com:port/",
		"https://example.com/" + strings.Repeat("a", notify.MaxURLLen),
	}
	for _, u := range bad {
		if err := notify.ValidateURL(u); err == nil {
			t.Errorf("ValidateURL(%q) = nil, want an error", u)
		}
	}
}

func TestEndpointValidate(t *testing.T) {
	ok := notify.Endpoint{URL: "https://example.com/h", Secret: notify.NewSecret(), Kinds: []notify.Kind{notify.KindMention}, Active: true}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid endpoint: %v", err)
	}
	bad := notify.Endpoint{URL: "https://u:p@example.com", Secret: "short", PreviousSecret: "also-short", Kinds: []notify.Kind{"paged"}}
	e, isTyped := ticketcore.AsError(bad.Validate())
	if !isTyped || e.Code != ticketcore.CodeInvalid {
		t.Fatalf("invalid endpoint: %v, want a CodeInvalid error", bad.Validate())
	}
	for _, f := range []string{"url", "secret", "previous_secret", "kinds"} {
		if e.Fields[f] == "" {
			t.Errorf("no complaint about %s in %v", f, e)
		}
	}
	if a, b := notify.NewSecret(), notify.NewSecret(); a == b || len(a) < 40 || !strings.HasPrefix(a, "whsec_") {
		t.Errorf("NewSecret gave %q and %q", a, b)
	}
}

func TestEndpointWants(t *testing.T) {
	all := notify.Endpoint{}
	some := notify.Endpoint{Kinds: []notify.Kind{notify.KindSLAWarning, notify.KindSLABreach}}
	for _, k := range notify.Kinds() {
		if !all.Wants(k) {
			t.Errorf("an endpoint without kinds does not want %s", k)
		}
		if want := k == notify.KindSLAWarning || k == notify.KindSLABreach; some.Wants(k) != want {
			t.Errorf("Wants(%s) = %v", k, !want)
		}
	}
}

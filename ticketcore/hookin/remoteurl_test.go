package hookin

import (
	"strings"
	"testing"
)

// Parse's tests cover the refusals through JSON; these cover the edges of
// the host rules directly.
func TestCheckRemoteURL(t *testing.T) {
	ok := []string{
		"https://cdn.example.com/a.png",
		"https://CDN.Example.COM./a.png",
		"https://a.b.c.example.co.uk:8443/p?q=1&sig=abc%2F#frag",
		"https://xn--fiqs8s.xn--fiqz9s/a",
		"https://files_1.example.com/a",
		"https://1.1.1.1/a",
		"https://[2606:4700:4700::1111]/a",
		"HTTPS://cdn.example.com/a",
	}
	for _, u := range ok {
		if err := checkRemoteURL(u); err != nil {
			t.Errorf("checkRemoteURL(%q) = %v, want nil", u, err)
		}
	}
	bad := []string{
		"", "cdn.example.com/a", "//cdn.example.com/a", "ftp://cdn.example.com/a", "data:image/png;base64,AAAA",
		"https:cdn.example.com", "https://cdn.example.com:0/a", "https://cdn.example.com:123456/a",
		"https://@cdn.example.com/a", "https://u@cdn.example.com/a",
		"https://0.0.0.0/a", "https://0.1.2.3/a", "https://[::]/a", "https://224.0.0.1/a", "https://255.255.255.255/a",
		"https://172.16.0.1/a", "https://192.168.0.1/a", "https://198.18.0.1/a", "https://240.0.0.1/a",
		"https://[fe80::1%25eth0]/a", "https://[::ffff:169.254.169.254]/a",
		"https://localhost./a", "https://LOCALHOST/a", "https://a.localhost/a",
		"https://example.123/a", "https://example.c/a", "https://-bad.example.com/a", "https://bad-.example.com/a",
		"https://exa mple.com/a", "https://例子.测试/a", "https://cdn.example.com\\@evil.example.com/",
		"https://cdn.example.com/\x00", "https://" + strings.Repeat("a.", 1100) + "com/",
	}
	for _, u := range bad {
		if err := checkRemoteURL(u); err == nil {
			t.Errorf("checkRemoteURL(%q) = nil, want an error", u)
		}
	}
}

package hookin

import (
	"errors"
	"net/netip"
	"net/url"
	"strings"
)

const maxURL = 2048

// checkRemoteURL accepts the https URLs of files the server may later fetch.
// It refuses what obviously points inside the server's network; a name can
// still resolve to a private address, so the fetcher must check again after
// resolving.
func checkRemoteURL(raw string) error {
	if len(raw) > maxURL {
		return errors.New("is longer than 2048 bytes")
	}
	if hasControl(raw) || strings.ContainsAny(raw, " \\") {
		return errors.New("is not a valid URL")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("is not a valid URL")
	}
	if u.Scheme != "https" {
		return errors.New("must be an https URL")
	}
	if u.Opaque != "" {
		return errors.New("is not a valid URL")
	}
	if u.User != nil {
		// Credentials in a URL end up in logs and in every copy of the
		// ticket.
		return errors.New("must not contain user information")
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if host == "" {
		return errors.New("has no host")
	}
	if p := u.Port(); p != "" && (len(p) > 5 || p == "0") {
		return errors.New("has an invalid port")
	}
	if a, err := netip.ParseAddr(host); err == nil {
		a = a.Unmap()
		if !a.IsGlobalUnicast() || a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() || specialUse(a) {
			return errors.New("must not point to a private, loopback or local address")
		}
		if a.Zone() != "" {
			return errors.New("must not carry an IPv6 zone")
		}
		return nil
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return errors.New("must not point to localhost")
	}
	// The last label of a public name is a TLD: letters, or an IDN's
	// "xn--" form. Requiring it refuses numeric hosts such as 2130706433 or
	// 0x7f.1, which some HTTP clients read as IPv4 addresses.
	// A single label ("intranet") is a name only the local resolver knows.
	labels := strings.Split(host, ".")
	if len(labels) < 2 || !isTLD(labels[len(labels)-1]) {
		return errors.New("must name a public host")
	}
	for _, l := range labels {
		if !validLabel(l) {
			return errors.New("has an invalid host name")
		}
	}
	return nil
}

// specialUse reports the IPv4 ranges that IsGlobalUnicast lets through but
// that no public file server has: "this network", carrier-grade NAT (often
// the cloud's internal network), IETF protocol assignments, benchmarking
// and the reserved class E.
func specialUse(a netip.Addr) bool {
	for _, p := range []string{"0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "198.18.0.0/15", "240.0.0.0/4"} {
		if netip.MustParsePrefix(p).Contains(a) {
			return true
		}
	}
	return false
}

func isTLD(s string) bool {
	if strings.HasPrefix(s, "xn--") && len(s) > 4 {
		return validLabel(s)
	}
	if len(s) < 2 || len(s) > 63 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return true
}

// validLabel accepts the letters, digits, hyphens and underscores of DNS
// labels; non-ASCII names must arrive in their xn-- form.
func validLabel(s string) bool {
	if s == "" || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' && c != '_' {
			return false
		}
	}
	return true
}

package ticketcore

import (
	"reflect"
	"strings"
	"testing"
)

func TestNormalizePhone(t *testing.T) {
	for in, want := range map[string]string{"+86 138-0013-8000": "+8613800138000", "(030) 1234.567": "0301234567", "1+2": "12"} {
		if got := NormalizePhone(in); got != want {
			t.Errorf("%q -> %q, want %q", in, got, want)
		}
	}
}

func TestNormalizeTags(t *testing.T) {
	fe := fieldErrors{}
	got := normalizeTags([]string{" VPN ", "vpn", "", "网络", "lang:zh-cn"}, fe)
	if !reflect.DeepEqual(got, []string{"lang:zh-cn", "vpn", "网络"}) || len(fe) != 0 {
		t.Fatalf("%v %v", got, fe)
	}
	normalizeTags([]string{"two words"}, fe)
	if fe["tags"] == "" {
		t.Fatal("tag with a space accepted")
	}
	fe = fieldErrors{}
	many := make([]string, 31)
	for i := range many {
		many[i] = strings.Repeat("t", i+1)
	}
	normalizeTags(many, fe)
	if fe["tags"] == "" {
		t.Fatal("31 tags accepted")
	}
}

func TestNormalizeCustomer(t *testing.T) {
	s := &Service{opts: DefaultOptions()}
	fe := fieldErrors{}
	c := CustomerInput{Email: " Li.Wei@Example.CN ", Phone: "+86 138 0013 8000", Tier: "vip"}
	s.normalizeCustomer(&c, fe)
	if len(fe) != 0 || c.Email != "li.wei@example.cn" || c.Phone != "+8613800138000" {
		t.Fatalf("%+v %v", c, fe)
	}
	bad := CustomerInput{Email: "Li Wei <li@example.cn>", Phone: "call me", Tier: "gold", Name: strings.Repeat("x", 201)}
	s.normalizeCustomer(&bad, fe)
	for _, f := range []string{"customer.email", "customer.phone", "customer.tier", "customer.name"} {
		if fe[f] == "" {
			t.Errorf("%s accepted", f)
		}
	}
}

func TestPriorityFor(t *testing.T) {
	for u, p := range map[string]string{"critical": "P1", "high": "P2", "medium": "P3", "low": "P4", "": "P3"} {
		if priorityFor(u) != p {
			t.Errorf("%s -> %s", u, priorityFor(u))
		}
	}
}

func TestErrorMessageListsFields(t *testing.T) {
	e := &Error{Code: CodeInvalid, Message: "validation failed", Fields: map[string]string{"b": "y", "a": "x"}}
	if e.Error() != "validation failed (a: x; b: y)" {
		t.Fatal(e.Error())
	}
}

package classify

import (
	"slices"
	"testing"
)

func TestDefaultTokenize(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"  ,;  ", nil},
		{"VPN down, can't login!", []string{"vpn", "down", "can", "t", "login"}},
		{"error 0x80070005 on PC-12", []string{"error", "0x80070005", "on", "pc", "12"}},
		{"Café Müller", []string{"café", "müller"}},
		{"打印机卡纸", []string{"打印", "印机", "机卡", "卡纸"}},
		{"网", []string{"网"}},
		{"VPN连不上了 help", []string{"vpn", "连不", "不上", "上了", "help"}},
		{"打印机,网络", []string{"打印", "印机", "网络"}},
		{"登录login失败", []string{"登录", "login", "失败"}},
	}
	for _, c := range cases {
		if got := DefaultTokenize(c.in); !slices.Equal(got, c.want) {
			t.Errorf("DefaultTokenize(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

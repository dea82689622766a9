package miner

import (
	"slices"
	"testing"
)

func TestDefaultTokenize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"The VPN client fails with Error 809!", []string{"vpn", "client", "fails", "error", "809"}},
		{"Hi, please reset my password. Thanks", []string{"reset", "password"}},
		{"don't re-install Office365 on a PC", []string{"install", "office365", "pc"}},
		{"企业微信登录", []string{"企业", "业微", "微信", "信登", "登录"}},
		{"打印机卡纸", []string{"打印", "印机", "机卡", "卡纸"}},
		{"用VPN连接 失败", []string{"用", "vpn", "连接", "失败"}},
		{"Ärger mit Über-Größe", []string{"ärger", "mit", "über", "größe"}},
		{"  ,.;  ", nil},
		{"", nil},
	} {
		if got := DefaultTokenize(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("DefaultTokenize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestDetectLang(t *testing.T) {
	for _, tc := range []struct {
		texts []string
		want  string
	}{
		{[]string{"Outlook keeps asking for my password"}, "en"},
		{[]string{"企业微信登录提示网络异常"}, "zh"},
		{[]string{"企业微信PC端登录报网络异常", "打开企业微信后一直提示网络异常"}, "zh"},
		{[]string{"The SAP GUI shows 错误 when logging in to the production system"}, "en"},
		{[]string{"", "123 456"}, "en"},
	} {
		if got := detectLang(tc.texts...); got != tc.want {
			t.Errorf("detectLang(%q) = %q, want %q", tc.texts, got, tc.want)
		}
	}
}

func TestIsStopWord(t *testing.T) {
	for _, w := range []string{"the", "please", "thanks", "don"} {
		if !isStopWord(w) {
			t.Errorf("%q should be a stop word", w)
		}
	}
	for _, w := range []string{"printer", "vpn", "password", "error"} {
		if isStopWord(w) {
			t.Errorf("%q should not be a stop word", w)
		}
	}
}

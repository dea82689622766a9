package miner

import (
	"slices"
	"strings"
	"testing"
)

func TestSplitSentences(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"VPN fails. It times out!  Colleagues are fine?", []string{"VPN fails", "It times out", "Colleagues are fine"}},
		{"Version 2.3 fails, e.g. on login. Next", []string{"Version 2.3 fails, e.g. on login", "Next"}},
		{"Line one\r\nline two;\n\nline three", []string{"Line one", "line two", "line three"}},
		{"打开企业微信后提示网络异常。其他网站正常！怎么办？", []string{"打开企业微信后提示网络异常", "其他网站正常", "怎么办"}},
		{"...", nil},
		{"", nil},
	} {
		if got := splitSentences(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("splitSentences(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSplitSteps(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []string
	}{
		{"numbered lines", "1. Stop the spooler.\n2. Delete the files.\n3) Start it again",
			[]string{"Stop the spooler", "Delete the files", "Start it again"}},
		{"inline sequence", "Fix: 1) reset the adapter 2) reinstall the client 3) reboot",
			[]string{"reset the adapter", "reinstall the client", "reboot"}},
		{"no sequence, no cut", "Upgraded to Windows 10. Then the driver worked.",
			[]string{"Upgraded to Windows 10", "Then the driver worked"}},
		{"lone inline 1. is no list", "Set the value to 1. Restart.",
			[]string{"Set the value to 1", "Restart"}},
		{"sentences", "Reset the adapter. Reinstall the client; reboot!",
			[]string{"Reset the adapter", "Reinstall the client", "reboot"}},
		{"chinese numbered", "1.清除缓存；2.关闭代理；3.重新安装",
			[]string{"清除缓存", "关闭代理", "重新安装"}},
		{"chinese numerals", "一、清除缓存\n二、关闭代理\n三、重新安装。", []string{"清除缓存", "关闭代理", "重新安装"}},
		{"chinese steps", "第一步：清除缓存。第二步：关闭代理。", []string{"清除缓存", "关闭代理"}},
		{"step words", "Step 1: clear cache\nStep 2: reboot\n步骤3：重装", []string{"clear cache", "reboot", "重装"}},
		{"bullets and heading", "Solution:\n- clear cache\n* reboot\n• done", []string{"clear cache", "reboot", "done"}},
		{"parenthesised", "(1) clear cache (2) reboot", []string{"clear cache", "reboot"}},
		{"empty", "", nil},
	} {
		if got := splitSteps(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("%s: splitSteps(%q) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
}

func TestReadHanNumber(t *testing.T) {
	for in, want := range map[string]int{"一": 1, "九": 9, "十": 10, "十二": 12, "二十": 20, "三十五": 35} {
		got, end, ok := readHanNumber([]rune(in+"、"), 0)
		if !ok || got != want || end != len([]rune(in)) {
			t.Errorf("readHanNumber(%q) = %d, %d, %v; want %d", in, got, end, ok, want)
		}
	}
	if _, _, ok := readHanNumber([]rune("步"), 0); ok {
		t.Error("步 is no number")
	}
}

func TestCleanTitle(t *testing.T) {
	for in, want := range map[string]string{
		"Re: RE: Fwd: vpn fails.":      "Vpn fails",
		"[URGENT] Printer queue stuck": "Printer queue stuck",
		"回复：企业微信登录不上":                  "企业微信登录不上",
		"【紧急】 打印机卡纸。":                  "打印机卡纸",
		"  Outlook   keeps asking  ":   "Outlook keeps asking",
		"Why does SAP lock me out?":    "Why does SAP lock me out?",
		"":                             "",
	} {
		if got := cleanTitle(in); got != want {
			t.Errorf("cleanTitle(%q) = %q, want %q", in, got, want)
		}
	}
	long := cleanTitle(strings.Repeat("printer ", 40))
	if n := len([]rune(long)); n > 121 || long[len(long)-3:] != "…" {
		t.Errorf("long title not capped: %d runes %q", n, long)
	}
}

func TestIsBoilerplate(t *testing.T) {
	for _, s := range []string{"Thanks", "Thanks, IT Service Desk", "Thank you very much!", "Best regards, John",
		"Hi team", "Dear Anna", "谢谢", "您好", "Ticket closed", "BR, Max"} {
		if !isBoilerplate(s) {
			t.Errorf("%q should be boilerplate", s)
		}
	}
	for _, s := range []string{"Thanks to the new driver the dock works again", "Reboot the laptop",
		"Hi, the printer on floor 3 has been printing blank pages since the toner change this morning",
		"清除企业微信缓存文件", "Closed the VPN session and reconnected"} {
		if isBoilerplate(s) {
			t.Errorf("%q should not be boilerplate", s)
		}
	}
}

func TestTruncateRunes(t *testing.T) {
	if got := truncateRunes("short", 10); got != "short" {
		t.Errorf("got %q", got)
	}
	if got := truncateRunes("alpha beta gamma delta", 12); got != "alpha beta…" {
		t.Errorf("got %q", got)
	}
	if got := truncateRunes("alpha beta gamma delta", 15); got != "alpha beta gam…" {
		t.Errorf("no space near the cut: got %q", got)
	}
	if got := truncateRunes("企业微信登录提示网络异常", 5); got != "企业微信…" {
		t.Errorf("got %q", got)
	}
}

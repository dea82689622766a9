package mailin

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

func encodeWith(t *testing.T, e encoding.Encoding, s string) []byte {
	t.Helper()
	b, err := e.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func bword(charset string, b []byte) string {
	return "=?" + charset + "?B?" + base64.StdEncoding.EncodeToString(b) + "?="
}

func TestDecodeWords(t *testing.T) {
	gbk := encodeWith(t, simplifiedchinese.GBK, "工单已解决")
	big5 := encodeWith(t, traditionalchinese.Big5, "測試郵件")
	gb18030 := encodeWith(t, simplifiedchinese.GB18030, "𠮷")
	tests := []struct{ name, in, want string }{
		{"plain", "Hello world", "Hello world"},
		{"utf-8 B", "=?UTF-8?B?5bel5Y2V?=", "工单"},
		{"utf-8 Q with underscore", "=?utf-8?q?caf=C3=A9_au_lait?=", "café au lait"},
		{"GBK B", bword("GBK", gbk), "工单已解决"},
		{"GB2312 label gets GBK", bword("gb2312", gbk), "工单已解决"},
		{"GB18030 4-byte", bword("GB18030", gb18030), "𠮷"},
		{"Big5", bword("Big5", big5), "測試郵件"},
		{"ISO-8859-1", "=?ISO-8859-1?Q?Ren=E9?=", "René"},
		{"ISO-8859-2", "=?ISO-8859-2?Q?P=F8=EDli=B9?=", "Příliš"},
		{"ISO-8859-15 euro", "=?iso-8859-15?q?=A4_5?=", "€ 5"},
		{"windows-1252", "=?windows-1252?Q?=93quoted=94?=", "“quoted”"},
		{"language suffix", "=?UTF-8*en?Q?hi?=", "hi"},
		{"space between words dropped", "=?UTF-8?Q?a?= \r\n =?UTF-8?Q?b?=", "ab"},
		{"text between words kept", "=?UTF-8?Q?a?= and =?UTF-8?Q?b?=", "a and b"},
		{"mixed with plain", "Re: =?UTF-8?B?5bel5Y2V?= [#12]", "Re: 工单 [#12]"},
		// A GBK character split over two words must still decode.
		{"GBK split across words", bword("GBK", gbk[:3]) + " " + bword("GBK", gbk[3:]), "工单已解决"},
		{"different charsets adjacent", bword("GBK", gbk[:4]) + " =?ISO-8859-1?Q?=E9?=", "工单é"},
		{"unknown charset falls back", "=?x-nope?Q?abc?=", "abc"},
		{"malformed word left alone", "=?UTF-8?X?abc?=", "=?UTF-8?X?abc?="},
		{"junk in base64 word ignored", "=?UTF-8?B?5bel5Y2V*?=", "工单"},
		{"missing padding", "=?UTF-8?B?5bel5Y2VYQ?=", "工单a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := decodeWords(tt.in); got != tt.want {
				t.Errorf("decodeWords(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestDecodeCharset(t *testing.T) {
	gbk := encodeWith(t, simplifiedchinese.GBK, "您好，世界")
	tests := []struct {
		name    string
		in      []byte
		charset string
		want    string
	}{
		{"utf-8", []byte("héllo"), "utf-8", "héllo"},
		{"quoted label", []byte("héllo"), `"UTF-8"`, "héllo"},
		{"gbk", gbk, "GBK", "您好，世界"},
		{"cp936 alias", gbk, "cp936", "您好，世界"},
		{"gb2312", gbk, "gb2312", "您好，世界"},
		{"unlabelled GBK guessed", gbk, "", "您好，世界"},
		{"us-ascii label with GBK bytes", gbk, "us-ascii", "您好，世界"},
		{"unlabelled latin-1 guessed", []byte("caf\xe9 au lait"), "", "café au lait"},
		{"broken utf-8 keeps utf-8", []byte("ok \xff ok"), "utf-8", "ok \uFFFD ok"},
		{"unknown label guessed", []byte("plain"), "x-klingon", "plain"},
		{"utf-16le", []byte{'h', 0, 'i', 0}, "utf-16le", "hi"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := decodeCharset(tt.in, tt.charset)
			if got != tt.want {
				t.Errorf("decodeCharset(%q, %q) = %q, want %q", tt.in, tt.charset, got, tt.want)
			}
			if !utf8.ValidString(got) {
				t.Errorf("result is not UTF-8: %q", got)
			}
		})
	}
}

func TestDecodeCharsetInvalidBytesStayUTF8(t *testing.T) {
	for _, cs := range []string{"gbk", "gb18030", "big5", "iso-8859-1", "shift_jis", "euc-kr", "iso-2022-jp", "utf-16", ""} {
		got := decodeCharset([]byte("\xff\xfe\x81\x30\x00\x80\xa1"), cs)
		if !utf8.ValidString(got) {
			t.Errorf("%s: %q is not valid UTF-8", cs, got)
		}
	}
}

func TestDecodeQP(t *testing.T) {
	tests := []struct{ in, want string }{
		{"caf=C3=A9", "café"},
		{"soft=\r\nbreak", "softbreak"},
		{"soft=  \r\nbreak with trailing space", "softbreak with trailing space"},
		{"hard  \r\nbreak", "hard\r\nbreak"},
		{"lf=\nonly", "lfonly"},
		{"lower =c3=a9", "lower é"},
		{"invalid =ZZ and =4", "invalid =ZZ and =4"},
		{"end =", "end "},
		{"=3D=3d", "=="},
	}
	for _, tt := range tests {
		if got := string(decodeQP([]byte(tt.in))); got != tt.want {
			t.Errorf("decodeQP(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDecodeBase64(t *testing.T) {
	want := []byte("hello, world!")
	enc := base64.StdEncoding.EncodeToString(want)
	tests := []string{
		enc,
		enc[:8] + "\r\n" + enc[8:],
		strings.TrimRight(enc, "="),
		" " + enc + " \r\n\r\n",
		enc[:4] + "!!*" + enc[4:],
	}
	for _, in := range tests {
		if got := decodeBase64([]byte(in)); !bytes.Equal(got, want) {
			t.Errorf("decodeBase64(%q) = %q, want %q", in, got, want)
		}
	}
	if got := decodeBase64([]byte("QUJD\nR")); string(got) != "ABC" {
		t.Errorf("dangling character: %q", got)
	}
}

func TestDecodeTransfer(t *testing.T) {
	if got := string(decodeTransfer(" Base64 ", []byte("aGk="))); got != "hi" {
		t.Errorf("base64: %q", got)
	}
	if got := string(decodeTransfer("QUOTED-PRINTABLE", []byte("h=69"))); got != "hi" {
		t.Errorf("qp: %q", got)
	}
	if got := string(decodeTransfer("x-uuencode", []byte("raw"))); got != "raw" {
		t.Errorf("unknown: %q", got)
	}
}

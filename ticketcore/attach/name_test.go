package attach

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestSanitizeName(t *testing.T) {
	long := strings.Repeat("报", 100) + ".pdf" // 304 bytes
	for _, tc := range []struct{ in, want string }{
		{"发票 2026.pdf", "发票 2026.pdf"},
		{"../../etc/passwd", "passwd"},
		{`..\..\Windows\System32\cmd.exe`, "cmd.exe"},
		{"C:\\Users\\张三\\Desktop\\合同.docx", "合同.docx"},
		{"dir/", "attachment"},
		{"", "attachment"},
		{"..", "attachment"},
		{".bashrc", "bashrc"},
		{"...hidden.txt", "hidden.txt"},
		{"  spaced.txt  ", "spaced.txt"},
		{"report.exe. . .", "report.exe"},
		{"a\x00b.pdf", "ab.pdf"},
		{"invoice.pdf\x00.exe", "invoice.pdf.exe"},
		{"invoice\u202efdp.exe", "invoicefdp.exe"},
		{"\u2067photo\u2069\u200b.jpg", "photo.jpg"},
		{"line\r\nSet-Cookie: a=b.txt", "lineSet-Cookie_ a=b.txt"},
		{`a<b>c:d"e|f?g*h.txt`, "a_b_c_d_e_f_g_h.txt"},
		{"\xff\xfe.txt", "__.txt"},
		{"e\u0301te\u0301.txt", "été.txt"},
		{"e\u200b\u0301.txt", "é.txt"},
		{"CON", "_CON"},
		{"con.txt", "_con.txt"},
		{"LPT1.log", "_LPT1.log"},
		{"COM10.txt", "COM10.txt"},
		{"console.txt", "console.txt"},
		{"ok name (1).PDF", "ok name (1).PDF"},
	} {
		if got := SanitizeName(tc.in); got != tc.want {
			t.Errorf("SanitizeName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	got := SanitizeName(long)
	if len(got) > MaxNameBytes || !strings.HasSuffix(got, ".pdf") || !utf8.ValidString(got) {
		t.Errorf("long name: %q (%d bytes)", got, len(got))
	}
	if got != strings.Repeat("报", 65)+".pdf" {
		t.Errorf("long name cut at %d bytes: %q", len(got), got)
	}
	if got := SanitizeName(strings.Repeat("a", 300) + ".thisisnotanextension"); len(got) != MaxNameBytes {
		t.Errorf("long name without a short extension: %d bytes", len(got))
	}
}

// checkSanitized states what every sanitised name satisfies.
func checkSanitized(t *testing.T, in, got string) {
	t.Helper()
	switch {
	case got == "":
		t.Fatalf("SanitizeName(%q) is empty", in)
	case len(got) > MaxNameBytes:
		t.Fatalf("SanitizeName(%q) = %d bytes", in, len(got))
	case !utf8.ValidString(got):
		t.Fatalf("SanitizeName(%q) = %q is not UTF-8", in, got)
	case strings.ContainsAny(got, `/\<>:"|?*`):
		t.Fatalf("SanitizeName(%q) = %q has a separator or reserved character", in, got)
	case got[0] == '.' || strings.HasSuffix(got, ".") || strings.TrimSpace(got) != got:
		t.Fatalf("SanitizeName(%q) = %q has leading/trailing dots or spaces", in, got)
	case got == "." || got == "..":
		t.Fatalf("SanitizeName(%q) = %q", in, got)
	}
	for _, r := range got {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.In(r, unicode.Zl, unicode.Zp) {
			t.Fatalf("SanitizeName(%q) = %q keeps %U", in, got, r)
		}
	}
	if again := SanitizeName(got); again != got {
		t.Fatalf("SanitizeName not idempotent: %q -> %q -> %q", in, got, again)
	}
	if reservedDevice(got) {
		t.Fatalf("SanitizeName(%q) = %q is a device name", in, got)
	}
}

// readNames reads testdata/names.txt: one Go-quoted string per line.
func readNames(tb testing.TB) []string {
	f, err := os.Open(filepath.Join("testdata", "names.txt"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var names []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		s, err := strconv.Unquote(line)
		if err != nil {
			tb.Fatalf("names.txt: %s: %v", line, err)
		}
		names = append(names, s)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return names
}

func TestSanitizeNameCorpus(t *testing.T) {
	for _, n := range readNames(t) {
		checkSanitized(t, n, SanitizeName(n))
	}
}

func FuzzSanitizeName(f *testing.F) {
	for _, n := range readNames(f) {
		f.Add(n)
	}
	f.Fuzz(func(t *testing.T, in string) {
		checkSanitized(t, in, SanitizeName(in))
		// The header built from any name stays one line.
		if cd := ContentDisposition(in, true); strings.ContainsAny(cd, "\r\n\x00") {
			t.Fatalf("ContentDisposition(%q) = %q", in, cd)
		}
	})
}

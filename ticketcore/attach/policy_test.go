package attach

import (
	"errors"
	"strings"
	"testing"
)

func TestLimitsDefaults(t *testing.T) {
	l, err := Limits{}.withDefaults()
	if err != nil || l.MaxBytes != 20<<20 || len(l.Allowed) != 0 || l.AllowMacros {
		t.Fatalf("defaults = %+v, %v", l, err)
	}
	l, err = Limits{Allowed: []string{" Image ", "Application/PDF"}}.withDefaults()
	if err != nil || strings.Join(l.Allowed, ",") != "image,application/pdf" {
		t.Fatalf("normalised = %+v, %v", l, err)
	}
	for _, bad := range []Limits{{MaxBytes: -1}, {MaxBytes: 1 << 50}, {Allowed: []string{"images"}}, {Allowed: []string{""}}} {
		var fe *FieldError
		if _, err := bad.withDefaults(); !errors.As(err, &fe) {
			t.Errorf("%+v: err = %v, want *FieldError", bad, err)
		}
	}
}

func TestCheck(t *testing.T) {
	bySample := map[string]Detection{}
	for _, s := range samples(t) {
		bySample[s.file] = detectBytes(t, s.data)
	}
	defaults, _ := Limits{}.withDefaults()
	macrosOK, _ := Limits{AllowMacros: true}.withDefaults()
	narrow, _ := Limits{Allowed: []string{"image", "application/pdf", "text/csv"}}.withDefaults()
	for _, tc := range []struct {
		name   string
		lim    Limits
		sample string
		reason string // "" accepted; else a substring of the TypeError reason
	}{
		{"invoice.pdf", defaults, "pe.exe", "Windows PE executable disguised as .pdf"},
		{"photo.JPG", defaults, "elf", "ELF executable disguised as .jpg"},
		{"setup.exe", defaults, "pe.exe", "Windows PE executable"},
		{"noext", defaults, "macho", "Mach-O"},
		{"install.sh", defaults, "run.sh", "#! line"},
		{"readme.txt", defaults, "run.sh", "disguised as .txt"},
		{"shortcut.lnk", defaults, "link.lnk", "Windows shortcut"},
		{"doc.pdf", defaults, "setup.msi", "Windows Installer"},
		{"tool.zip", defaults, "tool.jar", "Java archive"},
		{"invoice.zip", defaults, "payload.zip", `"Invoice.PDF.exe"`},
		{"run.bat", defaults, "zh.txt", "extension .bat"},
		{"invoice.js", defaults, "prose.txt", "extension .js"},
		{"disk.iso", defaults, "binary.dat", "extension .iso"},
		{"page.hta", defaults, "page.html", "extension .hta"},
		{"macro.docm", defaults, "macro.docm", "macros"},
		{"macro.xls", defaults, "macro.xls", "macros"},
		{"basic.odt", defaults, "basic.odt", "macros"},
		{"macro.docm", macrosOK, "macro.docm", ""},
		{"data.txt", defaults, "data.csv", ""}, // harmless mismatch: detected type wins
		{"photo.png", defaults, "page.pdf", ""},
		{"legacy.doc", defaults, "legacy.doc", ""},
		{"mail.msg", defaults, "outlook.msg", ""},
		{"archive.zip", defaults, "bundle.zip", ""},
		{"pic.png", narrow, "pixel.png", ""},
		{"p.pdf", narrow, "page.pdf", ""},
		{"d.csv", narrow, "data.csv", ""}, // the media type without its charset
		{"d.docx", narrow, "letter.docx", "not allowed"},
		{"z.zip", narrow, "bundle.zip", "not allowed"},
		{"x.exe", narrow, "pe.exe", "Windows PE"},
	} {
		d, ok := bySample[tc.sample]
		if !ok {
			t.Fatalf("no sample %s", tc.sample)
		}
		err := tc.lim.check(tc.name, d)
		if tc.reason == "" {
			if err != nil {
				t.Errorf("%s (%s): %v, want accepted", tc.name, tc.sample, err)
			}
			continue
		}
		var te *TypeError
		if !errors.As(err, &te) {
			t.Errorf("%s (%s): err = %v, want *TypeError", tc.name, tc.sample, err)
			continue
		}
		if !strings.Contains(te.Reason, tc.reason) || te.Detected != d.ContentType {
			t.Errorf("%s (%s): %+v, want reason with %q", tc.name, tc.sample, te, tc.reason)
		}
	}
}

func TestExecutableExt(t *testing.T) {
	for _, e := range []string{".exe", ".scr", ".bat", ".cmd", ".js", ".vbs", ".ps1", ".msi", ".lnk", ".hta", ".jar", ".iso", ".command", ".desktop"} {
		if !executableExt(e) {
			t.Errorf("%s not refused", e)
		}
	}
	for _, e := range []string{"", ".pdf", ".docx", ".txt", ".csv", ".png", ".zip", ".eml", ".sh", ".py", ".json"} {
		if executableExt(e) {
			t.Errorf("%s refused", e)
		}
	}
}

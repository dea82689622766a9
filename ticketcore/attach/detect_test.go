package attach

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/samples from the builders")

func detectBytes(t testing.TB, b []byte) Detection {
	t.Helper()
	d, err := Detect(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("Detect: %v", err)
	}
	return d
}

func TestDetectSamples(t *testing.T) {
	for _, s := range samples(t) {
		t.Run(s.file, func(t *testing.T) {
			d := detectBytes(t, s.data)
			if d.ContentType != s.contentType || d.Kind != s.kind {
				t.Errorf("Detect = %q/%q, want %q/%q", d.ContentType, d.Kind, s.contentType, s.kind)
			}
			if (d.Executable != "") != s.executable {
				t.Errorf("Executable = %q, want executable %v", d.Executable, s.executable)
			}
			if d.Macros != s.macros {
				t.Errorf("Macros = %v, want %v", d.Macros, s.macros)
			}
		})
	}
}

// TestSamplesOnDisk keeps testdata/samples (the fuzz seeds) in step with
// the builders; run with -update after changing a builder.
func TestSamplesOnDisk(t *testing.T) {
	dir := filepath.Join("testdata", "samples")
	for _, s := range samples(t) {
		path := filepath.Join(dir, s.file)
		if *update {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			// Images and zips embed nothing time-dependent except zip
			// timestamps, which archive/zip leaves at zero when unset.
			if err := os.WriteFile(path, s.data, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -run TestSamplesOnDisk -update)", err)
		}
		if d := detectBytes(t, b); d.ContentType != s.contentType || (d.Executable != "") != s.executable {
			t.Errorf("%s on disk detects as %+v, want %s", s.file, d, s.contentType)
		}
	}
}

func TestDetectTestBinary(t *testing.T) {
	// The running test binary is a real program for this platform.
	exe, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	f, err := os.Open(exe)
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	d, err := Detect(f, info.Size())
	if err != nil {
		t.Fatal(err)
	}
	if d.Executable == "" {
		t.Fatalf("test binary detected as %+v", d)
	}
	if runtime.GOOS == "linux" && d.Executable != "ELF executable" {
		t.Errorf("on linux: %q", d.Executable)
	}
}

func TestDetectLooksAtEveryByte(t *testing.T) {
	text := bytes.Repeat([]byte("日志 line with text\n"), 10000) // > sniffLen
	if len(text) <= 2*sniffLen {
		t.Fatal("sample too short")
	}
	if d := detectBytes(t, text); d.ContentType != "text/plain; charset=utf-8" {
		t.Fatalf("long text = %q", d.ContentType)
	}
	withNUL := append(bytes.Clone(text), 0)
	if d := detectBytes(t, withNUL); d.ContentType != TypeBin {
		t.Errorf("NUL at the end: %q, want %s", d.ContentType, TypeBin)
	}
	bad := append(bytes.Clone(text), 0xff, '\n')
	if d := detectBytes(t, bad); d.ContentType != "text/plain" {
		t.Errorf("invalid UTF-8 at the end: %q, want text/plain without charset", d.ContentType)
	}
}

func TestDetectRuneAcrossReads(t *testing.T) {
	// Place a 3-byte rune on every offset around the 32 KiB read size, so
	// that one of them straddles two reads.
	for shift := 0; shift < 4; shift++ {
		b := append(bytes.Repeat([]byte("a"), 32<<10-shift), []byte("票票票\n")...)
		if d := detectBytes(t, b); d.ContentType != "text/plain; charset=utf-8" {
			t.Errorf("shift %d: %q", shift, d.ContentType)
		}
	}
}

func TestDetectEmailNeedsHeaders(t *testing.T) {
	for _, s := range []string{
		"Name: John\nDate: today\n\nhello\n",            // one known field
		"From: a@example.com\nTo: b@example.com\n",      // no blank line
		"Note: x\n bad\nthis is not a header\n\nbody\n", // prose line in the block
	} {
		if d := detectBytes(t, []byte(s)); d.Kind == KindEmail {
			t.Errorf("%q detected as e-mail", s)
		}
	}
	if d := detectBytes(t, []byte("From: a@example.com\nTo: b@example.com\nSubject: hi\n\nbody\n")); d.Kind != KindEmail {
		t.Errorf("minimal message: %+v", d)
	}
}

func TestDetectEmpty(t *testing.T) {
	if d := detectBytes(t, nil); d.ContentType != TypeBin || d.Kind != KindOther {
		t.Errorf("empty: %+v", d)
	}
}

type failingReaderAt struct{ n int64 }

func (f failingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off+int64(len(p)) > f.n {
		return 0, errors.New("disk on fire")
	}
	return len(p), nil
}

func TestDetectReadError(t *testing.T) {
	_, err := Detect(failingReaderAt{10}, 100)
	if err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Fatalf("err = %v", err)
	}
	// A size larger than the data is a short read, not a panic.
	_, err = Detect(bytes.NewReader([]byte("short")), 50)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("short data: %v", err)
	}
}

func FuzzDetect(f *testing.F) {
	entries, err := os.ReadDir(filepath.Join("testdata", "samples"))
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("testdata", "samples", e.Name()))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := Detect(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatalf("Detect on in-memory data failed: %v", err)
		}
		if d.ContentType == "" || !validKind(d.Kind) {
			t.Fatalf("Detect = %+v", d)
		}
		if bytes.HasPrefix(b, []byte("\x7fELF")) || bytes.HasPrefix(b, []byte("#!")) {
			if d.Executable == "" {
				t.Fatalf("program not detected: %+v", d)
			}
		}
		if again := detectBytes(t, b); again != d {
			t.Fatalf("not deterministic: %+v then %+v", d, again)
		}
		// The policy must not panic on anything Detect returns.
		_ = Limits{MaxBytes: DefaultMaxBytes}.check("x.pdf", d)
	})
}

func BenchmarkDetect(b *testing.B) {
	text := bytes.Repeat([]byte("2026-03-02 10:00:00 订单 12345 已发货, ok\n"), (20<<20)/48)
	var names []string
	for i := 0; i < 100000; i++ {
		names = append(names, "dir/file"+strings.Repeat("x", i%20)+".txt", "")
	}
	z := zipBytes(b, names...)
	for _, tc := range []struct {
		name string
		data []byte
	}{{"text-20MiB", text}, {"zip-100k-entries", z}} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(tc.data)))
			for b.Loop() {
				if _, err := Detect(bytes.NewReader(tc.data), int64(len(tc.data))); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

package attach

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func openStore(t *testing.T, lim Limits) (*Store, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "attachments")
	s, err := Open(dir, lim)
	if err != nil {
		t.Fatal(err)
	}
	return s, dir
}

// files lists every regular file under dir, relative to it.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func TestPutOpenRoundTrip(t *testing.T) {
	s, dir := openStore(t, Limits{})
	ctx := context.Background()
	data := pngBytes(t)
	b, err := s.Put(ctx, "C:\\fakepath\\截图 1.png", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	want := Blob{SHA256: sum(data), Size: int64(len(data)), Filename: "截图 1.png", ContentType: "image/png", Kind: KindImage}
	if *b != want {
		t.Fatalf("Put = %+v, want %+v", *b, want)
	}
	if got := files(t, dir); len(got) != 1 || got[0] != want.SHA256[:2]+"/"+want.SHA256[2:4]+"/"+want.SHA256 {
		t.Fatalf("files = %v", got)
	}
	rc, err := s.Open(ctx, strings.ToUpper(b.SHA256))
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if _, err := rc.Seek(8, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(rc)
	if err != nil || !bytes.Equal(rest, data[8:]) {
		t.Fatalf("read back %d bytes, %v", len(rest), err)
	}
}

func TestPutDeduplicates(t *testing.T) {
	s, dir := openStore(t, Limits{})
	ctx := context.Background()
	data := []byte(csvText)
	a, err := s.Put(ctx, "orders.txt", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-48 * time.Hour)
	path := filepath.Join(dir, a.SHA256[:2], a.SHA256[2:4], a.SHA256)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	b, err := s.Put(ctx, "订单.csv", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if a.SHA256 != b.SHA256 || a.Filename != "orders.txt" || b.Filename != "订单.csv" {
		t.Fatalf("blobs %+v and %+v", a, b)
	}
	if a.ContentType != "text/csv; charset=utf-8" || a.Kind != KindSpreadsheet {
		t.Errorf("a .txt holding CSV: %+v", a)
	}
	if got := files(t, dir); len(got) != 1 {
		t.Fatalf("stored twice: %v", got)
	}
	if info, err := os.Stat(path); err != nil || info.ModTime().Before(time.Now().Add(-time.Hour)) {
		t.Errorf("a repeated Put did not touch the blob: %v %v", info.ModTime(), err)
	}
}

func TestPutReplacesDamagedBlob(t *testing.T) {
	s, dir := openStore(t, Limits{})
	data := pdfBytes()
	b, err := s.Put(context.Background(), "a.pdf", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, b.SHA256[:2], b.SHA256[2:4], b.SHA256)
	if err := os.WriteFile(path, data[:10], 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(context.Background(), "a.pdf", bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, data) {
		t.Fatalf("truncated blob kept: %d bytes", len(got))
	}
}

func TestPutLimit(t *testing.T) {
	s, dir := openStore(t, Limits{MaxBytes: 64})
	ctx := context.Background()
	exact := bytes.Repeat([]byte("a"), 64)
	if _, err := s.Put(ctx, "exact.txt", bytes.NewReader(exact)); err != nil {
		t.Fatalf("64 bytes at a 64-byte limit: %v", err)
	}
	over := &countingReader{r: bytes.NewReader(bytes.Repeat([]byte("b"), 10000))}
	_, err := s.Put(ctx, "big.txt", over)
	var le *LimitError
	if !errors.As(err, &le) || le.Limit != 64 {
		t.Fatalf("err = %v, want *LimitError{64}", err)
	}
	if over.n > 65 {
		t.Errorf("read %d bytes of an oversized upload", over.n)
	}
	if got := files(t, dir); len(got) != 1 {
		t.Fatalf("files after a refused upload: %v", got)
	}
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// failAfter returns data and then an error, like a dropped connection.
type failAfter struct {
	data []byte
	err  error
}

func (f *failAfter) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

func TestPutLeavesNothingOnFailure(t *testing.T) {
	s, dir := openStore(t, Limits{})
	boom := errors.New("connection reset")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for name, tc := range map[string]struct {
		ctx  context.Context
		r    io.Reader
		want func(error) bool
	}{
		"read error":           {context.Background(), &failAfter{bytes.Repeat([]byte("x"), 100000), boom}, func(err error) bool { return errors.Is(err, boom) }},
		"cancelled":            {ctx, strings.NewReader("hello"), func(err error) bool { return errors.Is(err, context.Canceled) }},
		"cancelled mid-upload": {context.Background(), nil, func(err error) bool { return errors.Is(err, context.Canceled) }},
		"empty":                {context.Background(), strings.NewReader(""), func(err error) bool { return errors.Is(err, ErrEmpty) }},
		"executable":           {context.Background(), bytes.NewReader(peBytes()), func(err error) bool { var te *TypeError; return errors.As(err, &te) }},
	} {
		if tc.r == nil {
			c, cancel := context.WithCancel(context.Background())
			tc.ctx = c
			tc.r = &cancelAfterFirstRead{r: bytes.NewReader(bytes.Repeat([]byte("y"), 200000)), cancel: cancel}
		}
		_, err := s.Put(tc.ctx, "invoice.pdf", tc.r)
		if !tc.want(err) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	if got := files(t, dir); len(got) != 0 {
		t.Fatalf("left behind: %v", got)
	}
}

type cancelAfterFirstRead struct {
	r      io.Reader
	cancel context.CancelFunc
}

func (c *cancelAfterFirstRead) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.cancel()
	return n, err
}

func TestPutNamesAnonymousUploads(t *testing.T) {
	s, _ := openStore(t, Limits{})
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"", pngBytes(t), "attachment.png"},
		{"../", docxBytes(t), "attachment.docx"},
		{"\u202e", []byte(emlText), "attachment.eml"},
		{"", []byte{1, 2, 3}, "attachment"},
	} {
		b, err := s.Put(context.Background(), tc.name, bytes.NewReader(tc.data))
		if err != nil {
			t.Fatal(err)
		}
		if b.Filename != tc.want {
			t.Errorf("Put(%q) named %q, want %q", tc.name, b.Filename, tc.want)
		}
	}
}

func TestPutConcurrentSameContent(t *testing.T) {
	s, dir := openStore(t, Limits{})
	data := bytes.Repeat([]byte("same content\n"), 5000)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.Put(context.Background(), "log.txt", bytes.NewReader(data))
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := files(t, dir); len(got) != 1 || !strings.HasSuffix(got[0], sum(data)) {
		t.Fatalf("files = %v", got)
	}
}

func TestOpenAndRemove(t *testing.T) {
	s, dir := openStore(t, Limits{})
	ctx := context.Background()
	b, err := s.Put(ctx, "a.gif", bytes.NewReader(gifBytes(t)))
	if err != nil {
		t.Fatal(err)
	}
	var fe *FieldError
	for _, bad := range []string{"", "abc", strings.Repeat("g", 64), "../" + b.SHA256[3:]} {
		if _, err := s.Open(ctx, bad); !errors.As(err, &fe) {
			t.Errorf("Open(%q) = %v, want *FieldError", bad, err)
		}
		if err := s.Remove(ctx, bad); !errors.As(err, &fe) {
			t.Errorf("Remove(%q) = %v, want *FieldError", bad, err)
		}
	}
	if err := s.Remove(ctx, b.SHA256); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove(ctx, b.SHA256); err != nil {
		t.Fatalf("second Remove: %v", err)
	}
	if _, err := s.Open(ctx, b.SHA256); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Open after Remove = %v, want ErrNotFound", err)
	}
	if got := files(t, dir); len(got) != 0 {
		t.Fatalf("files = %v", got)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Open(cancelled, b.SHA256); !errors.Is(err, context.Canceled) {
		t.Errorf("Open with a cancelled context: %v", err)
	}
}

func TestOpenStore(t *testing.T) {
	var fe *FieldError
	if _, err := Open("", Limits{}); !errors.As(err, &fe) || fe.Field != "dir" {
		t.Errorf("Open(\"\") = %v", err)
	}
	if _, err := Open(t.TempDir(), Limits{MaxBytes: -5}); !errors.As(err, &fe) || fe.Field != "max_bytes" {
		t.Errorf("negative MaxBytes: %v", err)
	}
	dir := t.TempDir()
	stale := filepath.Join(dir, tempPrefix+"crashed")
	fresh := filepath.Join(dir, tempPrefix+"running")
	other := filepath.Join(dir, "keep-me")
	for _, p := range []string{stale, fresh, other} {
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-2 * staleTemp)
	os.Chtimes(stale, old, old)
	os.Chtimes(other, old, old)
	s, err := Open(dir, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Limits().MaxBytes != DefaultMaxBytes {
		t.Errorf("Limits = %+v", s.Limits())
	}
	if got := files(t, dir); strings.Join(got, ",") != "keep-me,"+tempPrefix+"running" && strings.Join(got, ",") != tempPrefix+"running,keep-me" {
		t.Errorf("after Open: %v", got)
	}
}

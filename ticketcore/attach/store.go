package attach

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Blob is a stored attachment as the ticket sees it. The content is shared
// by every Blob with the same SHA256; Filename is per upload.
type Blob struct {
	SHA256      string // hex, lower case; the storage key
	Size        int64
	Filename    string // sanitised base name, see SanitizeName
	ContentType string // detected from the content, never the declared type
	Kind        string // one of the Kind constants
}

// Store keeps attachment contents on local disk, addressed by their
// SHA-256: dir/ab/cd/abcd…. The same content stored twice is kept once.
// A Store is safe for concurrent use, also by several processes sharing
// the directory.
type Store struct {
	dir string
	lim Limits
}

// tempPrefix marks uploads in progress in the store's root; the root is on
// the same file system as the blobs, so the final rename is atomic.
const tempPrefix = ".put-"

// staleTemp is how old a temporary file must be before Open deletes it as
// the leftover of a crash rather than an upload still running elsewhere.
const staleTemp = time.Hour

// Open opens (creating it if needed) the store in dir with the given
// policy, and removes temporary files that crashed uploads left behind.
func Open(dir string, lim Limits) (*Store, error) {
	if dir == "" {
		return nil, &FieldError{"dir", "is empty"}
	}
	dir = filepath.Clean(dir)
	lim, err := lim.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create attachment dir: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read attachment dir: %w", err)
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), tempPrefix) {
			continue
		}
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > staleTemp {
			_ = os.Remove(filepath.Join(dir, e.Name())) // best effort: it is garbage either way
		}
	}
	return &Store{dir: dir, lim: lim}, nil
}

// Limits returns the store's policy with defaults filled in.
func (s *Store) Limits() Limits { return s.lim }

// Put stores the content of r under the declared name. It reads at most
// MaxBytes+1 bytes; a larger upload returns *LimitError, a refused type
// *TypeError, an empty one ErrEmpty, and none of them leaves a file
// behind. The content is written to a temporary file, fsync'd and renamed
// into place, so a reader never sees a partial blob.
func (s *Store) Put(ctx context.Context, name string, r io.Reader) (*Blob, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(s.dir, tempPrefix+"*")
	if err != nil {
		return nil, fmt.Errorf("create temporary file: %w", err)
	}
	kept := false
	defer func() {
		if !kept {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()

	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), ctxReader{ctx, io.LimitReader(r, s.lim.MaxBytes+1)})
	if err != nil {
		return nil, fmt.Errorf("read attachment: %w", err)
	}
	if n > s.lim.MaxBytes {
		return nil, &LimitError{s.lim.MaxBytes}
	}
	if n == 0 {
		return nil, ErrEmpty
	}
	d, err := Detect(tmp, n)
	if err != nil {
		return nil, err
	}
	filename := sanitize(name)
	if err := s.lim.check(filename, d); err != nil {
		return nil, err
	}
	if filename == "" {
		filename = "attachment" + extensionFor(d.ContentType)
	}
	b := &Blob{SHA256: hex.EncodeToString(h.Sum(nil)), Size: n, Filename: filename, ContentType: d.ContentType, Kind: d.Kind}

	if err := tmp.Sync(); err != nil {
		return nil, fmt.Errorf("sync attachment: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("close attachment: %w", err)
	}
	final := s.path(b.SHA256)
	created, err := mkdirs(s.dir, filepath.Dir(final))
	if err != nil {
		return nil, err
	}
	if info, err := os.Stat(final); err == nil && info.Size() == n {
		// Already stored. The name is the hash, so only damage could make
		// the content differ, and the usual damage (a torn write from
		// before fsync) changes the size, which sends us to the rename
		// below. Touching it tells a garbage collector that looks at
		// modification times that the blob was just wanted again.
		now := time.Now()
		_ = os.Chtimes(final, now, now)
		_ = os.Remove(tmp.Name())
		kept = true
		return b, nil
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		return nil, fmt.Errorf("store attachment: %w", err)
	}
	kept = true
	// The rename is durable once the directory holding it is synced, and
	// a new directory once its parent is.
	for _, d := range created {
		if err := syncDir(d); err != nil {
			return nil, err
		}
	}
	if err := syncDir(filepath.Dir(final)); err != nil {
		return nil, err
	}
	return b, nil
}

// Open returns the content of the blob sha. The caller closes it.
func (s *Store) Open(ctx context.Context, sha string) (io.ReadSeekCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sha, err := checkSHA(sha)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(s.path(sha))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("blob %s: %w", sha, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("open blob %s: %w", sha, err)
	}
	return f, nil
}

// Remove deletes the blob sha. Removing a blob that is not there is not an
// error, so that a garbage collector can run again after a crash. The
// caller must make sure no ticket refers to the blob, and that no Put of
// the same content is on its way to a new reference (Put touches the
// blob's modification time, so a grace period on it is enough).
func (s *Store) Remove(ctx context.Context, sha string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	sha, err := checkSHA(sha)
	if err != nil {
		return err
	}
	if err := os.Remove(s.path(sha)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove blob %s: %w", sha, err)
	}
	return nil
}

func (s *Store) path(sha string) string {
	return filepath.Join(s.dir, sha[:2], sha[2:4], sha)
}

// checkSHA accepts a hex SHA-256 in either case, so that a key copied by
// hand still works, and returns it in lower case.
func checkSHA(sha string) (string, error) {
	sha = strings.ToLower(sha)
	if len(sha) != 64 {
		return "", &FieldError{"sha256", "must be 64 hex digits"}
	}
	for _, c := range sha {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return "", &FieldError{"sha256", "must be 64 hex digits"}
		}
	}
	return sha, nil
}

// mkdirs creates dir and its parents up to root, returning the parents of
// the directories it created, outermost first, which must be synced for
// the new entries to survive a crash.
func mkdirs(root, dir string) ([]string, error) {
	var missing []string
	for d := dir; d != root && d != filepath.Dir(d); d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			break
		}
		missing = append(missing, d)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create blob dir: %w", err)
	}
	parents := make([]string, 0, len(missing))
	for i := len(missing) - 1; i >= 0; i-- {
		parents = append(parents, filepath.Dir(missing[i]))
	}
	return parents, nil
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open dir for sync: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync dir %s: %w", dir, err)
	}
	return nil
}

// ctxReader stops a long upload when its request is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// extensionFor names an upload that came without a usable name.
func extensionFor(contentType string) string {
	mt, _, _ := strings.Cut(contentType, ";")
	switch mt {
	case "image/png":
		return ".png"
	case "image/jpeg":
		return ".jpg"
	case "image/gif":
		return ".gif"
	case "image/webp":
		return ".webp"
	case "application/pdf":
		return ".pdf"
	case TypeDOCX:
		return ".docx"
	case TypeXLSX:
		return ".xlsx"
	case TypePPTX:
		return ".pptx"
	case TypeDOC:
		return ".doc"
	case TypeXLS:
		return ".xls"
	case TypePPT:
		return ".ppt"
	case TypeZIP:
		return ".zip"
	case TypeEML:
		return ".eml"
	case TypeMSG:
		return ".msg"
	case TypeCSV:
		return ".csv"
	case TypeText:
		return ".txt"
	}
	return ""
}

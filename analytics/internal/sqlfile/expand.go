package sqlfile

import (
	"bytes"
	"io/fs"
	"strings"
)

// Expand returns fsys with every "{{name}}" of macros replaced by its text
// in the files read through it: a condition a store's queries share (the
// live rows of a table, say) is then written once, in Go, instead of in
// every query. Directories and unknown macros pass through unchanged.
func Expand(fsys fs.FS, macros map[string]string) fs.FS {
	var pairs []string
	for name, text := range macros {
		pairs = append(pairs, "{{"+name+"}}", text)
	}
	return expandFS{fsys: fsys, r: strings.NewReplacer(pairs...)}
}

type expandFS struct {
	fsys fs.FS
	r    *strings.Replacer
}

// ReadFile implements fs.ReadFileFS.
func (e expandFS) ReadFile(name string) ([]byte, error) {
	b, err := fs.ReadFile(e.fsys, name)
	if err != nil {
		return nil, err
	}
	return []byte(e.r.Replace(string(b))), nil
}

// Open implements fs.FS.
func (e expandFS) Open(name string) (fs.File, error) {
	info, err := fs.Stat(e.fsys, name)
	if err != nil {
		return nil, err
	}
	if info.IsDir() {
		return e.fsys.Open(name)
	}
	b, err := e.ReadFile(name)
	if err != nil {
		return nil, err
	}
	return &expandedFile{Reader: bytes.NewReader(b), info: expandedInfo{FileInfo: info, size: int64(len(b))}}, nil
}

// ReadDir implements fs.ReadDirFS: the entries of the underlying directory.
func (e expandFS) ReadDir(name string) ([]fs.DirEntry, error) { return fs.ReadDir(e.fsys, name) }

type expandedFile struct {
	*bytes.Reader
	info expandedInfo
}

func (f *expandedFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *expandedFile) Close() error               { return nil }

// expandedInfo reports the expanded size.
type expandedInfo struct {
	fs.FileInfo
	size int64
}

func (i expandedInfo) Size() int64 { return i.size }

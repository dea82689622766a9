package index

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

func quietOptions() Options {
	return Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

func openT(t *testing.T, dir string) *Index {
	t.Helper()
	ix, err := Open(dir, quietOptions())
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	t.Cleanup(func() { _ = ix.Close() })
	return ix
}

func mustCount(t *testing.T, ix *Index) (uint64, uint64) {
	t.Helper()
	c, a, err := ix.Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c, a
}

func sampleCase(id int64) Case {
	return Case{
		TicketID: id, Version: 1, Subject: "printer offline", Description: "the printer on floor 3 is offline",
		Resolution: "restarted the spooler", Category: "Hardware", ResolvedAt: time.Unix(1700000000, 0),
	}
}

func TestOpenCreatesThenReopens(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "kb", "index")
	ix, err := Open(dir, quietOptions())
	if err != nil {
		t.Fatal(err)
	}
	if !ix.Fresh() || ix.Rebuilt() {
		t.Fatalf("new index: Fresh %v Rebuilt %v, want true false", ix.Fresh(), ix.Rebuilt())
	}
	if err := ix.IndexCases(ctx, []Case{sampleCase(1), sampleCase(2)}); err != nil {
		t.Fatal(err)
	}
	if err := ix.IndexArticles(ctx, []Article{{ID: 7, Version: 1, Title: "Restart the print spooler"}}); err != nil {
		t.Fatal(err)
	}
	if err := ix.SetCursor(ctx, 42); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}

	ix = openT(t, dir)
	if ix.Fresh() || ix.Rebuilt() {
		t.Fatalf("reopened index: Fresh %v Rebuilt %v, want false false", ix.Fresh(), ix.Rebuilt())
	}
	if c, a := mustCount(t, ix); c != 2 || a != 1 {
		t.Fatalf("after reopen: %d cases %d articles, want 2 and 1", c, a)
	}
	if seq, err := ix.Cursor(ctx); err != nil || seq != 42 {
		t.Fatalf("Cursor = %d, %v; want 42", seq, err)
	}
}

func TestOpenRebuildsOnVersionChange(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ix, err := Open(dir, quietOptions())
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.IndexCases(ctx, []Case{sampleCase(1)}); err != nil {
		t.Fatal(err)
	}
	if err := ix.SetCursor(ctx, 9); err != nil {
		t.Fatal(err)
	}
	// What an index written by the previous mapping looks like.
	if err := ix.articles.SetInternal([]byte(keyMappingVersion), []byte(strconv.Itoa(MappingVersion-1))); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}

	ix = openT(t, dir)
	if !ix.Fresh() || !ix.Rebuilt() {
		t.Fatalf("old version: Fresh %v Rebuilt %v, want true true", ix.Fresh(), ix.Rebuilt())
	}
	if c, a := mustCount(t, ix); c != 0 || a != 0 {
		t.Fatalf("rebuilt index holds %d cases %d articles, want empty", c, a)
	}
	if seq, err := ix.Cursor(ctx); err != nil || seq != 0 {
		t.Fatalf("rebuilt cursor = %d, %v; want 0", seq, err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	// The rebuilt index carries the current version: no second rebuild.
	ix = openT(t, dir)
	if ix.Fresh() {
		t.Fatal("index rebuilt twice")
	}
}

func TestOpenRebuildsUnreadableIndex(t *testing.T) {
	dir := t.TempDir()
	ix, err := Open(dir, quietOptions())
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.IndexCases(context.Background(), []Case{sampleCase(1)}); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	meta := filepath.Join(dir, casesDir, "index_meta.json")
	if err := os.WriteFile(meta, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	ix = openT(t, dir)
	if !ix.Rebuilt() || !ix.Fresh() {
		t.Fatalf("corrupt index: Fresh %v Rebuilt %v, want true true", ix.Fresh(), ix.Rebuilt())
	}
	if c, _ := mustCount(t, ix); c != 0 {
		t.Fatalf("rebuilt index holds %d cases", c)
	}
}

func TestOpenRebuildsHalfCreatedIndex(t *testing.T) {
	// A crash between creating the two indexes leaves only one.
	dir := t.TempDir()
	ix, err := Open(dir, quietOptions())
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(dir, articlesDir)); err != nil {
		t.Fatal(err)
	}
	ix = openT(t, dir)
	if !ix.Fresh() || !ix.Rebuilt() {
		t.Fatalf("half index: Fresh %v Rebuilt %v, want true true", ix.Fresh(), ix.Rebuilt())
	}
}

func TestOpenLeavesForeignFilesAlone(t *testing.T) {
	dir := t.TempDir()
	other := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(other, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	openT(t, dir)
	if _, err := os.Stat(other); err != nil {
		t.Fatalf("Open removed a file it does not own: %v", err)
	}
}

func TestOpenBadDir(t *testing.T) {
	if _, err := Open("", Options{}); err == nil {
		t.Fatal("Open with empty dir succeeded")
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(file, quietOptions()); err == nil {
		t.Fatal("Open on a regular file succeeded")
	}
}

func TestCursorIsMinimumOfBothIndexes(t *testing.T) {
	ctx := context.Background()
	ix := openT(t, t.TempDir())
	if err := ix.SetCursor(ctx, 100); err != nil {
		t.Fatal(err)
	}
	// As if the articles index lost its last writes in a crash.
	if err := ix.articles.SetInternal([]byte(keyCursor), []byte{0, 0, 0, 0, 0, 0, 0, 90}); err != nil {
		t.Fatal(err)
	}
	if seq, err := ix.Cursor(ctx); err != nil || seq != 90 {
		t.Fatalf("Cursor = %d, %v; want 90", seq, err)
	}
	if err := ix.cases.SetInternal([]byte(keyCursor), []byte{1, 2}); err != nil {
		t.Fatal(err)
	}
	if _, err := ix.Cursor(ctx); err == nil {
		t.Fatal("malformed cursor accepted")
	}
}

func TestCanceledContext(t *testing.T) {
	ix := openT(t, t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := ix.IndexCases(ctx, []Case{sampleCase(1)}); err == nil {
		t.Error("IndexCases with canceled context succeeded")
	}
	if _, _, err := ix.Count(ctx); err == nil {
		t.Error("Count with canceled context succeeded")
	}
	if err := ix.SetCursor(ctx, 1); err == nil {
		t.Error("SetCursor with canceled context succeeded")
	}
}

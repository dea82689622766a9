// Package testdata finds the repository root and the shared real data sets
// (../shared/data beside the repository) for tests. The data sets are never
// copied into the repository.
package testdata

import (
	"os"
	"path/filepath"
	"testing"
)

// RepoRoot walks up from the test's working directory to the one holding go.mod.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test directory")
		}
		dir = parent
	}
}

// Shared returns a path under the shared data sets. When it is missing the
// test is skipped, except under CI (env CI set), where it fails: CI must
// never pass without the real data.
func Shared(t testing.TB, parts ...string) string {
	t.Helper()
	p := filepath.Join(append([]string{RepoRoot(t), "..", "shared", "data"}, parts...)...)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("shared data set %s is missing under CI: %v", p, err)
		}
		t.Skipf("shared data set %s is not available: %v", p, err)
	}
	return p
}

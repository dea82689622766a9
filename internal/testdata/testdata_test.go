package testdata

import (
	"os"
	"path/filepath"
	"testing"
)

func TestRepoRootHoldsGoMod(t *testing.T) {
	root := RepoRoot(t)
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("%s has no go.mod: %v", root, err)
	}
	if filepath.Base(filepath.Dir(mustWd(t))) != "internal" {
		t.Fatalf("test runs in %s, expected internal/testdata", mustWd(t))
	}
}

func TestSharedSkipsMissingOutsideCI(t *testing.T) {
	t.Setenv("CI", "")
	ran := false
	t.Run("missing", func(t *testing.T) {
		Shared(t, "no-such-data-set")
		ran = true
	})
	if ran {
		t.Fatal("Shared returned for a missing data set")
	}
}

func mustWd(t *testing.T) string {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return wd
}

package importer_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/storetest"
)

func newService(t *testing.T, b testdb.Backend) *ticketcore.Service {
	t.Helper()
	svc, _ := storetest.NewService(t, b, nil)
	return svc
}

// writeFile writes a test input into a temporary directory.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

package articles_test

import (
	"context"
	"testing"

	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/kb/articles"
	"github.com/deskmine/deskmine/kb/articles/articlestest"
)

// TestConformance runs the shared suite on SQLite and on PostgreSQL.
func TestConformance(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			articlestest.Run(t, func(t testing.TB) articles.Store {
				s, err := articles.Open(context.Background(), b.DSN(t))
				if err != nil {
					t.Fatalf("open %s: %v", b.Name, err)
				}
				return s
			})
		})
	}
}

// Package storetest opens a ticket service on a fresh database of a given
// backend, for the tests of every package that builds on the ticket core.
package storetest

import (
	"context"
	"testing"

	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/store"
)

// NewService opens a store on a fresh database of backend b (closed when the
// test ends) and a service with opts, or the default options when opts is nil.
func NewService(t testing.TB, b testdb.Backend, opts *ticketcore.Options) (*ticketcore.Service, *store.Store) {
	t.Helper()
	st, err := store.Open(context.Background(), b.DSN(t))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	o := ticketcore.DefaultOptions()
	if opts != nil {
		o = *opts
	}
	svc, err := ticketcore.NewService(st, o)
	if err != nil {
		t.Fatalf("new service: %v", err)
	}
	return svc, st
}

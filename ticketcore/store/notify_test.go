package store

import (
	"context"
	"testing"

	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/ticketcore/notify"
	"github.com/deskmine/deskmine/ticketcore/notify/notifytest"
)

// The SQL store must keep the same promises as the in-memory reference.
func TestNotifyConformance(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			open := func(t *testing.T) *Store {
				st, err := Open(context.Background(), b.DSN(t))
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { st.Close() })
				return st
			}
			notifytest.RunNotificationStoreSuite(t, func(t *testing.T) notify.NotificationStore { return open(t) })
			notifytest.RunDeliveryStoreSuite(t, func(t *testing.T) notify.DeliveryStore { return open(t) })
		})
	}
}

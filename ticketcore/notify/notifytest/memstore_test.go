package notifytest_test

import (
	"testing"

	"github.com/deskmine/deskmine/ticketcore/notify"
	"github.com/deskmine/deskmine/ticketcore/notify/notifytest"
)

func TestMemStoreNotifications(t *testing.T) {
	notifytest.RunNotificationStoreSuite(t, func(*testing.T) notify.NotificationStore { return notifytest.NewMemStore() })
}

func TestMemStoreDeliveries(t *testing.T) {
	notifytest.RunDeliveryStoreSuite(t, func(*testing.T) notify.DeliveryStore { return notifytest.NewMemStore() })
}

package ticketcore_test

import (
	"context"
	"testing"

	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/ticketcore/storetest"
)

func TestCommentsKeepNotesInternal(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			svc, _ := storetest.NewService(t, b, nil)
			id := newTickets(t, svc, 1)[0]
			for _, c := range []struct {
				body   string
				public bool
			}{{"内部备注：客户在黑名单", false}, {"We are on it.", true}} {
				if _, err := svc.Comment(ctx, agent, id, c.body, c.public); err != nil {
					t.Fatal(err)
				}
			}
			all, err := svc.Comments(ctx, id, false)
			if err != nil || len(all) != 2 || all[0].Public || all[0].Body != "内部备注：客户在黑名单" || all[1].Author.Name != agent.Name {
				t.Fatalf("all: %+v %v", all, err)
			}
			pub, err := svc.Comments(ctx, id, true)
			if err != nil || len(pub) != 1 || pub[0].Body != "We are on it." {
				t.Fatalf("public only: %+v %v", pub, err)
			}
			if _, err := svc.Comments(ctx, 999, false); err == nil {
				t.Error("comments of a missing ticket")
			}
		})
	}
}

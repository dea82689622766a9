package store

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/ticketcore"
)

func TestSLAStates(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			st := openStore(t, b.DSN(t))
			at := time.Date(2026, 5, 1, 8, 0, 0, 123456000, time.UTC)
			var ids []int64
			for range 3 {
				tk := sampleTicket("clocks", at)
				insertTicket(t, st, tk)
				ids = append(ids, tk.ID)
			}
			due := at.Add(4 * time.Hour)
			save := func(s *ticketcore.SLAState) error {
				return st.InTx(ctx, func(tx ticketcore.Tx) error { return tx.SaveSLAState(ctx, s) })
			}
			// ticket 0 has something due, ticket 1 nothing, ticket 2 something.
			for i, id := range ids {
				s := &ticketcore.SLAState{TicketID: id, Policy: "default", Version: 1, State: json.RawMessage(`{"n":1}`), UpdatedAt: at}
				if i != 1 {
					s.NextDue = &due
				}
				if err := save(s); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := st.SLAState(ctx, 999999); !errors.Is(err, ticketcore.ErrNotFound) {
				t.Fatalf("missing state: %v", err)
			}
			got, err := st.SLAState(ctx, ids[0])
			if err != nil || got.Version != 1 || got.Policy != "default" || string(got.State) != `{"n":1}` ||
				got.NextDue == nil || !got.NextDue.Equal(due) || !got.UpdatedAt.Equal(at) {
				t.Fatalf("read back: %+v %v", got, err)
			}

			// A save must raise the version; a stale one is a conflict and changes nothing.
			next := *got
			next.Version, next.State, next.NextDue, next.Policy = 2, json.RawMessage(`{"n":2}`), nil, "gold"
			if err := save(&next); err != nil {
				t.Fatal(err)
			}
			stale := next
			stale.State = json.RawMessage(`{"n":"stale"}`)
			if err := save(&stale); !errors.Is(err, ticketcore.ErrConflict) {
				t.Fatalf("stale save: %v", err)
			}
			err = st.InTx(ctx, func(tx ticketcore.Tx) error {
				s, err := tx.SLAStateForUpdate(ctx, ids[0])
				if err != nil || s == nil || s.Version != 2 || s.NextDue != nil || s.Policy != "gold" || string(s.State) != `{"n":2}` {
					t.Errorf("locked read: %+v %v", s, err)
				}
				none, err := tx.SLAStateForUpdate(ctx, 999999)
				if none != nil || err != nil {
					t.Errorf("missing locked read: %+v %v", none, err)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}

			// Only ticket 2 still has something due; paging goes by ticket id.
			page, err := st.DueSLAStates(ctx, 0, due, 10)
			if err != nil || len(page) != 1 || page[0].TicketID != ids[2] {
				t.Fatalf("due states: %+v %v", page, err)
			}
			if page, _ := st.DueSLAStates(ctx, ids[2], due, 10); len(page) != 0 {
				t.Fatalf("page after the last: %+v", page)
			}
			if page, _ := st.DueSLAStates(ctx, 0, due.Add(-time.Microsecond), 10); len(page) != 0 {
				t.Fatalf("due before it is due: %+v", page)
			}

			// A fired key is recorded once; a rolled-back mark is not recorded.
			mark := func(key string, fail bool) (bool, error) {
				var fresh bool
				err := st.InTx(ctx, func(tx ticketcore.Tx) error {
					var err error
					fresh, err = tx.MarkSLAFired(ctx, ids[0], key, at)
					if err == nil && fail {
						err = errors.New("roll back")
					}
					return err
				})
				return fresh, err
			}
			if fresh, err := mark("1:resolution:breach:1", true); !fresh || err == nil {
				t.Fatalf("first mark, rolled back: %v %v", fresh, err)
			}
			if fresh, err := mark("1:resolution:breach:1", false); !fresh || err != nil {
				t.Fatalf("first committed mark: %v %v", fresh, err)
			}
			if fresh, err := mark("1:resolution:breach:1", false); fresh || err != nil {
				t.Fatalf("second mark: %v %v", fresh, err)
			}
		})
	}
}

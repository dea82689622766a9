package casebook

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/ticketcore/events"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func ev(id, version int64, typ events.Type, mut func(*events.Ticket)) events.Event {
	t := events.Ticket{ID: id, Version: version, Subject: "printer jams", Description: "the printer on floor 3 jams",
		Category: "Hardware", Priority: "normal", Status: "open", Tags: []string{"printer"},
		CreatedAt: t0, UpdatedAt: t0.Add(time.Duration(version) * time.Minute)}
	if mut != nil {
		mut(&t)
	}
	return events.Event{ID: "e", TicketID: id, TicketVersion: version, Type: typ, At: t.UpdatedAt, Ticket: t}
}

func comment(id, version int64, body string) events.Event {
	e := ev(id, version, events.TicketCommented, nil)
	e.Comment = &events.Comment{ID: version, Body: body, Public: true}
	return e
}

func resolved(res string) func(*events.Ticket) {
	return func(t *events.Ticket) {
		at := t0.Add(time.Hour)
		t.Status, t.Resolution, t.ResolvedAt = "resolved", res, &at
	}
}

// TestBook runs on both engines: the same events give the same cases.
func TestBook(t *testing.T) {
	for _, be := range testdb.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			ctx := context.Background()
			b, err := Open(ctx, be.DSN(t))
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()

			changed, err := b.Apply(ctx, []events.Event{
				ev(1, 1, events.TicketCreated, nil),
				comment(1, 2, "tried another tray"),
				ev(2, 1, events.TicketCreated, func(t *events.Ticket) { t.Subject = "VPN 连接失败"; t.Tags = nil }),
				comment(1, 3, "replaced the fuser"),
				ev(1, 4, events.TicketStatusChanged, resolved("replaced the fuser unit")),
			})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(changed, []int64{1, 2}) {
				t.Errorf("changed %v, want [1 2]", changed)
			}
			c, err := b.Get(ctx, 1)
			if err != nil {
				t.Fatal(err)
			}
			if c.Version != 4 || !c.Resolved || c.Resolution != "replaced the fuser unit" ||
				c.Comments != "tried another tray"+commentSep+"replaced the fuser" || !c.ResolvedAt.Equal(t0.Add(time.Hour)) ||
				!slices.Equal(c.Tags, []string{"printer"}) || c.Category != "Hardware" {
				t.Errorf("case 1: %+v", c)
			}

			// A replay of the whole batch, and an older event arriving
			// late, change nothing: no comment twice, no reopening.
			changed, err = b.Apply(ctx, []events.Event{comment(1, 2, "tried another tray"), comment(1, 3, "replaced the fuser"),
				ev(1, 1, events.TicketCreated, nil)})
			if err != nil || len(changed) != 0 {
				t.Fatalf("replay: changed %v, err %v", changed, err)
			}
			again, _ := b.Get(ctx, 1)
			if again.Comments != c.Comments || !again.Resolved {
				t.Errorf("after replay: %+v", again)
			}

			// Reopening takes the case out of the resolved ones.
			if _, err := b.Apply(ctx, []events.Event{ev(2, 2, events.TicketStatusChanged, resolved("reset the token")),
				ev(1, 5, events.TicketStatusChanged, nil)}); err != nil {
				t.Fatal(err)
			}
			var ids []int64
			if err := b.Resolved(ctx, func(c *Case) error { ids = append(ids, c.TicketID); return nil }); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids, []int64{2}) {
				t.Errorf("resolved %v, want [2]", ids)
			}
			// Links: a ticket linked as a duplicate counts for its parent,
			// once however often the link's event is replayed.
			linked := ev(6, 1, events.TicketCreated, func(t *events.Ticket) {
				t.Links = []events.Link{{Type: events.LinkRelatedTo, TicketID: 1}, {Type: events.LinkDuplicateOf, TicketID: 2}}
			})
			for range 2 {
				if _, err := b.Apply(ctx, []events.Event{linked}); err != nil {
					t.Fatal(err)
				}
			}
			dups, err := b.DuplicateCounts(ctx)
			if err != nil || len(dups) != 1 || dups[2] != 1 {
				t.Errorf("duplicates %v %v", dups, err)
			}
			all, res, err := b.Count(ctx)
			if err != nil || all != 3 || res != 1 {
				t.Errorf("count %d %d %v", all, res, err)
			}
			if _, err := b.Get(ctx, 99); !errors.Is(err, ErrNotFound) {
				t.Errorf("missing ticket: %v", err)
			}

			// A malformed event fails the batch as a whole, permanently.
			bad := ev(3, 1, events.TicketCreated, nil)
			bad.Ticket.ID = 4
			_, err = b.Apply(ctx, []events.Event{ev(5, 1, events.TicketCreated, nil), bad})
			var p interface{ Permanent() bool }
			if !errors.As(err, &p) || !p.Permanent() {
				t.Errorf("malformed event: %v", err)
			}
			if _, err := b.Get(ctx, 5); !errors.Is(err, ErrNotFound) {
				t.Errorf("a failed batch left a partial write: %v", err)
			}
		})
	}
}

// TestResolvedPages walks more cases than one page holds.
func TestResolvedPages(t *testing.T) {
	ctx := context.Background()
	b, err := Open(ctx, testdb.SQLiteDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var batch []events.Event
	for id := int64(1); id <= pageSize+5; id++ {
		batch = append(batch, ev(id, 1, events.TicketCreated, resolved("done")))
	}
	if _, err := b.Apply(ctx, batch); err != nil {
		t.Fatal(err)
	}
	n, last := 0, int64(0)
	err = b.Resolved(ctx, func(c *Case) error {
		if c.TicketID <= last {
			t.Fatalf("order: %d after %d", c.TicketID, last)
		}
		last = c.TicketID
		n++
		return nil
	})
	if err != nil || n != pageSize+5 {
		t.Errorf("walked %d, err %v", n, err)
	}
	stop := errors.New("stop")
	if err := b.Resolved(ctx, func(*Case) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("fn error: %v", err)
	}
}

func TestParseQueries(t *testing.T) {
	q, err := parseQueries("-- name: a\nSELECT ? , ?\n-- a comment\n-- name: b\nSELECT 1", true)
	if err != nil || q["a"] != "SELECT $1 , $2" || q["b"] != "SELECT 1" {
		t.Errorf("got %q %v", q, err)
	}
	if _, err := parseQueries("-- name: a\nSELECT 1\n-- name: a\nSELECT 2", false); err == nil || !strings.Contains(err.Error(), "casebook") {
		t.Errorf("a bad file: %v", err)
	}
	if got := splitStatements("-- x\nCREATE a (\n b\n);\n\nCREATE c;\n"); len(got) != 2 || got[1] != "CREATE c" {
		t.Errorf("split: %q", got)
	}
}

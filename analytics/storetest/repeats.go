package storetest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/ticketcore/events"
)

// RepeatStore is a store with the repeat-ticket query.
type RepeatStore interface {
	analytics.Store
	analytics.Repeater
}

// EdgeStart is the second from which RepeatEdgeHistory's tickets are created.
var EdgeStart = time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)

// RepeatEdgeHistory is a handful of tickets at the edges of the repeat
// rule (ids from 800001, seq from 20,000,000; days after EdgeStart; all of
// priority P3 and, but for two, of customer 3000 and category vpn):
//
//	800001 day 0 (+0.3 s), phone
//	800002 day 7 (+0.9 s), email: 7 days after 800001 to the second, a repeat
//	800003 day 14 +1 s, email: 7 days 1 s after 800002, no repeat
//	800005 day 22 (+0.1 s), email: the same second as 800004, which comes
//	       first by id: a repeat of it
//	800004 day 22 (+0.8 s), email: 8 days less 1 s after 800003, no repeat
//	800006 day 22, no category: never a repeat
//	800007 day 22, nobody known: never a repeat
//	800008 day 6, email Edge.Y@Example.com, login
//	800009 day 8, email edge.y@example.com, login, web: the same customer,
//	       a repeat
//	800010 day 23, chat: a repeat of 800004 and 800005 on another channel
func RepeatEdgeHistory() []events.Event {
	type spec struct {
		id       int64
		at       time.Duration
		cust     events.Customer
		cat, chn string
	}
	day := 24 * time.Hour
	c3000 := events.Customer{ID: 3000, Email: "customer00@example.com", Tier: "vip"}
	specs := []spec{
		{800001, 300 * time.Millisecond, c3000, "vpn", "phone"},
		{800002, 7*day + 900*time.Millisecond, c3000, "vpn", "email"},
		{800003, 14*day + time.Second, c3000, "vpn", "email"},
		{800005, 22*day + 100*time.Millisecond, c3000, "vpn", "email"},
		{800004, 22*day + 800*time.Millisecond, c3000, "vpn", "email"},
		{800006, 22 * day, c3000, "", "email"},
		{800007, 22 * day, events.Customer{Tier: "standard"}, "vpn", "email"},
		{800008, 6 * day, events.Customer{Email: "Edge.Y@Example.com"}, "login", "email"},
		{800009, 8 * day, events.Customer{Email: "edge.y@example.com"}, "login", "web"},
		{800010, 23 * day, c3000, "vpn", "chat"},
	}
	var out []events.Event
	for i, s := range specs {
		at := EdgeStart.Add(s.at)
		out = append(out, events.Event{
			SchemaVersion: 1, ID: fmt.Sprintf("%08x-0001-7001-8000-00000000edge", s.id), Seq: 20_000_000 + int64(i),
			TicketID: s.id, TicketVersion: 1, Type: events.TicketCreated, At: at, RecordedAt: at,
			Actor: events.Actor{ID: 7, Name: "shop-bot", Role: "client"}, Source: events.SourceAPI,
			Changes: []events.Change{{Field: "status", Old: raw(nil), New: raw("new")}},
			Ticket: events.Ticket{ID: s.id, Version: 1, Subject: "edge", Type: "question", Category: s.cat,
				Product: "router", Channel: s.chn, Urgency: "low", Priority: "P3", Status: "new", Customer: s.cust,
				Tags: []string{}, CustomFields: map[string]any{}, CreatedAt: at, UpdatedAt: at},
		})
	}
	return out
}

// RunRepeats checks a store's repeat-ticket query against answers computed
// here from the events alone; open returns a new, empty store.
func RunRepeats(t *testing.T, open func(t *testing.T) RepeatStore) {
	h := append(HotspotHistory(), RepeatEdgeHistory()...)
	s := open(t)
	for b := range slices.Chunk(h, 1000) {
		mustApply(t, s, b)
	}
	ctx := context.Background()
	x := newHotspotExpect(h)
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC) }
	// A counted ticket's creation second, to test the bounds: from is
	// included, to excluded.
	var created []time.Time
	for _, tevs := range x.tickets {
		if c := sec(tevs[0].Ticket.CreatedAt); c.Before(d(2026, 4, 1)) {
			created = append(created, c)
		}
	}
	slices.SortFunc(created, time.Time.Compare)
	edgeFrom, edgeTo := created[len(created)/4], created[3*len(created)/4]

	queries := []analytics.RepeatQuery{
		{From: d(2026, 1, 1), To: d(2026, 4, 1)},
		{From: d(2026, 1, 20), To: d(2026, 3, 10), WindowDays: 3, By: "product", Dimension: "customer_tier", Limit: 3},
		{From: d(2026, 1, 1), To: d(2026, 4, 1), WindowDays: 30, Dimension: "tag", Filters: map[string][]string{"channel": {"email", "chat", "web"}}},
		{From: edgeFrom, To: edgeTo, WindowDays: 14, Dimension: "cf.os", Filters: map[string][]string{"cf.os": {"windows", "linux", ""}}},
		{From: d(2026, 1, 5).Add(1500 * time.Millisecond), To: d(2026, 3, 1), By: "product", Dimension: "region",
			Filters: map[string][]string{"tag": {"vip"}}, Limit: 5},
		{From: d(2025, 12, 1), To: d(2026, 12, 1), WindowDays: 365, Dimension: "cf.reassignments", Limit: 1000},
		{From: d(2026, 9, 1), To: d(2026, 12, 1), WindowDays: 10, Dimension: "tag", Filters: map[string][]string{"tag": {"vpn", "vip"}, "priority": {"P1", "P2", "P3"}}},
		{From: d(2026, 1, 1), To: d(2026, 4, 1), WindowDays: 1, By: "category", Dimension: "agent", Limit: 4},
		// The edge history: from is 800002's second, whose repeat of 800001
		// (before from, on another channel) counts.
		{From: EdgeStart.Add(7 * 24 * time.Hour), To: EdgeStart.Add(24 * 24 * time.Hour), Dimension: "channel",
			Filters: map[string][]string{"priority": {"P3"}}},
	}
	for i, q := range queries {
		t.Run(fmt.Sprintf("Repeats%d_%s_%s", i, cmp.Or(q.By, "category"), cmp.Or(q.Dimension, "none")), func(t *testing.T) {
			got, err := s.Repeats(ctx, q)
			if err != nil {
				t.Fatalf("repeats: %v", err)
			}
			want := ExpectRepeats(h, q)
			if want.Totals.Repeats == 0 || want.Totals.WithCustomer == want.Totals.Tickets || len(want.Pairs) == 0 ||
				q.Dimension != "" && len(want.Rows) < 2 {
				t.Fatalf("the expectation is too thin to test: %+v", want)
			}
			hotspotDiff(t, formatRepeats(got), formatRepeats(want))
		})
	}

	t.Run("EdgeHistory", func(t *testing.T) {
		// What the rules give for the edge history, spelt out: of the
		// tickets of [day 7, day 24), 800002 (the window's end), 800005
		// (after 800004 in the same second), 800009 (after 800008, before
		// from, across the case of the email) and 800010 repeat; 800003 (a
		// second too late), 800004, 800006 (no category) and 800007
		// (nobody known) do not.
		got, err := s.Repeats(ctx, queries[len(queries)-1])
		if err != nil {
			t.Fatal(err)
		}
		rows := map[string]analytics.RepeatCount{}
		for _, r := range got.Rows {
			rows[r.Key] = r
		}
		if got.Totals != (analytics.RepeatCount{Tickets: 8, WithCustomer: 7, Repeats: 4}) ||
			rows["email"] != (analytics.RepeatCount{Key: "email", Tickets: 6, WithCustomer: 5, Repeats: 2}) ||
			rows["chat"].Repeats != 1 || rows["web"].Repeats != 1 {
			t.Errorf("edge history: %+v", got)
		}
		if len(got.Pairs) != 2 || got.Pairs[0] != (analytics.RepeatPair{Customer: "id:3000", Key: "vpn", Tickets: 5, Repeats: 3}) ||
			got.Pairs[1] != (analytics.RepeatPair{Customer: "email:edge.y@example.com", Key: "login", Tickets: 1, Repeats: 1}) {
			t.Errorf("edge pairs: %+v", got.Pairs)
		}
		q := queries[len(queries)-1]
		q.WindowDays = 8 // 800003 and 800004 are now within the window
		if got, err = s.Repeats(ctx, q); err != nil || got.Totals.Repeats != 6 {
			t.Errorf("edge history, 8 days: %+v, %v", got, err)
		}
	})

	t.Run("Invalid", func(t *testing.T) {
		from, to := d(2026, 1, 1), d(2026, 4, 1)
		bad := []struct {
			field string
			q     analytics.RepeatQuery
		}{
			{"from", analytics.RepeatQuery{To: to}},
			{"to", analytics.RepeatQuery{From: from}},
			{"to", analytics.RepeatQuery{From: to, To: from}},
			{"to", analytics.RepeatQuery{From: from, To: from.AddDate(2, 0, 1)}},
			{"from", analytics.RepeatQuery{From: analytics.MinTime.Add(time.Hour), To: analytics.MinTime.Add(48 * time.Hour), WindowDays: 1}},
			{"window_days", analytics.RepeatQuery{From: from, To: to, WindowDays: 366}},
			{"window_days", analytics.RepeatQuery{From: from, To: to, WindowDays: -1}},
			{"by", analytics.RepeatQuery{From: from, To: to, By: "team"}},
			{"by", analytics.RepeatQuery{From: from, To: to, By: "category; DROP TABLE tickets"}},
			{"dimension", analytics.RepeatQuery{From: from, To: to, Dimension: "colour"}},
			{"dimension", analytics.RepeatQuery{From: from, To: to, Dimension: "cf.Bad"}},
			{"filters", analytics.RepeatQuery{From: from, To: to, Filters: map[string][]string{"customer_key": {"x"}}}},
			{"limit", analytics.RepeatQuery{From: from, To: to, Limit: 1001}},
		}
		for _, b := range bad {
			_, err := s.Repeats(ctx, b.q)
			var qe *analytics.QueryError
			if !errors.As(err, &qe) || qe.Field != b.field {
				t.Errorf("repeats %+v: error %v, want a QueryError on %s", b.q, err, b.field)
			}
		}
		// Values are parameters: quotes match nothing and break nothing.
		got, err := s.Repeats(ctx, analytics.RepeatQuery{From: from, To: to, Dimension: "cf.os",
			Filters: map[string][]string{"cf.os": {"linux' OR '1'='1"}, "category": {`vpn\' --`}}})
		if err != nil || got.Totals != (analytics.RepeatCount{}) || len(got.Rows) != 0 || len(got.Pairs) != 0 {
			t.Errorf("repeats with hostile values = %+v, %v", got, err)
		}
	})
}

func formatRepeats(r *analytics.RepeatResult) []string {
	q := r.Query
	out := []string{fmt.Sprintf("query %s..%s %d %s %q %v %d", q.From.Format(time.RFC3339Nano), q.To.Format(time.RFC3339Nano),
		q.WindowDays, q.By, q.Dimension, q.Filters, q.Limit)}
	c := r.Totals
	out = append(out, fmt.Sprintf("totals %q %d %d %d %.9f", c.Key, c.Tickets, c.WithCustomer, c.Repeats, c.Rate()))
	for _, c := range r.Rows {
		out = append(out, fmt.Sprintf("row %q %d %d %d %.9f", c.Key, c.Tickets, c.WithCustomer, c.Repeats, c.Rate()))
	}
	for _, p := range r.Pairs {
		out = append(out, fmt.Sprintf("pair %q %q %d %d", p.Customer, p.Key, p.Tickets, p.Repeats))
	}
	return out
}

// customerKey is who a customer is, by the rule of the event contract's
// readers: the id the ticket core gave, else the email (in lower case),
// the external id or the phone.
func customerKey(c events.Customer) string {
	switch {
	case c.ID > 0:
		return fmt.Sprintf("id:%d", c.ID)
	case c.Email != "":
		return "email:" + strings.ToLower(c.Email)
	case c.ExternalID != "":
		return "ext:" + c.ExternalID
	case c.Phone != "":
		return "phone:" + c.Phone
	}
	return ""
}

// ExpectRepeats computes the answer to q from the events alone, comparing
// every pair of tickets of a customer and key.
func ExpectRepeats(evs []events.Event, q analytics.RepeatQuery) *analytics.RepeatResult {
	q.WindowDays = cmp.Or(q.WindowDays, 7)
	q.By = cmp.Or(q.By, "category")
	q.Limit = cmp.Or(q.Limit, 20)
	x := newHotspotExpect(evs)
	window := time.Duration(q.WindowDays) * 24 * time.Hour
	// Every ticket with a customer and a key, by customer and key.
	type group struct{ customer, key string }
	byGroup := map[group][]*events.Ticket{}
	for _, tevs := range x.tickets {
		t := &tevs[len(tevs)-1].Ticket
		g := group{customerKey(t.Customer), ticketField(t, q.By)[0]}
		if g.customer != "" && g.key != "" {
			byGroup[g] = append(byGroup[g], t)
		}
	}
	repeat := func(t *events.Ticket) bool {
		g := group{customerKey(t.Customer), ticketField(t, q.By)[0]}
		for _, e := range byGroup[g] {
			ec, tc := sec(e.CreatedAt), sec(t.CreatedAt)
			earlier := ec.Before(tc) || ec.Equal(tc) && e.ID < t.ID
			if e.ID != t.ID && earlier && tc.Sub(ec) <= window {
				return true
			}
		}
		return false
	}
	res := &analytics.RepeatResult{Query: q, Rows: []analytics.RepeatCount{}, Pairs: []analytics.RepeatPair{}}
	rows := map[string]*analytics.RepeatCount{}
	pairs := map[group]*analytics.RepeatPair{}
	add := func(c *analytics.RepeatCount, known, rep bool) {
		c.Tickets++
		if known {
			c.WithCustomer++
		}
		if rep {
			c.Repeats++
		}
	}
	for _, t := range x.created(q.From, q.To, q.Filters, q.Dimension == "tag") {
		// A tag filter on the tag breakdown keeps the tickets with one of
		// the tags (counted once per such tag).
		if q.Dimension == "tag" && q.Filters["tag"] != nil &&
			!slices.ContainsFunc(t.Tags, func(v string) bool { return slices.Contains(q.Filters["tag"], v) }) {
			continue
		}
		ck := customerKey(t.Customer)
		rep := repeat(t)
		add(&res.Totals, ck != "", rep)
		if q.Dimension != "" {
			for _, ks := range hotspotKeys(t, []string{q.Dimension}, q.Filters) {
				if rows[ks[0]] == nil {
					rows[ks[0]] = &analytics.RepeatCount{Key: ks[0]}
				}
				add(rows[ks[0]], ck != "", rep)
			}
		}
		if g := (group{ck, ticketField(t, q.By)[0]}); g.customer != "" && g.key != "" {
			if pairs[g] == nil {
				pairs[g] = &analytics.RepeatPair{Customer: g.customer, Key: g.key}
			}
			pairs[g].Tickets++
			if rep {
				pairs[g].Repeats++
			}
		}
	}
	for _, c := range rows {
		res.Rows = append(res.Rows, *c)
	}
	slices.SortFunc(res.Rows, func(a, b analytics.RepeatCount) int {
		return cmp.Or(cmp.Compare(b.Repeats, a.Repeats), cmp.Compare(b.Tickets, a.Tickets), strings.Compare(a.Key, b.Key))
	})
	res.Rows = res.Rows[:min(len(res.Rows), q.Limit)]
	for _, p := range pairs {
		if p.Repeats > 0 {
			res.Pairs = append(res.Pairs, *p)
		}
	}
	slices.SortFunc(res.Pairs, func(a, b analytics.RepeatPair) int {
		return cmp.Or(cmp.Compare(b.Repeats, a.Repeats), cmp.Compare(b.Tickets, a.Tickets),
			strings.Compare(a.Customer, b.Customer), strings.Compare(a.Key, b.Key))
	})
	res.Pairs = res.Pairs[:min(len(res.Pairs), q.Limit)]
	return res
}

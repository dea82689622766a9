package store

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/events"
)

var filterBase = time.Date(2024, 6, 3, 0, 0, 0, 0, time.UTC) // a Monday

// filterTicket is ticket i of the filter fixture: every dimension cycles
// with its own period, so that combinations hit different subsets, and one
// ticket in three carries no category or product (the hotspots' "" bar).
func filterTicket(i int) *ticketcore.Ticket {
	at := filterBase.Add(time.Duration(i) * 7 * time.Hour)
	tk := sampleTicket(fmt.Sprintf("filter %02d", i), at)
	tk.Category = []string{"Network", "Billing", ""}[i%3]
	tk.Product = []string{"VPN", "Mail", "", "Laptop"}[i%4]
	tk.Channel = ticketcore.Channels[i%len(ticketcore.Channels)]
	tk.Region = []string{"emea", "apac"}[i%2]
	tk.Customer = events.Customer{Tier: []string{"vip", "standard", ""}[(i/2)%3], Email: "c@example.com"}
	tk.Type = []string{"question", "incident", "problem", "request", "complaint"}[i%5]
	tk.Team = []string{"network", "billing", "desk"}[(i/3)%3]
	tk.Assignee = []string{"ann", "bob", ""}[(i/4)%3]
	tk.Priority = ticketcore.Priorities[(i*3)%4]
	tk.Status = []string{"new", "open", "resolved"}[(i/5)%3]
	tk.Tags = [][]string{{"vpn", "urgent"}, {"billing"}, nil, {"urgent"}}[i%4]
	// Values whose text needs the analytics rendering: shortest decimals
	// without exponent, sorted multi-enums, booleans; a null is absent.
	tk.CustomFields = map[string]any{}
	switch i % 6 {
	case 0:
		tk.CustomFields["os"] = "linux"
		tk.CustomFields["size"] = 2.5
	case 1:
		tk.CustomFields["os"] = "windows"
		tk.CustomFields["size"] = 1e21
		tk.CustomFields["features"] = []any{"vpn", "sso"}
	case 2:
		tk.CustomFields["size"] = 1e-7
		tk.CustomFields["vip"] = true
	case 3:
		tk.CustomFields["os"] = nil
		tk.CustomFields["size"] = float64(3)
		tk.CustomFields["features"] = []string{"sso", "vpn"}
	case 4:
		tk.CustomFields["os"] = ""
		tk.CustomFields["vip"] = false
	}
	return tk
}

// matches is the independent expectation: the filter semantics of
// ListQuery over a ticket in memory, with custom field texts as the
// analytics renders them.
func matches(q ticketcore.ListQuery, tk *ticketcore.Ticket) bool {
	in := func(vals []string, v string) bool { return len(vals) == 0 || slices.Contains(vals, v) }
	if !in(q.Status, tk.Status) || !in(q.Team, tk.Team) || !in(q.Assignee, tk.Assignee) || !in(q.Priority, tk.Priority) ||
		!in(q.Category, tk.Category) || !in(q.Product, tk.Product) || !in(q.Channel, tk.Channel) ||
		!in(q.Region, tk.Region) || !in(q.CustomerTier, tk.Customer.Tier) || !in(q.Type, tk.Type) {
		return false
	}
	if len(q.Tag) > 0 && !slices.ContainsFunc(tk.Tags, func(t string) bool { return slices.Contains(q.Tag, t) }) {
		return false
	}
	if !q.CreatedFrom.IsZero() && tk.CreatedAt.Before(q.CreatedFrom) {
		return false
	}
	if !q.CreatedTo.IsZero() && !tk.CreatedAt.Before(q.CreatedTo) {
		return false
	}
	for name, vals := range q.CustomFields {
		text := analytics.CustomFieldText(tk.CustomFields[name])
		if len(vals) > 0 && !slices.Contains(vals, text) {
			return false
		}
	}
	return true
}

func insertFilterFixture(t *testing.T, st *Store, n int) []*ticketcore.Ticket {
	t.Helper()
	var out []*ticketcore.Ticket
	for i := 0; i < n; i++ {
		tk := filterTicket(i)
		insertTicket(t, st, tk)
		out = append(out, tk)
	}
	return out
}

// listAll pages through a query and returns the ids in page order.
func listAll(t *testing.T, st *Store, q ticketcore.ListQuery) []int64 {
	t.Helper()
	var got []int64
	for page := 0; ; page++ {
		if page > 100 {
			t.Fatalf("paging does not end; got %v", got)
		}
		p, err := st.ListTickets(context.Background(), q)
		if err != nil {
			t.Fatalf("list %+v: %v", q, err)
		}
		if len(p.Tickets) > q.Limit || (p.NextCursor != "" && len(p.Tickets) != q.Limit) {
			t.Fatalf("page %d: %d tickets with limit %d", page, len(p.Tickets), q.Limit)
		}
		for _, tk := range p.Tickets {
			got = append(got, tk.ID)
		}
		if p.NextCursor == "" {
			return got
		}
		q.Cursor = p.NextCursor
	}
}

func filterCases() []struct {
	name string
	q    ticketcore.ListQuery
} {
	week := func(n int) (time.Time, time.Time) {
		return filterBase.AddDate(0, 0, 7*n), filterBase.AddDate(0, 0, 7*(n+1))
	}
	w1from, w1to := week(1)
	return []struct {
		name string
		q    ticketcore.ListQuery
	}{
		{"category", ticketcore.ListQuery{Category: []string{"Network"}}},
		{"category or", ticketcore.ListQuery{Category: []string{"Network", "Billing"}}},
		{"category none", ticketcore.ListQuery{Category: []string{""}}},
		{"category unknown", ticketcore.ListQuery{Category: []string{"Printers"}}},
		{"product", ticketcore.ListQuery{Product: []string{"VPN", ""}}},
		{"channel", ticketcore.ListQuery{Channel: []string{"chat", "phone"}}},
		{"region", ticketcore.ListQuery{Region: []string{"apac"}}},
		{"customer tier", ticketcore.ListQuery{CustomerTier: []string{"vip"}}},
		{"customer tier none", ticketcore.ListQuery{CustomerTier: []string{""}}},
		{"type", ticketcore.ListQuery{Type: []string{"incident", "complaint"}}},
		{"team several", ticketcore.ListQuery{Team: []string{"network", "desk"}}},
		{"assignee several", ticketcore.ListQuery{Assignee: []string{"ann", "bob"}}},
		{"assignee unassigned", ticketcore.ListQuery{Assignee: []string{""}}},
		{"priority several", ticketcore.ListQuery{Priority: []string{"P1", "P2"}}},
		{"tag", ticketcore.ListQuery{Tag: []string{"urgent"}}},
		{"tag or", ticketcore.ListQuery{Tag: []string{"billing", "vpn"}}},
		{"tag unknown", ticketcore.ListQuery{Tag: []string{"urg"}}},
		{"created week", ticketcore.ListQuery{CreatedFrom: w1from, CreatedTo: w1to}},
		{"created from", ticketcore.ListQuery{CreatedFrom: filterBase.Add(70 * time.Hour)}}, // exactly ticket 10: included
		{"created to", ticketcore.ListQuery{CreatedTo: filterBase.Add(70 * time.Hour)}},     // ticket 10 excluded
		{"created sub-microsecond", ticketcore.ListQuery{CreatedFrom: filterBase.Add(70*time.Hour + time.Nanosecond)}},
		{"created other zone", ticketcore.ListQuery{CreatedFrom: w1from.In(time.FixedZone("cst", 8*3600)),
			CreatedTo: w1to.In(time.FixedZone("pst", -8*3600))}},
		{"cf string", ticketcore.ListQuery{CustomFields: map[string][]string{"os": {"linux"}}}},
		{"cf absent, null or empty", ticketcore.ListQuery{CustomFields: map[string][]string{"os": {""}}}},
		{"cf numbers", ticketcore.ListQuery{CustomFields: map[string][]string{"size": {"2.5", "1000000000000000000000", "0.0000001", "3"}}}},
		{"cf number exponent form", ticketcore.ListQuery{CustomFields: map[string][]string{"size": {"1e+21", "1e-07"}}}},
		{"cf multi enum sorted", ticketcore.ListQuery{CustomFields: map[string][]string{"features": {"sso,vpn"}}}},
		{"cf bool", ticketcore.ListQuery{CustomFields: map[string][]string{"vip": {"true"}}}},
		{"cf two fields", ticketcore.ListQuery{CustomFields: map[string][]string{"os": {"linux", "windows"}, "size": {"2.5"}}}},
		{"cf empty list", ticketcore.ListQuery{CustomFields: map[string][]string{"os": nil}}},
		{"combined", ticketcore.ListQuery{Category: []string{"Network"}, Region: []string{"emea"}, Tag: []string{"urgent"},
			CreatedFrom: filterBase, CreatedTo: filterBase.AddDate(0, 0, 14)}},
		{"combined with status and cf", ticketcore.ListQuery{Status: []string{"new", "open"}, Product: []string{"VPN", "Mail"},
			CustomFields: map[string][]string{"os": {"linux", ""}}, Channel: []string{"email", "chat", "web"}}},
		{"drill-down bar", ticketcore.ListQuery{Category: []string{"Billing"}, CreatedFrom: w1from, CreatedTo: w1to,
			CustomerTier: []string{"standard", "vip"}, Type: []string{"incident", "question", "request"}}},
	}
}

func TestListTicketsFilters(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			st := openStore(t, b.DSN(t))
			all := insertFilterFixture(t, st, 48)
			for _, c := range filterCases() {
				t.Run(c.name, func(t *testing.T) {
					var want []int64
					for _, tk := range all {
						if matches(c.q, tk) {
							want = append(want, tk.ID)
						}
					}
					q := c.q
					q.Sort, q.Limit = "id", 500
					got := listAll(t, st, q)
					if !slices.Equal(got, want) {
						t.Errorf("got  %v\nwant %v", got, want)
					}
				})
			}
		})
	}
}

// TestListTicketsFiltersNotVacuous keeps the fixture honest: each filter
// case must select some tickets but not all, or it would pass with the
// filter ignored.
func TestListTicketsFiltersNotVacuous(t *testing.T) {
	var all []*ticketcore.Ticket
	for i := 0; i < 48; i++ {
		all = append(all, filterTicket(i))
	}
	for _, c := range filterCases() {
		n := 0
		for _, tk := range all {
			if matches(c.q, tk) {
				n++
			}
		}
		switch c.name {
		case "category unknown", "tag unknown", "cf number exponent form":
			if n != 0 {
				t.Errorf("%s: %d tickets match, want none", c.name, n)
			}
		case "cf empty list":
			if n != len(all) {
				t.Errorf("%s: %d tickets match, want all", c.name, n)
			}
		default:
			if n == 0 || n == len(all) {
				t.Errorf("%s: %d of %d tickets match; the case tests nothing", c.name, n, len(all))
			}
		}
	}
}

func TestListTicketsFiltersPageEverySort(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			st := openStore(t, b.DSN(t))
			all := insertFilterFixture(t, st, 48)
			q := ticketcore.ListQuery{Category: []string{"Network", "Billing"}, Tag: []string{"urgent", "billing"},
				CreatedFrom: filterBase.Add(10 * time.Hour), CustomFields: map[string][]string{"os": {"linux", "windows", ""}}}
			byID := map[int64]*ticketcore.Ticket{}
			var want []int64
			for _, tk := range all {
				byID[tk.ID] = tk
				if matches(q, tk) {
					want = append(want, tk.ID)
				}
			}
			if len(want) < 5 {
				t.Fatalf("only %d tickets match; paging is not exercised", len(want))
			}
			for _, key := range ticketcore.SortKeys {
				for _, sort := range []string{key, "-" + key} {
					for _, limit := range []int{1, 2, 5} {
						q := q
						q.Sort, q.Limit = sort, limit
						got := listAll(t, st, q)
						if !slices.Equal(slices.Sorted(slices.Values(got)), want) {
							t.Fatalf("%s limit %d: got %v, want the set %v", sort, limit, got, want)
						}
						if !slices.IsSortedFunc(got, func(x, y int64) int {
							c := compareBy(key, byID[x], byID[y])
							if sort[0] == '-' {
								return -c
							}
							return c
						}) {
							t.Errorf("%s limit %d: order %v", sort, limit, got)
						}
					}
				}
			}
		})
	}
}

func compareBy(key string, x, y *ticketcore.Ticket) int {
	var c int
	switch key {
	case "created_at":
		c = x.CreatedAt.Compare(y.CreatedAt)
	case "updated_at":
		c = x.UpdatedAt.Compare(y.UpdatedAt)
	case "priority":
		c = compareStrings(x.Priority, y.Priority)
	}
	if c != 0 {
		return c
	}
	return int(x.ID - y.ID)
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// TestListFilterColumnsFollowUpdates checks that an update rewrites the
// filter columns: the ticket moves from one drill-down to the other.
func TestListFilterColumnsFollowUpdates(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			st := openStore(t, b.DSN(t))
			tk := filterTicket(0)
			insertTicket(t, st, tk)
			before := ticketcore.ListQuery{Category: []string{"Network"}, Product: []string{"VPN"}, Channel: []string{"email"},
				Region: []string{"emea"}, CustomerTier: []string{"vip"}, Type: []string{"question"},
				CustomFields: map[string][]string{"os": {"linux"}}, Sort: "id", Limit: 10}
			if got := listAll(t, st, before); len(got) != 1 {
				t.Fatalf("before the update: %v", got)
			}
			err := st.InTx(ctx, func(tx ticketcore.Tx) error {
				tk.Version++
				tk.Category, tk.Product, tk.Channel, tk.Region, tk.Customer.Tier, tk.Type = "Billing", "Mail", "chat", "apac", "standard", "incident"
				tk.CustomFields = map[string]any{"os": "mac", "count": float64(12)}
				return tx.UpdateTicket(ctx, tk, tk.Version-1)
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := listAll(t, st, before); len(got) != 0 {
				t.Errorf("the old values still match: %v", got)
			}
			after := ticketcore.ListQuery{Category: []string{"Billing"}, Product: []string{"Mail"}, Channel: []string{"chat"},
				Region: []string{"apac"}, CustomerTier: []string{"standard"}, Type: []string{"incident"},
				CustomFields: map[string][]string{"os": {"mac"}, "count": {"12"}}, Sort: "id", Limit: 10}
			if got := listAll(t, st, after); !slices.Equal(got, []int64{tk.ID}) {
				t.Errorf("the new values match %v, want [%d]", got, tk.ID)
			}
		})
	}
}

func TestListTicketsRefusesBadCustomFieldName(t *testing.T) {
	st := openStore(t, testdb.SQLiteDSN(t))
	for _, name := range []string{"OS", "1os", "os-x", "os') OR 1=1 --"} {
		_, err := st.ListTickets(context.Background(), ticketcore.ListQuery{CustomFields: map[string][]string{name: {"x"}},
			Sort: "id", Limit: 5})
		if e, ok := ticketcore.AsError(err); !ok || e.Fields["cf."+name] == "" {
			t.Errorf("name %q: got %v, want an error naming cf.%s", name, err, name)
		}
	}
}

func TestCeilMicros(t *testing.T) {
	at := time.Date(2024, 6, 3, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		t    time.Time
		want int64
	}{
		{at, at.UnixMicro()},
		{at.Add(time.Nanosecond), at.UnixMicro() + 1},
		{at.Add(999 * time.Nanosecond), at.UnixMicro() + 1},
		{at.Add(time.Microsecond), at.UnixMicro() + 1},
		{time.Unix(-1, 1), time.Unix(-1, 0).UnixMicro() + 1},
	} {
		if got := ceilMicros(c.t); got != c.want {
			t.Errorf("ceilMicros(%v) = %d, want %d", c.t, got, c.want)
		}
	}
}

// openUnmigrated opens a store of backend b without running migrations.
func openUnmigrated(t *testing.T, b testdb.Backend) *Store {
	t.Helper()
	var st *Store
	var err error
	if b.Name == "postgres" {
		st, err = openPostgres(b.DSN(t))
	} else {
		st, err = openSQLite(b.DSN(t))
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestListFilterMigrationBackfill writes tickets in the schema before
// migration 8 (the columns and statement of that time), migrates, and
// filters them by every new column and by custom fields.
func TestListFilterMigrationBackfill(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			st := openUnmigrated(t, b)
			if err := st.migrate(ctx, 7); err != nil {
				t.Fatal(err)
			}
			// More than one backfill page.
			const n = 1100
			var old []*ticketcore.Ticket
			tx, err := st.write.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			ins := st.d.rebind(`INSERT INTO tickets (version, external_id, subject, description, status, priority, team, assignee,
				customer_id, requester_id, created_at, updated_at, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`)
			for i := 0; i < n; i++ {
				tk := filterTicket(i % 48)
				tk.CreatedAt = filterBase.Add(time.Duration(i) * time.Minute)
				doc, err := encodeTicket(tk)
				if err != nil {
					t.Fatal(err)
				}
				if err := tx.QueryRowContext(ctx, ins, tk.Version, "", tk.Subject, "", tk.Status, tk.Priority, tk.Team,
					tk.Assignee, nil, 0, micros(tk.CreatedAt), micros(tk.UpdatedAt), doc).Scan(&tk.ID); err != nil {
					t.Fatal(err)
				}
				old = append(old, tk)
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			if err := st.migrate(ctx, 0); err != nil {
				t.Fatalf("migrate: %v", err)
			}
			if err := st.prepare(ctx); err != nil {
				t.Fatal(err)
			}
			// Written after the migration: the same fixture through the
			// current statement, so both kinds of rows answer alike.
			for i := 0; i < 48; i++ {
				tk := filterTicket(i)
				insertTicket(t, st, tk)
				old = append(old, tk)
			}
			for _, c := range filterCases() {
				var want []int64
				for _, tk := range old {
					if matches(c.q, tk) {
						want = append(want, tk.ID)
					}
				}
				q := c.q
				q.Sort, q.Limit = "id", 500
				if got := listAll(t, st, q); !slices.Equal(got, want) {
					t.Errorf("%s: got %d tickets, want %d", c.name, len(got), len(want))
				}
			}
			var empty int
			if err := st.read.QueryRowContext(ctx, "SELECT COUNT(*) FROM tickets WHERE cf_text = '{}'").Scan(&empty); err != nil {
				t.Fatal(err)
			}
			wantEmpty := 0
			for _, tk := range old {
				if len(ticketcore.CustomFieldTexts(tk.CustomFields)) == 0 {
					wantEmpty++
				}
			}
			if empty != wantEmpty {
				t.Errorf("%d tickets have cf_text {}, want %d", empty, wantEmpty)
			}
		})
	}
}

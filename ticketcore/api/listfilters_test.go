package api_test

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/auth"
)

// listIDs pages through GET /api/v1/tickets with the query and returns the
// ids in page order.
func (e *env) listIDs(t *testing.T, query url.Values) []int64 {
	t.Helper()
	var got []int64
	for pages := 0; ; pages++ {
		if pages > 50 {
			t.Fatalf("paging does not end: %v", got)
		}
		r := e.do(auth.RoleAgent, "GET", "/api/v1/tickets?"+query.Encode(), nil)
		if r.Status != 200 {
			t.Fatalf("GET ?%s: %d %s", query.Encode(), r.Status, r.Body)
		}
		var p ticketcore.ListPage
		r.json(t, &p)
		for _, tk := range p.Tickets {
			got = append(got, tk.ID)
		}
		if p.NextCursor == "" {
			return got
		}
		query.Set("cursor", p.NextCursor)
	}
}

func TestListDimensionFilters(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b)
			for _, d := range []ticketcore.FieldDef{
				{Name: "os", Kind: ticketcore.FieldText},
				{Name: "size", Kind: ticketcore.FieldNumber},
				{Name: "features", Kind: ticketcore.FieldMultiEnum, Options: []string{"wifi", "vpn", "app"}},
			} {
				if r := e.do(auth.RoleAdmin, "PUT", "/api/v1/fields/"+d.Name, d); r.Status != 200 {
					t.Fatalf("put field %s: %d %s", d.Name, r.Status, r.Body)
				}
			}
			type spec struct {
				category, product, channel, region, tier, typ, team string
				tags                                                []string
				cf                                                  map[string]any
			}
			specs := []spec{
				{"Network", "VPN", "chat", "emea", "vip", "incident", "network", []string{"vpn", "urgent"},
					map[string]any{"os": "linux", "size": 2.5, "features": []string{"wifi", "vpn"}}},
				{"Network", "Mail", "email", "apac", "standard", "question", "desk", []string{"urgent"},
					map[string]any{"os": "windows", "size": 3}},
				{"Billing, Payments", "", "phone", "emea", "vip", "incident", "billing", nil,
					map[string]any{"features": []string{"app"}}},
				{"", "VPN", "web", "emea", "", "request", "network", []string{"vpn"}, nil},
				{"Billing, Payments", "Mail", "chat", "apac", "vip", "incident", "desk", []string{"billing"},
					map[string]any{"os": "linux", "size": 1e21}},
				{"Network", "VPN", "email", "emea", "vip", "incident", "network", nil,
					map[string]any{"os": "", "size": 0.5}},
			}
			var all []ticketcore.Ticket
			for i, s := range specs {
				body := ticketBody()
				body["subject"] = fmt.Sprintf("dimension %d", i)
				body["category"], body["product"], body["channel"], body["region"] = s.category, s.product, s.channel, s.region
				body["type"], body["team"], body["tags"] = s.typ, s.team, s.tags
				body["customer"] = map[string]any{"email": fmt.Sprintf("c%d@example.com", i), "tier": s.tier}
				if s.cf != nil {
					body["custom_fields"] = s.cf
				}
				r := e.do(auth.RoleAgent, "POST", "/api/v1/tickets", body)
				if r.Status != 201 {
					t.Fatalf("create %d: %d %s", i, r.Status, r.Body)
				}
				var tk ticketcore.Ticket
				r.json(t, &tk)
				all = append(all, tk)
				time.Sleep(2 * time.Millisecond) // distinct creation times for the range cases
			}
			ids := func(idx ...int) []int64 {
				var out []int64
				for _, i := range idx {
					out = append(out, all[i].ID)
				}
				return out
			}
			rfc := func(tm time.Time) string { return tm.Format(time.RFC3339Nano) }
			cases := []struct {
				query string
				want  []int64
			}{
				{"category=Network", ids(0, 1, 5)},
				{"category=Network&category=Billing,+Payments", ids(0, 1, 2, 4, 5)}, // a comma is part of the value
				{"category=", ids(3)},
				{"product=VPN&product=", ids(0, 2, 3, 5)},
				{"channel=chat&channel=web", ids(0, 3, 4)},
				{"region=apac", ids(1, 4)},
				{"customer_tier=vip", ids(0, 2, 4, 5)},
				{"customer_tier=", ids(3)},
				{"type=incident&region=emea", ids(0, 2, 5)},
				{"team=network&team=desk", ids(0, 1, 3, 4, 5)},
				{"team=", ids(0, 1, 2, 3, 4, 5)}, // an empty team does not filter, as before
				{"tag=urgent", ids(0, 1)},
				{"tag=vpn&tag=billing", ids(0, 3, 4)},
				{"cf.os=linux", ids(0, 4)},
				{"cf.os=", ids(2, 3, 5)},
				{"cf.size=1000000000000000000000&cf.size=0.5", ids(4, 5)},
				{"cf.size=3", ids(1)},
				{"cf.features=vpn,wifi", ids(0)},
				{"cf.os=linux&cf.size=2.5", ids(0)},
				{"created_from=" + url.QueryEscape(rfc(all[2].CreatedAt)), ids(2, 3, 4, 5)},
				{"created_to=" + url.QueryEscape(rfc(all[2].CreatedAt)), ids(0, 1)},
				{"created_from=" + url.QueryEscape(rfc(all[1].CreatedAt)) + "&created_to=" + url.QueryEscape(rfc(all[4].CreatedAt)) +
					"&category=Network", ids(1)},
				{"created_from=" + url.QueryEscape(rfc(all[1].CreatedAt.In(time.FixedZone("", 5*3600+1800)))), ids(1, 2, 3, 4, 5)},
				{"status=new,open&category=Network&tag=urgent", ids(0, 1)},
			}
			for _, c := range cases {
				q, err := url.ParseQuery(c.query)
				if err != nil {
					t.Fatal(err)
				}
				q.Set("sort", "id")
				q.Set("limit", "2") // several pages: the filters travel with the cursor
				if got := e.listIDs(t, q); !slices.Equal(got, c.want) {
					t.Errorf("?%s: got %v, want %v", c.query, got, c.want)
				}
			}
		})
	}
}

func TestListFilterParamErrors(t *testing.T) {
	e := newEnv(t, testdb.Backends()[0])
	for _, c := range []struct {
		query, field string
	}{
		{"created_from=yesterday", "created_from"},
		{"created_to=2024-13-01T00:00:00Z", "created_to"},
		{"created_from=2024-06-03", "created_from"},
		{"created_from=2024-06-03T00:00:00Z&created_from=2024-06-04T00:00:00Z", "created_from"},
		{"created_from=2024-06-04T00:00:00Z&created_to=2024-06-03T00:00:00Z", "created_to"},
		{"created_from=2024-06-03T00:00:00Z&created_to=2024-06-03T00:00:00Z", "created_to"},
		{"cf.OS=linux", "cf.OS"},
		{"cf.=linux", "cf."},
		{"cf.os-x=1", "cf.os-x"},
		{"channel=pigeon", "channel"},
		{"tag=", "tag"},
		{"category=" + strings.Repeat("x", ticketcore.MaxFilterValueLen+1), "category"},
		{"cf.os=" + strings.Repeat("x", ticketcore.MaxFilterValueLen+1), "cf.os"},
		{"team=" + strings.Repeat("x", ticketcore.MaxFilterValueLen+1), "team"},
	} {
		r := e.do(auth.RoleAgent, "GET", "/api/v1/tickets?"+c.query, nil)
		if r.Status != 400 {
			t.Errorf("?%s: status %d, want 400 (%s)", c.query, r.Status, r.Body)
			continue
		}
		if _, fields := r.apiErr(t); fields[c.field] == "" {
			t.Errorf("?%s: error fields %v do not name %s", c.query, fields, c.field)
		}
	}
	// Priorities keep their 422 for a value that is not one.
	if r := e.do(auth.RoleAgent, "GET", "/api/v1/tickets?priority=P1&priority=P9", nil); r.Status != 422 {
		t.Errorf("bad priority: %d", r.Status)
	}
	for _, ok := range []string{
		"created_from=2024-06-03T00:00:00Z&created_to=2024-06-10T00:00:00%2B08:00",
		"created_from=2024-06-03T00:00:00.5Z",
		"priority=P1&priority=P2&assignee=ann&assignee=bob&type=incident&customer_tier=&cf.os_2=",
		"unknown_param=1",
	} {
		if r := e.do(auth.RoleAgent, "GET", "/api/v1/tickets?"+ok, nil); r.Status != 200 {
			t.Errorf("?%s: %d %s", ok, r.Status, r.Body)
		}
	}
}

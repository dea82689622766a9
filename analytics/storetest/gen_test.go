package storetest

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/deskmine/deskmine/ticketcore/events"
)

// TestGenerateCustomersFieldsRatingsLinks: the history holds recurring
// customers (known by id, by an email in varying case, by a phone, or not
// at all), custom fields of three kinds, ratings of resolved tickets only,
// and links whose parents are earlier tickets of lower ids, so that
// following parents always ends.
func TestGenerateCustomersFieldsRatingsLinks(t *testing.T) {
	h := History()
	lives := ticketLives(h)
	perKey := map[string]int{}
	var anonymous, mixedCase, ratings, parents int
	kinds := map[string]bool{}
	for id, tevs := range lives {
		last := tevs[len(tevs)-1].Ticket
		k := customerKey(last.Customer)
		perKey[k]++
		if k == "" {
			anonymous++
		}
		if last.Customer.Email != strings.ToLower(last.Customer.Email) {
			mixedCase++
		}
		if v, ok := last.CustomFields["os"].(string); ok && v != "" {
			kinds["text"] = true
		}
		if ms, ok := last.CustomFields["modules"].([]any); ok && len(ms) > 0 {
			kinds["multi"] = true
		}
		counted := 0
		for _, e := range tevs {
			for _, c := range e.Changes {
				switch c.Field {
				case "custom_fields.reassignments":
					counted++
				case "csat":
					ratings++
					var r events.CSAT
					if err := json.Unmarshal(c.New, &r); err != nil || r.Score < 1 || r.Score > 5 || !r.At.Equal(e.At) {
						t.Fatalf("ticket %d: rating %s, %v", id, c.New, err)
					}
					if s := e.Ticket.Status; s != "resolved" && s != "closed" {
						t.Fatalf("ticket %d rated while %s", id, s)
					}
				}
			}
		}
		if n, ok := last.CustomFields["reassignments"].(float64); ok {
			kinds["number"] = true
			if int(n) != counted {
				t.Fatalf("ticket %d: reassignments %v, %d changes of it", id, n, counted)
			}
		}
		for _, l := range last.Links {
			target, ok := lives[l.TicketID]
			if !ok {
				t.Fatalf("ticket %d links to %d, not in the history", id, l.TicketID)
			}
			if events.ParentLink(l.Type) {
				parents++
				if l.TicketID >= id || !target[0].Ticket.CreatedAt.Before(last.CreatedAt) {
					t.Fatalf("ticket %d has the parent %d, not an earlier ticket", id, l.TicketID)
				}
			}
		}
	}
	recurring := 0
	for k, n := range perKey {
		if k != "" && n > 1 {
			recurring++
		}
	}
	if recurring < 20 || anonymous == 0 || mixedCase == 0 || ratings < 50 || parents < 20 || len(kinds) != 3 {
		t.Fatalf("recurring customers %d, anonymous %d, mixed-case emails %d, ratings %d, parent links %d, field kinds %v",
			recurring, anonymous, mixedCase, ratings, parents, kinds)
	}
	t.Logf("recurring customers %d, anonymous tickets %d, ratings %d, parent links %d", recurring, anonymous, ratings, parents)
}

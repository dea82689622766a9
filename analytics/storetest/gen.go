// Package storetest is the conformance suite every analytics store must
// pass, with a generator of realistic ticket histories and the answers
// Check must give for them, computed here from the events alone.
package storetest

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/deskmine/deskmine/ticketcore/events"
)

// UnknownType is an event type the stores do not know; histories contain a
// few, as a newer producer would write them.
const UnknownType events.Type = "ticket.merged"

// GenOptions shapes a generated history.
type GenOptions struct {
	Seed     uint64
	Tickets  int
	FirstID  int64     // id of the first ticket; 0 means 1
	Start    time.Time // creation times spread over 60 days from here; zero means 2026-01-05
	FirstSeq int64     // seq of the first event; 0 means 1
}

var (
	teams     = []string{"accounts", "billing", "network", "network-l2", "returns", "tech"}
	agents    = map[string][]string{}
	tiers     = []string{"standard", "premium", "vip", "enterprise"}
	channels  = []string{"email", "chat", "phone", "social", "web", "api"}
	types     = []string{"question", "incident", "problem", "request", "complaint"}
	cats      = []string{"", "payment", "login", "delivery", "vpn", "refund"}
	policies  = []string{"", "gold", "silver"}
	prios     = []string{"P1", "P2", "P3", "P4"}
	urgencies = []string{"low", "medium", "high", "critical"}
	metrics   = []string{"first_response", "next_response", "resolution"}
)

func init() {
	for _, t := range teams {
		for i := 1; i <= 4; i++ {
			agents[t] = append(agents[t], fmt.Sprintf("%s.agent%d", t, i))
		}
	}
}

type gen struct {
	r         *rand.Rand // the course of each ticket
	x         *rand.Rand // customers, products, custom fields, ratings, links
	customers []genCustomer
	made      []madeTicket   // tickets generated so far, in id order
	madeBy    [][]madeTicket // the same per pool customer
	out       []timed
}

// genCustomer is a customer of the pool with the category and product it
// mostly writes about.
type genCustomer struct {
	c                 events.Customer
	category, product string
}

// madeTicket is what links need of an earlier ticket.
type madeTicket struct {
	id      int64
	created time.Time
}

var (
	products = []string{"", "router", "modem", "mobile-app", "web-portal", "tv-box"}
	osValues = []string{"windows", "macos", "linux", "android", "ios"}
	modules  = []string{"auth", "billing", "sync"}
)

// genCustomers is the pool of known customers: 50 with an id and an email,
// a tier, usually a region and sometimes an organisation, each with a
// favourite category and product.
func genCustomers(x *rand.Rand) []genCustomer {
	out := make([]genCustomer, 50)
	for i := range out {
		out[i] = genCustomer{
			c: events.Customer{ID: int64(3000 + i), Email: fmt.Sprintf("customer%02d@example.com", i),
				Name: fmt.Sprintf("Customer %d", i), Tier: pick(x, tiers), Region: pick(x, []string{"eu", "cn-north", "us", ""}),
				Organisation: pick(x, []string{"", "acme", "globex", "initech", "umbrella"})},
			category: pick(x, cats[1:]), product: pick(x, products[1:]),
		}
	}
	return out
}

// customer gives t its customer: mostly one of the pool (then often its
// favourite category and product), else a guest known by an email in
// varying case only, one known by a phone only, or nobody known. It
// returns the pool index, -1 for the others.
func (g *gen) customer(t *events.Ticket) int {
	x := g.x
	t.Product = pick(x, products)
	k := x.IntN(100)
	switch {
	case k < 70:
		i := x.IntN(len(g.customers))
		c := g.customers[i]
		t.Customer = c.c
		t.Region = c.c.Region
		if x.IntN(10) < 4 {
			t.Category = c.category
		}
		if x.IntN(2) == 0 {
			t.Product = c.product
		}
		return i
	case k < 85:
		email := fmt.Sprintf("Guest%02d@Example.org", x.IntN(20))
		if x.IntN(2) == 0 {
			email = strings.ToLower(email)
		}
		t.Customer = events.Customer{Email: email, Tier: t.Customer.Tier, Region: t.Customer.Region}
		t.Region = t.Customer.Region
	case k < 90:
		t.Customer = events.Customer{Phone: fmt.Sprintf("+4930123%03d", x.IntN(8)), Tier: t.Customer.Tier}
	default:
		t.Customer = events.Customer{Tier: t.Customer.Tier}
	}
	return -1
}

// customFields sets a share of the custom fields of a new ticket.
func (g *gen) customFields(t *events.Ticket) {
	x := g.x
	if x.IntN(10) < 6 {
		t.CustomFields["os"] = pick(x, osValues)
	}
	if x.IntN(2) == 0 {
		t.CustomFields["reassignments"] = float64(0)
	}
	if x.IntN(7) == 0 {
		ms := []any{}
		for _, m := range modules {
			if x.IntN(2) == 0 {
				ms = append(ms, m)
			}
		}
		if len(ms) > 0 {
			t.CustomFields["modules"] = ms
		}
	}
}

// links picks the links of a new ticket, or none: at most one parent,
// always an earlier ticket of a lower id (mostly of the same customer), and
// sometimes a related ticket. Parents are drawn, not searched for: a few
// draws among the tickets made so far, of which about half were created
// earlier (creation times are spread at random), keep the generator linear.
func (g *gen) links(t *events.Ticket, customer int) []events.Link {
	x := g.x
	if len(g.made) == 0 || x.IntN(100) >= 25 {
		return nil
	}
	var out []events.Link
	if k := x.IntN(100); k < 80 {
		from := g.made
		if customer >= 0 && len(g.madeBy[customer]) > 0 && x.IntN(3) != 0 {
			from = g.madeBy[customer]
		}
		typ := events.LinkDuplicateOf
		switch {
		case k < 25:
		case k < 55:
			typ = events.LinkFollowUpOf
		default:
			typ = events.LinkCausedBy
		}
		for range 8 {
			if m := pick(x, from); m.created.Before(t.CreatedAt) {
				out = append(out, events.Link{Type: typ, TicketID: m.id})
				break
			}
		}
	}
	if len(out) == 0 || x.IntN(4) == 0 {
		out = append(out, events.Link{Type: events.LinkRelatedTo, TicketID: pick(x, g.made).id})
	}
	return out
}

// timed orders the events of all tickets: nominal never goes back for a
// ticket, while `at` occasionally does (imported history with a skewed
// clock), so the global order still keeps each ticket's versions in order.
type timed struct {
	nominal time.Time
	ev      events.Event
}

// Generate returns a history of o.Tickets tickets in global (seq) order:
// creation, comments from agents and clients, status changes with reopens,
// team ping-pong, reassignments, SLA warnings and breaches with their sla
// object, escalations and a few events of an unknown type. Times carry
// sub-second parts, so the stores' truncation to seconds is exercised.
//
// Customers recur across tickets (see genCustomers), tickets carry products
// and custom fields (os, a text; reassignments, a number counting team
// changes; modules, a multi-enum), resolved tickets are often rated (a
// ticket.updated with the change csat), and some tickets link to earlier
// ones of the history (a ticket.updated with the change links): a parent
// link (duplicate_of, follow_up_of, caused_by) always names a ticket with a
// lower id created before, so chains never loop. All of that is drawn from
// a second random source, so the first one, and with it every creation time
// and the sequence of each ticket's events, is what it was before these were
// added; ratings and links only add events (and push the later ones back).
func Generate(o GenOptions) []events.Event {
	if o.FirstID == 0 {
		o.FirstID = 1
	}
	if o.Start.IsZero() {
		o.Start = time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	}
	if o.FirstSeq == 0 {
		o.FirstSeq = 1
	}
	g := &gen{r: rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15)),
		x: rand.New(rand.NewPCG(o.Seed^0x5851f42d4c957f2d, o.Seed+0x14057b7ef767814f))}
	g.customers = genCustomers(g.x)
	g.madeBy = make([][]madeTicket, len(g.customers))
	for i := range o.Tickets {
		g.ticket(o.FirstID+int64(i), o.Start.Add(time.Duration(g.r.Int64N(int64(60*24*time.Hour)))))
	}
	slices.SortStableFunc(g.out, func(a, b timed) int { return a.nominal.Compare(b.nominal) })
	evs := make([]events.Event, len(g.out))
	for i, t := range g.out {
		evs[i] = t.ev
		evs[i].Seq = o.FirstSeq + int64(i)*2 // seq may have gaps
	}
	return evs
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func raw(v any) json.RawMessage {
	if v == nil {
		return json.RawMessage("null")
	}
	b, _ := json.Marshal(v)
	return b
}

func (g *gen) ticket(id int64, created time.Time) {
	r := g.r
	created = created.Add(time.Duration(r.Int64N(int64(time.Second))))
	team := pick(r, teams)
	t := events.Ticket{
		ID: id, Version: 1, Subject: fmt.Sprintf("ticket %d: %s trouble", id, pick(r, cats)),
		Type: pick(r, types), Category: pick(r, cats), Channel: pick(r, channels),
		Urgency: pick(r, urgencies), Priority: pick(r, prios), Status: "new",
		Customer: events.Customer{ID: 1000 + id%97, Tier: pick(r, tiers), Region: pick(r, []string{"eu", "cn-north", "us"}),
			Organisation: pick(r, []string{"", "acme", "globex"})},
		Tags: []string{}, CustomFields: map[string]any{}, Team: team, Assignee: pick(r, agents[team]),
		SLAPolicy: pick(r, policies), CreatedAt: created, UpdatedAt: created,
	}
	if r.IntN(3) == 0 {
		t.Tags = []string{"vip", "vpn"}[:1+r.IntN(2)]
	}
	x := g.x
	customer := g.customer(&t)
	g.customFields(&t)
	at, nominal := created, created
	ver := int64(1)
	// emitWith writes the next version; rr draws its id and recording
	// delay (g.x for the events the second source adds).
	emitWith := func(rr *rand.Rand, typ events.Type, actor events.Actor, changes []events.Change, sla *events.SLA, c *events.Comment) {
		t.Version, t.UpdatedAt = ver, at
		snap := t
		snap.Tags = slices.Clone(t.Tags)
		snap.CustomFields = maps.Clone(t.CustomFields)
		snap.Links = slices.Clone(t.Links)
		if t.CSAT != nil {
			v := *t.CSAT
			snap.CSAT = &v
		}
		if t.ResolvedAt != nil {
			v := *t.ResolvedAt
			snap.ResolvedAt = &v
		}
		if t.ClosedAt != nil {
			v := *t.ClosedAt
			snap.ClosedAt = &v
		}
		if changes == nil {
			changes = []events.Change{}
		}
		ev := events.Event{
			SchemaVersion: 1, ID: fmt.Sprintf("%08x-%04x-7%03x-8000-%012x", id, ver, ver%0xfff, rr.Uint64()&0xffffffffffff),
			TicketID: id, TicketVersion: ver, Type: typ, At: at,
			RecordedAt: at.Add(time.Duration(rr.Int64N(int64(2 * time.Second)))),
			Actor:      actor, Source: events.SourceAPI, Changes: changes, SLA: sla, Comment: c, Ticket: snap,
		}
		if actor.Role == "system" {
			ev.Source = events.SourceSystem
		}
		g.out = append(g.out, timed{nominal: nominal, ev: ev})
		ver++
	}
	emit := func(typ events.Type, actor events.Actor, changes []events.Change, sla *events.SLA, c *events.Comment) {
		emitWith(r, typ, actor, changes, sla, c)
	}
	// later moves both clocks by a gap of up to max drawn from g.x.
	later := func(max time.Duration) {
		gap := time.Minute + time.Duration(x.Int64N(int64(max)))
		nominal, at = nominal.Add(gap), at.Add(gap)
	}
	client := events.Actor{ID: 7, Name: "shop-bot", Role: "client"}
	survey := events.Actor{ID: 8, Name: "survey-bot", Role: "client"}
	agent := func() events.Actor { return events.Actor{ID: 20, Name: t.Assignee, Role: "agent"} }
	system := events.Actor{Name: "deskmine-sla", Role: "system"}
	emit(events.TicketCreated, client, []events.Change{{Field: "status", Old: raw(nil), New: raw("new")}}, nil, nil)
	if ls := g.links(&t, customer); ls != nil {
		later(3 * time.Hour)
		t.Links = ls
		emitWith(x, events.TicketUpdated, agent(), []events.Change{{Field: "links", Old: raw(nil), New: raw(ls)}}, nil, nil)
	}
	g.made = append(g.made, madeTicket{id: id, created: t.CreatedAt})
	if customer >= 0 {
		g.madeBy[customer] = append(g.madeBy[customer], madeTicket{id: id, created: t.CreatedAt})
	}
	// rate records a rating of the resolved ticket, lower after a breach or
	// a reopen; a later rating replaces the earlier one.
	rate := func() {
		later(20 * time.Hour)
		score := 5 - x.IntN(3)
		if t.SLABreached {
			score--
		}
		if t.ReopenCount > 0 {
			score -= 2
		}
		old := t.CSAT
		t.CSAT = &events.CSAT{Score: max(score, 1), At: at}
		if x.IntN(3) == 0 {
			t.CSAT.Comment = "thanks"
		}
		emitWith(x, events.TicketUpdated, survey, []events.Change{{Field: "csat", Old: raw(old), New: raw(t.CSAT)}}, nil, nil)
	}
	// reassigned counts a change of team in the custom field
	// reassignments, when the ticket has it.
	reassigned := func(changes []events.Change) []events.Change {
		n, ok := t.CustomFields["reassignments"].(float64)
		if !ok {
			return changes
		}
		t.CustomFields["reassignments"] = n + 1
		return append(changes, events.Change{Field: "custom_fields.reassignments", Old: raw(n), New: raw(n + 1)})
	}

	setStatus := func(to string, actor events.Actor) {
		ch := []events.Change{{Field: "status", Old: raw(t.Status), New: raw(to)}}
		wasDone := t.Status == "resolved" || t.Status == "closed"
		switch {
		case to == "resolved":
			v := at
			t.ResolvedAt = &v
		case to == "closed":
			if t.ResolvedAt == nil {
				v := at
				t.ResolvedAt = &v
			}
			v := at
			t.ClosedAt = &v
		case wasDone:
			t.ResolvedAt, t.ClosedAt = nil, nil
			t.ReopenCount++
			ch = append(ch, events.Change{Field: "reopen_count", Old: raw(t.ReopenCount - 1), New: raw(t.ReopenCount)})
		}
		t.Status = to
		emit(events.TicketStatusChanged, actor, ch, nil, nil)
	}
	cycle := map[string]int{}
	steps := 3 + r.IntN(14)
	for range steps {
		if t.Status == "closed" {
			break
		}
		// Mostly minutes to hours apart; some in the same second.
		gap := time.Duration(r.Int64N(int64(6 * time.Hour)))
		if r.IntN(10) == 0 {
			gap = time.Duration(r.Int64N(int64(300 * time.Millisecond)))
		}
		nominal = nominal.Add(gap)
		at = at.Add(gap)
		if r.IntN(60) == 0 {
			at = at.Add(-time.Duration(r.Int64N(int64(time.Hour)))) // a skewed clock
		}
		switch k := r.IntN(100); {
		case k < 25:
			if r.IntN(3) == 0 {
				emit(events.TicketCommented, client, nil, nil, &events.Comment{ID: ver, Body: "any news?", Public: true})
			} else {
				emit(events.TicketCommented, agent(), nil, nil, &events.Comment{ID: ver, Body: "looking", Public: r.IntN(4) != 0})
			}
		case k < 50:
			next := map[string][]string{"new": {"open"}, "open": {"pending", "resolved", "closed"},
				"pending": {"open", "resolved"}, "resolved": {"closed", "open"}}[t.Status]
			setStatus(pick(r, next), agent())
			if (t.Status == "resolved" || t.Status == "closed") && x.IntN(2) == 0 {
				rate()
			}
		case k < 62: // ping-pong: back to the previous team half the time
			from, to := t.Team, pick(r, teams)
			if to == from {
				continue
			}
			t.Team, t.Assignee = to, pick(r, agents[to])
			emit(events.TicketUpdated, agent(), reassigned([]events.Change{
				{Field: "assignee", Old: raw(""), New: raw(t.Assignee)}, {Field: "team", Old: raw(from), New: raw(to)}}), nil, nil)
			if r.IntN(2) == 0 {
				nominal, at = nominal.Add(time.Hour), at.Add(time.Hour)
				t.Team, t.Assignee = from, pick(r, agents[from])
				emit(events.TicketUpdated, agent(), reassigned([]events.Change{{Field: "team", Old: raw(to), New: raw(from)}}), nil, nil)
			}
		case k < 70:
			old := t.Priority
			t.Priority = pick(r, prios)
			emit(events.TicketUpdated, agent(), []events.Change{{Field: "priority", Old: raw(old), New: raw(t.Priority)}}, nil, nil)
		case k < 90:
			m := pick(r, metrics)
			if cycle[m] == 0 {
				cycle[m] = 1
			}
			pol := t.SLAPolicy
			if pol == "" {
				pol = "default"
			}
			dl := at.Add(time.Duration(r.Int64N(int64(2*time.Hour))) + 1500*time.Millisecond)
			sla := &events.SLA{Metric: m, Cycle: cycle[m] + t.ReopenCount, Policy: pol, TargetSeconds: 1800, Deadline: &dl}
			if k < 80 {
				emit(events.TicketSLAWarning, system, nil, sla, nil)
			} else {
				var ch []events.Change
				if !t.SLABreached {
					ch = []events.Change{{Field: "sla_breached", Old: raw(false), New: raw(true)}}
				}
				t.SLABreached = true
				if r.IntN(3) == 0 {
					sla.Deadline = nil // the clock has stopped
				}
				emit(events.TicketSLABreached, system, ch, sla, nil)
			}
		case k < 96:
			from := t.Team
			t.Team = "network-l2"
			t.Assignee = pick(r, agents[t.Team])
			ch := []events.Change{{Field: "team", Old: raw(from), New: raw(t.Team)}}
			if from != t.Team {
				ch = reassigned(ch)
			}
			emit(events.TicketEscalated, system, ch, nil, nil)
		default:
			emit(UnknownType, system, nil, nil, nil)
		}
	}
}

// Package storetest is the conformance suite every analytics store must
// pass, with a generator of realistic ticket histories and the answers
// Check must give for them, computed here from the events alone.
package storetest

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
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
	r   *rand.Rand
	out []timed
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
	g := &gen{r: rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))}
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
	at, nominal := created, created
	ver := int64(1)
	emit := func(typ events.Type, actor events.Actor, changes []events.Change, sla *events.SLA, c *events.Comment) {
		t.Version, t.UpdatedAt = ver, at
		snap := t
		snap.Tags = slices.Clone(t.Tags)
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
			SchemaVersion: 1, ID: fmt.Sprintf("%08x-%04x-7%03x-8000-%012x", id, ver, ver%0xfff, r.Uint64()&0xffffffffffff),
			TicketID: id, TicketVersion: ver, Type: typ, At: at,
			RecordedAt: at.Add(time.Duration(r.Int64N(int64(2 * time.Second)))),
			Actor:      actor, Source: events.SourceAPI, Changes: changes, SLA: sla, Comment: c, Ticket: snap,
		}
		if actor.Role == "system" {
			ev.Source = events.SourceSystem
		}
		g.out = append(g.out, timed{nominal: nominal, ev: ev})
		ver++
	}
	client := events.Actor{ID: 7, Name: "shop-bot", Role: "client"}
	agent := func() events.Actor { return events.Actor{ID: 20, Name: t.Assignee, Role: "agent"} }
	system := events.Actor{Name: "deskmine-sla", Role: "system"}
	emit(events.TicketCreated, client, []events.Change{{Field: "status", Old: raw(nil), New: raw("new")}}, nil, nil)

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
		case k < 62: // ping-pong: back to the previous team half the time
			from, to := t.Team, pick(r, teams)
			if to == from {
				continue
			}
			t.Team, t.Assignee = to, pick(r, agents[to])
			emit(events.TicketUpdated, agent(), []events.Change{
				{Field: "assignee", Old: raw(""), New: raw(t.Assignee)}, {Field: "team", Old: raw(from), New: raw(to)}}, nil, nil)
			if r.IntN(2) == 0 {
				nominal, at = nominal.Add(time.Hour), at.Add(time.Hour)
				t.Team, t.Assignee = from, pick(r, agents[from])
				emit(events.TicketUpdated, agent(), []events.Change{{Field: "team", Old: raw(to), New: raw(from)}}, nil, nil)
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
			emit(events.TicketEscalated, system, []events.Change{{Field: "team", Old: raw(from), New: raw(t.Team)}}, nil, nil)
		default:
			emit(UnknownType, system, nil, nil, nil)
		}
	}
}

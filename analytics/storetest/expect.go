package storetest

import (
	"cmp"
	"slices"
	"time"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/ticketcore/events"
)

// Expect computes what Check must answer once evs (each ticket's events in
// version order, possibly with repeats) are applied. It follows the
// documented rules directly from the events, without the stores' code
// (analytics.Derive), so the suite checks the stores against an
// independent reading of the rules.
func Expect(evs []events.Event) *analytics.CheckResult {
	sec := func(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }
	ms := func(a, b time.Time) int64 { return max(sec(b).Sub(sec(a)).Milliseconds(), 0) }

	byTicket := map[int64][]events.Event{}
	seen := map[[2]int64]bool{}
	for _, e := range evs {
		k := [2]int64{e.TicketID, e.TicketVersion}
		if seen[k] {
			continue
		}
		seen[k] = true
		byTicket[e.TicketID] = append(byTicket[e.TicketID], e)
	}
	res := analytics.NewCheckResult()
	teamMs := map[string]int64{}
	days := map[int64]int64{}
	for _, tevs := range byTicket {
		slices.SortFunc(tevs, func(a, b events.Event) int { return cmp.Compare(a.TicketVersion, b.TicketVersion) })
		res.Tickets++
		var firstResponse *time.Time
		known := false
		for i, e := range tevs {
			if e.Type.Valid() {
				known = true
				res.Events++
				res.SeqSum += e.Seq
				res.EventsByType[string(e.Type)]++
				days[sec(e.At).Unix()/86400]++
				if (e.Type == events.TicketSLAWarning || e.Type == events.TicketSLABreached) && e.SLA != nil {
					outcome := "warning"
					if e.Type == events.TicketSLABreached {
						outcome = "breached"
					}
					res.SLAOutcomes[e.SLA.Metric+"/"+outcome]++
				}
			}
			if e.Ticket.ResolvedAt != nil && (i == 0 || tevs[i-1].Ticket.ResolvedAt == nil) {
				if e.Ticket.SLABreached {
					res.SLAOutcomes["overall/breached"]++
				} else {
					res.SLAOutcomes["overall/met"]++
				}
			}
			if firstResponse == nil && e.Type == events.TicketCommented && e.Comment.Public && e.Actor.Role != "client" {
				at := e.At
				firstResponse = &at
			}
			if i+1 < len(tevs) {
				res.ClosedIntervals++
				d := ms(e.At, tevs[i+1].At)
				res.IntervalMsByStatus[e.Ticket.Status] += d
				teamMs[e.Ticket.Team] += d
			} else {
				res.OpenIntervals++
			}
		}
		if known {
			res.EventTickets++
		}
		last := tevs[len(tevs)-1].Ticket
		res.TicketsByStatus[last.Status]++
		if firstResponse != nil {
			res.FirstResponses++
			res.FirstResponseMsSum += ms(last.CreatedAt, *firstResponse)
		}
		if last.ResolvedAt != nil {
			res.Resolved++
			res.ResolveMsSum += ms(last.CreatedAt, *last.ResolvedAt)
		}
		// A customer is known by an id, an email, an external id or a phone.
		if c := last.Customer; c.ID > 0 || c.Email != "" || c.ExternalID != "" || c.Phone != "" {
			res.CustomerTickets++
		}
		if last.CSAT != nil && last.CSAT.Score > 0 {
			res.CSATRated++
			res.CSATSum += int64(last.CSAT.Score)
		}
		res.Links += int64(len(last.Links))
		for _, v := range last.CustomFields {
			if v != nil { // a null value is no entry
				res.CustomFields++
			}
		}
	}
	for _, team := range slices.Sorted(mapsKeys(teamMs)) {
		if len(res.IntervalMsByTeam) < 20 {
			res.IntervalMsByTeam = append(res.IntervalMsByTeam, analytics.Count{Key: team, N: teamMs[team]})
		}
	}
	for d, n := range days {
		res.Days++
		res.DayChecksum += d * n
	}
	return res
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

package routing

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/deskmine/deskmine/ticketcore/events"
)

// NoSLA is the SLA time remaining of a ticket without an SLA deadline.
const NoSLA = time.Duration(math.MaxInt64)

// ScoreWeights configure Score. Values not listed in a map score 0.
type ScoreWeights struct {
	Tier     map[string]float64 `json:"tier"`     // by customer tier
	Urgency  map[string]float64 `json:"urgency"`  // by urgency
	Priority map[string]float64 `json:"priority"` // by priority
	// SLA is the points a ticket gets when its SLA deadline is now; pressure
	// grows linearly from 0 at SLAHorizon before the deadline, and keeps
	// growing after a breach up to twice SLA at SLAHorizon past it.
	SLA        float64       `json:"sla"`
	SLAHorizon time.Duration `json:"sla_horizon"`
}

// DefaultScoreWeights returns the default weights: priority P1 40, P2 25,
// P3 10, P4 0; urgency critical 30, high 20, medium 10, low 0; tier
// enterprise and vip 20, premium 10, standard 0; SLA 50 with a 4 h horizon.
// So a ticket scores between 0 and 190, and a breached ticket outranks any
// ticket far from its deadline.
func DefaultScoreWeights() ScoreWeights {
	return ScoreWeights{
		Tier:       map[string]float64{"enterprise": 20, "vip": 20, "premium": 10, "standard": 0},
		Urgency:    map[string]float64{"critical": 30, "high": 20, "medium": 10, "low": 0},
		Priority:   map[string]float64{"P1": 40, "P2": 25, "P3": 10, "P4": 0},
		SLA:        50,
		SLAHorizon: 4 * time.Hour,
	}
}

// Score ranks a ticket in a queue; higher is more pressing:
//
//	score = Tier[customer.tier] + Urgency[urgency] + Priority[priority] + SLA × pressure
//	pressure = 0                               remaining >= horizon (or NoSLA)
//	         = 1 - remaining/horizon           0 < remaining < horizon
//	         = 1 + min(overdue/horizon, 1)     remaining <= 0 (breached)
//
// slaRemaining is the time left until the ticket's next SLA deadline
// (negative once breached), or NoSLA.
func Score(t events.Ticket, slaRemaining time.Duration, w ScoreWeights) float64 {
	s := w.Tier[t.Customer.Tier] + w.Urgency[t.Urgency] + w.Priority[t.Priority]
	return s + w.SLA*slaPressure(slaRemaining, w.SLAHorizon)
}

func slaPressure(remaining, horizon time.Duration) float64 {
	if remaining == NoSLA {
		return 0
	}
	if horizon <= 0 {
		if remaining <= 0 {
			return 2
		}
		return 0
	}
	h := float64(horizon)
	switch {
	case remaining >= horizon:
		return 0
	case remaining > 0:
		return 1 - float64(remaining)/h
	}
	return 1 + math.Min(-float64(remaining)/h, 1)
}

// QueueEntry is a ticket waiting in a queue.
type QueueEntry struct {
	Ticket       events.Ticket `json:"ticket"`
	SLARemaining time.Duration `json:"-"` // until the next SLA deadline; NoSLA when none
	Score        float64       `json:"score"`
}

// OrderQueue scores the entries and returns them most pressing first: by
// score, then least SLA time remaining, then oldest, then lowest id, so the
// order is total and deterministic. The input is not modified.
func OrderQueue(entries []QueueEntry, w ScoreWeights) []QueueEntry {
	out := slices.Clone(entries)
	for i := range out {
		out[i].Score = Score(out[i].Ticket, out[i].SLARemaining, w)
	}
	slices.SortFunc(out, func(a, b QueueEntry) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		if c := cmp.Compare(a.SLARemaining, b.SLARemaining); c != 0 {
			return c
		}
		if c := a.Ticket.CreatedAt.Compare(b.Ticket.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.Ticket.ID, b.Ticket.ID)
	})
	return out
}

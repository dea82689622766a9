package demo

import (
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/events"
)

// Link is a link the demo makes from a ticket to an older one, at a moment
// inside the ticket's history (Load writes it through the ticket service
// between the ticket's imported changes).
type Link struct {
	Type   string // one of events.LinkTypes
	Target string // external id of the other ticket, created before At
	At     time.Time
	Actor  string // who made it: the agent handling the ticket, or the team lead for incidents
}

// Rating is a customer's CSAT rating of a resolved ticket.
type Rating struct {
	Score   int
	Comment string // "" when the customer wrote nothing
	At      time.Time
	Actor   string // the customer
}

// Shares of the planted links and ratings.
const (
	causedByP     = 0.85 // incident reports linked to their problem ticket
	duplicateP    = 0.8  // a second report of an open issue marked as its duplicate
	followUpP     = 0.6  // a new ticket on a topic the customer had resolved lately
	relatedP      = 0.2  // another topic of the same customer within a few days
	duplicateDays = 7
	followUpDays  = 21
	relatedDays   = 3
)

// history is what relate reads of a generated ticket.
type history struct {
	t        *Ticket
	customer string // external id; "" for problem tickets
	name     string // the customer's name
	region   string
	product  string
	problem  bool
	created  time.Time
	triage   time.Time // when an agent first opened it; zero if nobody did yet
	triager  string
	resolved time.Time // the last move into resolved; zero while unresolved at Now
	silent   bool      // resolved because the customer never answered
	reopened bool
	breached bool
	teams    int // how many times the ticket changed team
}

func readHistory(t *Ticket) *history {
	h := &history{t: t, created: t.Changes[0].At}
	first := t.Changes[0].Fields
	if c, ok := first["customer"].(map[string]any); ok {
		h.customer, _ = c["external_id"].(string)
		h.name, _ = c["name"].(string)
	}
	h.region, _ = first["region"].(string)
	h.product, _ = first["product"].(string)
	h.problem = first["type"] == "problem"
	status, team := "new", first["team"]
	for _, ch := range t.Changes {
		if v, ok := ch.Fields["team"]; ok && v != team {
			team = v
			h.teams++
		}
		if ch.Fields["sla_breached"] == true {
			h.breached = true
		}
		st, ok := ch.Fields["status"].(string)
		if !ok {
			continue
		}
		switch {
		case st == "open" && h.triage.IsZero():
			h.triage, h.triager = ch.At, ch.Actor
		case st == "resolved":
			h.resolved = ch.At
			res, _ := ch.Fields["resolution"].(string)
			h.silent = res == phraseNoResponse[LangEN] || res == phraseNoResponse[LangZH]
		case st == "open" && (status == "resolved" || status == "closed"):
			h.reopened = true
			h.resolved = time.Time{}
		}
		status = st
	}
	return h
}

// statusAt is the ticket's state at t.
func (h *history) statusAt(t time.Time) string {
	status := "new"
	for _, ch := range h.t.Changes {
		if ch.At.After(t) {
			break
		}
		if st, ok := ch.Fields["status"].(string); ok {
			status = st
		}
	}
	return status
}

func unresolved(status string) bool {
	return status == "new" || status == "open" || status == "pending"
}

// relate plans the links between the generated tickets and the customers'
// CSAT ratings. It draws from a random source of its own, so the histories
// are the same with or without it.
func (g *generator) relate(ds *Dataset, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 0x5eed_de5c_0de0_0002))
	hs := make([]*history, len(ds.Tickets))
	problems := map[string]*history{}
	for i := range ds.Tickets {
		hs[i] = readHistory(&ds.Tickets[i])
		if hs[i].problem {
			problems[hs[i].t.Spike] = hs[i]
		}
	}
	created := map[string]time.Time{}
	earlier := map[string][]*history{} // a customer's tickets so far, oldest first
	for _, h := range hs {
		created[h.t.ExternalID] = h.created
		if h.problem {
			continue
		}
		g.linkTicket(r, h, problems[h.t.Spike], earlier[h.customer])
		earlier[h.customer] = append(earlier[h.customer], h)
		g.rate(r, h)
		links, rating := place(h.t, h.t.Links, h.t.Rating, g.now)
		// Placing may move a link a little; it must still come after the
		// ticket it points to was created.
		h.t.Links = slices.DeleteFunc(links, func(l Link) bool { return !l.At.After(created[l.Target]) })
		h.t.Rating = rating
	}
}

// csatComments are what customers write with a rating, by score and
// language.
var csatComments = map[int][2][]string{
	1: {
		{"Took far too long, and I had to explain the problem three times.", "Nobody told me what was going on for days.", "Still not happy with how this was handled."},
		{"处理太慢了，同样的问题讲了三遍。", "好几天都没有人告诉我进展。", "对这次的处理很不满意。"},
	},
	2: {
		{"It got fixed in the end, but it took much too long.", "I was passed from one team to the next.", "Slow answers, I had to chase you."},
		{"最后是解决了，但时间太长。", "被转来转去好几个部门。", "回复太慢，还得我自己催。"},
	},
	3: {
		{"OK in the end.", "Solved, but the first answer did not help.", "Fine, though it could have been quicker."},
		{"总体还行。", "解决了，但第一次回复没什么用。", "还可以，就是可以再快一点。"},
	},
	4: {
		{"Good support, thanks.", "Quick and friendly.", "Solved my problem, thank you."},
		{"服务不错，谢谢。", "回复及时，态度很好。", "问题解决了，谢谢。"},
	},
	5: {
		{"Excellent, fixed within the hour!", "Very helpful agent, clear instructions.", "Best support I have had, thanks!"},
		{"非常好，一小时内就解决了！", "客服很专业，讲解很清楚。", "体验很好，非常感谢！"},
	},
}

// linkTicket plans the links of one customer ticket: at most one parent
// (the incident's problem ticket, else an open earlier report of the same
// issue, else a recently resolved ticket on the same topic) and sometimes a
// related earlier ticket on another topic.
func (g *generator) linkTicket(r *rand.Rand, h *history, problem *history, mine []*history) {
	if h.triage.IsZero() {
		return // nobody has looked at it yet
	}
	soon := func(t time.Time, median time.Duration) time.Time {
		return t.Add(max(20*time.Second, time.Duration(float64(median)*math.Exp(0.6*r.NormFloat64()))))
	}
	var parent *Link
	switch {
	case problem != nil:
		if r.Float64() >= causedByP {
			break
		}
		if !h.triage.Before(problem.created) {
			// The incident is known: the agent who takes the report links it.
			parent = &Link{Type: events.LinkCausedBy, Target: problem.t.ExternalID, At: soon(h.triage, 3*time.Minute), Actor: h.triager}
		} else {
			// Reports that came in before the problem ticket are linked by
			// the lead who opens it.
			lead := problem.t.Changes[0].Actor
			parent = &Link{Type: events.LinkCausedBy, Target: problem.t.ExternalID, At: soon(problem.created, 40*time.Minute), Actor: lead}
		}
	default:
		for i := len(mine) - 1; i >= 0 && parent == nil; i-- {
			y := mine[i]
			age := h.created.Sub(y.created)
			switch {
			case y.t.Topic == h.t.Topic && age < duplicateDays*24*time.Hour && unresolved(y.statusAt(h.triage)):
				if r.Float64() < duplicateP {
					parent = &Link{Type: events.LinkDuplicateOf, Target: y.t.ExternalID, At: soon(h.triage, 4*time.Minute), Actor: h.triager}
				}
			case y.t.Topic == h.t.Topic && !y.resolved.IsZero() && y.resolved.Before(h.created) &&
				h.created.Sub(y.resolved) < followUpDays*24*time.Hour:
				if r.Float64() < followUpP {
					parent = &Link{Type: events.LinkFollowUpOf, Target: y.t.ExternalID, At: soon(h.triage, 6*time.Minute), Actor: h.triager}
				}
			}
		}
	}
	if parent != nil {
		h.t.Links = append(h.t.Links, *parent)
	}
	for i := len(mine) - 1; i >= 0; i-- {
		y := mine[i]
		if h.created.Sub(y.created) >= relatedDays*24*time.Hour {
			break
		}
		if y.t.Topic != h.t.Topic && (parent == nil || parent.Target != y.t.ExternalID) && r.Float64() < relatedP {
			h.t.Links = append(h.t.Links, Link{Type: events.LinkRelatedTo, Target: y.t.ExternalID, At: soon(h.triage, 15*time.Minute), Actor: h.triager})
			break
		}
	}
}

// rate plans the customer's rating of a resolved ticket. About a third of
// customers answer the survey; the score falls with the time to resolve,
// reopening, a missed SLA and hand-offs between teams.
func (g *generator) rate(r *rand.Rand, h *history) {
	if h.resolved.IsZero() || h.silent || r.Float64() >= 0.35 {
		return
	}
	mu := 4.6
	took := h.resolved.Sub(h.created)
	for _, step := range []time.Duration{24 * time.Hour, 72 * time.Hour, 7 * 24 * time.Hour} {
		if took > step {
			mu -= 0.5
		}
	}
	if h.reopened {
		mu -= 1.2
	}
	if h.breached {
		mu -= 0.6
	}
	if h.teams >= 3 {
		mu -= 0.4
	}
	if h.t.Spike != "" {
		mu -= 0.3 // a broken product annoys even when support is quick
	}
	score := int(math.Round(mu + 0.8*r.NormFloat64()))
	score = min(5, max(1, score))
	lang := LangEN
	if hasHanText(h.t.Changes[0].Fields["subject"]) {
		lang = LangZH
	}
	comment := ""
	if r.Float64() < 0.4 {
		comment = pickOne(r, csatComments[score][lang])
	}
	// The survey goes out on resolution; customers answer within hours,
	// in their waking hours.
	at := h.resolved.Add(time.Duration(float64(4*time.Hour) * math.Exp(r.NormFloat64())))
	loc := regionZone(h.region)
	if lt := at.In(loc); lt.Hour() < 8 || lt.Hour() >= 23 {
		next := time.Date(lt.Year(), lt.Month(), lt.Day(), 8, 0, 0, 0, loc)
		if !next.After(lt) {
			next = next.AddDate(0, 0, 1)
		}
		at = next.Add(time.Duration(r.IntN(3*3600)) * time.Second).UTC()
	}
	h.t.Rating = &Rating{Score: score, Comment: comment, At: at, Actor: h.name}
}

func hasHanText(v any) bool {
	s, _ := v.(string)
	for _, c := range s {
		if c >= 0x4e00 && c <= 0x9fff {
			return true
		}
	}
	return false
}

// place moves each link and the rating strictly between two changes of
// the ticket's history, so that Load can write it between them and every
// event of the ticket stays later than the one before; what falls after
// Now is dropped. Acts that share a gap are spread evenly across it.
func place(t *Ticket, links []Link, rating *Rating, now time.Time) ([]Link, *Rating) {
	type act struct {
		at   *time.Time
		keep *bool
	}
	keepLinks := make([]bool, len(links))
	keepRating := rating != nil && !rating.At.After(now)
	var acts []act
	for i := range links {
		keepLinks[i] = !links[i].At.After(now) // not done yet at Now
		if keepLinks[i] {
			acts = append(acts, act{&links[i].At, &keepLinks[i]})
		}
	}
	if keepRating {
		acts = append(acts, act{&rating.At, &keepRating})
	}
	slices.SortStableFunc(acts, func(a, b act) int { return a.at.Compare(*b.at) })
	// gap i lies after change i; the last gap ends at Now.
	gapOf := func(at time.Time) int {
		i, _ := slices.BinarySearchFunc(t.Changes, at, func(c ticketcore.ImportedChange, at time.Time) int {
			if c.At.After(at) {
				return 1
			}
			return -1
		})
		return i - 1
	}
	end := now.Add(time.Microsecond) // an act may be at Now itself
	for i := 0; i < len(acts); {
		gap := gapOf(*acts[i].at)
		j := i
		for j < len(acts) && gapOf(*acts[j].at) == gap {
			j++
		}
		if gap < 0 { // before the ticket existed: nothing to write it on
			for k := i; k < j; k++ {
				*acts[k].keep = false
			}
			i = j
			continue
		}
		from := t.Changes[gap].At
		to := end
		if gap+1 < len(t.Changes) {
			to = t.Changes[gap+1].At
		}
		ok := true
		for k := i; k < j; k++ {
			at := acts[k].at.Truncate(time.Microsecond)
			if !at.After(from) || !at.Before(to) || (k > i && !at.After(*acts[k-1].at)) {
				ok = false
			}
			*acts[k].at = at
		}
		if !ok {
			if to.Sub(from) <= time.Duration(j-i+1)*time.Microsecond {
				for k := i; k < j; k++ {
					*acts[k].keep = false
				}
			}
			step := to.Sub(from) / time.Duration(j-i+1)
			for k := i; k < j; k++ {
				*acts[k].at = from.Add(step * time.Duration(k-i+1)).Truncate(time.Microsecond)
			}
		}
		i = j
	}
	var out []Link
	for i, l := range links {
		if keepLinks[i] {
			out = append(out, l)
		}
	}
	slices.SortStableFunc(out, func(a, b Link) int { return a.At.Compare(b.At) })
	if !keepRating {
		rating = nil
	}
	return out, rating
}

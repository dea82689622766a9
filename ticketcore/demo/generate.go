package demo

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/deskmine/deskmine/ticketcore"
)

// Ticket is one generated demo ticket: its whole history, ready for
// (*ticketcore.Service).ImportTicket.
type Ticket struct {
	ExternalID string
	Lang       Lang
	Topic      string // key of the topic it was written from
	Spike      string // key of the planned spike it belongs to; "" for the baseline
	Status     string // workflow state at Now
	Changes    []ticketcore.ImportedChange
	// Links (in time order) and Rating are written through the ticket
	// service between the changes they fall between.
	Links  []Link
	Rating *Rating
}

// Dataset is a generated demo dataset.
type Dataset struct {
	Tickets   []Ticket // oldest first; external ids follow that order
	Spikes    []Spike
	Agents    []*Agent
	Customers []*Customer // everyone in the customer base, including those without tickets
}

// Generate builds the demo dataset without touching a database. The same
// options (after defaults) always give the same dataset.
func Generate(opts Options) (*Dataset, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	g := newGenerator(opts)
	drafts := g.drafts()
	ds := &Dataset{Spikes: g.spikes, Agents: g.agents, Customers: g.customers, Tickets: make([]Ticket, 0, len(drafts))}
	for i, d := range drafts {
		ds.Tickets = append(ds.Tickets, g.lifecycle(fmt.Sprintf("DEMO-%06d", i+1), d))
	}
	g.relate(ds, opts.Seed)
	return ds, nil
}

type generator struct {
	r          *rand.Rand
	now, start time.Time
	days       int
	tickets    int
	agents     []*Agent
	byTeam     map[string][]*Agent
	teams      map[string]Team
	customers  []*Customer
	topics     []*topic
	topicByKey map[string]*topic
	spikes     []Spike
	defs       map[string]spikeDef
	// dayPick draws a local calendar day per region by its relative volume,
	// index 0 being the local day that contains start.
	dayPick map[string]picker
}

func newGenerator(opts Options) *generator {
	// The second PCG word is fixed so one Seed value names one dataset.
	r := rand.New(rand.NewPCG(opts.Seed, 0x5eed_de5c_0de0_0001))
	g := &generator{r: r, now: opts.Now.UTC().Truncate(time.Second), days: opts.Days, tickets: opts.Tickets,
		byTeam: map[string][]*Agent{}, teams: map[string]Team{}, topicByKey: map[string]*topic{},
		defs: map[string]spikeDef{}, dayPick: map[string]picker{}}
	g.start = g.now.AddDate(0, 0, -opts.Days)
	g.agents = newAgents(r)
	for _, a := range g.agents {
		g.byTeam[a.Team] = append(g.byTeam[a.Team], a)
	}
	for _, t := range Teams() {
		g.teams[t.Name] = t
	}
	g.customers = newCustomers(r, min(20000, max(40, opts.Tickets/5)))
	g.topics = topics()
	for _, t := range g.topics {
		g.topicByKey[t.key] = t
	}
	g.spikes = planSpikes(g.now, opts.Days, opts.Tickets)
	for _, d := range spikeDefs() {
		g.defs[d.Key] = d
	}
	g.planDays()
	return g
}

// planDays sets the daily volume: busy Mondays, quieter weekends, slow growth
// over the window, and some day-to-day noise.
func (g *generator) planDays() {
	dow := map[time.Weekday]float64{time.Monday: 1.18, time.Tuesday: 1.1, time.Wednesday: 1.05, time.Thursday: 1.0,
		time.Friday: 0.92, time.Saturday: 0.45, time.Sunday: 0.38}
	noise := make([]float64, g.days+2)
	for i := range noise {
		noise[i] = math.Exp(g.r.NormFloat64() * 0.12)
	}
	for _, region := range regionNames {
		loc := regionZone(region)
		first := localMidnight(g.start.In(loc))
		var w []float64
		for i := 0; ; i++ {
			day := first.AddDate(0, 0, i)
			if !day.Before(g.now) {
				break
			}
			trend := 0.9 + 0.2*float64(i)/float64(g.days)
			w = append(w, dow[day.Weekday()]*trend*noise[min(i, len(noise)-1)])
		}
		g.dayPick[region] = newPicker(w)
	}
}

func localMidnight(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
}

// hourWeight is the share of tickets arriving in each local hour: business
// hours, a lunch dip and a consumer evening tail.
var hourWeight = []float64{0.15, 0.08, 0.05, 0.04, 0.04, 0.08, 0.2, 0.45, 0.8, 1.0, 1.0, 0.95,
	0.75, 0.85, 0.95, 0.95, 0.9, 0.8, 0.65, 0.6, 0.6, 0.55, 0.45, 0.3}

// arrival draws a creation time in the window for a customer in region.
func (g *generator) arrival(region string) time.Time {
	loc := regionZone(region)
	first := localMidnight(g.start.In(loc))
	days := g.dayPick[region]
	for range 50 {
		day := first.AddDate(0, 0, days.pick(g.r))
		at := day.Add(time.Duration(pickIndex(g.r, hourWeight))*time.Hour +
			time.Duration(g.r.IntN(3600))*time.Second)
		if !at.Before(g.start) && at.Before(g.now) {
			return at.UTC()
		}
	}
	return g.start.Add(time.Duration(g.r.Int64N(int64(g.now.Sub(g.start)))))
}

// spikeArrival draws a creation time inside a spike window following its day
// shape and the customer's business hours.
func (g *generator) spikeArrival(s *Spike, region string) time.Time {
	loc := regionZone(region)
	for range 200 {
		day := pickIndex(g.r, s.dayShape)
		at := s.Start.Add(time.Duration(day)*24*time.Hour + time.Duration(g.r.Int64N(int64(24*time.Hour))))
		if !at.Before(s.End) || !at.Before(g.now) {
			continue
		}
		// The first hours of an incident are as busy as the hour allows;
		// accept by local hour so nights stay quieter.
		if g.r.Float64() < hourWeight[at.In(loc).Hour()] {
			return at
		}
	}
	end := s.End
	if g.now.Before(end) {
		end = g.now
	}
	return s.Start.Add(time.Duration(g.r.Int64N(int64(max(time.Second, end.Sub(s.Start))))))
}

// draft is a ticket before its lifecycle is written.
type draft struct {
	created time.Time
	topic   *topic
	cust    *Customer // nil for internal problem tickets
	spike   *Spike
	problem bool
	seq     int
}

// drafts places every ticket in time: the baseline first, then the planned
// spikes, sorted by creation time.
func (g *generator) drafts() []*draft {
	planted := 0
	for _, s := range g.spikes {
		planted += s.Tickets
	}
	baseline := max(0, g.tickets-planted)
	var out []*draft
	weights := make([]float64, len(g.topics))
	for i, t := range g.topics {
		weights[i] = t.weight
	}
	topicPick := newPicker(weights)
	custW := make([]float64, len(g.customers))
	for i, c := range g.customers {
		custW[i] = c.weight
	}
	custPick := newPicker(custW)
	for range baseline {
		tp := g.topics[topicPick.pick(g.r)]
		c := g.customers[custPick.pick(g.r)]
		out = append(out, &draft{created: g.arrival(c.Region), topic: tp, cust: c})
	}
	for i := range g.spikes {
		s := &g.spikes[i]
		def := g.defs[s.Key]
		tp := g.topicByKey[s.topic]
		cands, cw := g.spikeCustomers(s)
		candPick := newPicker(cw)
		for range s.Tickets - 1 {
			c := cands[candPick.pick(g.r)]
			g.claim(c, s)
			out = append(out, &draft{created: g.spikeArrival(s, c.Region), topic: tp, cust: c, spike: s})
		}
		// The problem ticket is opened once a lead has seen enough reports.
		known := s.Start.Add(def.knownAfter)
		if known.Before(g.now) {
			out = append(out, &draft{created: known, topic: tp, spike: s, problem: true})
		} else {
			c := cands[candPick.pick(g.r)]
			out = append(out, &draft{created: g.spikeArrival(s, c.Region), topic: tp, cust: c, spike: s})
		}
	}
	for i, d := range out {
		d.seq = i
	}
	slices.SortFunc(out, func(a, b *draft) int {
		if c := a.created.Compare(b.created); c != 0 {
			return c
		}
		return cmp.Compare(a.seq, b.seq)
	})
	return out
}

// spikeCustomers are the customers a spike can hit, with their weights.
func (g *generator) spikeCustomers(s *Spike) ([]*Customer, []float64) {
	var cands []*Customer
	var w []float64
	for _, c := range g.customers {
		ok := true
		switch {
		case s.Region != "":
			ok = c.Region == s.Region
		case len(s.regions) > 0:
			ok = slices.Contains(s.regions, c.Region)
		}
		if s.DeviceModel != "" && c.models[s.Product] != "" && c.models[s.Product] != s.DeviceModel {
			ok = false
		}
		if s.AppVersion != "" && c.phoneOS != "" && !strings.HasPrefix(c.phoneOS, "iOS") {
			ok = false
		}
		if !ok {
			continue
		}
		weight := c.weight
		if s.tierW != nil {
			// A billing run charges every renewal alike: how often the
			// customer writes in does not matter, only their tier.
			weight = s.tierW[c.Tier]
		}
		if weight > 0 {
			cands = append(cands, c)
			w = append(w, weight)
		}
	}
	if len(cands) == 0 { // a tiny customer base: let anyone be affected
		for _, c := range g.customers {
			cands = append(cands, c)
			w = append(w, 1)
		}
	}
	return cands, w
}

// claim pins the customer's device or phone to what the spike broke.
func (g *generator) claim(c *Customer, s *Spike) {
	if s.DeviceModel != "" {
		c.models[s.Product] = s.DeviceModel
	}
	if s.AppVersion != "" {
		c.phoneOS = "iOS 18.1"
	}
}

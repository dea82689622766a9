package demo

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/events"
)

// Actors that are not people.
const (
	actorSystem = "system"      // automation, e.g. auto-close
	actorSLA    = "SLA monitor" // flags breached deadlines
)

// autoClose is how long a resolved ticket stays resolved before the
// automation closes it, unless the customer confirms earlier.
const autoClose = 5 * 24 * time.Hour

// slaTarget is the resolution target per priority; pending time pauses it.
var slaTarget = map[string]time.Duration{"P1": 16 * time.Hour, "P2": 72 * time.Hour, "P3": 120 * time.Hour, "P4": 240 * time.Hour}

// Median waits before an agent acts, per priority.
var (
	triageMedian = map[string]time.Duration{"P1": 10 * time.Minute, "P2": 25 * time.Minute, "P3": 70 * time.Minute, "P4": 150 * time.Minute}
	queueMedian  = map[string]time.Duration{"P1": 30 * time.Minute, "P2": 90 * time.Minute, "P3": 4 * time.Hour, "P4": 8 * time.Hour}
	workFactor   = map[string]float64{"P1": 0.5, "P2": 0.8, "P3": 1, "P4": 1.3}
)

// life writes the history of one ticket. Its clock only moves forward: every
// step starts from the time of the step before.
type life struct {
	g        *generator
	d        *draft
	tp       *topic
	def      spikeDef // zero unless the ticket belongs to a spike
	lang     Lang
	vars     map[string]string
	fill     *strings.Replacer
	product  string
	priority string
	created  time.Time
	changes  []ticketcore.ImportedChange
	last     time.Time
	status   string
	tags     []string
	// pending spans pause the SLA clock.
	pendingFrom   time.Time
	pendingSpans  [][2]time.Time
	firstResolved time.Time
	toldKnown     bool
}

func (g *generator) lifecycle(id string, d *draft) Ticket {
	l := &life{g: g, d: d, tp: d.topic, created: d.created, status: "new"}
	if d.spike != nil {
		l.def = g.defs[d.spike.Key]
	}
	if d.problem {
		l.problemTicket()
	} else {
		l.customerTicket()
	}
	l.applySLA()
	return l.finish(id)
}

// add appends a change at or after at, keeping the history strictly in time
// order, and returns the time it was given.
func (l *life) add(at time.Time, actor, typ string, fields map[string]any, comment string, public bool) time.Time {
	if !at.After(l.last) {
		at = l.last.Add(time.Duration(1+l.g.r.IntN(20)) * time.Second)
	}
	l.last = at
	if st, ok := fields["status"].(string); ok {
		if l.status == "pending" && st != "pending" {
			l.pendingSpans = append(l.pendingSpans, [2]time.Time{l.pendingFrom, at})
		}
		if st == "pending" {
			l.pendingFrom = at
		}
		if st == "resolved" && l.firstResolved.IsZero() {
			l.firstResolved = at
		}
		l.status = st
	}
	l.changes = append(l.changes, ticketcore.ImportedChange{At: at, Actor: actor, Type: typ, Fields: fields,
		Comment: comment, Public: public, Source: events.SourceDemo})
	return at
}

func (l *life) setStatus(at time.Time, actor, status string, extra map[string]any) time.Time {
	f := map[string]any{"status": status}
	for k, v := range extra {
		f[k] = v
	}
	return l.add(at, actor, "status_changed", f, "", false)
}

func (l *life) update(at time.Time, actor string, fields map[string]any) time.Time {
	return l.add(at, actor, "updated", fields, "", false)
}

// reply is a public comment by an agent, in the ticket's language.
func (l *life) reply(at time.Time, a *Agent, text bi) time.Time {
	return l.add(at, a.Name, "commented", nil, l.text(text[l.lang]), true)
}

// note is an internal note, in the agent's own working language.
func (l *life) note(at time.Time, a *Agent, text bi) time.Time {
	return l.add(at, a.Name, "commented", nil, l.text(text[a.Lang]), false)
}

// customerSays is a public comment by the customer.
func (l *life) customerSays(at time.Time, phrases [2][]string) time.Time {
	return l.add(at, l.d.cust.Name, "commented", nil, l.text(pickOne(l.g.r, phrases[l.lang])), true)
}

func (l *life) text(s string) string {
	if l.fill == nil {
		return s
	}
	return l.fill.Replace(s)
}

// logn draws a duration around median with a log-normal spread.
func (g *generator) logn(median time.Duration, sigma float64) time.Duration {
	d := time.Duration(float64(median) * math.Exp(sigma*g.r.NormFloat64()))
	return max(d, 30*time.Second)
}

// openAt returns t if it falls in the local opening hours [from, to), else
// the next opening plus a little slack for the queue to be picked up.
func (g *generator) openAt(t time.Time, loc *time.Location, from, to int, weekdays bool) time.Time {
	lt := t.In(loc)
	for range 10 {
		wd := lt.Weekday()
		if (!weekdays || (wd != time.Saturday && wd != time.Sunday)) && lt.Hour() >= from && lt.Hour() < to {
			return lt.UTC()
		}
		next := time.Date(lt.Year(), lt.Month(), lt.Day(), from, 0, 0, 0, loc)
		if !next.After(lt) {
			next = next.AddDate(0, 0, 1)
		}
		lt = next.Add(time.Duration(g.r.IntN(40*60)) * time.Second)
	}
	return lt.UTC()
}

// agentAt is the first moment from t the agent is at work. The service desk
// works long days all week; specialists work office hours on weekdays,
// except on P1 tickets and in the team fighting a spike, which works long
// days until the fix.
func (l *life) agentAt(a *Agent, t time.Time) time.Time {
	from, to, weekdays := 8, 20, false
	if strings.HasPrefix(a.Region, "cn-") {
		to = 22
	}
	if l.g.teams[a.Team].Specialist {
		from, to, weekdays = 9, 18, true
		if s := l.d.spike; s != nil && s.Team == a.Team && t.After(s.Start) && t.Before(s.FixedAt.Add(24*time.Hour)) {
			from, to, weekdays = 8, 22, false
		}
	}
	if l.priority == "P1" { // everyone is on call for the most urgent tickets
		from, to, weekdays = 7, 23, false
	}
	return l.g.openAt(t, regionZone(a.Region), from, to, weekdays)
}

// customerAt is the first moment from t the customer is awake to reply.
func (l *life) customerAt(t time.Time) time.Time {
	return l.g.openAt(t, regionZone(l.d.cust.Region), 8, 23, false)
}

// pickAgent picks an agent of the team in the customer's region, or else one
// who speaks the customer's language (Chinese or not), so replies come from
// someone who can write them.
func (g *generator) pickAgent(team, region string) *Agent {
	all := g.byTeam[team]
	var same, near []*Agent
	for _, a := range all {
		switch {
		case a.Region == region:
			same = append(same, a)
		case strings.HasPrefix(a.Region, "cn-") == strings.HasPrefix(region, "cn-"):
			near = append(near, a)
		}
	}
	switch {
	case len(same) > 0 && (len(near) == 0 || g.r.Float64() < 0.7):
		return same[g.r.IntN(len(same))]
	case len(near) > 0:
		return near[g.r.IntN(len(near))]
	}
	return all[g.r.IntN(len(all))]
}

func (g *generator) lead(team string) *Agent {
	for _, a := range g.byTeam[team] {
		if a.Lead {
			return a
		}
	}
	return g.byTeam[team][0]
}

// channelWeights per region, in the order of ticketcore.Channels
// (email, chat, phone, social, web, api). Chinese customers use chat and
// social apps far more than email.
var channelWeights = map[string][]float64{
	"cn-north": {0.12, 0.35, 0.2, 0.15, 0.15, 0.03},
	"cn-south": {0.12, 0.35, 0.2, 0.15, 0.15, 0.03},
	"emea":     {0.4, 0.2, 0.12, 0.05, 0.2, 0.03},
	"na":       {0.32, 0.28, 0.15, 0.07, 0.15, 0.03},
	"apac":     {0.3, 0.3, 0.1, 0.12, 0.15, 0.03},
}

func (l *life) channel() string {
	r := l.g.r
	if s := l.d.spike; s != nil && r.Float64() < 0.9 {
		return s.Channels[pickIndex(r, s.channelW)]
	}
	w := slices.Clone(channelWeights[l.d.cust.Region])
	if l.d.cust.Tier == "enterprise" {
		w[0] *= 1.3
		w[5] *= 5 // businesses file from their own systems
	}
	if l.product == ProductBilling {
		w[0] *= 1.5
		w[4] *= 1.5
		w[2] *= 0.6
	}
	if l.tp.category == "hardware" {
		w[2] *= 1.5
	}
	return ticketcore.Channels[pickIndex(r, w)]
}

func (l *life) urgencyAndPriority() (string, string) {
	i := pickIndex(l.g.r, l.tp.urgency[:])
	tier := l.d.cust.Tier
	if (tier == "vip" || tier == "enterprise") && i < 3 && l.g.r.Float64() < 0.3 {
		i++
	}
	p := 3 - i // critical -> P1 ... low -> P4
	if tier == "vip" || tier == "enterprise" {
		p = max(0, p-1) // contracts buy a faster lane
	}
	return ticketcore.Urgencies[i], ticketcore.Priorities[p]
}

func (l *life) tagList() []any {
	out := make([]any, len(l.tags))
	for i, t := range l.tags {
		out[i] = t
	}
	return out
}

func (l *life) teamName(team string, lang Lang) string {
	if lang == LangZH {
		return l.g.teams[team].NameZH
	}
	return team
}

// customerTicket writes the life of a ticket a customer filed: triage by the
// service desk, escalation, hand-offs, questions to the customer,
// resolution, sometimes a reopen, and closing.
func (l *life) customerTicket() {
	g, r, d, tp := l.g, l.g.r, l.d, l.tp
	c := d.cust
	l.lang = c.Lang
	l.makeVars()
	channel := l.channel()
	if h := d.created.In(regionZone(c.Region)).Hour(); channel == "phone" && (h < 8 || h >= 22) {
		channel = "chat" // the hotline is closed at night; the chat bot takes it
	}
	urgency, prio := l.urgencyAndPriority()
	l.priority = prio
	s := d.spike
	load := 1.0
	if s != nil {
		load = 3 // every queue is flooded during an incident
	}
	known := s != nil && !d.created.Before(s.Start.Add(l.def.knownAfter))

	owner := tp.owner
	team0 := TeamL1
	directP := 0.3
	if s != nil && s.Team == TeamBilling {
		directP = 0.6 // the billing form routes straight to Billing
	}
	if owner != TeamL1 && (channel == "web" || channel == "email" || channel == "api") && r.Float64() < directP {
		team0 = owner
	}
	var first *Agent
	creator := c.Name
	if channel == "phone" { // the agent who took the call writes the ticket
		team0 = TeamL1
		first = g.pickAgent(TeamL1, c.Region)
		creator = first.Name
	}
	l.tags = append(slices.Clone(tp.tags), "lang:"+strings.ToLower(l.lang.Tag()))
	fields := map[string]any{
		"subject": l.text(pickOne(r, tp.subjects[l.lang])), "description": l.text(pickOne(r, tp.descs[l.lang])),
		"type": tp.typ, "category": tp.category, "product": l.product, "channel": channel, "urgency": urgency,
		"priority": prio, "customer": c.fields(), "region": c.Region, "team": team0, "tags": l.tagList(),
	}
	if tp.orderRef != "" {
		fields["order_ref"] = l.vars[tp.orderRef]
	}
	for k, v := range l.customFields() {
		fields[k] = v
	}
	t := l.add(d.created, creator, "created", fields, "", false)

	// Triage: someone on the first team takes it; a specialist team
	// reached directly takes it from its queue.
	if first == nil {
		first = g.pickAgent(team0, c.Region)
		wait := g.logn(time.Duration(float64(triageMedian[prio])*load), 0.9)
		if team0 != TeamL1 {
			wait = l.queueWait(team0, load)
		}
		t = l.agentAt(first, t.Add(wait))
	} else {
		t = t.Add(time.Duration(60+r.IntN(180)) * time.Second)
	}
	open := map[string]any{"assignee": first.Name}
	if known && s.Tag != "" {
		l.tags = append(l.tags, s.Tag)
		open["tags"] = l.tagList()
	}
	t = l.setStatus(t, first.Name, "open", open)
	ack := bi{pickOne(r, phraseAck[LangEN]), pickOne(r, phraseAck[LangZH])}
	if known {
		ack = bi{ack[0] + " " + phraseKnownIssue[0], ack[1] + phraseKnownIssue[1]}
		l.toldKnown = true
	}
	t = l.reply(t.Add(g.logn(6*time.Minute, 0.7)), first, ack)

	cur := first
	asked := false
	if team0 != owner {
		// The service desk tries the basics, sometimes needs details
		// first, then escalates to the team that owns the topic.
		if r.Float64() < tp.askP*0.4 {
			asked = true
			var done bool
			if t, done = l.askCustomer(t, cur); done {
				return
			}
		}
		spec := g.pickAgent(owner, c.Region)
		t = l.escalate(t, cur, owner, spec, load)
		if r.Float64() < 0.05 {
			// Sent back for missing details: L1 -> owner -> L1 -> owner.
			t = l.note(l.agentAt(spec, t.Add(g.logn(20*time.Minute, 0.6))), spec, phraseMissingInfo)
			t = l.update(t.Add(time.Minute), spec.Name, map[string]any{"team": TeamL1, "assignee": cur.Name})
			t = l.agentAt(cur, t.Add(g.logn(time.Hour, 0.8)))
			var done bool
			if t, done = l.askCustomer(t, cur); done {
				return
			}
			asked = true
			t = l.escalate(t, cur, owner, spec, load)
		}
		cur = spec
	}

	// Ping-pong: the owner sends it to a partner team, which sends it back.
	pp := tp.pingPongP
	if s != nil && known {
		pp *= 0.3 // once the incident is known, nobody guesses any more
	}
	if tp.partner != "" && tp.partner != cur.Team && r.Float64() < pp {
		t = l.agentAt(cur, t.Add(g.logn(2*time.Hour, 0.8)))
		t = l.add(t, cur.Name, "commented", nil, l.text(tp.bounce[cur.Lang]), false)
		t = l.update(t.Add(time.Minute), cur.Name, map[string]any{"team": tp.partner, "assignee": ""})
		p := g.pickAgent(tp.partner, c.Region)
		t = l.agentAt(p, t.Add(l.queueWait(tp.partner, load)))
		t = l.update(t, p.Name, map[string]any{"assignee": p.Name})
		t = l.agentAt(p, t.Add(g.logn(90*time.Minute, 0.8)))
		back := phraseBounceBack[p.Lang]
		back = strings.NewReplacer("{from}", l.teamName(tp.partner, p.Lang), "{team}", l.teamName(cur.Team, p.Lang)).Replace(back)
		t = l.add(t, p.Name, "commented", nil, back, false)
		t = l.update(t.Add(time.Minute), p.Name, map[string]any{"team": cur.Team, "assignee": cur.Name})
		t = l.agentAt(cur, t.Add(g.logn(30*time.Minute, 0.8)))
	}

	if !asked && r.Float64() < tp.askP {
		var done bool
		if t, done = l.askCustomer(t, cur); done {
			return
		}
	}
	note := tp.note
	if s != nil && l.def.note[0] != "" {
		note = l.def.note
	}
	t = l.note(l.agentAt(cur, t.Add(g.logn(time.Hour, 0.8))), cur, note)

	resolutions := tp.resolutions
	if s != nil && len(l.def.resolutions) > 0 {
		resolutions = l.def.resolutions
	}
	res := 0
	work := time.Duration(tp.workHours * cur.Speed * workFactor[prio] * float64(time.Hour))
	if s != nil {
		var waited bool
		res, waited, t = l.spikeWait(t, cur)
		if waited {
			work = 30 * time.Minute // the fix is out: tell the customer how to get it
		}
	} else {
		if tp.waitReason != "" && r.Float64() < tp.waitP {
			t = l.wait(t, cur, tp.waitReason, time.Duration(tp.waitDays*24*float64(time.Hour)))
		}
		if r.Float64() < longWaitP {
			t = l.longWait(t, cur)
		}
	}

	if s == nil && r.Float64() < 0.1 {
		work = time.Duration(float64(work) * (4 + 12*r.Float64())) // the odd case nobody can crack quickly
	}
	resolveAt := l.agentAt(cur, t.Add(g.logn(work, 0.7)))
	if resolveAt.Sub(d.created) > 48*time.Hour && r.Float64() < 0.5 {
		chase := l.customerAt(t.Add(resolveAt.Sub(t) / 2))
		if chase.Before(resolveAt) {
			l.customerSays(chase, phraseChase)
		}
	}
	res = min(res, len(resolutions)-1)
	t = l.resolve(resolveAt, cur, resolutions[res], res == 1)

	// Sometimes the fix does not hold.
	reopenP := 0.05 * cur.Care
	if res == 1 {
		reopenP += 0.1 // workarounds come undone
	}
	if r.Float64() < min(reopenP, 0.3) {
		back := l.customerAt(t.Add(g.logn(20*time.Hour, 0.8)))
		if back.Before(t.Add(autoClose - time.Hour)) {
			t = l.customerSays(back, phraseReopen)
			t = l.setStatus(t.Add(30*time.Second), c.Name, "open", nil)
			t = l.note(l.agentAt(cur, t.Add(g.logn(2*time.Hour, 0.8))), cur, note)
			t = l.agentAt(cur, t.Add(g.logn(time.Duration(tp.workHours*0.5*cur.Speed*float64(time.Hour)), 0.7)))
			t = l.resolve(t, cur, resolutions[0], false)
		}
	}
	l.close(t, cur)
}

// escalate hands the ticket from the service desk to the owning team's
// queue; the specialist picks it up later, so the queue time is visible.
func (l *life) escalate(t time.Time, from *Agent, team string, spec *Agent, load float64) time.Time {
	g := l.g
	t = l.agentAt(from, t.Add(g.logn(40*time.Minute, 0.8)))
	h := phraseHandoff[from.Lang]
	t = l.add(t, from.Name, "commented", nil, strings.ReplaceAll(h, "{team}", l.teamName(team, from.Lang)), false)
	t = l.update(t.Add(time.Minute), from.Name, map[string]any{"team": team, "assignee": ""})
	t = l.agentAt(spec, t.Add(l.queueWait(team, load)))
	return l.update(t, spec.Name, map[string]any{"assignee": spec.Name})
}

// queueWait is how long a ticket waits in a team's queue.
func (l *life) queueWait(team string, load float64) time.Duration {
	f := l.g.teams[team].QueueFactor * load
	return l.g.logn(time.Duration(float64(queueMedian[l.priority])*f), 1.0)
}

// longWaitP is the share of tickets that wait a long time on someone: the
// backlog every real helpdesk carries.
const longWaitP = 0.4

// longWait parks the ticket for days: a part on order, a bug in the
// engineering backlog, a call scheduled with a business, or a customer who
// is away.
func (l *life) longWait(t time.Time, a *Agent) time.Time {
	day := 24 * time.Hour
	switch {
	case l.tp.owner == TeamHardware || l.tp.waitReason == "waiting_on_third_party":
		return l.wait(t, a, "waiting_on_third_party", 10*day)
	case l.tp.owner == TeamPlatform || l.tp.owner == TeamMobile || l.tp.owner == TeamNetwork:
		return l.wait(t, a, "waiting_on_internal", 18*day)
	case l.d.cust.Tier == "enterprise" || l.d.cust.Tier == "vip":
		return l.wait(t, a, "scheduled", 8*day)
	}
	t = l.reply(l.agentAt(a, t.Add(l.g.logn(20*time.Minute, 0.6))), a, l.tp.ask)
	t = l.setStatus(t.Add(time.Minute), a.Name, "pending", map[string]any{"pending_reason": "waiting_on_customer"})
	t = l.customerSays(l.customerAt(t.Add(l.g.logn(10*day, 0.7))), phraseCustomerInfo)
	return l.setStatus(t.Add(30*time.Second), l.d.cust.Name, "open", nil)
}

// wait puts the ticket on hold for a reason other than the customer. Half
// the agents waiting on engineering leave the ticket open instead of
// pending, as agents do; the SLA clock keeps running on those.
func (l *life) wait(t time.Time, a *Agent, reason string, median time.Duration) time.Time {
	t = l.note(t.Add(l.g.logn(10*time.Minute, 0.5)), a, phraseWait[reason])
	d := l.g.logn(median, 0.7)
	if reason == "waiting_on_internal" && l.priority != "P1" && l.g.r.Float64() < 0.5 {
		return l.agentAt(a, t.Add(d))
	}
	t = l.setStatus(t.Add(time.Minute), a.Name, "pending", map[string]any{"pending_reason": reason})
	return l.setStatus(l.agentAt(a, t.Add(d)), a.Name, "open", nil)
}

// askCustomer asks for details and waits for the answer. done reports that
// the customer never answered and the ticket was resolved and closed.
func (l *life) askCustomer(t time.Time, a *Agent) (time.Time, bool) {
	g := l.g
	t = l.reply(l.agentAt(a, t.Add(g.logn(30*time.Minute, 0.8))), a, l.tp.ask)
	t = l.setStatus(t.Add(time.Minute), a.Name, "pending", map[string]any{"pending_reason": "waiting_on_customer"})
	if g.r.Float64() < 0.08 {
		t = l.reply(l.agentAt(a, t.Add(time.Duration(48+g.r.IntN(24))*time.Hour)), a, phraseReminder)
		t = l.agentAt(a, t.Add(g.logn(8*24*time.Hour, 0.5)))
		t = l.setStatus(t, a.Name, "resolved", map[string]any{"resolution": phraseNoResponse[l.lang]})
		l.add(t.Add(autoClose), actorSystem, "status_changed", map[string]any{"status": "closed"}, "", false)
		return t, true
	}
	t = l.customerSays(l.customerAt(t.Add(g.logn(5*time.Hour, 1.0))), phraseCustomerInfo)
	return l.setStatus(t.Add(30*time.Second), l.d.cust.Name, "open", nil), false
}

// spikeWait decides how an incident ticket ends: with the workaround now,
// or waiting for the fix. It returns the index of the resolution to use and
// whether the ticket waited.
func (l *life) spikeWait(t time.Time, a *Agent) (int, bool, time.Time) {
	g, s := l.g, l.d.spike
	if !t.Before(s.FixedAt) {
		return 0, false, t
	}
	if g.r.Float64() < l.def.workaroundP {
		return 1, false, t
	}
	if !l.toldKnown {
		t = l.reply(t.Add(g.logn(5*time.Minute, 0.5)), a, phraseKnownIssue)
		l.toldKnown = true
	}
	if s.Tag != "" && !slices.Contains(l.tags, s.Tag) {
		l.tags = append(l.tags, s.Tag)
		t = l.update(t.Add(time.Minute), a.Name, map[string]any{"tags": l.tagList()})
	}
	t = l.setStatus(t.Add(time.Minute), a.Name, "pending", map[string]any{"pending_reason": "waiting_on_internal"})
	return 0, true, l.setStatus(l.agentAt(a, s.FixedAt.Add(g.logn(3*time.Hour, 0.7))), a.Name, "open", nil)
}

// resolve tells the customer what was done and resolves the ticket.
// workaround marks a spike ticket that got the workaround, not the fix.
func (l *life) resolve(t time.Time, a *Agent, res bi, workaround bool) time.Time {
	text := l.text(res[l.lang])
	reply := strings.NewReplacer("{resolution}", text).Replace(l.text(phraseResolvedReply[l.lang]))
	t = l.add(t, a.Name, "commented", nil, reply, true)
	f := map[string]any{"resolution": text}
	// The version field of the ticket follows what is installed now.
	if s := l.d.spike; s != nil {
		field := "firmware_version"
		if s.AppVersion != "" {
			field = "app_version"
		}
		switch {
		case !workaround && s.FixVersion != "" && !t.Before(s.FixedAt):
			f[field] = s.FixVersion
		case workaround && l.def.rollback != "":
			f[field] = l.def.rollback
		}
	}
	return l.setStatus(t.Add(time.Duration(60+l.g.r.IntN(120))*time.Second), a.Name, "resolved", f)
}

// close ends a resolved ticket: the customer confirms and the agent closes
// it, or the automation closes it after autoClose.
func (l *life) close(t time.Time, a *Agent) {
	g := l.g
	if g.r.Float64() < 0.35 {
		ok := l.customerAt(t.Add(g.logn(5*time.Hour, 1.0)))
		if ok.Before(t.Add(autoClose - 2*time.Hour)) {
			ok = l.customerSays(ok, phraseConfirm)
			l.setStatus(l.agentAt(a, ok.Add(g.logn(2*time.Hour, 0.8))), a.Name, "closed", nil)
			return
		}
	}
	l.setStatus(t.Add(autoClose), actorSystem, "closed", nil)
}

// problemTicket writes the internal ticket a team lead opens for a spike,
// with progress notes until the fix ships.
func (l *life) problemTicket() {
	g, s := l.g, l.d.spike
	p := l.def.problem
	lead := g.lead(s.Team)
	l.lang = lead.Lang
	l.priority = "P1"
	l.vars = map[string]string{"run_date": s.Start.Format("2006-01-02")}
	l.fill = replacerFor(l.vars)
	l.tags = []string{s.Tag, "problem", "lang:" + strings.ToLower(l.lang.Tag())}
	fields := map[string]any{
		"subject": l.text(p.subject[l.lang]), "description": l.text(p.description[l.lang]), "type": "problem",
		"category": s.Category, "product": s.Product, "channel": "web", "urgency": "critical", "priority": "P1",
		"team": s.Team, "tags": l.tagList(),
	}
	if s.Region != "" {
		fields["region"] = s.Region
	}
	if s.DeviceModel != "" {
		fields["device_model"] = s.DeviceModel
		fields["firmware_version"] = s.FirmwareVersion
	}
	if s.AppVersion != "" {
		fields["app_version"] = s.AppVersion
	}
	t := l.add(l.d.created, lead.Name, "created", fields, "", false)
	t = l.setStatus(t.Add(2*time.Minute), lead.Name, "open", map[string]any{"assignee": lead.Name})
	// Progress notes: the first soon after opening, the last when the fix
	// ships, the others spread in between.
	base := t
	span := s.FixedAt.Sub(base)
	for i, n := range p.notes {
		at := s.FixedAt
		if i < len(p.notes)-1 {
			at = base.Add(span*time.Duration(i)/time.Duration(len(p.notes)-1) + g.logn(2*time.Hour, 0.5))
		}
		t = l.add(at, lead.Name, "commented", nil, l.text(n[lead.Lang]), false)
	}
	t = l.setStatus(t.Add(g.logn(2*time.Hour, 0.5)), lead.Name, "resolved", map[string]any{"resolution": l.text(p.resolution[l.lang])})
	// Closed after the post-incident review a week later.
	l.setStatus(l.agentAt(lead, t.Add(7*24*time.Hour)), lead.Name, "closed", nil)
}

// applySLA flags a customer ticket when its first resolution came after the
// deadline, or when the deadline passed with the ticket still unresolved.
// Time spent pending moves the deadline.
func (l *life) applySLA() {
	if l.d.problem {
		return // problem tickets track an incident, not a customer promise
	}
	target := slaTarget[l.priority]
	if l.d.cust != nil && (l.d.cust.Tier == "vip" || l.d.cust.Tier == "enterprise") {
		target = target * 3 / 4
	}
	deadline := l.created.Add(target)
	spans := l.pendingSpans
	if l.status == "pending" {
		spans = append(spans, [2]time.Time{l.pendingFrom, l.pendingFrom.Add(100 * 365 * 24 * time.Hour)})
	}
	for _, sp := range spans {
		if sp[0].Before(deadline) {
			deadline = deadline.Add(sp[1].Sub(sp[0]))
		}
	}
	if l.firstResolved.IsZero() || l.firstResolved.After(deadline) {
		l.changes = append(l.changes, ticketcore.ImportedChange{At: deadline, Actor: actorSLA, Type: "updated",
			Fields: map[string]any{"sla_breached": true}, Source: events.SourceDemo})
	}
}

// finish orders the history, cuts what lies after Now, and numbers lines.
func (l *life) finish(id string) Ticket {
	sort.SliceStable(l.changes, func(i, j int) bool { return l.changes[i].At.Before(l.changes[j].At) })
	kept := l.changes[:0]
	var prev time.Time
	status := "new"
	for _, ch := range l.changes {
		if !ch.At.After(prev) {
			ch.At = prev.Add(time.Second)
		}
		if ch.At.After(l.g.now) {
			break
		}
		prev = ch.At
		ch.Line = len(kept) + 1
		if st, ok := ch.Fields["status"].(string); ok {
			status = st
		}
		kept = append(kept, ch)
	}
	t := Ticket{ExternalID: id, Lang: l.lang, Topic: l.tp.key, Status: status, Changes: kept}
	if l.d.spike != nil {
		t.Spike = l.d.spike.Key
	}
	return t
}

func replacerFor(vars map[string]string) *strings.Replacer {
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	pairs := make([]string, 0, 2*len(keys))
	for _, k := range keys {
		pairs = append(pairs, "{"+k+"}", vars[k])
	}
	return strings.NewReplacer(pairs...)
}

// makeVars draws the details a ticket's texts mention.
func (l *life) makeVars() {
	g, r, c, at := l.g, l.g.r, l.d.cust, l.d.created
	v := map[string]string{"name": c.Name, "email": c.Email}
	l.product = l.tp.product
	if l.product == "" {
		l.product = []string{ProductRouter, ProductMesh, ProductCam}[r.IntN(3)]
	}
	if models, ok := deviceModels[l.product]; ok {
		m := c.models[l.product]
		if m == "" {
			m = models[pickIndex(r, []float64{0.7, 0.3})]
			c.models[l.product] = m
		}
		v["model"] = m
		v["fw"] = g.firmwareAt(m, c.Region, at)
		v["fw_latest"] = g.firmwareAt(m, "", at)
		p, ok := c.purchased[l.product]
		if !ok {
			p = g.start.Add(-time.Duration(r.IntN(600*24)) * time.Hour)
			c.purchased[l.product] = p
		}
		if l.tp.category == "setup" || l.tp.category == "shipping" {
			p = at.Add(-time.Duration(1+r.IntN(6)) * 24 * time.Hour) // a new device
		}
		v["purchase"] = p.Format("2006-01-02")
	}
	if c.phoneOS == "" {
		switch {
		case strings.HasPrefix(c.Region, "cn-"):
			c.phoneOS = []string{"HarmonyOS 4.2", "Android 15", "iOS 18.1"}[pickIndex(r, []float64{0.35, 0.35, 0.3})]
		default:
			c.phoneOS = []string{"iOS 18.1", "Android 15"}[pickIndex(r, []float64{0.55, 0.45})]
		}
	}
	v["os"] = c.phoneOS
	switch {
	case strings.HasPrefix(c.phoneOS, "iOS"):
		v["phone"] = pickOne(r, []string{"iPhone 15", "iPhone 14 Pro", "iPhone 16"})
	case strings.HasPrefix(c.phoneOS, "Harmony"):
		v["phone"] = pickOne(r, []string{"Huawei Mate 60", "Huawei P70"})
	default:
		v["phone"] = pickOne(r, []string{"Pixel 8", "Galaxy S24", "Xiaomi 14", "OnePlus 12"})
	}
	v["app_ver"] = g.appAt(at)
	v["pc_os"] = pickOne(r, []string{"Windows 11", "macOS 15", "Windows 10"})
	v["client_ver"] = pickOne(r, []string{"4.7.3", "4.8.0", "4.8.1"})
	if len(l.tp.errs) > 0 {
		v["err"] = pickOne(r, l.tp.errs)
	}
	v["pct"] = fmt.Sprint(40 + r.IntN(56))
	plan := []string{"300", "500", "1000"}[r.IntN(3)]
	v["speed_plan"] = plan
	v["speed"] = fmt.Sprint(40 + r.IntN(60))
	v["isp"] = pickOne(r, ispNames(c.Region, l.lang))
	v["sd"] = pickOne(r, []string{"64", "128", "256"})
	quota := []string{"200", "1000", "2000"}[r.IntN(3)]
	v["quota"], v["used"] = quota, quota
	v["n"] = fmt.Sprint(20 + r.IntN(880))
	v["folder"] = pickOne(r, folderNames[l.lang])
	v["days"] = fmt.Sprint(3 + r.IntN(18))
	h1 := r.IntN(20)
	v["h1"], v["h2"] = fmt.Sprint(h1), fmt.Sprint(h1+2+r.IntN(3))
	v["rma"] = fmt.Sprintf("%06d", r.IntN(1000000))
	v["order"] = fmt.Sprintf("SO%08d", r.IntN(100000000))
	v["order_date"] = at.Add(-time.Duration(7+r.IntN(8)) * 24 * time.Hour).Format("2006-01-02")
	v["cancel_date"] = at.Add(-time.Duration(1+r.IntN(10)) * 24 * time.Hour).Format("2006-01-02")
	v["invoice"] = fmt.Sprintf("INV-%s-%05d", at.Format("200601"), r.IntN(100000))
	price := planPrice(c)
	v["plan"] = price.plan
	v["amount"] = price.format()
	l.vars = v
	l.fill = replacerFor(v)
}

func ispNames(region string, lang Lang) []string {
	switch {
	case strings.HasPrefix(region, "cn-") && lang == LangZH:
		return []string{"中国电信", "中国联通", "中国移动"}
	case strings.HasPrefix(region, "cn-"):
		return []string{"China Telecom", "China Unicom", "China Mobile"}
	case region == "emea":
		return []string{"Deutsche Telekom", "Virgin Media", "Orange", "KPN"}
	case region == "na":
		return []string{"Comcast", "Verizon Fios", "Spectrum"}
	}
	return []string{"Singtel", "StarHub", "Telstra"}
}

var folderNames = [2][]string{
	{"Q3 invoices", "Project Atlas", "Family photos 2025", "Client contracts", "Thesis drafts"},
	{"2025年家庭照片", "季度报表", "项目资料", "合同扫描件", "毕业论文"},
}

type price struct {
	plan     string
	amount   float64
	currency string
}

func (p price) format() string { return fmt.Sprintf("%s%.2f", p.currency, p.amount) }

// planPrice is the customer's subscription and its price in their currency.
func planPrice(c *Customer) price {
	plans := map[string]string{"standard": "Standard", "premium": "Premium", "vip": "Premium Plus", "enterprise": "Business"}
	usd := map[string]float64{"standard": 9.99, "premium": 29, "vip": 49, "enterprise": 299}
	cny := map[string]float64{"standard": 68, "premium": 198, "vip": 328, "enterprise": 1999}
	eur := map[string]float64{"standard": 9.49, "premium": 27, "vip": 45, "enterprise": 279}
	switch {
	case strings.HasPrefix(c.Region, "cn-"):
		return price{plans[c.Tier], cny[c.Tier], "¥"}
	case c.Region == "emea":
		return price{plans[c.Tier], eur[c.Tier], "€"}
	}
	return price{plans[c.Tier], usd[c.Tier], "$"}
}

// customFields are the custom field values of a created change.
func (l *life) customFields() map[string]any {
	out := map[string]any{}
	for _, f := range l.tp.fields {
		switch f {
		case "device_model", "firmware_version", "purchase_date":
			key := map[string]string{"device_model": "model", "firmware_version": "fw", "purchase_date": "purchase"}[f]
			if v := l.vars[key]; v != "" {
				out[f] = v
			}
		case "app_version":
			out[f] = l.vars["app_ver"]
		case "refund_amount":
			out[f] = planPrice(l.d.cust).amount
		case "affected_features":
			var feats []string
			for _, x := range l.tp.features {
				if l.g.r.Float64() < 0.6 {
					feats = append(feats, x)
				}
			}
			if len(feats) == 0 && len(l.tp.features) > 0 {
				feats = []string{l.tp.features[0]}
			}
			if len(feats) > 0 {
				out[f] = feats
			}
		}
	}
	return out
}

// firmwareAt is the firmware a device of the model runs at a time. region ""
// asks for the newest stable release.
func (g *generator) firmwareAt(model, region string, at time.Time) string {
	rel := firmwareReleases[model]
	ver := rel[0].version
	for _, x := range rel {
		if !at.Before(g.now.Add(-time.Duration(x.daysAgo * 24 * float64(time.Hour)))) {
			ver = x.version
		}
	}
	for _, s := range g.spikes {
		if s.DeviceModel != model || s.FirmwareVersion == "" {
			continue
		}
		switch {
		case !at.Before(s.FixedAt):
			ver = s.FixVersion
		case !at.Before(s.Start) && region == s.Region:
			ver = s.FirmwareVersion
		}
	}
	return ver
}

// appAt is the current app version at a time.
func (g *generator) appAt(at time.Time) string {
	ver := appReleases[0].version
	for _, x := range appReleases {
		if !at.Before(g.now.Add(-time.Duration(x.daysAgo * 24 * float64(time.Hour)))) {
			ver = x.version
		}
	}
	for _, s := range g.spikes {
		if s.AppVersion == "" {
			continue
		}
		switch {
		case !at.Before(s.FixedAt):
			ver = s.FixVersion
		case !at.Before(s.Start):
			ver = s.AppVersion
		}
	}
	return ver
}

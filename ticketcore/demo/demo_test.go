package demo_test

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/deskmine/deskmine/internal/testdb"
	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/demo"
	"github.com/deskmine/deskmine/ticketcore/events"
	"github.com/deskmine/deskmine/ticketcore/storetest"
)

// testNow is a fixed end of the demo window, so that tests do not depend on
// the day they run.
var testNow = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

func newService(t *testing.T, b testdb.Backend) *ticketcore.Service {
	t.Helper()
	svc, _ := storetest.NewService(t, b, nil)
	return svc
}

// loaded is a database with the demo loaded, read back in full.
type loaded struct {
	svc     *ticketcore.Service
	opts    demo.Options
	sum     demo.Summary
	tickets []ticketcore.Ticket      // by id
	events  map[int64][]events.Event // per ticket, in seq order
	all     []events.Event           // in seq order
}

func loadDemo(t *testing.T, b testdb.Backend, opts demo.Options) *loaded {
	t.Helper()
	ctx := context.Background()
	svc := newService(t, b)
	var progress bytes.Buffer
	opts.Progress = &progress
	start := time.Now()
	sum, err := demo.Load(ctx, svc, opts)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	t.Logf("%s: loaded %d tickets and %d events in %s", b.Name, sum.Tickets, sum.Events, time.Since(start).Round(time.Millisecond))
	if !strings.Contains(progress.String(), "demo: loaded") {
		t.Errorf("progress does not report the load:\n%s", progress.String())
	}
	l := &loaded{svc: svc, opts: opts, sum: sum, events: map[int64][]events.Event{}}
	cursor := ""
	for {
		page, err := svc.List(ctx, ticketcore.ListQuery{Sort: "id", Limit: 500, Cursor: cursor})
		if err != nil {
			t.Fatalf("list: %v", err)
		}
		l.tickets = append(l.tickets, page.Tickets...)
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	var after int64
	for {
		evs, err := svc.Events(ctx, after, 1000)
		if err != nil {
			t.Fatalf("events: %v", err)
		}
		if len(evs) == 0 {
			break
		}
		for _, e := range evs {
			l.events[e.TicketID] = append(l.events[e.TicketID], e)
		}
		l.all = append(l.all, evs...)
		after = evs[len(evs)-1].Seq
	}
	return l
}

func TestLoad(t *testing.T) {
	for _, b := range testdb.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			// SQLite loads the default size, so the log shows the load time a
			// user gets; PostgreSQL takes about three times as long per event
			// (a round trip per statement), so it loads a smaller set.
			opts := demo.Options{Tickets: 3000, Days: 90, Seed: 7, Now: testNow}
			if b.Name != "sqlite" {
				opts.Tickets = 800
			}
			if testing.Short() {
				opts.Tickets = 400
			}
			l := loadDemo(t, b, opts)
			t.Run("counts", l.checkCounts)
			t.Run("languages", l.checkLanguages)
			t.Run("spikes", l.checkSpikes)
			t.Run("events", l.checkEvents)
			t.Run("lifecycle", l.checkLifecycle)
			t.Run("structure", l.checkStructure)
			t.Run("links and ratings", l.checkRelations)
			t.Run("second load is a no-op", l.checkIdempotent)
		})
	}
}

func (l *loaded) checkCounts(t *testing.T) {
	n := l.opts.Tickets
	if l.sum.Tickets != n || len(l.tickets) != n {
		t.Fatalf("summary says %d tickets, store has %d, want %d", l.sum.Tickets, len(l.tickets), n)
	}
	if l.sum.Events != len(l.all) {
		t.Errorf("summary says %d events, log has %d", l.sum.Events, len(l.all))
	}
	if l.sum.Chinese+l.sum.English != n {
		t.Errorf("languages add up to %d, not %d", l.sum.Chinese+l.sum.English, n)
	}
	for i, tk := range l.tickets {
		if want := demoID(i + 1); tk.ExternalID != want {
			t.Fatalf("ticket %d has external id %q, want %q", tk.ID, tk.ExternalID, want)
		}
	}
	if per := float64(len(l.all)) / float64(n); per < 6 || per > 30 {
		t.Errorf("%.1f events per ticket; a realistic lifecycle has about a dozen", per)
	}
}

func demoID(i int) string {
	s := "00000" + itoa(i)
	return "DEMO-" + s[len(s)-6:]
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

func hasHan(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0
}

func (l *loaded) checkLanguages(t *testing.T) {
	zh := 0
	for _, tk := range l.tickets {
		if hasHan(tk.Subject) {
			zh++
		}
	}
	share := float64(zh) / float64(len(l.tickets))
	t.Logf("%.1f%% of subjects are Chinese", 100*share)
	if share < 0.3 || share > 0.5 {
		t.Errorf("Chinese share %.2f, want about 0.4", share)
	}
	if zh != l.sum.Chinese {
		t.Errorf("summary counts %d Chinese tickets, subjects show %d", l.sum.Chinese, zh)
	}
	// Resolutions follow the ticket's language.
	for _, tk := range l.tickets {
		if tk.Resolution != "" && hasHan(tk.Subject) != hasHan(tk.Resolution) && tk.Type != "problem" {
			t.Fatalf("ticket %s: subject %q and resolution %q are in different languages", tk.ExternalID, tk.Subject, tk.Resolution)
		}
	}
}

// checkSpikes compares each planted spike's window with the same window one
// to four weeks earlier (same weekdays), on the spike's own dimensions.
func (l *loaded) checkSpikes(t *testing.T) {
	if len(l.sum.Spikes) < 2 {
		t.Fatalf("%d spikes planned, want at least 2", len(l.sum.Spikes))
	}
	start := testNow.AddDate(0, 0, -l.opts.Days)
	for _, s := range l.sum.Spikes {
		match := func(tk ticketcore.Ticket) bool {
			return tk.Product == s.Product && tk.Category == s.Category && (s.Region == "" || tk.Region == s.Region)
		}
		count := func(from, to time.Time) int {
			n := 0
			for _, tk := range l.tickets {
				if match(tk) && !tk.CreatedAt.Before(from) && tk.CreatedAt.Before(to) {
					n++
				}
			}
			return n
		}
		in := count(s.Start, s.End)
		var base []int
		for k := 1; k <= 4; k++ {
			from, to := s.Start.AddDate(0, 0, -7*k), s.End.AddDate(0, 0, -7*k)
			if from.Before(start) || overlapsSpike(l.sum.Spikes, from, to) {
				continue
			}
			base = append(base, count(from, to))
		}
		if len(base) == 0 {
			t.Fatalf("spike %s: no baseline window", s.Key)
		}
		sum := 0
		for _, b := range base {
			sum += b
		}
		avg := max(1, float64(sum)/float64(len(base)))
		ratio := float64(in) / avg
		t.Logf("spike %s: %d tickets in window, baseline %v, ratio %.1f", s.Key, in, base, ratio)
		if ratio <= 3 {
			t.Errorf("spike %s is not visible: ratio %.1f", s.Key, ratio)
		}
		if in < s.Tickets {
			t.Errorf("spike %s: %d matching tickets in the window, planned %d", s.Key, in, s.Tickets)
		}
		// The explanation dimensions dominate inside the window.
		var chans, tiers, tagged, spikeTickets int
		for _, tk := range l.tickets {
			if !match(tk) || tk.CreatedAt.Before(s.Start) || !tk.CreatedAt.Before(s.End) || tk.Type == "problem" {
				continue
			}
			spikeTickets++
			if slices.Contains(s.Channels[:2], tk.Channel) {
				chans++
			}
			if s.Tier != "" && tk.Customer.Tier == s.Tier {
				tiers++
			}
			if slices.Contains(tk.Tags, s.Tag) {
				tagged++
			}
		}
		if float64(chans) < 0.5*float64(spikeTickets) {
			t.Errorf("spike %s: only %d of %d tickets came through %v", s.Key, chans, spikeTickets, s.Channels[:2])
		}
		if s.Tier != "" && float64(tiers) < 0.5*float64(spikeTickets) {
			t.Errorf("spike %s: only %d of %d tickets are from %s customers", s.Key, tiers, spikeTickets, s.Tier)
		}
		if tagged == 0 {
			t.Errorf("spike %s: no ticket carries the incident tag %s", s.Key, s.Tag)
		}
		if s.DeviceModel != "" {
			for _, tk := range l.tickets {
				if match(tk) && tk.CreatedAt.After(s.Start.Add(time.Hour)) && tk.CreatedAt.Before(s.End) &&
					slices.Contains(tk.Tags, s.Tag) && tk.CustomFields["device_model"] != s.DeviceModel {
					t.Errorf("spike %s: tagged ticket %s has device %v", s.Key, tk.ExternalID, tk.CustomFields["device_model"])
				}
			}
		}
	}
}

func overlapsSpike(spikes []demo.Spike, from, to time.Time) bool {
	for _, s := range spikes {
		if from.Before(s.End) && s.Start.Before(to) {
			return true
		}
	}
	return false
}

func (l *loaded) checkEvents(t *testing.T) {
	start := testNow.AddDate(0, 0, -l.opts.Days)
	for _, tk := range l.tickets {
		evs := l.events[tk.ID]
		if len(evs) == 0 || int64(len(evs)) != tk.Version {
			t.Fatalf("ticket %s: %d events for version %d", tk.ExternalID, len(evs), tk.Version)
		}
		if evs[0].Type != events.TicketCreated {
			t.Fatalf("ticket %s starts with %s", tk.ExternalID, evs[0].Type)
		}
		for i, e := range evs {
			if err := e.Validate(); err != nil {
				t.Fatalf("ticket %s event %d: %v", tk.ExternalID, i, err)
			}
			if e.TicketVersion != int64(i+1) {
				t.Fatalf("ticket %s: event %d has version %d", tk.ExternalID, i, e.TicketVersion)
			}
			if e.Source != events.SourceDemo {
				t.Fatalf("ticket %s: event source %s", tk.ExternalID, e.Source)
			}
			if e.At.Before(start) || e.At.After(testNow) {
				t.Fatalf("ticket %s: event at %s is outside %s .. %s", tk.ExternalID, e.At, start, testNow)
			}
			if i > 0 && !e.At.After(evs[i-1].At) {
				t.Fatalf("ticket %s: event %d at %s is not after %s", tk.ExternalID, i, e.At, evs[i-1].At)
			}
			if e.Type == events.TicketCommented && (e.Comment == nil || strings.TrimSpace(e.Comment.Body) == "") {
				t.Fatalf("ticket %s: comment event without a body", tk.ExternalID)
			}
		}
		if !tk.CreatedAt.Equal(evs[0].At) || !tk.UpdatedAt.Equal(evs[len(evs)-1].At) {
			t.Fatalf("ticket %s: created/updated %s/%s do not match its events", tk.ExternalID, tk.CreatedAt, tk.UpdatedAt)
		}
	}
}

func (l *loaded) checkLifecycle(t *testing.T) {
	wf := ticketcore.DefaultWorkflow()
	var unresolved, breached, reopened, pingPong, waitedOnCustomer, public, internal int
	for _, tk := range l.tickets {
		switch tk.Status {
		case "resolved", "closed":
			if tk.ResolvedAt == nil || tk.Resolution == "" {
				t.Fatalf("ticket %s is %s without resolved_at or resolution", tk.ExternalID, tk.Status)
			}
			if tk.Status == "closed" && (tk.ClosedAt == nil || tk.ClosedAt.Before(*tk.ResolvedAt)) {
				t.Fatalf("ticket %s is closed with closed_at %v", tk.ExternalID, tk.ClosedAt)
			}
			if tk.Assignee == "" && tk.Type != "problem" {
				t.Fatalf("ticket %s was %s by nobody", tk.ExternalID, tk.Status)
			}
		case "new", "open", "pending":
			unresolved++
			if tk.ResolvedAt != nil || tk.ClosedAt != nil {
				t.Fatalf("ticket %s is %s with resolved_at/closed_at set", tk.ExternalID, tk.Status)
			}
			if tk.Status == "pending" && tk.PendingReason == "" {
				t.Fatalf("ticket %s is pending without a reason", tk.ExternalID)
			}
		default:
			t.Fatalf("ticket %s has unknown status %s", tk.ExternalID, tk.Status)
		}
		if tk.SLABreached {
			breached++
		}
		if tk.ReopenCount > 0 {
			reopened++
		}
		status := "new"
		var teams []string
		for _, e := range l.events[tk.ID] {
			if e.Ticket.Status != status {
				if err := wf.CheckTransition(status, e.Ticket.Status, e.Ticket.PendingReason); err != nil {
					t.Fatalf("ticket %s version %d: %v", tk.ExternalID, e.TicketVersion, err)
				}
				if e.Type != events.TicketStatusChanged {
					t.Fatalf("ticket %s version %d changes status in a %s event", tk.ExternalID, e.TicketVersion, e.Type)
				}
				status = e.Ticket.Status
			}
			if e.Ticket.PendingReason == "waiting_on_customer" {
				waitedOnCustomer++
			}
			if len(teams) == 0 || teams[len(teams)-1] != e.Ticket.Team {
				teams = append(teams, e.Ticket.Team)
			}
			if e.Comment != nil {
				if e.Comment.Public {
					public++
				} else {
					internal++
				}
			}
		}
		for i := 2; i < len(teams); i++ {
			if teams[i] == teams[i-2] {
				pingPong++
				break
			}
		}
	}
	n := float64(len(l.tickets))
	t.Logf("unresolved %.1f%%, SLA breached %.1f%%, reopened %d, ping-pong %d, public/internal comments %d/%d",
		100*float64(unresolved)/n, 100*float64(breached)/n, reopened, pingPong, public, internal)
	if share := float64(unresolved) / n; share < 0.05 || share > 0.16 {
		t.Errorf("%.2f of tickets are unresolved at now, want about 0.1", share)
	}
	if share := float64(breached) / n; share < 0.05 || share > 0.35 {
		t.Errorf("%.2f of tickets breached their SLA", share)
	}
	if unresolved != l.sum.Unresolved {
		t.Errorf("summary counts %d unresolved, store has %d", l.sum.Unresolved, unresolved)
	}
	if reopened == 0 || pingPong < len(l.tickets)/50 || waitedOnCustomer == 0 || public == 0 || internal == 0 {
		t.Errorf("lifecycles lack variety: reopened %d, ping-pong %d, waited on customer %d, public %d, internal %d",
			reopened, pingPong, waitedOnCustomer, public, internal)
	}
}

// checkStructure checks the dimensions analytics group by.
func (l *loaded) checkStructure(t *testing.T) {
	products, channels, regions, teams, agents := map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	perCustomer := map[int64]int{}
	fields := map[string]int{}
	for _, tk := range l.tickets {
		products[tk.Product]++
		channels[tk.Channel]++
		regions[tk.Region]++
		teams[tk.Team]++
		if tk.Assignee != "" {
			agents[tk.Assignee]++
		}
		if tk.Customer.ID != 0 {
			perCustomer[tk.Customer.ID]++
			if tk.Customer.Email == "" || tk.Customer.Phone == "" || tk.Customer.Tier == "" {
				t.Fatalf("ticket %s: customer without email, phone or tier: %+v", tk.ExternalID, tk.Customer)
			}
		} else if tk.Type != "problem" {
			t.Fatalf("customer ticket %s has no customer", tk.ExternalID)
		}
		for k := range tk.CustomFields {
			fields[k]++
		}
	}
	if len(products) < 6 || len(channels) < 6 || len(regions) < 5 || len(teams) < 6 {
		t.Errorf("too few dimensions: products %v, channels %v, regions %v, teams %v", products, channels, regions, teams)
	}
	if len(agents) < 20 {
		t.Errorf("only %d agents hold tickets", len(agents))
	}
	repeat := 0
	for _, n := range perCustomer {
		if n >= 3 {
			repeat++
		}
	}
	if repeat < 10 {
		t.Errorf("only %d customers have three or more tickets", repeat)
	}
	for _, d := range demo.FieldDefs() {
		if fields[d.Name] == 0 {
			t.Errorf("custom field %s is on no ticket", d.Name)
		}
	}
	if l.sum.Customers != len(perCustomer) {
		t.Errorf("summary counts %d customers, tickets have %d", l.sum.Customers, len(perCustomer))
	}

	// The planted bottleneck: tickets wait longer in Platform's queue
	// (handed to the team, nobody assigned) than in Network's.
	wait := map[string][]time.Duration{}
	for _, evs := range l.events {
		var since time.Time
		for i, e := range evs {
			if i > 0 && e.Ticket.Assignee == "" && (evs[i-1].Ticket.Assignee != "" || evs[i-1].Ticket.Team != e.Ticket.Team) {
				since = e.At
			}
			if !since.IsZero() && e.Ticket.Assignee != "" {
				wait[e.Ticket.Team] = append(wait[e.Ticket.Team], e.At.Sub(since))
				since = time.Time{}
			}
		}
	}
	median := func(d []time.Duration) time.Duration {
		slices.Sort(d)
		return d[len(d)/2]
	}
	if len(wait["Platform"]) < 10 || len(wait["Network"]) < 10 {
		t.Fatalf("too few queue waits to compare: %d Platform, %d Network", len(wait["Platform"]), len(wait["Network"]))
	}
	p, n := median(wait["Platform"]), median(wait["Network"])
	t.Logf("median queue wait: Platform %s, Network %s", p.Round(time.Minute), n.Round(time.Minute))
	if p < 2*n {
		t.Errorf("Platform's queue (median %s) is not the bottleneck against Network's (%s)", p, n)
	}
}

// checkRelations checks the planted ticket chains and CSAT ratings as the
// store holds them: written through the service with their events, pointing
// where the plan says, and rated the way the plan says.
func (l *loaded) checkRelations(t *testing.T) {
	byID := map[int64]*ticketcore.Ticket{}
	for i := range l.tickets {
		byID[l.tickets[i].ID] = &l.tickets[i]
	}
	statusAt := func(id int64, at time.Time) string {
		status := ""
		for _, e := range l.events[id] {
			if e.At.After(at) {
				break
			}
			status = e.Ticket.Status
		}
		return status
	}
	wf := ticketcore.DefaultWorkflow()
	kindOf := func(status string) ticketcore.StateKind {
		st, _ := wf.State(status)
		return st.Kind
	}
	links, ratings := map[string]int{}, 0
	var fast, slow []int
	for _, tk := range l.tickets {
		parents := 0
		for _, ln := range tk.Links {
			links[ln.Type]++
			// The target existed when the link was made (checked below); only
			// a problem ticket can be younger than the report linked to it.
			target, ok := byID[ln.TicketID]
			if !ok || target.ID == tk.ID || target.ID > tk.ID && ln.Type != events.LinkCausedBy {
				t.Fatalf("ticket %s %s %d, which is not an older ticket", tk.ExternalID, ln.Type, ln.TicketID)
			}
			if events.ParentLink(ln.Type) {
				parents++
			}
			// The event that made the link, by an agent, at a time inside the history.
			var made *events.Event
			for i, e := range l.events[tk.ID] {
				if ch, ok := e.ChangeOf("links"); ok && e.Type == events.TicketUpdated && strings.Contains(string(ch.New),
					fmt.Sprintf(`{"type":%q,"ticket_id":%d}`, ln.Type, ln.TicketID)) && !strings.Contains(string(ch.Old),
					fmt.Sprintf(`{"type":%q,"ticket_id":%d}`, ln.Type, ln.TicketID)) {
					made = &l.events[tk.ID][i]
				}
			}
			if made == nil || made.Actor.Name == "" || len(made.Changes) != 1 || !made.At.After(target.CreatedAt) {
				t.Fatalf("ticket %s: no sound event made its %s link to %s: %+v", tk.ExternalID, ln.Type, target.ExternalID, made)
			}
			switch ln.Type {
			case events.LinkCausedBy:
				if target.Type != "problem" || tk.Type == "problem" {
					t.Fatalf("ticket %s (%s) is caused_by %s, a %s ticket", tk.ExternalID, tk.Type, target.ExternalID, target.Type)
				}
			case events.LinkDuplicateOf:
				if target.Customer.ID != tk.Customer.ID || kindOf(statusAt(target.ID, made.At)) == ticketcore.KindResolved ||
					kindOf(statusAt(target.ID, made.At)) == ticketcore.KindClosed {
					t.Fatalf("ticket %s is a duplicate of %s, which is another customer's or was done by then", tk.ExternalID, target.ExternalID)
				}
			case events.LinkFollowUpOf:
				if target.Customer.ID != tk.Customer.ID || target.ResolvedAt == nil || !target.ResolvedAt.Before(tk.CreatedAt) {
					t.Fatalf("ticket %s follows up %s, which is another customer's or was not resolved before it", tk.ExternalID, target.ExternalID)
				}
			case events.LinkRelatedTo:
				if target.Customer.ID != tk.Customer.ID {
					t.Fatalf("ticket %s is related to another customer's ticket %s", tk.ExternalID, target.ExternalID)
				}
			}
		}
		if parents > 1 {
			t.Fatalf("ticket %s has %d parent links", tk.ExternalID, parents)
		}
		if tk.CSAT == nil {
			continue
		}
		ratings++
		c := tk.CSAT
		if c.Score < 1 || c.Score > 5 || tk.ResolvedAt == nil || c.At.Before(*tk.ResolvedAt) || c.At.After(testNow) {
			t.Fatalf("ticket %s (%s, resolved %v) has rating %+v", tk.ExternalID, tk.Status, tk.ResolvedAt, c)
		}
		var rated *events.Event
		for i, e := range l.events[tk.ID] {
			if _, ok := e.ChangeOf("csat"); ok {
				rated = &l.events[tk.ID][i]
			}
		}
		if rated == nil || !rated.At.Equal(c.At) || len(rated.Changes) != 1 || rated.Actor.Name != tk.Customer.Name ||
			kindOf(statusAt(tk.ID, c.At)) != ticketcore.KindResolved && kindOf(statusAt(tk.ID, c.At)) != ticketcore.KindClosed {
			t.Fatalf("ticket %s: no sound event recorded its rating: %+v", tk.ExternalID, rated)
		}
		if took := tk.ResolvedAt.Sub(tk.CreatedAt); took < 24*time.Hour {
			fast = append(fast, c.Score)
		} else if took > 72*time.Hour {
			slow = append(slow, c.Score)
		}
	}
	t.Logf("links %v, %d ratings", links, ratings)
	for _, typ := range events.LinkTypes {
		if links[typ] == 0 || links[typ] != l.sum.Links[typ] {
			t.Errorf("%d %s links in the store, summary says %d; want some", links[typ], typ, l.sum.Links[typ])
		}
	}
	resolved := l.sum.ByStatus["resolved"] + l.sum.ByStatus["closed"]
	if ratings != l.sum.Ratings || ratings < resolved/5 || ratings > resolved/2 {
		t.Errorf("%d ratings (summary %d) of %d resolved tickets, want about a third", ratings, l.sum.Ratings, resolved)
	}
	mean := func(s []int) float64 {
		sum := 0
		for _, x := range s {
			sum += x
		}
		return float64(sum) / float64(max(1, len(s)))
	}
	t.Logf("mean score %.2f for %d tickets resolved within a day, %.2f for %d that took over three days", mean(fast), len(fast), mean(slow), len(slow))
	if len(fast) < 10 || len(slow) < 10 || mean(fast)-mean(slow) < 0.5 {
		t.Errorf("ratings do not fall with the time to resolve: %.2f (%d) vs %.2f (%d)", mean(fast), len(fast), mean(slow), len(slow))
	}
}

func (l *loaded) checkIdempotent(t *testing.T) {
	var progress bytes.Buffer
	opts := l.opts
	opts.Progress = &progress
	opts.Seed = 99 // even other options must not add a second dataset
	sum, err := demo.Load(context.Background(), l.svc, opts)
	if err != nil {
		t.Fatalf("second load: %v", err)
	}
	if !sum.AlreadyLoaded || sum.Tickets != 0 {
		t.Fatalf("second load wrote data: %+v", sum)
	}
	if !strings.Contains(progress.String(), "already loaded") {
		t.Errorf("second load does not say why it did nothing: %q", progress.String())
	}
	evs, err := l.svc.Events(context.Background(), l.all[len(l.all)-1].Seq, 10)
	if err != nil || len(evs) != 0 {
		t.Fatalf("second load appended %d events (%v)", len(evs), err)
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	opts := demo.Options{Tickets: 400, Seed: 42, Now: testNow}
	a, err := demo.Generate(opts)
	if err != nil {
		t.Fatal(err)
	}
	b, err := demo.Generate(opts)
	if err != nil {
		t.Fatal(err)
	}
	subjects := func(ds *demo.Dataset) []string {
		var out []string
		for _, tk := range ds.Tickets {
			out = append(out, tk.Changes[0].Fields["subject"].(string))
		}
		return out
	}
	if !slices.Equal(subjects(a), subjects(b)) {
		t.Fatal("same seed gave different subjects")
	}
	if !reflect.DeepEqual(a.Tickets, b.Tickets) || !reflect.DeepEqual(a.Spikes, b.Spikes) {
		t.Fatal("same seed gave different histories")
	}
	opts.Seed = 43
	c, err := demo.Generate(opts)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(subjects(a), subjects(c)) {
		t.Fatal("another seed gave the same subjects")
	}
}

func TestSpikePlan(t *testing.T) {
	opts := demo.Options{Tickets: 1000, Days: 30, Seed: 5, Now: testNow}
	ds, err := demo.Generate(opts)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := demo.Plan(opts)
	if err != nil || !reflect.DeepEqual(plan, ds.Spikes) {
		t.Fatalf("Plan disagrees with the generated dataset: %v", err)
	}
	start := testNow.AddDate(0, 0, -30)
	perSpike := map[string]int{}
	for _, tk := range ds.Tickets {
		perSpike[tk.Spike]++
	}
	for _, s := range ds.Spikes {
		if s.Start.Before(start) || !s.End.Before(testNow) || !s.Start.Before(s.End) || s.FixedAt.Before(s.Start) {
			t.Errorf("spike %s window %s .. %s does not fit in %s .. %s", s.Key, s.Start, s.End, start, testNow)
		}
		if perSpike[s.Key] != s.Tickets {
			t.Errorf("spike %s plans %d tickets, dataset has %d", s.Key, s.Tickets, perSpike[s.Key])
		}
		if s.Cause == "" || s.Product == "" || s.Category == "" || s.Tag == "" || len(s.Channels) == 0 {
			t.Errorf("spike %s is missing its explanation: %+v", s.Key, s)
		}
	}
}

func TestOptionsAreChecked(t *testing.T) {
	for _, o := range []demo.Options{{Tickets: 10}, {Tickets: demo.MaxTickets + 1}, {Days: 3}, {Days: 5000}} {
		if _, err := demo.Generate(o); err == nil {
			t.Errorf("options %+v accepted", o)
		}
	}
}

func TestLoadKeepsConflictingFieldAndFails(t *testing.T) {
	ctx := context.Background()
	svc := newService(t, testdb.Backends()[0])
	if err := svc.PutFieldDef(ctx, ticketcore.FieldDef{Name: "device_model", Label: "Model", Kind: ticketcore.FieldText}); err != nil {
		t.Fatal(err)
	}
	_, err := demo.Load(ctx, svc, demo.Options{Tickets: 100, Now: testNow})
	if err == nil || !strings.Contains(err.Error(), "device_model") {
		t.Fatalf("want an error about device_model, got %v", err)
	}
	defs, err := svc.FieldDefs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range defs {
		if d.Name == "device_model" && d.Kind != ticketcore.FieldText {
			t.Fatalf("the installation's own field was overwritten: %+v", d)
		}
	}
	page, err := svc.List(ctx, ticketcore.ListQuery{Limit: 1})
	if err != nil || len(page.Tickets) != 0 {
		t.Fatalf("tickets were written despite the conflict: %d %v", len(page.Tickets), err)
	}
}

// TestTextsAreFilled checks that every placeholder in the templates was
// replaced: a typo in a variable name would otherwise ship "{modle}" to users.
func TestTextsAreFilled(t *testing.T) {
	ds, err := demo.Generate(demo.Options{Seed: 11, Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	placeholder := regexp.MustCompile(`\{[a-z_]+\}`)
	check := func(id, what, s string) {
		if m := placeholder.FindString(s); m != "" {
			t.Fatalf("ticket %s: %s keeps placeholder %s: %q", id, what, m, s)
		}
	}
	for _, tk := range ds.Tickets {
		for _, ch := range tk.Changes {
			check(tk.ExternalID, "comment", ch.Comment)
			for k, v := range ch.Fields {
				if s, ok := v.(string); ok {
					check(tk.ExternalID, k, s)
				}
			}
		}
	}
}

// TestSeasonality checks the weekly rhythm and business-hour arrivals of
// the baseline (spike tickets excluded).
func TestSeasonality(t *testing.T) {
	ds, err := demo.Generate(demo.Options{Seed: 13, Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	perDay := map[string]int{}
	weekday := map[string]bool{}
	office := 0
	baseline := 0
	for _, tk := range ds.Tickets {
		if tk.Spike != "" {
			continue
		}
		baseline++
		c := tk.Changes[0]
		day := c.At.UTC().Format(time.DateOnly)
		perDay[day]++
		wd := c.At.UTC().Weekday()
		weekday[day] = wd != time.Saturday && wd != time.Sunday
		region, _ := c.Fields["region"].(string)
		if h := c.At.In(localZone(region)).Hour(); h >= 8 && h < 20 {
			office++
		}
	}
	var wdSum, weSum, wdN, weN float64
	for day, n := range perDay {
		if weekday[day] {
			wdSum, wdN = wdSum+float64(n), wdN+1
		} else {
			weSum, weN = weSum+float64(n), weN+1
		}
	}
	ratio := (wdSum / wdN) / (weSum / weN)
	t.Logf("weekday/weekend volume %.2f, %.0f%% created in local office hours", ratio, 100*float64(office)/float64(baseline))
	if ratio < 1.6 || ratio > 4 {
		t.Errorf("weekday/weekend ratio %.2f, want a clear weekly rhythm", ratio)
	}
	if float64(office) < 0.7*float64(baseline) {
		t.Errorf("only %d of %d tickets arrived in local office hours", office, baseline)
	}
}

// localZone mirrors the fixed offsets the demo uses for regions.
func localZone(region string) *time.Location {
	switch region {
	case "cn-north", "cn-south", "apac":
		return time.FixedZone("", 8*3600)
	case "emea":
		return time.FixedZone("", 3600)
	case "na":
		return time.FixedZone("", -5*3600)
	}
	return time.UTC
}

// TestLoadRefusesAWindowAfterTheClock: links and ratings are written at
// their times by service methods that refuse the future, so a window ending
// after the service's clock is refused before anything is written.
func TestLoadRefusesAWindowAfterTheClock(t *testing.T) {
	ctx := context.Background()
	opts := ticketcore.DefaultOptions()
	opts.Now = func() time.Time { return testNow.Add(-time.Hour) }
	svc, _ := storetest.NewService(t, testdb.Backends()[0], &opts)
	_, err := demo.Load(ctx, svc, demo.Options{Tickets: 100, Now: testNow})
	if err == nil || !strings.Contains(err.Error(), "after the ticket service's clock") {
		t.Fatalf("want the window refused, got %v", err)
	}
	page, err := svc.List(ctx, ticketcore.ListQuery{Limit: 1})
	if err != nil || len(page.Tickets) != 0 {
		t.Fatalf("tickets were written: %d %v", len(page.Tickets), err)
	}
	if defs, err := svc.FieldDefs(ctx); err != nil || len(defs) != 0 {
		t.Fatalf("custom fields were defined: %v %v", defs, err)
	}
}

// Package demo loads a realistic, bilingual (zh-CN/en) demo dataset for
// Deskmine: a few thousand tickets of a fictional consumer-electronics and
// SaaS company over the last weeks, with teams, agents, repeat customers,
// weekly seasonality, planted incident spikes and complete lifecycles.
//
// The data is written through (*ticketcore.Service).ImportTicket, so every
// change becomes a change event with its original time, exactly as a real
// import would, and every downstream consumer (analytics, search, KB mining)
// sees demo data the way it sees real data. Links and CSAT ratings, which an
// import cannot carry, are written between a ticket's imported changes by
// the service's LinkWith and RateCSATWith, also at their original times.
//
// What is planted, so that analytics can be checked against it:
//   - incident spikes with a known cause: Plan, Spike, Summary.Spikes;
//   - queue bottlenecks: Team.QueueFactor (Platform, then Hardware RMA);
//   - ping-pong between teams: each topic may bounce from its owning team to
//     a partner and back (Network and Hardware RMA, Billing and Platform, ...),
//     more often early in an incident, and the service desk gets some
//     escalations sent back for missing details;
//   - per-agent differences: Agent.Speed (work time) and Agent.Care (reopens);
//   - SLA breaches, flagged by the "SLA monitor" actor when a deadline passes;
//   - clusters of similar resolved tickets with one resolution per topic and
//     language (two for incidents: the fix and the workaround), for KB mining;
//   - ticket chains: incident reports caused_by their spike's problem ticket,
//     a customer's second report of an open issue duplicate_of the first,
//     follow_up_of a recently resolved ticket on the same topic, and some
//     related_to links between a customer's tickets (Ticket.Links);
//   - CSAT ratings on about a third of resolved tickets, lower when the
//     ticket took long, was reopened, missed its SLA or went from team to
//     team (Ticket.Rating).
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/events"
)

// DefaultSeed is the seed used when Options.Seed is 0.
const DefaultSeed uint64 = 20260101

// Limits of Options, so that a typo cannot ask for a billion tickets and a
// window stays long enough to hold the planted spikes.
const (
	MinTickets = 50
	MaxTickets = 200_000
	MinDays    = 14
	MaxDays    = 730
)

// Options configure the demo dataset.
type Options struct {
	Tickets  int       // number of tickets; 0 means 3,000
	Days     int       // length of the window ending at Now; 0 means 90
	Seed     uint64    // random seed; 0 means DefaultSeed. Same options, same data.
	Now      time.Time // end of the window; zero means the current time
	Progress io.Writer // where progress lines go; nil means nowhere
}

func (o Options) withDefaults() (Options, error) {
	if o.Tickets == 0 {
		o.Tickets = 3000
	}
	if o.Days == 0 {
		o.Days = 90
	}
	if o.Seed == 0 {
		o.Seed = DefaultSeed
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	if o.Tickets < MinTickets || o.Tickets > MaxTickets {
		return o, fmt.Errorf("demo tickets must be between %d and %d, not %d", MinTickets, MaxTickets, o.Tickets)
	}
	if o.Days < MinDays || o.Days > MaxDays {
		return o, fmt.Errorf("demo days must be between %d and %d, not %d", MinDays, MaxDays, o.Days)
	}
	return o, nil
}

// Summary reports what Load did.
type Summary struct {
	AlreadyLoaded bool // demo tickets existed, so nothing was written
	Tickets       int
	Events        int
	Customers     int // distinct customers with at least one ticket
	Agents        int
	Chinese       int // tickets written in Chinese
	English       int
	Unresolved    int            // tickets new, open or pending at Now
	ByStatus      map[string]int // tickets per workflow state at Now
	Spikes        []Spike
	Links         map[string]int // links made, by type
	Ratings       int            // CSAT ratings recorded
	Elapsed       time.Duration
}

// FirstExternalID is the external id of the oldest demo ticket; its presence
// means the demo data is loaded.
const FirstExternalID = "DEMO-000001"

// Load writes the demo dataset through svc. It is idempotent: when demo
// tickets exist already it writes nothing and reports AlreadyLoaded. Custom
// fields the demo uses are defined first. Each ticket's history is written
// by ImportTicket, in one transaction, or in a few when links or a rating
// fall inside it: those are written by the service's Link and RateCSAT at
// their own time in between. A load that fails part-way keeps what was
// written so far, and since a later Load then sees demo data, start again
// on a fresh database. The window may not end after svc's clock.
func Load(ctx context.Context, svc *ticketcore.Service, opts Options) (Summary, error) {
	begin := time.Now()
	opts, err := opts.withDefaults()
	if err != nil {
		return Summary{}, err
	}
	loaded, err := isLoaded(ctx, svc)
	if err != nil {
		return Summary{}, err
	}
	if loaded {
		fmt.Fprintf(opts.Progress, "demo: data already loaded (ticket %s exists); nothing to do\n", FirstExternalID)
		return Summary{AlreadyLoaded: true, Elapsed: time.Since(begin)}, nil
	}
	// Links and ratings are written by the service's own methods, which
	// refuse times in the future.
	if clock := svc.Options().Now(); opts.Now.After(clock) {
		return Summary{}, fmt.Errorf("the demo window ends at %s, after the ticket service's clock (%s)",
			opts.Now.UTC().Format(time.RFC3339), clock.UTC().Format(time.RFC3339))
	}
	if err := defineFields(ctx, svc); err != nil {
		return Summary{}, err
	}
	ds, err := Generate(opts)
	if err != nil {
		return Summary{}, err
	}
	fmt.Fprintf(opts.Progress, "demo: generated %d tickets over %d days (seed %d) in %s\n",
		len(ds.Tickets), opts.Days, opts.Seed, time.Since(begin).Round(time.Millisecond))
	sum := Summary{Agents: len(ds.Agents), Spikes: ds.Spikes, ByStatus: map[string]int{}, Links: map[string]int{}}
	customers := map[string]bool{}
	for _, t := range ds.Tickets {
		sum.Tickets++
		sum.ByStatus[t.Status]++
		if t.Lang == LangZH {
			sum.Chinese++
		} else {
			sum.English++
		}
		if c, ok := t.Changes[0].Fields["customer"].(map[string]any); ok {
			customers[c["external_id"].(string)] = true
		}
	}
	step := max(500, len(ds.Tickets)/10)
	err = write(ctx, svc, ds, &sum, func(done int) {
		if done%step == 0 {
			fmt.Fprintf(opts.Progress, "demo: imported %d/%d tickets\n", done, len(ds.Tickets))
		}
	})
	if err != nil {
		return sum, err
	}
	sum.Customers = len(customers)
	sum.Unresolved = sum.ByStatus["new"] + sum.ByStatus["open"] + sum.ByStatus["pending"]
	sum.Elapsed = time.Since(begin)
	fmt.Fprintf(opts.Progress, "demo: loaded %d tickets (%d zh-CN, %d en), %d events, %d customers, %d agents in %s\n",
		sum.Tickets, sum.Chinese, sum.English, sum.Events, sum.Customers, sum.Agents, sum.Elapsed.Round(time.Millisecond))
	fmt.Fprintf(opts.Progress, "demo: linked tickets %d times (%d duplicate_of, %d follow_up_of, %d caused_by, %d related_to); %d CSAT ratings\n",
		sum.Links[events.LinkDuplicateOf]+sum.Links[events.LinkFollowUpOf]+sum.Links[events.LinkCausedBy]+sum.Links[events.LinkRelatedTo],
		sum.Links[events.LinkDuplicateOf], sum.Links[events.LinkFollowUpOf], sum.Links[events.LinkCausedBy], sum.Links[events.LinkRelatedTo], sum.Ratings)
	for _, s := range sum.Spikes {
		fmt.Fprintf(opts.Progress, "demo: planted spike %q: %d tickets %s .. %s\n", s.Key, s.Tickets,
			s.Start.Format(time.RFC3339), s.End.Format(time.RFC3339))
	}
	return sum, nil
}

// isLoaded looks the first demo ticket up by external id. The store's write
// transaction is the only exact external-id lookup it offers; it holds the
// lock for one indexed read.
func isLoaded(ctx context.Context, svc *ticketcore.Service) (bool, error) {
	found := false
	err := svc.Store().InTx(ctx, func(tx ticketcore.Tx) error {
		_, err := tx.TicketByExternalID(ctx, FirstExternalID)
		if errors.Is(err, ticketcore.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		found = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("look for demo data: %w", err)
	}
	return found, nil
}

// FieldDefs are the custom fields the demo tickets use.
func FieldDefs() []ticketcore.FieldDef {
	zero, maxRefund := 0.0, 100000.0
	return []ticketcore.FieldDef{
		{Name: "device_model", Label: "Device model", Kind: ticketcore.FieldEnum,
			Options: []string{"AX3000", "AX3000-Pro", "M5", "M5-Pro", "C2", "C3-Pro"}},
		{Name: "firmware_version", Label: "Firmware version", Kind: ticketcore.FieldText, MaxLength: 32},
		{Name: "app_version", Label: "App version", Kind: ticketcore.FieldText, MaxLength: 32},
		{Name: "purchase_date", Label: "Purchase date", Kind: ticketcore.FieldDate},
		{Name: "refund_amount", Label: "Refund amount", Kind: ticketcore.FieldNumber, Min: &zero, Max: &maxRefund},
		{Name: "affected_features", Label: "Affected features", Kind: ticketcore.FieldMultiEnum,
			Options: []string{"wifi_2g", "wifi_5g", "mesh", "wan", "parental_controls", "live_view", "recording",
				"night_vision", "sync", "sharing", "backup", "login", "notifications", "payments", "invoices"}},
	}
}

// defineFields creates the demo's custom fields. A field that exists already
// is kept when it accepts every demo value, so an installation's own
// definitions are never overwritten; one that would refuse them is an error.
func defineFields(ctx context.Context, svc *ticketcore.Service) error {
	have, err := svc.FieldDefs(ctx)
	if err != nil {
		return fmt.Errorf("read custom fields: %w", err)
	}
	byName := map[string]ticketcore.FieldDef{}
	for _, d := range have {
		byName[d.Name] = d
	}
	for _, want := range FieldDefs() {
		got, ok := byName[want.Name]
		if !ok {
			if err := svc.PutFieldDef(ctx, want); err != nil {
				return fmt.Errorf("define custom field %s: %w", want.Name, err)
			}
			continue
		}
		if err := compatible(got, want); err != nil {
			return fmt.Errorf("custom field %s exists with another definition: %w", want.Name, err)
		}
	}
	return nil
}

func compatible(got, want ticketcore.FieldDef) error {
	if got.Kind != want.Kind {
		return fmt.Errorf("kind is %s, the demo needs %s", got.Kind, want.Kind)
	}
	for _, o := range want.Options {
		if !slices.Contains(got.Options, o) {
			return fmt.Errorf("option %q is missing", o)
		}
	}
	if len(got.RequiredFor) > 0 {
		return fmt.Errorf("it is required for %v, which demo tickets do not all carry", got.RequiredFor)
	}
	if got.Min != nil && want.Min != nil && *got.Min > *want.Min || got.Max != nil && want.Max != nil && *got.Max < *want.Max {
		return errors.New("its range is narrower than the demo's")
	}
	if got.Kind == ticketcore.FieldText && got.MaxLength != 0 && got.MaxLength < want.MaxLength {
		return fmt.Errorf("max length %d is shorter than %d", got.MaxLength, want.MaxLength)
	}
	return nil
}

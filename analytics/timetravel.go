package analytics

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Time travel: the tickets open at a past instant, with their SLA state as
// it stood then, and the backlog grouped or filtered by that SLA state.
//
// The state of a ticket at an instant At is that of its highest version
// whose state interval started at or before At (the backlog's rule). Its
// SLA state then is
//
//   - breached: that state has sla_breached;
//   - at_risk: else, when an SLA warning (a sla_outcomes row of outcome
//     warning) at or before At comes after the ticket's last resolution at
//     or before At (its "overall" row), in the ticket's version order (the
//     same second can hold both);
//   - on_track: otherwise.

// SLA states of the time-travel queries.
const (
	SLAOnTrack  = "on_track"
	SLAAtRisk   = "at_risk"
	SLABreached = "breached"
)

// DimSLAState is the SLA-state dimension of the backlog and the open
// tickets: by=sla_state, filter.sla_state.
const DimSLAState = "sla_state"

// SLAStates lists the SLA states in order of urgency.
func SLAStates() []string { return []string{SLABreached, SLAAtRisk, SLAOnTrack} }

// Open-ticket limits.
const (
	DefaultOpenLimit = 100
	MaxOpenLimit     = 1000
)

// TimeTraveler answers the open-tickets query and hotspots as they stood
// at an instant; both stores implement it with the same answers for the
// same history.
type TimeTraveler interface {
	OpenAt(ctx context.Context, q OpenQuery) ([]OpenTicket, error)
	// HotspotsAt answers q with each ticket as its latest event row at or
	// before at stated it, over the tickets created in [q.From,
	// min(q.To, at)): what a dashboard showed at that instant.
	HotspotsAt(ctx context.Context, q HotspotQuery, at time.Time) ([]HotspotRow, error)
}

// OpenQuery asks for the tickets open (not resolved or closed) at At whose
// state then passes Filters (OpenFilterDimensions), oldest open first.
type OpenQuery struct {
	At      time.Time
	Filters map[string][]string
	Limit   int // default DefaultOpenLimit, at most MaxOpenLimit
}

// OpenFilterDimensions are the dimensions an OpenQuery filters by, in the
// order of the open-tickets query's filter parameters.
func OpenFilterDimensions() []string { return []string{"status", "team", "priority", DimSLAState} }

// OpenTicket is a ticket open at the query's instant, as it stood then.
// OpenedAt is the start of its open episode: when it was created, or last
// reopened, at or before the instant (the first state interval after its
// last done one); Age is the instant minus OpenedAt.
type OpenTicket struct {
	TicketID int64
	Status   string
	Team     string
	Assignee string
	Priority string
	Category string
	Product  string
	OpenedAt time.Time
	AgeMs    int64
	SLAState string
}

// Validate checks the query; errors are *QueryError.
func (q *OpenQuery) Validate() error {
	if err := validateAt(q.At); err != nil {
		return err
	}
	dims := OpenFilterDimensions()
	for d, vs := range q.Filters {
		if !slices.Contains(dims, d) {
			return &QueryError{Field: "filters", Reason: fmt.Sprintf("unknown dimension %q; allowed: %s", d, strings.Join(dims, ", "))}
		}
		if len(vs) == 0 {
			return &QueryError{Field: "filters", Reason: fmt.Sprintf("dimension %q has no values", d)}
		}
		if len(vs) > MaxPerfFilterValues {
			return &QueryError{Field: "filters", Reason: fmt.Sprintf("dimension %q has more than %d values", d, MaxPerfFilterValues)}
		}
		if d == DimSLAState {
			if err := validateSLAStates(vs); err != nil {
				return err
			}
		}
	}
	if q.Limit < 0 || q.Limit > MaxOpenLimit {
		return &QueryError{Field: "limit", Reason: fmt.Sprintf("must be between 1 and %d, got %d", MaxOpenLimit, q.Limit)}
	}
	return nil
}

func validateAt(at time.Time) error {
	if at.IsZero() {
		return &QueryError{Field: "at", Reason: "required"}
	}
	if at.Before(MinTime) || !at.Before(MaxTime) {
		return &QueryError{Field: "at", Reason: fmt.Sprintf("outside %d..%d", MinTime.Year(), MaxTime.Year()-1)}
	}
	return nil
}

func validateSLAStates(vs []string) error {
	for _, v := range vs {
		if !slices.Contains(SLAStates(), v) {
			return &QueryError{Field: "filters", Reason: fmt.Sprintf("unknown %s %q; allowed: %s", DimSLAState, v, strings.Join(SLAStates(), ", "))}
		}
	}
	return nil
}

// backlogSLAFilter takes the sla_state filter out of a backlog query's
// filters (the other dimensions are checked by hotspotFilters); the
// column is the SLA state the "backlog-sla" template computes.
func backlogSLAFilter(f map[string][]string) (map[string][]string, *HotspotFilter, error) {
	vs, ok := f[DimSLAState]
	if !ok {
		return f, nil, nil
	}
	if len(vs) == 0 {
		return nil, nil, &QueryError{Field: "filters", Reason: fmt.Sprintf("dimension %q has no values", DimSLAState)}
	}
	if err := validateSLAStates(vs); err != nil {
		return nil, nil, err
	}
	rest := make(map[string][]string, len(f)-1)
	for k, v := range f {
		if k != DimSLAState {
			rest[k] = v
		}
	}
	return rest, &HotspotFilter{Dim: DimSLAState, Column: DimSLAState, Values: slices.Clone(vs)}, nil
}

// TimeTravelQueryNames are the queries every store's queries_timetravel.sql
// defines: "backlog-sla", the backlog template with the SLA state (filled
// like "backlog"; parameters at four times, then the filters' values);
// "open-tickets" (named parameters at, open_filters, limit); "source-at"
// and "source-tags-at", the hotspot sources of RunHotspotsAt.
func TimeTravelQueryNames() []string {
	return []string{"backlog-sla", "open-tickets", "source-at", "source-tags-at"}
}

// OpenFilterArgs are the open_filters parameters: per dimension of
// OpenFilterDimensions, 1 and a placeholder list when it is not filtered,
// else 0 and its values (the query tests "(? = 1 OR value in list)").
func OpenFilterArgs(f map[string][]string) []any {
	var out []any
	for _, d := range OpenFilterDimensions() {
		if vs, ok := f[d]; ok {
			out = append(out, int64(0), slices.Clone(vs))
		} else {
			out = append(out, int64(1), []string{""})
		}
	}
	return out
}

// RunOpen answers an OpenQuery with a store's "open-tickets" query through run.
func RunOpen(ctx context.Context, run QueryFunc, qs map[string]string, q OpenQuery) ([]OpenTicket, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	vals := map[string][]any{"at": {q.At.Unix()}, "open_filters": OpenFilterArgs(q.Filters),
		"limit": {int64(cmp.Or(q.Limit, DefaultOpenLimit))}}
	args, err := BindNamed("open-tickets", qs["open-tickets"], vals)
	if err != nil {
		return nil, err
	}
	out := []OpenTicket{}
	err = ScanAll(ctx, run, "open-tickets", qs["open-tickets"], args, func(rows ResultRows) error {
		var t OpenTicket
		var opened int64
		if err := rows.Scan(&t.TicketID, &t.Status, &t.Team, &t.Assignee, &t.Priority, &t.Category, &t.Product,
			&opened, &t.SLAState); err != nil {
			return err
		}
		t.OpenedAt = time.Unix(opened, 0).UTC()
		t.AgeMs = q.At.Sub(t.OpenedAt).Milliseconds()
		out = append(out, t)
		return nil
	})
	return out, err
}

// usesSLAState reports whether a backlog query groups or filters by the
// SLA state: PlanBacklog hands it to planSLABacklog.
func usesSLAState(q BacklogQuery) bool {
	_, filtered := q.Filters[DimSLAState]
	return q.By == DimSLAState || filtered
}

// planSLABacklog plans a backlog query by or filtered by the SLA state:
// the rest of the query is planned by PlanBacklog, the SLA state added as
// the column sla_state of the "backlog-sla" template.
func planSLABacklog(q BacklogQuery) (*BacklogPlan, error) {
	rest, sla, err := backlogSLAFilter(q.Filters)
	if err != nil {
		return nil, err
	}
	by := q.By
	if by == DimSLAState {
		by = ""
	}
	p, err := PlanBacklog(BacklogQuery{At: q.At, By: by, Filters: rest})
	if err != nil {
		return nil, err
	}
	if q.By == DimSLAState {
		p.Column = DimSLAState
	}
	if sla != nil {
		p.Filters = append(p.Filters, *sla)
	}
	return p, nil
}

// slaBacklogSQL expands the template "backlog-sla": {key} is the grouped column (with the prefix last_) or the
// fragment backlog-all, {filters} one fragment "filter" per filter with
// {col} its column; parameters At four times, then each filter's values. The
// backlog's dimensions are plain columns, never custom fields.
func (p *BacklogPlan) slaBacklogSQL(frags map[string]string) (string, []any, error) {
	key := frags["backlog-all"]
	if p.Column != "" {
		key = "last_" + p.Column
	}
	var where strings.Builder
	args := []any{p.At, p.At, p.At, p.At}
	for _, f := range p.Filters {
		where.WriteString(" AND ")
		where.WriteString(strings.ReplaceAll(frags["filter"], "{col}", "last_"+f.Column))
		args = append(args, f.Values)
	}
	tmpl := frags["backlog-sla"]
	q := strings.NewReplacer("{key}", key, "{filters}", where.String()).Replace(tmpl)
	if n := strings.Count(q, "?"); tmpl == "" || n != len(args) {
		return "", nil, fmt.Errorf("query backlog-sla has %d parameters, the code binds %d", n, len(args))
	}
	return q, args, nil
}

// RunHotspotsAt answers a hotspot query as it stood at the instant at
// (see TimeTraveler) with a store's hotspot fragments and its "source-at"
// in place of the tickets table. Each ticket counts with its latest event
// row (event of a known type) at or before at: an event of an unknown
// type has no row, so a change it made shows from the next known event on.
func RunHotspotsAt(ctx context.Context, run QueryFunc, frags map[string]string, q HotspotQuery, at time.Time) ([]HotspotRow, error) {
	if err := validateAt(at); err != nil {
		return nil, err
	}
	if !q.From.IsZero() && !at.After(q.From) {
		return nil, &QueryError{Field: "at", Reason: "must be after from: no ticket was created yet"}
	}
	if q.To.After(at) {
		q.To = at
	}
	p, err := PlanHotspots(q)
	if err != nil {
		return nil, err
	}
	src := frags["source-at"]
	if src == "" || !strings.Contains(frags["source-tags-at"], "{source-at}") {
		return nil, fmt.Errorf("hotspot fragments source-at and source-tags-at are missing")
	}
	// Whole numbers computed here, never request text: see source-at.
	src = strings.NewReplacer("{at}", strconv.FormatInt(at.Unix(), 10), "{from}", strconv.FormatInt(p.From, 10),
		"{to}", strconv.FormatInt(p.To, 10)).Replace(src)
	f := maps.Clone(frags)
	f["source-tickets"] = src
	f["source-tags"] = strings.ReplaceAll(frags["source-tags-at"], "{source-at}", src)
	delete(f, "source-live") // source-at is the state at the instant already
	return RunHotspots(ctx, run, f, q)
}

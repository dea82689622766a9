package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/deskmine/deskmine/ticketcore/routing"
	"github.com/deskmine/deskmine/ticketcore/sla"
)

// Targets of deskmine bench route.
const (
	RouteMaxP99 = time.Millisecond // one routing decision, 2,000 agents and 300 rules
	SLAMaxLate  = time.Second      // a breach event after its due instant, 1M open tickets
)

// RouteOptions configure the routing and SLA scheduling benchmark.
type RouteOptions struct {
	Agents    int           // agents in the generated roster
	Rules     int           // routing rules
	Decisions int           // timed decisions per run
	SLAItems  int           // breach items in the scheduler; 0 skips the SLA part
	SLASpread time.Duration // the items fall due over this span
	Runs      int           // runs of each part; medians are reported
	Log       io.Writer     // progress lines; nil for none
}

// RouteRun is one routing run.
type RouteRun struct {
	P50        float64 `json:"p50_us"`
	P90        float64 `json:"p90_us"`
	P99        float64 `json:"p99_us"`
	Max        float64 `json:"max_us"`
	Mean       float64 `json:"mean_us"`
	Assigned   int     `json:"assigned"`
	Overflowed int     `json:"overflowed"`
	Unassigned int     `json:"unassigned"`
	NotAsked   int     `json:"not_requested"`
}

// RouteSummary is the routing part: the setup, every run and the medians.
type RouteSummary struct {
	Agents    int        `json:"agents"`
	Teams     int        `json:"teams"`
	Rules     int        `json:"rules"`
	Keywords  int        `json:"keywords"`
	Decisions int        `json:"decisions_per_run"`
	Runs      []RouteRun `json:"runs"`
	P50       float64    `json:"median_p50_us"`
	P99       float64    `json:"median_p99_us"`
	Max       float64    `json:"median_max_us"`
	Pass      bool       `json:"pass"` // median p99 within RouteMaxP99
}

// SLARun is one scheduler run.
type SLARun struct {
	LoadMS       float64 `json:"load_ms"`
	BytesPerItem float64 `json:"bytes_per_item"`
	Batches      int     `json:"batches"`
	P50Late      float64 `json:"p50_late_ms"`
	P99Late      float64 `json:"p99_late_ms"`
	MaxLate      float64 `json:"max_late_ms"`
}

// SLASummary is the SLA scheduler part.
type SLASummary struct {
	Items   int      `json:"items"`
	SpreadS float64  `json:"spread_s"`
	Overdue int      `json:"overdue_at_load"` // items already due when loaded, as after a restart
	HeapMB  float64  `json:"heap_mb"`         // held by a scheduler with every item loaded
	Runs    []SLARun `json:"runs"`
	P99Late float64  `json:"median_p99_late_ms"`
	MaxLate float64  `json:"median_max_late_ms"`
	Pass    bool     `json:"pass"` // the median of the runs' latest breach is within SLAMaxLate
	Skipped bool     `json:"skipped,omitempty"`
}

// RouteResult is what deskmine bench route prints.
type RouteResult struct {
	Route RouteSummary `json:"route"`
	SLA   SLASummary   `json:"sla"`
	Pass  bool         `json:"pass"`
}

func (o *RouteOptions) validate() error {
	if o.Agents < 1 || o.Rules < 1 || o.Decisions < 1 || o.Runs < 1 {
		return errors.New("agents, rules, decisions and runs must be positive")
	}
	if o.SLAItems < 0 || o.SLASpread < 0 {
		return errors.New("sla items and spread must not be negative")
	}
	return nil
}

func us(d time.Duration) float64 { return round(float64(d) / 1e3) }
func ms(d time.Duration) float64 { return round(float64(d) / 1e6) }

// RunRoute measures routing decisions with routing.MeasureRoute and the
// SLA scheduler with sla.MeasureScheduler, Runs times each, and reports
// medians with pass flags against RouteMaxP99 and SLAMaxLate.
func RunRoute(ctx context.Context, o RouteOptions) (*RouteResult, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	logf := func(format string, a ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, format+"\n", a...)
		}
	}
	res := &RouteResult{}
	r := &res.Route
	var p50s, p99s, maxes []float64
	for i := range o.Runs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		m, err := routing.MeasureRoute(o.Agents, o.Rules, o.Decisions, uint64(i+1)) // a new generated desk each run
		if err != nil {
			return nil, fmt.Errorf("measure route: %w", err)
		}
		r.Agents, r.Teams, r.Rules, r.Keywords, r.Decisions = m.Agents, m.Teams, m.Rules, m.Keywords, m.Decisions
		run := RouteRun{P50: us(m.P50), P90: us(m.P90), P99: us(m.P99), Max: us(m.Max), Mean: us(m.Mean),
			Assigned: m.Assigned, Overflowed: m.Overflowed, Unassigned: m.Unassigned, NotAsked: m.NotAsked}
		r.Runs = append(r.Runs, run)
		p50s, p99s, maxes = append(p50s, run.P50), append(p99s, run.P99), append(maxes, run.Max)
		logf("route run %d: p50 %.1fµs p99 %.1fµs max %.1fµs (%d assigned, %d overflowed)", i+1, run.P50, run.P99, run.Max, m.Assigned, m.Overflowed)
	}
	r.P50, r.P99, r.Max = median(p50s), median(p99s), median(maxes)
	r.Pass = r.P99 <= us(RouteMaxP99)

	s := &res.SLA
	s.Items, s.SpreadS = o.SLAItems, o.SLASpread.Seconds()
	if o.SLAItems == 0 {
		s.Skipped, s.Pass = true, true
	} else {
		var lates, p99 []float64
		for i := range o.Runs {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			m, err := sla.MeasureScheduler(o.SLAItems, o.SLASpread)
			if err != nil {
				return nil, fmt.Errorf("measure scheduler: %w", err)
			}
			run := SLARun{LoadMS: ms(m.Load), BytesPerItem: round(m.BytesPerItem), Batches: m.Batches,
				P50Late: ms(m.P50Late), P99Late: ms(m.P99Late), MaxLate: ms(m.MaxLate)}
			s.Runs = append(s.Runs, run)
			s.Overdue, s.HeapMB = m.Overdue, round(float64(m.HeapBytes)/1e6)
			lates, p99 = append(lates, run.MaxLate), append(p99, run.P99Late)
			logf("sla run %d: %s", i+1, m)
		}
		s.MaxLate, s.P99Late = median(lates), median(p99)
		s.Pass = s.MaxLate <= ms(SLAMaxLate)
	}
	res.Pass = r.Pass && s.Pass
	return res, nil
}

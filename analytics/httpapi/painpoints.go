package httpapi

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/deskmine/deskmine/analytics"
)

// PainPoint is a value of the by dimension over-represented in a segment.
type PainPoint struct {
	Value            string  `json:"value"`
	Tickets          int64   `json:"tickets"`         // the segment's tickets with the value
	Share            float64 `json:"share"`           // tickets / the segment's tickets
	OverallTickets   int64   `json:"overall_tickets"` // all tickets with the value
	OverallShare     float64 `json:"overall_share"`   // overall_tickets / all tickets
	Lift             float64 `json:"lift"`            // share / overall_share
	Score            float64 `json:"score"`           // lift * tickets, the ranking
	Reopened         int64   `json:"reopened"`
	ReopenRate       float64 `json:"reopen_rate"`
	SLABreached      int64   `json:"sla_breached"`
	SLABreachRate    float64 `json:"sla_breach_rate"`
	Resolved         int64   `json:"resolved"`
	ResolveP50Ms     int64   `json:"resolve_p50_ms"` // median created -> resolved of the resolved ones
	CSATRatings      int64   `json:"csat_ratings"`
	CSATAverage      float64 `json:"csat_average"`       // 0 when none rated
	CSATResponseRate float64 `json:"csat_response_rate"` // csat_ratings / tickets
	Finding          string  `json:"finding"`            // the pain point for people
}

// PainSegment is one value of the segment with its pain points, best first.
type PainSegment struct {
	Value      string      `json:"value"`
	Tickets    int64       `json:"tickets"`
	Share      float64     `json:"share"` // tickets / all tickets
	PainPoints []PainPoint `json:"pain_points"`
}

// PainPointsResponse is the answer of GET /painpoints: the query with its
// defaults and the segment values with the most tickets.
type PainPointsResponse struct {
	Segment    string        `json:"segment"`
	By         string        `json:"by"`
	From       time.Time     `json:"from"`
	To         time.Time     `json:"to"`
	MinTickets int           `json:"min_tickets"`
	Tickets    int64         `json:"tickets"` // all tickets created in [from, to) that pass the filters
	Segments   []PainSegment `json:"segments"`
}

// PainPoints serves GET /painpoints; its CSV has one row per pain point.
func (h *Handlers) PainPoints(c echo.Context) error {
	p, err := parseParams(c, "segment", "by", "from", "to", "limit", "segments", "min_tickets", "filter")
	if err != nil {
		return h.fail(c, err)
	}
	q := analytics.PainQuery{Segment: p.vals["segment"], By: p.vals["by"], Filters: p.filters}
	if q.From, q.To, err = p.fromTo(); err != nil {
		return h.fail(c, err)
	}
	for _, n := range []struct {
		name string
		dst  *int
	}{{"limit", &q.Limit}, {"segments", &q.Segments}, {"min_tickets", &q.MinTickets}} {
		if *n.dst, err = p.int(n.name); err != nil {
			return h.fail(c, err)
		}
	}
	if _, err := analytics.PlanPainPoints(q); err != nil {
		return h.fail(c, err)
	}
	r, err := h.store.PainPoints(c.Request().Context(), q)
	if err != nil {
		return h.fail(c, err)
	}
	res := PainPointsResponse{Segment: r.Query.Segment, By: r.Query.By, From: q.From, To: q.To, MinTickets: r.Query.MinTickets,
		Tickets: r.Tickets, Segments: make([]PainSegment, len(r.Segments))}
	for i, sg := range r.Segments {
		out := PainSegment{Value: sg.Value, Tickets: sg.Tickets, Share: sg.Share, PainPoints: make([]PainPoint, len(sg.Points))}
		for j, pp := range sg.Points {
			out.PainPoints[j] = PainPoint{Value: pp.Value, Tickets: pp.Tickets, Share: pp.Share, OverallTickets: pp.OverallTickets,
				OverallShare: pp.OverallShare, Lift: pp.Lift, Score: pp.Score, Reopened: pp.Reopened, ReopenRate: pp.ReopenRate,
				SLABreached: pp.Breached, SLABreachRate: pp.SLABreachRate, Resolved: pp.Resolved, ResolveP50Ms: pp.ResolveP50Ms,
				CSATRatings: pp.CSATRated, CSATAverage: pp.CSATAverage, CSATResponseRate: pp.CSATResponseRate, Finding: pp.Finding}
		}
		res.Segments[i] = out
	}
	if !p.csv() {
		return c.JSON(http.StatusOK, res)
	}
	records := [][]string{{res.Segment, res.By, "segment_tickets", "tickets", "share", "overall_share", "lift", "score",
		"reopen_rate", "sla_breach_rate", "resolve_p50_ms", "csat_ratings", "csat_average", "csat_response_rate", "finding"}}
	for _, sg := range res.Segments {
		for _, pp := range sg.PainPoints {
			records = append(records, []string{sg.Value, pp.Value, itoa(sg.Tickets), itoa(pp.Tickets), ftoa(pp.Share),
				ftoa(pp.OverallShare), ftoa(pp.Lift), ftoa(pp.Score), ftoa(pp.ReopenRate), ftoa(pp.SLABreachRate),
				itoa(pp.ResolveP50Ms), itoa(pp.CSATRatings), ftoa(pp.CSATAverage), ftoa(pp.CSATResponseRate), pp.Finding})
		}
	}
	return writeCSV(c, "painpoints", records)
}

package httpapi

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/deskmine/deskmine/analytics"
)

// TrendPoint is one bucket of GET /trends.
type TrendPoint struct {
	Bucket             time.Time `json:"bucket"` // start of the bucket in the query's zone
	End                time.Time `json:"end"`    // the instant of backlog: the bucket's end, at most to
	Created            int64     `json:"created"`
	Resolved           int64     `json:"resolved"`
	Backlog            int64     `json:"backlog"` // tickets open at end
	SLAMet             int64     `json:"sla_met"` // resolved tickets never SLA-breached
	SLAPercent         float64   `json:"sla_percent"`
	FirstResponseP50Ms int64     `json:"first_response_p50_ms"`
	ResolveP50Ms       int64     `json:"resolve_p50_ms"`
	CSATRatings        int64     `json:"csat_ratings"`
	CSATSum            int64     `json:"csat_sum"`
	CSATAverage        float64   `json:"csat_average"` // 0 when no rating
}

// TrendsResponse is the answer of GET /trends: every bucket of [from, to),
// in order.
type TrendsResponse struct {
	From   time.Time    `json:"from"`
	To     time.Time    `json:"to"`
	Bucket string       `json:"bucket"`
	TZ     string       `json:"tz"`
	Points []TrendPoint `json:"points"`
}

// Trends serves GET /trends: created, resolved and backlog per bucket with
// the resolved tickets' SLA, response, resolution and CSAT figures, for the
// manager overview.
func (h *Handlers) Trends(c echo.Context) error {
	p, err := parseParams(c, "from", "to", "bucket", "tz", "filter")
	if err != nil {
		return h.fail(c, err)
	}
	q := analytics.TrendQuery{Bucket: p.vals["bucket"], TZ: p.vals["tz"], Filters: p.filters}
	if q.From, q.To, err = p.fromTo(); err != nil {
		return h.fail(c, err)
	}
	plan, err := analytics.PlanTrends(q)
	if err != nil {
		return h.fail(c, err)
	}
	pts, err := h.store.Trends(c.Request().Context(), q)
	if err != nil {
		return h.fail(c, err)
	}
	res := TrendsResponse{From: q.From, To: q.To, Bucket: q.Bucket, TZ: plan.TZ, Points: make([]TrendPoint, len(pts))}
	for i, pt := range pts {
		res.Points[i] = TrendPoint{Bucket: pt.Bucket, End: pt.End, Created: pt.Created, Resolved: pt.Resolved,
			Backlog: pt.Backlog, SLAMet: pt.SLAMet, SLAPercent: ratio(pt.SLAMet, pt.Resolved) * 100,
			FirstResponseP50Ms: pt.FirstResponseP50Ms, ResolveP50Ms: pt.ResolveP50Ms,
			CSATRatings: pt.CSATRated, CSATSum: pt.CSATSum, CSATAverage: ratio(pt.CSATSum, pt.CSATRated)}
	}
	if !p.csv() {
		return c.JSON(http.StatusOK, res)
	}
	records := [][]string{{"bucket", "end", "created", "resolved", "backlog", "sla_met", "sla_percent",
		"first_response_p50_ms", "resolve_p50_ms", "csat_ratings", "csat_average"}}
	for _, r := range res.Points {
		records = append(records, []string{r.Bucket.Format(time.RFC3339), r.End.Format(time.RFC3339), itoa(r.Created),
			itoa(r.Resolved), itoa(r.Backlog), itoa(r.SLAMet), ftoa(r.SLAPercent), itoa(r.FirstResponseP50Ms),
			itoa(r.ResolveP50Ms), itoa(r.CSATRatings), ftoa(r.CSATAverage)})
	}
	return writeCSV(c, "trends", records)
}

func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

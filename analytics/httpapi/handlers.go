package httpapi

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/deskmine/deskmine/analytics"
)

// HotspotRow is one group of the hotspots answer.
type HotspotRow struct {
	Bucket *time.Time `json:"bucket,omitempty"` // start of the bucket; absent without bucket
	Keys   []string   `json:"keys"`             // values of the dimensions, in the query's order
	Count  int64      `json:"count"`
}

// HotspotsResponse is the answer of GET /hotspots.
type HotspotsResponse struct {
	Dimensions []string     `json:"dimensions"`
	Bucket     string       `json:"bucket"`
	TZ         string       `json:"tz"`
	From       time.Time    `json:"from"`
	To         time.Time    `json:"to"`
	At         *time.Time   `json:"at,omitempty"` // the instant of the counts; absent: now
	Rows       []HotspotRow `json:"rows"`
}

// Mover is one key of the movers answer.
type Mover struct {
	Key      string   `json:"key"`
	Current  int64    `json:"current"`
	Previous int64    `json:"previous"`
	Delta    int64    `json:"delta"`
	Ratio    *float64 `json:"ratio"` // null when previous is 0
}

// MoversResponse is the answer of GET /movers.
type MoversResponse struct {
	Dimension string    `json:"dimension"`
	From      time.Time `json:"from"`
	To        time.Time `json:"to"`
	PrevFrom  time.Time `json:"prev_from"`
	Rows      []Mover   `json:"rows"`
}

// BacklogRow is one key of the backlog answer; key is "" without by.
type BacklogRow struct {
	Key   string `json:"key"`
	Count int64  `json:"count"`
}

// BacklogResponse is the answer of GET /backlog.
type BacklogResponse struct {
	At   time.Time    `json:"at"`
	By   string       `json:"by"`
	Rows []BacklogRow `json:"rows"`
}

// PerformanceRow is one agent's or team's figures.
type PerformanceRow struct {
	Key                string  `json:"key"`
	Handled            int64   `json:"handled"`
	FirstResponses     int64   `json:"first_responses"`
	FirstResponseP50Ms int64   `json:"first_response_p50_ms"`
	FirstResponseP90Ms int64   `json:"first_response_p90_ms"`
	ResolveP50Ms       int64   `json:"resolve_p50_ms"`
	ResolveP90Ms       int64   `json:"resolve_p90_ms"`
	SLAMet             int64   `json:"sla_met"`
	SLAPercent         float64 `json:"sla_percent"`
	Reopened           int64   `json:"reopened"`
	ReopenRate         float64 `json:"reopen_rate"`
	Handoffs           int64   `json:"handoffs"`
	Backlog            int64   `json:"backlog"`
	CSATRatings        int64   `json:"csat_ratings"`       // handled tickets the customer rated
	CSATAverage        float64 `json:"csat_average"`       // their mean score (1..5); 0 when none
	CSATResponseRate   float64 `json:"csat_response_rate"` // csat_ratings / handled
}

// PerformanceResponse is the answer of GET /performance: the period's rows
// and those of the previous period of the same length.
type PerformanceResponse struct {
	By       string           `json:"by"`
	From     time.Time        `json:"from"`
	To       time.Time        `json:"to"`
	PrevFrom time.Time        `json:"prev_from"`
	PrevTo   time.Time        `json:"prev_to"`
	Rows     []PerformanceRow `json:"rows"`
	Previous []PerformanceRow `json:"previous"`
}

// StatusTime is the time spent in one status with one team.
type StatusTime struct {
	Team      string `json:"team"`
	Status    string `json:"status"`
	TotalMs   int64  `json:"total_ms"`
	Intervals int64  `json:"intervals"`
	P50Ms     int64  `json:"p50_ms"`
}

// TeamTime is a team's waiting and working time.
type TeamTime struct {
	Team      string `json:"team"`
	WaitingMs int64  `json:"waiting_ms"`
	WorkingMs int64  `json:"working_ms"`
}

// HandoffCount is the handoffs of one product or category.
type HandoffCount struct {
	Key      string `json:"key"`
	Tickets  int64  `json:"tickets"`
	Handoffs int64  `json:"handoffs"`
}

// PingPong is the bounces between two teams.
type PingPong struct {
	TeamA   string `json:"team_a"`
	TeamB   string `json:"team_b"`
	Tickets int64  `json:"tickets"`
	Bounces int64  `json:"bounces"`
}

// TeamPair is two teams a ticket bounced between.
type TeamPair struct {
	TeamA string `json:"team_a"`
	TeamB string `json:"team_b"`
}

// TicketHandoffs is one ticket's handoffs and bounces.
type TicketHandoffs struct {
	TicketID int64      `json:"ticket_id"`
	Product  string     `json:"product"`
	Category string     `json:"category"`
	Handoffs int64      `json:"handoffs"`
	Bounces  []TeamPair `json:"bounces"`
}

// BottlenecksResponse is the answer of GET /bottlenecks; status_times is
// its main table (the CSV export).
type BottlenecksResponse struct {
	From               time.Time        `json:"from"`
	To                 time.Time        `json:"to"`
	TicketsWithHandoff int64            `json:"tickets_with_handoff"`
	TicketsPingPong    int64            `json:"tickets_ping_pong"` // all tickets with a bounce; ping_pong_tickets lists the first 20
	Handoffs           int64            `json:"handoffs"`
	StatusTimes        []StatusTime     `json:"status_times"`
	TeamTimes          []TeamTime       `json:"team_times"`
	HandoffsByProduct  []HandoffCount   `json:"handoffs_by_product"`
	HandoffsByCategory []HandoffCount   `json:"handoffs_by_category"`
	PingPong           []PingPong       `json:"ping_pong"`
	PingPongTickets    []TicketHandoffs `json:"ping_pong_tickets"`
}

// Hotspots serves GET /hotspots.
func (h *Handlers) Hotspots(c echo.Context) error {
	p, q, err := hotspotQuery(c, "dimensions", "bucket", "tz", "from", "to", "limit", "at", "filter")
	if err != nil {
		return h.fail(c, err)
	}
	q.Bucket, q.TZ = p.vals["bucket"], p.vals["tz"]
	plan, err := analytics.PlanHotspots(q)
	if err != nil {
		return h.fail(c, err)
	}
	rows, at, err := h.hotspotsAt(c, p, q) // timetravel.go
	if err != nil {
		return h.fail(c, err)
	}
	res := HotspotsResponse{Dimensions: q.Dimensions, Bucket: q.Bucket, TZ: plan.TZ, From: q.From, To: q.To, At: at, Rows: make([]HotspotRow, len(rows))}
	for i, r := range rows {
		res.Rows[i] = HotspotRow{Keys: r.Keys, Count: r.Count}
		if !r.Bucket.IsZero() {
			b := r.Bucket
			res.Rows[i].Bucket = &b
		}
	}
	if !p.csv() {
		return c.JSON(http.StatusOK, res)
	}
	var header []string
	if q.Bucket != analytics.BucketNone {
		header = append(header, "bucket")
	}
	header = append(append(header, q.Dimensions...), "count")
	records := [][]string{header}
	for _, r := range res.Rows {
		var rec []string
		if q.Bucket != analytics.BucketNone {
			rec = append(rec, formatTime(r.Bucket))
		}
		rec = append(append(rec, r.Keys...), itoa(r.Count))
		records = append(records, rec)
	}
	return writeCSV(c, "hotspots", records)
}

// Movers serves GET /movers.
func (h *Handlers) Movers(c echo.Context) error {
	p, q, err := hotspotQuery(c, "dimensions", "from", "to", "limit", "filter")
	if err != nil {
		return h.fail(c, err)
	}
	if _, err := analytics.PlanMovers(q); err != nil {
		return h.fail(c, err)
	}
	ms, err := h.store.Movers(c.Request().Context(), q)
	if err != nil {
		return h.fail(c, err)
	}
	res := MoversResponse{Dimension: q.Dimensions[0], From: q.From, To: q.To, PrevFrom: q.From.Add(-q.To.Sub(q.From)), Rows: make([]Mover, len(ms))}
	for i, m := range ms {
		res.Rows[i] = Mover{Key: m.Key, Current: m.Current, Previous: m.Previous, Delta: m.Delta, Ratio: m.Ratio}
	}
	if !p.csv() {
		return c.JSON(http.StatusOK, res)
	}
	records := [][]string{{res.Dimension, "current", "previous", "delta", "ratio"}}
	for _, m := range res.Rows {
		ratio := ""
		if m.Ratio != nil {
			ratio = strconv.FormatFloat(*m.Ratio, 'f', -1, 64)
		}
		records = append(records, []string{m.Key, itoa(m.Current), itoa(m.Previous), itoa(m.Delta), ratio})
	}
	return writeCSV(c, "movers", records)
}

// hotspotQuery reads the parameters common to hotspots and movers.
func hotspotQuery(c echo.Context, allowed ...string) (*params, analytics.HotspotQuery, error) {
	var q analytics.HotspotQuery
	p, err := parseParams(c, allowed...)
	if err != nil {
		return nil, q, err
	}
	q.Dimensions = p.list("dimensions")
	if q.From, q.To, err = p.fromTo(); err != nil {
		return nil, q, err
	}
	if q.Limit, err = p.int("limit"); err != nil {
		return nil, q, err
	}
	q.Filters = p.filters
	return p, q, nil
}

// Backlog serves GET /backlog.
func (h *Handlers) Backlog(c echo.Context) error {
	p, err := parseParams(c, "at", "by", "filter")
	if err != nil {
		return h.fail(c, err)
	}
	q := analytics.BacklogQuery{By: p.vals["by"], Filters: p.filters}
	if q.At, err = instant(p, "at"); err != nil { // timetravel.go
		return h.fail(c, err)
	}
	if _, err := analytics.PlanBacklog(q); err != nil {
		return h.fail(c, err)
	}
	rows, err := h.store.Backlog(c.Request().Context(), q)
	if err != nil {
		return h.fail(c, err)
	}
	res := BacklogResponse{At: q.At, By: q.By, Rows: make([]BacklogRow, len(rows))}
	for i, r := range rows {
		res.Rows[i] = BacklogRow{Key: r.Key, Count: r.Count}
	}
	if !p.csv() {
		return c.JSON(http.StatusOK, res)
	}
	key := q.By
	if key == "" {
		key = "key"
	}
	records := [][]string{{key, "count"}}
	for _, r := range res.Rows {
		records = append(records, []string{r.Key, itoa(r.Count)})
	}
	return writeCSV(c, "backlog", records)
}

// Performance serves GET /performance.
func (h *Handlers) Performance(c echo.Context) error {
	p, err := parseParams(c, "by", "from", "to", "anonymous", "filter")
	if err != nil {
		return h.fail(c, err)
	}
	q := analytics.PerformanceQuery{By: p.vals["by"], Filters: p.filters}
	if q.From, q.To, err = p.fromTo(); err != nil {
		return h.fail(c, err)
	}
	if q.Anonymous, err = p.bool("anonymous"); err != nil {
		return h.fail(c, err)
	}
	if err := q.Validate(); err != nil {
		return h.fail(c, err)
	}
	r, err := h.store.Performance(c.Request().Context(), q)
	if err != nil {
		return h.fail(c, err)
	}
	res := PerformanceResponse{By: q.By, From: r.From, To: r.To, PrevFrom: r.PrevFrom, PrevTo: r.PrevTo,
		Rows: perfRows(r.Rows), Previous: perfRows(r.Previous)}
	if !p.csv() {
		return c.JSON(http.StatusOK, res)
	}
	records := [][]string{{q.By, "handled", "first_responses", "first_response_p50_ms", "first_response_p90_ms",
		"resolve_p50_ms", "resolve_p90_ms", "sla_met", "sla_percent", "reopened", "reopen_rate", "handoffs", "backlog",
		"csat_ratings", "csat_average", "csat_response_rate"}}
	for _, r := range res.Rows {
		records = append(records, []string{r.Key, itoa(r.Handled), itoa(r.FirstResponses), itoa(r.FirstResponseP50Ms),
			itoa(r.FirstResponseP90Ms), itoa(r.ResolveP50Ms), itoa(r.ResolveP90Ms), itoa(r.SLAMet), ftoa(r.SLAPercent),
			itoa(r.Reopened), ftoa(r.ReopenRate), itoa(r.Handoffs), itoa(r.Backlog),
			itoa(r.CSATRatings), ftoa(r.CSATAverage), ftoa(r.CSATResponseRate)})
	}
	return writeCSV(c, "performance", records)
}

func perfRows(rs []analytics.PerformanceRow) []PerformanceRow {
	out := make([]PerformanceRow, len(rs))
	for i, r := range rs {
		out[i] = PerformanceRow{Key: r.Key, Handled: r.Handled, FirstResponses: r.FirstResponses,
			FirstResponseP50Ms: r.FirstResponseP50Ms, FirstResponseP90Ms: r.FirstResponseP90Ms,
			ResolveP50Ms: r.ResolveP50Ms, ResolveP90Ms: r.ResolveP90Ms, SLAMet: r.SLAMet, SLAPercent: r.SLAPercent(),
			Reopened: r.Reopened, ReopenRate: r.ReopenRate(), Handoffs: r.Handoffs, Backlog: r.Backlog,
			CSATRatings: r.CSATRated, CSATAverage: r.CSATAverage(), CSATResponseRate: r.CSATResponseRate()}
	}
	return out
}

// Bottlenecks serves GET /bottlenecks; its CSV is the status times.
func (h *Handlers) Bottlenecks(c echo.Context) error {
	p, err := parseParams(c, "from", "to", "filter")
	if err != nil {
		return h.fail(c, err)
	}
	q := analytics.BottleneckQuery{Filters: p.filters}
	if q.From, q.To, err = p.fromTo(); err != nil {
		return h.fail(c, err)
	}
	if err := q.Validate(); err != nil {
		return h.fail(c, err)
	}
	r, err := h.store.Bottlenecks(c.Request().Context(), q)
	if err != nil {
		return h.fail(c, err)
	}
	res := bottlenecks(q, r)
	if !p.csv() {
		return c.JSON(http.StatusOK, res)
	}
	records := [][]string{{"team", "status", "total_ms", "intervals", "p50_ms"}}
	for _, s := range res.StatusTimes {
		records = append(records, []string{s.Team, s.Status, itoa(s.TotalMs), itoa(s.Intervals), itoa(s.P50Ms)})
	}
	return writeCSV(c, "bottlenecks", records)
}

func bottlenecks(q analytics.BottleneckQuery, r *analytics.BottleneckResult) BottlenecksResponse {
	res := BottlenecksResponse{From: q.From, To: q.To, TicketsWithHandoff: r.TicketsWithHandoff, TicketsPingPong: r.TicketsPingPong, Handoffs: r.Handoffs,
		StatusTimes: []StatusTime{}, TeamTimes: []TeamTime{}, HandoffsByProduct: handoffs(r.HandoffsByProduct),
		HandoffsByCategory: handoffs(r.HandoffsByCategory), PingPong: []PingPong{}, PingPongTickets: []TicketHandoffs{}}
	for _, s := range r.StatusTimes {
		res.StatusTimes = append(res.StatusTimes, StatusTime{Team: s.Team, Status: s.Status, TotalMs: s.TotalMs, Intervals: s.Intervals, P50Ms: s.P50Ms})
	}
	for _, t := range r.TeamTimes {
		res.TeamTimes = append(res.TeamTimes, TeamTime{Team: t.Team, WaitingMs: t.WaitingMs, WorkingMs: t.WorkingMs})
	}
	for _, pp := range r.PingPong {
		res.PingPong = append(res.PingPong, PingPong{TeamA: pp.Pair.A, TeamB: pp.Pair.B, Tickets: pp.Tickets, Bounces: pp.Bounces})
	}
	for _, t := range r.PingPongTickets {
		th := TicketHandoffs{TicketID: t.TicketID, Product: t.Product, Category: t.Category, Handoffs: t.Handoffs, Bounces: []TeamPair{}}
		for _, b := range t.Bounces {
			th.Bounces = append(th.Bounces, TeamPair{TeamA: b.A, TeamB: b.B})
		}
		res.PingPongTickets = append(res.PingPongTickets, th)
	}
	return res
}

func handoffs(hs []analytics.HandoffCount) []HandoffCount {
	out := make([]HandoffCount, len(hs))
	for i, h := range hs {
		out[i] = HandoffCount{Key: h.Key, Tickets: h.Tickets, Handoffs: h.Handoffs}
	}
	return out
}

// writeCSV answers 200 with the records as RFC 4180 CSV.
func writeCSV(c echo.Context, name string, records [][]string) error {
	w := c.Response()
	w.Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	w.Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`.csv"`)
	w.WriteHeader(http.StatusOK)
	for _, rec := range records {
		for i, cell := range rec {
			rec[i] = defuse(cell)
		}
	}
	cw := csv.NewWriter(w)
	if err := cw.WriteAll(records); err != nil { // WriteAll flushes
		return err
	}
	return nil
}

// defuse keeps a spreadsheet from running a cell as a formula: team names,
// tags and custom field values are user text, and a leading =, +, - or @
// makes Excel and LibreOffice evaluate it. Numbers (a negative delta) stay
// as they are.
func defuse(cell string) string {
	if cell == "" || !strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
		return cell
	}
	if _, err := strconv.ParseFloat(cell, 64); err == nil {
		return cell
	}
	return "'" + cell
}

func formatTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(time.RFC3339)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

package httpapi

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/deskmine/deskmine/analytics"
)

// maxAhead is how far after now an instant of the past may lie: clocks
// of client and server differ, and a day covers any time zone mix-up.
const maxAhead = 24 * time.Hour

// instant reads the required instant name: RFC 3339, not before 1970 and
// at most a day after now.
func instant(p *params, name string) (time.Time, error) {
	t, err := p.time(name)
	switch {
	case err != nil:
		return t, err
	case t.IsZero():
		return t, badParam(name, "required: an RFC 3339 time like 2026-01-31T00:00:00Z")
	case t.Before(analytics.MinTime):
		return t, badParam(name, "must not be before 1970-01-01T00:00:00Z")
	case t.After(time.Now().Add(maxAhead)):
		return t, badParam(name, "must not be more than a day in the future")
	}
	return t, nil
}

// OpenTicket is a ticket open at the instant, as it stood then.
type OpenTicket struct {
	TicketID int64     `json:"ticket_id"`
	Status   string    `json:"status"`
	Team     string    `json:"team"`
	Assignee string    `json:"assignee"`
	Priority string    `json:"priority"`
	Category string    `json:"category"`
	Product  string    `json:"product"`
	OpenedAt time.Time `json:"opened_at"` // start of its open episode: created, or last reopened
	AgeMs    int64     `json:"age_ms"`    // at - opened_at
	SLAState string    `json:"sla_state"` // on_track, at_risk or breached
}

// OpenResponse is the answer of GET /open: the tickets open at the
// instant, oldest open episode first.
type OpenResponse struct {
	At   time.Time    `json:"at"`
	Rows []OpenTicket `json:"rows"`
}

// Open serves GET /open: the tickets open at an instant, for the
// drill-down of a backlog.
func (h *Handlers) Open(c echo.Context) error {
	dims := analytics.OpenFilterDimensions()
	p, err := parseParams(c, append([]string{"at", "limit"}, dims...)...)
	if err != nil {
		return h.fail(c, err)
	}
	q := analytics.OpenQuery{}
	if q.At, err = instant(p, "at"); err != nil {
		return h.fail(c, err)
	}
	if q.Limit, err = p.int("limit"); err != nil {
		return h.fail(c, err)
	}
	for _, d := range dims {
		v, ok := p.vals[d]
		if !ok {
			continue
		}
		// Every item counts, the empty one too: team= keeps the tickets
		// without a team.
		var vals []string
		for x := range strings.SplitSeq(v, ",") {
			vals = append(vals, strings.TrimSpace(x))
		}
		if d == analytics.DimSLAState {
			for _, x := range vals {
				if !slices.Contains(analytics.SLAStates(), x) {
					return h.fail(c, badParam(d, fmt.Sprintf("unknown SLA state %q; allowed: %s", x, strings.Join(analytics.SLAStates(), ", "))))
				}
			}
		}
		if q.Filters == nil {
			q.Filters = map[string][]string{}
		}
		q.Filters[d] = vals
	}
	if err := q.Validate(); err != nil {
		return h.fail(c, err)
	}
	rows, err := h.store.OpenAt(c.Request().Context(), q)
	if err != nil {
		return h.fail(c, err)
	}
	res := OpenResponse{At: q.At, Rows: make([]OpenTicket, len(rows))}
	for i, t := range rows {
		res.Rows[i] = OpenTicket{TicketID: t.TicketID, Status: t.Status, Team: t.Team, Assignee: t.Assignee, Priority: t.Priority,
			Category: t.Category, Product: t.Product, OpenedAt: t.OpenedAt, AgeMs: t.AgeMs, SLAState: t.SLAState}
	}
	if !p.csv() {
		return c.JSON(http.StatusOK, res)
	}
	records := [][]string{{"ticket_id", "status", "team", "assignee", "priority", "category", "product", "opened_at", "age_ms", "sla_state"}}
	for _, t := range res.Rows {
		records = append(records, []string{itoa(t.TicketID), t.Status, t.Team, t.Assignee, t.Priority, t.Category, t.Product,
			t.OpenedAt.Format(time.RFC3339), itoa(t.AgeMs), t.SLAState})
	}
	return writeCSV(c, "open", records)
}

// hotspotsAt answers q as it stands now, or with the parameter at as it
// stood at that instant (which it returns).
func (h *Handlers) hotspotsAt(c echo.Context, p *params, q analytics.HotspotQuery) ([]analytics.HotspotRow, *time.Time, error) {
	ctx := c.Request().Context()
	if _, ok := p.vals["at"]; !ok {
		rows, err := h.store.Hotspots(ctx, q)
		return rows, nil, err
	}
	at, err := instant(p, "at")
	if err != nil {
		return nil, nil, err
	}
	rows, err := h.store.HotspotsAt(ctx, q, at)
	return rows, &at, err
}

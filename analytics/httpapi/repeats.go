package httpapi

import (
	"cmp"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/deskmine/deskmine/analytics"
)

// RepeatCount is the repeat figures of a set of tickets.
type RepeatCount struct {
	Key          string  `json:"key"`           // value of the breakdown dimension; "" for the totals
	Tickets      int64   `json:"tickets"`       // tickets counted
	WithCustomer int64   `json:"with_customer"` // of them, with a known customer
	Repeats      int64   `json:"repeats"`       // of them, repeats
	RepeatRate   float64 `json:"repeat_rate"`   // repeats / with_customer
}

// RepeatPair is a customer and repeat key with repeat tickets.
type RepeatPair struct {
	Customer string `json:"customer"` // the customer key: id:N, email:..., ext:... or phone:...
	Key      string `json:"key"`      // the value of the repeat key (category or product)
	Tickets  int64  `json:"tickets"`
	Repeats  int64  `json:"repeats"`
}

// RepeatsResponse is the answer of GET /repeats: the query with its
// defaults, the totals, the breakdown rows (none without dimension) and
// the pairs with the most repeats.
type RepeatsResponse struct {
	From       time.Time     `json:"from"`
	To         time.Time     `json:"to"`
	WindowDays int           `json:"window_days"`
	By         string        `json:"by"`
	Dimension  string        `json:"dimension"` // "" without breakdown
	Totals     RepeatCount   `json:"totals"`
	Rows       []RepeatCount `json:"rows"`
	Pairs      []RepeatPair  `json:"pairs"`
}

// Repeats serves GET /repeats. Its CSV is the breakdown rows, or without a
// dimension one row of the totals under the key "".
func (h *Handlers) Repeats(c echo.Context) error {
	p, err := parseParams(c, "from", "to", "window_days", "by", "dimension", "limit", "filter")
	if err != nil {
		return h.fail(c, err)
	}
	q := analytics.RepeatQuery{By: p.vals["by"], Dimension: p.vals["dimension"], Filters: p.filters}
	if q.From, q.To, err = p.fromTo(); err != nil {
		return h.fail(c, err)
	}
	if q.WindowDays, err = p.int("window_days"); err != nil {
		return h.fail(c, err)
	}
	if q.Limit, err = p.int("limit"); err != nil {
		return h.fail(c, err)
	}
	if _, err := analytics.PlanRepeats(q); err != nil {
		return h.fail(c, err)
	}
	r, err := h.store.Repeats(c.Request().Context(), q)
	if err != nil {
		return h.fail(c, err)
	}
	res := RepeatsResponse{From: q.From, To: q.To, WindowDays: r.Query.WindowDays, By: r.Query.By, Dimension: r.Query.Dimension,
		Totals: repeatCount(r.Totals), Rows: make([]RepeatCount, len(r.Rows)), Pairs: make([]RepeatPair, len(r.Pairs))}
	for i, row := range r.Rows {
		res.Rows[i] = repeatCount(row)
	}
	for i, pr := range r.Pairs {
		res.Pairs[i] = RepeatPair{Customer: pr.Customer, Key: pr.Key, Tickets: pr.Tickets, Repeats: pr.Repeats}
	}
	if !p.csv() {
		return c.JSON(http.StatusOK, res)
	}
	rows := res.Rows
	if res.Dimension == "" {
		rows = []RepeatCount{res.Totals}
	}
	records := [][]string{{cmp.Or(res.Dimension, "key"), "tickets", "with_customer", "repeats", "repeat_rate"}}
	for _, row := range rows {
		records = append(records, []string{row.Key, itoa(row.Tickets), itoa(row.WithCustomer), itoa(row.Repeats), ftoa(row.RepeatRate)})
	}
	return writeCSV(c, "repeats", records)
}

func repeatCount(c analytics.RepeatCount) RepeatCount {
	return RepeatCount{Key: c.Key, Tickets: c.Tickets, WithCustomer: c.WithCustomer, Repeats: c.Repeats, RepeatRate: c.Rate()}
}

package httpapi

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/deskmine/deskmine/analytics"
)

// Chain is one ticket chain: its root, length, kinds and members.
type Chain struct {
	RootID        int64     `json:"root_id"`
	RootSubject   string    `json:"root_subject"`
	RootCategory  string    `json:"root_category"`
	RootProduct   string    `json:"root_product"`
	RootCreatedAt time.Time `json:"root_created_at"`
	Length        int64     `json:"length"`
	Kinds         []string  `json:"kinds"`
	Members       []int64   `json:"members"` // ascending ids, at most analytics.MaxChainMembers
}

// ChainKindCount is the chains of one kind and their tickets.
type ChainKindCount struct {
	Kind    string `json:"kind"`
	Chains  int64  `json:"chains"`
	Tickets int64  `json:"tickets"`
}

// RootCount is what the roots of one category or product spawned.
type RootCount struct {
	Key       string `json:"key"`
	Chains    int64  `json:"chains"`
	FollowOns int64  `json:"follow_ons"`
	Reopens   int64  `json:"reopens"`
}

// ChainsSection is the chains part of the root-cause answer.
type ChainsSection struct {
	Chains         int64            `json:"chains"`
	Tickets        int64            `json:"tickets"`
	Longest        int64            `json:"longest"`
	DanglingLinks  int64            `json:"dangling_links"`
	ByKind         []ChainKindCount `json:"by_kind"`
	Top            []Chain          `json:"top"`
	ByRootCategory []RootCount      `json:"by_root_category"`
	ByRootProduct  []RootCount      `json:"by_root_product"`
}

// ReopenRate is the resolutions of one team, category or product and how
// many were reopened.
type ReopenRate struct {
	Key      string  `json:"key"`
	Resolved int64   `json:"resolved"`
	Reopened int64   `json:"reopened"`
	Rate     float64 `json:"rate"`
}

// ReopensSection is the reopen part of the root-cause answer.
type ReopensSection struct {
	Resolved   int64        `json:"resolved"`
	Reopened   int64        `json:"reopened"`
	Rate       float64      `json:"rate"`
	ByTeam     []ReopenRate `json:"by_team"`
	ByCategory []ReopenRate `json:"by_category"`
	ByProduct  []ReopenRate `json:"by_product"`
}

// HandoffGroup is the handoffs of the tickets of one product or category.
type HandoffGroup struct {
	Key                string  `json:"key"`
	Tickets            int64   `json:"tickets"`
	TicketsWithHandoff int64   `json:"tickets_with_handoff"`
	Handoffs           int64   `json:"handoffs"`
	HandoffsPerTicket  float64 `json:"handoffs_per_ticket"`
	PingPongTickets    int64   `json:"ping_pong_tickets"`
	Bounces            int64   `json:"bounces"`
}

// RootCauseResponse is the answer of GET /rootcause: chains, reopens,
// handoffs by product and category, and the bottleneck answer for the
// same period and filters.
type RootCauseResponse struct {
	From               time.Time           `json:"from"`
	To                 time.Time           `json:"to"`
	Chains             ChainsSection       `json:"chains"`
	Reopens            ReopensSection      `json:"reopens"`
	HandoffsByProduct  []HandoffGroup      `json:"handoffs_by_product"`
	HandoffsByCategory []HandoffGroup      `json:"handoffs_by_category"`
	Bottlenecks        BottlenecksResponse `json:"bottlenecks"`
}

// rootCauseTables are the tables GET /rootcause exports as CSV.
func rootCauseTables() []string {
	return []string{"chains", "reopens", "handoffs_by_product", "handoffs_by_category"}
}

// RootCause serves GET /rootcause; with format=csv, table names the table.
func (h *Handlers) RootCause(c echo.Context) error {
	p, err := parseParams(c, "from", "to", "limit", "table", "filter")
	if err != nil {
		return h.fail(c, err)
	}
	q := analytics.RootCauseQuery{Filters: p.filters}
	if q.From, q.To, err = p.fromTo(); err != nil {
		return h.fail(c, err)
	}
	if q.Limit, err = p.int("limit"); err != nil {
		return h.fail(c, err)
	}
	table := p.vals["table"]
	switch {
	case p.csv() && !slices.Contains(rootCauseTables(), table):
		return h.fail(c, badParam("table", fmt.Sprintf("format=csv needs table, one of: %s; got %q", strings.Join(rootCauseTables(), ", "), table)))
	case !p.csv() && table != "":
		return h.fail(c, badParam("table", "only with format=csv"))
	}
	if err := q.Validate(); err != nil {
		return h.fail(c, err)
	}
	ctx := c.Request().Context()
	if p.csv() {
		// One table: only its part is computed, and no bottlenecks.
		q.Only = strings.TrimSuffix(strings.TrimSuffix(table, "_by_product"), "_by_category")
		r, err := h.store.RootCause(ctx, q)
		if err != nil {
			return h.fail(c, err)
		}
		return rootCauseCSV(c, table, rootCause(r, BottlenecksResponse{}))
	}
	bq := analytics.BottleneckQuery{From: q.From, To: q.To, Filters: q.Filters}
	var r *analytics.RootCauseResult
	var b *analytics.BottleneckResult
	var rerr, berr error
	var wg sync.WaitGroup // two answers of the same period, independent
	wg.Go(func() { r, rerr = h.store.RootCause(ctx, q) })
	wg.Go(func() { b, berr = h.store.Bottlenecks(ctx, bq) })
	wg.Wait()
	if rerr != nil {
		return h.fail(c, rerr)
	}
	if berr != nil {
		return h.fail(c, berr)
	}
	return c.JSON(http.StatusOK, rootCause(r, bottlenecks(bq, b)))
}

// rootCauseCSV writes one table of res as CSV.
func rootCauseCSV(c echo.Context, table string, res RootCauseResponse) error {
	var records [][]string
	switch table {
	case "chains":
		records = [][]string{{"root_id", "root_subject", "root_category", "root_product", "root_created_at", "length", "kinds", "members"}}
		for _, ch := range res.Chains.Top {
			members := make([]string, len(ch.Members))
			for i, m := range ch.Members {
				members[i] = itoa(m)
			}
			records = append(records, []string{itoa(ch.RootID), ch.RootSubject, ch.RootCategory, ch.RootProduct,
				ch.RootCreatedAt.Format(time.RFC3339), itoa(ch.Length), strings.Join(ch.Kinds, " "), strings.Join(members, " ")})
		}
	case "reopens":
		records = [][]string{{"dimension", "key", "resolved", "reopened", "rate"}}
		records = append(records, []string{"all", "", itoa(res.Reopens.Resolved), itoa(res.Reopens.Reopened), ftoa(res.Reopens.Rate)})
		for _, d := range []struct {
			name  string
			rates []ReopenRate
		}{{"team", res.Reopens.ByTeam}, {"category", res.Reopens.ByCategory}, {"product", res.Reopens.ByProduct}} {
			for _, r := range d.rates {
				records = append(records, []string{d.name, r.Key, itoa(r.Resolved), itoa(r.Reopened), ftoa(r.Rate)})
			}
		}
	case "handoffs_by_product", "handoffs_by_category":
		groups, key := res.HandoffsByProduct, "product"
		if table == "handoffs_by_category" {
			groups, key = res.HandoffsByCategory, "category"
		}
		records = [][]string{{key, "tickets", "tickets_with_handoff", "handoffs", "handoffs_per_ticket", "ping_pong_tickets", "bounces"}}
		for _, g := range groups {
			records = append(records, []string{g.Key, itoa(g.Tickets), itoa(g.TicketsWithHandoff), itoa(g.Handoffs),
				ftoa(g.HandoffsPerTicket), itoa(g.PingPongTickets), itoa(g.Bounces)})
		}
	}
	return writeCSV(c, "rootcause-"+strings.ReplaceAll(table, "_", "-"), records)
}

// rootCause is the JSON form of r with the bottleneck answer b.
func rootCause(r *analytics.RootCauseResult, b BottlenecksResponse) RootCauseResponse {
	c := r.Chains
	res := RootCauseResponse{From: r.From, To: r.To, Bottlenecks: b,
		Chains: ChainsSection{Chains: c.Chains, Tickets: c.Tickets, Longest: c.Longest, DanglingLinks: c.DanglingLinks,
			ByKind: []ChainKindCount{}, Top: []Chain{}, ByRootCategory: rootCounts(c.ByRootCategory), ByRootProduct: rootCounts(c.ByRootProduct)},
		Reopens: ReopensSection{Resolved: r.Reopens.Resolved, Reopened: r.Reopens.Reopened, Rate: r.Reopens.Rate(),
			ByTeam: reopenRates(r.Reopens.ByTeam), ByCategory: reopenRates(r.Reopens.ByCategory), ByProduct: reopenRates(r.Reopens.ByProduct)},
		HandoffsByProduct: handoffGroups(r.HandoffsByProduct), HandoffsByCategory: handoffGroups(r.HandoffsByCategory)}
	for _, k := range c.ByKind {
		res.Chains.ByKind = append(res.Chains.ByKind, ChainKindCount{Kind: k.Kind, Chains: k.Chains, Tickets: k.Tickets})
	}
	for _, ch := range c.Top {
		res.Chains.Top = append(res.Chains.Top, Chain{RootID: ch.RootID, RootSubject: ch.RootSubject, RootCategory: ch.RootCategory,
			RootProduct: ch.RootProduct, RootCreatedAt: ch.RootCreatedAt, Length: ch.Length,
			Kinds: append([]string{}, ch.Kinds...), Members: append([]int64{}, ch.Members...)})
	}
	return res
}

func rootCounts(rs []analytics.RootCount) []RootCount {
	out := make([]RootCount, len(rs))
	for i, r := range rs {
		out[i] = RootCount{Key: r.Key, Chains: r.Chains, FollowOns: r.FollowOns, Reopens: r.Reopens}
	}
	return out
}

func reopenRates(rs []analytics.ReopenRate) []ReopenRate {
	out := make([]ReopenRate, len(rs))
	for i, r := range rs {
		out[i] = ReopenRate{Key: r.Key, Resolved: r.Resolved, Reopened: r.Reopened, Rate: r.Rate()}
	}
	return out
}

func handoffGroups(gs []analytics.HandoffGroup) []HandoffGroup {
	out := make([]HandoffGroup, len(gs))
	for i, g := range gs {
		out[i] = HandoffGroup{Key: g.Key, Tickets: g.Tickets, TicketsWithHandoff: g.TicketsWithHandoff, Handoffs: g.Handoffs,
			HandoffsPerTicket: g.PerTicket(), PingPongTickets: g.PingPongTickets, Bounces: g.Bounces}
	}
	return out
}

package analytics

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Repeat tickets: a customer coming back about the same thing. A ticket is
// a repeat when an earlier ticket has the same non-empty customer key
// (CustomerKey) and the same non-empty value of the repeat key (category
// or product), created at most the window before it. "Earlier" orders
// tickets by creation time (whole seconds, as stored), then by ticket id,
// so two tickets of one second are not both repeats of each other; the
// window is WindowDays times 24 hours, its end included. The earlier ticket
// may have been created before From and need not pass the filters: the
// filters and the breakdown choose which tickets are counted, not which
// ones they may repeat. Customer key and repeat key are the tickets'
// latest values.

// Repeater answers repeat-ticket queries; both stores implement it with
// the same answers for the same history (analytics/storetest.RunRepeats).
type Repeater interface {
	Repeats(ctx context.Context, q RepeatQuery) (*RepeatResult, error)
}

// Repeat query defaults and limits.
const (
	DefaultRepeatWindowDays = 7
	MaxRepeatWindowDays     = 365
)

// Repeat keys of RepeatQuery.By.
const (
	RepeatByCategory = "category"
	RepeatByProduct  = "product"
)

// RepeatQuery asks for the repeat tickets among those created in [From, To).
type RepeatQuery struct {
	From, To   time.Time           // tickets created in [From, To); at most 2 years
	WindowDays int                 // how far back an earlier ticket counts; default 7, 1..365
	By         string              // the repeat key: category (default) or product
	Dimension  string              // optional: break the counts down by this dimension (Dimensions() or cf.<name>)
	Filters    map[string][]string // as HotspotQuery.Filters: which tickets are counted
	Limit      int                 // rows and pairs each; default 20, at most 1000
}

// RepeatCount is the repeat figures of a set of counted tickets.
type RepeatCount struct {
	Key          string // value of the breakdown dimension; "" for the totals
	Tickets      int64  // tickets counted
	WithCustomer int64  // of them, tickets with a known customer
	Repeats      int64  // of them, repeat tickets
}

// Rate is the repeat rate: repeats among the tickets with a known
// customer, 0..1 (0 when none has one).
func (c RepeatCount) Rate() float64 { return ratio(c.Repeats, c.WithCustomer) }

// RepeatPair is one customer and repeat key with repeat tickets.
type RepeatPair struct {
	Customer string // the customer key (CustomerKey)
	Key      string // the repeat key's value
	Tickets  int64  // counted tickets of the pair
	Repeats  int64  // of them, repeats
}

// RepeatResult answers a RepeatQuery: the totals, the counts per value of
// the breakdown dimension (none without one; a ticket counts once per tag
// for the tag dimension), ordered by repeats, then tickets (both
// descending), then key; and the pairs with the most repeats, ordered by
// repeats, tickets (descending), customer, key.
type RepeatResult struct {
	Query  RepeatQuery // the query with its defaults filled in
	Totals RepeatCount
	Rows   []RepeatCount
	Pairs  []RepeatPair
}

// repeatPlan is a validated RepeatQuery.
type repeatPlan struct {
	q        RepeatQuery
	byCol    string
	dimCol   string // "" without breakdown
	from, to int64  // unix seconds, rounded up
	window   int64  // seconds
	filters  []HotspotFilter
	// rowsLimit, when set, is the limit of repeat-rows instead of q.Limit.
	rowsLimit int
}

// PlanRepeats validates q and fills in its defaults.
func PlanRepeats(q RepeatQuery) (*RepeatQuery, error) {
	p, err := planRepeats(q)
	if err != nil {
		return nil, err
	}
	return &p.q, nil
}

func planRepeats(q RepeatQuery) (*repeatPlan, error) {
	q.WindowDays = cmp.Or(q.WindowDays, DefaultRepeatWindowDays)
	q.By = cmp.Or(q.By, RepeatByCategory)
	p := &repeatPlan{}
	switch {
	case q.WindowDays < 1 || q.WindowDays > MaxRepeatWindowDays:
		return nil, hotspotErr("window_days", "must be between 1 and %d, got %d", MaxRepeatWindowDays, q.WindowDays)
	case q.By != RepeatByCategory && q.By != RepeatByProduct:
		return nil, hotspotErr("by", "unknown repeat key %q; allowed: category, product", q.By)
	}
	p.byCol = q.By
	p.window = int64(q.WindowDays) * 86400
	if q.Dimension != "" {
		col, err := ResolveDimension("dimension", q.Dimension)
		if err != nil {
			return nil, err
		}
		p.dimCol = col
	}
	var err error
	if p.from, p.to, err = createdRange(q.From, q.To, time.Duration(p.window)*time.Second); err != nil {
		return nil, err
	}
	if q.Limit, err = hotspotLimit(q.Limit); err != nil {
		return nil, err
	}
	if p.filters, err = hotspotFilters(q.Filters, Dimensions(), true); err != nil {
		return nil, err
	}
	p.q = q
	return p, nil
}

// createdRange validates a [from, to) of creation times, at most
// MaxHotspotRange years long, whose start less lookback lies after 1970,
// and returns it in unix seconds rounded up (stored times are whole
// seconds).
func createdRange(from, to time.Time, lookback time.Duration) (int64, int64, error) {
	switch {
	case from.IsZero():
		return 0, 0, hotspotErr("from", "required")
	case to.IsZero():
		return 0, 0, hotspotErr("to", "required")
	case !from.Before(to):
		return 0, 0, hotspotErr("to", "must be after from")
	case to.After(from.AddDate(MaxHotspotRange, 0, 0)):
		return 0, 0, hotspotErr("to", "the range is longer than %d years", MaxHotspotRange)
	case from.Add(-lookback).Before(MinTime):
		return 0, 0, hotspotErr("from", "before %s", MinTime.Add(lookback).Format(time.RFC3339))
	case to.After(MaxTime):
		return 0, 0, hotspotErr("to", "after %s", MaxTime.Format(time.RFC3339))
	}
	return ceilUnix(from), ceilUnix(to), nil
}

// RepeatQueryNames are the queries a store's queries_repeats.sql defines:
// repeat-flags and either repeat-all, which answers in one statement (see
// runCombined), or the three it combines. The store's hotspot fragments
// dim-cf, filter, filter-tags, source-tickets and source-tags serve them
// too.
func RepeatQueryNames(q map[string]string) []string {
	if _, ok := q["repeat-all"]; ok {
		return []string{"repeat-flags", "repeat-all"}
	}
	return []string{"repeat-flags", "repeat-totals", "repeat-rows", "repeat-pairs"}
}

// repeatSQL expands the repeat query name for the plan. Placeholders:
// {flags} the fragment repeat-flags (own parameters: the window in
// seconds, the earliest creation a counted ticket may repeat, to; its
// {key} the repeat key's column), {key}, {keys}, {source} and {filters} as
// for hotspots, and for repeat-all {row_filters}, the filters of the rows
// of {source}. Own parameters: from, to and, for rows and pairs, the
// limit; repeat-all takes those of totals, rows and pairs in that order.
func (p *repeatPlan) repeatSQL(hot, rep map[string]string, name string) (string, []any, error) {
	key := piece(p.byCol)
	flags, fargs, err := fillSQL("repeat-flags", rep["repeat-flags"], []any{p.window, p.from - p.window, p.to},
		map[string]sqlPiece{"key": key})
	if err != nil {
		return "", nil, err
	}
	pieces := map[string]sqlPiece{"flags": piece(flags, fargs...), "key": key}
	// {filters} test the flagged tickets, which are the latest state
	// already; the rows of {source} (a row per tag for the tag breakdown)
	// also need the store's source-live.
	exploded := p.dimCol == "tag"
	source, live := sourceSQL(hot, exploded)
	pieces["source"] = piece(source)
	ticketFilters, err := filterSQL(hot, p.filters, "", true)
	if err != nil {
		return "", nil, err
	}
	rowFilters, err := filterSQL(hot, p.filters, "", !exploded)
	if err != nil {
		return "", nil, err
	}
	pieces["keys"] = piece("'' AS k0") // no breakdown: one row the caller drops
	if p.dimCol != "" {
		if pieces["keys"], err = keysSQL(hot, []string{p.dimCol}); err != nil {
			return "", nil, err
		}
	}
	var own []any
	switch name {
	case "repeat-totals":
		own, pieces["filters"] = []any{p.from, p.to}, ticketFilters
	case "repeat-pairs":
		own, pieces["filters"] = []any{p.from, p.to, p.q.Limit}, ticketFilters
	case "repeat-rows":
		own, pieces["filters"] = []any{p.from, p.to, cmp.Or(p.rowsLimit, p.q.Limit)}, live.and(rowFilters)
	case "repeat-all":
		own = []any{p.from, p.to, p.from, p.to, p.q.Limit, p.from, p.to, p.q.Limit}
		pieces["filters"], pieces["row_filters"] = ticketFilters, live.and(rowFilters)
	default:
		return "", nil, fmt.Errorf("no repeat query %q", name)
	}
	return fillSQL(name, rep[name], own, pieces)
}

// RunRepeats answers a repeat query with a store's hotspot fragments (hot)
// and repeat queries (rep) through run.
func RunRepeats(ctx context.Context, run QueryFunc, hot, rep map[string]string, q RepeatQuery) (*RepeatResult, error) {
	p, err := planRepeats(q)
	if err != nil {
		return nil, err
	}
	res := &RepeatResult{Query: p.q, Rows: []RepeatCount{}, Pairs: []RepeatPair{}}
	if _, ok := rep["repeat-all"]; ok {
		return res, p.runCombined(ctx, run, hot, rep, res)
	}
	// The statements are independent: side by side they take the time of
	// the slowest. With a breakdown by a dimension of one value per ticket,
	// the rows partition the counted tickets, so the totals are their sums
	// when all of them come back (at most MaxHotspotLimit values): one
	// statement less, each of which computes every flag again.
	flat := p.dimCol != "" && p.dimCol != "tag"
	if flat {
		p.rowsLimit = MaxHotspotLimit + 1
	}
	scanTotals := func(rows ResultRows) error {
		return rows.Scan(&res.Totals.Tickets, &res.Totals.WithCustomer, &res.Totals.Repeats)
	}
	type stmt struct {
		name, label string
		scan        func(ResultRows) error
	}
	stmts := []stmt{
		{"repeat-pairs", "repeat pairs", func(rows ResultRows) error {
			var pr RepeatPair
			if err := rows.Scan(&pr.Customer, &pr.Key, &pr.Tickets, &pr.Repeats); err != nil {
				return err
			}
			res.Pairs = append(res.Pairs, pr)
			return nil
		}},
	}
	if !flat {
		stmts = append(stmts, stmt{"repeat-totals", "repeat totals", scanTotals})
	}
	if p.dimCol != "" {
		stmts = append(stmts, stmt{"repeat-rows", "repeat rows", func(rows ResultRows) error {
			var c RepeatCount
			if err := rows.Scan(&c.Key, &c.Tickets, &c.WithCustomer, &c.Repeats); err != nil {
				return err
			}
			res.Rows = append(res.Rows, c)
			return nil
		}})
	}
	errs := make([]error, len(stmts))
	var wg sync.WaitGroup
	for i, st := range stmts {
		query, args, err := p.repeatSQL(hot, rep, st.name)
		if err != nil {
			return nil, err
		}
		wg.Go(func() { errs[i] = ScanAll(ctx, run, st.label, query, args, st.scan) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if !flat {
		return res, nil
	}
	if len(res.Rows) > MaxHotspotLimit {
		query, args, err := p.repeatSQL(hot, rep, "repeat-totals")
		if err != nil {
			return nil, err
		}
		if err := ScanAll(ctx, run, "repeat totals", query, args, scanTotals); err != nil {
			return nil, err
		}
	} else {
		for _, r := range res.Rows {
			res.Totals.Tickets += r.Tickets
			res.Totals.WithCustomer += r.WithCustomer
			res.Totals.Repeats += r.Repeats
		}
	}
	res.Rows = res.Rows[:min(len(res.Rows), p.q.Limit)]
	return res, nil
}

// Kinds of the rows of repeat-all.
const (
	repeatKindTotals = 0
	repeatKindRow    = 1
	repeatKindPair   = 2
)

// runCombined answers with the store's optional repeat-all: totals, rows
// and pairs in one statement that flags the tickets once (on DuckDB the
// flags are most of the work, and three statements side by side share the
// same cores). Its rows are (kind, key, key 2, tickets, with customer,
// repeats), in any order.
func (p *repeatPlan) runCombined(ctx context.Context, run QueryFunc, hot, rep map[string]string, res *RepeatResult) error {
	query, args, err := p.repeatSQL(hot, rep, "repeat-all")
	if err != nil {
		return err
	}
	err = ScanAll(ctx, run, "repeats", query, args, func(rows ResultRows) error {
		var kind int64
		var a, b string
		var c RepeatCount
		if err := rows.Scan(&kind, &a, &b, &c.Tickets, &c.WithCustomer, &c.Repeats); err != nil {
			return err
		}
		switch kind {
		case repeatKindTotals:
			res.Totals = c
		case repeatKindRow:
			if p.dimCol != "" {
				c.Key = a
				res.Rows = append(res.Rows, c)
			}
		case repeatKindPair:
			res.Pairs = append(res.Pairs, RepeatPair{Customer: a, Key: b, Tickets: c.Tickets, Repeats: c.Repeats})
		default:
			return fmt.Errorf("unknown row kind %d", kind)
		}
		return nil
	})
	if err != nil {
		return err
	}
	sortRepeatRows(res.Rows)
	sortRepeatPairs(res.Pairs)
	return nil
}

// sortRepeatRows orders rows as RepeatResult.Rows.
func sortRepeatRows(rs []RepeatCount) {
	slices.SortFunc(rs, func(a, b RepeatCount) int {
		return cmp.Or(cmp.Compare(b.Repeats, a.Repeats), cmp.Compare(b.Tickets, a.Tickets), cmp.Compare(a.Key, b.Key))
	})
}

// sortRepeatPairs orders pairs as RepeatResult.Pairs.
func sortRepeatPairs(ps []RepeatPair) {
	slices.SortFunc(ps, func(a, b RepeatPair) int {
		return cmp.Or(cmp.Compare(b.Repeats, a.Repeats), cmp.Compare(b.Tickets, a.Tickets),
			cmp.Compare(a.Customer, b.Customer), cmp.Compare(a.Key, b.Key))
	})
}

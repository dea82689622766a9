package index

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// The helpers below are the machinery of the indexing and Similar
// benchmarks, exported so that `deskmine bench knowledge` measures exactly
// what the package benchmarks measure.

// TicketRow is one labelled ticket text of the it-tickets data set.
type TicketRow struct {
	Text  string
	Topic string
}

// ReadTicketsCSV reads the it-tickets CSV: a header with the columns
// Document and Topic_group (in any order), then one ticket per row. Rows
// with an empty document are skipped.
func ReadTicketsCSV(r io.Reader) ([]TicketRow, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("read tickets csv header: %w", err)
	}
	doc, topic := slices.Index(header, "Document"), slices.Index(header, "Topic_group")
	if doc < 0 || topic < 0 {
		return nil, fmt.Errorf("read tickets csv: header %q lacks Document or Topic_group", header)
	}
	var out []TicketRow
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read tickets csv: %w", err)
		}
		if strings.TrimSpace(rec[doc]) == "" {
			continue
		}
		out = append(out, TicketRow{Text: rec[doc], Topic: rec[topic]})
	}
	if len(out) == 0 {
		return nil, errors.New("read tickets csv: no rows")
	}
	return out, nil
}

// SyntheticCases builds n resolved cases with ticket ids 1..n by cycling
// through rows. From the second pass on, each copy drops one word and swaps
// two neighbours, so copies are near-duplicates rather than identical
// documents. The first words become the subject, the topic the category.
// Every tenth case links an article numbered after its topic.
func SyntheticCases(rows []TicketRow, n int) []Case {
	if len(rows) == 0 || n <= 0 {
		return nil
	}
	topics := make(map[string]int64)
	products := []string{"Windows", "Office", "VPN", "Printer", "SAP"}
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	out := make([]Case, n)
	for i := range out {
		row := rows[i%len(rows)]
		pass := i / len(rows)
		words := strings.Fields(row.Text)
		if pass > 0 && len(words) > 3 {
			drop := (pass*7 + i) % len(words)
			words = append(words[:drop:drop], words[drop+1:]...)
			sw := (pass*13 + i) % (len(words) - 1)
			words[sw], words[sw+1] = words[sw+1], words[sw]
		}
		split := min(6, len(words))
		if _, ok := topics[row.Topic]; !ok {
			topics[row.Topic] = int64(len(topics) + 1)
		}
		c := Case{
			TicketID:    int64(i + 1),
			Version:     1,
			Subject:     strings.Join(words[:split], " "),
			Description: strings.Join(words[split:], " "),
			Category:    row.Topic,
			Product:     products[(i/3)%len(products)],
			Priority:    []string{"low", "normal", "high"}[i%3],
			Team:        "team-" + row.Topic,
			Lang:        "en",
			ResolvedAt:  base.Add(time.Duration(i) * time.Minute),
		}
		if i%10 == 0 {
			c.ArticleID = topics[row.Topic]
		}
		out[i] = c
	}
	return out
}

// MeasureIndexing writes cases through IndexCases in calls of batch cases,
// then Flushes, and returns the cases per second over the whole run.
func MeasureIndexing(ctx context.Context, ix *Index, cases []Case, batch int) (float64, error) {
	if batch <= 0 {
		return 0, errors.New("measure indexing: batch must be positive")
	}
	if len(cases) == 0 {
		return 0, errors.New("measure indexing: no cases")
	}
	start := time.Now()
	for i := 0; i < len(cases); i += batch {
		if err := ix.IndexCases(ctx, cases[i:min(i+batch, len(cases))]); err != nil {
			return 0, fmt.Errorf("measure indexing: %w", err)
		}
	}
	if err := ix.Flush(ctx); err != nil {
		return 0, fmt.Errorf("measure indexing: %w", err)
	}
	return float64(len(cases)) / time.Since(start).Seconds(), nil
}

// MeasureSimilarLatency runs Similar once per query, one after another, and
// returns the median and 99th percentile latency.
func MeasureSimilarLatency(ctx context.Context, ix *Index, queries []string, k int) (p50, p99 time.Duration, err error) {
	if len(queries) == 0 {
		return 0, 0, errors.New("measure similar latency: no queries")
	}
	took := make([]time.Duration, 0, len(queries))
	for _, q := range queries {
		start := time.Now()
		if _, _, err := ix.Similar(ctx, SimilarQuery{Text: q, K: k}); err != nil {
			return 0, 0, fmt.Errorf("measure similar latency: %w", err)
		}
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	return percentile(took, 0.50), percentile(took, 0.99), nil
}

// percentile of sorted durations, nearest rank.
func percentile(sorted []time.Duration, p float64) time.Duration {
	i := int(p*float64(len(sorted))+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

package textan

import (
	"embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"time"

	"github.com/blevesearch/bleve/v2"
)

// zhTickets is the Chinese evaluation set, compiled in so that
// `deskmine bench knowledge` can report the figures without a source tree.
//
//go:embed testdata/zh-tickets/tickets.tsv testdata/zh-tickets/queries.tsv
var zhTickets embed.FS

// EvalTopK is the cut-off of the retrieval metrics.
const EvalTopK = 10

// Metrics is the retrieval quality of one analyzer on a labelled set where a
// hit is relevant when its topic equals the query's.
type Metrics struct {
	Analyzer string
	Docs     int
	Queries  int
	// MRR10 is the mean reciprocal rank of the first relevant hit in the top
	// 10 (0 when none is).
	MRR10 float64
	// Recall10 is the share of relevant documents in the top 10, divided by
	// min(10, relevant documents) so that a perfect top 10 scores 1 even
	// when a topic has more than 10 documents.
	Recall10 float64
	// HitAt1 is the share of queries whose first hit is relevant.
	HitAt1    float64
	IndexTime time.Duration
	QueryTime time.Duration
}

// EvalChinese measures Chinese retrieval for the gse and bigram analyzers on
// the labelled set in dir (tickets.tsv and queries.tsv, tab-separated with a
// "topic<TAB>text" header). An empty dir uses the set compiled into the
// package (testdata/zh-tickets). The result is keyed by analyzer name.
func EvalChinese(dir string) (map[string]Metrics, error) {
	var fsys fs.FS
	if dir == "" {
		sub, err := fs.Sub(zhTickets, "testdata/zh-tickets")
		if err != nil {
			return nil, fmt.Errorf("embedded evaluation set: %w", err)
		}
		fsys = sub
	} else {
		fsys = os.DirFS(dir)
	}
	docs, err := readLabelled(fsys, "tickets.tsv")
	if err != nil {
		return nil, err
	}
	queries, err := readLabelled(fsys, "queries.tsv")
	if err != nil {
		return nil, err
	}
	// The two Chinese methods on their own and as AnalyzerText candidates.
	names := []string{AnalyzerGse, AnalyzerCJK, AnalyzerTextGse, AnalyzerTextCJK}
	out := make(map[string]Metrics, len(names))
	for _, name := range names {
		m, err := evalAnalyzer(name, docs, queries)
		if err != nil {
			return nil, err
		}
		out[name] = m
	}
	return out, nil
}

// labelled is one line of an evaluation file.
type labelled struct {
	Topic, Text string
}

func readLabelled(fsys fs.FS, name string) ([]labelled, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comma = '\t'
	r.FieldsPerRecord = 2
	r.LazyQuotes = true
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("read %s header: %w", name, err)
	}
	if header[0] != "topic" || header[1] != "text" {
		return nil, fmt.Errorf("%s: header is %q, want topic, text", name, header)
	}
	var out []labelled
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		if rec[0] == "" || rec[1] == "" {
			return nil, fmt.Errorf("%s line %d: empty topic or text", name, len(out)+2)
		}
		out = append(out, labelled{Topic: rec[0], Text: rec[1]})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no rows", name)
	}
	return out, nil
}

// evalAnalyzer indexes docs in memory with one text field analysed by name
// and runs every query as an OR match over it, the way the knowledge index
// queries similar cases.
func evalAnalyzer(name string, docs, queries []labelled) (Metrics, error) {
	m := Metrics{Analyzer: name, Docs: len(docs), Queries: len(queries)}
	im := bleve.NewIndexMapping()
	dm := bleve.NewDocumentStaticMapping()
	fm := bleve.NewTextFieldMapping()
	fm.Analyzer = name
	fm.Store = false
	fm.IncludeInAll = false
	dm.AddFieldMappingsAt("text", fm)
	im.DefaultMapping = dm
	ix, err := bleve.NewMemOnly(im)
	if err != nil {
		return m, fmt.Errorf("eval index for %s: %w", name, err)
	}
	defer ix.Close()

	relevant := make(map[string]int)
	start := time.Now()
	b := ix.NewBatch()
	for i, d := range docs {
		relevant[d.Topic]++
		if err := b.Index(strconv.Itoa(i), map[string]any{"text": d.Text}); err != nil {
			return m, fmt.Errorf("eval index %s doc %d: %w", name, i, err)
		}
	}
	if err := ix.Batch(b); err != nil {
		return m, fmt.Errorf("eval index %s: %w", name, err)
	}
	m.IndexTime = time.Since(start)

	start = time.Now()
	for _, q := range queries {
		mq := bleve.NewMatchQuery(q.Text)
		mq.SetField("text")
		req := bleve.NewSearchRequestOptions(mq, EvalTopK, 0, false)
		res, err := ix.Search(req)
		if err != nil {
			return m, fmt.Errorf("eval search %s %q: %w", name, q.Text, err)
		}
		found := 0
		for rank, hit := range res.Hits {
			i, err := strconv.Atoi(hit.ID)
			if err != nil || i < 0 || i >= len(docs) {
				return m, fmt.Errorf("eval search %s: unexpected hit id %q", name, hit.ID)
			}
			if docs[i].Topic != q.Topic {
				continue
			}
			if found == 0 {
				m.MRR10 += 1 / float64(rank+1)
				if rank == 0 {
					m.HitAt1++
				}
			}
			found++
		}
		if rel := min(EvalTopK, relevant[q.Topic]); rel > 0 {
			m.Recall10 += float64(found) / float64(rel)
		}
	}
	m.QueryTime = time.Since(start)
	n := float64(len(queries))
	m.MRR10 /= n
	m.Recall10 /= n
	m.HitAt1 /= n
	return m, nil
}

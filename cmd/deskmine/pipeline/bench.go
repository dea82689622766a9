package pipeline

import (
	"bufio"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/deskmine/deskmine/analytics"
	"github.com/deskmine/deskmine/analytics/clickhouse"
	"github.com/deskmine/deskmine/analytics/duckdb"
	"github.com/deskmine/deskmine/ingest"
	"github.com/deskmine/deskmine/internal/config"
	"github.com/deskmine/deskmine/ticketcore"
	"github.com/deskmine/deskmine/ticketcore/events"
	"github.com/deskmine/deskmine/ticketcore/store"
)

// Targets of the pipeline benchmark (Step 3's acceptance).
const (
	TargetEventsPerSecond     = 50000
	TargetEmbeddedP99         = time.Second
	TargetKafkaClickHouseP99  = 2 * time.Second
	corpusName                = "BPI Challenge 2013 incidents (Volvo IT Belgium)"
	produceChunk              = 10000
	probeTimeout              = 30 * time.Second
	probePoll                 = 5 * time.Millisecond
	mergeWaitLimit            = 2 * time.Minute
	benchLoaderGroupSeparator = "-bench-"
)

// BenchOptions configure the pipeline benchmark.
type BenchOptions struct {
	CorpusCSV string // the BPI 2013 incidents.csv
	Mapping   string // docs/import/bpi2013-mapping.json
	// Events is how many events the throughput part replays: the corpus
	// replicated side by side (Replicate), truncated to Events.
	Events int
	Runs   int
	// BatchSize is the loader's batch size in the throughput part; the
	// freshness part uses the configuration defaults.
	BatchSize  int
	Partitions int
	// ClickHouse is the server's DSN; the benchmark creates (and drops)
	// databases deskmine_bench_<id>_* on it.
	ClickHouse string
	// ClientBin is the clickhouse-client binary of the baseline.
	ClientBin string
	// KafkaBrokers is a real broker; empty starts franz-go's kfake in process.
	KafkaBrokers []string

	FreshnessSamples int
	FreshnessRate    int // background ticket changes per second

	SkipThroughput, SkipFreshness bool
	Keep                          bool // keep the databases and topics

	Log io.Writer // progress lines; nil for none
}

func (o *BenchOptions) defaults() {
	if o.Events <= 0 {
		o.Events = 1_000_000
	}
	if o.Runs <= 0 {
		o.Runs = 3
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 50000
	}
	if o.Partitions <= 0 {
		o.Partitions = 12
	}
	if o.ClickHouse == "" {
		o.ClickHouse = "clickhouse://127.0.0.1:9000/"
	}
	if o.ClientBin == "" {
		o.ClientBin = "clickhouse-client"
	}
	if o.FreshnessSamples <= 0 {
		o.FreshnessSamples = 300
	}
	if o.FreshnessRate <= 0 {
		o.FreshnessRate = 100
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
}

// BenchResult is what the benchmark prints as its last line.
type BenchResult struct {
	Benchmark string `json:"benchmark"`
	// CPUs and LoadAvg1m (the machine's one-minute load average when the
	// benchmark started; 0 where unknown) say how busy a shared machine was.
	CPUs       int               `json:"cpus"`
	LoadAvg1m  float64           `json:"loadavg_1m_at_start"`
	Corpus     CorpusInfo        `json:"corpus"`
	Throughput *ThroughputResult `json:"throughput,omitempty"`
	Freshness  *FreshnessResult  `json:"freshness,omitempty"`
	Target     BenchTarget       `json:"target"`
	// Pass: every part that ran met its target.
	Pass bool `json:"pass"`
}

// CorpusInfo describes the real history the benchmark replays.
type CorpusInfo struct {
	Source  string `json:"source"`
	Records int    `json:"records"` // events in the imported history
	Tickets int    `json:"tickets"` // tickets in the imported history
}

// BenchTarget are the targets the pass flags compare with.
type BenchTarget struct {
	MinEventsPerS           int `json:"min_events_per_s"`
	EmbeddedMaxP99Ms        int `json:"embedded_max_p99_ms"`
	KafkaClickHouseMaxP99Ms int `json:"kafka_clickhouse_max_p99_ms"`
}

// ThroughputResult is the replay of the whole stream into ClickHouse.
type ThroughputResult struct {
	Events     int    `json:"events"`
	Tickets    int    `json:"tickets"`
	Copies     int    `json:"copies"` // of the corpus, side by side, before truncation
	Runs       int    `json:"runs"`
	BatchSize  int    `json:"batch_size"`
	Partitions int    `json:"partitions"`
	Broker     string `json:"broker"`

	ProduceSeconds    float64 `json:"produce_s"`
	ProduceEventsPerS float64 `json:"produce_events_per_s"`

	SecondsRuns      []float64 `json:"seconds_runs"`
	EventsPerSRuns   []float64 `json:"events_per_s_runs"`
	MedianEventsPerS float64   `json:"median_events_per_s"`

	ClientBytes        int64     `json:"client_file_bytes"`
	ClientSecondsRuns  []float64 `json:"client_seconds_runs"`
	ClientRowsPerSRuns []float64 `json:"client_rows_per_s_runs"`
	ClientRowsPerS     float64   `json:"client_rows_per_s"`
	// Ratio is the median pipeline rate over the median client rate.
	Ratio float64 `json:"ratio"`

	// RowsWritten is what the loader wrote per table (last run, after
	// deduplication); the client writes the events table only.
	RowsWritten map[string]int64 `json:"rows_written"`
	Note        string           `json:"note"`
	Pass        bool             `json:"pass"`
}

// FreshnessResult is change-to-visible latency in both setups.
type FreshnessResult struct {
	LoadRate        int        `json:"load_changes_per_s"`
	Embedded        *Freshness `json:"embedded,omitempty"`
	KafkaClickHouse *Freshness `json:"kafka_clickhouse,omitempty"`
}

// Freshness is one setup's latency from a committed ticket change to the
// analytics store answering Seen for it.
type Freshness struct {
	Setup        string  `json:"setup"`
	Samples      int     `json:"samples"`
	Timeouts     int     `json:"timeouts"`
	P50Ms        float64 `json:"p50_ms"`
	P90Ms        float64 `json:"p90_ms"`
	P99Ms        float64 `json:"p99_ms"`
	MaxMs        float64 `json:"max_ms"`
	BatchWaitMs  int64   `json:"batch_wait_ms"`
	LoadAchieved float64 `json:"load_achieved_per_s"`
	LoadErrors   int     `json:"load_errors"`
	Pass         bool    `json:"pass"`
}

// RunBench runs the pipeline benchmark.
func RunBench(ctx context.Context, o BenchOptions) (*BenchResult, error) {
	o.defaults()
	res := &BenchResult{Benchmark: "pipeline", Target: BenchTarget{MinEventsPerS: TargetEventsPerSecond,
		EmbeddedMaxP99Ms: int(TargetEmbeddedP99.Milliseconds()), KafkaClickHouseMaxP99Ms: int(TargetKafkaClickHouseP99.Milliseconds())}}
	res.CPUs, res.LoadAvg1m = runtime.NumCPU(), loadAvg()
	quiet := slog.New(slog.NewTextHandler(o.Log, &slog.HandlerOptions{Level: slog.LevelWarn}))
	id := benchID()

	dir, err := os.MkdirTemp("", "deskmine-bench-pipeline-")
	if err != nil {
		return nil, fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(dir)

	t0 := time.Now()
	corpus, err := ImportBPI2013(ctx, dir, o.CorpusCSV, o.Mapping, nil)
	if err != nil {
		return nil, err
	}
	defer corpus.Close()
	recs, err := ReadAll(ctx, corpus)
	if err != nil {
		return nil, fmt.Errorf("read corpus: %w", err)
	}
	res.Corpus = CorpusInfo{Source: corpusName, Records: len(recs), Tickets: distinctTickets(recs)}
	fmt.Fprintf(o.Log, "corpus: %d events of %d tickets imported in %.1f s\n", res.Corpus.Records, res.Corpus.Tickets, time.Since(t0).Seconds())
	if len(recs) == 0 {
		return nil, errors.New("the corpus has no events")
	}

	var brokers []string
	brokerName := strings.Join(o.KafkaBrokers, ",")
	if len(o.KafkaBrokers) > 0 {
		brokers = o.KafkaBrokers
	} else {
		kc, err := StartKafka()
		if err != nil {
			return nil, err
		}
		defer kc.Close()
		brokers = kc.ListenAddrs()
		brokerName = "kfake (in-process)"
	}
	ck := &chAdmin{base: o.ClickHouse, client: o.ClientBin, keep: o.Keep, log: o.Log}
	if err := ck.open(ctx); err != nil {
		return nil, err
	}
	defer ck.close()

	res.Pass = true
	if !o.SkipThroughput {
		tr, err := runThroughput(ctx, o, ck, dir, corpus, recs, brokers, brokerName, id, quiet)
		if err != nil {
			return nil, fmt.Errorf("throughput: %w", err)
		}
		res.Throughput = tr
		res.Pass = res.Pass && tr.Pass
	}
	if !o.SkipFreshness {
		fr := &FreshnessResult{LoadRate: o.FreshnessRate}
		res.Freshness = fr
		scripts, err := Scripts(recs)
		if err != nil {
			return nil, err
		}
		emb, err := runFreshnessEmbedded(ctx, o, dir, scripts, quiet)
		if err != nil {
			return nil, fmt.Errorf("freshness (embedded): %w", err)
		}
		fr.Embedded = emb
		kch, err := runFreshnessKafka(ctx, o, ck, dir, scripts, brokers, id, quiet)
		if err != nil {
			return nil, fmt.Errorf("freshness (kafka + clickhouse): %w", err)
		}
		fr.KafkaClickHouse = kch
		res.Pass = res.Pass && emb.Pass && kch.Pass
	}
	return res, nil
}

// loadAvg reads the one-minute load average (Linux); 0 when unknown.
func loadAvg() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f, _, _ := strings.Cut(string(b), " ")
	v, _ := strconv.ParseFloat(f, 64)
	return v
}

func benchID() string {
	b := make([]byte, 3)
	_, _ = crand.Read(b)
	return fmt.Sprintf("%d_%s", time.Now().Unix(), hex.EncodeToString(b))
}

func distinctTickets(recs []events.Record) int {
	seen := make(map[int64]struct{}, 8192)
	for _, r := range recs {
		seen[r.TicketID] = struct{}{}
	}
	return len(seen)
}

// StartKafka starts franz-go's in-process Kafka-protocol broker on a free
// loopback port (what internal/testkafka does for tests). Close it when done.
func StartKafka() (*kfake.Cluster, error) {
	kc, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.Ports(0))
	if err != nil {
		return nil, fmt.Errorf("start kfake: %w", err)
	}
	return kc, nil
}

// ReplicateTo returns n events of the history recs, replicated side by
// side (Replicate) as many times as it takes and cut at n: per-ticket order
// holds, the last copy's tickets only lose their later events. It also
// returns the number of copies.
func ReplicateTo(recs []events.Record, n int) ([]events.Record, int, error) {
	if len(recs) == 0 || n <= 0 {
		return nil, 0, errors.New("replicate: no events")
	}
	copies := (n + len(recs) - 1) / len(recs)
	var maxID int64
	for _, r := range recs {
		maxID = max(maxID, r.TicketID)
	}
	// A round stride, so that copy k of ticket t reads as k*stride + t.
	stride := int64(10)
	for stride <= maxID {
		stride *= 10
	}
	out, err := Replicate(recs, copies, stride)
	if err != nil {
		return nil, 0, err
	}
	return out[:n], copies, nil
}

// runThroughput publishes the replicated history to a topic once, then
// replays it into a fresh ClickHouse database per run, each followed by the
// clickhouse-client baseline on the same rows.
func runThroughput(ctx context.Context, o BenchOptions, ck *chAdmin, dir string, corpus *store.Store, recs []events.Record,
	brokers []string, brokerName, id string, log *slog.Logger) (*ThroughputResult, error) {
	t0 := time.Now()
	stream, copies, err := ReplicateTo(recs, o.Events)
	if err != nil {
		return nil, err
	}
	res := &ThroughputResult{Events: len(stream), Tickets: distinctTickets(stream), Copies: copies, Runs: o.Runs,
		BatchSize: o.BatchSize, Partitions: o.Partitions, Broker: brokerName,
		Note: "the loader writes four tables (events, intervals, sla_outcomes, tickets; rows_written); " +
			"the clickhouse-client baseline inserts the same event rows into a copy of the events table only"}
	fmt.Fprintf(o.Log, "stream: %d events of %d tickets (%d copies of the corpus, cut) in %.1f s\n",
		res.Events, res.Tickets, copies, time.Since(t0).Seconds())

	// The baseline's file: the event rows exactly as the loader derives them.
	t0 = time.Now()
	tsv := filepath.Join(dir, "events.tsv")
	want, err := WriteEventsTSV(tsv, stream)
	if err != nil {
		return nil, err
	}
	if fi, err := os.Stat(tsv); err == nil {
		res.ClientBytes = fi.Size()
	}
	fmt.Fprintf(o.Log, "client file: %d event rows, %.0f MB in %.1f s\n", want.EventRows, float64(res.ClientBytes)/1e6, time.Since(t0).Seconds())
	if want.EventRows != int64(len(stream)) {
		return nil, fmt.Errorf("the stream's %d events derive %d event rows; every corpus event should give one", len(stream), want.EventRows)
	}

	topic := "deskmine.bench-" + strings.ReplaceAll(id, "_", "-")
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	err = ingest.EnsureTopic(tctx, brokers, topic, o.Partitions)
	cancel()
	if err != nil {
		return nil, err
	}
	if !o.Keep && len(o.KafkaBrokers) > 0 {
		defer deleteTopic(brokers, topic, o.Log)
	}
	secs, err := Produce(ctx, brokers, topic, stream, log)
	if err != nil {
		return nil, err
	}
	res.ProduceSeconds, res.ProduceEventsPerS = round2(secs), round2(float64(len(stream))/secs)
	fmt.Fprintf(o.Log, "produce: %d events to %s (%d partitions) in %.2f s: %.0f events/s\n",
		len(stream), topic, o.Partitions, secs, res.ProduceEventsPerS)
	stream = nil

	cfg := config.Default()
	cfg.Stream.KafkaBrokers, cfg.Stream.Topic, cfg.Stream.Partitions, cfg.Stream.BatchSize = brokers, topic, o.Partitions, o.BatchSize
	deps := Deps{Store: corpus, Logger: log}
	for run := 1; run <= o.Runs; run++ {
		db := fmt.Sprintf("deskmine_bench_%s_r%d", id, run)
		secs, rows, err := loadOnce(ctx, cfg, deps, ck, db, fmt.Sprintf("%s%s%s-r%d", LoaderName, benchLoaderGroupSeparator, id, run), want)
		if err != nil {
			ck.dropUnlessKept(ctx, db)
			return nil, fmt.Errorf("run %d: %w", run, err)
		}
		rate := float64(res.Events) / secs
		res.SecondsRuns = append(res.SecondsRuns, round2(secs))
		res.EventsPerSRuns = append(res.EventsPerSRuns, round2(rate))
		res.RowsWritten = rows
		if err := ck.waitMerges(ctx, db); err != nil {
			ck.dropUnlessKept(ctx, db)
			return nil, err
		}
		csecs, err := ck.clientInsert(ctx, db, tsv, want.EventRows)
		if err != nil {
			ck.dropUnlessKept(ctx, db)
			return nil, fmt.Errorf("run %d: clickhouse-client: %w", run, err)
		}
		crate := float64(want.EventRows) / csecs
		res.ClientSecondsRuns = append(res.ClientSecondsRuns, round2(csecs))
		res.ClientRowsPerSRuns = append(res.ClientRowsPerSRuns, round2(crate))
		fmt.Fprintf(o.Log, "run %d: pipeline %d events in %.2f s: %.0f events/s; clickhouse-client %d rows in %.2f s: %.0f rows/s; ratio %.2f\n",
			run, res.Events, secs, rate, want.EventRows, csecs, crate, rate/crate)
		if err := ck.dropUnlessKept(ctx, db); err != nil {
			return nil, err
		}
	}
	res.MedianEventsPerS = Median(res.EventsPerSRuns)
	res.ClientRowsPerS = Median(res.ClientRowsPerSRuns)
	if res.ClientRowsPerS > 0 {
		res.Ratio = round2(res.MedianEventsPerS / res.ClientRowsPerS)
	}
	res.Pass = res.MedianEventsPerS >= TargetEventsPerSecond
	return res, nil
}

// Produce publishes recs in order with the relay's producer (ingest.KafkaSink)
// and returns the seconds it took.
func Produce(ctx context.Context, brokers []string, topic string, recs []events.Record, log *slog.Logger) (float64, error) {
	sink, err := ingest.NewKafkaSink(ingest.KafkaSinkConfig{Brokers: brokers, Topic: topic, Logger: log})
	if err != nil {
		return 0, err
	}
	t0 := time.Now()
	for i := 0; i < len(recs); i += produceChunk {
		if err := sink.Publish(ctx, recs[i:min(i+produceChunk, len(recs))]); err != nil {
			sink.Close()
			return 0, err
		}
	}
	secs := time.Since(t0).Seconds()
	return secs, sink.Close()
}

// loadOnce replays the topic into a fresh database through the real loader
// until it has caught up, and checks that every event and ticket is there.
func loadOnce(ctx context.Context, cfg config.Config, deps Deps, ck *chAdmin, db, group string, want *Expected) (float64, map[string]int64, error) {
	if err := ck.exec(ctx, "DROP DATABASE IF EXISTS "+db); err != nil {
		return 0, nil, err
	}
	an, err := clickhouse.Open(ctx, ck.dsn(db))
	if err != nil {
		return 0, nil, err
	}
	defer an.Close()
	src, err := NewSource(cfg, deps, group)
	if err != nil {
		return 0, nil, err
	}
	t0 := time.Now()
	err = RunUntilCaughtUp(ctx, cfg, deps, src, an)
	secs := time.Since(t0).Seconds()
	if cerr := src.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, nil, err
	}
	got, err := an.Check(ctx)
	if err != nil {
		return 0, nil, err
	}
	if err := want.Verify(got); err != nil {
		return 0, nil, err
	}
	var sla int64
	for _, n := range got.SLAOutcomes {
		sla += n
	}
	return secs, map[string]int64{"events": got.Events, "tickets": got.Tickets,
		"intervals": got.ClosedIntervals + got.OpenIntervals, "sla_outcomes": sla}, nil
}

// Expected is what a complete load of a stream must show.
type Expected struct {
	EventRows int64
	Tickets   int64
	SeqSum    int64
}

// Verify compares a store's Check with the expectation.
func (w *Expected) Verify(got *analytics.CheckResult) error {
	if got.Events != w.EventRows || got.EventTickets != w.Tickets || got.Tickets != w.Tickets || got.SeqSum != w.SeqSum {
		return fmt.Errorf("analytics store holds %d events of %d tickets, %d latest tickets, seq sum %d; want %d events of %d tickets, seq sum %d",
			got.Events, got.EventTickets, got.Tickets, got.SeqSum, w.EventRows, w.Tickets, w.SeqSum)
	}
	return nil
}

// WriteEventsTSV writes the event rows the loader derives from recs (in
// stream order, the stored state carried from chunk to chunk as the store
// carries it from batch to batch) to path as TabSeparated, in the order of
// analytics.EventColumns, and returns what a complete load must show.
func WriteEventsTSV(path string, recs []events.Record) (*Expected, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	want := &Expected{Tickets: int64(distinctTickets(recs))}
	prior := map[int64]analytics.TicketRow{}
	const chunk = 50000
	var line []byte
	for i := 0; i < len(recs); i += chunk {
		evs, err := decodeParallel(recs[i:min(i+chunk, len(recs))])
		if err != nil {
			return nil, err
		}
		b, err := analytics.Prepare(evs)
		if err != nil {
			return nil, err
		}
		rows := analytics.Derive(b, prior)
		for j := range rows.Events {
			r := &rows.Events[j]
			line = line[:0]
			for k, c := range analytics.EventColumns {
				if k > 0 {
					line = append(line, '\t')
				}
				if line, err = AppendTSV(line, c.Value(r)); err != nil {
					return nil, fmt.Errorf("column %s: %w", c.Name, err)
				}
			}
			line = append(line, '\n')
			if _, err := w.Write(line); err != nil {
				return nil, err
			}
			want.EventRows++
			want.SeqSum += r.Seq
		}
		for _, t := range rows.Tickets {
			prior[t.TicketID] = t
		}
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	return want, f.Close()
}

func decodeParallel(recs []events.Record) ([]events.Event, error) {
	out := make([]events.Event, len(recs))
	workers := runtime.GOMAXPROCS(0)
	per := (len(recs) + workers - 1) / workers
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		lo, hi := w*per, min((w+1)*per, len(recs))
		if lo >= hi {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				e, err := events.Unmarshal(recs[i].Payload)
				if err != nil {
					errs[w] = fmt.Errorf("record %d: %w", recs[i].Seq, err)
					return
				}
				out[i] = *e
			}
		}()
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// AppendTSV appends one value of an analytics column (Column.Value's form)
// in ClickHouse's TabSeparated text form.
func AppendTSV(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, `\N`...), nil
	case string:
		return appendEscaped(b, x, false), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case bool:
		if x {
			return append(b, '1'), nil
		}
		return append(b, '0'), nil
	case time.Time:
		// DateTime('UTC') columns read text in UTC.
		return x.UTC().AppendFormat(b, "2006-01-02 15:04:05"), nil
	case []string:
		b = append(b, '[')
		for i, s := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '\'')
			b = appendEscaped(b, s, true)
			b = append(b, '\'')
		}
		return append(b, ']'), nil
	case []int64:
		b = append(b, '[')
		for i, n := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, n, 10)
		}
		return append(b, ']'), nil
	}
	return b, fmt.Errorf("no TabSeparated form for %T", v)
}

func appendEscaped(b []byte, s string, quoted bool) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			b = append(b, `\\`...)
		case '\t':
			b = append(b, `\t`...)
		case '\n':
			b = append(b, `\n`...)
		case '\r':
			b = append(b, `\r`...)
		case 0:
			b = append(b, `\0`...)
		case '\'':
			if quoted {
				b = append(b, `\'`...)
			} else {
				b = append(b, c)
			}
		default:
			b = append(b, c)
		}
	}
	return b
}

// chAdmin is the benchmark's own connection to ClickHouse: databases,
// merges, and the clickhouse-client baseline.
type chAdmin struct {
	base   string
	client string
	keep   bool
	log    io.Writer

	opts *ch.Options
	conn driver.Conn
}

func (c *chAdmin) open(ctx context.Context) error {
	opts, err := ch.ParseDSN(c.base)
	if err != nil {
		return fmt.Errorf("parse clickhouse dsn: %w", err)
	}
	opts.Auth.Database = ""
	if opts.DialTimeout == 0 {
		opts.DialTimeout = 5 * time.Second
	}
	conn, err := ch.Open(opts)
	if err != nil {
		return fmt.Errorf("open clickhouse: %w", err)
	}
	if err := conn.Ping(ctx); err != nil {
		conn.Close()
		return fmt.Errorf("clickhouse at %s: %w", c.base, err)
	}
	c.opts, c.conn = opts, conn
	return nil
}

func (c *chAdmin) close() {
	if c.conn != nil {
		c.conn.Close()
	}
}

func (c *chAdmin) exec(ctx context.Context, stmt string) error {
	if err := c.conn.Exec(ctx, stmt); err != nil {
		return fmt.Errorf("clickhouse: %s: %w", stmt, err)
	}
	return nil
}

// dsn is the base DSN pointing at database db.
func (c *chAdmin) dsn(db string) string {
	u, err := url.Parse(c.base)
	if err != nil {
		return c.base // ParseDSN accepted it in open
	}
	u.Path = "/" + db
	return u.String()
}

func (c *chAdmin) dropUnlessKept(ctx context.Context, db string) error {
	if c.keep {
		fmt.Fprintf(c.log, "kept database %s\n", db)
		return nil
	}
	return c.exec(context.WithoutCancel(ctx), "DROP DATABASE IF EXISTS "+db)
}

// waitMerges waits until no merge runs in db, so that one measurement does
// not pay for the previous one's background merges.
func (c *chAdmin) waitMerges(ctx context.Context, db string) error {
	deadline := time.Now().Add(mergeWaitLimit)
	for {
		var n uint64
		if err := c.conn.QueryRow(ctx, "SELECT count() FROM system.merges WHERE database = ?", db).Scan(&n); err != nil {
			return fmt.Errorf("clickhouse: read merges: %w", err)
		}
		if n == 0 || time.Now().After(deadline) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// clientInsert times clickhouse-client inserting the file into an empty
// copy of the events table (same columns and engine) and checks the count.
func (c *chAdmin) clientInsert(ctx context.Context, db, file string, rows int64) (float64, error) {
	table := db + ".events_client"
	if err := c.exec(ctx, "DROP TABLE IF EXISTS "+table); err != nil {
		return 0, err
	}
	if err := c.exec(ctx, "CREATE TABLE "+table+" AS "+db+".events"); err != nil {
		return 0, err
	}
	host, port := "127.0.0.1", "9000"
	if len(c.opts.Addr) > 0 {
		if h, p, ok := strings.Cut(c.opts.Addr[0], ":"); ok {
			host, port = h, p
		} else {
			host = c.opts.Addr[0]
		}
	}
	query := "INSERT INTO " + table + " (" + strings.Join(analytics.Names(analytics.EventColumns), ", ") + ") FORMAT TabSeparated"
	args := []string{"--host", host, "--port", port, "--query", query}
	if c.opts.Auth.Username != "" {
		args = append(args, "--user", c.opts.Auth.Username)
	}
	if c.opts.Auth.Password != "" {
		args = append(args, "--password", c.opts.Auth.Password)
	}
	in, err := os.Open(file)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	cmd := exec.CommandContext(ctx, c.client, args...)
	cmd.Stdin = in
	var stderr strings.Builder
	cmd.Stderr = &stderr
	t0 := time.Now()
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("%w: %s", err, strings.TrimSpace(stderr.String()))
	}
	secs := time.Since(t0).Seconds()
	var n uint64
	if err := c.conn.QueryRow(ctx, "SELECT count() FROM "+table).Scan(&n); err != nil {
		return 0, fmt.Errorf("clickhouse: count %s: %w", table, err)
	}
	if int64(n) != rows {
		return 0, fmt.Errorf("%s holds %d rows after the insert, want %d", table, n, rows)
	}
	return secs, c.waitMerges(ctx, db)
}

func deleteTopic(brokers []string, topic string, log io.Writer) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 30 * time.Second}
	res, err := c.DeleteTopics(ctx, &kafka.DeleteTopicsRequest{Topics: []string{topic}})
	if err == nil {
		err = res.Errors[topic]
	}
	if err != nil {
		fmt.Fprintf(log, "delete topic %s: %v\n", topic, err)
	}
}

// Script is one corpus ticket's history as service calls: a create with its
// first state, then a patch for each later change of team, assignee,
// urgency, product or region. The freshness load plays these.
type Script struct {
	Actor   string
	Create  ticketcore.CreateInput
	Patches []ticketcore.Patch
}

// Scripts turns the corpus into scripts, one per ticket, in ticket order.
func Scripts(recs []events.Record) ([]Script, error) {
	var out []Script
	idx := map[int64]int{}
	last := map[int64]events.Ticket{}
	for _, r := range recs {
		e, err := events.Unmarshal(r.Payload)
		if err != nil {
			return nil, fmt.Errorf("record %d: %w", r.Seq, err)
		}
		t := e.Ticket
		i, ok := idx[e.TicketID]
		if !ok {
			owner := strings.TrimSpace(fmt.Sprint(t.CustomFields["owner_first_name"]) + "@" + fmt.Sprint(t.CustomFields["owner_country"]))
			idx[e.TicketID] = len(out)
			out = append(out, Script{Actor: e.Actor.Name, Create: ticketcore.CreateInput{
				Subject: t.Subject, Type: t.Type, Category: t.Category, Product: t.Product, Channel: t.Channel,
				Urgency: t.Urgency, Team: t.Team, Assignee: t.Assignee, Region: t.Region,
				Customer: ticketcore.CustomerInput{ExternalID: "owner:" + owner, Region: t.Region},
			}})
			last[e.TicketID] = t
			continue
		}
		prev := last[e.TicketID]
		var p ticketcore.Patch
		changed := false
		set := func(dst **string, old, cur string) {
			if old != cur {
				v := cur
				*dst, changed = &v, true
			}
		}
		set(&p.Team, prev.Team, t.Team)
		set(&p.Assignee, prev.Assignee, t.Assignee)
		set(&p.Urgency, prev.Urgency, t.Urgency)
		set(&p.Product, prev.Product, t.Product)
		set(&p.Region, prev.Region, t.Region)
		if changed {
			out[i].Patches = append(out[i].Patches, p)
		}
		last[e.TicketID] = t
	}
	if len(out) == 0 {
		return nil, errors.New("the corpus has no tickets")
	}
	return out, nil
}

// player plays scripts through the ticket service: each live ticket goes
// through its script's patches, a finished one is replaced by the next
// script's ticket. Safe for one goroutine.
type player struct {
	svc     *ticketcore.Service
	scripts []Script
	next    int // next script to create
	live    []*liveTicket
	turn    int
}

type liveTicket struct {
	s       *Script
	id, ver int64
	patch   int
}

// create creates the next script's ticket and returns it.
func (d *player) create(ctx context.Context) (*liveTicket, error) {
	s := &d.scripts[d.next%len(d.scripts)]
	d.next++
	r, err := d.svc.Create(ctx, ticketcore.Actor{Name: s.Actor, Role: "agent"}, s.Create, "")
	if err != nil {
		return nil, fmt.Errorf("create: %w", err)
	}
	return &liveTicket{s: s, id: r.Ticket.ID, ver: r.Ticket.Version}, nil
}

// advance applies t's next patch and reports whether it changed the ticket
// (false once the script is played out).
func (d *player) advance(ctx context.Context, t *liveTicket) (bool, error) {
	for t.patch < len(t.s.Patches) {
		p := t.s.Patches[t.patch]
		t.patch++
		nt, err := d.svc.Update(ctx, ticketcore.Actor{Name: t.s.Actor, Role: "agent"}, t.id, t.ver, p)
		if err != nil {
			return false, fmt.Errorf("update %d: %w", t.id, err)
		}
		if nt.Version > t.ver {
			t.ver = nt.Version
			return true, nil
		}
	}
	return false, nil
}

// step makes one change: the next patch of the next of up to width live
// tickets, or a new ticket.
func (d *player) step(ctx context.Context, width int) (id, version int64, err error) {
	if len(d.live) < width {
		t, err := d.create(ctx)
		if err != nil {
			return 0, 0, err
		}
		d.live = append(d.live, t)
		return t.id, t.ver, nil
	}
	i := d.turn % len(d.live)
	d.turn++
	t := d.live[i]
	ok, err := d.advance(ctx, t)
	if err != nil {
		return 0, 0, err
	}
	if ok {
		return t.id, t.ver, nil
	}
	if d.live[i], err = d.create(ctx); err != nil {
		return 0, 0, err
	}
	return d.live[i].id, d.live[i].ver, nil
}

// seenFunc is analytics.Store.Seen.
type seenFunc func(ctx context.Context, ticketID, version int64) (bool, error)

// probeFreshness makes samples changes through probe tickets while load
// changes tickets at rate per second in the background, and returns each
// change's commit-to-visible latency.
func probeFreshness(ctx context.Context, svc *ticketcore.Service, scripts []Script, seen seenFunc, samples, rate int) ([]time.Duration, int, float64, int, error) {
	// The background load and the probes play different parts of the corpus.
	half := max(len(scripts)/2, 1)
	load := &player{svc: svc, scripts: scripts[:half]}
	probe := &player{svc: svc, scripts: scripts[half%len(scripts):]}

	lctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var made, loadErrs int
	t0 := time.Now()
	var loadSecs float64
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Second / time.Duration(rate))
		defer tick.Stop()
		for {
			select {
			case <-lctx.Done():
				loadSecs = time.Since(t0).Seconds()
				return
			case <-tick.C:
			}
			if _, _, err := load.step(lctx, 64); err != nil {
				if lctx.Err() != nil {
					continue
				}
				loadErrs++
				continue
			}
			made++
		}
	}()
	defer func() {
		stop()
		wg.Wait()
	}()

	// Let the load run a moment before the first probe.
	if !sleepCtx(ctx, time.Second) {
		return nil, 0, 0, 0, ctx.Err()
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	lats := make([]time.Duration, 0, samples)
	timeouts := 0
	for len(lats) < samples {
		// A random pause, so that commits fall anywhere in the loader's cycle.
		if !sleepCtx(ctx, time.Duration(rng.Int64N(int64(50*time.Millisecond)))) {
			return nil, 0, 0, 0, ctx.Err()
		}
		id, ver, err := probe.step(ctx, 8)
		if err != nil {
			return nil, 0, 0, 0, err
		}
		committed := time.Now()
		for {
			ok, err := seen(ctx, id, ver)
			if err != nil {
				return nil, 0, 0, 0, err
			}
			if ok {
				lats = append(lats, time.Since(committed))
				break
			}
			if time.Since(committed) > probeTimeout {
				timeouts++
				lats = append(lats, time.Since(committed))
				break
			}
			if !sleepCtx(ctx, probePoll) {
				return nil, 0, 0, 0, ctx.Err()
			}
		}
	}
	stop()
	wg.Wait()
	return lats, timeouts, float64(made) / loadSecs, loadErrs, nil
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func freshnessOf(setup string, lats []time.Duration, timeouts int, achieved float64, loadErrs int, wait, target time.Duration) *Freshness {
	s := slices.Clone(lats)
	slices.Sort(s)
	ms := func(d time.Duration) float64 { return round2(float64(d.Microseconds()) / 1000) }
	f := &Freshness{Setup: setup, Samples: len(s), Timeouts: timeouts, BatchWaitMs: wait.Milliseconds(),
		LoadAchieved: round2(achieved), LoadErrors: loadErrs}
	if len(s) > 0 {
		f.P50Ms, f.P90Ms, f.P99Ms, f.MaxMs = ms(Percentile(s, 0.50)), ms(Percentile(s, 0.90)), ms(Percentile(s, 0.99)), ms(s[len(s)-1])
	}
	f.Pass = len(s) > 0 && timeouts == 0 && Percentile(s, 0.99) <= target
	return f
}

// openTicketStore opens a fresh SQLite ticket store in dir and its service.
func openTicketStore(ctx context.Context, dir string, log *slog.Logger) (*store.Store, *ticketcore.Service, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, err
	}
	st, err := store.Open(ctx, filepath.Join(dir, "deskmine.db"))
	if err != nil {
		return nil, nil, fmt.Errorf("open ticket store: %w", err)
	}
	opts := ticketcore.DefaultOptions()
	opts.Logger = log
	svc, err := ticketcore.NewService(st, opts)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, svc, nil
}

// runLoader runs a loader in the background; the returned function stops it.
func runLoader(ctx context.Context, cfg config.Config, deps Deps, src ingest.Source, an analytics.Store) (func() error, error) {
	r, err := NewLoader(cfg, deps, src, an)
	if err != nil {
		return nil, err
	}
	rctx, cancel := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() { errc <- r.Run(rctx) }()
	return func() error {
		cancel()
		return <-errc
	}, nil
}

// runFreshnessEmbedded: SQLite ticket store, the loader on the store's own
// event log, DuckDB; the configuration's defaults.
func runFreshnessEmbedded(ctx context.Context, o BenchOptions, dir string, scripts []Script, log *slog.Logger) (*Freshness, error) {
	d := filepath.Join(dir, "embedded")
	st, svc, err := openTicketStore(ctx, d, log)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	an, err := duckdb.Open(ctx, filepath.Join(d, "analytics.duckdb"))
	if err != nil {
		return nil, err
	}
	defer an.Close()
	cfg := config.Default()
	deps := Deps{Store: st, Logger: log}
	src, err := NewSource(cfg, deps, LoaderName)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	stop, err := runLoader(ctx, cfg, deps, src, an)
	if err != nil {
		return nil, err
	}
	lats, timeouts, achieved, loadErrs, err := probeFreshness(ctx, svc, scripts, an.Seen, o.FreshnessSamples, o.FreshnessRate)
	if serr := stop(); err == nil {
		err = serr
	}
	if err != nil {
		return nil, err
	}
	f := freshnessOf("SQLite event log -> loader -> DuckDB", lats, timeouts, achieved, loadErrs, cfg.Stream.BatchWait, TargetEmbeddedP99)
	fmt.Fprintf(o.Log, "freshness embedded: %d samples at %.0f changes/s: p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
		f.Samples, f.LoadAchieved, f.P50Ms, f.P99Ms, f.MaxMs)
	return f, nil
}

// runFreshnessKafka: SQLite ticket store, the relay to Kafka, the loader on
// its consumer group, ClickHouse; the configuration's defaults.
func runFreshnessKafka(ctx context.Context, o BenchOptions, ck *chAdmin, dir string, scripts []Script, brokers []string, id string, log *slog.Logger) (*Freshness, error) {
	d := filepath.Join(dir, "kafka")
	st, svc, err := openTicketStore(ctx, d, log)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	db := fmt.Sprintf("deskmine_bench_%s_fresh", id)
	an, err := clickhouse.Open(ctx, ck.dsn(db))
	if err != nil {
		return nil, err
	}
	defer ck.dropUnlessKept(ctx, db)
	defer an.Close()
	cfg := config.Default()
	cfg.Stream.KafkaBrokers = brokers
	cfg.Stream.Topic = "deskmine.bench-" + strings.ReplaceAll(id, "_", "-") + "-fresh"
	if !o.Keep && len(o.KafkaBrokers) > 0 {
		defer deleteTopic(brokers, cfg.Stream.Topic, o.Log)
	}
	deps := Deps{Store: st, Logger: log}
	relay, err := NewRelay(ctx, cfg, deps)
	if err != nil {
		return nil, err
	}
	defer relay.Close()
	rctx, stopRelay := context.WithCancel(ctx)
	relayDone := make(chan error, 1)
	go func() { relayDone <- relay.Run(rctx) }()
	defer func() {
		stopRelay()
		<-relayDone
	}()
	src, err := NewSource(cfg, deps, LoaderName+benchLoaderGroupSeparator+id)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	stop, err := runLoader(ctx, cfg, deps, src, an)
	if err != nil {
		return nil, err
	}
	// The first change waits for the group to form; not a sample.
	warm := &player{svc: svc, scripts: scripts[len(scripts)-1:]}
	wid, wver, err := warm.step(ctx, 1)
	if err == nil {
		err = waitSeen(ctx, an.Seen, wid, wver, time.Minute)
	}
	var lats []time.Duration
	var timeouts, loadErrs int
	var achieved float64
	if err == nil {
		lats, timeouts, achieved, loadErrs, err = probeFreshness(ctx, svc, scripts, an.Seen, o.FreshnessSamples, o.FreshnessRate)
	}
	if serr := stop(); err == nil {
		err = serr
	}
	if err != nil {
		return nil, err
	}
	f := freshnessOf("SQLite event log -> relay -> Kafka -> loader -> ClickHouse", lats, timeouts, achieved, loadErrs,
		cfg.Stream.BatchWait, TargetKafkaClickHouseP99)
	fmt.Fprintf(o.Log, "freshness kafka+clickhouse: %d samples at %.0f changes/s: p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
		f.Samples, f.LoadAchieved, f.P50Ms, f.P99Ms, f.MaxMs)
	return f, nil
}

func waitSeen(ctx context.Context, seen seenFunc, id, ver int64, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		ok, err := seen(ctx, id, ver)
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("ticket %d version %d not visible after %s", id, ver, limit)
		}
		if !sleepCtx(ctx, 20*time.Millisecond) {
			return ctx.Err()
		}
	}
}

// Percentile returns the nearest-rank p-quantile (0 < p <= 1) of sorted
// durations: the smallest value at least p of them do not exceed.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	k := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[min(max(k, 0), len(sorted)-1)]
}

// Median is the median of xs (the mean of the middle two for an even count).
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return round2((s[len(s)/2-1] + s[len(s)/2]) / 2)
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

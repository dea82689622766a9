// Package index is the knowledge base's bleve search index: resolved tickets
// (cases) for "similar cases" and published articles for suggestions and
// full-text search. It is derived state: everything in it can be rebuilt by
// replaying the ticket event log, which is what the caller does whenever Open
// reports a fresh index.
package index

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/mapping"
)

// Sub-directories of the directory given to Open. Cases and articles live in
// two indexes so that article scores use article statistics (200,000 cases
// would otherwise dominate every article's idf) and article search never
// walks case postings.
const (
	casesDir    = "cases.bleve"
	articlesDir = "articles.bleve"
)

// Internal keys stored inside both indexes.
const (
	keyMappingVersion = "deskmine.mapping_version"
	keyCursor         = "deskmine.cursor"
	keyFlush          = "deskmine.flush"
)

// Options tune an Index. The zero value is usable.
type Options struct {
	// BatchSize is the number of documents per bleve batch in IndexCases and
	// IndexArticles; 0 means 1000.
	BatchSize int
	// Durable makes every write wait until it is on disk. Off by default: a
	// write returns once searchable and reaches disk within a moment, and
	// scorch persists batches in order, so after a crash the index holds a
	// prefix of the writes and the cursor stored with SetCursor never runs
	// ahead of the documents. Replaying from that cursor repairs the rest.
	Durable bool
	// PriorWeight is w in score × boost × (1 + w·prior[category]) when
	// Similar reranks by category prior; 0 means 1.
	PriorWeight float64
	// Logger receives rebuild notices; nil means slog.Default().
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.BatchSize <= 0 {
		o.BatchSize = 1000
	}
	if o.PriorWeight == 0 {
		o.PriorWeight = 1
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// Index is the knowledge search index. It is safe for concurrent use; writes
// are serialised so that the version check and the write it guards are one
// step.
type Index struct {
	dir      string
	opts     Options
	cases    bleve.Index
	articles bleve.Index
	fresh    bool
	rebuilt  bool
	// postingsBudget is the Similar query budget (see similar.go); a field
	// so tests can shrink it.
	postingsBudget uint64

	writeMu sync.Mutex
}

// Open opens the index under dir, creating it when missing. When the stored
// MappingVersion differs or an index cannot be read, both indexes are wiped
// and recreated empty (Rebuilt). In both cases Fresh reports true and the
// caller must replay the event log into the index.
func Open(dir string, opts Options) (*Index, error) {
	if dir == "" {
		return nil, errors.New("open knowledge index: empty directory")
	}
	opts = opts.withDefaults()
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("open knowledge index: %w", err)
	}
	ix := &Index{dir: dir, opts: opts, postingsBudget: postingsBudget}
	reason, err := ix.openExisting()
	if err != nil {
		ix.closeIndexes()
		return nil, err
	}
	if reason == "" {
		return ix, nil
	}
	ix.closeIndexes()
	_, statErr := os.Stat(filepath.Join(dir, casesDir))
	ix.rebuilt = statErr == nil
	if !ix.rebuilt {
		_, statErr = os.Stat(filepath.Join(dir, articlesDir))
		ix.rebuilt = statErr == nil
	}
	if ix.rebuilt {
		opts.Logger.Warn("rebuilding knowledge index", "dir", dir, "reason", reason,
			"mapping_version", MappingVersion)
	}
	if err := ix.create(); err != nil {
		ix.closeIndexes()
		return nil, err
	}
	ix.fresh = true
	return ix, nil
}

// Fresh reports that Open created the index empty, because it was missing or
// had to be rebuilt: the caller must replay the event log into it.
func (ix *Index) Fresh() bool { return ix.fresh }

// Rebuilt reports that Open wiped an existing index, because its mapping
// version differed or it could not be read.
func (ix *Index) Rebuilt() bool { return ix.rebuilt }

// openExisting opens both indexes. It returns a non-empty reason when they
// must be recreated and an error only for problems a rebuild cannot fix,
// such as another process holding the index open.
func (ix *Index) openExisting() (string, error) {
	open := func(name string) (bleve.Index, string, error) {
		path := filepath.Join(ix.dir, name)
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			return nil, name + " missing", nil
		}
		b, err := bleve.OpenUsing(path, ix.runtimeConfig())
		if err != nil {
			if isLockTimeout(err) {
				return nil, "", fmt.Errorf("open knowledge index %s: locked by another process: %w", path, err)
			}
			return nil, fmt.Sprintf("%s unreadable: %v", name, err), nil
		}
		return b, "", nil
	}
	var reason string
	var err error
	ix.cases, reason, err = open(casesDir)
	if err != nil || reason != "" {
		return reason, err
	}
	ix.articles, reason, err = open(articlesDir)
	if err != nil || reason != "" {
		return reason, err
	}
	for _, b := range []bleve.Index{ix.cases, ix.articles} {
		v, err := b.GetInternal([]byte(keyMappingVersion))
		if err != nil {
			return fmt.Sprintf("mapping version unreadable: %v", err), nil
		}
		if got := string(v); got != strconv.Itoa(MappingVersion) {
			return fmt.Sprintf("mapping version %q, want %d", got, MappingVersion), nil
		}
	}
	return "", nil
}

// create wipes both indexes and makes them anew, stamping the version last
// so that a crash half-way leaves an index Open will rebuild again.
func (ix *Index) create() error {
	build := func(name string, m mapping.IndexMapping) (bleve.Index, error) {
		path := filepath.Join(ix.dir, name)
		if err := os.RemoveAll(path); err != nil {
			return nil, fmt.Errorf("wipe knowledge index %s: %w", path, err)
		}
		b, err := bleve.NewUsing(path, m, bleve.Config.DefaultIndexType, bleve.Config.DefaultKVStore, ix.runtimeConfig())
		if err != nil {
			return nil, fmt.Errorf("create knowledge index %s: %w", path, err)
		}
		return b, nil
	}
	var err error
	if ix.cases, err = build(casesDir, caseMapping()); err != nil {
		return err
	}
	if ix.articles, err = build(articlesDir, articleMapping()); err != nil {
		return err
	}
	for _, b := range []bleve.Index{ix.articles, ix.cases} {
		if err := b.SetInternal([]byte(keyMappingVersion), []byte(strconv.Itoa(MappingVersion))); err != nil {
			return fmt.Errorf("stamp knowledge index version: %w", err)
		}
	}
	return nil
}

// runtimeConfig is the scorch configuration used to create and open.
func (ix *Index) runtimeConfig() map[string]interface{} {
	return map[string]interface{}{
		"unsafe_batch": !ix.opts.Durable,
		// Without a timeout a second process opening the same index waits
		// forever on the bolt file lock.
		"bolt_timeout": "5s",
	}
}

// isLockTimeout recognises bbolt's "timeout" error, which is all scorch
// reports when another process holds the index.
func isLockTimeout(err error) bool {
	return strings.Contains(err.Error(), "timeout")
}

func (ix *Index) closeIndexes() {
	for _, b := range []bleve.Index{ix.cases, ix.articles} {
		if b != nil {
			_ = b.Close()
		}
	}
	ix.cases, ix.articles = nil, nil
}

// flushTimeout bounds how long Close waits for the last writes to reach
// disk.
const flushTimeout = time.Minute

// Flush waits until every write made so far is on disk. Without
// Options.Durable writes return before that; a caller that has just replayed
// a large part of the event log can Flush before reporting success.
func (ix *Index) Flush(ctx context.Context) error {
	ix.writeMu.Lock()
	defer ix.writeMu.Unlock()
	return ix.flush(ctx)
}

func (ix *Index) flush(ctx context.Context) error {
	for _, b := range []bleve.Index{ix.cases, ix.articles} {
		if b == nil {
			continue
		}
		// scorch reports persistence per batch, so send one that changes
		// nothing but must be persisted after everything before it.
		done := make(chan error, 1)
		batch := b.NewBatch()
		batch.SetInternal([]byte(keyFlush), []byte{1})
		batch.SetPersistedCallback(func(err error) { done <- err })
		if err := b.Batch(batch); err != nil {
			return fmt.Errorf("flush knowledge index: %w", err)
		}
		select {
		case err := <-done:
			if err != nil {
				return fmt.Errorf("flush knowledge index: %w", err)
			}
		case <-ctx.Done():
			return fmt.Errorf("flush knowledge index: %w", ctx.Err())
		}
	}
	return nil
}

// Settle waits until bleve's background work (persisting and merging
// segments) has caught up with every write. Queries right after a bulk load
// compete with that work and search more, smaller segments; benchmarks and
// `deskmine bench knowledge` settle before measuring.
func (ix *Index) Settle(ctx context.Context) error {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for quiet := 0; quiet < 3; {
		busy := false
		for _, b := range []bleve.Index{ix.cases, ix.articles} {
			stats, _ := b.StatsMap()["index"].(map[string]interface{})
			if active, _ := stats["index_bgthreads_active"].(bool); active {
				busy = true
			}
		}
		if busy {
			quiet = 0
		} else {
			quiet++
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("settle knowledge index: %w", ctx.Err())
		case <-tick.C:
		}
	}
	return nil
}

// Close writes what is still in memory to disk and closes both indexes.
func (ix *Index) Close() error {
	ix.writeMu.Lock()
	defer ix.writeMu.Unlock()
	var errs []error
	ctx, cancel := context.WithTimeout(context.Background(), flushTimeout)
	defer cancel()
	if err := ix.flush(ctx); err != nil {
		errs = append(errs, err)
	}
	for _, b := range []bleve.Index{ix.cases, ix.articles} {
		if b == nil {
			continue
		}
		if err := b.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	ix.cases, ix.articles = nil, nil
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close knowledge index: %w", err)
	}
	return nil
}

// Count returns the number of indexed cases and articles.
func (ix *Index) Count(ctx context.Context) (cases, articles uint64, err error) {
	if err := ctx.Err(); err != nil {
		return 0, 0, err
	}
	if cases, err = ix.cases.DocCount(); err != nil {
		return 0, 0, fmt.Errorf("count cases: %w", err)
	}
	if articles, err = ix.articles.DocCount(); err != nil {
		return 0, 0, fmt.Errorf("count articles: %w", err)
	}
	return cases, articles, nil
}

// Cursor returns the position in the event log the index has caught up to,
// as last stored by SetCursor; 0 for a fresh index.
func (ix *Index) Cursor(ctx context.Context) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	// Each index persists its own writes in order, so each copy of the
	// cursor is safe for that index alone; the smaller one is safe for both.
	var seq uint64
	for i, b := range []bleve.Index{ix.cases, ix.articles} {
		v, err := b.GetInternal([]byte(keyCursor))
		if err != nil {
			return 0, fmt.Errorf("read knowledge index cursor: %w", err)
		}
		var got uint64
		switch len(v) {
		case 0:
		case 8:
			got = binary.BigEndian.Uint64(v)
		default:
			return 0, fmt.Errorf("read knowledge index cursor: %d bytes, want 8", len(v))
		}
		if i == 0 || got < seq {
			seq = got
		}
	}
	return seq, nil
}

// SetCursor records that every event up to seq has been applied. Call it
// after the writes it covers: it is stored in the indexes themselves, so it
// is wiped with them and never survives a crash that lost those writes.
func (ix *Index) SetCursor(ctx context.Context, seq uint64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ix.writeMu.Lock()
	defer ix.writeMu.Unlock()
	v := binary.BigEndian.AppendUint64(nil, seq)
	for _, b := range []bleve.Index{ix.cases, ix.articles} {
		if err := b.SetInternal([]byte(keyCursor), v); err != nil {
			return fmt.Errorf("store knowledge index cursor: %w", err)
		}
	}
	return nil
}
